// The session store on the gateway's shared state, for several replicas (README §5,
// "Several replicas"). With the redis backend every replica sees every session: a logout
// on one replica finds the sessions another launched, and a replica that takes over a
// shard finds its sessions.
//
// Layout, under the module's namespace `ns` (the backend adds its key prefix):
//   <ns>:session:<id>        the record: JSON, then '\n', then the token sealed with
//                            AES-256-GCM (token_cipher.hpp, the id as associated data)
//   <ns>:shard:<n>           set of the ids in shard n (id % shards)
//   <ns>:user:<sha256>       set of the ids of one login and domain (hashed: bounded keys)
//   <ns>:inbox:<n>           set of the ids of shard n changed by put, remove or a queued
//                            logout: the shard's owner reads it to start or stop pings
//   <ns>:logout-claim:<id>   who is calling dxWeb's logout for the session now
// A record expires `record_ttl` after its last write, so nothing outlives the sessions
// even if every replica dies; index entries whose record is gone are dropped when read.
//
// Blocking, like every SessionStore: it runs on the store thread and waits there for the
// shared state, whose calls are bounded by the backend's command timeout. A failed call
// throws std::runtime_error naming the operation, never a key's secret part or a token.
#pragma once

#include "gateway/state/shared_state.hpp"
#include "proto_handlers/common/sessions/session_store.hpp"
#include "proto_handlers/common/sessions/token_cipher.hpp"

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace tg::sessions {

enum class LogoutClaim { mine, busy, gone };

class SharedSessionStore final : public SessionStore {
public:
    SharedSessionStore(state::SharedState& state, std::string ns, std::string_view key_secret, unsigned shards,
                       std::chrono::milliseconds record_ttl);

    unsigned shards() const { return shards_; }
    unsigned shard_of(SessionId id) const { return static_cast<unsigned>(id % shards_); }

    // A new session only: its id must not be taken (std::runtime_error otherwise).
    void put(const SessionRecord& record) override;
    bool remove(SessionId id) override;
    std::vector<SessionRecord> find_by_login(std::string_view login, std::string_view domain) override;
    LoadResult load_live(std::int64_t now_ms) override;
    LoadResult load_pending_logouts() override;
    bool mark_logout_pending(SessionId id, std::int64_t next_attempt_ms) override;
    bool update_ping(SessionId id, std::int64_t last_ping_ms, std::uint32_t failures) override;
    std::size_t remove_expired(std::int64_t now_ms) override;
    SessionId max_id() override;
    std::size_t count() override;
    bool healthy() noexcept override;

    // Every record of one shard, live or queued for logout (a new owner's load).
    LoadResult load_shard(unsigned shard);
    // How many sessions the user index lists for login@domain (an upper bound: entries
    // whose record expired are dropped only when read).
    std::size_t count_of(std::string_view login, std::string_view domain);
    // The record, if it is still there.
    std::optional<SessionRecord> find(SessionId id);
    // Puts `id` in the shard's inbox (its owner looks at the session again).
    void notify(unsigned shard, SessionId id);
    // Up to `most` ids put in the shard's inbox since the last call; each is taken once.
    std::vector<SessionId> take_inbox(unsigned shard, std::size_t most = 4096);
    // The records of `ids`, in order; none for one that is gone or does not decrypt.
    std::vector<std::optional<SessionRecord>> find_many(const std::vector<SessionId>& ids);
    // Whether `owner` may call dxWeb's logout for the session now: mine (claimed for
    // `hold`), busy (another replica is at it) or gone (the record is no more: another
    // replica's confirmed logout removed it).
    LogoutClaim claim_logout(SessionId id, const std::string& owner, std::chrono::milliseconds hold);

    // The layout above, for tools that write it in bulk (bench/ha seeds Redis with it).
    std::string record_key(SessionId id) const;
    std::string shard_key(unsigned shard) const;
    std::string user_key(std::string_view login, std::string_view domain) const;
    std::string inbox_key(unsigned shard) const;
    std::string encode(const SessionRecord& record) const;
    std::optional<SessionRecord> decode(SessionId id, const std::string& value) const;
    std::chrono::milliseconds record_ttl() const { return record_ttl_; }

private:
    template <class T>
    T wait(const char* what, boost::asio::awaitable<state::Result<T>> call);
    void wait_done(const char* what, boost::asio::awaitable<state::Result<void>> call);
    // Reads the record, edits it and writes it back unless another writer came between;
    // false when it is gone.
    bool change(SessionId id, const std::function<void(SessionRecord&)>& edit);
    // The stored values of `ids`, in order (none for one that is gone).
    std::vector<std::optional<std::string>> read_many(const std::vector<SessionId>& ids);
    // The records of the ids listed in `index_key`; ids without a record are dropped from it.
    LoadResult read_indexed(const std::vector<std::string>& members, const std::string& index_key);

    state::SharedState& state_;
    std::string ns_;
    TokenCipher cipher_;
    unsigned shards_;
    std::chrono::milliseconds record_ttl_;
};

}  // namespace tg::sessions
