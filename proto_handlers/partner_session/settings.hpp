// The "partner_session" config section: how the gateway asks the portal who the user
// is (like nginx auth_request) and where the claims sit in the portal's answer.
#pragma once

#include "gateway/config/loader.hpp"

#include <boost/json/value.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace tg::partner_session {

// JSON pointers into the portal's answer.
struct ClaimPointers {
    std::string user_id = "/userId";
    std::string agent_user_id = "/agentUserId";
    std::string dx_login = "/dxtrade/login";
    std::string dx_domain = "/dxtrade/domain";
    std::string can_trade = "/canTrade";
    std::string expires_at = "/expiresAt";  // Unix seconds
};

struct Settings {
    std::string upstream;
    std::string path = "/api/session";
    std::vector<std::string> cookies;  // the portal's session cookie names
    std::chrono::milliseconds cache_ttl{3000};
    ClaimPointers claims;
};

inline constexpr const char* section_name = "partner_session";

void validate_section(const boost::json::value& section, const std::string& path, const config::Config& engine,
                      std::vector<config::Problem>& problems);

// Reads the validated section; throws std::runtime_error if it is absent.
Settings read_settings(const config::Config& config);

}  // namespace tg::partner_session
