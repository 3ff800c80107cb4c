#include "proto_handlers/common/sessions/shared_session_store.hpp"

#include "gateway/core/digest.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <charconv>
#include <stdexcept>

namespace tg::sessions {
namespace {

namespace json = boost::json;

std::string associated_data(SessionId id) { return "tg-session:" + std::to_string(id); }

std::optional<SessionId> id_of(const std::string& text) {
    SessionId id = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return id;
}

}  // namespace

SharedSessionStore::SharedSessionStore(state::SharedState& state, std::string ns, std::string_view key_secret,
                                       unsigned shards, std::chrono::milliseconds record_ttl)
    : state_(state), ns_(std::move(ns)), cipher_(key_secret), shards_(std::max(1u, shards)), record_ttl_(record_ttl) {}

// The store thread waits here; the shared state's own timeouts bound the wait.
template <class T>
T SharedSessionStore::wait(const char* what, boost::asio::awaitable<state::Result<T>> call) {
    boost::asio::io_context io;
    auto future = boost::asio::co_spawn(io, std::move(call), boost::asio::use_future);
    io.run();
    auto result = future.get();
    if (!result) throw std::runtime_error(std::string("shared state: ") + what + ": " + result.error().message());
    return std::move(*result);
}

void SharedSessionStore::wait_done(const char* what, boost::asio::awaitable<state::Result<void>> call) {
    boost::asio::io_context io;
    auto future = boost::asio::co_spawn(io, std::move(call), boost::asio::use_future);
    io.run();
    if (const auto result = future.get(); !result) {
        throw std::runtime_error(std::string("shared state: ") + what + ": " + result.error().message());
    }
}

std::string SharedSessionStore::record_key(SessionId id) const { return ns_ + ":session:" + std::to_string(id); }
std::string SharedSessionStore::shard_key(unsigned shard) const { return ns_ + ":shard:" + std::to_string(shard); }
std::string SharedSessionStore::inbox_key(unsigned shard) const { return ns_ + ":inbox:" + std::to_string(shard); }
std::string SharedSessionStore::user_key(std::string_view login, std::string_view domain) const {
    std::string user(login);
    user += '\n';
    user += domain;
    return ns_ + ":user:" + sha256_hex(user);
}

std::string SharedSessionStore::encode(const SessionRecord& record) const {
    // Short names, and no field that holds its default: Redis keeps a million of these.
    json::object fields{{"u", record.user_id}, {"l", record.login}, {"d", record.domain}, {"c", record.created_ms}};
    if (record.last_ping_ms != 0) fields["p"] = record.last_ping_ms;
    if (record.expires_at_s != 0) fields["e"] = record.expires_at_s;
    if (record.failures != 0) fields["f"] = record.failures;
    if (record.logout_pending) fields["q"] = true;
    if (record.logout_next_attempt_ms != 0) fields["n"] = record.logout_next_attempt_ms;
    const auto sealed = cipher_.encrypt(record.token.reveal(), associated_data(record.id));
    auto value = json::serialize(fields);  // never a raw newline: the separator below is unambiguous
    value += '\n';
    value.append(reinterpret_cast<const char*>(sealed.data()), sealed.size());
    return value;
}

std::optional<SessionRecord> SharedSessionStore::decode(SessionId id, const std::string& value) const {
    const auto newline = value.find('\n');
    if (newline == std::string::npos) return std::nullopt;
    boost::system::error_code ec;
    const auto parsed = json::parse(std::string_view(value).substr(0, newline), ec);
    if (ec || !parsed.is_object()) return std::nullopt;
    const auto& fields = parsed.get_object();
    const std::span<const std::uint8_t> sealed(reinterpret_cast<const std::uint8_t*>(value.data()) + newline + 1,
                                               value.size() - newline - 1);
    auto token = cipher_.decrypt(sealed, associated_data(id));
    if (!token) return std::nullopt;
    try {
        SessionRecord record;
        record.id = id;
        record.user_id = std::string(fields.at("u").as_string());
        record.login = std::string(fields.at("l").as_string());
        record.domain = std::string(fields.at("d").as_string());
        record.token = SecretString(std::move(*token));
        record.created_ms = fields.at("c").to_number<std::int64_t>();
        const auto number_or_zero = [&fields](const char* name) -> std::int64_t {
            const auto* value = fields.if_contains(name);
            return value ? value->to_number<std::int64_t>() : 0;
        };
        record.last_ping_ms = number_or_zero("p");
        record.expires_at_s = number_or_zero("e");
        record.failures = static_cast<std::uint32_t>(std::clamp<std::int64_t>(number_or_zero("f"), 0, UINT32_MAX));
        const auto* pending = fields.if_contains("q");
        record.logout_pending = pending && pending->as_bool();
        record.logout_next_attempt_ms = number_or_zero("n");
        return record;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

bool SharedSessionStore::change(SessionId id, const std::function<void(SessionRecord&)>& edit) {
    // Compare and set: another replica's change between the read and the write (a logout
    // mark, a removal) is never undone; the edit is made again on what it wrote.
    constexpr int tries = 4;
    for (int attempt = 0; attempt < tries; ++attempt) {
        const auto stored = wait("reading a session", state_.get(record_key(id)));
        if (!stored) return false;
        auto record = decode(id, *stored);
        if (!record) return false;
        edit(*record);
        if (wait("writing a session", state_.put_if_equal(record_key(id), *stored, encode(*record), record_ttl_))) {
            return true;
        }
    }
    throw std::runtime_error("shared state: a session changed under " + std::to_string(tries) + " writes in a row");
}

void SharedSessionStore::put(const SessionRecord& record) {
    // The record first, then its indexes: an index entry without a record is stale and
    // readers drop it, so it must never be written ahead of its record. A new id that is
    // taken already (ids are random) fails the put instead of replacing another's record.
    if (!wait("writing a session", state_.put_if_absent(record_key(record.id), encode(record), record_ttl_))) {
        throw std::runtime_error("a new session's id is taken already");
    }
    wait_done("indexing a session", state_.set_add(shard_key(shard_of(record.id)), std::to_string(record.id)));
    wait_done("indexing a session", state_.set_add(user_key(record.login, record.domain), std::to_string(record.id)));
    wait_done("notifying a shard", state_.set_add(inbox_key(shard_of(record.id)), std::to_string(record.id)));
}

bool SharedSessionStore::remove(SessionId id) {
    const auto record = find(id);
    const auto member = std::to_string(id);
    const bool removed = wait("removing a session", state_.remove(record_key(id)));
    wait("unindexing a session", state_.set_remove(shard_key(shard_of(id)), member));
    if (record) wait("unindexing a session", state_.set_remove(user_key(record->login, record->domain), member));
    wait_done("notifying a shard", state_.set_add(inbox_key(shard_of(id)), member));
    return removed;
}

std::size_t SharedSessionStore::count_of(std::string_view login, std::string_view domain) {
    return wait("counting a user's sessions", state_.set_size(user_key(login, domain)));
}

std::optional<SessionRecord> SharedSessionStore::find(SessionId id) {
    const auto value = wait("reading a session", state_.get(record_key(id)));
    if (!value) return std::nullopt;
    return decode(id, *value);
}

LoadResult SharedSessionStore::read_indexed(const std::vector<std::string>& members, const std::string& index_key) {
    std::vector<SessionId> ids;
    for (const auto& member : members) {
        if (const auto id = id_of(member)) {
            ids.push_back(*id);
        } else {
            wait("dropping a stale index entry", state_.set_remove(index_key, member));
        }
    }
    const auto values = read_many(ids);
    LoadResult loaded;
    for (std::size_t i = 0; i < ids.size(); ++i) {
        if (!values[i]) {
            wait("dropping a stale index entry", state_.set_remove(index_key, std::to_string(ids[i])));
        } else if (auto record = decode(ids[i], *values[i])) {
            loaded.records.push_back(std::move(*record));
        } else {
            loaded.undecryptable.push_back(ids[i]);
        }
    }
    std::sort(loaded.records.begin(), loaded.records.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
    return loaded;
}

std::vector<SessionRecord> SharedSessionStore::find_by_login(std::string_view login, std::string_view domain) {
    const auto key = user_key(login, domain);
    auto records = read_indexed(wait("listing a user's sessions", state_.set_members(key)), key).records;
    std::erase_if(records, [&](const auto& r) { return r.login != login || r.domain != domain; });
    return records;
}

LoadResult SharedSessionStore::load_shard(unsigned shard) {
    const auto key = shard_key(shard);
    return read_indexed(wait("listing a shard", state_.set_members(key)), key);
}

LoadResult SharedSessionStore::load_live(std::int64_t now_ms) {
    LoadResult live;
    for (unsigned shard = 0; shard < shards_; ++shard) {
        auto loaded = load_shard(shard);
        for (auto& record : loaded.records)
            if (record.live_at(now_ms)) live.records.push_back(std::move(record));
        live.undecryptable.insert(live.undecryptable.end(), loaded.undecryptable.begin(), loaded.undecryptable.end());
    }
    return live;
}

LoadResult SharedSessionStore::load_pending_logouts() {
    LoadResult pending;
    for (unsigned shard = 0; shard < shards_; ++shard) {
        auto loaded = load_shard(shard);
        for (auto& record : loaded.records)
            if (record.logout_pending) pending.records.push_back(std::move(record));
        pending.undecryptable.insert(pending.undecryptable.end(), loaded.undecryptable.begin(),
                                     loaded.undecryptable.end());
    }
    return pending;
}

bool SharedSessionStore::mark_logout_pending(SessionId id, std::int64_t next_attempt_ms) {
    bool newly = false;
    const bool changed = change(id, [&](SessionRecord& record) {
        newly = !record.logout_pending;
        record.logout_pending = true;
        record.logout_next_attempt_ms = next_attempt_ms;
    });
    if (!changed) return false;
    // The owner stops pinging it (a reschedule is no news to it).
    if (newly) wait_done("notifying a shard", state_.set_add(inbox_key(shard_of(id)), std::to_string(id)));
    return true;
}

bool SharedSessionStore::update_ping(SessionId id, std::int64_t last_ping_ms, std::uint32_t failures) {
    return change(id, [&](SessionRecord& record) {
        record.last_ping_ms = last_ping_ms;
        record.failures = failures;
    });
}

std::size_t SharedSessionStore::remove_expired(std::int64_t now_ms) {
    std::size_t removed = 0;
    for (unsigned shard = 0; shard < shards_; ++shard) {
        for (const auto& record : load_shard(shard).records) {
            if (!record.live_at(now_ms) && !record.logout_pending && remove(record.id)) ++removed;
        }
    }
    return removed;
}

SessionId SharedSessionStore::max_id() {
    SessionId largest = 0;
    for (unsigned shard = 0; shard < shards_; ++shard) {
        for (const auto& member : wait("listing a shard", state_.set_members(shard_key(shard)))) {
            if (const auto id = id_of(member)) largest = std::max(largest, *id);
        }
    }
    return largest;
}

std::size_t SharedSessionStore::count() {
    std::size_t total = 0;
    for (unsigned shard = 0; shard < shards_; ++shard) total += wait("counting a shard", state_.set_size(shard_key(shard)));
    return total;
}

bool SharedSessionStore::healthy() noexcept {
    try {
        wait("checking the shared state", state_.get(ns_ + ":health"));
        return true;
    } catch (...) {
        return false;
    }
}

void SharedSessionStore::notify(unsigned shard, SessionId id) {
    wait_done("notifying a shard", state_.set_add(inbox_key(shard), std::to_string(id)));
}

std::vector<SessionId> SharedSessionStore::take_inbox(unsigned shard, std::size_t most) {
    // Taken, not read: a concurrent reader (an owner that just lost the shard) gets the rest.
    std::vector<SessionId> taken;
    for (const auto& member : wait("reading a shard's inbox", state_.set_take(inbox_key(shard), most))) {
        if (const auto id = id_of(member)) taken.push_back(*id);
    }
    return taken;
}

std::vector<std::optional<std::string>> SharedSessionStore::read_many(const std::vector<SessionId>& ids) {
    // MGET in chunks: a shard of a million sessions loads in a few hundred round trips.
    constexpr std::size_t chunk = 512;
    std::vector<std::optional<std::string>> values;
    values.reserve(ids.size());
    for (std::size_t first = 0; first < ids.size(); first += chunk) {
        std::vector<std::string> keys;
        for (std::size_t i = first; i < std::min(ids.size(), first + chunk); ++i) keys.push_back(record_key(ids[i]));
        for (auto& value : wait("reading sessions", state_.get_many(std::move(keys)))) values.push_back(std::move(value));
    }
    return values;
}

std::vector<std::optional<SessionRecord>> SharedSessionStore::find_many(const std::vector<SessionId>& ids) {
    auto values = read_many(ids);
    std::vector<std::optional<SessionRecord>> found;
    found.reserve(ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i) found.push_back(values[i] ? decode(ids[i], *values[i]) : std::nullopt);
    return found;
}

LogoutClaim SharedSessionStore::claim_logout(SessionId id, const std::string& owner, std::chrono::milliseconds hold) {
    if (!wait("claiming a logout", state_.claim(ns_ + ":logout-claim:" + std::to_string(id), owner, hold))) {
        return LogoutClaim::busy;
    }
    // Gone only when there is no record at all: one this replica cannot decrypt (another
    // key) is still a session to log out.
    return wait("reading a session", state_.get(record_key(id))) ? LogoutClaim::mine : LogoutClaim::gone;
}

}  // namespace tg::sessions
