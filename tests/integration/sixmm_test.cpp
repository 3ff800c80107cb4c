// The 6MM token endpoints end to end: the gateway binary in front of the sandbox's
// demo portal and 6MM stand-in (which verifies every signature), on loopback.
#define BOOST_TEST_MODULE sixmm
#include <boost/test/unit_test.hpp>

#include "gateway/core/digest.hpp"
#include "proto_handlers/sixmm/signing.hpp"
#include "tests/support/client.hpp"
#include "tests/support/portal.hpp"
#include "tests/support/process.hpp"
#include "tests/support/redis_server.hpp"
#include "tests/support/running_gateway.hpp"
#include "tests/support/test_upstream.hpp"
#include "tests/support/wait.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <csignal>
#include <future>
#include <thread>

using namespace tg::test;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

const std::string api_secret = "sandbox-test-secret-7f3a9c";

struct Options {
    std::vector<std::string> sandbox_flags = {};
    std::string gateway_secret = api_secret;  // what the gateway signs with
    int sixmm_timeout_ms = 2000;
    std::string portal_url = {};  // default: the sandbox portal
    std::string session_path = "/api/session";
    std::string sixmm_url = {};  // default: the sandbox's 6MM stand-in
    int workers = 1;
    std::string shared_state = {};  // the "shared_state" section, if any
    bool replica = false;           // a second gateway with the same config, on replica_port
};

