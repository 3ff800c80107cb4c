// What the partner session lookup answers: who the user is, or why there is no answer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace tg::partner_session {

struct Identity {
    std::string user_id;
    std::string agent_user_id;
    std::string dx_login;
    std::string dx_domain;
    bool can_trade = false;
    std::optional<std::int64_t> expires_at;  // Unix seconds
};

struct Lookup {
    enum class Kind {
        ok,
        no_session,   // no cookie, the portal said 401/403, or the session's expiry passed
        unavailable,  // the portal could not answer: not the user's fault, never "expired"
        state_unavailable,  // the shared state could not say whether the session was signed out
    };
    Kind kind = Kind::no_session;
    Identity identity;
};

}  // namespace tg::partner_session
