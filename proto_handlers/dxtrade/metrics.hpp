// The DXtrade service's part of /metrics (Prometheus text format 0.0.4).
#pragma once

#include "proto_handlers/dxtrade/keepalive.hpp"
#include "proto_handlers/dxtrade/logout_queue.hpp"
#include "proto_handlers/dxtrade/shard_keeper.hpp"

#include <array>
#include <cstdint>
#include <string>

namespace tg::dxtrade {

// Launches by LaunchOutcome::Kind: ok, unavailable, timeout, rejected, not_recorded, signed_out.
using LaunchCounts = std::array<std::uint64_t, 6>;

void append_dxtrade_metrics(std::string& out, const KeepaliveStats& keepalive, const LogoutQueueStats& logouts,
                            const LaunchCounts& launches, bool store_up);
// With several replicas: the shards this replica holds and how they moved.
void append_shard_metrics(std::string& out, const ShardKeeperStats& shards);

}  // namespace tg::dxtrade
