// The synchronous step of the body relay: a body that came whole with its header is
// taken out of the read buffer at once, and anything else is left for relay_body.
#define BOOST_TEST_MODULE relay
#include <boost/test/unit_test.hpp>

#include "gateway/proxy/relay.hpp"

#include <boost/beast/core/buffers_to_string.hpp>

#include <string>

using namespace tg;

namespace {

// A response parser that has read the header of `text` from `buffer`, which keeps the rest.
struct HeaderRead {
    explicit HeaderRead(const std::string& text) {
        const auto n = boost::asio::buffer_copy(buffer.prepare(text.size()), boost::asio::buffer(text));
        buffer.commit(n);
        error_code ec;
        proxy::parse_buffered(parser, buffer, ec);
        BOOST_REQUIRE(!ec);
        BOOST_REQUIRE(parser.is_header_done());
    }
    std::string rest() const { return beast::buffers_to_string(buffer.data()); }

    http::response_parser<http::buffer_body> parser;
    beast::flat_buffer buffer;
    std::array<char, 64> scratch{};
};

}  // namespace

BOOST_AUTO_TEST_CASE(a_body_that_came_with_its_header_is_taken_at_once) {
    HeaderRead read("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloHTTP/1.1 204 No");
    const auto body = proxy::whole_body_in_buffer(read.parser, read.buffer, read.scratch);
    BOOST_TEST(std::string(body.data(), body.size()) == "hello");
    BOOST_TEST(read.parser.is_done());
    BOOST_TEST(read.rest() == "HTTP/1.1 204 No");  // what follows stays for the next response
}

BOOST_AUTO_TEST_CASE(a_body_still_arriving_is_left_to_the_relay) {
    HeaderRead read("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello");
    const auto body = proxy::whole_body_in_buffer(read.parser, read.buffer, read.scratch);
    BOOST_TEST(body.empty());
    BOOST_TEST(!read.parser.is_done());
    BOOST_TEST(read.rest() == "hello");  // nothing parsed: relay_body starts from the same bytes
}

BOOST_AUTO_TEST_CASE(a_chunked_body_is_left_to_the_relay) {
    HeaderRead read("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
    BOOST_TEST(proxy::whole_body_in_buffer(read.parser, read.buffer, read.scratch).empty());
    BOOST_TEST(!read.parser.is_done());
    BOOST_TEST(read.rest() == "5\r\nhello\r\n0\r\n\r\n");
}

BOOST_AUTO_TEST_CASE(a_body_larger_than_the_scratch_buffer_is_left_to_the_relay) {
    const std::string body(65, 'x');  // the scratch buffer holds 64
    HeaderRead read("HTTP/1.1 200 OK\r\nContent-Length: 65\r\n\r\n" + body);
    BOOST_TEST(proxy::whole_body_in_buffer(read.parser, read.buffer, read.scratch).empty());
    BOOST_TEST(read.rest() == body);
}

BOOST_AUTO_TEST_CASE(a_response_without_a_body_gives_an_empty_one) {
    HeaderRead read("HTTP/1.1 204 No Content\r\n\r\n");
    BOOST_TEST(read.parser.is_done());
    BOOST_TEST(proxy::whole_body_in_buffer(read.parser, read.buffer, read.scratch).empty());
}
