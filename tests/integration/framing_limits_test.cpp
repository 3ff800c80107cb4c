// Every buffered part of a message is bounded: a chunk-size line with its extensions, and
// the trailer block (held to the header limit). Before these limits, one client sending
// "3;" and then endless bytes made the gateway buffer all of it (hundreds of megabytes
// per connection), on proxied and handler routes, plain and TLS alike.
#define BOOST_TEST_MODULE framing_limits
#include <boost/test/unit_test.hpp>

#include "gateway/proxy/bounded_read.hpp"
#include "tests/support/certificate.hpp"
#include "tests/support/client.hpp"
#include "tests/support/gateway_fixture.hpp"
#include "tests/support/test_upstream.hpp"

#include "gateway/core/error_response.hpp"

#include <boost/asio/awaitable.hpp>

#include <fstream>

using namespace tg;
using namespace tg::test;
using namespace std::chrono_literals;

namespace {

// Far more than any limit, far less than the machine: a gateway that buffers all of it
// never answers before the client stops sending.
constexpr std::uint64_t flood_bytes = 64ull * 1024 * 1024;
const std::string filler(64 * 1024, 'a');
const std::string chunked_post = "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";

// The gateway's memory, from the kernel: the flood must not show up in it.
std::uint64_t resident_bytes() {
    std::ifstream statm("/proc/self/statm");
    std::uint64_t size = 0, resident = 0;
    statm >> size >> resident;
    return resident * 4096;
}

class EchoHandler final : public handlers::Handler {
public:
    boost::asio::awaitable<handlers::Response> handle(const handlers::Request& request) override {
        co_return make_json_response(http::status::ok,
                                     "{\"bytes\":" + std::to_string(request.message.body().size()) + "}");
    }
};

handlers::Registry echo_registry() {
    handlers::Registry registry;
    registry.add("test.echo", [](const handlers::HandlerSetup&) { return std::make_unique<EchoHandler>(); });
    return registry;
}

std::string config_with(const std::string& upstream_url, const std::string& listener_extra = "") {
    return R"({
      "workers": 1,
      "listeners": [{"name": "public", "address": "127.0.0.1", "port": 0 )" + listener_extra + R"(}],
      "limits": {"header_bytes": 4096},
      "upstreams": {"app": {"servers": [")" + upstream_url + R"("], "response_timeout_ms": 3000}},
      "routes": [
        {"match": {"path": "/handler", "methods": ["POST"]}, "handler": "test.echo"},
        {"match": {"prefix": "/"}, "upstream": "app"}
      ]
    })";
}

void expect_refused(const FloodResult& flood, const std::string& status, std::uint64_t rss_before) {
    BOOST_TEST(flood.received.starts_with("HTTP/1.1 " + status), flood.received.substr(0, 200));
    BOOST_TEST(flood.sent < flood_bytes, "the gateway answered only after " << flood.sent << " bytes");
    BOOST_TEST(flood.received.find("Connection: close") != std::string::npos);
    // Generous: the socket buffers and the allocator's slack, not the flood.
    const auto grown = resident_bytes() > rss_before ? resident_bytes() - rss_before : 0;
    BOOST_TEST(grown < 16u * 1024 * 1024, "the gateway grew by " << grown << " bytes");
}

