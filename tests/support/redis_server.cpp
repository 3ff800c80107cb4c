#include "tests/support/redis_server.hpp"

#include "tests/support/client.hpp"

#include <boost/test/unit_test.hpp>

#include <csignal>

namespace tg::test {

RedisServer::RedisServer(std::vector<std::string> extra, const TempDir* tls_dir)
    : port_(unused_port()), tls_(tls_dir != nullptr) {
    argv_ = {"/usr/bin/redis-server", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir_.path().string()};
    if (tls_dir) {
        const auto pem = (tls_dir->path() / "localhost.pem").string();
        argv_.insert(argv_.end(), {"--port", "0", "--tls-port", std::to_string(port_), "--tls-cert-file", pem,
                                   "--tls-key-file", (tls_dir->path() / "localhost.key").string(),
                                   "--tls-ca-cert-file", pem, "--tls-auth-clients", "no"});
    } else {
        argv_.insert(argv_.end(), {"--port", std::to_string(port_)});
    }
    argv_.insert(argv_.end(), extra.begin(), extra.end());
    start();
}

RedisServer::~RedisServer() { kill(); }

void RedisServer::start() {
    process_ = std::make_unique<ChildProcess>(argv_, dir_.path() / "redis.log");
    BOOST_REQUIRE_MESSAGE(wait_for_port(port_), "redis-server did not start: " + read_file(dir_.path() / "redis.log"));
}

void RedisServer::kill() {
    if (!process_) return;
    process_->signal(SIGCONT);
    process_->signal(SIGKILL);
    process_->wait(std::chrono::seconds(5));
    process_.reset();
}

void RedisServer::pause() { process_->signal(SIGSTOP); }
void RedisServer::resume() { process_->signal(SIGCONT); }

std::string RedisServer::cli(const std::string& arguments) const {
    return run_command("redis-cli -h 127.0.0.1 -p " + std::to_string(port_) + " " + arguments, std::chrono::seconds(10))
        .output;
}

RedisSentinel::RedisSentinel(const std::string& master_name, std::uint16_t master_port) : port_(unused_port()) {
    const auto conf = dir_.write("sentinel.conf", "port " + std::to_string(port_) +
                                                      "\nbind 127.0.0.1\n"
                                                      "sentinel monitor " + master_name + " 127.0.0.1 " +
                                                      std::to_string(master_port) + " 2\n"
                                                      "sentinel down-after-milliseconds " + master_name + " 1000\n"
                                                      "sentinel failover-timeout " + master_name + " 5000\n");
    process_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{"/usr/bin/redis-server", conf.string(), "--sentinel", "--dir", dir_.path().string()},
        dir_.path() / "sentinel.log");
    BOOST_REQUIRE_MESSAGE(wait_for_port(port_), "redis-sentinel did not start: " + read_file(dir_.path() / "sentinel.log"));
}

RedisSentinel::~RedisSentinel() {
    process_->signal(SIGKILL);
    process_->wait(std::chrono::seconds(5));
}

}  // namespace tg::test
