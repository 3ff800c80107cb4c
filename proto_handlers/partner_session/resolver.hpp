// Who is this user? Asks the portal's session endpoint with the user's session
// cookies and reads the claims from its JSON answer. Answers are cached per session
// (keyed by a hash of the cookies, never the cookies themselves) for the configured
// TTL, and concurrent requests of one session share one in-flight subrequest. Used
// from one worker thread.
#pragma once

#include "gateway/core/asio_aliases.hpp"
#include "gateway/proxy/upstream_pool.hpp"
#include "proto_handlers/partner_session/settings.hpp"

#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

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
    };
    Kind kind = Kind::no_session;
    Identity identity;
};

// "a=1; b=2" from the request's Cookie fields, keeping only `names`, in their order.
std::string session_cookies(const http::fields& request, const std::vector<std::string>& names);

// The claims picked out of the portal's answer.
Identity read_identity(const boost::json::value& answer, const ClaimPointers& pointers);

class Resolver {
public:
    Resolver(Settings settings, proxy::UpstreamPool& portal);

    asio::awaitable<Lookup> resolve(const http::fields& request, std::string_view request_id);

    std::uint64_t subrequests() const { return subrequests_; }

private:
    struct Flight {
        explicit Flight(asio::any_io_executor executor) : done(executor, std::chrono::steady_clock::time_point::max()) {}
        asio::steady_timer done;  // cancelled when the result is in
        Lookup result;
    };
    struct CacheEntry {
        Lookup result;
        std::chrono::steady_clock::time_point until;
    };

    asio::awaitable<Lookup> ask_portal(const std::string& cookies, std::string_view request_id);
    void remember(const std::string& key, const Lookup& result);

    Settings settings_;
    proxy::UpstreamPool& portal_;
    std::unordered_map<std::string, CacheEntry> cache_;
    std::unordered_map<std::string, std::shared_ptr<Flight>> in_flight_;
    std::uint64_t subrequests_ = 0;
};

}  // namespace tg::partner_session
