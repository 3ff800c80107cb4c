#include "bench/scheduler/scheduler_bench.hpp"

#include "bench/scheduler/proc.hpp"
#include "gateway/observability/prometheus.hpp"
#include "gateway/config/model.hpp"
#include "gateway/core/log.hpp"
#include "gateway/core/time_format.hpp"
#include "proto_handlers/common/sessions/memory_session_store.hpp"
#include "proto_handlers/common/sessions/session_record.hpp"
#include "proto_handlers/dxtrade/keepalive.hpp"
#include "proto_handlers/dxtrade/settings.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace tg::bench {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
using dxtrade::KeepaliveStats;

constexpr const char* kDomain = "default";
constexpr std::string_view kTokenAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
constexpr std::size_t kTokenLength = 32;
constexpr auto kSamplePeriod = 100ms;  // in-flight / queue-depth sampling during the window

std::uint64_t splitmix64(std::uint64_t& state) {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

// A 32-character alphanumeric token, the same for the same id (the store and the keepalive
// hold the same token, as they would in the gateway).
std::string make_token(std::uint64_t id) {
    std::string token(kTokenLength, '\0');
    std::uint64_t state = id * 0x2545f4914f6cdd1dULL;
    for (auto& c : token) c = kTokenAlphabet[splitmix64(state) % kTokenAlphabet.size()];
    return token;
}

std::string login_of(std::uint64_t id) { return "u" + std::to_string(id); }

double seconds_between(Clock::time_point from, Clock::time_point to) {
    return std::chrono::duration<double>(to - from).count();
}

struct Snapshot {
    Clock::time_point at;
    KeepaliveStats stats;
    std::uint64_t cpu = 0;
    MachineCpu machine;
    std::optional<std::uint64_t> sink_cpu;
};

Snapshot snapshot(const dxtrade::Keepalive& keepalive, const std::string& sink_pid) {
    Snapshot s;
    s.stats = keepalive.stats();
    s.cpu = cpu_ticks().value_or(0);
    s.machine = machine_cpu();
    if (!sink_pid.empty()) s.sink_cpu = cpu_ticks(sink_pid);
    s.at = Clock::now();
    return s;
}

// "10" for "≤ 10 ms", "inf" for the overflow bucket, "na" when there were no pings.
std::string bound_value(std::int64_t bound) {
    if (bound < 0) return "na";
    if (bound == std::numeric_limits<std::int64_t>::max()) return "inf";
    return std::to_string(bound);
}

std::string bound_text(std::int64_t bound) {
    if (bound < 0) return "n/a";
    if (bound == std::numeric_limits<std::int64_t>::max())
        return "> " + std::to_string(KeepaliveStats::lag_bounds_ms.back()) + " ms";
    return "<= " + std::to_string(bound) + " ms";
}

// The lag histogram of the pings sent between two snapshots.
KeepaliveStats lag_delta(const KeepaliveStats& before, const KeepaliveStats& after) {
    KeepaliveStats d;
    for (std::size_t i = 0; i < d.lag_buckets.size(); ++i) d.lag_buckets[i] = after.lag_buckets[i] - before.lag_buckets[i];
    d.lag_count = after.lag_count - before.lag_count;
    return d;
}

std::int64_t max_bucket_bound(const KeepaliveStats& s) {
    for (std::size_t i = s.lag_buckets.size(); i-- > 0;)
        if (s.lag_buckets[i] > 0)
            return i < KeepaliveStats::lag_bounds_ms.size() ? KeepaliveStats::lag_bounds_ms[i]
                                                            : std::numeric_limits<std::int64_t>::max();
    return -1;
}

std::string buckets_text(const KeepaliveStats& s) {
    std::string out;
    for (std::size_t i = 0; i < s.lag_buckets.size(); ++i) {
        if (i > 0) out += ',';
        out += std::to_string(s.lag_buckets[i]);
    }
    return out;
}

std::string fixed(double value, int digits) {
    std::ostringstream out;
    out << std::fixed << std::setprecision(digits) << value;
    return out.str();
}

// Leaves at once: ~Keepalive would first work through the add()s still queued on its thread,
// which is exactly what took too long.
[[noreturn]] void give_up() {
    std::cout.flush();
    std::cerr.flush();
    std::_Exit(1);
}

std::optional<log::Level> parse_level(const std::string& name) {
    if (name == "debug") return log::Level::debug;
    if (name == "info") return log::Level::info;
    if (name == "warn") return log::Level::warn;
    if (name == "error") return log::Level::error;
    return std::nullopt;
}

// The machine-readable line: "RESULT\tkey=value\t...".
struct ResultLine {
    template <class T> void add(const std::string& key, const T& value) {
        std::ostringstream field;
        field << value;
        line += '\t' + key + '=' + field.str();
    }
    std::string line = "RESULT";
};

}  // namespace

