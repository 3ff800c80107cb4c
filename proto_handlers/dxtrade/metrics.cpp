#include "proto_handlers/dxtrade/metrics.hpp"

#include <cstdio>
#include <initializer_list>

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

// One family with one unlabelled sample.
void single(std::string& out, const char* name, const char* type, const char* help, std::uint64_t value) {
    family(out, name, type, help);
    sample(out, name, "", value);
}

struct Labelled {
    const char* labels;
    std::uint64_t value;
};

// One family with a sample per label set.
void labelled(std::string& out, const char* name, const char* type, const char* help,
              std::initializer_list<Labelled> samples) {
    family(out, name, type, help);
    for (const auto& [labels, value] : samples) sample(out, name, labels, value);
}

}  // namespace

void append_dxtrade_metrics(std::string& out, const KeepaliveStats& keepalive, const LogoutQueueStats& logouts,
                            const LaunchCounts& launches, bool store_up) {
    single(out, "tg_dxtrade_sessions_active", "gauge", "DXtrade sessions being kept alive.", keepalive.active_sessions);
    labelled(out, "tg_dxtrade_pings_total", "counter", "Pings to dxWeb by result.",
             {{"{result=\"ok\"}", keepalive.pings_ok},
              {"{result=\"transient_failure\"}", keepalive.pings_transient},
              {"{result=\"session_gone\"}", keepalive.pings_gone}});
    single(out, "tg_dxtrade_pings_in_flight", "gauge", "Pings sent and not yet answered.", keepalive.in_flight);
    single(out, "tg_dxtrade_ping_queue_depth", "gauge", "Pings due and waiting for a free in-flight slot.",
           keepalive.queue_depth);

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

    labelled(out, "tg_dxtrade_sessions_ended_total", "counter", "DXtrade sessions no longer kept alive, by reason.",
             {{"{reason=\"logout\"}", keepalive.ended_logout},
              {"{reason=\"session_gone\"}", keepalive.ended_gone},
              {"{reason=\"partner_session_expired\"}", keepalive.ended_expired},
              {"{reason=\"max_age\"}", keepalive.ended_max_age}});
    labelled(out, "tg_dxtrade_launches_total", "counter", "Launch attempts by result.",
             {{"{result=\"ok\"}", launches[0]},
              {"{result=\"upstream_unavailable\"}", launches[1]},
              {"{result=\"upstream_timeout\"}", launches[2]},
              {"{result=\"upstream_rejected\"}", launches[3]},
              {"{result=\"not_recorded\"}", launches[4]},
              {"{result=\"signed_out\"}", launches[5]}});
    labelled(out, "tg_dxtrade_logouts_total", "counter", "DXtrade logouts: confirmed by dxWeb, queued for retry, given up.",
             {{"{result=\"delivered\"}", logouts.delivered},
              {"{result=\"queued\"}", logouts.queued},
              {"{result=\"given_up\"}", logouts.given_up}});
    single(out, "tg_dxtrade_logouts_pending", "gauge", "DXtrade logouts waiting for a retry.", logouts.pending);
    single(out, "tg_dxtrade_session_store_up", "gauge", "1 when the session store's last health check passed.",
           store_up ? 1 : 0);
}

void append_shard_metrics(std::string& out, const ShardKeeperStats& shards) {
    out += "# HELP tg_dxtrade_shards_held Shards of the shared sessions this replica pings.\n"
           "# TYPE tg_dxtrade_shards_held gauge\n"
           "tg_dxtrade_shards_held " + std::to_string(shards.shards_held) + "\n"
           "# HELP tg_dxtrade_replicas_live Replicas this one saw alive in its last round.\n"
           "# TYPE tg_dxtrade_replicas_live gauge\n"
           "tg_dxtrade_replicas_live " + std::to_string(shards.members) + "\n"
           "# HELP tg_dxtrade_shard_moves_total Shards taken over, handed over, or lost for want of a renewal.\n"
           "# TYPE tg_dxtrade_shard_moves_total counter\n"
           "tg_dxtrade_shard_moves_total{move=\"taken\"} " + std::to_string(shards.take_overs) + "\n"
           "tg_dxtrade_shard_moves_total{move=\"handed\"} " + std::to_string(shards.hand_overs) + "\n"
           "tg_dxtrade_shard_moves_total{move=\"lost\"} " + std::to_string(shards.leases_lost) + "\n";
}

}  // namespace tg::dxtrade
