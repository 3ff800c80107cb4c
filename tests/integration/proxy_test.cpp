// The reverse proxy end to end: real sockets on loopback, the gateway in process,
// a scripted upstream (tests/support/test_upstream.hpp).
#define BOOST_TEST_MODULE proxy
#include <boost/test/unit_test.hpp>

#include "gateway/core/error_response.hpp"
#include "tests/support/client.hpp"
#include "tests/support/gateway_fixture.hpp"
#include "tests/support/test_upstream.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <boost/asio/write.hpp>

#include <sys/socket.h>

#include <array>
#include <cstdlib>
#include <thread>

using namespace tg;
using namespace tg::test;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

struct Settings {
    std::string servers;  // JSON array of URLs
    std::string limits = "{}";
    std::string upstream_extra;
    std::string routes_extra;
    std::string route_extra;
};

std::string config_text(const Settings& s) {
    return R"({
      "workers": 1,
      "listeners": [{"name": "public", "address": "127.0.0.1", "port": 0}],
      "limits": )" + s.limits + R"(,
      "secrets": {"api_key": {"env": "TG_TEST_API_KEY"}},
      "upstreams": {"app": {"servers": )" + s.servers + R"(, "connect_timeout_ms": 1000,
                            "response_timeout_ms": 2000 )" + s.upstream_extra + R"(}},
      "routes": [)" + s.routes_extra + R"(
        {"match": {"path": "/admin-only", "methods": ["POST"]}, "upstream": "app"},
        {"match": {"prefix": "/"}, "upstream": "app" )" + s.route_extra + R"(}
      ]
    })";
}

std::string config_for(const std::string& servers) {
    Settings settings;
    settings.servers = servers;
    return config_text(settings);
}

std::string servers_of(const TestUpstream& upstream) { return "[\"" + upstream.url() + "\"]"; }

json::object body_json(const Response& response) { return json::parse(response.body()).as_object(); }

std::string error_code_of(const Response& response) {
    return std::string(body_json(response).at("error").at("code").as_string());
}

template <class F>
std::chrono::milliseconds time_of(F&& f) {
    const auto start = std::chrono::steady_clock::now();
    f();
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
}

