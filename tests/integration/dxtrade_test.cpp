// DXtrade SSO end to end: the gateway binary in front of the sandbox's demo portal and
// DXtrade stand-in (dxWeb API + terminal host), on loopback. Launch -> form -> terminal,
// the failure pages, logout (by token, by login, with dxWeb down), the keepalive keeping
// a session alive past the stand-in's inactivity timeout, kill -9 with 1,000 sessions in
// SQLite, and the admin endpoints.
#define BOOST_TEST_MODULE dxtrade
#include <boost/test/unit_test.hpp>

#include "tests/support/client.hpp"
#include "tests/support/dxtrade_sandbox.hpp"
#include "tests/support/portal.hpp"
#include "tests/support/process.hpp"
#include "tests/support/running_gateway.hpp"
#include "tests/support/wait.hpp"

#include <boost/beast/core/detail/base64.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include <csignal>
#include <regex>
#include <thread>

using namespace tg::test;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

const std::string dxweb_password = "dxweb-test-password-0b41";
const std::string store_key = "store-key-for-tests-1c9d2e7f5a3b";
const std::string launch_path = "/trading/dxtrade/launch";
const std::string domain = "default";

struct Options {
    std::string logout_by = "token";
    std::string login_url;                 // launch.login_url; "" = 401 page
    int interval_ms = 60000;               // keepalive interval
    int inactivity_ms = 60000;             // the stand-in's trader-session timeout
    int dxweb_timeout_ms = 1500;           // dxWeb upstream response timeout
    std::string store_kind = "sqlite";
    std::string target = "_self";
    int max_sessions_per_user = 8;
};

// The sandbox (portal + DXtrade stand-in) and the gateway with a public and an admin listener.
struct Stack {
    explicit Stack(Options options = {}) : options(std::move(options)) {
        dir.write("dxweb-password", dxweb_password + "\n");  // the gateway's copy of the secret
        dir.write("store-key", store_key + "\n");
        BOOST_REQUIRE(wait_for_port(portal_port));
        config_path = dir.write("gateway.json", config_text());
        start_gateway();
    }

