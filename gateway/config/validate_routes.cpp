#include "gateway/config/suggest.hpp"
#include "gateway/config/validate.hpp"

#include <boost/url/parse.hpp>

#include <algorithm>
#include <cctype>

namespace tg::config::detail {
namespace {

// RFC 9110 token: header names and methods.
bool is_token(std::string_view text) {
    constexpr std::string_view punctuation = "!#$%&'*+-.^_`|~";
    return !text.empty() && std::all_of(text.begin(), text.end(), [&](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || punctuation.find(c) != std::string_view::npos;
    });
}

bool is_safe_header_value(std::string_view value) {
    return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

std::string lower_case(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

std::string upper_case(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return text;
}

template <class Map>
std::vector<std::string_view> names_of(const Map& map) {
    std::vector<std::string_view> names;
    for (const auto& [name, value] : map)
        names.push_back(name);
    return names;
}

std::vector<std::string_view> names_of(const std::set<std::string>& set) {
    return {set.begin(), set.end()};
}

class RouteReader {
public:
    RouteReader(const Config& engine, Context& context) : engine_(engine), context_(context) {}

    Route read(const boost::json::value& value, const std::string& path) {
        ObjectReader reader(value, path,
                            {"name", "match", "upstream", "handler", "request_headers", "response_headers",
                             "websocket", "rate_limits"},
                            context_.problems);
        Route route;
        route.name = path;
        if (reader.read_string("name", route.name) && route.name.empty())
            reader.report("name", "expected a non-empty string");
        if (const auto* match = reader.find("match"))
            route.match = read_match(*match, reader.path_of("match"));
        else if (reader.is_object())
            reader.report_missing("match", "an object");
        read_target(reader, route);
        if (const auto* rules = reader.find("request_headers"))
            route.request_headers = read_header_rules(*rules, reader.path_of("request_headers"));
        if (const auto* rules = reader.find("response_headers"))
            route.response_headers = read_header_rules(*rules, reader.path_of("response_headers"));
        route.websocket.idle_timeout = engine_.limits.idle_timeout;
        if (const auto* websocket = reader.find("websocket"))
            route.websocket = read_websocket(*websocket, reader.path_of("websocket"), route.websocket);
        if (const auto* limits = reader.read_array("rate_limits")) {
            for (std::size_t i = 0; i < limits->size(); ++i)
                route.rate_limits.push_back(read_rate_limit((*limits)[i], index_path(reader.path_of("rate_limits"), i)));
        }
        return route;
    }

private:
    RateLimit read_rate_limit(const boost::json::value& value, const std::string& path) {
        ObjectReader reader(value, path, {"per", "requests_per_second", "burst"}, context_.problems);
        RateLimit limit;
        std::string per;
        if (reader.read_string("per", per, Presence::required)) {
            if (per == "client_ip") limit.per = RateLimit::Key::client_ip;
            else if (per == "route") limit.per = RateLimit::Key::route;
            else reader.report("per", "expected \"client_ip\" or \"route\"");
        }
        const auto* rate = reader.find("requests_per_second");
        if (rate == nullptr) {
            if (reader.is_object()) reader.report_missing("requests_per_second", "a number above 0");
        } else if (!rate->is_number() || rate->to_number<double>() <= 0 || rate->to_number<double>() > 1e9) {
            reader.report("requests_per_second", "expected a number above 0 (0.5: one request every 2 s)");
        } else {
            limit.per_second = rate->to_number<double>();
        }
        std::int64_t burst = 1;
        if (reader.read_integer("burst", 1, 1000000000, burst)) limit.burst = static_cast<double>(burst);
        return limit;
    }

    WebSocketSettings read_websocket(const boost::json::value& value, const std::string& path,
                                     WebSocketSettings settings) {
        ObjectReader reader(value, path, {"idle_timeout_ms", "allowed_origins"}, context_.problems);
        reader.read_millis("idle_timeout_ms", settings.idle_timeout);
        if (const auto* origins = reader.read_array("allowed_origins")) {
            for (std::size_t i = 0; i < origins->size(); ++i) {
                const auto origin_path = index_path(reader.path_of("allowed_origins"), i);
                const auto* origin = expect_string((*origins)[i], origin_path, context_.problems);
                if (!origin) continue;
                const std::string_view text(*origin);
                const bool scheme_ok = text.starts_with("https://") || text.starts_with("http://");
                if (!scheme_ok || text.ends_with("/")) {
                    report(origin_path, "expected an origin like \"https://portal.example\" (scheme and host, no path)");
                    continue;
                }
                settings.allowed_origins.emplace_back(text);
            }
        }
        return settings;
    }

    void report(const std::string& path, std::string message) {
        context_.problems.push_back({path, std::move(message)});
    }

    RouteMatch read_match(const boost::json::value& value, const std::string& path) {
        ObjectReader reader(value, path, {"path", "prefix", "host", "methods"}, context_.problems);
        RouteMatch match;
        if (reader.is_object() && reader.has("path") == reader.has("prefix"))
            report(path, "must have exactly one of \"path\" or \"prefix\"");
        const char* key = reader.has("prefix") ? "prefix" : "path";
        match.prefix = reader.has("prefix");
        if (reader.read_string(key, match.path) && !match.path.starts_with('/'))
            reader.report(key, "must start with \"/\"");
        if (reader.read_string("host", match.host))
            match.host = checked_host(match.host, reader.path_of("host"));
        if (const auto* methods = reader.read_array("methods"))
            match.methods = read_methods(*methods, reader.path_of("methods"));
        return match;
    }

    // A host as in a Host header without its port: "api.example", "10.0.0.1", "[::1]".
    std::string checked_host(const std::string& host, const std::string& path) {
        const auto authority = boost::urls::parse_authority(host);
        if (host.empty() || !authority || authority->has_userinfo() ||
            authority->host_type() == boost::urls::host_type::ipvfuture) {
            report(path, "expected a host name or IP address");
            return {};
        }
        if (authority->has_port()) {
            report(path, "must not include a port");
            return {};
        }
        return lower_case(host);
    }

    std::vector<std::string> read_methods(const boost::json::array& methods, const std::string& path) {
        if (methods.empty())
            report(path, "expected a non-empty array; leave \"methods\" out to match any method");
        std::vector<std::string> result;
        for (std::size_t i = 0; i < methods.size(); ++i) {
            const std::string element_path = index_path(path, i);
            const auto* method = expect_string(methods[i], element_path, context_.problems);
            if (method == nullptr)
                continue;
            if (!is_token(*method)) {
                report(element_path, "expected an HTTP method such as \"GET\"");
                continue;
            }
            std::string upper = upper_case(std::string(*method));
            if (std::find(result.begin(), result.end(), upper) == result.end())
                result.push_back(std::move(upper));
        }
        return result;
    }

    void read_target(ObjectReader& reader, Route& route) {
        if (reader.read_string("upstream", route.upstream) && !engine_.upstreams.contains(route.upstream))
            reader.report("upstream", "no upstream named " + quote(route.upstream) +
                                          did_you_mean(route.upstream, names_of(engine_.upstreams)));
        const auto& handlers = context_.options.handler_names;
        if (reader.read_string("handler", route.handler) && !handlers.contains(route.handler))
            reader.report("handler", "no handler named " + quote(route.handler) +
                                         did_you_mean(route.handler, names_of(handlers)));
        if (reader.is_object() && !reader.has("upstream") && !reader.has("handler"))
            report(reader.path(), "needs an \"upstream\" or a \"handler\"");
    }

    HeaderRules read_header_rules(const boost::json::value& value, const std::string& path) {
        ObjectReader reader(value, path, {"set", "remove"}, context_.problems);
        HeaderRules rules;
        if (const auto* set = reader.find("set"))
            rules.set = read_set(*set, reader.path_of("set"));
        if (const auto* remove = reader.read_array("remove"))
            rules.remove = read_remove(*remove, reader.path_of("remove"));
        return rules;
    }

    std::vector<std::pair<std::string, HeaderValue>> read_set(const boost::json::value& value,
                                                              const std::string& path) {
        std::vector<std::pair<std::string, HeaderValue>> set;
        const auto* object = expect_object(value, path, context_.problems);
        if (object == nullptr)
            return set;
        for (const auto& [key, header_value] : *object) {
            const std::string name(key);
            const std::string header_path = key_path(path, name);
            if (!is_token(name))
                report(header_path, "not a valid header name");
            if (auto read = read_header_value(header_value, header_path))
                set.emplace_back(name, std::move(*read));
        }
        return set;
    }

    std::optional<HeaderValue> read_header_value(const boost::json::value& value, const std::string& path) {
        if (const auto* literal = value.if_string()) {
            if (!is_safe_header_value(*literal)) {
                report(path, "a header value must not contain CR, LF or NUL");
                return std::nullopt;
            }
            return HeaderValue{std::string(*literal), {}};
        }
        if (!value.is_object()) {
            report(path, found_kind("a string or {\"secret\": \"name\"}", value));
            return std::nullopt;
        }
        ObjectReader reader(value, path, {"secret"}, context_.problems);
        HeaderValue header;
        if (!reader.read_string("secret", header.secret, Presence::required) || !known_secret(reader, header))
            return std::nullopt;
        return header;
    }

    bool known_secret(ObjectReader& reader, const HeaderValue& header) {
        const auto secret = engine_.secrets.find(header.secret);
        if (secret == engine_.secrets.end()) {
            reader.report("secret", "no secret named " + quote(header.secret) +
                                        did_you_mean(header.secret, names_of(engine_.secrets)));
            return false;
        }
        // An empty value means the secret itself could not be resolved, which is reported already.
        if (!secret->second.empty() && !is_safe_header_value(secret->second.reveal())) {
            reader.report("secret", "secret " + quote(header.secret) +
                                        " contains CR, LF or NUL and cannot be a header value");
            return false;
        }
        return true;
    }

    std::vector<std::string> read_remove(const boost::json::array& names, const std::string& path) {
        std::vector<std::string> remove;
        for (std::size_t i = 0; i < names.size(); ++i) {
            const std::string element_path = index_path(path, i);
            const auto* name = expect_string(names[i], element_path, context_.problems);
            if (name == nullptr)
                continue;
            if (!is_token(*name))
                report(element_path, "not a valid header name");
            else
                remove.emplace_back(*name);
        }
        return remove;
    }

    const Config& engine_;
    Context& context_;
};

void check_unique_names(const std::vector<Route>& routes, Context& context) {
    for (std::size_t i = 0; i < routes.size(); ++i)
        for (std::size_t j = 0; j < i; ++j)
            if (routes[i].name == routes[j].name)
                context.problems.push_back(
                    {index_path("routes", i) + ".name", "duplicate route name " + quote(routes[i].name) +
                                                            " (also " + index_path("routes", j) + ")"});
}

}  // namespace

std::vector<Route> validate_routes(const boost::json::value* value, const Config& engine, Context& context) {
    std::vector<Route> routes;
    if (value == nullptr)
        return routes;
    const auto* array = expect_array(*value, "routes", context.problems);
    if (array == nullptr)
        return routes;
    RouteReader reader(engine, context);
    for (std::size_t i = 0; i < array->size(); ++i)
        routes.push_back(reader.read((*array)[i], index_path("routes", i)));
    check_unique_names(routes, context);
    return routes;
}

}  // namespace tg::config::detail
