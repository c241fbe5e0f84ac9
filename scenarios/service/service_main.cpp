// vtbench_service (and vtbench_service_counting): the service scenario. For each worker
// count, clients per worker and hit percent, it connects the workers (service_worker.hpp)
// and runs every selected implementation's repetitions interleaved (each round one
// repetition per implementation, in a shuffled order, so drift falls on all alike); the
// open loop follows at fractions of the best closed-loop median throughput. Per repetition
// it measures what docs/service-format.md lists and writes the file at the end, whole, or
// not at all: any failure prints one line naming the configuration and exits 1.
//
// VTB_COMPILER and VTB_GIT_REVISION are string literals defined by its CMakeLists.txt.
#include <algorithm>
#include <barrier>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <numeric>
#include <optional>
#include <sstream>
#include <thread>

#include "alloc_counter.hpp"
#include "allocator_detect.hpp"
#include "flag_parsing.hpp"
#include "implementations.hpp"
#include "json_writer.hpp"
#include "key_sequence.hpp"
#include "machine_state.hpp"
#include "service/cpu_time.hpp"
#include "service/latency_percentiles.hpp"
#include "service/service_options.hpp"
#include "service/service_worker.hpp"

namespace vtb::scenarios::service {
namespace {

// The implementations whose miss can await I/O on the worker's loop: vtb's types and the
// plain `sync` function. std_future and asio_awaitable are left out: a std::future can
// only be waited for by blocking the thread (one thread per request in flight), and asio's
// awaitable runs on asio's own io_context, not on this loop.
template <class Impl>
constexpr bool runs_on_service_loop = std::is_same_v<typename Impl::execution, vtb_execution>;

std::vector<std::string_view> service_implementation_names() {
    std::vector<std::string_view> names;
    all_implementations::for_each([&]<class Impl>() {
        if constexpr (runs_on_service_loop<Impl>) names.push_back(Impl::name);
    });
    return names;
}

// latency_ns's points, each one of latency_distribution_ns's: one selection pass gives both.
constexpr std::array<double, 5> reported_points{50, 90, 99, 99.9, 100};
constexpr std::array<std::string_view, 5> reported_names{"p50", "p90", "p99", "p99.9", "max"};
constexpr std::array<double, 10> distribution_points{50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 100};
static_assert(std::ranges::all_of(reported_points, [](double p) {
    return std::ranges::find(distribution_points, p) != distribution_points.end();
}));

// The latency at `p` of a repetition's distribution (p is one of distribution_points).
std::int64_t latency_at(const std::vector<std::pair<double, std::int64_t>>& distribution, double p) {
    return std::ranges::find(distribution, p, &std::pair<double, std::int64_t>::first)->second;
}
constexpr double latency_buffer_rate = 2e7;  // requests per second a worker's buffer holds

struct repetition_result {
    std::uint64_t requests = 0;
    double seconds = 0;
    std::vector<std::pair<double, std::int64_t>> distribution;  // at distribution_points
    std::uint64_t client_cpu_ns = 0, server_cpu_ns = 0, queries = 0, misses = 0, allocs = 0;
    double calibration_ns = 0;
};

struct run_result {
    std::string_view implementation;
    double hit_percent;
    int workers, clients_per_worker;
    load_kind loop;
    double target_rate;  // open loop
    std::vector<repetition_result> repetitions;
};

// Statements the server counted for the scenario's query (pg_stat_statements).
std::uint64_t counted_queries(pg_connection& control, std::string_view column) {
    return std::stoull(
        control.scalar("SELECT COALESCE(sum(calls), 0) FROM pg_stat_statements WHERE query = "
                       "'SELECT id, " +
                       std::string(column) + " FROM messages WHERE id = $1'"));
}

// W workers on their own threads, driven one repetition at a time.
template <class Payload>
class worker_group {
public:
    using worker = service_worker<Payload>;
    using prepare_fn = void (worker::*)(const repetition_plan&);

    worker_group(const service_options& options, const cache_params& params, int workers, int clients)
        : barrier_(workers + 1), failures_(static_cast<std::size_t>(workers)) {
        const auto capacity = static_cast<std::size_t>(latency_buffer_rate *
                                                       std::max(options.repetition_seconds, options.warm_up_seconds));
        for (int index = 0; index < workers; ++index)
            workers_.push_back(std::make_unique<worker>(options.conninfo, params, clients, capacity));
        merged_.reserve(capacity * static_cast<std::size_t>(workers));
        for (int index = 0; index < workers; ++index) threads_.emplace_back([this, index] { serve(index); });
    }
    ~worker_group() {
        quit_ = true;
        barrier_.arrive_and_wait();
        for (auto& thread : threads_) thread.join();
    }

