// Who is this user? Asks the portal's session endpoint with the user's session
// cookies and reads the claims from its JSON answer. Answers are cached per session
// (keyed by a hash of the cookies, never the cookies themselves) for the configured
// TTL, and concurrent requests of one session share one in-flight subrequest, across
// all workers and routes. A session signed out on any replica is known to every one
// through the shared state before its cached answer runs out.
#pragma once

#include "gateway/core/asio_aliases.hpp"
#include "gateway/handlers/handler.hpp"
#include "gateway/proxy/upstream_pool.hpp"
#include "gateway/state/shared_state.hpp"
#include "proto_handlers/partner_session/lookup.hpp"
#include "proto_handlers/partner_session/session_directory.hpp"
#include "proto_handlers/partner_session/settings.hpp"


#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace tg::partner_session {

// "a=1; b=2" from the request's Cookie fields, keeping only `names`, in their order.
std::string session_cookies(const http::fields& request, const std::vector<std::string>& names);

// The claims picked out of the portal's answer.
Identity read_identity(const boost::json::value& answer, const ClaimPointers& pointers);

// One per handler instance (a worker's route); the answers and lookups in flight are
// shared through the process-wide SessionDirectory.
class Resolver {
public:
    Resolver(Settings settings, proxy::UpstreamPool& portal, SessionDirectory& directory, state::SharedState& state);
    // With the config's "partner_session" section and the setup's pool for its upstream.
    static Resolver for_route(const handlers::HandlerSetup& setup, SessionDirectory& directory);

    asio::awaitable<Lookup> resolve(const http::fields& request, std::string_view request_id);
    // At logout: the request's session counts as signed out for a while (at least 10 s),
    // even before the portal has ended it, so no launch slips in with a cached identity,
    // on this replica or another. False when the shared state could not record it (this
    // replica still knows).
    asio::awaitable<bool> sign_out(const http::fields& request);

private:
    asio::awaitable<Lookup> ask_portal(const std::string& cookies, std::string_view request_id);
    std::chrono::steady_clock::time_point fresh_until(const Lookup& result) const;

    Settings settings_;
    proxy::UpstreamPool& portal_;
    SessionDirectory& directory_;
    state::SharedState& state_;
};

}  // namespace tg::partner_session
