#define BOOST_TEST_MODULE session_store
#include <boost/test/unit_test.hpp>

#include "gateway/state/blocking_shared_state.hpp"
#include "proto_handlers/common/sessions/memory_session_store.hpp"
#include "proto_handlers/common/sessions/shared_session_store.hpp"
#include "proto_handlers/common/sessions/sqlite_session_store.hpp"
#include "proto_handlers/common/sessions/token_cipher.hpp"

#include <boost/mpl/list.hpp>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <sqlite3.h>
#include <string>
#include <unistd.h>
#include <vector>

using namespace tg::sessions;
namespace fs = std::filesystem;

namespace {

constexpr std::int64_t kNowMs = 1'700'000'000'000;  // Unix ms
constexpr std::int64_t kNowS = kNowMs / 1000;
const std::string kSecret = "0123456789abcdef0123456789abcdef-test-secret";

SessionRecord make(SessionId id, std::string login = "alice", std::string domain = "default",
                   std::int64_t expires_at_s = 0) {
    SessionRecord r;
    r.id = id;
    r.user_id = "user-" + std::to_string(id);
    r.login = std::move(login);
    r.domain = std::move(domain);
    r.token = SecretString("TOKEN-plaintext-" + std::to_string(id) + "-zq8Xv");
    r.created_ms = kNowMs - 10'000;
    r.last_ping_ms = 0;
    r.expires_at_s = expires_at_s;
    return r;
}

void check_same(const SessionRecord& a, const SessionRecord& b) {
    BOOST_TEST(a.id == b.id);
    BOOST_TEST(a.user_id == b.user_id);
    BOOST_TEST(a.login == b.login);
    BOOST_TEST(a.domain == b.domain);
    BOOST_TEST(a.token.reveal() == b.token.reveal());
    BOOST_TEST(a.created_ms == b.created_ms);
    BOOST_TEST(a.last_ping_ms == b.last_ping_ms);
    BOOST_TEST(a.expires_at_s == b.expires_at_s);
    BOOST_TEST(a.failures == b.failures);
    BOOST_TEST(a.logout_pending == b.logout_pending);
    BOOST_TEST(a.logout_next_attempt_ms == b.logout_next_attempt_ms);
}

std::vector<SessionId> ids(const std::vector<SessionRecord>& v) {
    std::vector<SessionId> out;
    for (const auto& r : v) out.push_back(r.id);
    return out;
}

// A fresh directory under the temp dir, removed at scope exit.
struct TempDir {
    fs::path path;
    TempDir() {
        static std::atomic<int> n{0};
        path = fs::temp_directory_path() /
               ("tg-session-store-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

std::string read_bytes(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct MemoryBackend {
    std::unique_ptr<SessionStore> make_store() { return std::make_unique<MemorySessionStore>(); }
};

struct SqliteBackend {
    TempDir dir;
    std::unique_ptr<SessionStore> make_store() {
        return std::make_unique<SqliteSessionStore>(dir.path / "sub" / "sessions.db", kSecret);
    }
};

using Backends = boost::mpl::list<MemoryBackend, SqliteBackend>;

}  // namespace

// ---------------------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(token_cipher)

BOOST_AUTO_TEST_CASE(round_trip) {
    TokenCipher c(kSecret);
    for (std::string plain : {std::string(), std::string("x"), std::string(1000, 'T')}) {
        auto sealed = c.encrypt(plain, "aad");
        BOOST_TEST(sealed.size() == TokenCipher::kIvBytes + plain.size() + TokenCipher::kTagBytes);
        auto back = c.decrypt(sealed, "aad");
        BOOST_REQUIRE(back.has_value());
        BOOST_TEST(*back == plain);
    }
}

BOOST_AUTO_TEST_CASE(tamper_gives_nullopt) {
    TokenCipher c(kSecret);
    const auto sealed = c.encrypt("secret-token-value", "aad");
    for (std::size_t i = 0; i < sealed.size(); ++i) {
        auto bad = sealed;
        bad[i] ^= 0x01;
        BOOST_TEST(!c.decrypt(bad, "aad").has_value(), "byte " << i);
    }
    BOOST_TEST(!c.decrypt(std::span(sealed).first(sealed.size() - 1), "aad").has_value());
    BOOST_TEST(!c.decrypt(std::vector<std::uint8_t>(5, 0), "aad").has_value());
    BOOST_TEST(!c.decrypt(sealed, "other").has_value());
    BOOST_TEST(!c.decrypt(sealed).has_value());
}

BOOST_AUTO_TEST_CASE(fresh_iv_each_time) {
    TokenCipher c(kSecret);
    const auto a = c.encrypt("same");
    const auto b = c.encrypt("same");
    BOOST_TEST(!std::equal(a.begin(), a.begin() + TokenCipher::kIvBytes, b.begin()));
    BOOST_TEST((a != b));
}

BOOST_AUTO_TEST_CASE(wrong_key_gives_nullopt) {
    const auto sealed = TokenCipher(kSecret).encrypt("secret-token-value");
    BOOST_TEST(!TokenCipher("another secret").decrypt(sealed).has_value());
    BOOST_TEST(TokenCipher(kSecret).decrypt(sealed).value() == "secret-token-value");
}

BOOST_AUTO_TEST_CASE(empty_secret_rejected) {
    BOOST_CHECK_THROW(TokenCipher(""), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(behaviour)

BOOST_AUTO_TEST_CASE_TEMPLATE(put_find_remove, B, Backends) {
    B backend;
    auto store = backend.make_store();
    BOOST_TEST(store->count() == 0u);
    store->put(make(1, "alice", "d1"));
    store->put(make(2, "alice", "d1"));
    store->put(make(3, "alice", "d2"));
    store->put(make(4, "bob", "d1"));
    BOOST_TEST(store->count() == 4u);

    auto found = store->find_by_login("alice", "d1");
    BOOST_TEST(ids(found) == (std::vector<SessionId>{1, 2}), boost::test_tools::per_element());
    check_same(found[0], make(1, "alice", "d1"));
    BOOST_TEST(store->find_by_login("alice", "d3").empty());
    BOOST_TEST(store->find_by_login("carol", "d1").empty());

    // put replaces by id
    auto changed = make(2, "alice", "d2");
    changed.token = SecretString("rotated");
    store->put(changed);
    BOOST_TEST(store->count() == 4u);
    BOOST_TEST(ids(store->find_by_login("alice", "d1")) == (std::vector<SessionId>{1}),
               boost::test_tools::per_element());
    auto d2 = store->find_by_login("alice", "d2");
    BOOST_TEST(ids(d2) == (std::vector<SessionId>{2, 3}), boost::test_tools::per_element());
    BOOST_TEST(d2[0].token.reveal() == "rotated");

    BOOST_TEST(store->remove(1));
    BOOST_TEST(!store->remove(1));
    BOOST_TEST(!store->remove(99));
    BOOST_TEST(store->count() == 3u);
    BOOST_TEST(store->find_by_login("alice", "d1").empty());
}

BOOST_AUTO_TEST_CASE_TEMPLATE(large_ids_round_trip, B, Backends) {
    B backend;
    auto store = backend.make_store();
    const SessionId big = ~SessionId{0} - 5;
    store->put(make(big));
    store->put(make(7));
    auto live = store->load_live(kNowMs);
    BOOST_TEST(ids(live.records) == (std::vector<SessionId>{7, big}),
               boost::test_tools::per_element());
    BOOST_TEST(store->remove(big));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(load_live_filters_expired_and_pending, B, Backends) {
    B backend;
    auto store = backend.make_store();
    store->put(make(1, "a", "d", 0));            // no expiry claim: live
    store->put(make(2, "a", "d", kNowS + 60));   // expires later: live
    store->put(make(3, "a", "d", kNowS));        // expires now: not live
    store->put(make(4, "a", "d", kNowS - 1));    // expired: not live
    store->put(make(5, "a", "d", 0));
    BOOST_TEST(store->mark_logout_pending(5, kNowMs + 1000));
    BOOST_TEST(!store->mark_logout_pending(42, kNowMs));

    auto live = store->load_live(kNowMs);
    BOOST_TEST(live.undecryptable.empty());
    BOOST_TEST(ids(live.records) == (std::vector<SessionId>{1, 2}),
               boost::test_tools::per_element());
    check_same(live.records[1], make(2, "a", "d", kNowS + 60));

    auto pending = store->load_pending_logouts();
    BOOST_TEST(ids(pending.records) == (std::vector<SessionId>{5}),
               boost::test_tools::per_element());
    BOOST_TEST(pending.records[0].logout_pending);
    BOOST_TEST(pending.records[0].logout_next_attempt_ms == kNowMs + 1000);
    BOOST_TEST(pending.records[0].token.reveal() == make(5).token.reveal());

    // rescheduling the retry
    BOOST_TEST(store->mark_logout_pending(5, kNowMs + 5000));
    BOOST_TEST(store->load_pending_logouts().records.at(0).logout_next_attempt_ms ==
               kNowMs + 5000);
    BOOST_TEST(store->count() == 5u);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(remove_expired_keeps_live_and_queued_records, B, Backends) {
    B backend;
    auto store = backend.make_store();
    BOOST_TEST(store->max_id() == 0u);
    store->put(make(1, "a", "d", 0));           // no expiry claim
    store->put(make(7, "a", "d", kNowS + 60));  // live
    store->put(make(3, "a", "d", kNowS - 1));   // expired
    store->put(make(9, "a", "d", kNowS - 1));   // expired, but its logout is queued
    BOOST_TEST(store->mark_logout_pending(9, kNowMs));
    BOOST_TEST(store->max_id() == 9u);
    BOOST_TEST(store->remove_expired(kNowMs) == 1u);
    BOOST_TEST(store->remove_expired(kNowMs) == 0u);
    BOOST_TEST(store->count() == 3u);
    BOOST_TEST(ids(store->load_live(kNowMs).records) == (std::vector<SessionId>{1, 7}),
               boost::test_tools::per_element());
    BOOST_TEST(store->remove(9));
    BOOST_TEST(store->max_id() == 7u);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(update_ping, B, Backends) {
    B backend;
    auto store = backend.make_store();
    store->put(make(1));
    BOOST_TEST(store->update_ping(1, kNowMs + 60'000, 3));
    BOOST_TEST(!store->update_ping(2, kNowMs, 0));
    auto r = store->load_live(kNowMs).records.at(0);
    BOOST_TEST(r.last_ping_ms == kNowMs + 60'000);
    BOOST_TEST(r.failures == 3u);
    BOOST_TEST(r.token.reveal() == make(1).token.reveal());
    BOOST_TEST(store->update_ping(1, kNowMs + 120'000, 0));
    BOOST_TEST(store->load_live(kNowMs).records.at(0).failures == 0u);
}

// Shared: another replica removes a session between this one's read and its write.
BOOST_AUTO_TEST_CASE(a_shared_record_removed_elsewhere_is_not_brought_back_by_an_update) {
    const auto state = tg::state::BlockingSharedState::memory();
    SharedSessionStore here(*state, "dxtrade", kSecret, 64, std::chrono::hours(1));
    SharedSessionStore elsewhere(*state, "dxtrade", kSecret, 64, std::chrono::hours(1));
    here.put(make(5));
    BOOST_TEST(here.update_ping(5, kNowMs, 0));
    BOOST_REQUIRE(elsewhere.remove(5));
    BOOST_TEST(!here.update_ping(5, kNowMs + 1000, 0));
    BOOST_TEST(!here.mark_logout_pending(5, kNowMs + 1000));
    BOOST_TEST(!here.find(5).has_value());
    BOOST_TEST(here.load_shard(here.shard_of(5)).records.empty());
    BOOST_TEST(here.count() == 0u);
}

BOOST_AUTO_TEST_CASE(a_shard_inbox_is_taken_once_and_its_records_read_together) {
    const auto state = tg::state::BlockingSharedState::memory();
    SharedSessionStore store(*state, "dxtrade", kSecret, 4, std::chrono::hours(1));
    for (const SessionId id : {4, 8, 12}) store.put(make(id));  // shard 0; each put notifies its owner
    auto taken = store.take_inbox(0, 2);
    BOOST_TEST(taken.size() == 2u);
    const auto rest = store.take_inbox(0);
    taken.insert(taken.end(), rest.begin(), rest.end());
    std::sort(taken.begin(), taken.end());
    BOOST_TEST(taken == (std::vector<SessionId>{4, 8, 12}), boost::test_tools::per_element());
    BOOST_TEST(store.take_inbox(0).empty());

    const auto found = store.find_many({8, 99, 4});
    BOOST_REQUIRE(found.size() == 3u);
    BOOST_REQUIRE(found[0].has_value());
    check_same(*found[0], make(8));
    BOOST_TEST(!found[1].has_value());
    BOOST_TEST(found[2]->id == 4u);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(healthy, B, Backends) {
    B backend;
    auto store = backend.make_store();
    BOOST_TEST(store->healthy());
    store->put(make(1));
    BOOST_TEST(store->healthy());
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(sqlite)

BOOST_AUTO_TEST_CASE(survives_reopen) {
    TempDir dir;
    const auto db = dir.path / "a" / "b" / "sessions.db";
    {
        SqliteSessionStore store(db, kSecret);
        store.put(make(1));
        store.put(make(2, "bob", "d", kNowS + 3600));
        store.put(make(3));
        BOOST_TEST(store.update_ping(2, kNowMs - 5, 2));
        BOOST_TEST(store.mark_logout_pending(3, kNowMs + 100));
    }
    SqliteSessionStore store(db, kSecret);
    BOOST_TEST(store.count() == 3u);
    auto live = store.load_live(kNowMs);
    BOOST_TEST(live.undecryptable.empty());
    BOOST_REQUIRE(ids(live.records) == (std::vector<SessionId>{1, 2}));
    auto expect = make(2, "bob", "d", kNowS + 3600);
    expect.last_ping_ms = kNowMs - 5;
    expect.failures = 2;
    check_same(live.records[1], expect);
    auto pending = store.load_pending_logouts().records;
    BOOST_REQUIRE(pending.size() == 1u);
    BOOST_TEST(pending[0].logout_next_attempt_ms == kNowMs + 100);
}

BOOST_AUTO_TEST_CASE(token_never_in_plaintext_on_disk) {
    TempDir dir;
    const auto db = dir.path / "sessions.db";
    std::vector<std::string> tokens;
    auto check_files = [&](const char* when) {
        for (const auto& entry : fs::directory_iterator(dir.path)) {
            const auto bytes = read_bytes(entry.path());
            for (const auto& t : tokens)
                BOOST_TEST(bytes.find(t) == std::string::npos,
                           when << ": token found in " << entry.path().filename());
            BOOST_TEST(bytes.find("TOKEN-plaintext") == std::string::npos,
                       when << ": token prefix found in " << entry.path().filename());
        }
    };
    {
        SqliteSessionStore store(db, kSecret);
        for (SessionId id = 1; id <= 20; ++id) {
            auto r = make(id);
            tokens.push_back(r.token.reveal());
            store.put(r);
        }
        BOOST_TEST(fs::exists(fs::path(db.string() + "-wal")));
        BOOST_TEST(fs::file_size(fs::path(db.string() + "-wal")) > 0u);
        check_files("open");
        // Only the gateway's user can read the database and its journal.
        for (const auto* suffix : {"", "-wal", "-shm"}) {
            const auto perms = fs::status(fs::path(db.string() + suffix)).permissions();
            BOOST_TEST(((perms & (fs::perms::group_all | fs::perms::others_all)) == fs::perms::none),
                       "group or others may access sessions.db" << suffix);
        }
    }
    check_files("closed");
    // sanity: the logins are stored in plaintext, so the search does look at the data
    BOOST_TEST(read_bytes(db).find("user-7") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(wrong_key_on_reopen_flags_records) {
    TempDir dir;
    const auto db = dir.path / "sessions.db";
    {
        SqliteSessionStore store(db, kSecret);
        store.put(make(1));
        store.put(make(2));
        store.put(make(3));
        BOOST_TEST(store.mark_logout_pending(3, kNowMs));
    }
    {
        SqliteSessionStore store(db, "a different secret");
        BOOST_TEST(store.healthy());
        BOOST_TEST(store.count() == 3u);
        auto live = store.load_live(kNowMs);
        BOOST_TEST(live.records.empty());
        BOOST_TEST(live.undecryptable == (std::vector<SessionId>{1, 2}),
                   boost::test_tools::per_element());
        auto pending = store.load_pending_logouts();
        BOOST_TEST(pending.records.empty());
        BOOST_TEST(pending.undecryptable == (std::vector<SessionId>{3}),
                   boost::test_tools::per_element());
        BOOST_TEST(store.find_by_login("alice", "default").empty());
        // a record written with the new key is readable next to the old ones
        store.put(make(4));
        BOOST_TEST(ids(store.load_live(kNowMs).records) == (std::vector<SessionId>{4}),
                   boost::test_tools::per_element());
    }
    SqliteSessionStore store(db, kSecret);
    BOOST_TEST(ids(store.load_live(kNowMs).records) == (std::vector<SessionId>{1, 2}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(thousand_puts_then_reopen) {
    TempDir dir;
    const auto db = dir.path / "sessions.db";
    {
        SqliteSessionStore store(db, kSecret);
        for (SessionId id = 1; id <= 1000; ++id)
            store.put(make(id, "user" + std::to_string(id % 37), "default", kNowS + 3600));
    }
    SqliteSessionStore store(db, kSecret);
    BOOST_TEST(store.count() == 1000u);
    auto live = store.load_live(kNowMs);
    BOOST_TEST(live.undecryptable.empty());
    BOOST_REQUIRE(live.records.size() == 1000u);
    for (SessionId id = 1; id <= 1000; ++id)
        BOOST_TEST(live.records[id - 1].token.reveal() == make(id).token.reveal());
}

BOOST_AUTO_TEST_CASE(open_errors_name_the_path) {
    TempDir dir;
    const auto blocker = dir.path / "file";
    std::ofstream(blocker) << "x";
    try {
        SqliteSessionStore store(blocker / "sessions.db", kSecret);
        BOOST_FAIL("expected an error");
    } catch (const std::runtime_error& e) {
        BOOST_TEST(std::string(e.what()).find((blocker / "sessions.db").string()) !=
                   std::string::npos, e.what());
    }
    // not a database
    const auto junk = dir.path / "junk.db";
    std::ofstream(junk) << std::string(4096, 'j');
    BOOST_CHECK_THROW(SqliteSessionStore(junk, kSecret), std::runtime_error);
}

BOOST_AUTO_TEST_CASE(newer_schema_refused) {
    TempDir dir;
    const auto db = dir.path / "sessions.db";
    { SqliteSessionStore store(db, kSecret); }
    {
        // bump the version with raw sqlite through a second store-free connection
        sqlite3* h = nullptr;
        BOOST_REQUIRE(sqlite3_open(db.c_str(), &h) == SQLITE_OK);
        BOOST_REQUIRE(sqlite3_exec(h, "UPDATE schema_version SET version = 99", nullptr, nullptr,
                                   nullptr) == SQLITE_OK);
        sqlite3_close(h);
    }
    BOOST_CHECK_THROW(SqliteSessionStore(db, kSecret), std::runtime_error);
}

BOOST_AUTO_TEST_SUITE_END()
