#include "tests/support/portal.hpp"

#include "tests/support/client.hpp"

#include <boost/test/unit_test.hpp>

#include <regex>

namespace tg::test {

std::string portal_login(std::uint16_t port, const std::string& user) {
    auto request = make_request(http::verb::post, "/login", "username=" + user + "&password=" + user);
    request.set(http::field::content_type, "application/x-www-form-urlencoded");
    const auto response = fetch(port, request);
    std::smatch match;
    const std::string set_cookie(response[http::field::set_cookie]);
    BOOST_REQUIRE_MESSAGE(std::regex_search(set_cookie, match, std::regex("portal_session=([0-9a-f]+)")),
                          "no portal_session cookie for " << user);
    return "portal_session=" + match[1].str();
}

}  // namespace tg::test