    std::string config_text() const {
        const auto login_url = options.login_url.empty() ? "" : R"("login_url": ")" + options.login_url + R"(",)";
        return R"({
          "workers": 2,
          "listeners": [{"name": "public", "address": "127.0.0.1", "port": )" + port_text(port) + R"(},
                        {"name": "admin", "address": "127.0.0.1", "port": )" + port_text(admin_port) + R"(, "admin": true}],
          "access_log": {"path": "access.log"},
          "secrets": {"dx_password": {"file": "dxweb-password"}, "store_key": {"file": "store-key"}},
          "upstreams": {"portal": {"servers": ["http://127.0.0.1:)" + port_text(portal_port) + R"("]},
                        "dxweb": {"servers": ["http://127.0.0.1:)" + port_text(dxweb_port) + R"("],
                                  "connect_timeout_ms": 1000,
                                  "response_timeout_ms": )" + std::to_string(options.dxweb_timeout_ms) + R"(}},
          "partner_session": {"introspect": {"upstream": "portal", "path": "/api/session",
                                             "cookies": ["portal_session"], "cache_ttl_ms": 3000}},
          "dxtrade": {
            "upstream": "dxweb",
            "auth": {"mode": "session", "username": "sso-service", "domain": "default", "password": "dx_password"},
            "terminal_login_url": "http://127.0.0.1:)" + port_text(terminal_port) + R"(/api/auth/login/form-with-token",
            "target": ")" + options.target + R"(",
            "launch": {)" + login_url + R"( "allowed_origins": ["https://portal.example"], "retry_after_s": 9,
                       "max_sessions_per_user": )" + std::to_string(options.max_sessions_per_user) + R"(},
            "keepalive": {"interval_ms": )" + std::to_string(options.interval_ms) + R"(, "jitter": 0.1},
            "logout": {"by": ")" + options.logout_by + R"(", "wait_ms": 2000},
            "session_store": {"kind": ")" + options.store_kind + R"(", "path": ")" + (dir.path() / "sessions.db").string() + R"(",
                              "key": "store_key"}
          },
          "routes": [
            {"name": "dx-launch", "match": {"path": "/trading/dxtrade/launch"}, "handler": "dxtrade.launch"},
            {"name": "logout", "match": {"path": "/logout", "methods": ["POST"]}, "handler": "dxtrade.logout",
             "upstream": "portal"},
            {"name": "portal", "match": {"prefix": "/"}, "upstream": "portal"}
          ]})";
    }

    void start_gateway() {
        gateway.emplace(std::vector<std::string>{gateway_bin, "--config", config_path.string()},
                        dir.path() / ("gateway-" + std::to_string(++gateway_runs) + ".log"));
        BOOST_REQUIRE_MESSAGE(wait_for_port(port) && wait_for_port(admin_port), logs());
    }

    std::string login(const std::string& user) {
        try {
            return portal_login(port, user);
        } catch (const std::exception& e) {
            BOOST_FAIL("login through the gateway failed: " << e.what() << "\n" << logs());
        }
        return {};
    }

    // A launch as a browser sends it from a portal page.
    Response launch(const std::string& cookie, const std::string& fetch_site = "same-origin") {
        auto request = make_request(http::verb::get, launch_path);
        if (!cookie.empty()) request.set(http::field::cookie, cookie);
        if (!fetch_site.empty()) request.set("Sec-Fetch-Site", fetch_site);
        return fetch(port, request);
    }

    Response logout(const std::string& cookie) {
        auto request = make_request(http::verb::post, "/logout");
        request.set(http::field::cookie, cookie);
        return fetch(port, request);
    }

    int live(const std::string& login) { return sandbox.live(login, domain); }
    json::object pings() { return sandbox.pings(); }
    void reset_pings() { sandbox.reset_pings(); }
    void set_mode(const std::string& mode) { sandbox.set_mode(mode, 5000); }
    std::uint64_t dxweb_calls(const std::string& endpoint) { return sandbox.calls(endpoint); }

    json::object admin_sessions(const std::string& query = "") {
        const auto response = fetch(admin_port, "/admin/dxtrade/sessions" + query);
        BOOST_REQUIRE_MESSAGE(response.result_int() == 200u, response.body());
        return json::parse(response.body()).as_object();
    }

    std::string logs() const {
        std::string text = read_file(sandbox.dir.path() / "sandbox.log") + read_file(dir.path() / "access.log");
        for (int run = 1; run <= gateway_runs; ++run)
            text += read_file(dir.path() / ("gateway-" + std::to_string(run) + ".log"));
        return text;
    }

    Options options;
    TempDir dir;
    std::uint16_t portal_port = unused_port(), port = unused_port(), admin_port = unused_port();
    DxtradeSandbox sandbox{dxweb_password,
                           {"--portal", "127.0.0.1:" + port_text(portal_port), "--dxtrade-inactivity-ms",
                            std::to_string(options.inactivity_ms)}};
    const std::uint16_t dxweb_port = sandbox.dxweb_port, terminal_port = sandbox.terminal_port;
    std::filesystem::path config_path;
    int gateway_runs = 0;
    std::optional<ChildProcess> gateway;
};

