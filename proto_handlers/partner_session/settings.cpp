#include "proto_handlers/partner_session/settings.hpp"

#include "gateway/config/fields.hpp"
#include "gateway/config/section.hpp"

namespace tg::partner_session {
namespace {

using config::detail::ObjectReader;
using config::detail::Presence;

void read_pointer(ObjectReader& claims, std::string_view key, std::string& pointer) {
    if (claims.read_string(key, pointer) && !pointer.empty() && pointer.front() != '/')
        claims.report(key, "expected a JSON pointer (\"\" or starting with \"/\")");
}

Settings read(const boost::json::value& section, const std::string& path, const config::Config* engine,
              std::vector<config::Problem>& problems) {
    Settings settings;
    ObjectReader reader(section, path, {"introspect", "claims"}, problems);
    if (const auto* introspect_value = reader.find("introspect")) {
        ObjectReader introspect(*introspect_value, reader.path_of("introspect"),
                                {"upstream", "path", "cookies", "cache_ttl_ms"}, problems);
        if (introspect.read_string("upstream", settings.upstream, Presence::required) && engine &&
            !engine->upstreams.contains(settings.upstream))
            introspect.report("upstream", "no upstream named " + config::detail::quote(settings.upstream));
        if (introspect.read_string("path", settings.path) && !settings.path.starts_with('/'))
            introspect.report("path", "must start with \"/\"");
        if (const auto* cookies = introspect.read_array("cookies", Presence::required)) {
            for (std::size_t i = 0; i < cookies->size(); ++i) {
                const auto cookie_path = config::detail::index_path(introspect.path_of("cookies"), i);
                if (const auto* name = config::detail::expect_string((*cookies)[i], cookie_path, problems)) {
                    if (name->empty()) problems.push_back({cookie_path, "expected a cookie name"});
                    else settings.cookies.emplace_back(*name);
                }
            }
            if (cookies->empty()) introspect.report("cookies", "expected at least one cookie name");
        }
        std::int64_t ttl = 0;
        if (introspect.read_integer("cache_ttl_ms", 0, config::detail::max_duration_ms, ttl))
            settings.cache_ttl = std::chrono::milliseconds(ttl);
    } else if (reader.is_object()) {
        reader.report_missing("introspect", "an object");
    }
    if (const auto* claims_value = reader.find("claims")) {
        ObjectReader claims(*claims_value, reader.path_of("claims"),
                            {"user_id", "agent_user_id", "dx_login", "dx_domain", "can_trade", "expires_at"}, problems);
        read_pointer(claims, "user_id", settings.claims.user_id);
        read_pointer(claims, "agent_user_id", settings.claims.agent_user_id);
        read_pointer(claims, "dx_login", settings.claims.dx_login);
        read_pointer(claims, "dx_domain", settings.claims.dx_domain);
        read_pointer(claims, "can_trade", settings.claims.can_trade);
        read_pointer(claims, "expires_at", settings.claims.expires_at);
    }
    return settings;
}

}  // namespace

void validate_section(const boost::json::value& section, const std::string& path, const config::Config& engine,
                      std::vector<config::Problem>& problems) {
    read(section, path, &engine, problems);
}

Settings read_settings(const config::Config& config) {
    return config::read_validated_section(config, section_name, read);
}

}  // namespace tg::partner_session