// The sandbox (portal + 6MM) and the gateway binary in front of them.
struct Stack {
    explicit Stack(Options options = {}) {
        dir.write("sandbox-secret", api_secret + "\n");
        dir.write("gateway-secret", options.gateway_secret + "\n");
        std::vector<std::string> argv{sandbox_bin, "--portal", "127.0.0.1:" + port_text(portal_port), "--sixmm",
                                      "127.0.0.1:" + port_text(sixmm_port), "--sixmm-api-secret-file",
                                      (dir.path() / "sandbox-secret").string()};
        argv.insert(argv.end(), options.sandbox_flags.begin(), options.sandbox_flags.end());
        sandbox.emplace(argv, dir.path() / "sandbox.log");
        BOOST_REQUIRE(wait_for_port(portal_port) && wait_for_port(sixmm_port));
        const auto portal = options.portal_url.empty() ? "http://127.0.0.1:" + port_text(portal_port) : options.portal_url;
        const auto sixmm = options.sixmm_url.empty() ? "http://127.0.0.1:" + port_text(sixmm_port) : options.sixmm_url;
        const auto config_for = [&](std::uint16_t public_port, std::uint16_t admin) { return R"({
          "workers": )" + std::to_string(options.workers) + R"(,
          "listeners": [{"name": "public", "address": "127.0.0.1", "port": )" + port_text(public_port) + R"(},
                        {"name": "admin", "address": "127.0.0.1", "port": )" + port_text(admin) + R"(, "admin": true}],)" +
          (options.shared_state.empty() ? "" : "\"shared_state\": " + options.shared_state + ",") + R"(
          "secrets": {"sixmm_secret": {"file": "gateway-secret"}},
          "upstreams": {"portal": {"servers": [")" + portal + R"("]},
                        "sixmm": {"servers": [")" + sixmm + R"("],
                                  "response_timeout_ms": )" + std::to_string(options.sixmm_timeout_ms) + R"(}},
          "partner_session": {"introspect": {"upstream": "portal", "path": ")" + options.session_path + R"(",
                                             "cookies": ["portal_session"], "cache_ttl_ms": 3000}},
          "sixmm": {"upstream": "sixmm", "agent_code": "AGENT001", "api_secret": "sixmm_secret",
                    "return_url": "https://portal.example/return", "allowed_origins": ["https://portal.example"],
                    "retry_after_s": 7, "webhook_portal_path": "/portal/hooks/6mm"},
          "routes": [
            {"match": {"path": "/api/trading/embed-token", "methods": ["POST", "OPTIONS"]}, "handler": "sixmm.embed_token"},
            {"match": {"path": "/api/trading-entry", "methods": ["POST", "OPTIONS"]}, "handler": "sixmm.entry_url"},
            {"match": {"path": "/api/trading/6mm-webhook", "methods": ["POST"]}, "handler": "sixmm.webhook",
             "upstream": "portal"},
            {"match": {"prefix": "/"}, "upstream": "portal"}
          ]})"; };
        dir.write("gateway.json", config_for(port, admin_port));
        start_gateway();
        if (options.replica) {
            dir.write("replica.json", config_for(replica_port, replica_admin_port));
            replica.emplace(std::vector<std::string>{gateway_bin, "--config", (dir.path() / "replica.json").string()},
                            dir.path() / "replica.log");
            BOOST_REQUIRE_MESSAGE(wait_for_port(replica_port), read_file(dir.path() / "replica.log"));
        }
    }

    // The first gateway, again after a kill -9 (its log is kept).
    void start_gateway() {
        gateway.reset();
        gateway.emplace(std::vector<std::string>{gateway_bin, "--config", (dir.path() / "gateway.json").string()},
                        dir.path() / ("gateway-" + std::to_string(++starts) + ".log"));
        BOOST_REQUIRE_MESSAGE(wait_for_port(port), logs());
    }

    // The portal_session cookie of a demo user, logged in through the gateway.
    std::string login(const std::string& user) { return portal_login(port, user); }

    Response post(const std::string& target, const std::string& cookie, const std::string& body,
                  const std::string& content_type = "application/json", const std::string& origin = "") {
        auto request = make_request(http::verb::post, target, body);
        if (!cookie.empty()) request.set(http::field::cookie, cookie);
        request.set(http::field::content_type, content_type);
        if (!origin.empty()) request.set(http::field::origin, origin);
        return fetch(port, request);
    }

    Response embed_token(const std::string& cookie, const std::string& channel = "ch-test-1",
                         std::uint16_t through = 0) {
        auto request = make_request(http::verb::post, "/api/trading/embed-token",
                                    R"({"channelId":")" + channel + R"(","symbol":"BTCUSDT","reason":"initial"})");
        request.set(http::field::cookie, cookie);
        request.set(http::field::content_type, "application/json");
        return fetch(through ? through : port, request);
    }

    json::object stand_in_stats() { return json::parse(fetch(sixmm_port, "/__control/stats").body()).as_object(); }
    std::int64_t agent_calls() { return stand_in_stats().at("agentApiCalls").to_number<std::int64_t>(); }
    void set_mode(const std::string& mode) {
        auto request = make_request(http::verb::post, "/__control/mode", R"({"mode":")" + mode + R"(","slowMs":3000})");
        request.set(http::field::content_type, "application/json");
        BOOST_REQUIRE(fetch(sixmm_port, request).result_int() == 200u);
    }
    std::string logs() {
        std::string all = read_file(dir.path() / "sandbox.log");
        for (int i = 1; i <= starts; ++i) all += read_file(dir.path() / ("gateway-" + std::to_string(i) + ".log"));
        if (replica) all += read_file(dir.path() / "replica.log");
        return all;
    }

    TempDir dir;
    std::uint16_t portal_port = unused_port(), sixmm_port = unused_port(), port = unused_port();
    std::uint16_t admin_port = unused_port(), replica_port = unused_port(), replica_admin_port = unused_port();
    int starts = 0;
    std::optional<ChildProcess> sandbox, gateway, replica;
};

std::string error_code_of(const Response& response) {
    return std::string(json::parse(response.body()).at("error").at("code").as_string());
}
std::string error_message_of(const Response& response) {
    return std::string(json::parse(response.body()).at("error").at("message").as_string());
}

}  // namespace

