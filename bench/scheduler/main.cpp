// scheduler-bench: the DXtrade ping scheduler (tg::dxtrade::Keepalive) at 100,000 and
// 1,000,000 sessions against a minimal loopback sink. Two roles in one binary:
//
//   scheduler-bench --sink 127.0.0.1:PORT [--port-file F] [--max-seconds S]
//   scheduler-bench --sessions N --interval-ms MS --duration-s S --sink-port P
//                   [--max-in-flight K] [--warmup-s W] [--jitter J] [--add-batch B]
//                   [--max-setup-s S] [--log-level L] [--sink-pid PID] [--label TEXT]
//
// bench/scheduler.sh runs both and writes bench/results/scheduler.md; see bench/README.md.
#include "bench/scheduler/scheduler_bench.hpp"
#include "bench/scheduler/sink.hpp"

#include <charconv>
#include <exception>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace {

constexpr const char* kUsage =
    "usage:\n"
    "  scheduler-bench --sink 127.0.0.1:PORT [--port-file F] [--max-seconds S]\n"
    "      a minimal HTTP/1.1 keep-alive sink answering every request 200 (PORT 0: a free one)\n"
    "  scheduler-bench --sessions N --interval-ms MS --duration-s S --sink-port P [--max-in-flight K]\n"
    "                  [--warmup-s W] [--jitter J] [--add-batch B] [--max-setup-s S]\n"
    "                  [--log-level debug|info|warn|error] [--sink-pid PID] [--label TEXT]\n"
    "      the scheduler bench: N sessions pinging the sink on 127.0.0.1:P\n";

template <class T> std::optional<T> parse_number(std::string_view text, T min, T max) {
    T value{};
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size() || value < min || value > max) return std::nullopt;
    return value;
}

int usage_error(const std::string& message) {
    std::cerr << "scheduler-bench: " << message << "\n" << kUsage;
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    std::map<std::string, std::string> args;
    for (int i = 1; i < argc; ++i) {
        const std::string key = argv[i];
        if (key == "-h" || key == "--help") {
            std::cout << kUsage;
            return 0;
        }
        if (key.rfind("--", 0) != 0 || i + 1 >= argc) return usage_error("bad argument " + key);
        args[key.substr(2)] = argv[++i];
    }
    const auto take = [&](const std::string& key) -> std::optional<std::string> {
        const auto found = args.find(key);
        if (found == args.end()) return std::nullopt;
        auto value = found->second;
        args.erase(found);
        return value;
    };

    try {
        if (const auto sink = take("sink")) {
            tg::bench::SinkOptions options;
            const auto colon = sink->rfind(':');
            if (colon == std::string::npos) return usage_error("--sink wants 127.0.0.1:PORT");
            options.host = sink->substr(0, colon);
            const auto port = parse_number<unsigned>(sink->substr(colon + 1), 0, 65535);
            if (!port) return usage_error("bad port in --sink");
            options.port = static_cast<std::uint16_t>(*port);
            if (const auto v = take("port-file")) options.port_file = *v;
            if (const auto v = take("max-seconds")) {
                const auto s = parse_number<int>(*v, 1, 86400);
                if (!s) return usage_error("--max-seconds must be 1..86400");
                options.max_seconds = *s;
            }
            if (!args.empty()) return usage_error("unknown option --" + args.begin()->first + " for --sink");
            return tg::bench::run_sink(options);
        }

        tg::bench::SchedulerOptions o;
        const auto sessions = take("sessions");
        const auto interval = take("interval-ms");
        const auto duration = take("duration-s");
        const auto port = take("sink-port");
        if (!sessions || !interval || !duration || !port)
            return usage_error("--sessions, --interval-ms, --duration-s and --sink-port are required");
        const auto n = parse_number<std::size_t>(*sessions, 1, 10'000'000);
        const auto ms = parse_number<std::int64_t>(*interval, 1, 24LL * 3600 * 1000);
        const auto s = parse_number<int>(*duration, 1, 3600);
        const auto p = parse_number<unsigned>(*port, 1, 65535);
        if (!n || !ms || !s || !p)
            return usage_error("bad --sessions (1..10000000), --interval-ms, --duration-s (1..3600) or --sink-port");
        o.sessions = *n;
        o.interval_ms = *ms;
        o.duration_s = *s;
        o.sink_port = static_cast<std::uint16_t>(*p);
        if (const auto v = take("max-in-flight")) {
            const auto k = parse_number<std::size_t>(*v, 1, 100'000);
            if (!k) return usage_error("--max-in-flight must be 1..100000");
            o.max_in_flight = *k;
        }
        if (const auto v = take("warmup-s")) {
            const auto w = parse_number<int>(*v, 0, 600);
            if (!w) return usage_error("--warmup-s must be 0..600");
            o.warmup_s = *w;
        }
        if (const auto v = take("jitter")) {
            std::size_t used = 0;
            const double j = std::stod(*v, &used);
            if (used != v->size() || !(j >= 0.0 && j <= 0.5)) return usage_error("--jitter must be 0..0.5");
            o.jitter = j;
        }
        if (const auto v = take("add-batch")) {
            const auto b = parse_number<std::size_t>(*v, 1, 10'000'000);
            if (!b) return usage_error("--add-batch must be 1..10000000");
            o.add_batch = *b;
        }
        if (const auto v = take("max-setup-s")) {
            const auto m = parse_number<int>(*v, 1, 3600);
            if (!m) return usage_error("--max-setup-s must be 1..3600");
            o.max_setup_s = *m;
        }
        if (const auto v = take("log-level")) o.log_level = *v;
        if (const auto v = take("sink-pid")) {
            if (!parse_number<unsigned>(*v, 1, 1u << 30)) return usage_error("bad --sink-pid");
            o.sink_pid = *v;
        }
        if (const auto v = take("label")) o.label = *v;
        if (!args.empty()) return usage_error("unknown option --" + args.begin()->first);
        return tg::bench::run_scheduler_bench(o);
    } catch (const std::exception& e) {
        std::cerr << "scheduler-bench: " << e.what() << "\n";
        return 1;
    }
}