    // One repetition on every worker. The workers pass the same four barriers whatever
    // fails, so that a failure ends with every thread waiting for the next command.
    template <class Impl>
    repetition_result repeat(pg_connection& control, const repetition_plan& plan) {
        prepare_ = &worker::template prepare<Impl>;
        plan_ = plan;
        for (auto& failure : failures_) failure = nullptr;
        repetition_result result;
        const std::string column = payload_column<Payload>();
        std::exception_ptr measuring;
        barrier_.arrive_and_wait();  // the workers prepare
        barrier_.arrive_and_wait();  // prepared
        double calibration_before = 0;
        std::uint64_t queries_before = 0, server_before = 0, allocs_before = 0, client_before = 0;
        try {
            calibration_before = vtb::harness::calibration_ns();
            queries_before = counted_queries(control, column);
            server_before = server_cpu_ns();
        } catch (...) {
            measuring = std::current_exception();
        }
        allocs_before = vtb::harness::alloc_totals_now().allocs;
        client_before = this_process_cpu_ns();
        start_ = clock::now();
        barrier_.arrive_and_wait();  // the workers run
        barrier_.arrive_and_wait();  // done
        result.client_cpu_ns = this_process_cpu_ns() - client_before;
        result.allocs = vtb::harness::alloc_totals_now().allocs - allocs_before;
        rethrow_failure();
        if (measuring) std::rethrow_exception(measuring);
        result.server_cpu_ns = server_cpu_ns() - server_before;
        result.queries = counted_queries(control, column) - queries_before;
        result.calibration_ns = std::max(calibration_before, vtb::harness::calibration_ns());
        clock::time_point finished = start_;
        merged_.clear();
        for (const auto& each : workers_) {
            finished = std::max(finished, each->finished_at());
            result.misses += each->misses();
            merged_.insert(merged_.end(), each->latencies().begin(), each->latencies().end());
        }
        result.requests = merged_.size();
        result.seconds = std::chrono::duration<double>(finished - start_).count();
        if (result.requests == 0) throw pg_error("no request completed in the repetition");
        result.distribution = percentiles(merged_, distribution_points);
        if (result.queries != result.misses)
            throw pg_error("the server counted " + std::to_string(result.queries) + " queries for " +
                           std::to_string(result.misses) + " misses");
        return result;
    }

private:
    void serve(int index) {
        worker& mine = *workers_[static_cast<std::size_t>(index)];
        for (;;) {
            barrier_.arrive_and_wait();
            if (quit_) return;
            capture(index, [&] { (mine.*prepare_)(plan_); });
            barrier_.arrive_and_wait();
            barrier_.arrive_and_wait();
            if (!failures_[static_cast<std::size_t>(index)]) capture(index, [&] { mine.run(start_); });
            barrier_.arrive_and_wait();
        }
    }

    template <class F>
    void capture(int index, F&& body) {
        try {
            body();
        } catch (...) {
            failures_[static_cast<std::size_t>(index)] = std::current_exception();
        }
    }

    void rethrow_failure() {
        for (auto& failure : failures_) {
            if (failure) std::rethrow_exception(failure);
        }
    }

    std::uint64_t server_cpu_ns() const {
        std::uint64_t total = 0;
        for (const auto& each : workers_) total += process_cpu_ns(each->backend_pid());
        return total;
    }

    std::vector<std::unique_ptr<worker>> workers_;
    std::vector<std::thread> threads_;
    std::barrier<> barrier_;
    std::vector<std::exception_ptr> failures_;
    prepare_fn prepare_ = nullptr;
    repetition_plan plan_{};
    clock::time_point start_{};
    bool quit_ = false;
    std::vector<std::int64_t> merged_;
};

double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    const std::size_t middle = values.size() / 2;
    return values.size() % 2 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
}

std::string configuration_name(std::string_view loop, int workers, int clients, double hit, double rate) {
    std::ostringstream name;
    name << "loop:" << loop << "/workers:" << workers << "/clients:" << clients << "/hit:" << hit;
    if (rate > 0) name << "/rate:" << static_cast<std::uint64_t>(rate);
    return name.str();
}

template <class Payload>
class service_run {
public:
    explicit service_run(const service_options& options)
        : options_(options), control_(options.conninfo, payload_column<Payload>(), pg_connection::mode::blocking) {}

