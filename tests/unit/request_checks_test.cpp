#define BOOST_TEST_MODULE request_checks
#include <boost/test/unit_test.hpp>

#include "gateway/core/request_id.hpp"
#include "gateway/server/request_checks.hpp"

#include <boost/beast/http/parser.hpp>

namespace http = boost::beast::http;
using namespace tg;

namespace {

// Parses a request header; returns the check's verdict, or the parser's error.
std::string verdict(const std::string& head) {
    http::request_parser<http::buffer_body> parser;
    boost::system::error_code ec;
    parser.put(boost::asio::buffer(head), ec);
    if (ec && ec != http::error::need_buffer) return "parser: " + ec.message();
    const char* problem = server::check_framing_and_host(parser);
    return problem ? problem : "ok";
}

}  // namespace

BOOST_AUTO_TEST_CASE(plain_requests_pass) {
    BOOST_TEST(verdict("GET / HTTP/1.1\r\nHost: a\r\n\r\n") == "ok");
    BOOST_TEST(verdict("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n") == "ok");
    BOOST_TEST(verdict("GET / HTTP/1.0\r\n\r\n") == "ok");
}

BOOST_AUTO_TEST_CASE(smuggling_shapes_are_refused) {
    BOOST_TEST(verdict("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n") ==
               "unsupported Transfer-Encoding");
    BOOST_TEST(verdict("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n") ==
               "unsupported Transfer-Encoding");
    BOOST_TEST(verdict("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n") ==
               "unsupported Transfer-Encoding");
    BOOST_TEST(verdict("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n") ==
               "Transfer-Encoding in an HTTP/1.0 request");
    BOOST_TEST(verdict("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n") == "several Host fields");
    BOOST_TEST(verdict("GET / HTTP/1.1\r\n\r\n") == "HTTP/1.1 request without Host");
    // These Beast's parser refuses by itself.
    BOOST_TEST(verdict("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n")
                   .starts_with("parser:"));
    BOOST_TEST(verdict("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n")
                   .starts_with("parser:"));
}

BOOST_AUTO_TEST_CASE(host_values_must_be_host_and_port) {
    using server::is_valid_host;
    for (const char* good : {"", "portal.example.com", "PORTAL.example.com:8080", "127.0.0.1", "127.0.0.1:65535",
                             "[::1]", "[::1]:8443", "[2001:db8::7]:80", "local_host", "x~y"}) {
        BOOST_TEST(is_valid_host(good), good);
    }
    for (const char* bad : {"evil.com@127.0.0.1/x y", "\"quoted\"", "<script>", "a b", "host:", "host:65536",
                            "host:123456", "host:8o", ":80", "[::1", "[::1]x", "[::1]:", "[not-ipv6]", "a:1:2",
                            "host/path", "host\\x", "host;x", "ho%73t", "h'x",
                            "[::1%\"><script>x</script>]", "[::1%a b@evil]", "[fe80::1%eth0]"}) {
        BOOST_TEST(!is_valid_host(bad), bad);
    }
}

BOOST_AUTO_TEST_CASE(routing_path_is_decoded) {
    BOOST_TEST(*server::routing_path("/api/trading?x=1") == "/api/trading");
    BOOST_TEST(*server::routing_path("/api/%74rading") == "/api/trading");
    BOOST_TEST(*server::routing_path("/files/a.b/..x/...") == "/files/a.b/..x/...");
    BOOST_TEST(!server::routing_path("http://evil.example/"));
    BOOST_TEST(!server::routing_path("*"));
}

// A path of plain characters takes a shorter way than one to decode or with a query;
// both must give the answers of the full parse (a refusal shows as "<refused>").
BOOST_AUTO_TEST_CASE(plain_paths_and_parsed_paths_agree) {
    const auto path = [](const char* target) { return server::routing_path(target).value_or("<refused>"); };
    BOOST_TEST(path("/") == "/");
    BOOST_TEST(path("/api/v1/accounts/42:close@x;a=b,c!$&'()*+") == "/api/v1/accounts/42:close@x;a=b,c!$&'()*+");
    BOOST_TEST(path("/api/v1/accounts/42?") == "/api/v1/accounts/42");
    BOOST_TEST(path("//double//slash") == "//double//slash");
    BOOST_TEST(path("/%41pi") == "/Api");
    for (const auto* target : {"/a b", "/a\"b", "/a<b>", "/a{b}", "/a|b", "/a^b", "/a`b", "/a#b", "/a\x7f" "b", "/a%zzb",
                               "/caf\xc3\xa9", "/a/.", "/a/..", "/./a", "/a/..?x=1"}) {
        BOOST_TEST(!server::routing_path(target), target);
    }
}

BOOST_AUTO_TEST_CASE(paths_the_upstream_could_read_differently_are_refused) {
    for (const auto* target : {"/public/../admin", "/a/./b", "/..", "/../etc/passwd", "/public/..%2fadmin/x",
                               "/public%2F../admin", "/a%2e%2e/b", "/a%5cb", "/a\\b", "/a%00b"}) {
        BOOST_TEST(!server::routing_path(target), target);
    }
}

BOOST_AUTO_TEST_CASE(request_ids_are_validated_and_generated) {
    BOOST_TEST(is_valid_request_id("abc-123_x.y:z"));
    BOOST_TEST(!is_valid_request_id(""));
    BOOST_TEST(!is_valid_request_id("has space"));
    BOOST_TEST(!is_valid_request_id(std::string(129, 'a')));
    RequestIdGenerator ids;
    const auto a = ids.next(), b = ids.next();
    BOOST_TEST(a.size() == 32u);
    BOOST_TEST(is_valid_request_id(a));
    BOOST_TEST(a != b);
    // A per-worker prefix, then the counter in hex, most significant digit first.
    BOOST_TEST(a.substr(0, 16) == b.substr(0, 16));
    BOOST_TEST(a.substr(16) == "0000000000000000");
    BOOST_TEST(b.substr(16) == "0000000000000001");
    for (int i = 2; i < 0x1a2; ++i) ids.next();
    BOOST_TEST(ids.next().substr(16) == "00000000000001a2");
    RequestIdGenerator another_worker;  // its own random prefix: no id in common
    BOOST_TEST(another_worker.next() != a);
}
