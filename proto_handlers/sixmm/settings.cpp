#include "proto_handlers/sixmm/settings.hpp"

#include "gateway/config/fields.hpp"
#include "gateway/config/section.hpp"

namespace tg::sixmm {
namespace {

using config::detail::ObjectReader;
using config::detail::Presence;

Settings read(const boost::json::value& section, const std::string& path, const config::Config* engine,
              std::vector<config::Problem>& problems) {
    Settings settings;
    ObjectReader reader(section, path,
                        {"upstream", "agent_code", "api_secret", "return_url", "webhook_portal_path",
                         "allowed_origins", "auto_bind",
                         "not_bound_codes", "channel_binding_ttl_ms", "request_body_limit", "retry_after_s"},
                        problems);
    if (reader.read_string("upstream", settings.upstream, Presence::required) && engine &&
        !engine->upstreams.contains(settings.upstream))
        reader.report("upstream", "no upstream named " + config::detail::quote(settings.upstream));
    if (reader.read_string("agent_code", settings.agent_code, Presence::required) && settings.agent_code.empty())
        reader.report("agent_code", "expected a non-empty string");
    if (reader.read_string("api_secret", settings.api_secret, Presence::required) && engine &&
        !engine->secrets.contains(settings.api_secret))
        reader.report("api_secret", "no secret named " + config::detail::quote(settings.api_secret));
    if (reader.read_string("return_url", settings.return_url) && !settings.return_url.starts_with("https://") &&
        !settings.return_url.starts_with("http://"))
        reader.report("return_url", "expected an absolute http or https URL");
    if (reader.read_string("webhook_portal_path", settings.webhook_portal_path) &&
        !settings.webhook_portal_path.starts_with('/'))
        reader.report("webhook_portal_path", "must start with \"/\"");
    if (const auto* origins = reader.read_array("allowed_origins")) {
        for (std::size_t i = 0; i < origins->size(); ++i) {
            const auto origin_path = config::detail::index_path(reader.path_of("allowed_origins"), i);
            if (const auto* origin = config::detail::expect_string((*origins)[i], origin_path, problems))
                settings.allowed_origins.emplace_back(*origin);
        }
    }
    reader.read_bool("auto_bind", settings.auto_bind);
    if (const auto* codes = reader.read_array("not_bound_codes")) {
        settings.not_bound_codes.clear();
        for (std::size_t i = 0; i < codes->size(); ++i) {
            const auto code_path = config::detail::index_path(reader.path_of("not_bound_codes"), i);
            if (const auto code = config::detail::expect_integer((*codes)[i], code_path, 1, INT32_MAX, problems))
                settings.not_bound_codes.push_back(*code);
        }
    }
    reader.read_millis("channel_binding_ttl_ms", settings.channel_binding_ttl);
    std::int64_t number = 0;
    if (reader.read_integer("request_body_limit", 256, 65536, number)) settings.request_body_limit = number;
    if (reader.read_integer("retry_after_s", 1, 3600, number)) settings.retry_after_seconds = static_cast<int>(number);
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

}  // namespace tg::sixmm
