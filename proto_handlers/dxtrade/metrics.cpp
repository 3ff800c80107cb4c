#include "proto_handlers/dxtrade/metrics.hpp"

#include <cstdio>

namespace tg::dxtrade {
namespace {

void family(std::string& out, const char* name, const char* type, const char* help) {
    out += "# HELP ";
    out += name;
    out += ' ';
    out += help;
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += type;
    out += '\n';
}

void sample(std::string& out, const char* name, const char* labels, std::uint64_t value) {
    out += name;
    out += labels;
    out += ' ';
    out += std::to_string(value);
    out += '\n';
}

std::string seconds(std::int64_t ms) {
    char text[32];
    std::snprintf(text, sizeof text, "%g", static_cast<double>(ms) / 1000.0);
    return text;
}

}  // namespace

void append_dxtrade_metrics(std::string& out, const KeepaliveStats& keepalive, const LogoutQueueStats& logouts,
                            const LaunchCounts& launches, bool store_up) {
    family(out, "tg_dxtrade_sessions_active", "gauge", "DXtrade sessions being kept alive.");
    sample(out, "tg_dxtrade_sessions_active", "", keepalive.active_sessions);

    family(out, "tg_dxtrade_pings_total", "counter", "Pings to dxWeb by result.");
    sample(out, "tg_dxtrade_pings_total", "{result=\"ok\"}", keepalive.pings_ok);
    sample(out, "tg_dxtrade_pings_total", "{result=\"transient_failure\"}", keepalive.pings_transient);
    sample(out, "tg_dxtrade_pings_total", "{result=\"session_gone\"}", keepalive.pings_gone);

    family(out, "tg_dxtrade_pings_in_flight", "gauge", "Pings sent and not yet answered.");
    sample(out, "tg_dxtrade_pings_in_flight", "", keepalive.in_flight);
    family(out, "tg_dxtrade_ping_queue_depth", "gauge", "Pings due and waiting for a free in-flight slot.");
    sample(out, "tg_dxtrade_ping_queue_depth", "", keepalive.queue_depth);

    family(out, "tg_dxtrade_ping_lag_seconds", "histogram", "Time from a ping's due time to its sending.");
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < KeepaliveStats::lag_bounds_ms.size(); ++i) {
        cumulative += keepalive.lag_buckets[i];
        const auto labels = "{le=\"" + seconds(KeepaliveStats::lag_bounds_ms[i]) + "\"}";
        sample(out, "tg_dxtrade_ping_lag_seconds_bucket", labels.c_str(), cumulative);
    }
    sample(out, "tg_dxtrade_ping_lag_seconds_bucket", "{le=\"+Inf\"}", keepalive.lag_count);
    out += "tg_dxtrade_ping_lag_seconds_sum " + seconds(static_cast<std::int64_t>(keepalive.lag_sum_ms)) + '\n';
    sample(out, "tg_dxtrade_ping_lag_seconds_count", "", keepalive.lag_count);

    family(out, "tg_dxtrade_sessions_ended_total", "counter", "DXtrade sessions no longer kept alive, by reason.");
    sample(out, "tg_dxtrade_sessions_ended_total", "{reason=\"logout\"}", keepalive.ended_logout);
    sample(out, "tg_dxtrade_sessions_ended_total", "{reason=\"session_gone\"}", keepalive.ended_gone);
    sample(out, "tg_dxtrade_sessions_ended_total", "{reason=\"partner_session_expired\"}", keepalive.ended_expired);
    sample(out, "tg_dxtrade_sessions_ended_total", "{reason=\"max_age\"}", keepalive.ended_max_age);

    family(out, "tg_dxtrade_launches_total", "counter", "Launch attempts by result.");
    static constexpr const char* launch_labels[] = {"{result=\"ok\"}", "{result=\"upstream_unavailable\"}",
                                                    "{result=\"upstream_timeout\"}", "{result=\"upstream_rejected\"}",
                                                    "{result=\"not_recorded\"}", "{result=\"signed_out\"}"};
    for (std::size_t i = 0; i < launches.size(); ++i) sample(out, "tg_dxtrade_launches_total", launch_labels[i], launches[i]);

    family(out, "tg_dxtrade_logouts_total", "counter", "DXtrade logouts: confirmed by dxWeb, queued for retry, given up.");
    sample(out, "tg_dxtrade_logouts_total", "{result=\"delivered\"}", logouts.delivered);
    sample(out, "tg_dxtrade_logouts_total", "{result=\"queued\"}", logouts.queued);
    sample(out, "tg_dxtrade_logouts_total", "{result=\"given_up\"}", logouts.given_up);
    family(out, "tg_dxtrade_logouts_pending", "gauge", "DXtrade logouts waiting for a retry.");
    sample(out, "tg_dxtrade_logouts_pending", "", logouts.pending);

    family(out, "tg_dxtrade_session_store_up", "gauge", "1 when the session store's last health check passed.");
    sample(out, "tg_dxtrade_session_store_up", "", store_up ? 1 : 0);
}

}  // namespace tg::dxtrade
