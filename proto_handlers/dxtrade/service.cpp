#include "proto_handlers/dxtrade/service.hpp"

#include "gateway/config/files.hpp"
#include "gateway/core/digest.hpp"
#include "gateway/core/log.hpp"
#include "gateway/core/time_format.hpp"
#include "proto_handlers/common/sessions/memory_session_store.hpp"
#include "proto_handlers/common/sessions/sqlite_session_store.hpp"
#include "proto_handlers/dxtrade/admin_endpoints.hpp"
#include "proto_handlers/dxtrade/finish_within.hpp"
#include "proto_handlers/dxtrade/metrics.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/json/array.hpp>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <stdexcept>

namespace tg::dxtrade {
namespace {

constexpr const char* log_prefix = "dxtrade: ";

// Shared records outlive every session they could hold, then go by themselves.
std::chrono::milliseconds shared_record_ttl(const Settings& settings) {
    return settings.keepalive.max_age + settings.logout.retry_for + std::chrono::hours(1);
}

std::unique_ptr<sessions::SessionStore> open_store(const Settings& settings, const config::Config& config,
                                                   state::SharedState* shared_state) {
    if (settings.session_store.kind == SessionStoreKind::memory) return std::make_unique<sessions::MemorySessionStore>();
    const auto& key = config.secrets.at(settings.session_store.key).reveal();
    if (settings.session_store.kind == SessionStoreKind::shared) {
        if (!shared_state) throw std::runtime_error("kind \"shared\" needs the gateway's shared state");
        return std::make_unique<sessions::SharedSessionStore>(*shared_state, "dxtrade", key,
                                                              settings.session_store.shards, shared_record_ttl(settings));
    }
    // Relative to the config file's directory, like every other path in the config.
    const auto base_dir = std::filesystem::path(config.source_path).parent_path();
    const auto path = config::detail::resolve_path(base_dir, settings.session_store.path);
    return std::make_unique<sessions::SqliteSessionStore>(path, key);
}

// What only a restart applies: the dxWeb client, keepalive and store settings, the dxWeb
// upstream, and the secrets they use (by hash). Per-request settings (terminal URL,
// target, launch, token encoding, logout wait) apply on reload.
boost::json::object restart_settings(const config::Config& config) {
    boost::json::object parts;
    const auto* section = config.document.if_contains(section_name);
    if (!section || !section->is_object()) return parts;
    boost::json::object dxtrade = section->get_object();
    for (const auto* per_request : {"terminal_login_url", "target"}) dxtrade.erase(per_request);
    if (auto* launch = dxtrade.if_contains("launch"); launch && launch->is_object()) {
        for (const auto* per_request : {"login_url", "allowed_origins", "retry_after_s"})
            launch->get_object().erase(per_request);
    }
    if (auto* token = dxtrade.if_contains("token"); token && token->is_object()) token->get_object().erase("send_base64");
    if (auto* logout = dxtrade.if_contains("logout"); logout && logout->is_object()) logout->get_object().erase("wait_ms");
    parts[section_name] = std::move(dxtrade);
    const auto settings = read_settings(config);
    if (const auto* upstreams = config.document.if_contains("upstreams"); upstreams && upstreams->is_object()) {
        if (const auto* upstream = upstreams->get_object().if_contains(settings.upstream)) parts["upstream"] = *upstream;
    }
    for (const auto& name : {settings.auth.password, settings.session_store.key}) {
        const auto found = config.secrets.find(name);
        if (found != config.secrets.end()) parts["secret:" + name] = sha256_hex(found->second.reveal());
    }
    return parts;
}

sessions::SessionRecord record_of(const SessionInfo& session) {
    sessions::SessionRecord record;
    record.id = session.id;
    record.login = session.login;
    record.domain = session.domain;
    record.token = sessions::SecretString(session.token);
    record.created_ms = session.created_ms;
    record.expires_at_s = session.expires_at_s;
    return record;
}

std::string user_key(const std::string& login, const std::string& domain) { return login + '\n' + domain; }

constexpr auto recent_logout_window = std::chrono::minutes(10);
constexpr std::size_t max_recent_logouts = 100000;
constexpr auto summary_deadline = std::chrono::milliseconds(5000);

LaunchOutcome::Kind launch_failure(TokenResult::Kind kind) {
    switch (kind) {
        case TokenResult::Kind::timeout: return LaunchOutcome::Kind::timeout;
        case TokenResult::Kind::rejected: return LaunchOutcome::Kind::rejected;
        default: return LaunchOutcome::Kind::unavailable;
    }
}

}  // namespace

DxtradeService::DxtradeService() : admin_(make_admin_handler(*this)) {}

DxtradeService::~DxtradeService() { stop(); }

void DxtradeService::start(const config::Config& config) {
    if (running_.load() || !config.document.contains(section_name)) return;
    settings_ = read_settings(config);
    started_with_ = restart_settings(config);
    std::unique_ptr<sessions::SessionStore> store;
    try {
        store = open_store(*settings_, config, shared_state_);
    } catch (const std::exception& e) {
        throw std::runtime_error(std::string("dxtrade session store: ") + e.what());
    }
    const auto& upstream = config.upstreams.at(settings_->upstream);
    // generateToken may log in first: two exchanges, each bounded by the upstream's timeouts.
    launch_deadline_ = 2 * (upstream.connect_timeout + upstream.response_timeout) + std::chrono::seconds(5);
    if (settings_->session_store.kind == SessionStoreKind::shared) {
        // Nothing is loaded here: each shard is loaded by the replica that takes it.
        shared_store_ = static_cast<sessions::SharedSessionStore*>(store.get());
        store_ = std::make_unique<sessions::StoreThread>(std::move(store));
        try {
            start_threads(config, {}, {}, 0);
        } catch (...) {
            shut_down_parts();
            throw;
        }
        return;
    }
    const auto now = unix_millis_now();
    const auto expired = store->remove_expired(now);
    auto live = store->load_live(now);
    auto pending = store->load_pending_logouts();
    for (const auto id : live.undecryptable) store->remove(id);
    for (const auto id : pending.undecryptable) store->remove(id);
    next_id_.store(store->max_id() + 1);

    store_ = std::make_unique<sessions::StoreThread>(std::move(store));
    try {
        start_threads(config, std::move(live), std::move(pending), expired);
    } catch (...) {
        shut_down_parts();
        throw;
    }
}

void DxtradeService::start_threads(const config::Config& config, sessions::LoadResult live,
                                   sessions::LoadResult pending, std::size_t expired) {
    keepalive_ = std::make_unique<Keepalive>(*settings_, config.upstreams.at(settings_->upstream),
                                             config.secrets.at(settings_->auth.password).reveal());
    logouts_ = std::make_unique<LogoutQueue>(*keepalive_, *store_, *settings_);
    keepalive_->on_ended([store = store_.get()](SessionId id, EndReason) {
        store->post("remove an ended session", [id](sessions::SessionStore& s) { s.remove(id); });
    });
    if (shared_store_) {
        const auto name = settings_->session_store.replica_name.empty() ? default_replica_name()
                                                                         : settings_->session_store.replica_name;
        keeper_ = std::make_unique<ShardKeeper>(*keepalive_, *logouts_, *store_, *shared_store_, *shared_state_,
                                                *settings_, name);
        // Held while this replica calls dxWeb and between its retries (at most hold / 2 apart).
        logouts_->claim_with([shared = shared_store_, name, hold = settings_->logout.claim_hold](
                                 sessions::SessionStore&, sessions::SessionId id) {
            return shared->claim_logout(id, name, hold);
        });
    }
    keepalive_->start();
    logouts_->start();
    if (keeper_) keeper_->start();
    std::vector<SessionInfo> resumed;
    resumed.reserve(live.records.size());
    for (const auto& record : live.records) resumed.push_back(info_of(record));
    keepalive_->add_all(std::move(resumed), true);
    const auto queued_logouts = pending.records.size();
    logouts_->resume(std::move(pending.records));
    running_.store(true);

    log::info(log_prefix, "resumed ", live.records.size(), " sessions (first pings spread over ",
              settings_->keepalive.interval.count(), " ms) and ", queued_logouts, " queued logouts; removed ", expired,
              " expired records");
    if (const auto lost = live.undecryptable.size() + pending.undecryptable.size()) {
        log::error(log_prefix, "removed ", lost, " records whose token does not decrypt (was session_store.key changed?)");
    }
}

void DxtradeService::stop() {
    if (!running_.exchange(false)) return;
    if (keeper_) keeper_->hand_over();  // the other replicas take the sessions at once
    shut_down_parts();
}

// Called while the workers' io_contexts still exist (Gateway::stop): the keepalive thread's
// unfinished coroutines are destroyed here, before anything they refer to.
void DxtradeService::shut_down_parts() {
    if (logouts_) logouts_->stop();
    if (keepalive_) keepalive_->stop();
    // The store's last calls post their answers to the keepalive's io_context: it must
    // still exist when the store thread drains.
    if (store_) store_->stop();
    keeper_.reset();   // its timers live on the keepalive's io_context
    logouts_.reset();  // so does this one's
    keepalive_.reset();
    if (store_) store_->stop();
    store_.reset();
    shared_store_ = nullptr;
}

std::vector<std::string> DxtradeService::needs_restart(const config::Config& next) const {
    if (!running_.load()) {
        if (next.document.contains(section_name)) return {"dxtrade (added: the service starts with the gateway)"};
        return {};
    }
    if (!next.document.contains(section_name)) return {"dxtrade (removed: keeps running until a restart)"};
    if (restart_settings(next) != started_with_) {
        return {"dxtrade (upstream, auth, endpoints, token.answer_field, keepalive, logout.by/retry_for_ms, "
                "session_store or their secrets)"};
    }
    return {};
}

std::string DxtradeService::not_ready_reason() const {
    if (!running_.load()) return {};
    if (!store_->healthy()) return "dxtrade session store unavailable";
    if (!keepalive_->healthy() || logouts_->failed() || (keeper_ && keeper_->failed()))
        return "dxtrade keepalive stopped (see the log)";
    return {};
}

void DxtradeService::append_metrics(std::string& out) const {
    if (!running_.load()) return;
    LaunchCounts launches{};
    for (std::size_t i = 0; i < launch_kinds; ++i) launches[i] = launches_[i].load(std::memory_order_relaxed);
    append_dxtrade_metrics(out, keepalive_->stats(), logouts_->stats(), launches, store_->healthy());
    if (keeper_) append_shard_metrics(out, keeper_->stats());
}

handlers::Handler* DxtradeService::admin_handler(std::string_view path) {
    return is_admin_path(path) ? admin_.get() : nullptr;
}

asio::awaitable<LaunchOutcome> DxtradeService::open_session(partner_session::Identity user, std::string request_id) {
    if (!running_.load()) {
        log::error("request ", request_id, ": ", log_prefix, "the service is not running (restart after adding it)");
        count_launch(LaunchOutcome::Kind::unavailable);
        co_return LaunchOutcome{};
    }
    auto work = open_on_keepalive_thread(std::move(user), request_id);
    auto outcome = co_await finish_within(keepalive_->executor(), std::move(work), launch_deadline_);
    if (!outcome) {
        log::error("request ", request_id, ": ", log_prefix, "the launch did not finish within ",
                   launch_deadline_.count(), " ms");
        outcome.emplace();
        outcome->kind = LaunchOutcome::Kind::timeout;
    }
    count_launch(outcome->kind);
    co_return std::move(*outcome);
}

asio::awaitable<LaunchOutcome> DxtradeService::open_on_keepalive_thread(partner_session::Identity user,
                                                                        std::string request_id) {
    LaunchOutcome outcome;
    const auto started = logout_sequence_;
    const auto started_unix_ms = unix_millis_now();
    auto answer = co_await keepalive_->client().generate_token(user.dx_login, user.dx_domain, request_id);
    if (answer.kind != TokenResult::Kind::ok) {
        outcome.kind = launch_failure(answer.kind);
        co_return outcome;
    }
    sessions::SessionRecord record;
    record.id = keeper_ ? keeper_->new_session_id() : next_id_.fetch_add(1);
    record.user_id = user.user_id;
    record.login = user.dx_login;
    record.domain = user.dx_domain;
    record.token = sessions::SecretString(answer.token);
    record.created_ms = unix_millis_now();
    record.expires_at_s = user.expires_at.value_or(0);
    try {
        // Durable before the token goes to the browser: a crash after this loses nothing.
        auto put = [record](sessions::SessionStore& store) { store.put(record); };
        co_await store_->call(std::move(put));
    } catch (const std::exception& e) {
        log::error("request ", request_id, ": ", log_prefix, "cannot record the session: ", e.what());
        outcome.kind = LaunchOutcome::Kind::not_recorded;
        co_return outcome;
    }
    bool signed_out = logged_out_since(started, record.login, record.domain);
    if (!signed_out && keeper_) {
        signed_out = co_await logged_out_elsewhere_since(started_unix_ms, record.login, record.domain);
    }
    if (signed_out) {
        // The user logged out while dxWeb was answering: end this session too, hand out nothing.
        log::info("request ", request_id, ": ", log_prefix, "the user logged out during the launch");
        std::vector<sessions::SessionRecord> ended{std::move(record)};
        co_await logouts_->log_out(std::move(ended), request_id);
        outcome.kind = LaunchOutcome::Kind::signed_out;
        co_return outcome;
    }
    if (keeper_) {
        co_await enforce_shared_session_cap(record.id, record.login, record.domain, request_id);
    } else {
        enforce_session_cap(record.login, record.domain, request_id);
    }
    // With several replicas, the shard's owner starts the pings (it reads its inbox).
    if (!keeper_ || keeper_->pings(record.id)) keepalive_->add(info_of(record), false);
    log::info("request ", request_id, ": ", log_prefix, "session ", record.id, " opened");
    outcome.kind = LaunchOutcome::Kind::ok;
    outcome.token = std::move(answer.token);
    co_return outcome;
}

void DxtradeService::enforce_session_cap(const std::string& login, const std::string& domain,
                                         std::string_view request_id) {
    auto sessions = pinged_sessions_of(login, domain);
    const auto cap = settings_->launch.max_sessions_per_user;
    if (sessions.size() < cap) return;
    std::sort(sessions.begin(), sessions.end(), [](const auto* a, const auto* b) { return a->id < b->id; });
    std::vector<sessions::SessionRecord> oldest;
    for (std::size_t i = 0; i + cap <= sessions.size(); ++i) oldest.push_back(record_of(*sessions[i]));
    log::info("request ", request_id, ": ", log_prefix, "the user has ", sessions.size(), " sessions (cap ", cap,
              "): logging out the ", oldest.size(), " oldest");
    const auto ids = stop_pinging(oldest);
    const auto now = unix_millis_now();
    store_->post("queue the logout of sessions over the cap", [ids, now](sessions::SessionStore& store) {
        for (const auto id : ids) store.mark_logout_pending(id, now);
    });
    asio::co_spawn(keepalive_->executor(), logouts_->log_out(std::move(oldest), std::string(request_id)),
                   asio::detached);
}

asio::awaitable<void> DxtradeService::enforce_shared_session_cap(sessions::SessionId opened, std::string login,
                                                                 std::string domain, std::string request_id) {
    // Every replica's sessions of the user count, as the user index in the store has them;
    // the records are read only when the index says the cap may be passed.
    std::vector<sessions::SessionRecord> records;
    const auto cap = settings_->launch.max_sessions_per_user;
    auto find = [login, domain, cap, shared = shared_store_](sessions::SessionStore& store) {
        if (shared->count_of(login, domain) <= cap) return std::vector<sessions::SessionRecord>();
        return store.find_by_login(login, domain);
    };
    try {
        records = co_await store_->call(std::move(find));
    } catch (const std::exception& e) {
        log::warn("request ", request_id, ": ", log_prefix, "cannot count the user's sessions (", e.what(),
                  "); the cap is not applied to this launch");
        co_return;
    }
    const auto now = unix_millis_now();
    std::erase_if(records, [&](const auto& r) { return r.id == opened || !r.live_at(now); });
    if (records.size() < cap) co_return;
    std::sort(records.begin(), records.end(), [](const auto& a, const auto& b) {
        return a.created_ms != b.created_ms ? a.created_ms < b.created_ms : a.id < b.id;
    });
    records.resize(records.size() + 1 - cap);  // the oldest, so that the new one makes cap
    log::info("request ", request_id, ": ", log_prefix, "the user has ", records.size() + cap - 1,
              " other sessions (cap ", cap, "): logging out the ", records.size(), " oldest");
    const auto ids = stop_pinging(records);
    auto queue = [ids, now](sessions::SessionStore& store) {
        for (const auto id : ids) store.mark_logout_pending(id, now);
    };
    try {
        co_await store_->call(std::move(queue));
    } catch (const std::exception& e) {
        log::error("request ", request_id, ": ", log_prefix, "cannot queue the logout in the store (", e.what(), ")");
    }
    asio::co_spawn(keepalive_->executor(), logouts_->log_out(std::move(records), std::move(request_id)), asio::detached);
}

std::vector<const SessionInfo*> DxtradeService::pinged_sessions_of(const std::string& login,
                                                                   const std::string& domain) const {
    std::vector<const SessionInfo*> found;
    for (const auto& [id, session] : keepalive_->sessions()) {
        if (session.login == login && session.domain == domain) found.push_back(&session);
    }
    return found;
}

std::vector<sessions::SessionId> DxtradeService::stop_pinging(const std::vector<sessions::SessionRecord>& records) {
    std::vector<sessions::SessionId> ids;
    for (const auto& record : records) {
        keepalive_->remove(record.id);
        ids.push_back(record.id);
    }
    return ids;
}

void DxtradeService::note_logout(const std::string& login, const std::string& domain) {
    const auto now = std::chrono::steady_clock::now();
    // Only a launch under way can ask, and none takes minutes: older entries can go.
    if (last_logouts_.size() >= max_recent_logouts) {
        std::erase_if(last_logouts_, [&](const auto& entry) { return now - entry.second.at > recent_logout_window; });
    }
    last_logouts_.insert_or_assign(user_key(login, domain), LastLogout{++logout_sequence_, now});
}

bool DxtradeService::logged_out_since(std::uint64_t since, const std::string& login, const std::string& domain) const {
    if (logout_sequence_ == since) return false;
    const auto found = last_logouts_.find(user_key(login, domain));
    return found != last_logouts_.end() && found->second.sequence > since;
}

namespace {
std::string logout_mark_key(const std::string& login, const std::string& domain) {
    return "dxtrade:logged-out:" + sha256_hex(login + '\n' + domain);
}
}  // namespace

asio::awaitable<void> DxtradeService::note_shared_logout(const std::string& login, const std::string& domain) {
    // Kept as long as a launch can take; a failure only narrows the window it covers.
    co_await shared_state_->put(logout_mark_key(login, domain), std::to_string(unix_millis_now()), 2 * launch_deadline_);
}

asio::awaitable<bool> DxtradeService::logged_out_elsewhere_since(std::int64_t since_unix_ms, const std::string& login,
                                                                 const std::string& domain) {
    const auto mark = co_await shared_state_->get(logout_mark_key(login, domain));
    if (!mark || !mark->has_value()) co_return false;
    try {
        co_return std::stoll(**mark) >= since_unix_ms;
    } catch (const std::exception&) {
        co_return false;
    }
}

asio::awaitable<LogoutOutcome> DxtradeService::log_out(std::string login, std::string domain, std::string request_id,
                                                       std::chrono::milliseconds wait) {
    if (!running_.load()) co_return LogoutOutcome{};
    auto work = log_out_on_keepalive_thread(std::move(login), std::move(domain), request_id);
    auto outcome = co_await finish_within(keepalive_->executor(), std::move(work), wait);
    if (outcome) co_return std::move(*outcome);
    log::warn("request ", request_id, ": ", log_prefix, "the DXtrade logout has not finished within ", wait.count(),
              " ms; it goes on in the background");
    LogoutOutcome unfinished;
    unfinished.finished = false;
    co_return unfinished;
}

asio::awaitable<LogoutOutcome> DxtradeService::log_out_on_keepalive_thread(std::string login, std::string domain,
                                                                           std::string request_id) {
    note_logout(login, domain);  // a launch of this user still under way ends its session too
    if (keeper_) co_await note_shared_logout(login, domain);
    std::vector<sessions::SessionRecord> records;
    bool store_failed = false;
    try {
        auto find = [login, domain](sessions::SessionStore& store) { return store.find_by_login(login, domain); };
        records = co_await store_->call(std::move(find));
    } catch (const std::exception& e) {
        log::error("request ", request_id, ": ", log_prefix, "cannot read the user's sessions from the store: ",
                   e.what(), "; ending the ones being pinged here");
        store_failed = true;
    }
    // Whatever the store said, every session being pinged for the user ends.
    std::set<sessions::SessionId> listed;
    for (const auto& record : records) listed.insert(record.id);
    for (const auto* session : pinged_sessions_of(login, domain)) {
        if (!listed.contains(session->id)) records.push_back(record_of(*session));
    }
    if (records.empty()) {
        // With several replicas, sessions pinged elsewhere may not have been seen: the
        // logout is not reported finished.
        LogoutOutcome outcome;
        outcome.finished = !(store_failed && keeper_);
        co_return outcome;
    }
    const auto ids = stop_pinging(records);
    try {
        // Queued in the store before dxWeb is asked: a crash now still delivers the logout later.
        const auto now = unix_millis_now();
        auto queue = [ids, now](sessions::SessionStore& store) {
            for (const auto id : ids) store.mark_logout_pending(id, now);
        };
        co_await store_->call(std::move(queue));
    } catch (const std::exception& e) {
        log::error("request ", request_id, ": ", log_prefix, "cannot queue the logout in the store (", e.what(),
                   "); it is tried and retried from memory");
    }
    co_return co_await logouts_->log_out(std::move(records), request_id);
}

asio::awaitable<std::optional<boost::json::object>> DxtradeService::summary(std::string login, std::string domain,
                                                                            std::size_t max_users) {
    if (!running_.load()) co_return boost::json::object{{"running", false}};
    auto work = summarize(std::move(login), std::move(domain), max_users);
    co_return co_await finish_within(keepalive_->executor(), std::move(work), summary_deadline);
}

asio::awaitable<boost::json::object> DxtradeService::summarize(std::string login, std::string domain,
                                                               std::size_t max_users) {
    auto body = summarize_on_keepalive_thread(login, domain, max_users);
    auto count = [](sessions::SessionStore& store) { return store.count(); };
    body["stored"] = co_await store_->call(std::move(count));
    co_return body;
}

boost::json::object DxtradeService::summarize_on_keepalive_thread(const std::string& login, const std::string& domain,
                                                                  std::size_t max_users) const {
    struct User {
        std::size_t sessions = 0;
        std::size_t pending_logouts = 0;
        std::int64_t oldest_created_ms = 0;
    };
    std::map<std::pair<std::string, std::string>, User> users;
    const auto wanted = [&](const std::string& l, const std::string& d) {
        return login.empty() || (l == login && (domain.empty() || d == domain));
    };
    for (const auto& [id, session] : keepalive_->sessions()) {
        if (!wanted(session.login, session.domain)) continue;
        auto& user = users[{session.login, session.domain}];
        ++user.sessions;
        if (user.oldest_created_ms == 0 || session.created_ms < user.oldest_created_ms)
            user.oldest_created_ms = session.created_ms;
    }
    std::size_t pending_total = 0;
    for (const auto& [key, count] : logouts_->pending_by_user()) {
        pending_total += count;
        if (wanted(key.first, key.second)) users[key].pending_logouts += count;
    }
    boost::json::array listed;
    for (const auto& [key, user] : users) {
        if (listed.size() == max_users) break;
        boost::json::object entry{{"login", key.first},
                                  {"domain", key.second},
                                  {"sessions", user.sessions},
                                  {"pendingLogouts", user.pending_logouts}};
        if (user.oldest_created_ms > 0) {
            entry["oldestCreated"] = rfc3339_millis(std::chrono::system_clock::time_point(
                std::chrono::milliseconds(user.oldest_created_ms)));
        }
        listed.push_back(std::move(entry));
    }
    return {{"running", true},
            {"active", keepalive_->sessions().size()},
            {"pendingLogouts", pending_total},
            {"users", std::move(listed)},
            {"truncated", users.size() > max_users}};
}

}  // namespace tg::dxtrade