    std::vector<run_result> run_all() {
        std::size_t group = 0;
        const std::size_t groups =
            options_.workers.size() * options_.clients_per_worker.size() * options_.hit_percents.size();
        for (int workers : options_.workers) {
            for (int clients : options_.clients_per_worker) {
                for (double hit : options_.hit_percents) {
                    std::cerr << "vtbench_service: [" << ++group << "/" << groups << "] workers:" << workers
                              << " clients:" << clients << " hit:" << hit << std::endl;
                    run_group(workers, clients, hit);
                }
            }
        }
        return std::move(results_);
    }

    std::string server_version() { return control_.scalar("SHOW server_version"); }

private:
    void run_group(int workers, int clients, double hit) {
        const cache_params params{.hit_percent = hit, .db = db_mode::async};
        worker_group<Payload> group(options_, params, workers, clients);
        const std::size_t first = results_.size();
        run_loop_kind(group, load_kind::closed, workers, clients, hit, 0);
        const auto among = [](const std::vector<int>& values, int value) {
            return std::find(values.begin(), values.end(), value) != values.end();
        };
        const bool open = options_.open_loop && among(options_.open_workers, workers) &&
                          among(options_.open_clients_per_worker, clients);
        if (!open) return;
        double best = 0;
        for (std::size_t index = first; index < results_.size(); ++index) {
            std::vector<double> rates;
            for (const auto& repetition : results_[index].repetitions)
                rates.push_back(static_cast<double>(repetition.requests) / repetition.seconds);
            best = std::max(best, median(rates));
        }
        for (int percent : options_.open_load_percents)
            run_loop_kind(group, load_kind::open, workers, clients, hit, best * percent / 100);
    }

    void run_loop_kind(worker_group<Payload>& group, load_kind loop, int workers, int clients, double hit,
                       double rate) {
        const std::string name =
            configuration_name(loop == load_kind::closed ? "closed" : "open", workers, clients, hit, rate);
        std::vector<std::size_t> order;
        const std::size_t first = results_.size();
        for (const std::string& implementation : options_.implementations) {
            order.push_back(results_.size());
            results_.push_back(run_result{known_name(implementation), hit, workers, clients, loop, rate, {}});
        }
        repetition_plan plan{.loop = loop, .requests_per_second = rate / workers};
        plan.length =
            std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(options_.warm_up_seconds));
        for (std::size_t index : order)
            repeat(group, results_[index].implementation, plan, name);  // warm-up, unrecorded
        plan.length =
            std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(options_.repetition_seconds));
        splitmix64 random(static_cast<std::uint64_t>(first) * 7919 + 1);
        for (int round = 0; round < options_.repetitions; ++round) {
            for (std::size_t i = order.size(); i > 1; --i)
                std::swap(order[i - 1], order[random.bounded(static_cast<std::uint32_t>(i))]);
            for (std::size_t index : order)
                results_[index].repetitions.push_back(repeat(group, results_[index].implementation, plan, name));
        }
    }

    repetition_result repeat(worker_group<Payload>& group, std::string_view implementation, const repetition_plan& plan,
                             const std::string& name) {
        std::optional<repetition_result> result;
        all_implementations::for_each([&]<class Impl>() {
            if constexpr (runs_on_service_loop<Impl>) {
                if (Impl::name != implementation) return;
                try {
                    result = group.template repeat<Impl>(control_, plan);
                } catch (const std::exception& error) {
                    throw pg_error(std::string(name) + "/impl:" + std::string(implementation) + ": " + error.what());
                }
            }
        });
        return std::move(*result);
    }

    static std::string_view known_name(const std::string& implementation) {
        static const std::vector<std::string_view> names = service_implementation_names();
        return *std::find(names.begin(), names.end(), implementation);
    }

    const service_options& options_;
    pg_connection control_;
    std::vector<run_result> results_;
};