BOOST_AUTO_TEST_CASE(embed_token_for_a_trading_user_is_exchangeable_once) {
    Stack stack;
    const auto cookie = stack.login("alice");
    const auto response = stack.embed_token(cookie);
    BOOST_REQUIRE_MESSAGE(response.result_int() == 200u, response.body());
    BOOST_TEST(response[http::field::cache_control] == "no-store");
    const auto body = json::parse(response.body()).as_object();
    BOOST_TEST(body.size() == 3u);
    const std::string token(body.at("embedToken").as_string());
    BOOST_TEST(!token.empty());
    BOOST_TEST(body.at("expireAt").is_number());
    BOOST_TEST(body.at("channelId").as_string() == "ch-test-1");
    // The stand-in verified the gateway's signature; its token exchanges exactly once.
    auto exchange = make_request(http::verb::post, "/v1/public/agent-sso/exchange-embed-token",
                                 R"({"embedToken":")" + token + R"(","channelId":"ch-test-1"})");
    exchange.set(http::field::content_type, "application/json");
    BOOST_TEST(json::parse(fetch(stack.sixmm_port, exchange).body()).at("code").to_number<int>() == 0);
    BOOST_TEST(json::parse(fetch(stack.sixmm_port, exchange).body()).at("code").to_number<int>() != 0);
    // A refresh gets a new token.
    const auto again = json::parse(stack.embed_token(cookie).body()).as_object();
    BOOST_TEST(std::string(again.at("embedToken").as_string()) != token);
    // Neither the secret nor a token reaches a log line.
    std::this_thread::sleep_for(100ms);
    BOOST_TEST(stack.logs().find(api_secret) == std::string::npos);
    BOOST_TEST(stack.logs().find(token) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(entry_url_for_a_trading_user) {
    Stack stack;
    const auto cookie = stack.login("bob");
    const auto response = stack.post("/api/trading-entry", cookie, R"({"redirectPath":"/trade/BTCUSDT"})");
    BOOST_REQUIRE_MESSAGE(response.result_int() == 200u, response.body());
    BOOST_TEST(response[http::field::cache_control] == "no-store");
    const auto body = json::parse(response.body()).as_object();
    BOOST_TEST(std::string(body.at("webUrl").as_string()).find("/agent-entry?ticket=") != std::string::npos);
    for (const auto* bad : {"//evil.example/x", "https://evil.example/", "trade", "/a\\\\b", "/a\\u0001b",
                            "/%2F%2Fevil.example", "/%5cevil.example"}) {
        const auto refused = stack.post("/api/trading-entry", cookie, std::string(R"({"redirectPath":")") + bad + "\"}");
        BOOST_TEST(refused.result_int() == 400u, bad);
        BOOST_TEST(error_code_of(refused) == "invalid_request");
        BOOST_TEST(error_message_of(refused).starts_with("redirectPath"));
    }
}

BOOST_AUTO_TEST_CASE(no_session_is_401_and_makes_no_upstream_call) {
    Stack stack;
    BOOST_TEST(stack.embed_token("").result_int() == 401u);
    const auto expired = stack.embed_token("portal_session=00000000000000000000000000000000");
    BOOST_TEST(expired.result_int() == 401u);
    BOOST_TEST(error_code_of(expired) == "session_expired");
    const auto cookie = stack.login("alice");
    BOOST_TEST(fetch(stack.port, [&] {
                   auto logout = make_request(http::verb::post, "/logout");
                   logout.set(http::field::cookie, cookie);
                   return logout;
               }()).result_int() == 303u);
    std::this_thread::sleep_for(3100ms);  // past the session cache TTL
    BOOST_TEST(stack.embed_token(cookie).result_int() == 401u);
    BOOST_TEST(stack.agent_calls() == 0);
}

BOOST_AUTO_TEST_CASE(another_method_on_a_token_endpoint_is_405_and_never_reaches_the_portal) {
    TestUpstream portal;
    Stack stack(Options{.portal_url = portal.url()});
    for (const auto method : {http::verb::get, http::verb::put, http::verb::delete_}) {
        const auto response = fetch(stack.port, make_request(method, "/api/trading/embed-token"));
        BOOST_TEST(response.result_int() == 405u);
        BOOST_TEST(response[http::field::allow] == "OPTIONS, POST");
    }
    BOOST_TEST(portal.requests_served() == 0);
}

BOOST_AUTO_TEST_CASE(a_user_who_may_not_trade_gets_403_and_no_token) {
    Stack stack;
    const auto response = stack.embed_token(stack.login("carol"));
    BOOST_TEST(response.result_int() == 403u);
    BOOST_TEST(error_code_of(response) == "trading_not_allowed");
    BOOST_TEST(stack.agent_calls() == 0);
}

BOOST_AUTO_TEST_CASE(malformed_requests_are_400_naming_the_field) {
    Stack stack;
    const auto cookie = stack.login("alice");
    const std::vector<std::pair<std::string, std::string>> cases{
        {R"({"symbol":"BTCUSDT"})", "channelId"},
        {R"({"channelId":")" + std::string(129, 'c') + R"("})", "channelId"},
        {R"({"channelId":"has space"})", "channelId"},
        {R"({"channelId":"ok","symbol":"<script>"})", "symbol"},
        {R"({"channelId":"ok","reason":42})", "reason"},
        {"not json", "body"},
        {R"({"channelId":")" + std::string(5000, 'c') + R"("})", "body"},
    };
    for (const auto& [body, field] : cases) {
        const auto response = stack.post("/api/trading/embed-token", cookie, body);
        BOOST_TEST(response.result_int() == 400u, body.substr(0, 40));
        BOOST_TEST(error_code_of(response) == "invalid_request");
        BOOST_TEST(error_message_of(response).starts_with(field), error_message_of(response));
    }
    BOOST_TEST(stack.agent_calls() == 0);
}

BOOST_AUTO_TEST_CASE(cross_site_requests_are_refused) {
    Stack stack;
    const auto cookie = stack.login("alice");
    const auto form = stack.post("/api/trading/embed-token", cookie, "channelId=x", "application/x-www-form-urlencoded");
    BOOST_TEST(form.result_int() == 415u);
    const auto evil = stack.post("/api/trading/embed-token", cookie, R"({"channelId":"x"})", "application/json",
                                 "https://evil.example");
    BOOST_TEST(evil.result_int() == 403u);
    BOOST_TEST(error_code_of(evil) == "origin_not_allowed");
    const auto own = stack.post("/api/trading/embed-token", cookie, R"({"channelId":"own-1"})", "application/json",
                                "http://127.0.0.1:" + port_text(stack.port));
    BOOST_TEST(own.result_int() == 200u);
    const auto partner = stack.post("/api/trading/embed-token", cookie, R"({"channelId":"partner-1"})",
                                    "application/json", "https://portal.example");
    BOOST_TEST(partner.result_int() == 200u);
    BOOST_TEST(partner[http::field::access_control_allow_origin] == "https://portal.example");

    auto preflight = make_request(http::verb::options, "/api/trading/embed-token");
    preflight.set(http::field::origin, "https://portal.example");
    preflight.set(http::field::access_control_request_method, "POST");
    const auto allowed = fetch(stack.port, preflight);
    BOOST_TEST(allowed.result_int() == 204u);
    BOOST_TEST(allowed[http::field::access_control_allow_origin] == "https://portal.example");
    preflight.set(http::field::origin, "https://evil.example");
    BOOST_TEST(fetch(stack.port, preflight).result_int() == 403u);
}

BOOST_AUTO_TEST_CASE(a_channel_is_bound_to_its_first_user) {
    Stack stack;
    BOOST_TEST(stack.embed_token(stack.login("alice"), "shared-channel").result_int() == 200u);
    const auto other = stack.embed_token(stack.login("bob"), "shared-channel");
    BOOST_TEST(other.result_int() == 409u);
    BOOST_TEST(error_code_of(other) == "channel_mismatch");
    BOOST_TEST(stack.embed_token(stack.login("alice"), "shared-channel").result_int() == 200u);
}

BOOST_AUTO_TEST_CASE(platform_failures_map_to_503_504_502) {
    Stack stack(Options{.sixmm_timeout_ms = 800});
    const auto cookie = stack.login("alice");
    stack.set_mode("down");
    const auto down = stack.embed_token(cookie);
    BOOST_TEST(down.result_int() == 503u);
    BOOST_TEST(error_code_of(down) == "upstream_unavailable");
    BOOST_TEST(down[http::field::retry_after] == "7");

    stack.set_mode("slow");
    const auto start = std::chrono::steady_clock::now();
    const auto slow = stack.embed_token(cookie);
    const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    BOOST_TEST(slow.result_int() == 504u);
    BOOST_TEST(error_code_of(slow) == "upstream_timeout");
    BOOST_TEST(waited.count() < 2000);

    stack.set_mode("reject");
    const auto rejected = stack.embed_token(cookie);
    BOOST_TEST(rejected.result_int() == 502u);
    BOOST_TEST(error_code_of(rejected) == "upstream_rejected");
    BOOST_TEST(rejected.body().find("temporarily unavailable") == std::string::npos);  // 6MM's text stays in the log
}

BOOST_AUTO_TEST_CASE(a_6mm_that_is_not_running_is_503_fast) {
    Stack stack(Options{.sixmm_url = "http://127.0.0.1:" + port_text(unused_port())});
    const auto cookie = stack.login("alice");
    const auto start = std::chrono::steady_clock::now();
    const auto response = stack.embed_token(cookie);
    BOOST_TEST(response.result_int() == 503u);
    BOOST_TEST(error_code_of(response) == "upstream_unavailable");
    BOOST_TEST(response[http::field::retry_after] == "7");
    BOOST_TEST((std::chrono::steady_clock::now() - start < 1500ms));
}

BOOST_AUTO_TEST_CASE(a_portal_that_is_down_is_503_not_session_expired) {
    Stack stack;
    const auto cookie = stack.login("alice");
    stack.sandbox.reset();  // the portal goes too: the session lookup itself fails
    const auto start = std::chrono::steady_clock::now();
    const auto response = stack.embed_token(cookie);
    BOOST_TEST(response.result_int() == 503u);
    BOOST_TEST(error_code_of(response) == "upstream_unavailable");
    BOOST_TEST((std::chrono::steady_clock::now() - start < 1500ms));
}

BOOST_AUTO_TEST_CASE(a_signature_the_platform_rejects_is_502) {
    Stack stack(Options{.gateway_secret = "a-different-secret"});
    const auto response = stack.embed_token(stack.login("alice"));
    BOOST_TEST(response.result_int() == 502u);
    BOOST_TEST(error_code_of(response) == "upstream_rejected");
    BOOST_TEST(stack.stand_in_stats().at("signatureFailures").to_number<int>() >= 1);
}

BOOST_AUTO_TEST_CASE(an_unbound_user_is_bound_once_and_the_call_retried) {
    Stack stack(Options{.sandbox_flags = {"--sixmm-require-bind"}});
    const auto response = stack.embed_token(stack.login("alice"));
    BOOST_TEST(response.result_int() == 200u, response.body());
    const auto calls = stack.stand_in_stats().at("calls").as_object();
    BOOST_TEST(calls.at("/v1/agent/bind").to_number<int>() == 1);
    BOOST_TEST(calls.at("/v1/agent/create-embed-token").to_number<int>() == 2);  // refused, then served
}

BOOST_AUTO_TEST_CASE(concurrent_requests_of_one_session_share_one_lookup) {
    TestUpstream portal;  // answers /identity after 200 ms and counts requests
    // Two workers and both token routes: the lookup is shared across all of them.
    Stack stack(Options{.portal_url = portal.url(), .session_path = "/identity", .workers = 2});
    const std::string cookie = "portal_session=abc123";
    std::vector<std::future<Response>> answers;
    for (int i = 0; i < 12; ++i) {
        answers.push_back(std::async(std::launch::async, [&, i] {
            if (i % 2 == 0) return stack.post("/api/trading-entry", cookie, R"({"redirectPath":"/trade/BTCUSDT"})");
            return stack.embed_token(cookie, "single-flight-" + std::to_string(i));
        }));
    }
    for (auto& answer : answers) BOOST_TEST(answer.get().result_int() == 200u);
    BOOST_TEST(portal.requests_served() == 1);
    BOOST_TEST(stack.embed_token(cookie, "cached").result_int() == 200u);  // within the TTL: cached
    BOOST_TEST(portal.requests_served() == 1);
    BOOST_TEST(portal.last_request().at("headers").at("cookie").as_string() == cookie);
}

namespace {

Response deliver_webhook(std::uint16_t port, const std::string& body, std::int64_t timestamp, const std::string& nonce,
                         const std::string& secret) {
    auto request = make_request(http::verb::post, "/api/trading/6mm-webhook", body);
    request.set(http::field::content_type, "application/json");
    const auto ts = std::to_string(timestamp);
    request.set("X-Agent-Timestamp", ts);
    request.set("X-Agent-Nonce", nonce);
    request.set("X-Agent-Signature", tg::sixmm::webhook_signature(secret, ts, nonce, body));
    return fetch(port, request);
}

std::int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_client_cannot_forge_the_webhook_verification_in_headers_or_trailers) {
    TestUpstream portal;
    Stack stack(Options{.portal_url = portal.url()});
    const auto raw = raw_exchange(stack.port,
                                  "POST /portal/orders HTTP/1.1\r\nHost: x\r\nX-Webhook-Verified: 6mm\r\n"
                                  "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n2\r\n{}\r\n0\r\n"
                                  "X-Webhook-Verified: 6mm\r\n\r\n");
    BOOST_TEST(raw.starts_with("HTTP/1.1 200"), raw.substr(0, 200));
    const auto seen = portal.last_request();
    BOOST_TEST(!seen.at("headers").as_object().contains("x-webhook-verified"));
    BOOST_TEST(!seen.at("trailers").as_object().contains("x-webhook-verified"), json::serialize(seen));
}

BOOST_AUTO_TEST_CASE(webhooks_are_verified_then_passed_on_untouched) {
    TestUpstream portal;
    Stack stack(Options{.portal_url = portal.url()});
    const std::string body = R"({"orderType":"transfer","orderId":123,"targetStatus":"SUCCESS"})";
    const auto delivered = deliver_webhook(stack.port, body, unix_now(), "nonce-a1", api_secret);
    BOOST_TEST(delivered.result_int() == 200u, delivered.body());
    const auto seen = portal.last_request();
    BOOST_TEST(seen.at("target").as_string() == "/portal/hooks/6mm");  // the configured portal path
    BOOST_TEST(seen.at("headers").at("x-webhook-verified").as_string() == "6mm");
    BOOST_TEST(seen.at("bodyBytes").to_number<std::size_t>() == body.size());
    BOOST_TEST(!seen.at("headers").as_object().contains("x-agent-signature"));
    BOOST_TEST(portal.requests_served() == 1);

    const auto replayed = deliver_webhook(stack.port, body, unix_now(), "nonce-a1", api_secret);
    BOOST_TEST(replayed.result_int() == 401u);
    BOOST_TEST(error_code_of(replayed) == "invalid_webhook");
    BOOST_TEST(deliver_webhook(stack.port, body, unix_now(), "nonce-b2", "wrong-secret").result_int() == 401u);
    {
        // A second signature (or timestamp, or nonce) next to a valid one is refused.
        const auto ts = std::to_string(unix_now());
        auto doubled = make_request(http::verb::post, "/api/trading/6mm-webhook", body);
        doubled.set(http::field::content_type, "application/json");
        doubled.set("X-Agent-Timestamp", ts);
        doubled.set("X-Agent-Nonce", "nonce-double");
        doubled.set("X-Agent-Signature", tg::sixmm::webhook_signature(api_secret, ts, "nonce-double", body));
        doubled.insert("X-Agent-Signature", "0000");
        BOOST_TEST(fetch(stack.port, doubled).result_int() == 401u);
    }
    BOOST_TEST(deliver_webhook(stack.port, body, unix_now() - 400, "nonce-c3", api_secret).result_int() == 401u);
    BOOST_TEST(deliver_webhook(stack.port, body, unix_now() + 400, "nonce-d4", api_secret).result_int() == 401u);
    auto unsigned_request = make_request(http::verb::post, "/api/trading/6mm-webhook", body);
    unsigned_request.set(http::field::content_type, "application/json");
    BOOST_TEST(fetch(stack.port, unsigned_request).result_int() == 401u);
    BOOST_TEST(portal.requests_served() == 1);  // none of the refused ones reached the portal
}

// Several replicas: the 6MM state lives in the shared state, so every replica sees it.
BOOST_AUTO_TEST_SUITE(replicas)

std::string redis_section(const RedisServer& redis) {
    return R"({"backend": "redis", "redis": {"urls": [")" + redis.url() + R"("], "key_prefix": "tg-test:",
               "command_timeout_ms": 1000}})";
}

