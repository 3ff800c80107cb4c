#include "gateway/observability/prometheus.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace tg::observability {
namespace {

// Sums of every worker's entries, by name.
struct RouteTotals {
    std::array<std::array<std::uint64_t, 5>, 3> requests{};
    std::array<std::uint64_t, latency_bounds.size()> buckets{};
    std::uint64_t count = 0, sum_us = 0, bytes_in = 0, bytes_out = 0, rate_limited = 0;
};
struct UpstreamTotals {
    std::int64_t active = 0, idle = 0;
    std::uint64_t opened = 0, failed = 0, reused = 0;
};
struct ListenerTotals {
    std::uint64_t handshakes = 0, failures = 0, proxy_header_failures = 0;
};

std::string label(std::string_view value) {
    std::string escaped;
    for (const char c : value) {
        if (c == '\\' || c == '"') escaped += '\\';
        if (c == '\n') {
            escaped += "\\n";
            continue;
        }
        escaped += c;
    }
    return escaped;
}

void header(std::ostringstream& out, const char* name, const char* type, const char* help) {
    out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
}

}  // namespace

long open_fd_count() {
    std::error_code ec;
    long count = 0;
    for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end; it.increment(ec)) ++count;
    return count;
}

long resident_memory_bytes() {
    std::ifstream statm("/proc/self/statm");
    long pages_total = 0, pages_resident = 0;
    statm >> pages_total >> pages_resident;
    return pages_resident * ::sysconf(_SC_PAGESIZE);
}

