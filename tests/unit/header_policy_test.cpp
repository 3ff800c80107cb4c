// The header rewrite between client and upstream, as written out and as applied in
// place: hop-by-hop headers out, the route's rules, the forwarding headers.
#define BOOST_TEST_MODULE header_policy
#include <boost/test/unit_test.hpp>

#include "gateway/proxy/header_policy.hpp"
#include "gateway/proxy/header_writer.hpp"

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>

namespace http = boost::beast::http;
using namespace tg;

namespace {

const config::HeaderRules no_rules;
const proxy::Secrets no_secrets;

// The written lines, parsed back (a round trip through Beast's parser).
http::fields written(const proxy::HeaderRewrite& rewrite, const http::fields& fields) {
    std::string text = "HTTP/1.1 200 OK\r\n";
    rewrite.write(fields, text);
    text += "\r\n";
    http::response_parser<http::empty_body> parser;
    parser.eager(true);
    boost::system::error_code ec;
    parser.put(boost::asio::buffer(text), ec);
    BOOST_TEST(!ec, ec.message() << " in:\n" << text);
    return parser.release().base();
}

}  // namespace

BOOST_AUTO_TEST_CASE(hop_by_hop_headers_and_those_named_in_connection_are_dropped) {
    http::fields fields;
    fields.set(http::field::connection, "keep-alive, X-Private-Hop, x-other");
    fields.set("X-Private-Hop", "1");
    fields.set("X-Other", "2");
    fields.set(http::field::keep_alive, "timeout=5");
    fields.set(http::field::proxy_connection, "keep-alive");
    fields.set(http::field::te, "trailers");
    fields.set(http::field::upgrade, "websocket");
    fields.set(http::field::transfer_encoding, "chunked");
    fields.set(http::field::content_length, "5");
    fields.set(http::field::proxy_authorization, "Basic abc");
    fields.set(http::field::trailer, "X-Checksum");
    fields.set("X-End-To-End", "kept");
    const proxy::HeaderRewrite rewrite(fields, no_rules, no_secrets);
    const auto out = written(rewrite, fields);
    http::fields in_place = fields;
    proxy::HeaderRewrite(in_place, no_rules, no_secrets).apply_to(in_place);
    for (const http::fields* result : {&out, static_cast<const http::fields*>(&in_place)}) {
        for (const auto* name : {"Connection", "X-Private-Hop", "X-Other", "Keep-Alive", "Proxy-Connection", "TE",
                                 "Upgrade", "Transfer-Encoding", "Content-Length", "Proxy-Authorization"}) {
            BOOST_TEST(result->count(name) == 0u, name << " should be dropped");
        }
        BOOST_TEST((*result)["X-End-To-End"] == "kept");
        BOOST_TEST((*result)["Trailer"] == "X-Checksum");  // end-to-end: announces the trailers
    }
}

BOOST_AUTO_TEST_CASE(a_set_header_replaces_every_client_copy) {
    http::fields fields;
    fields.insert("X-Api-Key", "client-forged-1");
    fields.insert("x-api-key", "client-forged-2");
    config::HeaderRules rules;
    rules.set.push_back({"X-Api-Key", {"", "api_key"}});
    rules.set.push_back({"X-Static", {"literal", ""}});
    const proxy::Secrets secrets{{"api_key", config::SecretValue("the-real-key")}};
    const auto out = written(proxy::HeaderRewrite(fields, rules, secrets), fields);
    BOOST_TEST(out.count("X-Api-Key") == 1u);
    BOOST_TEST(out["X-Api-Key"] == "the-real-key");
    BOOST_TEST(out["X-Static"] == "literal");
}

BOOST_AUTO_TEST_CASE(remove_rules_drop_all_spellings) {
    http::fields fields;
    fields.insert("Cookie", "a=1");
    fields.insert("cookie", "b=2");
    fields.insert("Accept", "*/*");
    config::HeaderRules rules;
    rules.remove = {"COOKIE"};
    proxy::HeaderRewrite(fields, rules, no_secrets).apply_to(fields);
    BOOST_TEST(fields.count("Cookie") == 0u);
    BOOST_TEST(fields["Accept"] == "*/*");
}

BOOST_AUTO_TEST_CASE(forwarding_headers_replace_client_supplied_ones) {
    http::fields fields;
    fields.set("X-Forwarded-For", "6.6.6.6");
    fields.set("x-forwarded-proto", "https");
    fields.set("X-Webhook-Verified", "true");
    fields.set("X-Module-Asserted", "forged");
    proxy::HeaderRewrite rewrite(fields, no_rules, no_secrets);
    const std::vector<std::string> owned{"X-Webhook-Verified", "x-module-asserted"};
    proxy::add_forwarding_headers(rewrite, {"127.0.0.1", false, "portal.example:8080", "req-1", owned});
    const auto out = written(rewrite, fields);
    BOOST_TEST(out.count("X-Forwarded-For") == 1u);
    BOOST_TEST(out["X-Forwarded-For"] == "127.0.0.1");
    BOOST_TEST(out.count("X-Forwarded-Proto") == 1u);
    BOOST_TEST(out["X-Forwarded-Proto"] == "http");
    BOOST_TEST(out["X-Forwarded-Host"] == "portal.example:8080");
    BOOST_TEST(out["X-Request-Id"] == "req-1");
    BOOST_TEST(out.count("X-Webhook-Verified") == 0u);
    BOOST_TEST(out.count("X-Module-Asserted") == 0u);
}

BOOST_AUTO_TEST_CASE(the_request_head_is_http_1_1_with_the_rewritten_fields) {
    http::request_header<> header;
    header.method(http::verb::post);
    header.target("/api/orders?id=1");
    header.version(10);
    header.set(http::field::host, "portal.example");
    header.set(http::field::connection, "keep-alive");
    proxy::HeaderRewrite rewrite(header, no_rules, no_secrets);
    rewrite.replace("Host", "backend:8080");
    std::string head;
    proxy::write_request_head(header, rewrite, head);
    BOOST_TEST(head == "POST /api/orders?id=1 HTTP/1.1\r\nHost: backend:8080\r\n\r\n");
}

BOOST_AUTO_TEST_CASE(a_rule_never_sets_a_header_the_gateway_writes_or_drops) {
    http::fields fields;
    fields.set(http::field::host, "portal.example");
    config::HeaderRules rules;
    rules.set.push_back({"Host", {"rule-host", ""}});
    rules.set.push_back({"x-forwarded-for", {"9.9.9.9", ""}});
    rules.set.push_back({"X-Webhook-Verified", {"true", ""}});
    rules.set.push_back({"X-Tenant", {"acme", ""}});
    proxy::HeaderRewrite rewrite(fields, rules, no_secrets);
    const std::vector<std::string> owned{"X-Webhook-Verified"};
    proxy::add_forwarding_headers(rewrite, {"127.0.0.1", false, "portal.example", "req-1", owned});
    rewrite.replace("Host", "backend:8080");
    const auto out = written(rewrite, fields);
    BOOST_TEST(out.count("Host") == 1u);
    BOOST_TEST(out["Host"] == "backend:8080");
    BOOST_TEST(out.count("X-Forwarded-For") == 1u);
    BOOST_TEST(out["X-Forwarded-For"] == "127.0.0.1");
    BOOST_TEST(out.count("X-Webhook-Verified") == 0u);
    BOOST_TEST(out["X-Tenant"] == "acme");  // other rules still apply
}
