// The shared state's redis backend against real redis-server processes on loopback:
// the same operations as the embedded backends, keys under the prefix with a TTL, ACL
// authentication, TLS with a test CA, and a Redis that dies, restarts or hangs (errors
// bounded by the command timeout, readiness follows, the connection comes back).
#define BOOST_TEST_MODULE redis_state
#include <boost/test/unit_test.hpp>

#include "gateway/state/redis_shared_state.hpp"
#include "tests/support/certificate.hpp"
#include "tests/support/redis_server.hpp"
#include "tests/support/shared_state_checks.hpp"
#include "tests/support/wait.hpp"

using namespace tg;
using namespace tg::test;
using namespace std::chrono_literals;

namespace {

config::RedisSettings::Server server_at(const RedisServer& redis, bool tls = false) {
    config::RedisSettings::Server server;
    server.host = "127.0.0.1";
    server.port = redis.port();
    server.tls = tls;
    server.display = redis.url();
    return server;
}

config::RedisSettings settings_for(const RedisServer& redis, bool tls = false) {
    config::RedisSettings settings;
    settings.servers = {server_at(redis, tls)};
    settings.key_prefix = "test:";
    settings.connect_timeout = 1000ms;
    settings.command_timeout = 300ms;
    return settings;
}

struct Client {
    Client(config::RedisSettings settings, std::string password = {})
        : state(std::move(settings), std::move(password)) {
        state.start(config);
    }
    ~Client() { state.stop(); }
    bool connects() {
        return eventually([&] { return state.not_ready_reason().empty(); }, 10s);
    }
    config::Config config;
    asio::io_context io;
    state::RedisSharedState state;
};

}  // namespace

BOOST_AUTO_TEST_CASE(operations_and_expiry) {
    RedisServer redis;
    Client client(settings_for(redis));
    BOOST_REQUIRE(client.connects());
    check_shared_state_operations(client.state, client.io);
    check_shared_state_expiry(client.state, client.io);
}

BOOST_AUTO_TEST_CASE(keys_carry_the_prefix_and_a_time_to_live) {
    RedisServer redis;
    Client client(settings_for(redis));
    BOOST_REQUIRE(client.connects());
    BOOST_REQUIRE(await_on(client.io, client.state.put_if_absent("sixmm:channel:c1", "alice", 60s)).value());
    BOOST_REQUIRE(await_on(client.io, client.state.claim("lease:shard-1", "replica-a", 60s)).value());
    BOOST_TEST(redis.cli("--scan").find("test:sixmm:channel:c1") != std::string::npos);
    BOOST_TEST(redis.cli("GET test:sixmm:channel:c1").find("alice") != std::string::npos);
    for (const auto* key : {"test:sixmm:channel:c1", "test:lease:shard-1"}) {
        const auto ttl = std::stol(redis.cli(std::string("PTTL ") + key));
        BOOST_TEST((ttl > 50'000 && ttl <= 60'000), key << " has PTTL " << ttl);
    }
}

BOOST_AUTO_TEST_CASE(an_acl_user_and_password_from_a_secret) {
    RedisServer redis({"--user", "gateway", "on", ">s3cret-pass", "~test:*", "+@all", "--user", "default", "off"});
    auto settings = settings_for(redis);
    settings.username = "gateway";
    {
        Client client(settings, "s3cret-pass");
        BOOST_REQUIRE(client.connects());
        check_shared_state_operations(client.state, client.io);
    }
    Client wrong(settings, "not-the-password");
    std::string reason;
    BOOST_TEST(eventually([&] { return !(reason = wrong.state.not_ready_reason()).empty() &&
                                       reason.find("AUTH") != std::string::npos; }, 5s), reason);
    BOOST_TEST(reason.find("not-the-password") == std::string::npos);
    const auto failed = await_on(wrong.io, wrong.state.get("k"));
    BOOST_TEST(failed.error() == make_error_code(state::Errc::unavailable));
}