std::string render_prometheus(const MetricsSources& sources) {
    std::map<std::string, RouteTotals> routes;
    std::map<std::string, UpstreamTotals> upstreams;
    std::map<std::string, ListenerTotals> listeners;
    for (const auto* worker : sources.workers) {
        worker->visit([&](const auto& route_map, const auto& upstream_map, const auto& listener_map) {
            for (const auto& [name, stats] : route_map) {
                auto& total = routes[name];
                for (std::size_t m = 0; m < 3; ++m)
                    for (std::size_t s = 0; s < 5; ++s) total.requests[m][s] += stats->requests[m][s].get();
                for (std::size_t b = 0; b < latency_bounds.size(); ++b) total.buckets[b] += stats->latency_buckets[b].get();
                total.count += stats->latency_count.get();
                total.sum_us += stats->latency_sum_us.get();
                total.bytes_in += stats->bytes_in.get();
                total.bytes_out += stats->bytes_out.get();
                total.rate_limited += stats->rate_limited.get();
            }
            for (const auto& [name, stats] : upstream_map) {
                auto& total = upstreams[name];
                total.active += stats->active.get();
                total.idle += stats->idle.get();
                total.opened += stats->opened.get();
                total.failed += stats->failed.get();
                total.reused += stats->reused.get();
            }
            for (const auto& [name, stats] : listener_map) {
                listeners[name].handshakes += stats->tls_handshakes.get();
                listeners[name].failures += stats->tls_failures.get();
                listeners[name].proxy_header_failures += stats->proxy_header_failures.get();
            }
        });
    }

    std::ostringstream out;
    header(out, "tg_requests_total", "counter", "Requests answered, by route, method class and status class.");
    for (const auto& [name, total] : routes)
        for (std::size_t m = 0; m < 3; ++m)
            for (std::size_t s = 0; s < 5; ++s)
                if (total.requests[m][s] != 0)
                    out << "tg_requests_total{route=\"" << label(name) << "\",method=\"" << method_class_names[m]
                        << "\",status=\"" << s + 1 << "xx\"} " << total.requests[m][s] << '\n';

    header(out, "tg_request_duration_seconds", "histogram", "Time from the request header to the end of the answer.");
    for (const auto& [name, total] : routes) {
        std::uint64_t cumulative = 0;
        for (std::size_t b = 0; b < latency_bounds.size(); ++b) {
            cumulative += total.buckets[b];
            out << "tg_request_duration_seconds_bucket{route=\"" << label(name) << "\",le=\"" << latency_bounds[b]
                << "\"} " << cumulative << '\n';
        }
        out << "tg_request_duration_seconds_bucket{route=\"" << label(name) << "\",le=\"+Inf\"} " << total.count << '\n'
            << "tg_request_duration_seconds_sum{route=\"" << label(name) << "\"} "
            << static_cast<double>(total.sum_us) / 1e6 << '\n'
            << "tg_request_duration_seconds_count{route=\"" << label(name) << "\"} " << total.count << '\n';
    }

    header(out, "tg_received_body_bytes_total", "counter", "Request body bytes received from clients, by route.");
    for (const auto& [name, total] : routes)
        out << "tg_received_body_bytes_total{route=\"" << label(name) << "\"} " << total.bytes_in << '\n';
    header(out, "tg_sent_body_bytes_total", "counter", "Response body bytes sent to clients, by route.");
    for (const auto& [name, total] : routes)
        out << "tg_sent_body_bytes_total{route=\"" << label(name) << "\"} " << total.bytes_out << '\n';

    header(out, "tg_worker_connections", "gauge", "Client connections open, by worker.");
    for (std::size_t i = 0; i < sources.worker_connections.size(); ++i)
        out << "tg_worker_connections{worker=\"" << i << "\"} " << sources.worker_connections[i] << '\n';

    header(out, "tg_upstream_connections", "gauge", "Upstream connections, by upstream and state.");
    for (const auto& [name, total] : upstreams) {
        out << "tg_upstream_connections{upstream=\"" << label(name) << "\",state=\"active\"} " << total.active << '\n'
            << "tg_upstream_connections{upstream=\"" << label(name) << "\",state=\"idle\"} " << total.idle << '\n';
    }
    header(out, "tg_upstream_connections_opened_total", "counter", "Upstream connections opened.");
    for (const auto& [name, total] : upstreams)
        out << "tg_upstream_connections_opened_total{upstream=\"" << label(name) << "\"} " << total.opened << '\n';
    header(out, "tg_upstream_connect_failures_total", "counter", "Failed attempts to connect to an upstream server.");
    for (const auto& [name, total] : upstreams)
        out << "tg_upstream_connect_failures_total{upstream=\"" << label(name) << "\"} " << total.failed << '\n';
    header(out, "tg_upstream_connections_reused_total", "counter", "Requests sent on a pooled connection.");
    for (const auto& [name, total] : upstreams)
        out << "tg_upstream_connections_reused_total{upstream=\"" << label(name) << "\"} " << total.reused << '\n';

    header(out, "tg_tls_handshakes_total", "counter", "TLS handshakes on listeners, by result.");
    for (const auto& [name, total] : listeners) {
        out << "tg_tls_handshakes_total{listener=\"" << label(name) << "\",result=\"ok\"} " << total.handshakes << '\n'
            << "tg_tls_handshakes_total{listener=\"" << label(name) << "\",result=\"failed\"} " << total.failures << '\n';
    }
    header(out, "tg_rate_limited_total", "counter", "Requests refused with 429 by a route's rate limits.");
    for (const auto& [name, total] : routes)
        if (total.rate_limited != 0)
            out << "tg_rate_limited_total{route=\"" << label(name) << "\"} " << total.rate_limited << '\n';
    header(out, "tg_proxy_header_failures_total", "counter",
           "Connections closed on a PROXY protocol listener for a missing, invalid or late header.");
    for (const auto& [name, total] : listeners)
        out << "tg_proxy_header_failures_total{listener=\"" << label(name) << "\"} " << total.proxy_header_failures << '\n';

    if (sources.config) {
        header(out, "tg_config_reloads_total", "counter", "Configuration reloads (SIGHUP), by result.");
        out << "tg_config_reloads_total{result=\"ok\"} " << sources.config->reloads_ok.get() << '\n'
            << "tg_config_reloads_total{result=\"failed\"} " << sources.config->reloads_failed.get() << '\n';
        header(out, "tg_config_info", "gauge", "The loaded configuration; hash is the SHA-256 of its file.");
        std::lock_guard lock(sources.config->mutex);
        out << "tg_config_info{hash=\"" << label(sources.config->loaded_hash) << "\"} 1\n";
    }
    header(out, "tg_draining", "gauge", "1 while the gateway drains before exiting.");
    out << "tg_draining " << (sources.draining ? 1 : 0) << '\n';
    header(out, "tg_process_open_fds", "gauge", "Open file descriptors.");
    out << "tg_process_open_fds " << open_fd_count() << '\n';
    header(out, "tg_process_resident_memory_bytes", "gauge", "Resident memory.");
    out << "tg_process_resident_memory_bytes " << resident_memory_bytes() << '\n';
    return out.str();
}

}  // namespace tg::observability
