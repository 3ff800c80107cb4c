// The process-wide DXtrade service: the session store (on its own thread), the keepalive
// (the ping scheduler on its own thread, with the dxWeb client every DXtrade call shares)
// and the logout queue. Handlers on any worker call it and resume on their own thread.
//
// Start: the stored sessions are loaded; live ones resume their pings spread over the
// first interval, queued logouts are retried, expired and undecryptable rows removed.
// A config without a "dxtrade" section leaves the service idle.
#pragma once

#include "gateway/handlers/service.hpp"
#include "proto_handlers/common/sessions/store_thread.hpp"
#include "proto_handlers/dxtrade/keepalive.hpp"
#include "proto_handlers/dxtrade/logout_queue.hpp"
#include "proto_handlers/dxtrade/metrics.hpp"
#include "proto_handlers/dxtrade/settings.hpp"
#include "proto_handlers/dxtrade/shard_keeper.hpp"
#include "proto_handlers/partner_session/lookup.hpp"

#include <boost/json/object.hpp>

#include <array>
#include <unordered_map>
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace tg::dxtrade {

struct LaunchOutcome {
    enum class Kind {
        ok,
        unavailable,   // dxWeb unreachable or failing (or the service is not running)
        timeout,       // dxWeb did not answer in time
        rejected,      // dxWeb refused (4xx)
        not_recorded,  // the session store failed: the token is not handed out
        signed_out,    // the user logged out while the launch was under way
    };
    Kind kind = Kind::unavailable;
    std::string token;  // as dxWeb returned it; only with ok
};

class DxtradeService final : public handlers::Service {
public:
    DxtradeService();
    ~DxtradeService() override;

    void use_shared_state(state::SharedState& shared_state) override { shared_state_ = &shared_state; }
    void start(const config::Config& config) override;
    void stop() override;
    std::vector<std::string> needs_restart(const config::Config& next) const override;
    std::string not_ready_reason() const override;
    void append_metrics(std::string& out) const override;
    handlers::Handler* admin_handler(std::string_view path) override;

    bool running() const { return running_.load(); }
    // logout.wait as the service started with it (for the admin logout).
    // Only while running().
    std::chrono::milliseconds logout_wait() const { return settings_->logout.wait; }

    // generateToken for the user's DXtrade login, then the session is recorded durably and
    // its pings start. Call from any worker.
    asio::awaitable<LaunchOutcome> open_session(partner_session::Identity user, std::string request_id);

    // Ends every recorded DXtrade session of login@domain: their pings stop, dxWeb is asked
    // to log them out, and what it does not confirm is queued. Waits for dxWeb at most
    // `wait`; the logout carries on after that.
    asio::awaitable<LogoutOutcome> log_out(std::string login, std::string domain, std::string request_id,
                                           std::chrono::milliseconds wait);

    // For GET /admin/dxtrade/sessions: counts and per-user summaries, never tokens. An empty
    // login lists every user (the first `max_users` by login). nullopt if the keepalive
    // thread does not answer within 5 s.
    asio::awaitable<std::optional<boost::json::object>> summary(std::string login, std::string domain,
                                                                std::size_t max_users);

private:
    static constexpr std::size_t launch_kinds = std::tuple_size_v<LaunchCounts>;

    // The halves that run on the keepalive thread (its dxWeb client, sessions and logout queue).
    asio::awaitable<LaunchOutcome> open_on_keepalive_thread(partner_session::Identity user, std::string request_id);
    asio::awaitable<LogoutOutcome> log_out_on_keepalive_thread(std::string login, std::string domain,
                                                               std::string request_id);
    asio::awaitable<boost::json::object> summarize(std::string login, std::string domain, std::size_t max_users);
    // Keepalive thread: logs out the user's oldest sessions beyond launch.max_sessions_per_user
    // (the new one not yet counted).
    void enforce_session_cap(const std::string& login, const std::string& domain, std::string_view request_id);
    // The same with kind "shared": over every replica's sessions of the user.
    asio::awaitable<void> enforce_shared_session_cap(sessions::SessionId opened, std::string login, std::string domain,
                                                     std::string request_id);
    // Keepalive thread: the logouts since `since` (a launch in flight checks it), kept for minutes.
    void note_logout(const std::string& login, const std::string& domain);
    bool logged_out_since(std::uint64_t since, const std::string& login, const std::string& domain) const;
    // With kind "shared", the same across replicas: a logout's mark in the shared state.
    asio::awaitable<void> note_shared_logout(const std::string& login, const std::string& domain);
    asio::awaitable<bool> logged_out_elsewhere_since(std::int64_t since_unix_ms, const std::string& login,
                                                     const std::string& domain);
    void start_threads(const config::Config& config, sessions::LoadResult live, sessions::LoadResult pending,
                       std::size_t expired);
    void shut_down_parts();
    // Keepalive thread: the sessions being pinged for login@domain; stopping the pings of records.
    std::vector<const SessionInfo*> pinged_sessions_of(const std::string& login, const std::string& domain) const;
    std::vector<sessions::SessionId> stop_pinging(const std::vector<sessions::SessionRecord>& records);

    void count_launch(LaunchOutcome::Kind kind) {
        launches_[static_cast<std::size_t>(kind)].fetch_add(1, std::memory_order_relaxed);
    }
    boost::json::object summarize_on_keepalive_thread(const std::string& login, const std::string& domain,
                                                      std::size_t max_users) const;

    std::optional<Settings> settings_;
    boost::json::object started_with_;  // the parts of the config that need a restart to change
    std::unique_ptr<sessions::StoreThread> store_;
    std::unique_ptr<Keepalive> keepalive_;
    std::unique_ptr<LogoutQueue> logouts_;  // after keepalive_: destroyed before its thread's context
    state::SharedState* shared_state_ = nullptr;
    sessions::SharedSessionStore* shared_store_ = nullptr;  // the store, with kind "shared"
    std::unique_ptr<ShardKeeper> keeper_;                   // with kind "shared"; like logouts_
    std::unique_ptr<handlers::Handler> admin_;
    std::chrono::milliseconds launch_deadline_{30000};
    struct LastLogout {
        std::uint64_t sequence;
        std::chrono::steady_clock::time_point at;
    };
    std::unordered_map<std::string, LastLogout> last_logouts_;  // by login '\n' domain; keepalive thread only
    std::uint64_t logout_sequence_ = 0;                          // keepalive thread only
    std::atomic<sessions::SessionId> next_id_{1};
    std::atomic<bool> running_{false};
    std::array<std::atomic<std::uint64_t>, launch_kinds> launches_{};
};

}  // namespace tg::dxtrade