BOOST_AUTO_TEST_CASE(a_redis_that_dies_fails_calls_at_once_and_is_reconnected) {
    RedisServer redis;
    Client client(settings_for(redis));
    BOOST_REQUIRE(client.connects());
    BOOST_REQUIRE(await_on(client.io, client.state.put("k", "v", 60s)).has_value());
    redis.kill();
    BOOST_TEST(eventually([&] { return !client.state.not_ready_reason().empty(); }, 3s));
    const auto start = std::chrono::steady_clock::now();
    const auto failed = await_on(client.io, client.state.get("k"));
    BOOST_TEST(!failed.has_value());
    BOOST_TEST((std::chrono::steady_clock::now() - start < 500ms));
    redis.start();
    BOOST_TEST(client.connects());
    BOOST_TEST(await_on(client.io, client.state.put("k", "again", 60s)).has_value());
}

BOOST_AUTO_TEST_CASE(a_redis_that_hangs_times_out_within_the_command_timeout) {
    RedisServer redis;
    Client client(settings_for(redis));
    BOOST_REQUIRE(client.connects());
    redis.pause();
    const auto start = std::chrono::steady_clock::now();
    const auto failed = await_on(client.io, client.state.get("k"));
    const auto waited = std::chrono::steady_clock::now() - start;
    BOOST_TEST(failed.error() == make_error_code(state::Errc::timeout));
    BOOST_TEST((waited < 1000ms), "waited " << std::chrono::duration_cast<std::chrono::milliseconds>(waited).count());
    BOOST_TEST(!client.state.not_ready_reason().empty());
    redis.resume();
    BOOST_TEST(client.connects());
    BOOST_TEST(await_on(client.io, client.state.get("k")).has_value());
}

BOOST_AUTO_TEST_CASE(a_sentinel_failover_is_followed_to_the_new_master) {
    RedisServer master;
    RedisServer replica({"--replicaof", "127.0.0.1", std::to_string(master.port())});
    std::vector<std::unique_ptr<RedisSentinel>> sentinels;
    for (int i = 0; i < 3; ++i) sentinels.push_back(std::make_unique<RedisSentinel>("gateway-master", master.port()));
    config::RedisSettings settings = settings_for(master);
    settings.servers.clear();
    settings.master_name = "gateway-master";
    for (const auto& sentinel : sentinels) {
        config::RedisSettings::Server server;
        server.host = "127.0.0.1";
        server.port = sentinel->port();
        server.display = sentinel->url();
        settings.sentinels.push_back(server);
    }
    Client client(settings);
    BOOST_REQUIRE(client.connects());
    BOOST_REQUIRE(await_on(client.io, client.state.put("before", "failover", 60s)).has_value());
    BOOST_REQUIRE(eventually([&] { return replica.cli("GET test:before").find("failover") != std::string::npos; }, 5s));

    master.kill();
    // Down after 1 s, then an election and the promotion: a few seconds on loopback.
    const bool followed = eventually(
        [&] {
            const auto written = await_on(client.io, client.state.put("after", "failover", 60s));
            return written.has_value();
        },
        30s, 200ms);
    BOOST_REQUIRE(followed);
    BOOST_TEST(replica.cli("ROLE").find("master") != std::string::npos);
    BOOST_TEST(await_on(client.io, client.state.get("before")).value().value_or("") == "failover");
    BOOST_TEST(replica.cli("GET test:after").find("failover") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(tls_with_a_test_ca_and_a_refused_stranger) {
    TempDir certificates;
    make_certificate(certificates, "localhost", "DNS:localhost,IP:127.0.0.1");
    make_certificate(certificates, "stranger", "DNS:localhost,IP:127.0.0.1");
    RedisServer redis({}, &certificates);
    auto settings = settings_for(redis, true);
    settings.ca_file = (certificates.path() / "localhost.pem").string();
    {
        Client client(settings);
        BOOST_REQUIRE(client.connects());
        check_shared_state_operations(client.state, client.io);
    }
    settings.ca_file = (certificates.path() / "stranger.pem").string();
    Client untrusted(settings);
    std::string reason;
    BOOST_TEST(eventually([&] { return (reason = untrusted.state.not_ready_reason()).find("TLS") != std::string::npos; },
                          5s),
               reason);
}
