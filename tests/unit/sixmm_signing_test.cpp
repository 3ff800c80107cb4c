#define BOOST_TEST_MODULE sixmm_signing
#include <boost/test/unit_test.hpp>

#include "proto_handlers/sixmm/signing.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <string>

using namespace tg::sixmm;
namespace json = boost::json;

namespace {

constexpr std::string_view secret = "secret";

// The fields every Agent API vector in the reference shares.
json::object with_common_fields(json::object params) {
    params["agentCode"] = "AGENT001";
    params["nonce"] = "nonce-1";
    params["timestamp"] = 1713024000;
    return params;
}

bool is_lower_hex(std::string_view text) {
    return std::all_of(text.begin(), text.end(),
                       [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

}  // namespace

BOOST_AUTO_TEST_SUITE(agent_api_vectors)

BOOST_AUTO_TEST_CASE(official_vector) {
    const json::object params{
        {"agentCode", "AGENT001"}, {"amount", "10.00"}, {"nonce", "nonce-1"}, {"timestamp", 1713024000}};
    BOOST_TEST(signature_payload(params) == "agentCode=AGENT001&amount=10.00&nonce=nonce-1&timestamp=1713024000");
    BOOST_TEST(sign(params, secret) == "dcb87a1b3133116a34df461f3bc61824b657ea42be4342ddf2335461df40d383");
}

BOOST_AUTO_TEST_CASE(payload_builder_drops_sign_and_empty_currency) {
    const json::object params{{"sign", "ignored"},       {"nonce", "nonce-1"},
                              {"amount", "10.00"},       {"currency", ""},
                              {"timestamp", 1713024000}, {"agentCode", "AGENT001"}};
    BOOST_TEST(signature_payload(params) == "agentCode=AGENT001&amount=10.00&nonce=nonce-1&timestamp=1713024000");
    BOOST_TEST(sign(params, secret) == "dcb87a1b3133116a34df461f3bc61824b657ea42be4342ddf2335461df40d383");
}

BOOST_AUTO_TEST_CASE(derived_create_embed_token) {
    const auto params =
        with_common_fields({{"agentUserId", "u-1"}, {"channelId", "portal-demo-1"}, {"symbol", "ETHUSDT"}});
    BOOST_TEST(signature_payload(params) ==
               "agentCode=AGENT001&agentUserId=u-1&channelId=portal-demo-1&nonce=nonce-1&symbol=ETHUSDT"
               "&timestamp=1713024000");
    BOOST_TEST(sign(params, secret) == "895ecfa039e5c7d4214613918dcdf8c4875004d54ef492057f6d5f62fc455515");
}

BOOST_AUTO_TEST_CASE(derived_create_entry_url_keeps_return_url_raw) {
    const auto params = with_common_fields({{"agentUserId", "u-1"},
                                            {"redirectPath", "/trade/BTCUSDT"},
                                            {"returnUrl", "https://partner.example/return#markets"}});
    BOOST_TEST(signature_payload(params) ==
               "agentCode=AGENT001&agentUserId=u-1&nonce=nonce-1&redirectPath=/trade/BTCUSDT"
               "&returnUrl=https://partner.example/return#markets&timestamp=1713024000");
    BOOST_TEST(sign(params, secret) == "faf7af50b4472bc1a732a6802930c0277738774590a7eb09d572cdd69eb953b8");
}

BOOST_AUTO_TEST_CASE(derived_transfer) {
    const auto params = with_common_fields({{"agentOrderNo", "A-1"},
                                            {"agentUserId", "u-1"},
                                            {"direction", "IN"},
                                            {"currency", "USDT"},
                                            {"amount", "10.00"}});
    BOOST_TEST(signature_payload(params) ==
               "agentCode=AGENT001&agentOrderNo=A-1&agentUserId=u-1&amount=10.00&currency=USDT&direction=IN"
               "&nonce=nonce-1&timestamp=1713024000");
    BOOST_TEST(sign(params, secret) == "a28eff3fbfb366817e0242668676b14a9d374e4772c082046fc91d188c16ac59");
}

BOOST_AUTO_TEST_CASE(derived_array_rule_compact_json) {
    const auto params = with_common_fields({{"limit", 100},
                                            {"orderCategory", "NORMAL"},
                                            {"platformUserIds", json::array{"1188041528"}},
                                            {"symbol", "BTCUSDT"}});
    BOOST_TEST(signature_payload(params) ==
               "agentCode=AGENT001&limit=100&nonce=nonce-1&orderCategory=NORMAL"
               "&platformUserIds=[\"1188041528\"]&symbol=BTCUSDT&timestamp=1713024000");
    BOOST_TEST(sign(params, secret) == "c1a0d42a247da5c15d92274c8318a448b39ccd03668f09f390dd1491c9e22c29");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(payload_rules)

BOOST_AUTO_TEST_CASE(whitespace_only_strings_are_dropped) {
    const json::object params{{"a", " "}, {"b", "\t\r\n"}, {"c", "x"}, {"d", " x "}};
    BOOST_TEST(signature_payload(params) == "c=x&d= x ");
}

BOOST_AUTO_TEST_CASE(null_values_are_dropped) {
    const json::object params{{"a", nullptr}, {"b", "1"}};
    BOOST_TEST(signature_payload(params) == "b=1");
}

BOOST_AUTO_TEST_CASE(keys_sort_by_bytes_upper_case_first) {
    const json::object params{{"b", "4"}, {"a", "3"}, {"_", "2"}, {"B", "1"}, {"Ab", "0"}};
    BOOST_TEST(signature_payload(params) == "Ab=0&B=1&_=2&a=3&b=4");
}

BOOST_AUTO_TEST_CASE(booleans_are_true_false) {
    const json::object params{{"on", true}, {"off", false}};
    BOOST_TEST(signature_payload(params) == "off=false&on=true");
}

BOOST_AUTO_TEST_CASE(numbers_and_objects_are_raw) {
    const json::object params{{"i", -5}, {"u", json::value(18446744073709551615ull)}, {"o", json::object{{"k", "v"}}},
                              {"e", json::array{}}};
    BOOST_TEST(signature_payload(params) == "e=[]&i=-5&o={\"k\":\"v\"}&u=18446744073709551615");
}

BOOST_AUTO_TEST_CASE(all_fields_dropped_gives_empty_payload) {
    const json::object params{{"sign", "x"}, {"a", ""}, {"b", nullptr}};
    BOOST_TEST(signature_payload(params).empty());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(signed_body_and_nonce)

BOOST_AUTO_TEST_CASE(signed_body_adds_fields_and_drops_empty_business_fields) {
    const json::object business{{"agentUserId", "u-1"},
                                {"note", ""},
                                {"channelId", "portal-demo-1"},
                                {"memo", "  "},
                                {"extra", nullptr},
                                {"symbol", "ETHUSDT"}};
    const auto body = signed_body(business, "AGENT001", secret, 1713024000, "nonce-1");

    BOOST_TEST(body.at("agentCode").as_string() == "AGENT001");
    BOOST_TEST(body.at("timestamp").is_int64());
    BOOST_TEST(body.at("timestamp").as_int64() == 1713024000);
    BOOST_TEST(body.at("nonce").as_string() == "nonce-1");
    BOOST_TEST(!body.contains("note"));
    BOOST_TEST(!body.contains("memo"));
    BOOST_TEST(!body.contains("extra"));
    BOOST_TEST(body.at("sign").as_string() == sign(body, secret));
    // Same request as the create-embed-token vector, in the order the reference's example body shows.
    BOOST_TEST(json::serialize(body) ==
               "{\"agentUserId\":\"u-1\",\"channelId\":\"portal-demo-1\",\"symbol\":\"ETHUSDT\","
               "\"agentCode\":\"AGENT001\",\"timestamp\":1713024000,\"nonce\":\"nonce-1\","
               "\"sign\":\"895ecfa039e5c7d4214613918dcdf8c4875004d54ef492057f6d5f62fc455515\"}");
}

BOOST_AUTO_TEST_CASE(signed_body_replaces_a_stale_sign) {
    const auto body = signed_body({{"sign", "stale"}, {"amount", "10.00"}}, "AGENT001", secret, 1713024000, "nonce-1");
    BOOST_TEST(body.at("sign").as_string() == "dcb87a1b3133116a34df461f3bc61824b657ea42be4342ddf2335461df40d383");
}

BOOST_AUTO_TEST_CASE(random_nonce_is_32_lower_hex_and_fresh) {
    const auto first = random_nonce();
    const auto second = random_nonce();
    BOOST_TEST(first.size() == 32u);
    BOOST_TEST(is_lower_hex(first));
    BOOST_TEST(second.size() == 32u);
    BOOST_TEST(is_lower_hex(second));
    BOOST_TEST(first != second);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(hmac_and_webhooks)

BOOST_AUTO_TEST_CASE(hmac_with_empty_key_and_message) {
    BOOST_TEST(hmac_sha256_hex("", "") == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

BOOST_AUTO_TEST_CASE(webhook_vector) {
    BOOST_TEST(webhook_signature(secret, "1713024000", "nonce-1",
                                 R"({"orderType":"transfer","orderId":123,"targetStatus":"SUCCESS"})") ==
               "ae9dc8a246ab3942f98934950dcfaac5e4d49d7f200193313162208923d85736");
}

BOOST_AUTO_TEST_CASE(constant_time_equal_cases) {
    BOOST_TEST(constant_time_equal("abc123", "abc123"));
    BOOST_TEST(constant_time_equal("", ""));
    BOOST_TEST(!constant_time_equal("abc123", "abc124"));
    BOOST_TEST(!constant_time_equal("xbc123", "abc123"));
    BOOST_TEST(!constant_time_equal("abc", "abc123"));
    BOOST_TEST(!constant_time_equal("abc123", ""));
}

BOOST_AUTO_TEST_SUITE_END()
