// The "sixmm" config section.
#pragma once

#include "gateway/config/loader.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace tg::sixmm {

struct Settings {
    std::string upstream;         // the Agent API (e.g. https://agent-api.6mm.com)
    std::string agent_code;
    std::string api_secret;       // the name of a secret; its value never leaves the gateway
    std::string return_url;       // create-entry-url's returnUrl; empty: not sent
    std::string webhook_portal_path;  // where verified webhooks go on the portal; empty: the same path
    std::vector<std::string> allowed_origins;  // besides the gateway's own origin
    bool auto_bind = true;        // on "user not bound", call bind once and retry
    std::vector<std::int64_t> not_bound_codes{6201};  // not published by 6MM: configurable
    std::chrono::milliseconds channel_binding_ttl{24 * 60 * 60 * 1000};
    std::size_t request_body_limit = 4096;
    int retry_after_seconds = 5;  // Retry-After on upstream_unavailable
};

inline constexpr const char* section_name = "sixmm";

void validate_section(const boost::json::value& section, const std::string& path, const config::Config& engine,
                      std::vector<config::Problem>& problems);
Settings read_settings(const config::Config& config);

}  // namespace tg::sixmm
