// Chooses the route for a request. Precedence, among routes whose host and path match:
//   1. an exact path beats any prefix;
//   2. a longer prefix beats a shorter one;
//   3. a route naming the host beats one for any host;
//   4. earlier in the config beats later.
// The first route in that order that allows the method wins. If routes match the
// path but none allows the method, the answer is 405 with the union of their methods.
#pragma once

#include "gateway/config/model.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace tg::routing {

struct RouteMatch {
    enum class Kind { found, not_found, method_not_allowed } kind = Kind::not_found;
    std::size_t route_index = 0;  // into Config::routes, when found
    std::string allow;            // "GET, POST", when method_not_allowed
};

class Router {
public:
    explicit Router(const std::vector<config::Route>& routes);

    // `host` as the Host field has it (the port is dropped here, any case); `path`
    // normalized and percent-decoded.
    RouteMatch match(std::string_view host, std::string_view path, std::string_view method) const;

private:
    struct Entry {
        std::size_t route_index;
        std::string path;
        bool prefix;
        std::string host;  // lower case, empty for any
        std::vector<std::string> methods;
        // A route whose handler answers itself (no upstream): its other methods get 405,
        // never a later route.
        bool owns_path;
    };
    std::vector<Entry> entries_;  // sorted by precedence
};

// Host header value without the port and in lower case ("Example.COM:8443" -> "example.com").
std::string host_without_port(std::string_view host_header);

}  // namespace tg::routing
