#include "gateway/routing/router.hpp"

#include <boost/beast/core/string.hpp>

#include <algorithm>
#include <set>

namespace tg::routing {
namespace {

bool path_matches(std::string_view path, std::string_view pattern, bool prefix) {
    if (!prefix) return path == pattern;
    return path.substr(0, pattern.size()) == pattern;
}

bool allows(const std::vector<std::string>& methods, std::string_view method) {
    return methods.empty() || std::find(methods.begin(), methods.end(), method) != methods.end();
}

}  // namespace

std::string host_without_port(std::string_view host) {
    if (!host.empty() && host.front() == '[') {  // IPv6 literal
        const auto close = host.find(']');
        host = close == std::string_view::npos ? host : host.substr(0, close + 1);
    } else if (const auto colon = host.rfind(':'); colon != std::string_view::npos) {
        host = host.substr(0, colon);
    }
    std::string lower(host);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return lower;
}

Router::Router(const std::vector<config::Route>& routes) {
    entries_.reserve(routes.size());
    for (std::size_t i = 0; i < routes.size(); ++i) {
        const auto& m = routes[i].match;
        entries_.push_back({i, m.path, m.prefix, host_without_port(m.host), m.methods,
                            !routes[i].handler.empty() && routes[i].upstream.empty()});
    }
    std::stable_sort(entries_.begin(), entries_.end(), [](const Entry& a, const Entry& b) {
        if (a.prefix != b.prefix) return !a.prefix;
        if (a.prefix && a.path.size() != b.path.size()) return a.path.size() > b.path.size();
        return !a.host.empty() && b.host.empty();
    });
}

RouteMatch Router::match(std::string_view host, std::string_view path, std::string_view method) const {
    std::set<std::string> allowed;
    bool path_matched = false;
    const std::string request_host = host_without_port(host);
    for (const auto& entry : entries_) {
        if (!entry.host.empty() && entry.host != request_host) continue;
        if (!path_matches(path, entry.path, entry.prefix)) continue;
        if (allows(entry.methods, method)) {
            return {RouteMatch::Kind::found, entry.route_index, {}};
        }
        path_matched = true;
        allowed.insert(entry.methods.begin(), entry.methods.end());
        // An endpoint the gateway answers itself (embed-token, launch, ...) is its own: a
        // wrong method must not fall through to a prefix route and reach the portal.
        if (entry.owns_path) break;
    }
    if (!path_matched) return {};
    std::string allow;
    for (const auto& m : allowed) allow += (allow.empty() ? "" : ", ") + m;
    return {RouteMatch::Kind::method_not_allowed, 0, allow};
}

}  // namespace tg::routing
