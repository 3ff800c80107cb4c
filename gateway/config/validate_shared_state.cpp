#include "gateway/config/validate.hpp"

#include "gateway/config/files.hpp"

#include <boost/url/parse.hpp>

#include <charconv>

namespace tg::config::detail {
namespace {

// "redis://host[:port][/db]" or "rediss://..." (TLS). A password in the URL is refused,
// and no message repeats the URL: it could hold one.
std::optional<RedisSettings::Server> parse_server(const boost::json::value& value, const std::string& path,
                                                  Problems& problems) {
    const auto* text = expect_string(value, path, problems);
    if (!text) return std::nullopt;
    const auto url = boost::urls::parse_absolute_uri(std::string_view(*text));
    auto problem = [&](std::string message) {
        problems.push_back({path, std::move(message)});
        return std::nullopt;
    };
    if (!url) return problem("expected a URL redis://host[:port][/db] or rediss://...");
    if (url->has_userinfo()) return problem("no user or password in the URL: use \"username\" and \"password\"");
    RedisSettings::Server server;
    if (url->scheme() == "rediss") {
        server.tls = true;
    } else if (url->scheme() != "redis") {
        return problem("expected the scheme redis:// or rediss://");
    }
    server.host = url->host_address();
    if (server.host.empty()) return problem("expected a host");
    if (url->has_port()) {
        // port_number() wraps numbers above 65535: the digits are read here.
        const std::string_view digits = url->port();
        unsigned port = 0;
        const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
        if (ec != std::errc() || end != digits.data() + digits.size() || port == 0 || port > 65535)
            return problem("expected a port from 1 to 65535");
        server.port = static_cast<std::uint16_t>(port);
    }
    std::string_view database = url->encoded_path();
    if (database.starts_with('/')) database.remove_prefix(1);
    if (!database.empty()) {
        const auto [end, ec] = std::from_chars(database.data(), database.data() + database.size(), server.database);
        if (ec != std::errc() || end != database.data() + database.size() || server.database < 0 ||
            server.database > 15) {
            return problem("the path is the database number, 0 to 15");
        }
    }
    if (url->has_query() || url->has_fragment()) return problem("no query or fragment");
    server.display = std::string(url->scheme()) + "://" + std::string(url->encoded_host_and_port()) + "/" +
                     std::to_string(server.database);
    return server;
}

std::vector<RedisSettings::Server> read_servers(ObjectReader& reader, std::string_view key, Problems& problems) {
    std::vector<RedisSettings::Server> servers;
    if (const auto* list = reader.read_array(key)) {
        for (std::size_t i = 0; i < list->size(); ++i) {
            if (auto server = parse_server((*list)[i], index_path(reader.path_of(key), i), problems)) {
                servers.push_back(std::move(*server));
            }
        }
        if (list->empty()) reader.report(key, "expected at least one URL");
    }
    return servers;
}

RedisSettings read_redis(const boost::json::value& value, const std::string& path,
                         const std::map<std::string, SecretValue>& secrets, Context& context) {
    RedisSettings redis;
    ObjectReader reader(value, path,
                        {"urls", "username", "password", "key_prefix", "ca_file", "connect_timeout_ms",
                         "command_timeout_ms", "sentinels", "master_name"},
                        context.problems);
    redis.servers = read_servers(reader, "urls", context.problems);
    redis.sentinels = read_servers(reader, "sentinels", context.problems);
    reader.read_string("username", redis.username);
    if (reader.read_string("password", redis.password_secret) && !secrets.contains(redis.password_secret))
        reader.report("password", "no secret named " + quote(redis.password_secret));
    if (reader.read_string("key_prefix", redis.key_prefix) && redis.key_prefix.size() > 64)
        reader.report("key_prefix", "at most 64 characters");
    std::string ca_file;
    if (reader.read_string("ca_file", ca_file)) {
        redis.ca_file = readable_file(context.base_dir, ca_file, reader.path_of("ca_file"), context.problems);
    }
    reader.read_millis("connect_timeout_ms", redis.connect_timeout);
    reader.read_millis("command_timeout_ms", redis.command_timeout);
    reader.read_string("master_name", redis.master_name);
    if (!redis.sentinels.empty() && redis.master_name.empty())
        reader.report("master_name", "required with \"sentinels\": the name the sentinels know the master by");
    if (reader.is_object() && redis.sentinels.empty() && redis.servers.empty() && !reader.has("urls") &&
        !reader.has("sentinels"))
        reader.report_missing("urls", "a list of redis:// URLs (or \"sentinels\" and \"master_name\")");
    return redis;
}

}  // namespace

SharedStateSettings validate_shared_state(const boost::json::value* shared_state,
                                          const std::map<std::string, SecretValue>& secrets, Context& context) {
    SharedStateSettings result;
    if (shared_state == nullptr) return result;
    ObjectReader reader(*shared_state, "shared_state", {"backend", "path", "redis"}, context.problems);
    if (!reader.is_object()) return result;
    if (const auto* backend = reader.find("backend")) {
        if (const auto choice = expect_choice(*backend, reader.path_of("backend"), {"memory", "sqlite", "redis"},
                                              context.problems)) {
            result.backend = static_cast<SharedStateSettings::Backend>(*choice);
        }
    }
    using Backend = SharedStateSettings::Backend;
    std::string path;
    if (reader.read_string("path", path)) {
        if (path.empty()) reader.report("path", "expected a file path");
        result.sqlite_path = resolve_path(context.base_dir, path).string();
    } else if (result.backend == Backend::sqlite) {
        reader.report_missing("path", "the SQLite file, e.g. \"var/shared-state.db\"");
    }
    if (const auto* redis = reader.find("redis")) {
        result.redis = read_redis(*redis, reader.path_of("redis"), secrets, context);
    } else if (result.backend == Backend::redis) {
        reader.report_missing("redis", "the Redis servers: {\"urls\": [\"redis://127.0.0.1:6379\"]}");
    }
    return result;
}

}  // namespace tg::config::detail
