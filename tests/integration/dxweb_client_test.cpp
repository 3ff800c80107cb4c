// The dxWeb client against the sandbox's DXtrade stand-in (dxWeb API + WEB terminal),
// in both auth modes, plus the "dxtrade" config section's validation.
#define BOOST_TEST_MODULE dxweb_client
#include <boost/test/unit_test.hpp>

#include "gateway/config/model.hpp"
#include "proto_handlers/dxtrade/dxweb_client.hpp"
#include "proto_handlers/dxtrade/settings.hpp"
#include "tests/support/client.hpp"
#include "tests/support/dxtrade_sandbox.hpp"
#include "tests/support/process.hpp"
#include "tests/support/running_gateway.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <functional>

#include <algorithm>
#include <thread>

using namespace tg;
using namespace tg::test;
using namespace std::chrono_literals;
using dxtrade::AuthMode;
using dxtrade::DxWebClient;
using dxtrade::LogoutResult;
using dxtrade::PingResult;
using dxtrade::TokenResult;

namespace {

const std::string dxweb_password = "dxweb-test-password-91c2";

struct Sandbox : DxtradeSandbox {
    explicit Sandbox(std::vector<std::string> flags = {}) : DxtradeSandbox(dxweb_password, std::move(flags)) {}
};

// An UpstreamPool on an io_context of the test's own, and a client over it.
struct ClientFixture {
    ClientFixture(const std::string& url, AuthMode mode, std::string password = dxweb_password,
                  int response_timeout_ms = 2000) {
        upstream.name = "dxweb";
        config::UpstreamServer server;
        server.url = url;
        server.host = "127.0.0.1";
        server.port = static_cast<std::uint16_t>(std::stoi(url.substr(url.rfind(':') + 1)));
        upstream.servers = {server};
        upstream.connect_timeout = 1000ms;
        upstream.response_timeout = std::chrono::milliseconds(response_timeout_ms);
        pool = std::make_unique<proxy::UpstreamPool>(upstream, nullptr, stats);
        dxtrade::Settings settings;
        settings.upstream = "dxweb";
        settings.auth.mode = mode;
        settings.auth.username = "sso-service";
        settings.auth.domain = "default";
        settings.auth.password = "dxweb_password";
        settings.terminal_login_url = "http://127.0.0.1/api/auth/login/form-with-token";
        client = std::make_unique<DxWebClient>(settings, *pool, std::move(password));
    }

    template <class T> T run(std::function<asio::awaitable<T>(DxWebClient&)> body) {
        T result{};
        asio::co_spawn(io, [&]() -> asio::awaitable<void> { result = co_await body(*client); }, asio::detached);
        io.restart();
        io.run();
        return result;
    }
    TokenResult generate(const std::string& login = "alice") {
        return run<TokenResult>([&](DxWebClient& c) { return c.generate_token(login, "default", "req-1"); });
    }
    PingResult::Kind ping(const std::string& token, const std::string& login = "alice") {
        return run<PingResult>([&](DxWebClient& c) { return c.ping(login, "default", token); }).kind;
    }
    LogoutResult::Kind logout_by_token(const std::string& token, const std::string& login = "alice") {
        return run<LogoutResult>([&](DxWebClient& c) { return c.logout_by_token(login, "default", token); }).kind;
    }
    LogoutResult::Kind logout_by_login(const std::string& login = "alice") {
        return run<LogoutResult>([&](DxWebClient& c) { return c.logout_by_login(login, "default"); }).kind;
    }

    asio::io_context io;
    config::Upstream upstream;
    observability::UpstreamStats stats;
    std::unique_ptr<proxy::UpstreamPool> pool;
    std::unique_ptr<DxWebClient> client;
};

const AuthMode both_modes[] = {AuthMode::basic, AuthMode::session};

std::vector<config::Problem> validate(const std::string& text) {
    config::Config engine;
    engine.upstreams["dxweb"] = config::Upstream{};
    engine.secrets["dx_password"] = config::SecretValue("pw");
    engine.secrets["store_key"] = config::SecretValue("k");
    std::vector<config::Problem> problems;
    dxtrade::validate_section(boost::json::parse(text), "dxtrade", engine, problems);
    return problems;
}

bool has_problem(const std::vector<config::Problem>& problems, const std::string& path, const std::string& words) {
    return std::any_of(problems.begin(), problems.end(), [&](const config::Problem& p) {
        return p.path == path && p.message.find(words) != std::string::npos;
    });
}

std::string dump(const std::vector<config::Problem>& problems) {
    std::string out;
    for (const auto& p : problems) out += config::to_string(p) + "\n";
    return out;
}

const std::string minimal_section = R"({"upstream": "dxweb",
  "auth": {"username": "sso-service", "domain": "default", "password": "dx_password"},
  "terminal_login_url": "https://terminal.example/api/auth/login/form-with-token",
  "session_store": {"key": "store_key"}})";

}  // namespace

