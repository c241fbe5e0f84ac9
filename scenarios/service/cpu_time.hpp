// scenarios/service/cpu_time.hpp: CPU time spent, for the service's cost per request.
//
// - this_process_cpu_ns: user + system time of this process (getrusage, RUSAGE_SELF:
//   every thread, microsecond resolution).
// - process_cpu_ns(pid): the time another process (a server backend) has run on a CPU, in
//   nanoseconds (/proc/<pid>/schedstat's first field; /proc/<pid>/stat's utime and stime
//   count 10 ms ticks, too coarse for a repetition of a tenth of a second).
//
// Cost: one system call, or one small file read; no allocation beyond the path string.
#pragma once

#include <sys/resource.h>
#include <sys/types.h>

#include <cstdint>
#include <fstream>
#include <stdexcept>
#include <string>

namespace vtb::scenarios::service {

inline std::uint64_t this_process_cpu_ns() {
    rusage usage{};
    if (::getrusage(RUSAGE_SELF, &usage) != 0) throw std::runtime_error("getrusage failed");
    const auto micros = [](const timeval& time) {
        return static_cast<std::uint64_t>(time.tv_sec) * 1'000'000 + static_cast<std::uint64_t>(time.tv_usec);
    };
    return 1000 * (micros(usage.ru_utime) + micros(usage.ru_stime));
}

inline std::uint64_t process_cpu_ns(pid_t pid) {
    std::ifstream schedstat("/proc/" + std::to_string(pid) + "/schedstat");
    std::uint64_t on_cpu_ns = 0;
    if (!(schedstat >> on_cpu_ns))
        throw std::runtime_error("cannot read /proc/" + std::to_string(pid) +
                                 "/schedstat (is the server process gone?)");
    return on_cpu_ns;
}

}  // namespace vtb::scenarios::service