struct Fixture {
    TestUpstream upstream;
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(request_bodies, Fixture)

BOOST_AUTO_TEST_CASE(an_endless_chunk_extension_gets_400_on_a_proxied_route) {
    InProcessGateway gateway(config_with(upstream.url()), echo_registry());
    const auto before = resident_bytes();
    const auto flood = flood_until_answered(gateway.port(), chunked_post + "3;", filler, flood_bytes, 20s);
    expect_refused(flood, "400", before);
    BOOST_TEST(flood.received.find("chunk-size line") != std::string::npos);
    BOOST_TEST(upstream.requests_served() == 0);  // the upstream never saw a whole request
}

BOOST_AUTO_TEST_CASE(endless_leading_zeros_in_a_chunk_size_get_400) {
    InProcessGateway gateway(config_with(upstream.url()), echo_registry());
    const auto before = resident_bytes();
    const auto flood = flood_until_answered(gateway.port(), chunked_post, std::string(64 * 1024, '0'), flood_bytes, 20s);
    expect_refused(flood, "400", before);
}

BOOST_AUTO_TEST_CASE(an_endless_trailer_gets_431) {
    InProcessGateway gateway(config_with(upstream.url()), echo_registry());
    const auto before = resident_bytes();
    const auto flood =
        flood_until_answered(gateway.port(), chunked_post + "1\r\nz\r\n0\r\nX-Trailer: ", filler, flood_bytes, 20s);
    expect_refused(flood, "431", before);
    BOOST_TEST(flood.received.find("trailers") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(trailers_within_the_header_limit_pass_and_beyond_it_get_431) {
    InProcessGateway gateway(config_with(upstream.url()), echo_registry());
    const std::string closing_post =
        "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
    const auto within =
        raw_exchange(gateway.port(), closing_post + "1\r\nz\r\n0\r\nX-T: " + std::string(3000, 't') + "\r\n\r\n");
    BOOST_TEST(within.starts_with("HTTP/1.1 200"), within.substr(0, 200));
    const auto beyond =
        raw_exchange(gateway.port(), closing_post + "1\r\nz\r\n0\r\nX-T: " + std::string(5000, 't') + "\r\n\r\n");
    BOOST_TEST(beyond.starts_with("HTTP/1.1 431"), beyond.substr(0, 200));
}

BOOST_AUTO_TEST_CASE(a_short_chunk_extension_is_accepted) {
    InProcessGateway gateway(config_with(upstream.url()), echo_registry());
    const auto raw = raw_exchange(gateway.port(), "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                                                  "Connection: close\r\n\r\n3;name=value\r\nabc\r\n000\r\n\r\n");
    BOOST_TEST(raw.starts_with("HTTP/1.1 200"), raw.substr(0, 200));
    BOOST_TEST(upstream.last_request().at("bodyBytes").to_number<std::int64_t>() == 3);
}

BOOST_AUTO_TEST_CASE(an_endless_chunk_extension_gets_400_on_a_handler_route) {
    InProcessGateway gateway(config_with(upstream.url()), echo_registry());
    const auto before = resident_bytes();
    const std::string head = "POST /handler HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3;";
    expect_refused(flood_until_answered(gateway.port(), head, filler, flood_bytes, 20s), "400", before);
    const std::string trailer = "POST /handler HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: ";
    expect_refused(flood_until_answered(gateway.port(), trailer, filler, flood_bytes, 20s), "431", before);
}

BOOST_AUTO_TEST_CASE(an_endless_chunk_extension_gets_400_over_tls) {
    TempDir dir;
    make_certificate(dir, "localhost", "DNS:localhost,IP:127.0.0.1");
    const std::string tls = R"(, "tls": {"cert_file": ")" + (dir.path() / "localhost.pem").string() +
                            R"(", "key_file": ")" + (dir.path() / "localhost.key").string() + R"("})";
    InProcessGateway gateway(config_with(upstream.url(), tls), echo_registry());
    const auto before = resident_bytes();
    expect_refused(flood_until_answered(gateway.port(), chunked_post + "3;", filler, flood_bytes, 20s, true), "400",
                   before);
    expect_refused(flood_until_answered(gateway.port(), chunked_post + "0\r\nX-T: ", filler, flood_bytes, 20s, true),
                   "431", before);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(upstream_responses, Fixture)

BOOST_AUTO_TEST_CASE(an_upstream_with_an_endless_chunk_extension_gets_502) {
    InProcessGateway gateway(config_with(upstream.url()), echo_registry());
    const auto before = resident_bytes();
    const auto raw = raw_exchange(gateway.port(), "GET /endless-chunk-extension HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 10s);
    BOOST_TEST(raw.starts_with("HTTP/1.1 502"), raw.substr(0, 200));
    const auto grown = resident_bytes() > before ? resident_bytes() - before : 0;
    BOOST_TEST(grown < 16u * 1024 * 1024, "the gateway grew by " << grown << " bytes");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(trailer_detection)

BOOST_AUTO_TEST_CASE(a_last_chunk_line_that_ended_starts_the_trailers) {
    using proxy::in_trailer_section;
    BOOST_TEST(in_trailer_section("0\r\nX-A: b"));
    BOOST_TEST(in_trailer_section("\r\n000;ext\r\nX-A"));
    BOOST_TEST(!in_trailer_section("0000000"));       // leading zeros: still the size line
    BOOST_TEST(!in_trailer_section("0;aaaaaaa"));     // the last chunk's line has not ended
    BOOST_TEST(!in_trailer_section("3;aaaa\r\n"));    // a chunk of data, not the last
    BOOST_TEST(!in_trailer_section("00a\r\n"));
    BOOST_TEST(!in_trailer_section(""));
}

BOOST_AUTO_TEST_SUITE_END()
