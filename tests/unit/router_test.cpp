#define BOOST_TEST_MODULE router
#include <boost/test/unit_test.hpp>

#include "gateway/routing/router.hpp"

using tg::config::Route;
using tg::routing::RouteMatch;
using tg::routing::Router;

namespace {

Route exact(std::string path, std::vector<std::string> methods = {}, std::string host = {}) {
    Route route;
    route.match.path = std::move(path);
    route.match.methods = std::move(methods);
    route.match.host = std::move(host);
    return route;
}

Route prefix(std::string path, std::vector<std::string> methods = {}, std::string host = {}) {
    auto route = exact(std::move(path), std::move(methods), std::move(host));
    route.match.prefix = true;
    return route;
}

std::size_t chosen(const Router& router, std::string_view path, std::string_view method = "GET",
                   std::string_view host = "portal.example") {
    const auto match = router.match(host, path, method);
    BOOST_REQUIRE(match.kind == RouteMatch::Kind::found);
    return match.route_index;
}

}  // namespace

BOOST_AUTO_TEST_CASE(exact_beats_prefix_whatever_the_order) {
    const Router router({prefix("/api/"), exact("/api/trading")});
    BOOST_TEST(chosen(router, "/api/trading") == 1u);
    BOOST_TEST(chosen(router, "/api/trading/x") == 0u);
}

BOOST_AUTO_TEST_CASE(longest_prefix_wins) {
    const Router router({prefix("/"), prefix("/api/"), prefix("/api/trading/")});
    BOOST_TEST(chosen(router, "/api/trading/embed") == 2u);
    BOOST_TEST(chosen(router, "/api/other") == 1u);
    BOOST_TEST(chosen(router, "/index.html") == 0u);
}

BOOST_AUTO_TEST_CASE(exact_path_does_not_match_longer_paths) {
    const Router router({exact("/logout")});
    BOOST_TEST((router.match("h", "/logout/x", "GET").kind == RouteMatch::Kind::not_found));
    BOOST_TEST((router.match("h", "/logou", "GET").kind == RouteMatch::Kind::not_found));
}

BOOST_AUTO_TEST_CASE(host_specific_route_beats_any_host_at_equal_path) {
    const Router router({prefix("/"), prefix("/", {}, "Admin.Example")});
    BOOST_TEST(chosen(router, "/x", "GET", "admin.example:8443") == 1u);
    BOOST_TEST(chosen(router, "/x", "GET", "portal.example") == 0u);
}

BOOST_AUTO_TEST_CASE(route_for_another_host_never_matches) {
    const Router router({exact("/only", {}, "a.example")});
    BOOST_TEST((router.match("b.example", "/only", "GET").kind == RouteMatch::Kind::not_found));
}

BOOST_AUTO_TEST_CASE(method_filter_falls_through_to_a_less_specific_route) {
    const Router router({exact("/logout", {"POST"}), prefix("/")});
    BOOST_TEST(chosen(router, "/logout", "POST") == 0u);
    BOOST_TEST(chosen(router, "/logout", "GET") == 1u);
}

BOOST_AUTO_TEST_CASE(an_endpoint_the_gateway_answers_itself_keeps_its_other_methods) {
    auto embed_token = exact("/api/trading/embed-token", {"POST", "OPTIONS"});
    embed_token.handler = "sixmm.embed_token";
    auto logout = exact("/logout", {"POST"});
    logout.handler = "dxtrade.logout";
    logout.upstream = "portal";  // answered by the portal after the handler: GET still falls through
    const Router router({embed_token, logout, prefix("/")});
    const auto match = router.match("h", "/api/trading/embed-token", "GET");
    BOOST_TEST((match.kind == RouteMatch::Kind::method_not_allowed));
    BOOST_TEST(match.allow == "OPTIONS, POST");
    BOOST_TEST(chosen(router, "/api/trading/embed-token", "POST") == 0u);
    BOOST_TEST(chosen(router, "/logout", "GET") == 2u);
}

BOOST_AUTO_TEST_CASE(method_not_allowed_lists_every_allowed_method) {
    const Router router({exact("/api/trading/embed-token", {"POST"}), prefix("/api/", {"OPTIONS", "GET"})});
    const auto match = router.match("h", "/api/trading/embed-token", "DELETE");
    BOOST_TEST((match.kind == RouteMatch::Kind::method_not_allowed));
    BOOST_TEST(match.allow == "GET, OPTIONS, POST");
}

BOOST_AUTO_TEST_CASE(config_order_breaks_ties) {
    const Router router({prefix("/a"), prefix("/b"), prefix("/a")});
    BOOST_TEST(chosen(router, "/a/x") == 0u);
}

BOOST_AUTO_TEST_CASE(host_without_port_handles_ipv6_and_case) {
    BOOST_TEST(tg::routing::host_without_port("Example.COM:8443") == "example.com");
    BOOST_TEST(tg::routing::host_without_port("[::1]:8080") == "[::1]");
    BOOST_TEST(tg::routing::host_without_port("plain") == "plain");
}
