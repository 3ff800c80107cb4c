// The real client address behind a load balancer, over loopback: PROXY protocol v1 and v2
// listeners (plain and TLS), trusted proxies' X-Forwarded-For and Forwarded chains, what
// the upstream and the access log see, and what a client cannot make the gateway believe.
#define BOOST_TEST_MODULE client_ip
#include <boost/test/unit_test.hpp>

#include "tests/support/certificate.hpp"
#include "tests/support/client.hpp"
#include "tests/support/gateway_fixture.hpp"
#include "tests/support/process.hpp"
#include "tests/support/test_upstream.hpp"

#include <boost/json/parse.hpp>

#include <fstream>
#include <thread>

using namespace tg::test;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

struct Stack {
    TempDir dir;
    TestUpstream upstream;
    std::optional<InProcessGateway> gateway;

    Stack() {
        make_certificate(dir, "localhost", "DNS:localhost,IP:127.0.0.1");
        const auto file = [&](const char* name) { return (dir.path() / name).string(); };
        gateway.emplace(R"({
          "workers": 1,
          "listeners": [
            {"name": "direct", "address": "127.0.0.1", "port": 0},
            {"name": "balanced", "address": "127.0.0.1", "port": 0, "proxy_protocol": true, "proxy_protocol_timeout_ms": 500},
            {"name": "balanced-tls", "address": "127.0.0.1", "port": 0, "proxy_protocol": true,
             "tls": {"cert_file": ")" + file("localhost.pem") + R"(", "key_file": ")" + file("localhost.key") + R"("}},
            {"name": "behind-proxies", "address": "127.0.0.1", "port": 0, "trusted_proxies": ["127.0.0.0/8", "2001:db8:ffff::/48"]},
            {"name": "behind-forwarded", "address": "127.0.0.1", "port": 0, "trusted_proxies": ["127.0.0.1"],
             "client_ip_header": "forwarded"},
            {"name": "balanced-and-proxied", "address": "127.0.0.1", "port": 0, "proxy_protocol": true,
             "trusted_proxies": ["198.51.100.0/24"]},
            {"name": "admin", "address": "127.0.0.1", "port": 0, "admin": true}
          ],
          "access_log": {"path": ")" + file("access.log") + R"("},
          "upstreams": {"app": {"servers": [")" + upstream.url() + R"("]}},
          "routes": [{"match": {"prefix": "/"}, "upstream": "app"}]
        })");
    }

    std::uint16_t port(const char* listener) const { return gateway->port(listener); }

    // What the upstream saw of the last request.
    json::object seen() const { return upstream.last_request().at("headers").as_object(); }
    std::string seen(const char* header) const {
        const auto headers = seen();
        return headers.contains(header) ? std::string(headers.at(header).as_string()) : "(none)";
    }

    std::vector<json::object> access_lines() const {
        std::this_thread::sleep_for(300ms);  // the workers flush every 100 ms
        std::vector<json::object> lines;
        std::ifstream in(dir.path() / "access.log");
        for (std::string line; std::getline(in, line);) lines.push_back(json::parse(line).as_object());
        return lines;
    }
};

std::string get(const std::string& extra = "", const std::string& target = "/echo") {
    return "GET " + target + " HTTP/1.1\r\nHost: portal.example\r\n" + extra + "Connection: close\r\n\r\n";
}

// A PROXY v2 header for TCP over IPv4 (or v6), with `tlv` bytes after the addresses.
std::string proxy_v2(const std::string& addresses, bool ipv6 = false, const std::string& tlv = "", char command = 0x21) {
    std::string header("\r\n\r\n\0\r\nQUIT\n", 12);
    header += command;
    header += ipv6 ? '\x21' : '\x11';
    const auto length = addresses.size() + tlv.size();
    header += static_cast<char>(length >> 8);
    header += static_cast<char>(length & 0xff);
    return header + addresses + tlv;
}