BOOST_AUTO_TEST_CASE(settings_defaults) {
    const auto problems = validate(minimal_section);
    BOOST_TEST(problems.empty(), dump(problems));
    config::Config config;
    config.document = boost::json::parse(R"({"dxtrade": )" + minimal_section + "}").as_object();
    const auto settings = dxtrade::read_settings(config);
    BOOST_TEST(settings.base_path == "/dxweb/rest");
    BOOST_TEST((settings.auth.mode == AuthMode::session));
    BOOST_TEST(settings.endpoints.generate_token.path == "/generateToken");
    BOOST_TEST(settings.endpoints.logout_by_login.path == "/logoutByLogin");
    BOOST_TEST((settings.endpoints.ping.method == http::verb::post));
    BOOST_TEST((settings.endpoints.ping.encoding == dxtrade::Encoding::form));
    BOOST_TEST(settings.token.answer_field == "");
    BOOST_TEST(settings.token.send_base64);
    BOOST_TEST(settings.target == "_self");
    BOOST_TEST(settings.keepalive.interval.count() == 60000);
    BOOST_TEST(settings.keepalive.jitter == 0.1);
    BOOST_TEST(settings.keepalive.max_in_flight == 64u);
    BOOST_TEST(settings.keepalive.max_age.count() == 12 * 3600 * 1000);
    BOOST_TEST((settings.logout.by == dxtrade::LogoutBy::token));
    BOOST_TEST((settings.session_store.kind == dxtrade::SessionStoreKind::sqlite));
    BOOST_TEST(settings.session_store.path == "var/dxtrade-sessions.db");
}

BOOST_AUTO_TEST_CASE(settings_problems_name_their_paths) {
    auto problems = validate(R"({"upstream": "dxweb",
      "auth": {"mode": "basic", "username": "u", "domain": "d", "password": "nope"},
      "endpoints": {"ping": {"path": "/ping", "encoding": "xml"}, "pong": {}},
      "terminal_login_url": "https://t.example/x", "keepalive": {"jitter": 0.9},
      "session_store": {"kind": "memory"}, "colour": "blue"})");
    BOOST_TEST(has_problem(problems, "dxtrade.auth.password", "no secret named"), dump(problems));
    BOOST_TEST(has_problem(problems, "dxtrade.endpoints.ping.encoding", "expected"), dump(problems));
    BOOST_TEST(has_problem(problems, "dxtrade.endpoints.pong", "unknown key"), dump(problems));
    BOOST_TEST(has_problem(problems, "dxtrade.colour", "unknown key"), dump(problems));
    BOOST_TEST(has_problem(problems, "dxtrade.keepalive.jitter", "0.5"), dump(problems));
    BOOST_TEST(problems.size() == 5u, dump(problems));
    problems = validate(R"({"upstream": "nowhere", "auth": {"username": "u", "domain": "d", "password": "dx_password"},
      "terminal_login_url": "ftp://x"})");
    BOOST_TEST(has_problem(problems, "dxtrade.upstream", "no upstream"), dump(problems));
    BOOST_TEST(has_problem(problems, "dxtrade.terminal_login_url", "http"), dump(problems));
    BOOST_TEST(has_problem(problems, "dxtrade.session_store", "missing"), dump(problems));
}

