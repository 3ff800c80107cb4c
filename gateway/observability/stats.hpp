// Request, upstream and listener statistics. Each worker owns its own set and is the
// only writer, so recording is a plain relaxed store (no lock, no atomic RMW); the
// /metrics scrape reads every worker's set and adds them up.
#pragma once

#include <boost/beast/http/verb.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace tg::observability {

// Written by one thread, read by any.
class Counter {
public:
    void add(std::uint64_t n = 1) { value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
    std::uint64_t get() const { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<std::uint64_t> value_{0};
};

class Gauge {
public:
    void add(std::int64_t n) { value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
    std::int64_t get() const { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<std::int64_t> value_{0};
};

enum class MethodClass { read, write, other };  // GET/HEAD/OPTIONS; POST/PUT/PATCH/DELETE; the rest
inline constexpr std::array<const char*, 3> method_class_names{"read", "write", "other"};
MethodClass method_class_of(boost::beast::http::verb method);

// Upper bounds of the latency histogram, in seconds.
inline constexpr std::array<double, 12> latency_bounds{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                       0.1,   0.25,   0.5,   1.0,  2.5,   10.0};

struct RouteStats {
    std::array<std::array<Counter, 5>, 3> requests;  // [method class][status class 1xx..5xx]
    std::array<Counter, latency_bounds.size()> latency_buckets;  // not cumulative; rendering adds up
    Counter latency_count;
    Counter latency_sum_us;
    Counter bytes_in;
    Counter bytes_out;
    Counter rate_limited;  // requests refused with 429 by the route's rate limits

    void record(MethodClass method, unsigned status, std::chrono::microseconds duration, std::uint64_t in,
                std::uint64_t out);
};

struct UpstreamStats {
    Gauge active;  // connections carrying an exchange
    Gauge idle;    // connections waiting in the pool
    Counter opened;
    Counter failed;
    Counter reused;
};

struct ListenerStats {
    Counter tls_handshakes;
    Counter tls_failures;
    Counter proxy_header_failures;  // connections closed for a missing or invalid PROXY header
};

// One worker's statistics. The maps only grow (on start and reload), under `mutex`;
// the scrape iterates them under the same mutex. Recording never takes it: callers
// keep pointers to the entries, which never move.
class WorkerStats {
public:
    RouteStats& route(const std::string& name);
    UpstreamStats& upstream(const std::string& name);
    ListenerStats& listener(const std::string& name);

    template <class F>
    void visit(F&& f) const {
        std::lock_guard lock(mutex_);
        f(routes_, upstreams_, listeners_);
    }

private:
    mutable std::mutex mutex_;
    std::map<std::string, std::unique_ptr<RouteStats>> routes_;
    std::map<std::string, std::unique_ptr<UpstreamStats>> upstreams_;
    std::map<std::string, std::unique_ptr<ListenerStats>> listeners_;
};

// Process-wide facts about configuration.
struct ConfigStats {
    Counter reloads_ok;
    Counter reloads_failed;
    std::mutex mutex;
    std::string loaded_hash;  // sha256 of the loaded config file, hex
};

}  // namespace tg::observability
