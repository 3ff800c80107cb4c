// The DXtrade keepalive loop against the sandbox's DXtrade stand-in: pings keep sessions
// alive past the stand-in's inactivity timeout, remove() lets one lapse, a session logged
// out behind the loop's back is reported ended (gone), and the lag histogram fills.
#define BOOST_TEST_MODULE dxtrade_keepalive
#include <boost/test/unit_test.hpp>

#include "gateway/config/model.hpp"
#include "gateway/core/time_format.hpp"
#include "proto_handlers/dxtrade/dxweb_client.hpp"
#include "proto_handlers/dxtrade/keepalive.hpp"
#include "proto_handlers/dxtrade/settings.hpp"
#include "tests/support/client.hpp"
#include "tests/support/dxtrade_sandbox.hpp"
#include "tests/support/running_gateway.hpp"
#include "tests/support/wait.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

using namespace tg;
using namespace tg::test;
using namespace std::chrono_literals;
using dxtrade::AuthMode;
using dxtrade::DxWebClient;
using dxtrade::Keepalive;
using dxtrade::LogoutResult;
using dxtrade::PingResult;
using dxtrade::TokenResult;

namespace {

const std::string dxweb_password = "dxweb-test-password-5e07";
const std::string inactivity_flag = "--dxtrade-inactivity-ms";
const std::string inactivity_ms = "3000";
const std::string domain = "default";
const std::string alice = "alice", bob = "bob", carol = "carol";
constexpr dxtrade::SessionId alice_id = 1, bob_id = 2, carol_id = 3;

struct Sandbox : DxtradeSandbox {
    explicit Sandbox(std::vector<std::string> flags = {}) : DxtradeSandbox(dxweb_password, std::move(flags)) {}
};

dxtrade::Settings make_settings() {
    dxtrade::Settings settings;
    settings.upstream = "dxweb";
    settings.auth.mode = AuthMode::session;
    settings.auth.username = "sso-service";
    settings.auth.domain = domain;
    settings.auth.password = "dxweb_password";
    settings.terminal_login_url = "http://127.0.0.1/api/auth/login/form-with-token";
    settings.keepalive.interval = 1000ms;
    settings.keepalive.jitter = 0.1;
    settings.keepalive.max_in_flight = 4;
    return settings;
}

config::Upstream make_upstream(std::uint16_t port) {
    config::Upstream upstream;
    upstream.name = "dxweb";
    config::UpstreamServer server;
    server.url = "http://127.0.0.1:" + port_text(port);
    server.host = "127.0.0.1";
    server.port = port;
    upstream.servers = {server};
    upstream.connect_timeout = 1000ms;
    upstream.response_timeout = 2000ms;
    return upstream;
}

// The test's own client, on its own io_context run on the test thread.
struct TestClient {
    explicit TestClient(std::uint16_t port) : upstream(make_upstream(port)) {
        pool = std::make_unique<proxy::UpstreamPool>(upstream, nullptr, stats);
        client = std::make_unique<DxWebClient>(make_settings(), *pool, dxweb_password);
    }
    template <class T> T run(std::function<asio::awaitable<T>(DxWebClient&)> body) {
        T result{};
        asio::co_spawn(io, [&]() -> asio::awaitable<void> { result = co_await body(*client); }, asio::detached);
        io.restart();
        io.run();
        return result;
    }
    TokenResult generate(const std::string& login) {
        return run<TokenResult>([&](DxWebClient& c) { return c.generate_token(login, domain, "req-keepalive"); });
    }
    PingResult::Kind ping(const std::string& token, const std::string& login) {
        return run<PingResult>([&](DxWebClient& c) { return c.ping(login, domain, token); }).kind;
    }
    LogoutResult::Kind logout_by_token(const std::string& token, const std::string& login) {
        return run<LogoutResult>([&](DxWebClient& c) { return c.logout_by_token(login, domain, token); }).kind;
    }