struct ProxyFixture {
    ProxyFixture() { ::setenv("TG_TEST_API_KEY", "secret-api-key-value", 1); }
    TestUpstream upstream;
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(proxying, ProxyFixture)

BOOST_AUTO_TEST_CASE(get_is_proxied_with_forwarding_headers) {
    InProcessGateway gateway(config_for(servers_of(upstream)));
    auto request = make_request(http::verb::get, "/echo/hello?x=1");
    request.set(http::field::host, "portal.example:8080");
    request.set("X-Forwarded-For", "6.6.6.6");
    const auto response = fetch(gateway.port(), request);
    BOOST_TEST(response.result_int() == 200u);
    const auto seen = body_json(response);
    BOOST_TEST(seen.at("method").as_string() == "GET");
    BOOST_TEST(seen.at("target").as_string() == "/echo/hello?x=1");
    const auto& headers = seen.at("headers").as_object();
    BOOST_TEST(headers.at("x-forwarded-for").as_string() == "127.0.0.1");
    BOOST_TEST(headers.at("x-forwarded-proto").as_string() == "http");
    BOOST_TEST(headers.at("x-forwarded-host").as_string() == "portal.example:8080");
    BOOST_TEST(headers.at("host").as_string() == "127.0.0.1:" + std::to_string(upstream.port()));
    const std::string id(response["X-Request-Id"]);
    BOOST_TEST(id.size() == 32u);
    BOOST_TEST(headers.at("x-request-id").as_string() == id);
}

BOOST_AUTO_TEST_CASE(valid_request_id_is_kept_and_invalid_one_replaced) {
    InProcessGateway gateway(config_for(servers_of(upstream)));
    auto request = make_request(http::verb::get, "/echo");
    request.set("X-Request-Id", "client-id-42");
    BOOST_TEST(fetch(gateway.port(), request)["X-Request-Id"] == "client-id-42");
    request.set("X-Request-Id", "bad id\twith space");
    const auto response = fetch(gateway.port(), request);
    BOOST_TEST(response["X-Request-Id"] != "bad id\twith space");
    BOOST_TEST(response["X-Request-Id"].size() == 32u);
}

BOOST_AUTO_TEST_CASE(post_body_reaches_the_upstream) {
    InProcessGateway gateway(config_for(servers_of(upstream)));
    const auto response = fetch(gateway.port(), make_request(http::verb::post, "/echo", std::string(100000, 'b')));
    BOOST_TEST(response.result_int() == 200u);
    BOOST_TEST(body_json(response).at("bodyBytes").to_number<std::int64_t>() == 100000);
    BOOST_TEST(body_json(response).at("headers").at("content-length").as_string() == "100000");
}

BOOST_AUTO_TEST_CASE(upstream_connections_are_reused) {
    InProcessGateway gateway(config_for(servers_of(upstream)));
    HttpClient client(gateway.port());
    for (int i = 0; i < 20; ++i) BOOST_REQUIRE(client.get("/echo").result_int() == 200u);
    for (int i = 0; i < 5; ++i) BOOST_REQUIRE(fetch(gateway.port(), "/echo").result_int() == 200u);
    BOOST_TEST(upstream.requests_served() == 25);
    BOOST_TEST(upstream.connections_accepted() == 1);
}

// A response's fields live in its upstream connection's arena, which the next response
// on that connection reuses: many fields (past the arena), few, none, many again.
BOOST_AUTO_TEST_CASE(response_fields_survive_reuse_of_the_upstream_connection) {
    InProcessGateway gateway(config_for(servers_of(upstream)));
    HttpClient client(gateway.port());
    for (const int count : {40, 3, 40, 0, 12}) {
        const auto response = client.get("/fields/" + std::to_string(count));
        BOOST_REQUIRE(response.result_int() == 200u);
        int seen = 0;
        for (const auto& field : response) {
            const std::string name(field.name_string());
            if (!name.starts_with("X-Field-")) continue;
            ++seen;
            BOOST_TEST(std::string(field.value()) == "value-" + name.substr(8) + std::string(64, 'v'), name);
        }
        BOOST_TEST(seen == count);
    }
    BOOST_TEST(upstream.connections_accepted() == 1);
}

BOOST_AUTO_TEST_CASE(connection_closed_by_upstream_while_pooled_is_replaced) {
    InProcessGateway gateway(config_for(servers_of(upstream)));
    BOOST_REQUIRE(fetch(gateway.port(), "/echo").result_int() == 200u);
    upstream.close_connections();
    std::this_thread::sleep_for(50ms);
    for (int i = 0; i < 3; ++i) BOOST_TEST(fetch(gateway.port(), "/echo").result_int() == 200u);
    BOOST_TEST(upstream.connections_accepted() == 2);
}

BOOST_AUTO_TEST_CASE(idempotent_request_failing_on_a_reused_connection_is_retried_once_fresh) {
    InProcessGateway gateway(config_for(servers_of(upstream)));
    BOOST_REQUIRE(fetch(gateway.port(), "/then-drop").result_int() == 200u);
    const auto retried = fetch(gateway.port(), "/echo/retried");
    BOOST_TEST(retried.result_int() == 200u);
    BOOST_TEST(upstream.connections_accepted() == 2);
}

BOOST_AUTO_TEST_CASE(non_idempotent_request_failing_on_a_reused_connection_is_not_retried) {
    InProcessGateway gateway(config_for(servers_of(upstream)));
    BOOST_REQUIRE(fetch(gateway.port(), "/then-drop").result_int() == 200u);
    const auto failed = fetch(gateway.port(), make_request(http::verb::post, "/echo", "order=1"));
    BOOST_TEST(failed.result_int() == 502u);
    BOOST_TEST(error_code_of(failed) == "bad_gateway");
    BOOST_TEST(upstream.connections_accepted() == 1);
}

BOOST_AUTO_TEST_CASE(response_with_connection_close_is_not_pooled) {
    InProcessGateway gateway(config_for(servers_of(upstream)));
    BOOST_TEST(fetch(gateway.port(), "/close").body() == "closing");
    BOOST_TEST(fetch(gateway.port(), "/echo").result_int() == 200u);
    BOOST_TEST(upstream.connections_accepted() == 2);
}

BOOST_AUTO_TEST_CASE(refused_upstream_answers_503_fast) {
    InProcessGateway gateway(config_for("[\"http://127.0.0.1:" + std::to_string(unused_port()) + "\"]"));
    Response response;
    const auto elapsed = time_of([&] { response = fetch(gateway.port(), "/echo"); });
    BOOST_TEST(response.result_int() == 503u);
    BOOST_TEST(error_code_of(response) == "upstream_unavailable");
    BOOST_TEST(response["Retry-After"] == "1");
    BOOST_TEST(response[http::field::content_type] == "application/json");
    BOOST_TEST(std::string(body_json(response).at("error").at("requestId").as_string()) ==
               std::string(response["X-Request-Id"]));
    BOOST_TEST(elapsed < 1000ms);
}

BOOST_AUTO_TEST_CASE(slow_upstream_answers_504_at_the_response_timeout) {
    Settings settings;
    settings.servers = servers_of(upstream);
    settings.upstream_extra = R"(, "response_timeout_ms": 300)";
    InProcessGateway gateway(config_text(settings));
    Response response;
    const auto elapsed = time_of([&] { response = fetch(gateway.port(), "/slow/3000"); });
    BOOST_TEST(response.result_int() == 504u);
    BOOST_TEST(error_code_of(response) == "upstream_timeout");
    BOOST_TEST(elapsed >= 280ms);
    BOOST_TEST(elapsed < 1500ms);
}

BOOST_AUTO_TEST_CASE(interim_responses_do_not_extend_the_response_timeout) {
    InProcessGateway gateway(config_for(servers_of(upstream)));  // response_timeout_ms 2000
    Response response;
    // 100 Continue every 400 ms for 8 s: the deadline of 2 s stands.
    const auto elapsed = time_of([&] { response = fetch(gateway.port(), "/interim/20/400"); });
    BOOST_TEST(response.result_int() == 504u);
    BOOST_TEST(elapsed < 3500ms);
    // A few interim answers, then the response: passed on as usual.
    BOOST_TEST(fetch(gateway.port(), "/interim/3/10").body() == "final");
    // A flood of them at once is cut off.
    const auto flooded = fetch(gateway.port(), "/interim/200/0");
    BOOST_TEST(flooded.result_int() == 502u);
}

BOOST_AUTO_TEST_CASE(round_robin_skips_a_refusing_server) {
    TestUpstream second;
    const auto dead = unused_port();
    Settings settings;
    settings.servers = "[\"" + upstream.url() + "\", \"http://127.0.0.1:" + std::to_string(dead) + "\", \"" +
                      second.url() + "\"]";
    settings.upstream_extra = R"(, "cooldown_ms": 60000, "pool_size": 0)";
    InProcessGateway gateway(config_text(settings));
    for (int i = 0; i < 10; ++i) BOOST_REQUIRE(fetch(gateway.port(), "/echo").result_int() == 200u);
    BOOST_TEST(upstream.requests_served() + second.requests_served() == 10);
    BOOST_TEST(upstream.requests_served() >= 4);
    BOOST_TEST(second.requests_served() >= 4);
}

BOOST_AUTO_TEST_CASE(chunked_response_keeps_its_trailers) {
    InProcessGateway gateway(config_for(servers_of(upstream)));
    const auto response = fetch(gateway.port(), "/chunked");
    BOOST_TEST(response.result_int() == 200u);
    BOOST_TEST(response.body() == "hello, world");
    BOOST_TEST(response.chunked());
    BOOST_TEST(response["X-Checksum"] == "abc123");
}

BOOST_AUTO_TEST_CASE(chunked_request_keeps_its_trailers) {
    InProcessGateway gateway(config_for(servers_of(upstream)));
    const auto raw = raw_exchange(gateway.port(),
                                  "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n"
                                  "Connection: close\r\n\r\n4\r\nabcd\r\n3\r\nefg\r\n0\r\nX-Sum: 7\r\n\r\n");
    BOOST_TEST(raw.starts_with("HTTP/1.1 200"));
    const auto seen = upstream.last_request();
    BOOST_TEST(seen.at("bodyBytes").to_number<std::int64_t>() == 7);
    BOOST_TEST(seen.at("headers").at("transfer-encoding").as_string() == "chunked");
    BOOST_TEST(seen.at("trailers").at("x-sum").as_string() == "7");
}

BOOST_AUTO_TEST_CASE(trailers_keep_repeated_names_and_cannot_forge_injected_headers) {
    Settings settings;
    settings.servers = servers_of(upstream);
    settings.route_extra = R"(, "request_headers": {"set": {"X-Api-Key": {"secret": "api_key"}}})";
    InProcessGateway gateway(config_text(settings));
    const auto raw = raw_exchange(gateway.port(),
                                  "POST /echo HTTP/1.1\r\nHost: x\r\nServer-Timing: a\r\nTransfer-Encoding: chunked\r\n"
                                  "Connection: close\r\n\r\n1\r\nz\r\n0\r\nServer-Timing: b\r\nX-Api-Key: forged\r\n"
                                  "Cookie: stolen=1\r\n\r\n");
    BOOST_TEST(raw.starts_with("HTTP/1.1 200"));
    const auto seen = upstream.last_request();
    BOOST_TEST(seen.at("headers").at("server-timing").as_string() == "a");
    BOOST_TEST(seen.at("headers").at("x-api-key").as_string() == "secret-api-key-value");
    const auto& trailers = seen.at("trailers").as_object();
    BOOST_TEST(trailers.size() == 1u, json::serialize(trailers));
    BOOST_TEST(trailers.at("server-timing").as_string() == "b");
}

BOOST_AUTO_TEST_CASE(streamed_responses_are_forwarded_piece_by_piece) {
    InProcessGateway gateway(config_for(servers_of(upstream)));
    const auto first = time_until_received(gateway.port(), "GET /drip HTTP/1.1\r\nHost: x\r\n\r\n", "first", 5000ms);
    BOOST_REQUIRE(first.has_value());
    BOOST_TEST(first->count() < 1000);  // not held back until the upstream's second piece at 1.5 s
}

BOOST_AUTO_TEST_CASE(head_requests_get_error_answers_without_a_body) {
    InProcessGateway gateway(config_for(servers_of(upstream)));
    const auto raw = raw_exchange(gateway.port(),
                                  "HEAD /a/../b HTTP/1.1\r\nHost: x\r\n\r\n");
    BOOST_TEST(raw.starts_with("HTTP/1.1 400"));
    BOOST_TEST(raw.find("{") == std::string::npos, raw);
    BOOST_TEST(raw.find("Content-Length: ") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(paths_the_upstream_could_read_differently_get_400) {
    InProcessGateway gateway(config_for(servers_of(upstream)));
    for (const auto* target : {"/public/../admin", "/public/..%2fadmin", "/a%5cb"}) {
        BOOST_TEST(fetch(gateway.port(), target).result_int() == 400u, target);
    }
    BOOST_TEST(upstream.requests_served() == 0);
}

BOOST_AUTO_TEST_CASE(http10_client_connection_closes_after_a_gateway_error) {
    InProcessGateway gateway(config_for("[\"http://127.0.0.1:" + std::to_string(unused_port()) + "\"]"));
    std::string raw;
    const auto elapsed = time_of([&] { raw = raw_exchange(gateway.port(), "GET /x HTTP/1.0\r\n\r\n", 5000ms); });
    BOOST_TEST(raw.starts_with("HTTP/1.1 503"));
    BOOST_TEST(elapsed < 2000ms);
}

BOOST_AUTO_TEST_CASE(an_unrequested_protocol_switch_is_a_bad_gateway) {
    InProcessGateway gateway(config_for(servers_of(upstream)));
    BOOST_TEST(fetch(gateway.port(), "/switch").result_int() == 502u);
}

BOOST_AUTO_TEST_CASE(upstream_reset_mid_body_closes_the_client_connection) {
    InProcessGateway gateway(config_for(servers_of(upstream)));
    std::string raw;
    const auto elapsed = time_of([&] { raw = raw_exchange(gateway.port(), "GET /reset HTTP/1.1\r\nHost: x\r\n\r\n"); });
    BOOST_TEST(raw.starts_with("HTTP/1.1 200"));
    BOOST_TEST(raw.find("Content-Length: 100000") != std::string::npos);
    const auto body = raw.substr(raw.find("\r\n\r\n") + 4);
    BOOST_TEST(body.size() < 100000u);  // never presented as complete
    BOOST_TEST(elapsed < 4000ms);       // closed by the gateway, not by our timeout
}

BOOST_AUTO_TEST_CASE(no_route_is_json_404_and_wrong_method_is_405_with_allow) {
    const auto config = R"({
      "workers": 1,
      "listeners": [{"name": "public", "address": "127.0.0.1", "port": 0}],
      "upstreams": {"app": {"servers": [")" + upstream.url() + R"("]}},
      "routes": [{"match": {"path": "/only", "methods": ["POST", "PUT"]}, "upstream": "app"}]
    })";
    InProcessGateway gateway(config);
    const auto missing = fetch(gateway.port(), "/elsewhere");
    BOOST_TEST(missing.result_int() == 404u);
    BOOST_TEST(error_code_of(missing) == "not_found");
    BOOST_TEST(missing[http::field::cache_control] == "no-store");
    const auto wrong = fetch(gateway.port(), "/only");
    BOOST_TEST(wrong.result_int() == 405u);
    BOOST_TEST(wrong[http::field::allow] == "POST, PUT");
    BOOST_TEST(error_code_of(wrong) == "method_not_allowed");
    BOOST_TEST(upstream.requests_served() == 0);
}

BOOST_AUTO_TEST_CASE(header_rules_inject_secrets_and_clients_cannot_forge_them) {
    Settings settings;
    settings.servers = servers_of(upstream);
    settings.route_extra = R"(, "request_headers": {"set": {"X-Api-Key": {"secret": "api_key"}, "X-Gateway": "tg"},
                                                   "remove": ["X-Debug"]},
                             "response_headers": {"remove": ["X-Upstream-Port"], "set": {"X-Frame-Options": "DENY"}})";
    InProcessGateway gateway(config_text(settings));
    auto request = make_request(http::verb::get, "/echo");
    request.insert("X-Api-Key", "forged-by-client");
    request.insert("x-api-key", "forged-again");
    request.set("X-Debug", "1");
    const auto response = fetch(gateway.port(), request);
    const auto headers = body_json(response).at("headers").as_object();
    BOOST_TEST(headers.at("x-api-key").as_string() == "secret-api-key-value");
    BOOST_TEST(response.body().find("forged") == std::string::npos);
    BOOST_TEST(headers.at("x-gateway").as_string() == "tg");
    BOOST_TEST(!headers.contains("x-debug"));
    BOOST_TEST(response.count("X-Upstream-Port") == 0u);
    BOOST_TEST(response["X-Frame-Options"] == "DENY");
}