// The value of the launch form's hidden token input (HTML-escaped, as the page has it).
std::string form_token(const std::string& page) {
    std::smatch match;
    BOOST_REQUIRE_MESSAGE(std::regex_search(page, match, std::regex(R"re(<input type="hidden" name="token" value="([^"]*)")re")),
                          "no token input in the page");
    return match[1].str();
}

std::string base64_decode(const std::string& text) {
    namespace base64 = boost::beast::detail::base64;
    std::string decoded(base64::decoded_size(text.size()), '\0');
    const auto [written, read] = base64::decode(decoded.data(), text.data(), text.size());
    decoded.resize(written);
    return decoded;
}

// Posts the SSO token to the terminal as the browser's hidden form does.
Response submit_to_terminal(std::uint16_t terminal_port, const std::string& token) {
    auto request = make_request(http::verb::post, "/api/auth/login/form-with-token",
                                "token=" + boost::urls::encode(token, boost::urls::unreserved_chars));
    request.set(http::field::content_type, "application/x-www-form-urlencoded");
    return fetch(terminal_port, request);
}

void check_page_headers(const Response& response) {
    BOOST_TEST(response[http::field::cache_control] == "no-store");
    BOOST_TEST(response["Referrer-Policy"] == "no-referrer");
    BOOST_TEST(std::string(response[http::field::content_type]).starts_with("text/html"));
    BOOST_TEST(std::string(response["Content-Security-Policy"]).find("frame-ancestors 'none'") != std::string::npos);
}

}  // namespace

BOOST_AUTO_TEST_CASE(launch_answers_the_auto_submit_form_and_the_terminal_accepts_its_token) {
    Stack stack;
    const auto cookie = stack.login("alice");
    const auto response = stack.launch(cookie);
    BOOST_REQUIRE_MESSAGE(response.result_int() == 200u, response.body());
    check_page_headers(response);
    const std::string csp(response["Content-Security-Policy"]);
    BOOST_TEST(csp.find("form-action http://127.0.0.1:" + port_text(stack.terminal_port)) != std::string::npos);
    const auto& page = response.body();
    BOOST_TEST(page.find(R"(method="POST")") != std::string::npos);
    BOOST_TEST(page.find("action=\"http://127.0.0.1:" + port_text(stack.terminal_port) +
                         "/api/auth/login/form-with-token\"") != std::string::npos);
    BOOST_TEST(page.find("<noscript>") != std::string::npos);

    // Base64 of the dxWeb token, by default; it appears once, only in the form.
    const auto sent = form_token(page);
    const auto issued = base64_decode(sent);
    BOOST_REQUIRE(!issued.empty());
    BOOST_TEST(page.find(sent) == page.rfind(sent));
    for (const auto& field : response.base()) {
        BOOST_TEST(std::string(field.value()).find(sent) == std::string::npos);
        BOOST_TEST(std::string(field.value()).find(issued) == std::string::npos);
    }

    // The browser's form post opens the terminal for alice; the token works once.
    const auto terminal = submit_to_terminal(stack.terminal_port, sent);
    BOOST_TEST(terminal.result_int() == 303u);
    BOOST_TEST(terminal[http::field::location] == "/main");
    BOOST_TEST(submit_to_terminal(stack.terminal_port, sent).result_int() == 401u);
    BOOST_TEST(stack.live("alice") == 1);

    // The session is recorded (admin shows it without the token), and nothing logged the token.
    const auto sessions = stack.admin_sessions();
    BOOST_TEST(sessions.at("active").to_number<int>() == 1);
    BOOST_TEST(sessions.at("stored").to_number<int>() == 1);
    const auto users = json::serialize(sessions.at("users"));
    BOOST_TEST(users.find(R"("login":"alice")") != std::string::npos);
    const auto logs = stack.logs();
    BOOST_TEST(logs.find(issued) == std::string::npos);
    BOOST_TEST(logs.find(sent) == std::string::npos);
    BOOST_TEST(users.find(issued) == std::string::npos);
    BOOST_TEST(read_file(stack.dir.path() / "sessions.db").find(issued) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(launch_refuses_what_it_must_with_html_pages) {
    Stack stack;
    const auto alice = stack.login("alice");
    const auto calls_before = stack.dxweb_calls("generateToken");

    // Cross-site, by Sec-Fetch-Site, Origin or Referer: 403, before anything else happens.
    BOOST_TEST(stack.launch(alice, "cross-site").result_int() == 403u);
    BOOST_TEST(stack.launch(alice, "same-site").result_int() == 403u);
    auto from_elsewhere = make_request(http::verb::get, launch_path);
    from_elsewhere.set(http::field::cookie, alice);
    from_elsewhere.set(http::field::referer, "https://evil.example/page");
    BOOST_TEST(fetch(stack.port, from_elsewhere).result_int() == 403u);
    from_elsewhere.set(http::field::origin, "https://evil.example");
    const auto refused = fetch(stack.port, from_elsewhere);
    BOOST_TEST(refused.result_int() == 403u);
    check_page_headers(refused);
    // Look-alikes of the gateway's own origin (the request's Host) are other origins.
    for (const auto& [host, referer] : std::vector<std::pair<std::string, std::string>>{
             {"10.0.0.5", "http://10.0.0.5.evil.com/"},
             {"127.0.0.1", "http://127.0.0.1x/"},
             {"portal.example.com", "http://portal.example.com:80x/"}}) {
        auto look_alike = make_request(http::verb::get, launch_path);
        look_alike.set(http::field::cookie, alice);
        look_alike.set(http::field::host, host);
        look_alike.set(http::field::referer, referer);
        BOOST_TEST(fetch(stack.port, look_alike).result_int() == 403u, referer);
    }
    BOOST_TEST(stack.dxweb_calls("generateToken") == calls_before);
    // A listed portal origin may launch; so may a typed URL (Sec-Fetch-Site: none).
    auto from_portal = make_request(http::verb::get, launch_path);
    from_portal.set(http::field::cookie, alice);
    from_portal.set("Sec-Fetch-Site", "same-site");
    from_portal.set(http::field::referer, "https://portal.example/apps");
    BOOST_TEST(fetch(stack.port, from_portal).result_int() == 200u);
    BOOST_TEST(stack.launch(alice, "none").result_int() == 200u);

    // Signed out: a 401 page (no login_url configured). A user without DXtrade: 403.
    const auto signed_out = stack.launch("");
    BOOST_TEST(signed_out.result_int() == 401u);
    check_page_headers(signed_out);
    BOOST_TEST(stack.launch(stack.login("carol")).result_int() == 403u);

    // POST is not a launch.
    auto post = make_request(http::verb::post, launch_path);
    post.set(http::field::cookie, alice);
    const auto wrong_method = fetch(stack.port, post);
    BOOST_TEST(wrong_method.result_int() == 405u);
    BOOST_TEST(wrong_method[http::field::allow] == "GET");
}

BOOST_AUTO_TEST_CASE(dxweb_failures_give_503_504_502_pages_with_a_retry_link) {
    Options options;
    options.dxweb_timeout_ms = 1000;
    Stack stack(options);
    const auto alice = stack.login("alice");
    const std::string retry_link = "href=\"" + launch_path + "\"";

    stack.set_mode("down");
    const auto down = stack.launch(alice);
    BOOST_TEST(down.result_int() == 503u);
    BOOST_TEST(down[http::field::retry_after] == "9");
    BOOST_TEST(down.body().find(retry_link) != std::string::npos);
    check_page_headers(down);

    stack.set_mode("slow");  // 5 s, past the 1 s response timeout
    const auto slow = stack.launch(alice);
    BOOST_TEST(slow.result_int() == 504u);
    BOOST_TEST(slow.body().find(retry_link) != std::string::npos);

    stack.set_mode("reject");
    const auto rejected = stack.launch(alice);
    BOOST_TEST(rejected.result_int() == 502u);
    BOOST_TEST(rejected.body().find(retry_link) != std::string::npos);

    // Nothing was recorded for the failed launches; normal service resumes.
    BOOST_TEST(stack.admin_sessions().at("stored").to_number<int>() == 0);
    stack.set_mode("normal");
    BOOST_TEST(stack.launch(alice).result_int() == 200u);
    const auto metrics = fetch(stack.admin_port, "/metrics").body();
    BOOST_TEST(metrics.find("tg_dxtrade_launches_total{result=\"upstream_unavailable\"} 1") != std::string::npos);
    BOOST_TEST(metrics.find("tg_dxtrade_launches_total{result=\"upstream_timeout\"} 1") != std::string::npos);
    BOOST_TEST(metrics.find("tg_dxtrade_launches_total{result=\"upstream_rejected\"} 1") != std::string::npos);
    BOOST_TEST(metrics.find("tg_dxtrade_launches_total{result=\"ok\"} 1") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(signed_out_launch_redirects_to_the_configured_login_url) {
    Options options;
    options.login_url = "/login?next=%2Ftrading";
    Stack stack(options);
    const auto response = stack.launch("");
    BOOST_TEST(response.result_int() == 302u);
    BOOST_TEST(response[http::field::location] == "/login?next=%2Ftrading");
}

BOOST_AUTO_TEST_CASE(logout_by_token_ends_each_of_the_users_sessions_then_the_portal_logs_out) {
    Stack stack;
    const auto alice = stack.login("alice");
    const auto bob = stack.login("bob");
    for (const auto* cookie : {&alice, &alice, &bob}) {
        const auto page = stack.launch(*cookie);
        BOOST_REQUIRE(page.result_int() == 200u);
        BOOST_REQUIRE(submit_to_terminal(stack.terminal_port, form_token(page.body())).result_int() == 303u);
    }
    BOOST_REQUIRE(stack.live("alice") == 2 && stack.live("bob") == 1);

    // A logout posted from another site ends nothing, at the gateway or the portal.
    for (const auto& [header, value] : std::vector<std::pair<std::string, std::string>>{
             {"Origin", "https://evil.example"}, {"Sec-Fetch-Site", "cross-site"}}) {
        auto forged = make_request(http::verb::post, "/logout");
        forged.set(http::field::cookie, alice);
        forged.set(header, value);
        const auto refused = fetch(stack.port, forged);
        BOOST_TEST(refused.result_int() == 403u, header);
        BOOST_TEST(std::string(refused["Content-Security-Policy"]).find("default-src 'none'") != std::string::npos);
    }
    BOOST_TEST(stack.live("alice") == 2);
    BOOST_TEST(stack.dxweb_calls("logoutByToken") == 0u);
    BOOST_TEST(stack.launch(alice).result_int() == 200u);  // still signed in at the portal
    BOOST_REQUIRE(stack.live("alice") == 3);

    const auto response = stack.logout(alice);
    BOOST_TEST(response.result_int() == 303u);  // the portal's own answer
    BOOST_TEST(std::string(response[http::field::set_cookie]).find("Max-Age=0") != std::string::npos);
    BOOST_TEST(stack.live("alice") == 0);
    BOOST_TEST(stack.live("bob") == 1);
    BOOST_TEST(stack.dxweb_calls("logoutByToken") == 3u);
    BOOST_TEST(stack.admin_sessions("?login=alice").at("users").as_array().empty());
    BOOST_TEST(stack.admin_sessions().at("stored").to_number<int>() == 1);
    // The portal session is gone: the next launch is signed out.
    BOOST_TEST(stack.launch(alice).result_int() == 401u);
}

BOOST_AUTO_TEST_CASE(logout_by_login_ends_the_users_sessions_with_one_call) {
    Options options;
    options.logout_by = "login";
    Stack stack(options);
    const auto alice = stack.login("alice");
    for (int i = 0; i < 2; ++i) {
        const auto page = stack.launch(alice);
        BOOST_REQUIRE(submit_to_terminal(stack.terminal_port, form_token(page.body())).result_int() == 303u);
    }
    BOOST_REQUIRE(stack.live("alice") == 2);
    BOOST_TEST(stack.logout(alice).result_int() == 303u);
    BOOST_TEST(stack.live("alice") == 0);
    BOOST_TEST(stack.dxweb_calls("logoutByLogin") == 1u);
    BOOST_TEST(stack.dxweb_calls("logoutByToken") == 0u);
}

BOOST_AUTO_TEST_CASE(dxweb_down_at_logout_the_portal_logout_goes_through_and_the_dxtrade_logout_follows) {
    Stack stack;
    const auto alice = stack.login("alice");
    const auto page = stack.launch(alice);
    BOOST_REQUIRE(submit_to_terminal(stack.terminal_port, form_token(page.body())).result_int() == 303u);

    stack.set_mode("down");
    const auto started = std::chrono::steady_clock::now();
    const auto response = stack.logout(alice);
    BOOST_TEST(response.result_int() == 303u);
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    BOOST_TEST(took.count() < 2500);  // at most logout.wait_ms for dxWeb
    BOOST_TEST(stack.live("alice") == 1);  // dxWeb could not be told yet
    const auto queued = stack.admin_sessions();
    BOOST_TEST(queued.at("pendingLogouts").to_number<int>() == 1);
    BOOST_TEST(queued.at("active").to_number<int>() == 0);  // no more pings meanwhile

    stack.set_mode("normal");
    BOOST_TEST(eventually([&] { return stack.live("alice") == 0; }, 8s));
    BOOST_TEST(eventually([&] { return stack.admin_sessions().at("stored").to_number<int>() == 0; }, 3s));
    const auto metrics = fetch(stack.admin_port, "/metrics").body();
    BOOST_TEST(metrics.find("tg_dxtrade_logouts_total{result=\"queued\"} 1") != std::string::npos);
    BOOST_TEST(metrics.find("tg_dxtrade_logouts_total{result=\"delivered\"} 1") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(pings_keep_a_session_alive_past_the_inactivity_timeout_until_logout) {
    Options options;
    options.interval_ms = 1000;
    options.inactivity_ms = 3000;
    Stack stack(options);
    const auto alice = stack.login("alice");
    const auto page = stack.launch(alice);
    BOOST_REQUIRE(submit_to_terminal(stack.terminal_port, form_token(page.body())).result_int() == 303u);

    // 15 s, five times the inactivity timeout: alive at every look.
    const auto until = std::chrono::steady_clock::now() + 15s;
    int looks = 0;
    while (std::chrono::steady_clock::now() < until && looks < 60) {
        BOOST_REQUIRE_MESSAGE(stack.live("alice") == 1, "the session died after " << looks << " looks");
        ++looks;
        std::this_thread::sleep_for(500ms);
    }
    BOOST_TEST(looks >= 25);

    BOOST_TEST(stack.logout(alice).result_int() == 303u);
    BOOST_TEST(eventually([&] { return stack.live("alice") == 0; }, 5s));
    const auto metrics = fetch(stack.admin_port, "/metrics").body();
    BOOST_TEST(metrics.find("tg_dxtrade_sessions_active 0") != std::string::npos);
    BOOST_TEST(metrics.find("tg_dxtrade_ping_lag_seconds_count") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(kill_9_with_1000_sessions_loses_none_and_restart_pings_each_once_within_an_interval) {
    Options options;
    options.interval_ms = 3000;
    options.max_sessions_per_user = 1000;
    Stack stack(options);
    const std::string cookies[] = {stack.login("alice"), stack.login("bob")};
    constexpr int sessions = 1000;
    for (int i = 0; i < sessions; ++i) {
        const auto response = stack.launch(cookies[i % 2]);
        BOOST_REQUIRE_MESSAGE(response.result_int() == 200u, "launch " << i << ": " << response.result_int());
    }
    BOOST_TEST(stack.live("alice") + stack.live("bob") == sessions);

    stack.gateway->signal(SIGKILL);
    BOOST_REQUIRE(stack.gateway->wait(5s).has_value());
    stack.start_gateway();
    stack.reset_pings();

    // Every session is pinged within one interval plus jitter of the restart, once.
    std::this_thread::sleep_for(3300ms + 700ms);
    const auto pings = stack.pings();
    BOOST_TEST(pings.at("sessionsPinged").to_number<int>() == sessions);
    BOOST_TEST(pings.at("pingsRefused").to_number<int>() == 0);
    BOOST_TEST(pings.at("firstPingMaxMs").to_number<int>() <= 3300 + 300);
    // A session pinged twice at once would show a gap far below the interval.
    if (!pings.at("minGapMs").is_null()) BOOST_TEST(pings.at("minGapMs").to_number<int>() >= 1500);
    const auto restored = stack.admin_sessions();
    BOOST_TEST(restored.at("active").to_number<int>() == sessions);
    BOOST_TEST(restored.at("stored").to_number<int>() == sessions);
    BOOST_TEST(stack.logs().find("resumed 1000 sessions") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(admin_lists_sessions_logs_a_user_out_and_reports_readiness) {
    Stack stack;
    const auto bob = stack.login("bob");
    const auto page = stack.launch(bob);
    const auto token = base64_decode(form_token(page.body()));
    BOOST_REQUIRE(submit_to_terminal(stack.terminal_port, form_token(page.body())).result_int() == 303u);

    const auto listed = stack.admin_sessions("?login=bob&domain=default");
    const auto& users = listed.at("users").as_array();
    BOOST_REQUIRE(users.size() == 1u);
    BOOST_TEST(users[0].at("sessions").to_number<int>() == 1);
    BOOST_TEST(users[0].as_object().contains("oldestCreated"));
    BOOST_TEST(json::serialize(listed).find(token) == std::string::npos);

    auto bad = make_request(http::verb::post, "/admin/dxtrade/logout", R"({"login":"bob"})");
    bad.set(http::field::content_type, "application/json");
    const auto refused = fetch(stack.admin_port, bad);
    BOOST_TEST(refused.result_int() == 400u);
    BOOST_TEST(refused.body().find("domain") != std::string::npos);
    BOOST_TEST(fetch(stack.admin_port, "/admin/dxtrade/logout").result_int() == 405u);

    auto logout = make_request(http::verb::post, "/admin/dxtrade/logout", R"({"login":"bob","domain":"default"})");
    logout.set(http::field::content_type, "application/json");
    const auto done = fetch(stack.admin_port, logout);
    BOOST_REQUIRE_MESSAGE(done.result_int() == 200u, done.body());
    const auto outcome = json::parse(done.body());
    BOOST_TEST(outcome.at("sessions").to_number<int>() == 1);
    BOOST_TEST(outcome.at("loggedOut").to_number<int>() == 1);
    BOOST_TEST(stack.live("bob") == 0);

    // Admin paths exist only on the admin listener.
    BOOST_TEST(fetch(stack.port, "/admin/dxtrade/sessions").result_int() != 200u);
    BOOST_TEST(fetch(stack.admin_port, "/readyz").result_int() == 200u);
    BOOST_TEST(fetch(stack.admin_port, "/metrics").body().find("tg_dxtrade_session_store_up 1") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(an_unreadable_session_store_refuses_the_start_with_a_clear_message) {
    TempDir dir;
    dir.write("store-key", store_key + "\n");
    dir.write("dxweb-password", dxweb_password + "\n");
    dir.write("sessions.db", "this is not an SQLite database, it is long enough to have a header.........");
    const auto port = unused_port();
    const auto config = dir.write("gateway.json", R"({
      "listeners": [{"name": "public", "address": "127.0.0.1", "port": )" + port_text(port) + R"(}],
      "secrets": {"dx_password": {"file": "dxweb-password"}, "store_key": {"file": "store-key"}},
      "upstreams": {"portal": {"servers": ["http://127.0.0.1:1"]}, "dxweb": {"servers": ["http://127.0.0.1:1"]}},
      "partner_session": {"introspect": {"upstream": "portal", "cookies": ["portal_session"]}},
      "dxtrade": {"upstream": "dxweb",
                  "auth": {"username": "sso-service", "domain": "default", "password": "dx_password"},
                  "terminal_login_url": "https://trade.example/api/auth/login/form-with-token",
                  "session_store": {"path": ")" + (dir.path() / "sessions.db").string() + R"(", "key": "store_key"}},
      "routes": [{"match": {"path": "/trading/dxtrade/launch"}, "handler": "dxtrade.launch"}]})");
    ChildProcess gateway({gateway_bin, "--config", config.string()}, dir.path() / "gateway.log");
    const auto exit_code = gateway.wait(10s);
    BOOST_REQUIRE(exit_code.has_value());
    BOOST_TEST(*exit_code == 3);
    const auto log = read_file(dir.path() / "gateway.log");
    BOOST_TEST(log.find("dxtrade session store") != std::string::npos);
    BOOST_TEST(log.find(store_key) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(sighup_applies_page_settings_and_reports_scheduler_changes_as_needing_a_restart) {
    Stack stack;
    const auto alice = stack.login("alice");
    BOOST_TEST(stack.launch(alice).body().find(R"(target="_self")") != std::string::npos);

    stack.options.target = "_blank";
    stack.options.interval_ms = 30000;
    stack.dir.write("gateway.json", stack.config_text());
    stack.gateway->signal(SIGHUP);
    BOOST_TEST(eventually([&] { return stack.logs().find("SIGHUP: reloaded") != std::string::npos; }, 5s));
    BOOST_TEST(stack.logs().find("SIGHUP: dxtrade (") != std::string::npos);  // the keepalive change
    BOOST_TEST(stack.launch(alice).body().find(R"(target="_blank")") != std::string::npos);
    BOOST_TEST(stack.admin_sessions().at("active").to_number<int>() == 2);
}

BOOST_AUTO_TEST_CASE(a_launch_beyond_the_per_user_cap_logs_out_the_users_oldest_session) {
    Options options;
    options.max_sessions_per_user = 2;
    Stack stack(options);
    const auto alice = stack.login("alice");
    std::vector<std::string> tokens;
    for (int i = 0; i < 3; ++i) {
        const auto page = stack.launch(alice);
        BOOST_REQUIRE(page.result_int() == 200u);
        tokens.push_back(form_token(page.body()));
    }
    BOOST_TEST(eventually([&] { return stack.live("alice") == 2; }, 5s));
    BOOST_TEST(stack.dxweb_calls("logoutByToken") == 1u);
    BOOST_TEST(stack.admin_sessions("?login=alice").at("active").to_number<int>() == 2);
    // The oldest one is the one that ended: its token no longer opens the terminal.
    BOOST_TEST(submit_to_terminal(stack.terminal_port, tokens[0]).result_int() == 401u);
    BOOST_TEST(submit_to_terminal(stack.terminal_port, tokens[2]).result_int() == 303u);
}
