// scenarios/service/pg_database.hpp: cache_service's Database policy (cache_service.hpp)
// for the service scenario: every miss is a query to the run's PostgreSQL server over one
// pg_connection.
//
// - begin_load (db_mode::async) sends the query on the pipelined connection and keeps the
//   request in a ring of max_in_flight slots (the answers come back in the order sent);
//   the worker's event loop calls end_batch() once per turn (one Sync and one write for
//   every query its clients sent in that turn) and deliver_answers() when the socket is
//   readable, which completes each answered request: complete(context, service, key, value)
//   on the loop's thread, as .NET's awaits complete from I/O completions.
// - load (db_mode::sync, the `sync` implementation's miss) is one blocking query.
// - Every answer's id must be the key asked for, and its value is parsed as the payload; a
//   wrong row throws pg_error. (The scenario's checksum then checks the values themselves.)
//
// Cost: no allocation per request (the ring is allocated at construction); the payload's own
// (a std::string's buffer) as with the simulated database; libpq's mallocs
// (pg_connection.hpp) are not operator new and are not counted.
#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cache_service.hpp"
#include "service/pg_connection.hpp"

namespace vtb::scenarios::service {

// The payload from the text of its column.
template <class Payload>
Payload parse_payload(std::string_view text);

template <>
inline int parse_payload<int>(std::string_view text) {
    int value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size())
        throw pg_error("the query answered an int payload that is not a number: " + std::string(text));
    return value;
}

template <>
inline std::string parse_payload<std::string>(std::string_view text) {
    return std::string(text);
}

// The messages table's column of each payload (scripts/pg_server.py makes the table).
template <class Payload>
std::string payload_column() {
    return std::string(payload_traits<Payload>::name) + "_payload";
}

template <class Service, class Payload>
class pg_database {
public:
    using completion_fn = void (*)(void* context, Service& service, int key, Payload&& value);

    pg_database(Service& service, pg_connection& connection, std::size_t max_in_flight)
        : service_(service), connection_(connection), requests_(max_in_flight) {}

    Payload load(int key) {
        ++queries_sent_;
        const auto [id, text] = connection_.query(key);
        return checked(key, id, text);
    }

    void begin_load(int key, completion_fn complete, void* context) {
        if (in_flight_ == requests_.size())
            throw std::logic_error("pg_database: more requests in flight than it was made for");
        requests_[(oldest_ + in_flight_) % requests_.size()] = request{key, complete, context};
        ++in_flight_;
        ++queries_sent_;
        connection_.send(key);
    }

    // The worker loop's: ends the turn's batch and writes it; true when all is written.
    bool end_batch() {
        connection_.sync();
        return connection_.flush();
    }

    // The worker loop's, when the socket is readable: completes every answered request.
    void deliver_answers() {
        connection_.consume();
        while (connection_.answer_ready()) {
            const auto [id, text] = connection_.next_answer();
            const request answered = requests_[oldest_];
            oldest_ = (oldest_ + 1) % requests_.size();
            --in_flight_;
            answered.complete(answered.context, service_, answered.key, checked(answered.key, id, text));
        }
    }

    std::size_t in_flight() const noexcept { return in_flight_; }
    std::uint64_t queries_sent() const noexcept { return queries_sent_; }

private:
    struct request {
        int key = 0;
        completion_fn complete = nullptr;
        void* context = nullptr;
    };

    static Payload checked(int key, int id, std::string_view text) {
        if (id != key)
            throw pg_error("wrong row: the query for key " + std::to_string(key) + " answered id " +
                           std::to_string(id));
        return parse_payload<Payload>(text);
    }

    Service& service_;
    pg_connection& connection_;
    std::vector<request> requests_;
    std::size_t oldest_ = 0;
    std::size_t in_flight_ = 0;
    std::uint64_t queries_sent_ = 0;
};

}  // namespace vtb::scenarios::service
