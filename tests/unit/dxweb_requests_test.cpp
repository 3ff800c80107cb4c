#define BOOST_TEST_MODULE dxweb_requests
#include <boost/test/unit_test.hpp>

#include "proto_handlers/dxtrade/dxweb_requests.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <boost/url/encoding_opts.hpp>
#include <boost/url/params_view.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/parse_query.hpp>

#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

using namespace tg::dxtrade;
namespace http = boost::beast::http;
namespace json = boost::json;

namespace {

// Every reserved or awkward character the encoders must escape.
const std::string awkward = "a&b=c+d e%f \xC3\xA9";  // a&b=c+d e%f é

const Params awkward_params{{"login", awkward}, {"k&=+ %", "v"}, {"domain", "default"}};

std::string header(const Request& request, http::field name) { return std::string(request[name]); }

std::vector<std::pair<std::string, std::string>> decode_query(std::string_view query, bool space_as_plus) {
    BOOST_REQUIRE(boost::urls::parse_query(query));
    boost::urls::encoding_opts options;
    options.space_as_plus = space_as_plus;
    std::vector<std::pair<std::string, std::string>> decoded;
    for (const auto& param : boost::urls::params_view(query, options)) decoded.emplace_back(param.key, param.value);
    return decoded;
}

bool same_params(const std::vector<std::pair<std::string, std::string>>& a, const Params& b) { return a == b; }

}  // namespace

BOOST_AUTO_TEST_SUITE(authorization)

BOOST_AUTO_TEST_CASE(spec_basic_vector) {
    BOOST_TEST(basic_authorization("testUser", "default", "testpass") ==
               "Basic dGVzdFVzZXJAZGVmYXVsdDp0ZXN0cGFzcw==");
}

BOOST_AUTO_TEST_CASE(basic_rejects_colon_in_user_id) {
    BOOST_CHECK_THROW(basic_authorization("test:User", "default", "p"), std::invalid_argument);
    BOOST_CHECK_THROW(basic_authorization("testUser", "de:fault", "p"), std::invalid_argument);
    BOOST_TEST(basic_authorization("u", "d", "pa:ss") == "Basic " + base64("u@d:pa:ss"));
}