void write_points(json_writer& out, const std::vector<std::pair<double, std::int64_t>>& points) {
    out.begin_array();
    for (const auto& [p, value] : points)
        out.begin_array().value(p).value(static_cast<std::int64_t>(value)).end_array();
    out.end_array();
}

std::string results_json(const service_options& options, const std::string& server_version,
                         const std::vector<run_result>& runs) {
    const bool counting = vtb::harness::counting_enabled();
    json_writer out(true);
    out.begin_object().key("context").begin_object();
    out.key("program").value(counting ? "vtbench_service_counting" : "vtbench_service");
    out.key("vtb_compiler").value(VTB_COMPILER);
    out.key("vtb_allocator").value(vtb::harness::detect_allocator().name);
    out.key("vtb_git_revision").value(VTB_GIT_REVISION);
    out.key("counting").value(counting);
    out.key("payload").value(options.payload);
    out.key("repetition_seconds").value(options.repetition_seconds);
    out.key("repetitions").value(options.repetitions);
    out.key("server").begin_object().key("version").value(server_version).end_object();
    out.end_object().key("runs").begin_array();
    for (const run_result& run : runs) {
        out.begin_object();
        out.key("implementation").value(run.implementation);
        out.key("hit_percent").value(run.hit_percent);
        out.key("workers").value(run.workers);
        out.key("clients_per_worker").value(run.clients_per_worker);
        out.key("loop").value(run.loop == load_kind::closed ? "closed" : "open");
        out.key("target_rate");
        if (run.loop == load_kind::open)
            out.value(run.target_rate);
        else
            out.null_value();
        out.key("repetitions").begin_array();
        std::uint64_t requests = 0, allocs = 0;
        for (const repetition_result& repetition : run.repetitions) {
            const double per_request = 1.0 / static_cast<double>(repetition.requests);
            requests += repetition.requests;
            allocs += repetition.allocs;
            out.begin_object();
            out.key("requests").value(repetition.requests);
            out.key("seconds").value(repetition.seconds);
            out.key("requests_per_second").value(static_cast<double>(repetition.requests) / repetition.seconds);
            out.key("latency_ns").begin_object();
            for (std::size_t i = 0; i < reported_names.size(); ++i)
                out.key(reported_names[i]).value(latency_at(repetition.distribution, reported_points[i]));
            out.end_object();
            out.key("latency_distribution_ns");
            write_points(out, repetition.distribution);
            out.key("client_cpu_ns_per_request").value(static_cast<double>(repetition.client_cpu_ns) * per_request);
            out.key("server_cpu_ns_per_request").value(static_cast<double>(repetition.server_cpu_ns) * per_request);
            out.key("queries").value(repetition.queries);
            out.key("misses").value(repetition.misses);
            out.key("calibration_ns").value(repetition.calibration_ns);
            out.end_object();
        }
        out.end_array().key("allocs_per_request");
        if (counting)
            out.value(static_cast<double>(allocs) / static_cast<double>(requests));
        else
            out.null_value();
        out.end_object();
    }
    out.end_array().end_object();
    return out.str() + "\n";
}

// Writes beside the target and renames, so that a failure leaves no partial file.
void write_whole(const std::string& path, const std::string& text) {
    const std::string partial = path + ".partial";
    {
        std::ofstream file(partial);
        file << text;
        if (!file.flush()) throw std::runtime_error("cannot write " + partial);
    }
    std::filesystem::rename(partial, path);
}

template <class Payload>
void run_service(const service_options& options) {
    service_run<Payload> run(options);
    const std::string version = run.server_version();
    const std::vector<run_result> runs = run.run_all();
    write_whole(options.out, results_json(options, version, runs));
}

}  // namespace
}  // namespace vtb::scenarios::service

int main(int argc, char** argv) {
    using namespace vtb::scenarios::service;
    const std::string program = "vtbench_service";
    const std::vector<std::string_view> names = service_implementation_names();
    service_options options;
    try {
        options = parse_service_options(argc, argv, names);
    } catch (const vtb::harness::usage_error& error) {
        std::cerr << program << ": " << error.what() << '\n';
        return 2;
    }
    if (options.help) {
        std::cout << service_usage(program, names);
        return 0;
    }
    try {
        if (options.payload == "int")
            run_service<int>(options);
        else
            run_service<std::string>(options);
    } catch (const std::exception& error) {
        std::cerr << program << ": " << error.what() << '\n';
        return 1;
    }
    return 0;
}
