// The HA bench's stand-in for dxWeb: answers every request 200 on one loopback port per
// replica, so it knows which replica sent each ping, and follows every session by its
// ping body (which holds its token; only a 64-bit hash is kept).
//
// Control requests on any of its ports:
//   POST /__mark?replica=K   the failover starts now: the sessions replica K pinged last
//                            are the ones to watch
//   GET  /__report           {"requests", "sessions", "watched", "watchedPinged",
//                            "failoverMs"}: how many watched sessions another replica
//                            pinged since the mark, and when the last of them was
#pragma once

#include <cstdint>
#include <string>

namespace tg::bench {

struct TrackingSinkOptions {
    unsigned ports = 3;
    std::string port_file;  // the ports, one per line, written once listening
    int max_seconds = 3600;
};

int run_tracking_sink(const TrackingSinkOptions& options);

}  // namespace tg::bench
