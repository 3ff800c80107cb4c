#include "gateway/observability/stats.hpp"

#include <algorithm>

namespace tg::observability {

MethodClass method_class_of(boost::beast::http::verb method) {
    using boost::beast::http::verb;
    switch (method) {
        case verb::get:
        case verb::head:
        case verb::options: return MethodClass::read;
        case verb::post:
        case verb::put:
        case verb::patch:
        case verb::delete_: return MethodClass::write;
        default: return MethodClass::other;
    }
}

void RouteStats::record(MethodClass method, unsigned status, std::chrono::microseconds duration,
                        std::uint64_t in, std::uint64_t out) {
    const auto status_class = std::clamp<unsigned>(status / 100, 1, 5) - 1;
    requests[static_cast<std::size_t>(method)][status_class].add();
    const double seconds = static_cast<double>(duration.count()) / 1e6;
    const auto bucket = std::lower_bound(latency_bounds.begin(), latency_bounds.end(), seconds);
    if (bucket != latency_bounds.end()) latency_buckets[bucket - latency_bounds.begin()].add();
    latency_count.add();
    latency_sum_us.add(static_cast<std::uint64_t>(duration.count()));
    bytes_in.add(in);
    bytes_out.add(out);
}

namespace {
template <class T>
T& entry(std::mutex& mutex, std::map<std::string, std::unique_ptr<T>>& map, const std::string& name) {
    std::lock_guard lock(mutex);
    auto& slot = map[name];
    if (!slot) slot = std::make_unique<T>();
    return *slot;
}
}  // namespace

RouteStats& WorkerStats::route(const std::string& name) { return entry(mutex_, routes_, name); }
UpstreamStats& WorkerStats::upstream(const std::string& name) { return entry(mutex_, upstreams_, name); }
ListenerStats& WorkerStats::listener(const std::string& name) { return entry(mutex_, listeners_, name); }

}  // namespace tg::observability