    asio::io_context io;
    config::Upstream upstream;
    observability::UpstreamStats stats;
    std::unique_ptr<proxy::UpstreamPool> pool;
    std::unique_ptr<DxWebClient> client;
};

struct EndedLog {
    void record(dxtrade::SessionId id, dxtrade::EndReason reason) {
        std::lock_guard lock(mutex);
        ended.emplace_back(id, reason);
    }
    std::optional<dxtrade::EndReason> reason_of(dxtrade::SessionId id) {
        std::lock_guard lock(mutex);
        for (const auto& [who, why] : ended)
            if (who == id) return why;
        return std::nullopt;
    }
    std::mutex mutex;
    std::vector<std::pair<dxtrade::SessionId, dxtrade::EndReason>> ended;
};

std::string describe(const dxtrade::KeepaliveStats& s) {
    std::string out = "active=" + std::to_string(s.active_sessions) + " in_flight=" + std::to_string(s.in_flight) +
                      " queue=" + std::to_string(s.queue_depth) + " ok=" + std::to_string(s.pings_ok) +
                      " transient=" + std::to_string(s.pings_transient) + " gone=" + std::to_string(s.pings_gone) +
                      " ended(logout/gone/expired/max_age)=" + std::to_string(s.ended_logout) + "/" +
                      std::to_string(s.ended_gone) + "/" + std::to_string(s.ended_expired) + "/" +
                      std::to_string(s.ended_max_age) + " lag=[";
    for (auto n : s.lag_buckets) out += std::to_string(n) + " ";
    return out + "]";
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_loop_keeps_sessions_alive_and_reports_them_ended) {
    const auto test_start = std::chrono::steady_clock::now();
    Sandbox sandbox({inactivity_flag, inactivity_ms});
    TestClient test_client(sandbox.dxweb_port);
    const auto alice_token = test_client.generate(alice);
    const auto bob_token = test_client.generate(bob);
    const auto carol_token = test_client.generate(carol);
    BOOST_REQUIRE((alice_token.kind == TokenResult::Kind::ok && bob_token.kind == TokenResult::Kind::ok &&
                   carol_token.kind == TokenResult::Kind::ok));
    BOOST_REQUIRE_EQUAL(sandbox.live_sessions(), 3);

    EndedLog ended;
    auto keepalive = std::make_unique<Keepalive>(make_settings(), make_upstream(sandbox.dxweb_port), dxweb_password);
    keepalive->on_ended([&](dxtrade::SessionId id, dxtrade::EndReason reason) { ended.record(id, reason); });
    keepalive->start();
    const auto now = tg::unix_millis_now();
    keepalive->add({alice_id, alice, domain, alice_token.token, now, 0}, false);
    keepalive->add({bob_id, bob, domain, bob_token.token, now, now / 1000 + 3600}, false);
    // Carol's launch is long past the first-use grace: a "gone" answer ends her session.
    keepalive->add({carol_id, carol, domain, carol_token.token, now - 600'000, 0}, true);

    // 15 s: five times the stand-in's inactivity timeout, kept alive by the loop alone.
    std::this_thread::sleep_for(15s);
    auto stats = keepalive->stats();
    BOOST_TEST_MESSAGE("after 15 s: " << describe(stats));
    BOOST_TEST(sandbox.live_sessions() == 3);
    BOOST_TEST(stats.active_sessions == 3u);
    BOOST_TEST(stats.pings_ok >= 20u);
    BOOST_TEST(stats.pings_gone == 0u);
    BOOST_TEST((!ended.reason_of(alice_id).has_value()));
    BOOST_TEST((test_client.ping(alice_token.token, alice) == PingResult::Kind::ok));
    BOOST_TEST((test_client.ping(bob_token.token, bob) == PingResult::Kind::ok));

    // remove(alice): no more pings, so the stand-in ends her session; carol is logged out behind
    // the loop's back, which the loop's next ping finds (gone) and reports through on_ended.
    keepalive->remove(alice_id);
    const auto removed_at = std::chrono::steady_clock::now();
    BOOST_TEST((test_client.logout_by_token(carol_token.token, carol) == LogoutResult::Kind::ok));
    BOOST_TEST(eventually([&] { return ended.reason_of(carol_id).has_value(); }, 2500ms));
    BOOST_TEST((ended.reason_of(carol_id) == std::optional(dxtrade::EndReason::gone)));

    BOOST_TEST(eventually([&] { return sandbox.live_sessions() == 1; }, 5s));
    BOOST_TEST((std::chrono::steady_clock::now() - removed_at < 5s));
    BOOST_TEST((test_client.ping(alice_token.token, alice) == PingResult::Kind::gone));
    BOOST_TEST((test_client.ping(bob_token.token, bob) == PingResult::Kind::ok));

    stats = keepalive->stats();
    BOOST_TEST_MESSAGE("at the end: " << describe(stats));
    BOOST_TEST(stats.active_sessions == 1u);
    BOOST_TEST(stats.ended_logout == 1u);
    BOOST_TEST(stats.ended_gone == 1u);
    BOOST_TEST(stats.pings_gone == 1u);
    BOOST_TEST((!ended.reason_of(alice_id).has_value()));  // a logout is not reported back
    BOOST_TEST((!ended.reason_of(bob_id).has_value()));
    BOOST_TEST(stats.lag_count >= stats.pings_ok);
    BOOST_TEST(stats.lag_quantile_bound(0.99) >= 0);
    BOOST_TEST(stats.lag_quantile_bound(0.99) < 500);

    const auto stop_start = std::chrono::steady_clock::now();
    keepalive->stop();
    keepalive.reset();
    BOOST_TEST((std::chrono::steady_clock::now() - stop_start < 3s));
    BOOST_TEST((std::chrono::steady_clock::now() - test_start < 25s));
}

BOOST_AUTO_TEST_CASE(an_unstarted_keepalive_destroys_cleanly_and_stop_is_idempotent) {
    Keepalive unstarted(make_settings(), make_upstream(unused_port()), dxweb_password);
    unstarted.add({9, "zed", domain, "t", tg::unix_millis_now(), 0}, false);
    Keepalive started(make_settings(), make_upstream(unused_port()), dxweb_password);
    started.start();
    started.stop();
    started.stop();
    BOOST_TEST(started.stats().active_sessions == 0u);
}

// How dxWeb answers a ping for a token not yet posted to the terminal is not published;
// the stand-in can answer 404. Within the first-use grace that is retried, not the end.
BOOST_AUTO_TEST_CASE(a_ping_refused_before_the_token_is_used_does_not_end_the_session) {
    Sandbox sandbox({inactivity_flag, inactivity_ms, "--dxtrade-refuse-pings-before-use"});
    TestClient test_client(sandbox.dxweb_port);
    const auto token = test_client.generate(alice);
    BOOST_REQUIRE((token.kind == TokenResult::Kind::ok));
    EndedLog ended;
    auto keepalive = std::make_unique<Keepalive>(make_settings(), make_upstream(sandbox.dxweb_port), dxweb_password);
    keepalive->on_ended([&](dxtrade::SessionId id, dxtrade::EndReason reason) { ended.record(id, reason); });
    keepalive->start();
    keepalive->add({alice_id, alice, domain, token.token, tg::unix_millis_now(), 0}, false);

    // A slow browser: the token reaches the terminal after the first pings were refused.
    BOOST_REQUIRE(eventually([&] { return keepalive->stats().pings_transient >= 1; }, 2500ms));
    BOOST_TEST((!ended.reason_of(alice_id).has_value()));
    BOOST_TEST(sandbox.redeem(token.token) == 303u);
    // Past the stand-in's inactivity timeout: alive only if the loop kept pinging.
    std::this_thread::sleep_for(4s);
    BOOST_TEST_MESSAGE(describe(keepalive->stats()));
    BOOST_TEST((!ended.reason_of(alice_id).has_value()));
    BOOST_TEST(keepalive->stats().active_sessions == 1u);
    BOOST_TEST(keepalive->stats().pings_ok >= 2u);
    BOOST_TEST(sandbox.live_sessions() == 1);
    keepalive->stop();

    // With no grace to speak of, the same refusal ends the session at once.
    auto settings = make_settings();
    settings.keepalive.first_use_grace = 1ms;
    const auto bob_token = test_client.generate(bob);
    auto strict = std::make_unique<Keepalive>(settings, make_upstream(sandbox.dxweb_port), dxweb_password);
    strict->on_ended([&](dxtrade::SessionId id, dxtrade::EndReason reason) { ended.record(id, reason); });
    strict->start();
    strict->add({bob_id, bob, domain, bob_token.token, tg::unix_millis_now() - 10, 0}, false);
    BOOST_TEST(eventually([&] { return ended.reason_of(bob_id).has_value(); }, 2500ms));
    BOOST_TEST((ended.reason_of(bob_id) == std::optional(dxtrade::EndReason::gone)));
    strict->stop();
}
