// Fuzz target: routing a request line. The target and Host go through the same checks as
// a real request (server::routing_path, server::is_valid_host), then the router of a config with exact, prefix,
// host-bound and handler-owned routes. A match is always a route whose host and path
// match and that allows the method; a 405 names the allowed methods.
#include "gateway/routing/router.hpp"
#include "gateway/server/request_checks.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

std::vector<tg::config::Route> routes() {
    using tg::config::Route;
    std::vector<Route> all(5);
    all[0].name = "launch";
    all[0].match.path = "/trading/dxtrade/launch";
    all[0].match.methods = {"GET"};
    all[0].handler = "dxtrade.launch";
    all[1].name = "api";
    all[1].match.path = "/api/";
    all[1].match.prefix = true;
    all[1].match.methods = {"GET", "POST"};
    all[1].upstream = "portal";
    all[2].name = "admin-host";
    all[2].match.host = "admin.example.com";
    all[2].match.path = "/";
    all[2].match.prefix = true;
    all[2].upstream = "admin";
    all[3].name = "token";
    all[3].match.path = "/api/trading/embed-token";
    all[3].match.methods = {"POST", "OPTIONS"};
    all[3].handler = "sixmm.embed_token";
    all[4].name = "portal";
    all[4].match.path = "/";
    all[4].match.prefix = true;
    all[4].upstream = "portal";
    return all;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace tg;
    static const auto config_routes = routes();
    static const routing::Router router(config_routes);
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto space = input.find(' ');
    const auto method = input.substr(0, std::min(space, input.size()));
    const auto rest = space == std::string_view::npos ? std::string_view() : input.substr(space + 1);
    const auto second = rest.find(' ');
    const auto target = rest.substr(0, std::min(second, rest.size()));
    // As the gateway does it: a Host that is not host[:port] is refused before routing,
    // and the router gets the field as it came.
    const auto host_field = second == std::string_view::npos ? std::string_view() : rest.substr(second + 1);
    if (!server::is_valid_host(host_field)) return 0;
    const auto host = routing::host_without_port(host_field);
    const auto path = server::routing_path(target);
    if (!path) return 0;
    const auto match = router.match(host_field, *path, method);
    if (match.kind == routing::RouteMatch::Kind::found) {
        if (match.route_index >= config_routes.size()) __builtin_trap();
        const auto& route = config_routes[match.route_index];
        const bool path_ok = route.match.prefix ? path->starts_with(route.match.path) : *path == route.match.path;
        const bool host_ok = route.match.host.empty() || route.match.host == host;
        if (!host_ok) __builtin_trap();
        if (!path_ok) __builtin_trap();
        if (!route.match.methods.empty() &&
            std::find(route.match.methods.begin(), route.match.methods.end(), method) == route.match.methods.end())
            __builtin_trap();
    } else if (match.kind == routing::RouteMatch::Kind::method_not_allowed && match.allow.empty()) {
        __builtin_trap();
    }
    return 0;
}