const std::string v4_addresses("\xcb\x00\x71\x07" "\xc0\x00\x02\x01" "\x30\x39" "\x01\xbb", 12);  // 203.0.113.7:12345 -> 192.0.2.1:443

int proxy_failures(Stack& stack, const char* listener) {
    const auto metrics = fetch(stack.port("admin"), "/metrics").body();
    const std::string series = std::string("tg_proxy_header_failures_total{listener=\"") + listener + "\"} ";
    const auto at = metrics.find(series);
    return at == std::string::npos ? -1 : std::stoi(metrics.substr(at + series.size()));
}

}  // namespace

BOOST_AUTO_TEST_CASE(proxy_protocol_v1_and_v2_name_the_client_to_the_upstream_and_the_log) {
    Stack stack;
    const auto v1 = raw_exchange(stack.port("balanced"), get(), 3s, false, "PROXY TCP4 203.0.113.7 192.0.2.1 51234 443\r\n");
    BOOST_TEST(v1.starts_with("HTTP/1.1 200"), v1.substr(0, 100));
    BOOST_TEST(stack.seen("x-forwarded-for") == "203.0.113.7");
    BOOST_TEST(stack.seen("x-real-ip") == "203.0.113.7");

    BOOST_TEST(raw_exchange(stack.port("balanced"), get(), 3s, false,
                            "PROXY TCP6 2001:db8::7 2001:db8::1 51234 443\r\n").starts_with("HTTP/1.1 200"));
    BOOST_TEST(stack.seen("x-forwarded-for") == "2001:db8::7");

    // v2 with a TLV after the addresses (as AWS and GCP balancers send), then over TLS.
    const std::string tlv("\x04\x00\x05vpc-1", 8);
    BOOST_TEST(raw_exchange(stack.port("balanced"), get(), 3s, false, proxy_v2(v4_addresses, false, tlv))
                   .starts_with("HTTP/1.1 200"));
    BOOST_TEST(stack.seen("x-forwarded-for") == "203.0.113.7");
    const auto over_tls = raw_exchange(stack.port("balanced-tls"), get(), 3s, true,
                                       "PROXY TCP4 198.51.100.20 192.0.2.1 40000 443\r\n");
    BOOST_TEST(over_tls.starts_with("HTTP/1.1 200"), over_tls.substr(0, 100));
    BOOST_TEST(stack.seen("x-forwarded-for") == "198.51.100.20");
    BOOST_TEST(stack.seen("x-forwarded-proto") == "https");

    // LOCAL (a balancer's own health check) and UNKNOWN: the TCP peer is the client.
    BOOST_TEST(raw_exchange(stack.port("balanced"), get(), 3s, false, proxy_v2("", false, "", 0x20))
                   .starts_with("HTTP/1.1 200"));
    BOOST_TEST(stack.seen("x-forwarded-for") == "127.0.0.1");
    BOOST_TEST(raw_exchange(stack.port("balanced"), get(), 3s, false, "PROXY UNKNOWN\r\n").starts_with("HTTP/1.1 200"));
    BOOST_TEST(stack.seen("x-forwarded-for") == "127.0.0.1");

    const auto lines = stack.access_lines();
    BOOST_REQUIRE(lines.size() == 6u);
    BOOST_TEST(lines[0].at("client").as_string() == "203.0.113.7");
    BOOST_TEST(lines[0].at("peer").as_string() == "127.0.0.1");  // the balancer
    BOOST_TEST(!lines[4].contains("peer"));                        // LOCAL: nobody else
}

BOOST_AUTO_TEST_CASE(the_header_is_read_once_per_connection_and_nothing_past_it) {
    Stack stack;
    // Two requests on one connection, the header and the first request in one write.
    const std::string first = "GET /echo HTTP/1.1\r\nHost: portal.example\r\n\r\n";
    const auto both = raw_exchange(stack.port("balanced"), first + get(), 3s, false,
                                   "PROXY TCP4 203.0.113.8 192.0.2.1 51234 443\r\n");
    std::size_t answers = 0;
    for (auto at = both.find("HTTP/1.1 200"); at != std::string::npos; at = both.find("HTTP/1.1 200", at + 1)) ++answers;
    BOOST_TEST(answers == 2u, both.substr(0, 200));
    BOOST_TEST(stack.seen("x-forwarded-for") == "203.0.113.8");
    BOOST_TEST(stack.upstream.requests_served() == 2);
}