BOOST_AUTO_TEST_CASE(dxapi_header) {
    BOOST_TEST(dxapi_authorization("aaabbbccc") == "DXAPI aaabbbccc");
    BOOST_CHECK_THROW(dxapi_authorization(""), std::invalid_argument);
    BOOST_CHECK_THROW(dxapi_authorization("aaa bbb"), std::invalid_argument);
    BOOST_CHECK_THROW(dxapi_authorization("aaa\r\nX-Injected: 1"), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(base64_rfc4648_vectors) {
    BOOST_TEST(base64("") == "");
    BOOST_TEST(base64("f") == "Zg==");
    BOOST_TEST(base64("fo") == "Zm8=");
    BOOST_TEST(base64("foo") == "Zm9v");
    BOOST_TEST(base64("foob") == "Zm9vYg==");
    BOOST_TEST(base64("fooba") == "Zm9vYmE=");
    BOOST_TEST(base64("foobar") == "Zm9vYmFy");
    BOOST_TEST(base64(std::string("\0\xff", 2)) == "AP8=");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(encodings)

BOOST_AUTO_TEST_CASE(default_endpoints) {
    const Endpoints endpoints;
    BOOST_TEST(endpoints.generate_token.path == "/generateToken");
    BOOST_TEST(endpoints.ping.path == "/ping");
    BOOST_TEST(endpoints.logout_by_token.path == "/logoutByToken");
    BOOST_TEST(endpoints.logout_by_login.path == "/logoutByLogin");
    BOOST_TEST((endpoints.generate_token.method == http::verb::post));
    BOOST_TEST((endpoints.generate_token.encoding == Encoding::form));
}

BOOST_AUTO_TEST_CASE(form) {
    const auto request = build_request({"/generateToken", http::verb::post, Encoding::form}, awkward_params, "/dxweb/rest");
    BOOST_TEST((request.method() == http::verb::post));
    BOOST_TEST(request.version() == 11u);
    BOOST_TEST(std::string(request.target()) == "/dxweb/rest/generateToken");
    BOOST_TEST(header(request, http::field::content_type) == "application/x-www-form-urlencoded");
    BOOST_TEST(header(request, http::field::accept) == "text/plain, application/json");
    BOOST_TEST(request.body() == "login=a%26b%3Dc%2Bd+e%25f+%C3%A9&k%26%3D%2B+%25=v&domain=default");
    BOOST_TEST(header(request, http::field::content_length) == std::to_string(request.body().size()));
    BOOST_TEST(same_params(decode_query(request.body(), true), awkward_params));
}

BOOST_AUTO_TEST_CASE(form_without_params) {
    const auto request = build_request({"/ping"}, {}, "");
    BOOST_TEST(std::string(request.target()) == "/ping");
    BOOST_TEST(request.body() == "");
    BOOST_TEST(header(request, http::field::content_length) == "0");
}

BOOST_AUTO_TEST_CASE(json_body) {
    const auto request = build_request({"/generateToken", http::verb::post, Encoding::json}, awkward_params, "/dxweb/rest");
    BOOST_TEST((request.method() == http::verb::post));
    BOOST_TEST(std::string(request.target()) == "/dxweb/rest/generateToken");
    BOOST_TEST(header(request, http::field::content_type) == "application/json");
    BOOST_TEST(header(request, http::field::accept) == "text/plain, application/json");
    // Keys keep their order; values are JSON strings, é as raw UTF-8.
    BOOST_TEST(request.body() == "{\"login\":\"a&b=c+d e%f \xC3\xA9\",\"k&=+ %\":\"v\",\"domain\":\"default\"}");
    const auto parsed = json::parse(request.body());
    BOOST_TEST(parsed.at("login").as_string() == awkward);
    BOOST_TEST(header(request, http::field::content_length) == std::to_string(request.body().size()));
}

BOOST_AUTO_TEST_CASE(json_rejects_duplicate_keys) {
    BOOST_CHECK_THROW(build_request({"/x", http::verb::post, Encoding::json}, {{"a", "1"}, {"a", "2"}}, ""),
                      std::invalid_argument);
    // Form and query keep both.
    BOOST_TEST(build_request({"/x"}, {{"a", "1"}, {"a", "2"}}, "").body() == "a=1&a=2");
}

BOOST_AUTO_TEST_CASE(query_get) {
    const auto request = build_request({"/generateToken", http::verb::get, Encoding::query}, awkward_params, "/dxweb/rest");
    BOOST_TEST((request.method() == http::verb::get));
    const std::string target(request.target());
    BOOST_TEST(target == "/dxweb/rest/generateToken?login=a%26b%3Dc%2Bd%20e%25f%20%C3%A9&k%26%3D%2B%20%25=v&domain=default");
    BOOST_TEST(header(request, http::field::accept) == "text/plain, application/json");
    BOOST_TEST(header(request, http::field::content_type) == "");
    BOOST_TEST(request.body() == "");
    BOOST_TEST(request.count(http::field::content_length) == 0u);

    const auto parsed = boost::urls::parse_origin_form(target);
    BOOST_REQUIRE(parsed);
    BOOST_TEST(parsed->path() == "/dxweb/rest/generateToken");
    BOOST_TEST(same_params(decode_query(parsed->encoded_query(), true), awkward_params));
    BOOST_TEST(same_params(decode_query(parsed->encoded_query(), false), awkward_params));
}

BOOST_AUTO_TEST_CASE(query_post_appends_to_configured_query) {
    const auto request =
        build_request({"/ping?v=1", http::verb::post, Encoding::query}, {{"token", "t+/="}}, "/dxweb/rest/");
    BOOST_TEST((request.method() == http::verb::post));
    BOOST_TEST(std::string(request.target()) == "/dxweb/rest/ping?v=1&token=t%2B%2F%3D");
    BOOST_TEST(request.body() == "");
    BOOST_TEST(header(request, http::field::content_length) == "0");
}

BOOST_AUTO_TEST_CASE(query_without_params) {
    const auto request = build_request({"/ping", http::verb::get, Encoding::query}, {}, "/dxweb/rest");
    BOOST_TEST(std::string(request.target()) == "/dxweb/rest/ping");
}

BOOST_AUTO_TEST_CASE(base_path_joining) {
    const std::pair<std::string, std::string> cases[] = {
        {"/dxweb/rest", "/generateToken"}, {"/dxweb/rest/", "/generateToken"}, {"/dxweb/rest", "generateToken"},
        {"/dxweb/rest/", "generateToken"}, {"dxweb/rest", "/generateToken"},   {"/dxweb/rest//", "/generateToken"},
    };
    for (const auto& [base, path] : cases) {
        BOOST_TEST_CONTEXT("base " << base << ", path " << path) {
            BOOST_TEST(std::string(build_request({path}, {}, base).target()) == "/dxweb/rest/generateToken");
        }
    }
    BOOST_TEST(std::string(build_request({"/generateToken"}, {}, "").target()) == "/generateToken");
    BOOST_TEST(std::string(build_request({"/generateToken"}, {}, "/").target()) == "/generateToken");
    BOOST_TEST(std::string(build_request({"generateToken"}, {}, "").target()) == "/generateToken");
    BOOST_TEST(std::string(build_request({""}, {}, "/dxweb/rest").target()) == "/dxweb/rest/");
}

BOOST_AUTO_TEST_CASE(bad_target_is_rejected) {
    BOOST_CHECK_THROW(build_request({"/generate Token"}, {}, "/dxweb/rest"), std::invalid_argument);
    BOOST_CHECK_THROW(build_request({"/generateToken#x"}, {}, "/dxweb/rest"), std::invalid_argument);
    BOOST_CHECK_THROW(build_request({"/generateToken"}, {}, "/dx web"), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(login)

BOOST_AUTO_TEST_CASE(login_request) {
    const auto request = build_login_request("/dxweb/rest/", "testUser", "default", "p\"a&s s");
    BOOST_TEST((request.method() == http::verb::post));
    BOOST_TEST(std::string(request.target()) == "/dxweb/rest/login");
    BOOST_TEST(header(request, http::field::content_type) == "application/json");
    BOOST_TEST(header(request, http::field::accept) == "text/plain, application/json");
    BOOST_TEST(request.body() == R"({"username":"testUser","domain":"default","password":"p\"a&s s"})");
    const auto parsed = json::parse(request.body()).as_object();
    BOOST_TEST(parsed.size() == 3u);
    BOOST_TEST(parsed.at("password").as_string() == "p\"a&s s");
}

BOOST_AUTO_TEST_CASE(valid_answer) {
    const auto answer = read_login_answer(R"({"sessionToken":"aaabbbccc","timeout":3600000})");
    BOOST_REQUIRE(answer);
    BOOST_TEST(answer->session_token == "aaabbbccc");
    BOOST_TEST(answer->timeout_ms == 3600000);
}

BOOST_AUTO_TEST_CASE(timeout_forms) {
    const auto as_string = read_login_answer(R"({"timeout":"1800000","sessionToken":"t","extra":1})");
    BOOST_REQUIRE(as_string);
    BOOST_TEST(as_string->timeout_ms == 1800000);
    const auto as_exponent = read_login_answer(R"({"sessionToken":"t","timeout":3.6e6})");
    BOOST_REQUIRE(as_exponent);
    BOOST_TEST(as_exponent->timeout_ms == 3600000);
    const auto zero = read_login_answer(R"({"sessionToken":"t","timeout":0})");
    BOOST_REQUIRE(zero);
    BOOST_TEST(zero->timeout_ms == 0);

    BOOST_TEST(!read_login_answer(R"({"sessionToken":"t","timeout":-1})"));
    BOOST_TEST(!read_login_answer(R"({"sessionToken":"t","timeout":1.5})"));
    BOOST_TEST(!read_login_answer(R"({"sessionToken":"t","timeout":"PT1H"})"));
    BOOST_TEST(!read_login_answer(R"({"sessionToken":"t","timeout":"-5"})"));
    BOOST_TEST(!read_login_answer(R"({"sessionToken":"t","timeout":""})"));
    BOOST_TEST(!read_login_answer(R"({"sessionToken":"t","timeout":"99999999999999999999"})"));
    BOOST_TEST(!read_login_answer(R"({"sessionToken":"t","timeout":18446744073709551615})"));
    BOOST_TEST(!read_login_answer(R"({"sessionToken":"t","timeout":null})"));
}

BOOST_AUTO_TEST_CASE(missing_or_bad_fields) {
    BOOST_TEST(!read_login_answer(R"({"timeout":3600000})"));
    BOOST_TEST(!read_login_answer(R"({"sessionToken":"t"})"));
    BOOST_TEST(!read_login_answer(R"({"sessionToken":"","timeout":1})"));
    BOOST_TEST(!read_login_answer(R"({"sessionToken":"a b","timeout":1})"));
    BOOST_TEST(!read_login_answer(R"({"sessionToken":42,"timeout":1})"));
    BOOST_TEST(!read_login_answer(R"(["sessionToken","t"])"));
    BOOST_TEST(!read_login_answer("not json"));
    BOOST_TEST(!read_login_answer(""));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(token_answer)

BOOST_AUTO_TEST_CASE(raw_text) {
    const auto token = read_token_answer("c3NvLXRva2Vu\n", "text/plain", "");
    BOOST_REQUIRE(token);
    BOOST_TEST(*token == "c3NvLXRva2Vu");
    const auto crlf = read_token_answer("  abc.def-ghi==\r\n", "text/plain;charset=UTF-8", "");
    BOOST_REQUIRE(crlf);
    BOOST_TEST(*crlf == "abc.def-ghi==");
    const auto no_type = read_token_answer("abc", "", "");
    BOOST_REQUIRE(no_type);
    BOOST_TEST(*no_type == "abc");
}

BOOST_AUTO_TEST_CASE(raw_json_string_literal) {
    const auto token = read_token_answer("\"abc\"\n", "application/json; charset=utf-8", "");
    BOOST_REQUIRE(token);
    BOOST_TEST(*token == "abc");
}

BOOST_AUTO_TEST_CASE(raw_rejects_json_documents_and_pages) {
    BOOST_TEST(!read_token_answer(R"({"token":"abc"})", "application/json", ""));
    BOOST_TEST(!read_token_answer(R"({"token":"abc"})", "text/plain", ""));
    BOOST_TEST(!read_token_answer("<html>\n<body>error</body>\n</html>\n", "text/html", ""));
    BOOST_TEST(!read_token_answer("two words", "text/plain", ""));
}

BOOST_AUTO_TEST_CASE(json_field) {
    const auto token = read_token_answer("{\"token\":\"abc==\",\"expirationTime\":1}\n", "application/json", "token");
    BOOST_REQUIRE(token);
    BOOST_TEST(*token == "abc==");
    // Mislabelled as text but still a JSON object.
    const auto mislabelled = read_token_answer(R"({"ssoToken":" xyz "})", "text/plain", "ssoToken");
    BOOST_REQUIRE(mislabelled);
    BOOST_TEST(*mislabelled == "xyz");
    // Field configured, server answers raw text.
    const auto raw = read_token_answer("abc\n", "text/plain", "token");
    BOOST_REQUIRE(raw);
    BOOST_TEST(*raw == "abc");
    const auto vendor_type = read_token_answer(R"({"token":"v"})", "application/vnd.dx+json", "token");
    BOOST_REQUIRE(vendor_type);
    BOOST_TEST(*vendor_type == "v");
}

BOOST_AUTO_TEST_CASE(json_field_missing_or_bad) {
    BOOST_TEST(!read_token_answer(R"({"expirationTime":1,"userName":"u"})", "application/json", "token"));
    BOOST_TEST(!read_token_answer(R"({"token":null})", "application/json", "token"));
    BOOST_TEST(!read_token_answer(R"({"token":123})", "application/json", "token"));
    BOOST_TEST(!read_token_answer(R"({"token":""})", "application/json", "token"));
    BOOST_TEST(!read_token_answer(R"({"token":"a\nb"})", "application/json", "token"));
    BOOST_TEST(!read_token_answer("abc", "application/json", "token"));
    BOOST_TEST(!read_token_answer(R"(["abc"])", "application/json", "token"));
}

BOOST_AUTO_TEST_CASE(empty) {
    BOOST_TEST(!read_token_answer("", "text/plain", ""));
    BOOST_TEST(!read_token_answer(" \r\n\t", "text/plain", ""));
    BOOST_TEST(!read_token_answer("", "application/json", "token"));
    BOOST_TEST(!read_token_answer("\n", "text/plain", "token"));
    BOOST_TEST(!read_token_answer("\"\"", "application/json", ""));
}

BOOST_AUTO_TEST_SUITE_END()
