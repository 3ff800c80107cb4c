// The pieces that decide who a client is: the PROXY protocol header parser, trusted
// networks, and the forwarding chain walk.
#define BOOST_TEST_MODULE client_address
#include <boost/test/unit_test.hpp>

#include "gateway/config/networks.hpp"
#include "gateway/server/client_address.hpp"
#include "gateway/server/proxy_protocol.hpp"

using namespace tg;
using Status = server::ProxyParse::Status;
namespace ip = boost::asio::ip;

namespace {

std::string v2(unsigned char version_command, unsigned char family, std::string body) {
    std::string header("\r\n\r\n\0\r\nQUIT\n", 12);
    header += static_cast<char>(version_command);
    header += static_cast<char>(family);
    header += static_cast<char>(body.size() >> 8);
    header += static_cast<char>(body.size() & 0xff);
    return header + body;
}

std::vector<config::IpNetwork> networks(std::initializer_list<const char*> texts) {
    std::vector<config::IpNetwork> out;
    for (const auto* text : texts) {
        std::string problem;
        out.push_back(config::parse_network(text, problem).value());
    }
    return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_v1_line_gives_its_length_and_source) {
    const std::string line = "PROXY TCP4 203.0.113.7 192.0.2.1 51234 443\r\n";
    const auto parse = server::parse_proxy_header(line + "GET / HTTP/1.1\r\n");
    BOOST_REQUIRE(parse.status == Status::complete);
    BOOST_TEST(parse.length == line.size());
    BOOST_TEST(parse.source->to_string() == "203.0.113.7");
    const auto v6 = server::parse_proxy_header("PROXY TCP6 2001:db8::7 ::1 1 2\r\n");
    BOOST_TEST(v6.source->to_string() == "2001:db8::7");
    const auto unknown = server::parse_proxy_header("PROXY UNKNOWN anything at all\r\n");
    BOOST_TEST((unknown.status == Status::complete && !unknown.source));
}

BOOST_AUTO_TEST_CASE(a_partial_header_asks_for_more_and_bad_ones_say_why) {
    BOOST_TEST((server::parse_proxy_header("PROXY TCP4 203.0.113.7").status == Status::incomplete));
    BOOST_TEST(server::parse_proxy_header("PROXY TCP4 203.0.113.7").needed == 0u);
    BOOST_TEST((server::parse_proxy_header("PRO").status == Status::incomplete));
    const auto head = v2(0x21, 0x11, std::string(12, '\1'));
    const auto partial = server::parse_proxy_header(head.substr(0, 14));
    BOOST_TEST((partial.status == Status::incomplete && partial.needed == 16u));
    const auto body_missing = server::parse_proxy_header(head.substr(0, 20));
    BOOST_TEST((body_missing.status == Status::incomplete && body_missing.needed == head.size()));
    for (const auto& [bytes, problem] : std::vector<std::pair<std::string, std::string>>{
             {"GET / HTTP/1.1\r\n", "no PROXY protocol header"},
             {"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n", "bare LF"},
             {"PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n", "not TCP6"},
             {"PROXY TCP4 1.2.3.4 5.6.7.8 1 +2\r\n", "0-65535"},
             {"PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n", "four fields"},
             {"PROXY TCP4 1.2.3.4\t5.6.7.8 1 2\r\n", "control character"},
             {"PROXY " + std::string(110, 'x'), "longer than 107"},
             {v2(0x22, 0x11, std::string(12, '\1')), "LOCAL or PROXY"},
             {v2(0x21, 0x41, std::string(12, '\1')), "family"},
             {v2(0x21, 0x21, std::string(12, '\1')), "IPv6 header too short"},
         }) {
        const auto parse = server::parse_proxy_header(bytes);
        BOOST_TEST((parse.status == Status::invalid), bytes.substr(0, 30));
        BOOST_TEST(parse.problem.find(problem) != std::string::npos, parse.problem);
    }
}

BOOST_AUTO_TEST_CASE(a_v2_header_gives_its_source_and_skips_its_tlvs) {
    std::string v4_body("\xcb\x00\x71\x07\xc0\x00\x02\x01\x30\x39\x01\xbb", 12);
    const auto with_tlv = v2(0x21, 0x11, v4_body + std::string("\x04\x00\x01z", 4));
    const auto parse = server::parse_proxy_header(with_tlv + "next");
    BOOST_REQUIRE(parse.status == Status::complete);
    BOOST_TEST(parse.length == with_tlv.size());
    BOOST_TEST(parse.source->to_string() == "203.0.113.7");
    std::string v6_body(36, '\0');
    v6_body[0] = '\x20', v6_body[1] = '\x01', v6_body[2] = '\x0d', v6_body[3] = '\xb8', v6_body[15] = '\x07';
    BOOST_TEST(server::parse_proxy_header(v2(0x21, 0x21, v6_body)).source->to_string() == "2001:db8::7");
    const auto local = server::parse_proxy_header(v2(0x20, 0x00, ""));
    BOOST_TEST((local.status == Status::complete && !local.source));
    const auto unix_socket = server::parse_proxy_header(v2(0x21, 0x31, std::string(216, '\0')));
    BOOST_TEST((unix_socket.status == Status::complete && !unix_socket.source));
}

BOOST_AUTO_TEST_CASE(networks_parse_strictly_and_match_mapped_addresses) {
    std::string problem;
    BOOST_TEST(!config::parse_network("10.0.0.1/8", problem));
    BOOST_TEST(problem.find("did you mean \"10.0.0.0/8\"") != std::string::npos, problem);
    BOOST_TEST(!config::parse_network("10.0.0.0/33", problem));
    BOOST_TEST(!config::parse_network("10.0.0.0/", problem));
    BOOST_TEST(!config::parse_network("example.com", problem));
    BOOST_TEST(!config::parse_network("fe80::/10x", problem));
    const auto trusted = networks({"10.0.0.0/8", "2001:db8::/32", "192.0.2.5", "0.0.0.0/0"});
    BOOST_TEST(config::contains(trusted[0], ip::make_address("10.255.1.2")));
    BOOST_TEST(!config::contains(trusted[0], ip::make_address("11.0.0.1")));
    BOOST_TEST(config::contains(trusted[0], ip::make_address("::ffff:10.1.2.3")));  // a dual-stack socket's view
    BOOST_TEST(config::contains(trusted[1], ip::make_address("2001:db8:1::1")));
    BOOST_TEST(!config::contains(trusted[1], ip::make_address("2001:db9::1")));
    BOOST_TEST(config::contains(trusted[2], ip::make_address("192.0.2.5")));
    BOOST_TEST(!config::contains(trusted[2], ip::make_address("192.0.2.6")));
    BOOST_TEST(config::contains(trusted[3], ip::make_address("8.8.8.8")));
    BOOST_TEST(!config::contains(trusted[3], ip::make_address("::1")));
}

BOOST_AUTO_TEST_CASE(the_chain_is_walked_from_the_right_past_trusted_hops_only) {
    const auto trusted = networks({"10.0.0.0/8"});
    const auto peer = ip::make_address("10.0.0.1");
    const auto client = [&](const ip::address& from, std::initializer_list<const char*> values,
                            config::ClientIpHeader header = config::ClientIpHeader::x_forwarded_for) {
        boost::beast::http::fields fields;
        for (const auto* value : values)
            fields.insert(header == config::ClientIpHeader::forwarded ? "Forwarded" : "X-Forwarded-For", value);
        return server::client_of(from, fields, trusted, header).to_string();
    };
    BOOST_TEST(client(peer, {"1.1.1.1, 2.2.2.2, 10.0.0.7"}) == "2.2.2.2");
    BOOST_TEST(client(peer, {"1.1.1.1", "2.2.2.2,10.0.0.7 ,"}) == "2.2.2.2");  // fields in order, empty elements skipped
    BOOST_TEST(client(ip::make_address("192.0.2.1"), {"2.2.2.2"}) == "192.0.2.1");  // an untrusted peer's claim
    BOOST_TEST(client(peer, {"garbage, 10.0.0.7"}) == "10.0.0.1");
    BOOST_TEST(client(peer, {"2.2.2.2, garbage"}) == "10.0.0.1");
    BOOST_TEST(client(peer, {"garbage, 2.2.2.2"}) == "2.2.2.2");  // what is left of the client is not read
    BOOST_TEST(client(peer, {"for=\"[2001:db8::1]\";proto=https, for=10.0.0.7"}, config::ClientIpHeader::forwarded) ==
               "2001:db8::1");
    BOOST_TEST(client(peer, {"proto=https;for=\"1.2.3.4:80\""}, config::ClientIpHeader::forwarded) == "1.2.3.4");
    BOOST_TEST(client(peer, {"for=\"[2001:db8::1\""}, config::ClientIpHeader::forwarded) == "10.0.0.1");
    BOOST_TEST(client(peer, {"by=1.2.3.4"}, config::ClientIpHeader::forwarded) == "10.0.0.1");
}