BOOST_AUTO_TEST_CASE(a_connection_without_a_valid_header_is_closed_unanswered) {
    Stack stack;
    const auto port = stack.port("balanced");
    const std::vector<std::pair<std::string, std::string>> refused{
        {"no header", get()},
        {"truncated v1", "PROXY TCP4 203.0.113.7 192.0.2.1"},
        {"v1 without CRLF", "PROXY TCP4 203.0.113.7 192.0.2.1 1 2\n" + get()},
        {"v1 over 107 bytes", "PROXY UNKNOWN " + std::string(120, 'x') + "\r\n" + get()},
        {"v1 TCP4 with an IPv6 address", "PROXY TCP4 2001:db8::1 192.0.2.1 1 2\r\n" + get()},
        {"v1 port out of range", "PROXY TCP4 203.0.113.7 192.0.2.1 70000 2\r\n" + get()},
        {"v1 bad protocol", "PROXY UDP4 203.0.113.7 192.0.2.1 1 2\r\n" + get()},
        {"v1 a field short", "PROXY TCP4 203.0.113.7 192.0.2.1 1\r\n" + get()},
        {"v2 truncated", proxy_v2(v4_addresses).substr(0, 20)},
        {"v2 version 3", [] { auto h = proxy_v2(v4_addresses); h[12] = 0x31; return h + get(); }()},
        {"v2 over the size limit", proxy_v2(v4_addresses, false, std::string(3000, 't')) + get()},
        {"v2 too short for its addresses", proxy_v2(v4_addresses.substr(0, 8)) + get()},
        {"v2 over UDP", [] { auto h = proxy_v2(v4_addresses); h[13] = 0x12; return h + get(); }()},
    };
    int failures = 0;
    for (const auto& [name, bytes] : refused) {
        const auto started = std::chrono::steady_clock::now();
        const auto answer = raw_exchange(port, bytes, 3s);
        BOOST_TEST(answer.empty(), name << ": " << answer.substr(0, 80));
        BOOST_TEST((std::chrono::steady_clock::now() - started < 2s), name << " was not closed in time");
        ++failures;
    }
    // Nothing at all: closed when proxy_protocol_timeout_ms (500) passes.
    const auto started = std::chrono::steady_clock::now();
    BOOST_TEST(raw_exchange(port, "", 3s).empty());
    const auto waited = std::chrono::steady_clock::now() - started;
    BOOST_TEST((waited >= 400ms && waited < 2s));
    ++failures;
    BOOST_TEST(stack.upstream.requests_served() == 0);
    BOOST_TEST(proxy_failures(stack, "balanced") == failures);
}

BOOST_AUTO_TEST_CASE(a_proxy_header_on_a_listener_without_it_is_a_bad_request) {
    Stack stack;
    const auto answer = raw_exchange(stack.port("direct"), "PROXY TCP4 203.0.113.7 192.0.2.1 1 2\r\n" + get());
    BOOST_TEST(answer.starts_with("HTTP/1.1 400"), answer.substr(0, 80));
    BOOST_TEST(stack.upstream.requests_served() == 0);
}

