#include "gateway/server/admin_endpoints.hpp"

#include "gateway/core/error_response.hpp"
#include "gateway/observability/prometheus.hpp"
#include "gateway/handlers/service.hpp"
#include "gateway/server/worker.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace tg::server {

std::string GatewayShared::render_metrics() const {
    observability::MetricsSources sources;
    for (const auto* worker : workers) {
        sources.workers.push_back(&worker->stats());
        sources.worker_connections.push_back(worker->open_sessions());
    }
    sources.config = const_cast<observability::ConfigStats*>(&config_stats);
    sources.draining = draining.load(std::memory_order_relaxed);
    auto text = observability::render_prometheus(sources);
    for (const auto* service : services) service->append_metrics(text);
    return text;
}

http::response<http::string_body> answer_admin(const GatewayShared& shared, std::string_view path,
                                               http::verb method, std::string_view request_id) {
    if (path != "/healthz" && path != "/readyz" && path != "/metrics") {
        return make_error_response(errors::not_found, request_id);
    }
    if (method != http::verb::get && method != http::verb::head) {
        return make_method_not_allowed("GET, HEAD", request_id);
    }
    if (path == "/healthz") return make_json_response(http::status::ok, R"({"status":"ok"})");
    if (path == "/readyz") {
        // The config is loaded and the listeners are bound before any request arrives;
        // the services (e.g. the DXtrade session store) say whether they can serve.
        if (shared.draining.load(std::memory_order_relaxed)) {
            return make_json_response(http::status::service_unavailable, R"({"status":"draining","reason":"shutting down"})");
        }
        for (const auto* service : shared.services) {
            const auto reason = service->not_ready_reason();
            if (reason.empty()) continue;
            const boost::json::object body{{"status", "not_ready"}, {"reason", reason}};
            return make_json_response(http::status::service_unavailable, boost::json::serialize(body));
        }
        return make_json_response(http::status::ok, R"({"status":"ready"})");
    }
    http::response<http::string_body> response{http::status::ok, 11};
    response.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
    response.set(http::field::cache_control, "no-store");
    response.body() = shared.render_metrics();
    return response;
}

}  // namespace tg::server