BOOST_AUTO_TEST_CASE(hop_by_hop_headers_do_not_reach_the_upstream) {
    InProcessGateway gateway(config_for(servers_of(upstream)));
    auto request = make_request(http::verb::get, "/echo");
    request.set(http::field::connection, "keep-alive, X-Hop");
    request.set("X-Hop", "1");
    request.set(http::field::keep_alive, "timeout=5");
    request.set(http::field::te, "trailers");
    request.set("X-End", "2");
    const auto headers = body_json(fetch(gateway.port(), request)).at("headers").as_object();
    BOOST_TEST(!headers.contains("x-hop"));
    BOOST_TEST(!headers.contains("keep-alive"));
    BOOST_TEST(!headers.contains("te"));
    BOOST_TEST(!headers.contains("connection"));
    BOOST_TEST(headers.at("x-end").as_string() == "2");
}

BOOST_AUTO_TEST_CASE(headers_a_module_owns_are_dropped_from_client_headers_and_trailers) {
    handlers::Registry registry;
    registry.add_gateway_owned_header("X-Module-Asserted");
    InProcessGateway gateway(config_for(servers_of(upstream)), std::move(registry));
    const auto raw = raw_exchange(gateway.port(),
                                  "POST /echo HTTP/1.1\r\nHost: x\r\nX-Module-Asserted: forged\r\n"
                                  "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n1\r\nz\r\n0\r\n"
                                  "X-Module-Asserted: forged-trailer\r\nX-Forwarded-For: 6.6.6.6\r\nX_Forwarded_For: 7.7.7.7\r\n"
                                  "X-Request-Id: forged-id\r\nX-Sum: 1\r\n\r\n");
    BOOST_TEST(raw.starts_with("HTTP/1.1 200"));
    const auto seen = upstream.last_request();
    BOOST_TEST(!seen.at("headers").as_object().contains("x-module-asserted"));
    const auto& trailers = seen.at("trailers").as_object();
    BOOST_TEST(trailers.size() == 1u, json::serialize(trailers));
    BOOST_TEST(trailers.at("x-sum").as_string() == "1");
}