BOOST_AUTO_TEST_CASE(a_channel_bound_on_one_replica_is_refused_on_the_other) {
    RedisServer redis;
    Stack stack(Options{.shared_state = redis_section(redis), .replica = true});
    const auto alice = stack.login("alice");
    const auto bob = stack.login("bob");
    const auto first = stack.embed_token(alice, "chan-shared-1", stack.port);
    BOOST_REQUIRE_MESSAGE(first.result_int() == 200u, first.body());
    const auto stolen = stack.embed_token(bob, "chan-shared-1", stack.replica_port);
    BOOST_TEST(stolen.result_int() == 409u, stolen.body());
    BOOST_TEST(error_code_of(stolen) == "channel_mismatch");
    BOOST_TEST(stack.embed_token(alice, "chan-shared-1", stack.replica_port).result_int() == 200u);
    // The binding is in Redis under the prefix, by the channel id; the user is not a secret.
    const auto owner = redis.cli("GET tg-test:sixmm:channel:chan-shared-1");
    BOOST_TEST(owner == "alice\n", owner);
}

BOOST_AUTO_TEST_CASE(a_webhook_replayed_to_another_replica_or_after_a_restart_is_refused) {
    RedisServer redis;
    TestUpstream portal;
    Stack stack(Options{.portal_url = portal.url(), .shared_state = redis_section(redis), .replica = true});
    const std::string body = R"({"orderType":"transfer","orderId":7,"targetStatus":"SUCCESS"})";
    BOOST_TEST(deliver_webhook(stack.port, body, unix_now(), "nonce-r1", api_secret).result_int() == 200u);
    const auto replayed = deliver_webhook(stack.replica_port, body, unix_now(), "nonce-r1", api_secret);
    BOOST_TEST(replayed.result_int() == 401u, replayed.body());
    stack.gateway->signal(SIGKILL);
    stack.start_gateway();
    BOOST_TEST(deliver_webhook(stack.port, body, unix_now(), "nonce-r1", api_secret).result_int() == 401u);
    BOOST_TEST(portal.requests_served() == 1);
    // The nonce is kept by a hash: Redis never holds it.
    BOOST_TEST(redis.cli("--scan").find("nonce-r1") == std::string::npos);
    BOOST_TEST(redis.cli("--scan").find("tg-test:sixmm:webhook-nonce:") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(with_sqlite_a_webhook_replayed_after_a_restart_is_refused) {
    TestUpstream portal;
    Stack stack(Options{.portal_url = portal.url(), .shared_state = R"({"backend": "sqlite", "path": "state.db"})"});
    const std::string body = R"({"orderType":"transfer","orderId":8,"targetStatus":"SUCCESS"})";
    BOOST_TEST(deliver_webhook(stack.port, body, unix_now(), "nonce-s1", api_secret).result_int() == 200u);
    stack.gateway->signal(SIGKILL);
    stack.start_gateway();
    BOOST_TEST(deliver_webhook(stack.port, body, unix_now(), "nonce-s1", api_secret).result_int() == 401u);
    BOOST_TEST(read_file(stack.dir.path() / "state.db").find("nonce-s1") == std::string::npos);
}

// A delivery that failed half-way (the shared state timed out after it wrote the nonce's
// pending mark) must not turn 6MM's retry into a refused replay: the mark runs out.
BOOST_AUTO_TEST_CASE(a_webhook_whose_delivery_was_cut_short_is_taken_on_a_later_retry) {
    RedisServer redis;
    TestUpstream portal;
    Stack stack(Options{.portal_url = portal.url(), .shared_state = redis_section(redis)});
    const std::string body = R"({"orderType":"transfer","orderId":9,"targetStatus":"SUCCESS"})";
    const auto key = "tg-test:sixmm:webhook-nonce:" + tg::sha256_hex("nonce-p1");
    BOOST_REQUIRE(redis.cli("SET " + key + " pending:elsewhere PX 1500").find("OK") != std::string::npos);
    const auto busy = deliver_webhook(stack.port, body, unix_now(), "nonce-p1", api_secret);
    BOOST_TEST(busy.result_int() == 409u, busy.body());
    BOOST_TEST(error_code_of(busy) == "webhook_in_progress");
    BOOST_TEST(portal.requests_served() == 0);
    std::this_thread::sleep_for(1600ms);
    BOOST_TEST(deliver_webhook(stack.port, body, unix_now(), "nonce-p1", api_secret).result_int() == 200u);
    BOOST_TEST(redis.cli("GET " + key) == "delivered\n");
    BOOST_TEST(deliver_webhook(stack.port, body, unix_now(), "nonce-p1", api_secret).result_int() == 401u);
    BOOST_TEST(portal.requests_served() == 1);
}

BOOST_AUTO_TEST_CASE(a_redis_that_is_down_gives_a_bounded_503_and_readyz_says_why) {
    RedisServer redis;
    Stack stack(Options{.shared_state = redis_section(redis)});
    const auto alice = stack.login("alice");
    BOOST_REQUIRE(stack.embed_token(alice, "chan-down-1").result_int() == 200u);
    redis.kill();
    const auto start = std::chrono::steady_clock::now();
    const auto refused = stack.embed_token(alice, "chan-down-2");
    BOOST_TEST((std::chrono::steady_clock::now() - start < 2s));
    BOOST_TEST(refused.result_int() == 503u, refused.body());
    BOOST_TEST(error_code_of(refused) == "upstream_unavailable");
    BOOST_TEST(error_message_of(refused).find("shared state") != std::string::npos);
    BOOST_TEST(refused[http::field::retry_after] == "1");
    const auto ready = fetch(stack.admin_port, "/readyz");
    BOOST_TEST(ready.result_int() == 503u);
    BOOST_TEST(ready.body().find("redis") != std::string::npos, ready.body());
    redis.start();
    BOOST_TEST(eventually([&] { return fetch(stack.admin_port, "/readyz").result_int() == 200u; }, 10s));
    BOOST_TEST(stack.embed_token(alice, "chan-down-3").result_int() == 200u);
}

BOOST_AUTO_TEST_SUITE_END()