BOOST_AUTO_TEST_CASE(a_generated_token_opens_the_terminal_in_both_modes) {
    Sandbox sandbox;
    for (const auto mode : both_modes) {
        ClientFixture fixture(sandbox.dxweb_url(), mode);
        const auto token = fixture.generate();
        BOOST_REQUIRE((token.kind == TokenResult::Kind::ok));
        BOOST_TEST(!token.token.empty());
        BOOST_TEST(sandbox.redeem(token.token) == 303u);
        BOOST_TEST(sandbox.redeem(token.token) == 401u);  // single use
    }
    const auto log = read_file(sandbox.dir.path() / "sandbox.log");
    BOOST_TEST(log.find(dxweb_password) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(ping_keeps_a_session_alive_and_without_it_the_session_ends) {
    Sandbox sandbox({"--dxtrade-inactivity-ms", "1500"});
    for (const auto mode : both_modes) {
        ClientFixture fixture(sandbox.dxweb_url(), mode);
        const auto kept = fixture.generate("alice");
        const auto idle = fixture.generate("bob");
        BOOST_REQUIRE((kept.kind == TokenResult::Kind::ok && idle.kind == TokenResult::Kind::ok));
        for (int i = 0; i < 6; ++i) {
            std::this_thread::sleep_for(500ms);
            BOOST_TEST((fixture.ping(kept.token, "alice") == PingResult::Kind::ok));
        }
        BOOST_TEST((fixture.ping(idle.token, "bob") == PingResult::Kind::gone));
    }
}

BOOST_AUTO_TEST_CASE(logouts_end_sessions) {
    Sandbox sandbox;
    for (const auto mode : both_modes) {
        ClientFixture fixture(sandbox.dxweb_url(), mode);
        const auto one = fixture.generate("alice");
        const auto two = fixture.generate("bob");
        const auto three = fixture.generate("bob");
        BOOST_REQUIRE((one.kind == TokenResult::Kind::ok && two.kind == TokenResult::Kind::ok &&
                       three.kind == TokenResult::Kind::ok));
        BOOST_TEST((fixture.logout_by_token(one.token, "alice") == LogoutResult::Kind::ok));
        BOOST_TEST((fixture.ping(one.token, "alice") == PingResult::Kind::gone));
        BOOST_TEST((fixture.ping(two.token, "bob") == PingResult::Kind::ok));
        BOOST_TEST((fixture.logout_by_login("bob") == LogoutResult::Kind::ok));
        BOOST_TEST((fixture.ping(two.token, "bob") == PingResult::Kind::gone));
        BOOST_TEST((fixture.ping(three.token, "bob") == PingResult::Kind::gone));
    }
}

BOOST_AUTO_TEST_CASE(a_wrong_password_is_rejected_not_a_crash) {
    Sandbox sandbox;
    for (const auto mode : both_modes) {
        ClientFixture fixture(sandbox.dxweb_url(), mode, "not-the-password");
        BOOST_TEST((fixture.generate().kind == TokenResult::Kind::rejected));
        BOOST_TEST((fixture.logout_by_login() == LogoutResult::Kind::rejected));
    }
}

BOOST_AUTO_TEST_CASE(down_is_unavailable_and_slow_is_timeout) {
    Sandbox sandbox;
    for (const auto mode : both_modes) {
        sandbox.set_mode("down");
        ClientFixture fixture(sandbox.dxweb_url(), mode, dxweb_password, 300);
        BOOST_TEST((fixture.generate().kind == TokenResult::Kind::unavailable));
        BOOST_TEST((fixture.ping("0123", "alice") == PingResult::Kind::transient));
        BOOST_TEST((fixture.logout_by_login() == LogoutResult::Kind::unavailable));
        sandbox.set_mode("slow", 1000);
        const auto start = std::chrono::steady_clock::now();
        BOOST_TEST((fixture.generate().kind == TokenResult::Kind::timeout));
        BOOST_TEST((std::chrono::steady_clock::now() - start < 900ms));
        sandbox.set_mode("normal");
    }
    ClientFixture unreachable("http://127.0.0.1:" + port_text(unused_port()), AuthMode::basic);
    BOOST_TEST((unreachable.generate().kind == TokenResult::Kind::unavailable));
    BOOST_TEST((unreachable.ping("0123") == PingResult::Kind::transient));
}

BOOST_AUTO_TEST_CASE(session_mode_renews_its_api_token) {
    Sandbox sandbox({"--dxweb-session-timeout-ms", "1000"});
    ClientFixture fixture(sandbox.dxweb_url(), AuthMode::session);
    const auto start = std::chrono::steady_clock::now();
    int calls = 0;
    while (std::chrono::steady_clock::now() - start < 2500ms) {
        const auto token = fixture.generate();
        BOOST_TEST((token.kind == TokenResult::Kind::ok));
        if (token.kind == TokenResult::Kind::ok) BOOST_TEST((fixture.ping(token.token) == PingResult::Kind::ok));
        ++calls;
        std::this_thread::sleep_for(300ms);
    }
    BOOST_TEST(calls >= 6);
    const auto stats = sandbox.stats();
    BOOST_TEST_MESSAGE(boost::json::serialize(stats));
    const auto& counts = stats.at("calls").as_object();
    const auto* logins = counts.if_contains("/dxweb/rest/login");
    BOOST_REQUIRE(logins);
    BOOST_TEST(logins->to_number<int>() >= 3);
}
