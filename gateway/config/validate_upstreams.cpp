#include "gateway/config/files.hpp"
#include "gateway/config/validate.hpp"

#include <boost/url/parse.hpp>

#include <charconv>

namespace tg::config::detail {
namespace {

constexpr std::int64_t max_pool_size = 65535;

// Why the URL cannot name an upstream server, or "" when it can. Messages never
// quote the URL: it could carry credentials in its userinfo.
std::string server_url_problem(const boost::urls::url_view& url) {
    using boost::urls::host_type;
    using boost::urls::scheme;
    if (url.scheme_id() != scheme::http && url.scheme_id() != scheme::https)
        return "the scheme must be http or https";
    if (!url.has_authority() || url.host_type() == host_type::none || url.encoded_host().empty())
        return "a host is required";
    if (url.host_type() == host_type::ipvfuture)
        return "the host must be a name, an IPv4 or an IPv6 address";
    if (url.has_userinfo())
        return "user information (user:password@) is not allowed";
    if (url.encoded_path() != "" && url.encoded_path() != "/")
        return "a path is not allowed (only \"/\")";
    if (url.has_query())
        return "a query is not allowed";
    if (url.has_fragment())
        return "a fragment is not allowed";
    return {};
}

// The explicit port, or the scheme's default. Boost.URL's port_number() wraps
// numbers above 65535, so the digits are converted here.
std::optional<std::uint16_t> server_port(const boost::urls::url_view& url, bool tls) {
    if (!url.has_port())
        return tls ? 443 : 80;
    const std::string_view digits = url.port();
    unsigned port = 0;
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (digits.empty() || error != std::errc() || end != digits.data() + digits.size() || port == 0 ||
        port > 65535)
        return std::nullopt;
    return static_cast<std::uint16_t>(port);
}

std::optional<UpstreamServer> read_server(const boost::json::value& value, const std::string& path,
                                          Problems& problems) {
    const auto* text = expect_string(value, path, problems);
    if (text == nullptr)
        return std::nullopt;
    const auto parsed = boost::urls::parse_uri(std::string_view(*text));
    if (!parsed) {
        problems.push_back({path, "expected an absolute URL such as \"https://host:8443\""});
        return std::nullopt;
    }
    if (std::string problem = server_url_problem(*parsed); !problem.empty()) {
        problems.push_back({path, std::move(problem)});
        return std::nullopt;
    }
    UpstreamServer server;
    server.url = std::string(*text);
    server.tls = parsed->scheme_id() == boost::urls::scheme::https;
    server.host = parsed->host_address();  // decoded, and without brackets for IPv6
    const auto port = server_port(*parsed, server.tls);
    if (!port) {
        problems.push_back({path, "the port must be an integer from 1 to 65535"});
        return std::nullopt;
    }
    server.port = *port;
    return server;
}

std::vector<UpstreamServer> read_servers(ObjectReader& upstream, Problems& problems) {
    std::vector<UpstreamServer> servers;
    const auto* array = upstream.read_array("servers", Presence::required);
    if (array == nullptr)
        return servers;
    if (array->empty())
        upstream.report("servers", "expected a non-empty array of URLs, found an empty one");
    for (std::size_t i = 0; i < array->size(); ++i)
        if (auto server = read_server((*array)[i], index_path(upstream.path_of("servers"), i), problems))
            servers.push_back(std::move(*server));
    return servers;
}

Upstream read_upstream(const std::string& name, const boost::json::value& value, const std::string& path,
                       Context& context) {
    ObjectReader reader(value, path,
                        {"servers", "pool_size", "connect_timeout_ms", "response_timeout_ms",
                         "idle_timeout_ms", "cooldown_ms", "ca_file", "verify"},
                        context.problems);
    Upstream upstream;
    upstream.name = name;
    upstream.servers = read_servers(reader, context.problems);
    std::int64_t pool_size = 0;
    if (reader.read_integer("pool_size", 0, max_pool_size, pool_size))
        upstream.pool_size = static_cast<std::size_t>(pool_size);
    reader.read_millis("connect_timeout_ms", upstream.connect_timeout);
    reader.read_millis("response_timeout_ms", upstream.response_timeout);
    reader.read_millis("idle_timeout_ms", upstream.idle_timeout);
    reader.read_millis("cooldown_ms", upstream.cooldown);
    std::string ca_file;
    if (reader.read_string("ca_file", ca_file))
        upstream.ca_file =
            readable_file(context.base_dir, ca_file, reader.path_of("ca_file"), context.problems);
    reader.read_bool("verify", upstream.verify);
    return upstream;
}

}  // namespace

std::map<std::string, Upstream> validate_upstreams(const boost::json::value* upstreams, Context& context) {
    std::map<std::string, Upstream> result;
    if (upstreams == nullptr)
        return result;
    const auto* object = expect_object(*upstreams, "upstreams", context.problems);
    if (object == nullptr)
        return result;
    for (const auto& [key, value] : *object) {
        const std::string name(key);
        const std::string path = key_path("upstreams", name);
        if (name.empty())
            context.problems.push_back({path, "an upstream name must not be empty"});
        result[name] = read_upstream(name, value, path, context);
    }
    return result;
}

}  // namespace tg::config::detail