int run_scheduler_bench(const SchedulerOptions& o) {
    const auto level = parse_level(o.log_level);
    if (!level) {
        std::cerr << "scheduler-bench: --log-level must be debug, info, warn or error\n";
        return 2;
    }
    log::set_min_level(*level);

    dxtrade::Settings settings;
    settings.upstream = "dxweb";
    settings.auth.mode = dxtrade::AuthMode::basic;  // one precomputed header: no /login round trips
    settings.auth.username = "bench";
    settings.auth.domain = kDomain;
    settings.auth.password = "dxweb_password";
    settings.terminal_login_url = "http://127.0.0.1/api/auth/login/form-with-token";
    settings.keepalive.interval = std::chrono::milliseconds(o.interval_ms);
    settings.keepalive.jitter = o.jitter;
    settings.keepalive.max_in_flight = o.max_in_flight;

    config::Upstream upstream;
    upstream.name = "dxweb";
    config::UpstreamServer server;
    server.url = "http://127.0.0.1:" + std::to_string(o.sink_port);
    server.host = "127.0.0.1";
    server.port = o.sink_port;
    upstream.servers = {server};
    upstream.pool_size = std::max<std::size_t>(upstream.pool_size, o.max_in_flight);
    upstream.connect_timeout = 1000ms;
    upstream.response_timeout = 5000ms;

    const double tps = ticks_per_second();
    const std::size_t n = o.sessions;
    const double expected_pps = static_cast<double>(n) * 1000.0 / static_cast<double>(o.interval_ms);

    sessions::MemorySessionStore store;
    dxtrade::Keepalive keepalive(settings, upstream, "bench-password");
    keepalive.start();
    std::this_thread::sleep_for(200ms);  // the loop's thread is up and idle

    const auto rss_base = static_cast<std::uint64_t>(observability::resident_memory_bytes());
    const auto heap_base = heap_in_use();
    const auto setup_cpu0 = cpu_ticks().value_or(0);
    const auto setup_start = Clock::now();
    const auto setup_deadline = setup_start + std::chrono::seconds(o.max_setup_s);
    const auto created_ms = unix_millis_now();

    std::cerr << "scheduler-bench: adding " << n << " sessions to the memory store" << std::endl;
    for (std::size_t i = 0; i < n; ++i) {
        const std::uint64_t id = i + 1;
        sessions::SessionRecord record;
        record.id = id;
        record.user_id = "user-" + std::to_string(id);
        record.login = login_of(id);
        record.domain = kDomain;
        record.token = sessions::SecretString(make_token(id));
        record.created_ms = created_ms;
        store.put(record);
        if ((i & 0xffff) == 0xffff && Clock::now() > setup_deadline) {
            std::cerr << "scheduler-bench: filling the store took over " << o.max_setup_s << " s, giving up\n";
            give_up();
        }
    }
    const auto store_done = Clock::now();
    const auto rss_after_store = static_cast<std::uint64_t>(observability::resident_memory_bytes());
    const auto heap_after_store = heap_in_use();

    std::cerr << "scheduler-bench: adding " << n << " sessions to the keepalive (spread over one interval)"
              << std::endl;
    const std::size_t batch = std::max<std::size_t>(1, o.add_batch);
    std::size_t added = 0;
    while (added < n) {
        const std::size_t end = std::min(n, added + batch);
        for (; added < end; ++added) {
            const std::uint64_t id = added + 1;
            keepalive.add(dxtrade::SessionInfo{id, login_of(id), kDomain, make_token(id), created_ms, 0}, true);
        }
        // Let the loop take this batch before handing it the next: the queue of posted
        // add()s stays bounded, so its transient memory does not inflate the RSS figure.
        while (keepalive.stats().active_sessions < added) {
            if (Clock::now() > setup_deadline) {
                std::cerr << "scheduler-bench: adding sessions took over " << o.max_setup_s << " s, giving up ("
                          << keepalive.stats().active_sessions << " of " << n << ")\n";
                give_up();
            }
            std::this_thread::sleep_for(100us);
        }
    }
    const auto add_done = Clock::now();
    const auto rss_after_add = static_cast<std::uint64_t>(observability::resident_memory_bytes());
    const auto heap_after_add = heap_in_use();
    const auto setup_cpu1 = cpu_ticks().value_or(0);
    const auto stats_after_add = keepalive.stats();
    const double store_s = seconds_between(setup_start, store_done);
    const double add_s = seconds_between(store_done, add_done);
    const double setup_cpu_s = static_cast<double>(setup_cpu1 - setup_cpu0) / tps;
    std::cerr << "scheduler-bench: added in " << fixed(store_s, 2) << " s (store) + " << fixed(add_s, 2)
              << " s (keepalive); " << stats_after_add.pings_ok << " pings so far; warm-up " << o.warmup_s << " s"
              << std::endl;

    std::this_thread::sleep_for(std::chrono::seconds(o.warmup_s));

    // The measured window: pings_ok, CPU and the lag histogram as deltas between two
    // snapshots; in-flight and queue depth sampled every 100 ms.
    const auto s0 = snapshot(keepalive, o.sink_pid);
    std::size_t in_flight_max = 0, queue_max = 0;
    std::vector<double> per_second;
    std::uint64_t prev_ok = s0.stats.pings_ok;
    auto prev_at = s0.at;
    const int samples = o.duration_s * static_cast<int>(1s / kSamplePeriod);
    const int per_second_every = static_cast<int>(1s / kSamplePeriod);
    for (int k = 1; k <= samples; ++k) {
        std::this_thread::sleep_until(s0.at + k * kSamplePeriod);
        const auto st = keepalive.stats();
        in_flight_max = std::max(in_flight_max, st.in_flight);
        queue_max = std::max(queue_max, st.queue_depth);
        if (k % per_second_every == 0) {
            const auto now = Clock::now();
            per_second.push_back(static_cast<double>(st.pings_ok - prev_ok) / seconds_between(prev_at, now));
            // One write, so the line does not interleave with the keepalive thread's log lines.
            const std::string progress = "scheduler-bench: window second " + std::to_string(k / per_second_every) +
                                         ": " + fixed(per_second.back(), 0) + " pings/s, in flight " +
                                         std::to_string(st.in_flight) + ", queue " + std::to_string(st.queue_depth) +
                                         ", lag buckets [" + buckets_text(st) + "]\n";
            std::fwrite(progress.data(), 1, progress.size(), stderr);
            prev_ok = st.pings_ok;
            prev_at = now;
        }
    }
    const auto s1 = snapshot(keepalive, o.sink_pid);
    const auto rss_end = static_cast<std::uint64_t>(observability::resident_memory_bytes());
    const auto heap_end = heap_in_use();

    const auto stop_start = Clock::now();
    keepalive.stop();
    const double stop_s = seconds_between(stop_start, Clock::now());

    // ---- figures ----
    const double window_s = seconds_between(s0.at, s1.at);
    const auto ok = s1.stats.pings_ok - s0.stats.pings_ok;
    const auto transient = s1.stats.pings_transient - s0.stats.pings_transient;
    const auto gone = s1.stats.pings_gone - s0.stats.pings_gone;
    const double pps = static_cast<double>(ok) / window_s;
    const double cpu_s = static_cast<double>(s1.cpu - s0.cpu) / tps;
    const double cpu_pct = 100.0 * cpu_s / window_s;
    const double sent = static_cast<double>(ok + transient + gone);
    const double us_per_ping = sent > 0 ? cpu_s * 1e6 / sent : 0.0;
    const double machine_cores = s1.machine.total > s0.machine.total
        ? static_cast<double>(s1.machine.busy - s0.machine.busy) / tps / window_s
        : 0.0;
    std::optional<double> sink_pct;
    if (s0.sink_cpu && s1.sink_cpu) sink_pct = 100.0 * static_cast<double>(*s1.sink_cpu - *s0.sink_cpu) / tps / window_s;
    const auto lag = lag_delta(s0.stats, s1.stats);
    const auto p50 = lag.lag_quantile_bound(0.50);
    const auto p99 = lag.lag_quantile_bound(0.99);
    const auto lag_max = max_bucket_bound(lag);
    const double le10_pct = lag.lag_count > 0 ? 100.0 * static_cast<double>(lag.lag_buckets[0]) /
                                                    static_cast<double>(lag.lag_count)
                                              : 0.0;
    // Before the window: the pings sent while the sessions were added and during the warm-up.
    const auto p99_setup = s0.stats.lag_quantile_bound(0.99);
    const auto max_setup = max_bucket_bound(s0.stats);
    const auto per = [n](std::uint64_t to, std::uint64_t from) {
        return (static_cast<double>(to) - static_cast<double>(from)) / static_cast<double>(n);
    };
    const double rss_per_session = per(rss_after_add, rss_base);
    const double rss_store = per(rss_after_store, rss_base);
    const double rss_keepalive = per(rss_after_add, rss_after_store);
    const double rss_end_per_session = per(rss_end, rss_base);
    const double heap_per_session = per(heap_after_add, heap_base);
    const double heap_store = per(heap_after_store, heap_base);
    const double heap_end_per_session = per(heap_end, heap_base);
    double pps_min = 0, pps_max = 0;
    if (!per_second.empty()) {
        pps_min = *std::min_element(per_second.begin(), per_second.end());
        pps_max = *std::max_element(per_second.begin(), per_second.end());
    }

    ResultLine r;
    r.add("label", o.label.empty() ? std::string("-") : o.label);
    r.add("sessions", n);
    r.add("interval_ms", o.interval_ms);
    r.add("jitter", o.jitter);
    r.add("max_in_flight", o.max_in_flight);
    r.add("log_level", o.log_level);
    r.add("expected_pps", fixed(expected_pps, 1));
    r.add("setup_store_s", fixed(store_s, 2));
    r.add("setup_keepalive_s", fixed(add_s, 2));
    r.add("setup_cpu_s", fixed(setup_cpu_s, 2));
    r.add("rss_base_bytes", rss_base);
    r.add("rss_after_store_bytes", rss_after_store);
    r.add("rss_after_add_bytes", rss_after_add);
    r.add("rss_end_bytes", rss_end);
    r.add("rss_per_session", fixed(rss_per_session, 1));
    r.add("rss_store_per_session", fixed(rss_store, 1));
    r.add("rss_keepalive_per_session", fixed(rss_keepalive, 1));
    r.add("rss_end_per_session", fixed(rss_end_per_session, 1));
    r.add("heap_per_session", fixed(heap_per_session, 1));
    r.add("heap_store_per_session", fixed(heap_store, 1));
    r.add("heap_end_per_session", fixed(heap_end_per_session, 1));
    r.add("warmup_s", o.warmup_s);
    r.add("window_s", fixed(window_s, 2));
    r.add("pings_ok", ok);
    r.add("pings_transient", transient);
    r.add("pings_gone", gone);
    r.add("pps", fixed(pps, 1));
    r.add("pps_min_1s", fixed(pps_min, 1));
    r.add("pps_max_1s", fixed(pps_max, 1));
    std::string series;
    for (const double v : per_second) series += (series.empty() ? "" : ",") + fixed(v, 0);
    r.add("pps_1s", series);
    r.add("lag_p50_le_ms", bound_value(p50));
    r.add("lag_p99_le_ms", bound_value(p99));
    r.add("lag_max_le_ms", bound_value(lag_max));
    r.add("lag_le10_pct", fixed(le10_pct, 3));
    r.add("lag_buckets", buckets_text(lag));
    r.add("setup_pings", s0.stats.lag_count);
    r.add("lag_setup_p99_le_ms", bound_value(p99_setup));
    r.add("lag_setup_max_le_ms", bound_value(max_setup));
    r.add("lag_setup_buckets", buckets_text(s0.stats));
    r.add("cpu_pct", fixed(cpu_pct, 2));
    r.add("cpu_us_per_ping", fixed(us_per_ping, 2));
    r.add("sink_cpu_pct", sink_pct ? fixed(*sink_pct, 2) : std::string("na"));
    r.add("machine_busy_cores", fixed(machine_cores, 2));
    r.add("in_flight_max", in_flight_max);
    r.add("queue_depth_max", queue_max);
    r.add("stop_s", fixed(stop_s, 2));
    r.add("active_end", s1.stats.active_sessions);
    std::cout << r.line << "\n";

    const auto mb = [](std::uint64_t bytes) { return fixed(static_cast<double>(bytes) / (1024.0 * 1024.0), 1) + " MiB"; };
    std::cout << "scheduler bench: " << n << " sessions, interval " << o.interval_ms << " ms (jitter " << o.jitter
              << ", max_in_flight " << o.max_in_flight << ", log level " << o.log_level << "): expected "
              << fixed(expected_pps, 0) << " pings/s\n"
              << "  setup:   store " << fixed(store_s, 2) << " s, keepalive add " << fixed(add_s, 2) << " s, CPU "
              << fixed(setup_cpu_s, 2) << " s\n"
              << "  memory:  RSS " << mb(rss_base) << " before, " << mb(rss_after_add) << " after adding, "
              << mb(rss_end) << " at the end\n"
              << "           " << fixed(rss_per_session, 0) << " B/session after adding (store "
              << fixed(rss_store, 0) << " + keepalive " << fixed(rss_keepalive, 0) << "), "
              << fixed(rss_end_per_session, 0) << " B/session at the end; heap in use "
              << fixed(heap_per_session, 0) << " B/session (store " << fixed(heap_store, 0) << ")\n"
              << "  window:  " << fixed(window_s, 1) << " s after a " << o.warmup_s << " s warm-up: " << ok
              << " pings ok = " << fixed(pps, 1) << "/s (1-s min " << fixed(pps_min, 0) << ", max "
              << fixed(pps_max, 0) << "), " << transient << " transient, " << gone << " gone\n"
              << "  lag:     p50 " << bound_text(p50) << ", p99 " << bound_text(p99) << ", max "
              << bound_text(lag_max) << "; " << fixed(le10_pct, 2) << "% <= 10 ms; buckets ["
              << buckets_text(lag) << "] (bounds 10,50,100,250,500,1000,5000,inf ms)\n"
              << "           before the window (adding + warm-up, " << s0.stats.lag_count << " pings): p99 "
              << bound_text(p99_setup) << ", max " << bound_text(max_setup) << ", buckets ["
              << buckets_text(s0.stats) << "]\n"
              << "  CPU:     " << fixed(cpu_pct, 1) << "% of one core, " << fixed(us_per_ping, 1)
              << " us per ping; sink " << (sink_pct ? fixed(*sink_pct, 1) + "%" : std::string("n/a"))
              << "; machine busy " << fixed(machine_cores, 2) << " cores\n"
              << "  loop:    in flight max " << in_flight_max << " (limit " << o.max_in_flight
              << "), queue depth max " << queue_max << "; stop() took " << fixed(stop_s, 2) << " s\n";
    std::cout.flush();
    if (ok == 0) {
        std::cerr << "scheduler-bench: no ping succeeded in the window (is the sink on 127.0.0.1:" << o.sink_port
                  << "?)\n";
        return 1;
    }
    return 0;
}

}  // namespace tg::bench
