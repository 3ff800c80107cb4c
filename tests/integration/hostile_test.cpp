// Hostile requests over raw sockets, table-driven: each case is sent on a fresh
// connection to a gateway in front of a recording upstream, with the status it must
// get, and whether anything may reach the upstream. The start of the hardening suite;
// the framing limits have their own file (framing_limits_test.cpp).
#define BOOST_TEST_MODULE hostile
#include <boost/test/unit_test.hpp>

#include "tests/support/client.hpp"
#include "tests/support/gateway_fixture.hpp"
#include "tests/support/test_upstream.hpp"

#include <boost/json/serialize.hpp>

using namespace tg;
using namespace tg::test;
using namespace std::chrono_literals;

namespace {

struct Case {
    const char* name;
    std::string bytes;
    const char* status;     // the answer's status line starts with "HTTP/1.1 <status>"
    bool reaches_upstream;  // whether the upstream may see a request
};

std::string config_for(const TestUpstream& upstream) {
    return R"({
      "workers": 1,
      "listeners": [{"name": "public", "address": "127.0.0.1", "port": 0}],
      "limits": {"header_bytes": 4096, "body_bytes": 4096, "header_timeout_ms": 1000, "body_timeout_ms": 1000},
      "upstreams": {"app": {"servers": [")" + upstream.url() + R"("], "response_timeout_ms": 2000}},
      "routes": [
        {"match": {"path": "/post-only", "methods": ["POST"]}, "upstream": "app"},
        {"match": {"prefix": "/"}, "upstream": "app"}
      ]
    })";
}

const std::string h = "Host: portal.example\r\n";

