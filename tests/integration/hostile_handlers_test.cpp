// The hostile suite's second table: hostile input to the routes the gateway answers
// itself. The JSON token endpoints' bad bodies, the webhook's bad signatures, the
// launch page's and the logout's cross-site cases, each sent raw on a plain and a TLS
// listener, with the status it must get, whether the connection stays usable, and
// whether anything may reach 6MM, dxWeb or the portal's webhook receiver. The gateway
// runs in this process in front of the sandbox (portal, 6MM and DXtrade stand-ins).
#define BOOST_TEST_MODULE hostile_handlers
#include <boost/test/unit_test.hpp>

#include "proto_handlers/register_all.hpp"
#include "proto_handlers/sixmm/signing.hpp"
#include "tests/support/certificate.hpp"
#include "tests/support/client.hpp"
#include "tests/support/dxtrade_sandbox.hpp"
#include "tests/support/gateway_fixture.hpp"
#include "tests/support/portal.hpp"
#include "tests/support/running_gateway.hpp"
#include "tests/support/test_upstream.hpp"

#include <boost/json/parse.hpp>

using namespace tg;
using namespace tg::test;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

const std::string sixmm_secret = "hostile-sixmm-secret-5d2e";
const std::string dx_password = "hostile-dxweb-password-9a41";
const std::string host = "gateway.example";
const std::string portal_origin = "https://portal.example";  // listed for both platforms

struct Case {
    std::string name;
    std::string bytes;
    const char* status;     // the answer's status line starts with "HTTP/1.1 <status>"
    bool keeps_connection;  // a request pipelined after it is still answered
    bool reaches_platform;  // whether 6MM, dxWeb or the webhook receiver may see a call
};

std::string headers_of(std::string_view path, std::string_view method, const std::string& extra) {
    return std::string(method) + " " + std::string(path) + " HTTP/1.1\r\nHost: " + host + "\r\n" + extra;
}

std::string with_body(std::string head, const std::string& content_type, const std::string& body) {
    if (!content_type.empty()) head += "Content-Type: " + content_type + "\r\n";
    return head + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

// A JSON POST to a token endpoint as alice's browser sends it, with `extra` header lines.
std::string token_call(std::string_view path, const std::string& cookie, const std::string& body,
                       const std::string& extra = "", const std::string& content_type = "application/json") {
    return with_body(headers_of(path, "POST", "Cookie: " + cookie + "\r\n" + extra), content_type, body);
}

std::string launch(const std::string& cookie, const std::string& extra) {
    return headers_of("/trading/dxtrade/launch", "GET", "Cookie: " + cookie + "\r\n" + extra) + "\r\n";
}

std::string unix_seconds(std::chrono::seconds shift = 0s) {
    const auto now = std::chrono::system_clock::now().time_since_epoch() + shift;
    return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(now).count());
}

// A webhook delivery; `signature` "" = sign correctly with `secret` over `signed_body`.
struct Webhook {
    std::string body = R"({"orderType":"transfer","orderId":7,"targetStatus":"SUCCESS"})";
    std::string timestamp = unix_seconds();
    std::string nonce;
    std::string secret = sixmm_secret;
    std::string signed_body = {};  // "" = the body
    std::string signature = {};
    std::string extra = {};
    std::string raw() const {
        const auto sign =
            signature.empty()
                ? sixmm::webhook_signature(secret, timestamp, nonce, signed_body.empty() ? body : signed_body)
                : signature;
        return with_body(headers_of("/api/trading/6mm-webhook", "POST",
                                    "X-Agent-Timestamp: " + timestamp + "\r\nX-Agent-Nonce: " + nonce +
                                        "\r\nX-Agent-Signature: " + sign + "\r\n" + extra),
                         "application/json", body);
    }
};

