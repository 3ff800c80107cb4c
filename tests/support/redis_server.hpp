// A real redis-server (Debian's) on a loopback port chosen at run time, for the shared
// state's integration tests. Nothing is saved to disk. Stopped (SIGKILL) on destruction.
#pragma once

#include "tests/support/process.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace tg::test {

class RedisServer {
public:
    // `extra` are redis-server options ("--requirepass", "x", ...). With `tls_dir`, the
    // server speaks only TLS with <tls_dir>/localhost.pem and .key.
    explicit RedisServer(std::vector<std::string> extra = {}, const TempDir* tls_dir = nullptr);
    ~RedisServer();

    std::uint16_t port() const { return port_; }
    std::string url() const { return (tls_ ? "rediss://127.0.0.1:" : "redis://127.0.0.1:") + std::to_string(port_); }

    // SIGKILL, as a crash; start() brings it back on the same port, empty.
    void kill();
    void start();
    // SIGSTOP / SIGCONT: a server that accepts nothing and answers nothing.
    void pause();
    void resume();

    // redis-cli against it (plain servers only), its output.
    std::string cli(const std::string& arguments) const;

private:
    std::vector<std::string> argv_;
    std::uint16_t port_ = 0;
    bool tls_ = false;
    TempDir dir_;
    std::unique_ptr<ChildProcess> process_;
};

// A redis-server in Sentinel mode watching the master at `master_port` as `master_name`,
// quick to act: the master counts as down after 1 s, and 2 sentinels must agree.
class RedisSentinel {
public:
    RedisSentinel(const std::string& master_name, std::uint16_t master_port);
    ~RedisSentinel();
    std::uint16_t port() const { return port_; }
    std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_); }

private:
    std::uint16_t port_ = 0;
    TempDir dir_;
    std::unique_ptr<ChildProcess> process_;
};

}  // namespace tg::test