std::vector<Case> request_cases() {
    const std::string close = "Connection: close\r\n";
    return {
        // Smuggling and framing.
        {"CL and TE", "POST /echo HTTP/1.1\r\n" + h + "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "400", false},
        {"TE and CL", "POST /echo HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n", "400", false},
        {"two CL", "POST /echo HTTP/1.1\r\n" + h + "Content-Length: 4\r\nContent-Length: 5\r\n\r\nabcde", "400", false},
        // Identical values in a list are one length (RFC 9110 8.6); the upstream gets one.
        {"CL list", "POST /echo HTTP/1.1\r\n" + h + "Content-Length: 4, 4\r\n" + close + "\r\nabcd", "200", true},
        {"CL sign", "POST /echo HTTP/1.1\r\n" + h + "Content-Length: +4\r\n\r\nabcd", "400", false},
        {"CL hex", "POST /echo HTTP/1.1\r\n" + h + "Content-Length: 0x4\r\n\r\nabcd", "400", false},
        {"TE chunked twice", "POST /echo HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n", "400", false},
        {"TE two fields", "POST /echo HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "400", false},
        {"TE gzip", "POST /echo HTTP/1.1\r\n" + h + "Transfer-Encoding: gzip\r\n\r\n", "400", false},
        {"TE gzip, chunked", "POST /echo HTTP/1.1\r\n" + h + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", "400", false},
        {"TE with space before colon", "POST /echo HTTP/1.1\r\n" + h + "Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n", "400", false},
        {"TE in HTTP/1.0", "POST /echo HTTP/1.0\r\n" + h + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "400", false},
        {"obs-fold header", "GET /echo HTTP/1.1\r\n" + h + "X-A: 1\r\n folded\r\n" + close + "\r\n", "200", true},
        {"bare LF line", "GET /echo HTTP/1.1\n" + h + "\r\n", "400", false},
        {"NUL in header", "GET /echo HTTP/1.1\r\n" + h + std::string("X-A: a\0b\r\n\r\n", 11), "400", false},
        {"bad chunk size", "POST /echo HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n", "400", false},
        {"chunk size overflow", "POST /echo HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n", "4", false},
        {"chunk without CRLF", "POST /echo HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked\r\n\r\n2\r\nabXX0\r\n\r\n", "400", false},
        {"chunk extension over 4096", "POST /echo HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked\r\n\r\n1;" + std::string(5000, 'e') + "\r\nz\r\n0\r\n\r\n", "400", false},
        {"unfinished chunk line over 4096", "POST /echo HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked\r\n\r\n" + std::string(5000, '0'), "400", false},
        {"trailers over the limit", "POST /echo HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked\r\n\r\n0\r\nX-T: " + std::string(5000, 't') + "\r\n\r\n", "431", false},
        // Limits.
        {"header over the limit", "GET /echo HTTP/1.1\r\n" + h + "X-Big: " + std::string(5000, 'h') + "\r\n\r\n", "431", false},
        {"many small headers", [] {
             std::string r = "GET /echo HTTP/1.1\r\nHost: x\r\n";
             for (int i = 0; i < 600; ++i) r += "X-" + std::to_string(i) + ": v\r\n";
             return r + "\r\n";
         }(), "431", false},
        {"body over the limit", "POST /echo HTTP/1.1\r\n" + h + "Content-Length: 5000\r\n\r\n", "413", false},
        {"chunked body over the limit", "POST /echo HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked\r\n\r\n1388\r\n" + std::string(5000, 'b') + "\r\n0\r\n\r\n", "413", false},
        {"long target", "GET /" + std::string(5000, 'a') + " HTTP/1.1\r\n" + h + "\r\n", "431", false},
        // Targets and versions.
        {"absolute-form target", "GET http://other.example/echo HTTP/1.1\r\n" + h + "\r\n", "400", false},
        {"asterisk target", "OPTIONS * HTTP/1.1\r\n" + h + "\r\n", "400", false},
        {"CONNECT", "CONNECT portal.example:443 HTTP/1.1\r\n" + h + "\r\n", "400", false},
        {"dot segment", "GET /a/../echo HTTP/1.1\r\n" + h + "\r\n", "400", false},
        {"encoded slash", "GET /a%2f..%2fecho HTTP/1.1\r\n" + h + "\r\n", "400", false},
        {"encoded dot", "GET /%2e%2e/echo HTTP/1.1\r\n" + h + "\r\n", "400", false},
        {"encoded NUL", "GET /echo%00 HTTP/1.1\r\n" + h + "\r\n", "400", false},
        {"backslash", "GET /a\\..\\echo HTTP/1.1\r\n" + h + "\r\n", "400", false},
        {"HTTP/2.0 line", "GET /echo HTTP/2.0\r\n" + h + "\r\n", "400", false},
        {"HTTP/9.9 line", "GET /echo HTTP/9.9\r\n" + h + "\r\n", "400", false},
        // An unknown method is a token like any other: proxied as it is.
        {"lower-case method", "get /echo HTTP/1.1\r\n" + h + close + "\r\n", "200", true},
        {"garbage", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", "400", false},
        // Hosts.
        {"no Host in 1.1", "GET /echo HTTP/1.1\r\n\r\n", "400", false},
        {"two Hosts", "GET /echo HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", "400", false},
        {"Host with userinfo and path", "GET /echo HTTP/1.1\r\nHost: evil.com@127.0.0.1/x y\r\n\r\n", "400", false},
        {"Host with quotes", "GET /echo HTTP/1.1\r\nHost: \"portal\"\r\n\r\n", "400", false},
        {"Host with angle brackets", "GET /echo HTTP/1.1\r\nHost: <script>\r\n\r\n", "400", false},
        {"Host port over 65535", "GET /echo HTTP/1.1\r\nHost: portal:70000\r\n\r\n", "400", false},
        {"Host bad IPv6", "GET /echo HTTP/1.1\r\nHost: [::zz]\r\n\r\n", "400", false},
        // Methods.
        {"TRACE", "TRACE /echo HTTP/1.1\r\n" + h + "Cookie: s=1\r\n\r\n", "405", false},
        {"wrong method, no fall-through here", "DELETE /post-only HTTP/1.1\r\n" + h + close + "\r\n", "200", true},
        // Accepted, but sanitised on the way (checked below by what the upstream saw).
        {"forged forwarding headers", "GET /echo HTTP/1.1\r\n" + h + "X-Forwarded-For: 6.6.6.6\r\nX-Forwarded-Host: evil\r\n"
                                      "X-Forwarded-Proto: https\r\nX_Forwarded_For: 7.7.7.7\r\n" + close + "\r\n", "200", true},
        {"hop-by-hop via Connection", "GET /echo HTTP/1.1\r\n" + h + "Connection: close, X-Secret\r\nX-Secret: 1\r\n\r\n", "200", true},
    };
}

}  // namespace

BOOST_AUTO_TEST_CASE(hostile_requests_get_their_status_and_reach_nothing_they_must_not) {
    TestUpstream upstream;
    InProcessGateway gateway(config_for(upstream));
    const auto cases = request_cases();
    BOOST_TEST_MESSAGE(cases.size() << " hostile requests");
    for (const auto& hostile : cases) {
        const auto served_before = upstream.requests_served();
        const auto raw = raw_exchange(gateway.port(), hostile.bytes, 3s);
        BOOST_TEST(raw.starts_with(std::string("HTTP/1.1 ") + hostile.status), hostile.name << ": " << raw.substr(0, 80));
        if (!hostile.reaches_upstream) {
            BOOST_TEST(upstream.requests_served() == served_before, hostile.name << " reached the upstream");
            // An error closes the connection: nothing after it is read as another request.
            BOOST_TEST(raw.find("HTTP/1.1 200") == std::string::npos, hostile.name);
        }
    }
    // What the two sanitised requests delivered.
    const auto seen = upstream.last_request().at("headers").as_object();
    BOOST_TEST(!seen.contains("x-secret"), boost::json::serialize(seen));
    BOOST_TEST(!seen.contains("x_forwarded_for"));
}

BOOST_AUTO_TEST_CASE(forged_forwarding_headers_are_replaced) {
    TestUpstream upstream;
    InProcessGateway gateway(config_for(upstream));
    const auto raw = raw_exchange(gateway.port(), "GET /echo HTTP/1.1\r\n" + h +
                                                      "X-Forwarded-For: 6.6.6.6\r\nX-Forwarded-Host: evil\r\n"
                                                      "X-Forwarded-Proto: https\r\nX-Request-Id: bad id!\r\n"
                                                      "Connection: close\r\n\r\n");
    BOOST_REQUIRE(raw.starts_with("HTTP/1.1 200"));
    const auto seen = upstream.last_request().at("headers").as_object();
    BOOST_TEST(seen.at("x-forwarded-for").as_string() == "127.0.0.1");
    BOOST_TEST(seen.at("x-forwarded-host").as_string() == "portal.example");
    BOOST_TEST(seen.at("x-forwarded-proto").as_string() == "http");
    BOOST_TEST(seen.at("x-request-id").as_string() != "bad id!");
}

BOOST_AUTO_TEST_CASE(an_obs_folded_header_reaches_the_upstream_on_one_line) {
    TestUpstream upstream;
    InProcessGateway gateway(config_for(upstream));
    const auto raw = raw_exchange(gateway.port(), "GET /echo HTTP/1.1\r\n" + h +
                                                      "X-A: 1\r\n Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
    BOOST_REQUIRE(raw.starts_with("HTTP/1.1 200"));
    const auto seen = upstream.last_request().at("headers").as_object();
    const std::string value(seen.at("x-a").as_string());
    BOOST_TEST(value.find_first_of("\r\n") == std::string::npos, value);
    BOOST_TEST(!seen.contains("transfer-encoding"));
}
