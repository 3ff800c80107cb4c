#include "gateway/config/loader.hpp"

#include "gateway/config/files.hpp"
#include "gateway/config/json_text.hpp"
#include "gateway/config/suggest.hpp"
#include "gateway/config/validate.hpp"
#include "gateway/core/digest.hpp"

#include <algorithm>
#include <array>
#include <filesystem>

namespace tg::config {
namespace {

using detail::Context;

constexpr std::array<std::string_view, 11> engine_keys = {
    "workers", "connection_balance", "worker_cpu_affinity", "listeners", "limits",
    "secrets", "upstreams",          "routes",              "lifecycle", "access_log", "shared_state"};

bool is_engine_key(std::string_view key) {
    return std::find(engine_keys.begin(), engine_keys.end(), key) != engine_keys.end();
}

void report_unknown_top_level_keys(const boost::json::object& document, const LoadOptions& options,
                                   std::vector<Problem>& problems) {
    std::vector<std::string_view> known(engine_keys.begin(), engine_keys.end());
    for (const auto& [name, validator] : options.sections)
        known.push_back(name);
    for (const auto& member : document) {
        const std::string_view key = member.key();
        if (!is_engine_key(key) && !options.sections.contains(std::string(key)))
            problems.push_back({detail::key_path("", key), "unknown key" + detail::did_you_mean(key, known)});
    }
}

Config build_engine_config(const boost::json::object& document, Context& context) {
    Config config;
    config.workers = detail::validate_workers(document.if_contains("workers"), context);
    config.connection_balance =
        detail::validate_connection_balance(document.if_contains("connection_balance"), context);
    config.pin_workers = detail::validate_worker_cpu_affinity(document.if_contains("worker_cpu_affinity"), context);
    config.listeners = detail::validate_listeners(document.if_contains("listeners"), context);
    config.limits = detail::validate_limits(document.if_contains("limits"), context);
    config.secrets = detail::validate_secrets(document.if_contains("secrets"), context);
    config.upstreams = detail::validate_upstreams(document.if_contains("upstreams"), context);
    config.lifecycle = detail::validate_lifecycle(document.if_contains("lifecycle"), context);
    config.access_log = detail::validate_access_log(document.if_contains("access_log"), context);
    config.shared_state = detail::validate_shared_state(document.if_contains("shared_state"), config.secrets, context);
    // Routes refer to the upstreams and secrets read above.
    config.routes = detail::validate_routes(document.if_contains("routes"), config, context);
    return config;
}

// Handler modules validate their own sections, with the engine part to refer to.
void validate_sections(const boost::json::object& document, const Config& engine, Context& context) {
    for (const auto& member : document) {
        const auto section = context.options.sections.find(std::string(member.key()));
        if (section == context.options.sections.end() || is_engine_key(member.key()) || !section->second)
            continue;
        section->second(member.value(), detail::key_path("", member.key()), engine, context.problems);
    }
}

std::filesystem::path base_dir_for(const std::string& source_path, const LoadOptions& options) {
    if (!options.base_dir.empty())
        return options.base_dir;
    const std::filesystem::path directory = std::filesystem::path(source_path).parent_path();
    return directory.empty() ? std::filesystem::path(".") : directory;
}

}  // namespace

std::string to_string(const Problem& problem) {
    return problem.path.empty() ? problem.message : problem.path + ": " + problem.message;
}

LoadResult load_file(const std::string& path, const LoadOptions& options) {
    const auto content = detail::read_whole_file(path);
    if (const auto* error = std::get_if<detail::FileError>(&content))
        return {nullptr, {{"", "cannot read config file " + detail::quote(path) + ": " + error->reason}}, {}};
    const auto& text = std::get<std::string>(content);
    auto result = load_text(text, path, options);
    result.source_sha256 = sha256_hex(text);
    return result;
}

LoadResult load_text(std::string_view text, const std::string& source_name, const LoadOptions& options) {
    auto parsed = detail::parse_json_text(text);
    if (parsed.problem)
        return {nullptr, {*parsed.problem}, {}};
    auto* document = parsed.document->if_object();
    if (document == nullptr)
        return {nullptr, {{"", detail::found_kind("a JSON object at the top level", *parsed.document)}}, {}};

    LoadResult result;
    Context context{options, base_dir_for(source_name, options), result.problems};
    report_unknown_top_level_keys(*document, options, result.problems);
    Config config = build_engine_config(*document, context);
    config.source_path = source_name;
    config.document = std::move(*document);
    validate_sections(config.document, config, context);
    if (!result.ok())
        return result;
    result.config = std::make_shared<const Config>(std::move(config));
    return result;
}

}  // namespace tg::config