std::vector<Case> embed_token_cases(const std::string& alice, const std::string& run) {
    const std::string path = "/api/trading/embed-token";
    const auto call = [&](const std::string& body, const std::string& extra = "") {
        return token_call(path, alice, body, extra);
    };
    const std::string ok = R"({"channelId":"hostile-)" + run + R"("})";
    return {
        {"embed-token: a valid call (the control)", call(ok), "200", true, true},
        {"embed-token: not JSON", call("not json"), "400", true, false},
        {"embed-token: a JSON array", call(R"(["channelId"])"), "400", true, false},
        {"embed-token: a JSON string", call(R"("channelId")"), "400", true, false},
        {"embed-token: an empty body", call(""), "400", true, false},
        {"embed-token: trailing bytes after the object", call(ok + "x"), "400", true, false},
        {"embed-token: two objects", call(ok + ok), "400", true, false},
        {"embed-token: channelId missing", call(R"({"symbol":"BTCUSDT"})"), "400", true, false},
        {"embed-token: channelId null", call(R"({"channelId":null})"), "400", true, false},
        {"embed-token: channelId a number", call(R"({"channelId":42})"), "400", true, false},
        {"embed-token: channelId an object", call(R"({"channelId":{"$ne":1}})"), "400", true, false},
        {"embed-token: channelId of 129 characters", call(R"({"channelId":")" + std::string(129, 'c') + R"("})"), "400", true, false},
        {"embed-token: channelId with a space", call(R"({"channelId":"a b"})"), "400", true, false},
        {"embed-token: channelId with an escaped NUL", call(R"({"channelId":"a\u0000b"})"), "400", true, false},
        {"embed-token: channelId with an escaped CRLF", call(R"({"channelId":"a\r\nX-Injected: 1"})"), "400", true, false},
        {"embed-token: channelId in UTF-8", call("{\"channelId\":\"\xc3\xa9t\xc3\xa9\"}"), "400", true, false},
        {"embed-token: invalid UTF-8", call("{\"channelId\":\"\xff\xfe\"}"), "400", true, false},
        {"embed-token: a lone surrogate escape", call(R"({"channelId":"\ud800"})"), "400", true, false},
        {"embed-token: symbol with markup", call(R"({"channelId":"ok","symbol":"<script>"})"), "400", true, false},
        {"embed-token: symbol of 33 characters", call(R"({"channelId":"ok","symbol":")" + std::string(33, 'S') + R"("})"), "400", true, false},
        {"embed-token: reason a number", call(R"({"channelId":"ok","reason":42})"), "400", true, false},
        {"embed-token: reason with a quote", call(R"({"channelId":"ok","reason":"a\"b"})"), "400", true, false},
        {"embed-token: nesting 2000 deep", call(std::string(2000, '[') + std::string(2000, ']')), "400", true, false},
        {"embed-token: reason a number out of range", call(R"({"channelId":"ok","reason":1e99999})"), "400", true, false},
        {"embed-token: a comment", call(R"({"channelId":"ok" /* x */})"), "400", true, false},
        {"embed-token: single quotes", call("{'channelId':'ok'}"), "400", true, false},
        {"embed-token: a body over the limit", call(R"({"channelId":")" + std::string(5000, 'c') + R"("})"), "413", false, false},
        {"embed-token: a form post", token_call(path, alice, "channelId=x", "", "application/x-www-form-urlencoded"), "415", true, false},
        {"embed-token: text/plain (a no-preflight CSRF)", token_call(path, alice, ok, "", "text/plain"), "415", true, false},
        {"embed-token: no Content-Type", token_call(path, alice, ok, "", ""), "415", true, false},
        {"embed-token: a JSON look-alike type", token_call(path, alice, ok, "", "application/jsonx"), "415", true, false},
        {"embed-token: a foreign Origin", call(ok, "Origin: https://evil.example\r\n"), "403", true, false},
        {"embed-token: Origin null", call(ok, "Origin: null\r\n"), "403", true, false},
        {"embed-token: a listed origin's look-alike host", call(ok, "Origin: https://portal.example.evil.com\r\n"), "403", true, false},
        {"embed-token: a listed origin over http", call(ok, "Origin: http://portal.example\r\n"), "403", true, false},
        {"embed-token: a listed origin with another port", call(ok, "Origin: https://portal.example:8443\r\n"), "403", true, false},
        {"embed-token: a listed origin with a bad port", call(ok, "Origin: https://portal.example:443x\r\n"), "403", true, false},
        {"embed-token: a listed origin with userinfo", call(ok, "Origin: https://portal.example@evil.com\r\n"), "403", true, false},
        {"embed-token: the Host's look-alike as Origin", call(ok, "Origin: http://gateway.example.evil.com\r\n"), "403", true, false},
        {"embed-token: a preflight from a foreign origin",
         headers_of(path, "OPTIONS", "Origin: https://evil.example\r\nAccess-Control-Request-Method: POST\r\n") + "\r\n", "403", true, false},
        {"embed-token: no session cookie", with_body(headers_of(path, "POST", ""), "application/json", ok), "401", true, false},
        {"embed-token: a forged session cookie", token_call(path, "portal_session=" + std::string(64, 'f'), ok), "401", true, false},
        {"embed-token: a session cookie with an encoded CRLF", token_call(path, "portal_session=a%0d%0aX: 1", ok), "401", true, false},
        {"embed-token: GET", headers_of(path, "GET", "Cookie: " + alice + "\r\n") + "\r\n", "405", true, false},
        // Refused before its body is read: the connection closes, as for every such error (README §5).
        {"embed-token: PUT with a body", with_body(headers_of(path, "PUT", "Cookie: " + alice + "\r\n"), "application/json", ok), "405", false, false},
        {"embed-token: a chunked bad body",
         headers_of(path, "POST", "Cookie: " + alice + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n") +
             "\r\n3\r\n{\"c\r\n0\r\n\r\n", "400", true, false},
    };
}

std::vector<Case> entry_url_cases(const std::string& alice) {
    const std::string path = "/api/trading-entry";
    const auto call = [&](const std::string& body) { return token_call(path, alice, body); };
    return {
        {"trading-entry: a valid call (the control)", call(R"({"redirectPath":"/trade/BTCUSDT"})"), "200", true, true},
        {"trading-entry: another site", call(R"({"redirectPath":"https://evil.example/"})"), "400", true, false},
        {"trading-entry: a protocol-relative path", call(R"({"redirectPath":"//evil.example/"})"), "400", true, false},
        {"trading-entry: an encoded slash", call(R"({"redirectPath":"/%2F%2Fevil.example"})"), "400", true, false},
        {"trading-entry: a backslash", call(R"({"redirectPath":"/\\evil.example"})"), "400", true, false},
        {"trading-entry: javascript:", call(R"j({"redirectPath":"javascript:alert(1)"})j"), "400", true, false},
        {"trading-entry: a control character", call(R"({"redirectPath":"/a\u0001b"})"), "400", true, false},
        {"trading-entry: redirectPath a number", call(R"({"redirectPath":7})"), "400", true, false},
        {"trading-entry: a path over 2048", call(R"({"redirectPath":"/)" + std::string(2048, 'p') + R"("})"), "400", true, false},
        {"trading-entry: not an object", call("[]"), "400", true, false},
    };
}

std::vector<Case> webhook_cases(const std::string& run) {
    const auto nonce = [&](const char* name) { return run + "-" + name; };
    const auto refused = [](const char* name, const Webhook& hook) { return Case{name, hook.raw(), "401", true, false}; };
    Webhook valid{.nonce = nonce("valid")};
    Webhook replayed = valid;  // sent right after the valid one: the same nonce
    Webhook replayed_body = valid;
    replayed_body.body = R"({"orderType":"transfer","orderId":8,"targetStatus":"SUCCESS"})";
    replayed_body.signed_body = replayed_body.body;
    const auto sign = sixmm::webhook_signature(sixmm_secret, valid.timestamp, nonce("double"), valid.body);
    Webhook upper{.nonce = nonce("upper")};
    for (auto& c : upper.signature = sixmm::webhook_signature(sixmm_secret, upper.timestamp, upper.nonce, upper.body))
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return {
        {"webhook: a valid delivery (the control)", valid.raw(), "200", true, true},
        refused("webhook: the same nonce again", replayed),
        refused("webhook: the same nonce, another body", replayed_body),
        refused("webhook: signed with another secret", {.nonce = nonce("secret"), .secret = "wrong-secret"}),
        refused("webhook: the body changed after signing", {.nonce = nonce("changed"), .signed_body = R"({"orderId":1})"}),
        refused("webhook: a signature of zeros", {.nonce = nonce("zeros"), .signature = std::string(64, '0')}),
        refused("webhook: a truncated signature", {.nonce = nonce("short"), .signature = sign.substr(0, 32)}),
        refused("webhook: a signature that is not hex", {.nonce = nonce("nothex"), .signature = std::string(64, 'z')}),
        refused("webhook: a second signature after a valid one",
                {.nonce = nonce("double"), .signature = sign, .extra = "X-Agent-Signature: " + std::string(64, '0') + "\r\n"}),
        refused("webhook: a second nonce", {.nonce = nonce("nonce2"), .extra = "X-Agent-Nonce: other\r\n"}),
        refused("webhook: a second timestamp", {.nonce = nonce("ts2"), .extra = "X-Agent-Timestamp: 1\r\n"}),
        refused("webhook: a timestamp 400 s old", {.timestamp = unix_seconds(-400s), .nonce = nonce("old")}),
        refused("webhook: a timestamp 400 s ahead", {.timestamp = unix_seconds(400s), .nonce = nonce("ahead")}),
        refused("webhook: a timestamp in milliseconds", {.timestamp = unix_seconds() + "000", .nonce = nonce("ms")}),
        refused("webhook: a timestamp that is not a number", {.timestamp = "soon", .nonce = nonce("nan")}),
        refused("webhook: a negative timestamp", {.timestamp = "-1", .nonce = nonce("negative")}),
        refused("webhook: an empty nonce", {.nonce = ""}),
        refused("webhook: an upper-case signature", upper),
        {"webhook: no signature headers",
         with_body(headers_of("/api/trading/6mm-webhook", "POST", ""), "application/json", valid.body), "401", true, false},
        // 6MM publishes no nonce format: a long one, signed, is 6MM's to choose.
        {"webhook: a signed nonce of 300 characters", Webhook{.nonce = nonce("long") + std::string(300, 'n')}.raw(), "200", true, true},
        // A handler route with an upstream lets other methods fall through (README §4): to the portal here.
        {"webhook: GET falls through to the portal", headers_of("/api/trading/6mm-webhook", "GET", "") + "\r\n", "404", true, false},
    };
}

std::vector<Case> launch_cases(const std::string& alice) {
    const auto from = [&](const std::string& extra) { return launch(alice, extra); };
    return {
        {"launch: from the portal's own page (the control)", from("Sec-Fetch-Site: same-origin\r\n"), "200", true, true},
        {"launch: Sec-Fetch-Site cross-site", from("Sec-Fetch-Site: cross-site\r\n"), "403", true, false},
        {"launch: same-site from an unlisted origin", from("Sec-Fetch-Site: same-site\r\nReferer: https://other.portal.example/\r\n"), "403", true, false},
        // No Sec-Fetch-Site, Origin or Referer: a typed URL or bookmark in a browser that
        // sends no fetch metadata. Accepted by design (README §9.2): the portal session
        // cookie's SameSite attribute is what keeps another site from sending it.
        {"launch: no fetch metadata, origin or referer", from(""), "200", true, true},
        {"launch: a foreign Origin", from("Origin: https://evil.example\r\n"), "403", true, false},
        {"launch: Origin null", from("Origin: null\r\n"), "403", true, false},
        {"launch: a foreign Referer", from("Referer: https://evil.example/page\r\n"), "403", true, false},
        {"launch: the Host's look-alike", from("Referer: http://gateway.example.evil.com/\r\n"), "403", true, false},
        {"launch: the Host with a trailing letter", from("Referer: http://gateway.examplex/\r\n"), "403", true, false},
        {"launch: the Host with a bad port", from("Referer: http://gateway.example:80x/\r\n"), "403", true, false},
        {"launch: the Host as userinfo", from("Referer: http://gateway.example@evil.com/\r\n"), "403", true, false},
        {"launch: a listed origin's look-alike", from("Referer: https://portal.example.evil.com/\r\n"), "403", true, false},
        {"launch: a listed origin over http", from("Referer: http://portal.example/\r\n"), "403", true, false},
        {"launch: a javascript: Referer", from("Referer: javascript:alert(1)\r\n"), "403", true, false},
        {"launch: a Referer that is no URL", from("Referer: ::::\r\n"), "403", true, false},
        {"launch: a listed Origin with a foreign Referer is judged by the Origin",
         from("Origin: https://evil.example\r\nReferer: https://portal.example/\r\n"), "403", true, false},
        {"launch: signed out", headers_of("/trading/dxtrade/launch", "GET", "Sec-Fetch-Site: same-origin\r\n") + "\r\n", "401", true, false},
        {"launch: a forged session", launch("portal_session=" + std::string(64, '0'), ""), "401", true, false},
        {"launch: POST", headers_of("/trading/dxtrade/launch", "POST", "Cookie: " + alice + "\r\nContent-Length: 0\r\n") + "\r\n", "405", true, false},
        {"logout: from a foreign Origin",
         headers_of("/logout", "POST", "Cookie: " + alice + "\r\nOrigin: https://evil.example\r\nContent-Length: 0\r\n") + "\r\n", "403", true, false},
        {"logout: Sec-Fetch-Site cross-site",
         headers_of("/logout", "POST", "Cookie: " + alice + "\r\nSec-Fetch-Site: cross-site\r\nContent-Length: 0\r\n") + "\r\n", "403", true, false},
    };
}

std::string write_secret(const TempDir& dir, const std::string& name, const std::string& value) {
    return dir.write(name, value + "\n").string();
}

// The sandbox (portal, 6MM and DXtrade stand-ins), a recording webhook receiver and the
// gateway in this process with every module's handlers, on a plain and a TLS listener.
struct Stack {
    TempDir dir;
    std::uint16_t portal_port = unused_port(), sixmm_port = unused_port();
    DxtradeSandbox sandbox{dx_password,
                           {"--portal", "127.0.0.1:" + port_text(portal_port), "--sixmm",
                            "127.0.0.1:" + port_text(sixmm_port), "--sixmm-api-secret-file",
                            write_secret(dir, "sandbox-sixmm-secret", sixmm_secret)}};
    TestUpstream hooks;
    std::optional<InProcessGateway> gateway;

    Stack() {
        make_certificate(dir, "localhost", "DNS:localhost,IP:127.0.0.1");
        handlers::Registry registry;
        proto_handlers::register_all(registry);
        gateway.emplace(config(), std::move(registry));
    }

    std::string config() const {
        const auto file = [&](const char* name) { return (dir.path() / name).string(); };
        return R"({
          "workers": 1,
          "listeners": [{"name": "public", "address": "127.0.0.1", "port": 0},
                        {"name": "secure", "address": "127.0.0.1", "port": 0,
                         "tls": {"cert_file": ")" + file("localhost.pem") + R"(", "key_file": ")" + file("localhost.key") + R"("}}],
          "limits": {"header_bytes": 8192, "body_bytes": 4096, "header_timeout_ms": 2000, "body_timeout_ms": 2000},
          "secrets": {"sixmm_secret": {"file": ")" + write_secret(dir, "sixmm-secret", sixmm_secret) + R"("},
                      "dx_password": {"file": ")" + write_secret(dir, "dx-password", dx_password) + R"("}},
          "upstreams": {"portal": {"servers": ["http://127.0.0.1:)" + port_text(portal_port) + R"("]},
                        "sixmm": {"servers": ["http://127.0.0.1:)" + port_text(sixmm_port) + R"("]},
                        "dxweb": {"servers": [")" + sandbox.dxweb_url() + R"("]},
                        "hooks": {"servers": [")" + hooks.url() + R"("]}},
          "partner_session": {"introspect": {"upstream": "portal", "path": "/api/session",
                                             "cookies": ["portal_session"], "cache_ttl_ms": 60000}},
          "sixmm": {"upstream": "sixmm", "agent_code": "AGENT001", "api_secret": "sixmm_secret",
                    "return_url": "https://portal.example/return", "allowed_origins": [")" + portal_origin + R"("],
                    "webhook_portal_path": "/portal/hooks/6mm"},
          "dxtrade": {
            "upstream": "dxweb",
            "auth": {"mode": "session", "username": "sso-service", "domain": "default", "password": "dx_password"},
            "terminal_login_url": "http://127.0.0.1:)" + port_text(sandbox.terminal_port) + R"(/api/auth/login/form-with-token",
            "launch": {"allowed_origins": [")" + portal_origin + R"("]},
            "keepalive": {"interval_ms": 600000},
            "session_store": {"kind": "memory"}
          },
          "routes": [
            {"match": {"path": "/api/trading/embed-token", "methods": ["POST", "OPTIONS"]}, "handler": "sixmm.embed_token"},
            {"match": {"path": "/api/trading-entry", "methods": ["POST", "OPTIONS"]}, "handler": "sixmm.entry_url"},
            {"match": {"path": "/api/trading/6mm-webhook", "methods": ["POST"]}, "handler": "sixmm.webhook", "upstream": "hooks"},
            {"match": {"path": "/trading/dxtrade/launch"}, "handler": "dxtrade.launch"},
            {"match": {"path": "/logout", "methods": ["POST"]}, "handler": "dxtrade.logout", "upstream": "portal"},
            {"match": {"prefix": "/"}, "upstream": "portal"}
          ]})";
    }

    // Every call that reached a platform or the webhook receiver so far (pings aside).
    std::int64_t platform_calls() {
        std::int64_t calls = hooks.requests_served();
        calls += json::parse(fetch(sixmm_port, "/__control/stats").body()).at("agentApiCalls").to_number<std::int64_t>();
        const auto dx = sandbox.stats();
        if (const auto* counted = dx.if_contains("calls")) {
            for (const auto& [endpoint, count] : counted->as_object()) {
                if (endpoint.find("ping") == json::string_view::npos) calls += count.to_number<std::int64_t>();
            }
        }
        return calls;
    }
};

// Status lines: at the start, or right after the previous answer's body (these bodies
// never hold the text, and a chunked one ends in CRLF).
std::size_t answers_in(const std::string& raw) {
    std::size_t answers = 0;
    for (auto at = raw.find("HTTP/1.1 "); at != std::string::npos; at = raw.find("HTTP/1.1 ", at + 1)) {
        if (at + 12 <= raw.size() && std::isdigit(static_cast<unsigned char>(raw[at + 9]))) ++answers;
    }
    return answers;
}

void check(Stack& stack, const std::vector<Case>& cases, bool tls) {
    const auto port = tls ? stack.gateway->port("secure") : stack.gateway->port();
    // Asked after each case on the same connection: answered only if the connection survived it.
    const auto probe = headers_of("/__probe", "GET", "Connection: close\r\n") + "\r\n";
    for (const auto& hostile : cases) {
        const auto calls_before = stack.platform_calls();
        const auto raw = raw_exchange(port, hostile.bytes + probe, 5s, tls);
        const auto label = hostile.name + (tls ? " (TLS)" : "");
        BOOST_TEST(raw.starts_with(std::string("HTTP/1.1 ") + hostile.status), label << ": " << raw.substr(0, 300));
        BOOST_TEST((answers_in(raw) == 2) == hostile.keeps_connection, label << ": " << answers_in(raw) << " answers");
        const auto calls = stack.platform_calls() - calls_before;
        if (hostile.reaches_platform) {
            BOOST_TEST(calls > 0, label << " reached no platform");
        } else {
            BOOST_TEST(calls == 0, label << " made " << calls << " platform calls");
        }
        for (const auto* secret : {sixmm_secret.c_str(), dx_password.c_str()}) {
            BOOST_TEST(raw.find(secret) == std::string::npos, label << " answered with a secret");
        }
    }
}

}  // namespace

BOOST_AUTO_TEST_CASE(hostile_input_to_the_handler_routes_is_refused_before_any_platform_call) {
    Stack stack;
    const auto alice = portal_login(stack.gateway->port(), "alice");
    std::size_t total = 0;
    for (const bool tls : {false, true}) {
        const std::string run = tls ? "tls" : "plain";
        std::vector<Case> cases = embed_token_cases(alice, run);
        for (auto&& more : {entry_url_cases(alice), webhook_cases(run), launch_cases(alice)})
            cases.insert(cases.end(), more.begin(), more.end());
        BOOST_TEST_MESSAGE(cases.size() << " hostile handler requests" << (tls ? " over TLS" : ""));
        check(stack, cases, tls);
        total = cases.size();
    }
    BOOST_TEST(total >= 90u);
}