BOOST_AUTO_TEST_CASE(a_trusted_proxys_chain_names_the_client_and_nobody_elses_does) {
    Stack stack;
    const auto client_through = [&](const char* listener, const std::string& headers) {
        const auto answer = raw_exchange(stack.port(listener), get(headers));
        BOOST_REQUIRE_MESSAGE(answer.starts_with("HTTP/1.1 200"), answer.substr(0, 80));
        BOOST_TEST(stack.seen("x-real-ip") == stack.seen("x-forwarded-for"));
        BOOST_TEST(!stack.seen().contains("forwarded"));
        return stack.seen("x-forwarded-for");
    };
    // The rightmost address that is not a trusted proxy; ports and brackets allowed.
    BOOST_TEST(client_through("behind-proxies", "X-Forwarded-For: 6.6.6.6, 203.0.113.9, 127.0.0.5\r\n") == "203.0.113.9");
    BOOST_TEST(client_through("behind-proxies", "X-Forwarded-For: 6.6.6.6\r\nX-Forwarded-For: 203.0.113.9:4711\r\n") ==
               "203.0.113.9");
    BOOST_TEST(client_through("behind-proxies", "X-Forwarded-For: [2001:db8::9]:443, 2001:db8:ffff::1\r\n") == "2001:db8::9");
    BOOST_TEST(client_through("behind-proxies", "X-Forwarded-For: ::ffff:203.0.113.10\r\n") == "203.0.113.10");
    // Every hop trusted: the leftmost. No chain, or one with garbage in the way: the peer.
    BOOST_TEST(client_through("behind-proxies", "X-Forwarded-For: 127.0.0.9, 127.0.0.8\r\n") == "127.0.0.9");
    BOOST_TEST(client_through("behind-proxies", "") == "127.0.0.1");
    BOOST_TEST(client_through("behind-proxies", "X-Forwarded-For: 203.0.113.9, nonsense, 127.0.0.5\r\n") == "127.0.0.1");
    BOOST_TEST(client_through("behind-proxies", "X-Forwarded-For: 203.0.113.9, fe80::1%25eth0\r\n") == "127.0.0.1");
    // RFC 7239 Forwarded where configured; there X-Forwarded-For means nothing.
    BOOST_TEST(client_through("behind-forwarded", "Forwarded: for=6.6.6.6, for=\"[2001:db8:cafe::17]:4711\";proto=https\r\n"
                                                  "X-Forwarded-For: 7.7.7.7\r\n") == "2001:db8:cafe::17");
    BOOST_TEST(client_through("behind-forwarded", "Forwarded: For=203.0.113.11;by=127.0.0.1\r\n") == "203.0.113.11");
    BOOST_TEST(client_through("behind-forwarded", "Forwarded: for=unknown\r\n") == "127.0.0.1");
    BOOST_TEST(client_through("behind-forwarded", "Forwarded: for=_hidden, for=203.0.113.12\r\n") == "203.0.113.12");
    // Not trusted: whatever the client claims is replaced by its own address.
    BOOST_TEST(client_through("direct", "X-Forwarded-For: 203.0.113.9\r\nX-Real-IP: 203.0.113.9\r\n"
                                        "Forwarded: for=203.0.113.9\r\n") == "127.0.0.1");
    // A PROXY listener trusting a range: the header names the peer, the chain is its.
    const auto proxied = raw_exchange(stack.port("balanced-and-proxied"), get("X-Forwarded-For: 203.0.113.13\r\n"), 3s,
                                      false, "PROXY TCP4 198.51.100.7 192.0.2.1 1 2\r\n");
    BOOST_TEST(proxied.starts_with("HTTP/1.1 200"));
    BOOST_TEST(stack.seen("x-forwarded-for") == "203.0.113.13");
    const auto untrusted = raw_exchange(stack.port("balanced-and-proxied"), get("X-Forwarded-For: 203.0.113.13\r\n"), 3s,
                                        false, "PROXY TCP4 192.0.2.99 192.0.2.1 1 2\r\n");
    BOOST_TEST(untrusted.starts_with("HTTP/1.1 200"));
    BOOST_TEST(stack.seen("x-forwarded-for") == "192.0.2.99");

    const auto lines = stack.access_lines();
    BOOST_REQUIRE(!lines.empty());
    BOOST_TEST(lines[0].at("client").as_string() == "203.0.113.9");
    BOOST_TEST(lines[0].at("peer").as_string() == "127.0.0.1");  // the proxy it came through
}
