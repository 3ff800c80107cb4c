// The bench's stand-in for dxWeb: a minimal HTTP/1.1 keep-alive server on loopback that
// answers every request 200 with a 2-byte body, one coroutine per connection on one
// thread. It runs as its own process so its CPU is not counted in the scheduler's.
#pragma once

#include <cstdint>
#include <string>

namespace tg::bench {

struct SinkOptions {
    std::string host = "127.0.0.1";  // loopback only
    std::uint16_t port = 0;          // 0: pick a free one (written to port_file)
    std::string port_file;           // where the bound port is written once listening; "" = stdout only
    int max_seconds = 900;           // exits by itself after this long
};

// Runs until SIGINT/SIGTERM or max_seconds; returns the process exit code.
int run_sink(const SinkOptions& options);

}  // namespace tg::bench
