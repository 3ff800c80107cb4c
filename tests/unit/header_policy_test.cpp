#define BOOST_TEST_MODULE header_policy
#include <boost/test/unit_test.hpp>

#include "gateway/proxy/header_policy.hpp"

namespace http = boost::beast::http;
using namespace tg;

BOOST_AUTO_TEST_CASE(hop_by_hop_headers_and_those_named_in_connection_are_removed) {
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
    proxy::strip_hop_by_hop(fields);
    for (const auto* name : {"Connection", "X-Private-Hop", "X-Other", "Keep-Alive", "Proxy-Connection", "TE",
                             "Upgrade", "Transfer-Encoding", "Content-Length", "Proxy-Authorization"}) {
        BOOST_TEST(fields.count(name) == 0u, name << " should be removed");
    }
    BOOST_TEST(fields["X-End-To-End"] == "kept");
    BOOST_TEST(fields["Trailer"] == "X-Checksum");  // end-to-end: announces the trailers
}

BOOST_AUTO_TEST_CASE(a_set_header_replaces_every_client_copy) {
    http::fields fields;
    fields.insert("X-Api-Key", "client-forged-1");
    fields.insert("x-api-key", "client-forged-2");
    config::HeaderRules rules;
    rules.set.push_back({"X-Api-Key", {"", "api_key"}});
    rules.set.push_back({"X-Static", {"literal", ""}});
    std::map<std::string, config::SecretValue> secrets{{"api_key", config::SecretValue("the-real-key")}};
    proxy::apply_header_rules(fields, rules, secrets);
    BOOST_TEST(fields.count("X-Api-Key") == 1u);
    BOOST_TEST(fields["X-Api-Key"] == "the-real-key");
    BOOST_TEST(fields["X-Static"] == "literal");
}

BOOST_AUTO_TEST_CASE(remove_rules_delete_all_spellings) {
    http::fields fields;
    fields.insert("Cookie", "a=1");
    fields.insert("cookie", "b=2");
    fields.insert("Accept", "*/*");
    config::HeaderRules rules;
    rules.remove = {"COOKIE"};
    proxy::apply_header_rules(fields, rules, {});
    BOOST_TEST(fields.count("Cookie") == 0u);
    BOOST_TEST(fields["Accept"] == "*/*");
}

BOOST_AUTO_TEST_CASE(forwarding_headers_replace_client_supplied_ones) {
    http::fields fields;
    fields.set("X-Forwarded-For", "6.6.6.6");
    fields.set("X-Forwarded-Proto", "https");
    proxy::set_forwarding_headers(fields, {"127.0.0.1", false, "portal.example:8080", "req-1"});
    BOOST_TEST(fields["X-Forwarded-For"] == "127.0.0.1");
    BOOST_TEST(fields["X-Forwarded-Proto"] == "http");
    BOOST_TEST(fields["X-Forwarded-Host"] == "portal.example:8080");
    BOOST_TEST(fields["X-Request-Id"] == "req-1");
}