BOOST_AUTO_TEST_CASE(pipelined_requests_are_answered_in_order) {
    InProcessGateway gateway(config_for(servers_of(upstream)));
    const auto raw = raw_exchange(gateway.port(),
                                  "GET /echo/first HTTP/1.1\r\nHost: x\r\n\r\n"
                                  "GET /echo/second HTTP/1.1\r\nHost: x\r\n\r\n"
                                  "GET /echo/third HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    const auto first = raw.find("/echo/first"), second = raw.find("/echo/second"), third = raw.find("/echo/third");
    BOOST_TEST(first != std::string::npos);
    BOOST_TEST(second != std::string::npos);
    BOOST_TEST(third != std::string::npos);
    BOOST_TEST((first < second && second < third));
}

BOOST_AUTO_TEST_CASE(http10_requests_are_served) {
    InProcessGateway gateway(config_for(servers_of(upstream)));
    const auto closing = raw_exchange(gateway.port(), "GET /echo HTTP/1.0\r\n\r\n");
    BOOST_TEST(closing.starts_with("HTTP/1.1 200"));
    BOOST_TEST(closing.find("Connection: close") != std::string::npos);
    const auto kept = raw_exchange(gateway.port(),
                                   "GET /echo HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
                                   "GET /echo/again HTTP/1.0\r\n\r\n");
    BOOST_TEST(kept.find("Connection: keep-alive") != std::string::npos);
    BOOST_TEST(kept.find("/echo/again") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(idle_keep_alive_connection_is_closed_at_the_idle_timeout) {
    Settings settings;
    settings.servers = servers_of(upstream);
    settings.limits = R"({"idle_timeout_ms": 300})";
    InProcessGateway gateway(config_text(settings));
    HttpClient client(gateway.port());
    BOOST_REQUIRE(client.get("/echo").result_int() == 200u);
    bool closed = false;
    const auto elapsed = time_of([&] { closed = client.closed_by_server(3000ms); });
    BOOST_TEST(closed);
    BOOST_TEST(elapsed >= 250ms);
    BOOST_TEST(elapsed < 2000ms);
}

BOOST_AUTO_TEST_CASE(slow_headers_are_cut_off_at_the_header_timeout) {
    Settings settings;
    settings.servers = servers_of(upstream);
    settings.limits = R"({"header_timeout_ms": 300})";
    InProcessGateway gateway(config_text(settings));
    std::string raw;
    const auto elapsed = time_of([&] { raw = raw_exchange(gateway.port(), "GET /echo HTTP/1.1\r\nHost: x\r\n", 5000ms); });
    BOOST_TEST(elapsed < 2000ms);
    BOOST_TEST(upstream.requests_served() == 0);
}

BOOST_AUTO_TEST_CASE(oversized_headers_get_431) {
    Settings settings;
    settings.servers = servers_of(upstream);
    settings.limits = R"({"header_bytes": 2048})";
    InProcessGateway gateway(config_text(settings));
    const auto raw = raw_exchange(gateway.port(),
                                  "GET /echo HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(4000, 'h') + "\r\n\r\n");
    BOOST_TEST(raw.starts_with("HTTP/1.1 431"));
    BOOST_TEST(raw.find("headers_too_large") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(oversized_bodies_get_413) {
    Settings settings;
    settings.servers = servers_of(upstream);
    settings.limits = R"({"body_bytes": 1000})";
    InProcessGateway gateway(config_text(settings));
    const auto declared = raw_exchange(gateway.port(), "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n");
    BOOST_TEST(declared.starts_with("HTTP/1.1 413"));
    BOOST_TEST(declared.find("payload_too_large") != std::string::npos);
    const auto chunked = raw_exchange(gateway.port(),
                                      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                                      "800\r\n" + std::string(0x800, 'c') + "\r\n0\r\n\r\n");
    BOOST_TEST(chunked.starts_with("HTTP/1.1 413"));
}

BOOST_AUTO_TEST_CASE(malformed_requests_get_400_and_the_connection_closes) {
    InProcessGateway gateway(config_for(servers_of(upstream)));
    for (const std::string bad : {"GARBAGE\r\n\r\n", "GET / HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n",
                                  "GET / HTTP/9.9\r\nHost: x\r\n\r\n", "GET http://other/ HTTP/1.1\r\nHost: x\r\n\r\n"}) {
        std::string raw;
        const auto elapsed = time_of([&] { raw = raw_exchange(gateway.port(), bad + "GET /echo HTTP/1.1\r\nHost: x\r\n\r\n"); });
        BOOST_TEST(raw.starts_with("HTTP/1.1 400"), "for " << bad);
        BOOST_TEST(raw.find("HTTP/1.1 200") == std::string::npos, "connection must close after " << bad);
        BOOST_TEST(elapsed < 4000ms);
    }
    BOOST_TEST(upstream.requests_served() == 0);
}

BOOST_AUTO_TEST_CASE(request_smuggling_attempts_get_400) {
    InProcessGateway gateway(config_for(servers_of(upstream)));
    const std::string smuggled = "GET /echo/smuggled HTTP/1.1\r\nHost: x\r\n\r\n";
    for (const std::string attack : {
             "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
             "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n",
             "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n",
             "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n",
             "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 40\r\n\r\nabcd",
             "POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
             "GET /echo HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n",
         }) {
        const auto raw = raw_exchange(gateway.port(), attack + smuggled);
        BOOST_TEST(raw.starts_with("HTTP/1.1 400"), "for " << attack);
    }
    BOOST_TEST(upstream.requests_served() == 0);
}

namespace {

// Sends `head`, then `body` one byte every `pause`; then reads the answer (5 s at most).
std::string trickle(std::uint16_t port, const std::string& head, const std::string& body,
                    std::chrono::milliseconds pause) {
    asio::io_context io;
    asio::ip::tcp::socket socket(io);
    socket.connect({asio::ip::make_address("127.0.0.1"), port});
    const timeval receive_timeout{5, 0};
    ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &receive_timeout, sizeof receive_timeout);
    error_code ec;
    asio::write(socket, asio::buffer(head), ec);
    for (const char c : body) {
        if (ec || socket.available(ec) > 0) break;  // answered already
        std::this_thread::sleep_for(pause);
        asio::write(socket, asio::buffer(&c, 1), ec);
    }
    std::string answer;
    std::array<char, 4096> piece;
    for (int reads = 0; reads < 100; ++reads) {
        const auto n = socket.read_some(asio::buffer(piece), ec);
        answer.append(piece.data(), n);
        if (ec) break;
    }
    return answer;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_small_body_is_read_whole_before_an_upstream_connection_is_taken) {
    Settings settings;
    settings.servers = servers_of(upstream);
    settings.limits = R"({"body_timeout_ms": 1000})";
    InProcessGateway gateway(config_text(settings));
    const auto accepted = upstream.connections_accepted();
    const std::string head = "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\n\r\n";
    std::string answer;
    const auto elapsed = time_of([&] { answer = trickle(gateway.port(), head, std::string(20, 'b'), 300ms); });
    BOOST_TEST(answer.starts_with("HTTP/1.1 408"), answer.substr(0, 100));
    BOOST_TEST(answer.find("request_timeout") != std::string::npos);
    BOOST_TEST(elapsed < 3000ms);
    BOOST_TEST(upstream.connections_accepted() == accepted);  // no upstream connection was held
    BOOST_TEST(upstream.requests_served() == 0);

    // In time, the buffered body goes upstream whole, with its length.
    const auto posted = fetch(gateway.port(), make_request(http::verb::post, "/echo", std::string(20, 'c')));
    BOOST_TEST(posted.result_int() == 200u);
    BOOST_TEST(upstream.last_request().at("bodyBytes").to_number<std::int64_t>() == 20);
    BOOST_TEST(upstream.last_request().at("headers").at("content-length").as_string() == "20");
}

class BodyCountingHandler final : public handlers::Handler {
public:
    boost::asio::awaitable<handlers::Response> handle(const handlers::Request& request) override {
        co_return tg::make_json_response(http::status::ok,
                                         "{\"bytes\":" + std::to_string(request.message.body().size()) + "}");
    }
};

BOOST_AUTO_TEST_CASE(a_body_over_the_buffering_limit_streams_and_a_slow_handler_body_gets_408) {
    handlers::Registry registry;
    registry.add("test.count", [](const handlers::HandlerSetup&) { return std::make_unique<BodyCountingHandler>(); });
    Settings settings;
    settings.servers = servers_of(upstream);
    settings.limits = R"({"body_timeout_ms": 1000, "request_buffering_bytes": 4})";
    settings.routes_extra = R"({"match": {"path": "/count"}, "handler": "test.count"},)";
    InProcessGateway gateway(config_text(settings), std::move(registry));
    // 10 bytes > 4: streamed as they come, 1.5 s in all (each read waits idle_timeout_ms).
    const auto streamed = trickle(gateway.port(), "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nConnection: close\r\n\r\n",
                                  std::string(10, 's'), 150ms);
    BOOST_TEST(streamed.starts_with("HTTP/1.1 200"), streamed.substr(0, 100));
    BOOST_TEST(upstream.last_request().at("bodyBytes").to_number<std::int64_t>() == 10);
    // A handler reads its body whole: the same 1.5 s is past the body timeout.
    const auto slow = trickle(gateway.port(), "POST /count HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n",
                              std::string(10, 's'), 150ms);
    BOOST_TEST(slow.starts_with("HTTP/1.1 408"), slow.substr(0, 100));
    const auto quick = fetch(gateway.port(), make_request(http::verb::post, "/count", std::string(10, 'q')));
    BOOST_TEST(quick.body() == "{\"bytes\":10}");
}

BOOST_AUTO_TEST_CASE(trace_is_refused_unless_allowed) {
    InProcessGateway gateway(config_for(servers_of(upstream)));
    auto trace = make_request(http::verb::trace, "/echo");
    trace.set(http::field::cookie, "portal_session=secret-session");
    const auto refused = fetch(gateway.port(), trace);
    BOOST_TEST(refused.result_int() == 405u);
    BOOST_TEST(refused[http::field::allow].find("GET") != std::string::npos);
    BOOST_TEST(refused.body().find("TRACE") != std::string::npos);
    BOOST_TEST(refused.body().find("secret-session") == std::string::npos);
    BOOST_TEST(upstream.requests_served() == 0);
    Settings settings;
    settings.servers = servers_of(upstream);
    settings.limits = R"({"allow_trace": true})";
    InProcessGateway allowing(config_text(settings));
    BOOST_TEST(fetch(allowing.port(), make_request(http::verb::trace, "/echo")).result_int() == 200u);
}

BOOST_AUTO_TEST_CASE(header_names_with_underscores_are_dropped_refused_or_passed) {
    const std::string request = "GET /echo HTTP/1.1\r\nHost: x\r\nX_Forwarded_For: 6.6.6.6\r\n"
                                "Content_Length: 5\r\nX-Kept: 1\r\nConnection: close\r\n\r\n";
    {
        InProcessGateway gateway(config_for(servers_of(upstream)));  // default: drop, as nginx
        BOOST_TEST(raw_exchange(gateway.port(), request).starts_with("HTTP/1.1 200"));
        const auto headers = upstream.last_request().at("headers").as_object();
        BOOST_TEST(!headers.contains("x_forwarded_for"));
        BOOST_TEST(!headers.contains("content_length"));
        BOOST_TEST(headers.at("x-kept").as_string() == "1");
        BOOST_TEST(headers.at("x-forwarded-for").as_string() == "127.0.0.1");
    }
    Settings settings;
    settings.servers = servers_of(upstream);
    settings.limits = R"({"underscores_in_headers": "refuse"})";
    {
        InProcessGateway refusing(config_text(settings));
        const auto served = upstream.requests_served();
        const auto raw = raw_exchange(refusing.port(), request);
        BOOST_TEST(raw.starts_with("HTTP/1.1 400"));
        BOOST_TEST(raw.find("underscore") != std::string::npos);
        BOOST_TEST(upstream.requests_served() == served);
    }
    settings.limits = R"({"underscores_in_headers": "pass"})";
    InProcessGateway passing(config_text(settings));
    BOOST_TEST(raw_exchange(passing.port(), request).starts_with("HTTP/1.1 200"));
    BOOST_TEST(upstream.last_request().at("headers").as_object().contains("x_forwarded_for"));
}

BOOST_AUTO_TEST_CASE(a_host_that_is_not_host_and_port_gets_400) {
    InProcessGateway gateway(config_for(servers_of(upstream)));
    for (const std::string host : {"evil.com@127.0.0.1/x y", "\"quoted\"", "<b>", "x:99999"}) {
        const auto raw = raw_exchange(gateway.port(), "GET /echo HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
        BOOST_TEST(raw.starts_with("HTTP/1.1 400"), host);
    }
    BOOST_TEST(upstream.requests_served() == 0);
}

BOOST_AUTO_TEST_CASE(expect_100_continue_is_answered_before_the_body) {
    InProcessGateway gateway(config_for(servers_of(upstream)));
    const auto raw = raw_exchange(gateway.port(),
                                  "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n"
                                  "Connection: close\r\n\r\nabc");
    BOOST_TEST(raw.starts_with("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200"));
    BOOST_TEST(!upstream.last_request().at("headers").as_object().contains("expect"));
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

class HelloHandler : public handlers::Handler {
public:
    explicit HelloHandler(std::string route_name) : route_name_(std::move(route_name)) {}
    boost::asio::awaitable<handlers::Response> handle(const handlers::Request& request) override {
        handlers::Response response{http::status::ok, 11};
        response.set(http::field::content_type, "application/json");
        response.body() = json::serialize(json::object{{"route", route_name_},
                                                       {"method", request.message.method_string()},
                                                       {"body", request.message.body()},
                                                       {"client", request.client_address}});
        co_return response;
    }

private:
    std::string route_name_;
};

}  // namespace

BOOST_AUTO_TEST_CASE(routes_can_name_a_registered_handler) {
    handlers::Registry registry;
    registry.add("test.hello", [](const handlers::HandlerSetup& setup) {
        return std::make_unique<HelloHandler>(setup.route.name);
    });
    const std::string config = R"({
      "workers": 2,
      "listeners": [{"name": "public", "address": "127.0.0.1", "port": 0}],
      "routes": [{"name": "hello", "match": {"path": "/hello", "methods": ["POST"]}, "handler": "test.hello"}]
    })";
    InProcessGateway gateway(config, std::move(registry));
    const auto response = fetch(gateway.port(), make_request(http::verb::post, "/hello", "payload"));
    BOOST_TEST(response.result_int() == 200u);
    const auto body = body_json(response);
    BOOST_TEST(body.at("route").as_string() == "hello");
    BOOST_TEST(body.at("body").as_string() == "payload");
    BOOST_TEST(body.at("client").as_string() == "127.0.0.1");
    BOOST_TEST(response["X-Request-Id"].size() == 32u);
}

BOOST_AUTO_TEST_CASE(a_route_naming_an_unknown_handler_is_a_config_error) {
    handlers::Registry registry;
    const std::string config = R"({
      "listeners": [{"name": "public", "address": "127.0.0.1", "port": 0}],
      "routes": [{"match": {"path": "/x"}, "handler": "nope.missing"}]
    })";
    BOOST_CHECK_THROW(load_config_text(config, registry), std::runtime_error);
}
