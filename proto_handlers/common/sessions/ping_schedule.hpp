#pragma once

// The I/O-free core of the DXtrade keepalive scheduler (DESIGN.md, "Sessions and the ping
// scheduler"): which session is due for a ping when, how many pings may be in flight, the
// backoff after a transient failure, and when a session ends. One timer-driven loop drives
// it: take_due(now) hands out the pings to send, complete(id, result, now) reports each
// result, next_due() says when to wake up. Time is always passed in (ms on a monotonic
// clock), never read here, so tests run on plain integers.
//
// Memory: one dense slot per session, an indexed binary min-heap of (due, slot) and an
// open-addressing hash index id -> slot; no per-session allocation, no per-session timer
// or callback. memory_bytes() reports what the containers hold (about 60 bytes a session).

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

namespace tg::sessions {

using SessionId = std::uint64_t;
using Millis = std::int64_t;  // ms on a monotonic clock

inline constexpr Millis kNever = std::numeric_limits<Millis>::max();

struct PingPolicy {
    Millis interval = 60'000;        // regular ping period
    double jitter = 0.1;             // each regular due is interval * (1 +- jitter), 0 <= jitter < 1
    std::size_t max_in_flight = 64;  // pings handed out and not yet completed
    Millis first_backoff = 1'000;    // first retry after a transient failure; doubles per failure
    Millis max_age = kNever;         // a session ends this long after it was created
    std::uint64_t seed = 0;          // jitter and restart spreading are reproducible per seed
};

enum class PingResult : std::uint8_t {
    ok,                 // 2xx
    transient_failure,  // connect error, 5xx, timeout: retry with backoff inside the interval
    session_gone,       // 401/404: DXtrade ended the session
};

enum class EndReason : std::uint8_t {
    logout,   // remove()
    gone,     // a ping answered 401/404
    expired,  // the partner session's expiry claim passed
    max_age,  // PingPolicy::max_age since created_at passed
};

enum class Start : std::uint8_t {
    after_interval,        // a fresh login: first ping one (jittered) interval from now
    spread_over_interval,  // reload on start: first ping somewhere in [now, now + interval)
};

struct Lifetime {
    Millis created_at;           // same clock as now; for a reloaded session, now minus its age
    Millis expires_at = kNever;  // the partner session's expiry claim
};

struct DuePing {
    SessionId id;
    Millis lag;  // now - due time, >= 0: feed the ping lag histogram
};

struct EndedSession {
    SessionId id;
    EndReason reason;
};

struct TakeResult {
    std::vector<DuePing> pings;         // send these now; each is in flight until complete()
    std::vector<EndedSession> ended;    // expired / over max age: delete from the store
};

struct PingStats {
    std::uint64_t pings_ok = 0;
    std::uint64_t pings_transient = 0;
    std::uint64_t pings_gone = 0;
    std::uint64_t ended_logout = 0;
    std::uint64_t ended_gone = 0;
    std::uint64_t ended_expired = 0;
    std::uint64_t ended_max_age = 0;
    std::uint64_t completions_ignored = 0;  // complete() for an id that was not in flight
};

class PingSchedule {
public:
    explicit PingSchedule(PingPolicy policy);  // throws std::invalid_argument on a bad policy

    // Starts pinging a session. False (and nothing changes) if it is already scheduled. A
    // session whose lifetime is already over is accepted and reported ended by the next
    // take_due, so a reload can add every stored row. Adding an id that was remove()d while
    // its ping was in flight revives it: that ping's complete() schedules the next one.
    // With spread_over_interval, `spread_within` (1 .. interval; 0 = interval) narrows the
    // window the first ping falls in: a take-over that came late still pings in time.
    bool add(SessionId id, Millis now, Lifetime life, Start start = Start::after_interval, Millis spread_within = 0);

    // Logout. True if the session was scheduled. A ping in flight keeps its in-flight slot
    // until its complete(), which then only frees it.
    bool remove(SessionId id);

    // Pops every session that is due (due <= now): those whose lifetime is over go to
    // `ended`, the others to `pings` while in-flight slots are free, each marked in flight
    // and never handed out again before its complete().
    TakeResult take_due(Millis now);

    // The result of a ping handed out by take_due. ok: next due now + interval +- jitter.
    // transient_failure: retry after first_backoff * 2^(failures-1), never later than the
    // next regular due (the failed cycle's due + interval). session_gone: removed. A session
    // whose lifetime passed is removed instead of rescheduled. Returns the end reason when
    // the session ended here; nullopt when it goes on, or the call was ignored (unknown id,
    // not in flight, or remove()d meanwhile).
    std::optional<EndReason> complete(SessionId id, PingResult result, Millis now);

    // When the timer should next call take_due: the earliest due time, or nullopt when there
    // is nothing to wait for (no session waiting, or every in-flight slot busy — the next
    // complete() frees one, so ask again after it).
    [[nodiscard]] std::optional<Millis> next_due() const;

    [[nodiscard]] std::size_t size() const { return slots_.size() - detached_; }  // active sessions
    [[nodiscard]] std::size_t in_flight() const { return in_flight_; }
    [[nodiscard]] std::size_t queue_depth(Millis now) const;  // due but not handed out yet
    [[nodiscard]] bool contains(SessionId id) const;           // scheduled (not remove()d)
    [[nodiscard]] bool is_in_flight(SessionId id) const;
    [[nodiscard]] std::optional<Millis> due_of(SessionId id) const;  // nullopt if absent / in flight
    [[nodiscard]] const PingStats& stats() const { return stats_; }

    void reserve(std::size_t sessions);
    // Bytes held by the containers (capacity, not size); divide by size() for per session.
    [[nodiscard]] std::size_t memory_bytes() const;

    struct Slot {  // per-session state, 32 bytes
        SessionId id;
        Millis regular_due;  // the due of the current regular cycle: caps the backoff
        Millis ends_at;      // min(expires_at, created_at + max_age)
        std::uint32_t heap_pos;  // index into heap_, or kInFlight
        std::uint8_t failures;   // consecutive transient failures
        std::uint8_t flags;      // kEndsByMaxAge, kDetached
    };
    struct HeapEntry {  // 16 bytes
        Millis key;  // min(due, ends_at)
        std::uint32_t slot;
    };
    static constexpr std::size_t kBytesPerSessionEstimate =
        sizeof(Slot) + sizeof(HeapEntry) + 2 * sizeof(std::uint32_t);  // index at load <= 1/2

private:
    static constexpr std::uint32_t kInFlight = std::numeric_limits<std::uint32_t>::max();
    static constexpr std::uint32_t kEmpty = std::numeric_limits<std::uint32_t>::max();
    static constexpr std::uint8_t kEndsByMaxAge = 1;
    static constexpr std::uint8_t kDetached = 2;  // remove()d while in flight

    Millis jittered_interval();
    std::uint64_t next_random();
    [[nodiscard]] EndReason end_reason(const Slot& s) const;
    void count_end(EndReason reason);

    // heap
    void heap_push(std::uint32_t slot, Millis key);
    void heap_erase(std::uint32_t pos);
    void heap_set(std::uint32_t pos, HeapEntry entry);
    void sift_up(std::uint32_t pos);
    void sift_down(std::uint32_t pos);

    // index
    [[nodiscard]] std::size_t home(SessionId id) const;
    [[nodiscard]] std::size_t find_bucket(SessionId id) const;  // buckets_.size() if absent
    void index_insert(SessionId id, std::uint32_t slot);
    void index_erase(std::size_t bucket);
    void rehash(std::size_t buckets);

    void drop_slot(std::uint32_t slot);  // index, heap and dense array

    PingPolicy policy_;
    std::vector<Slot> slots_;
    std::vector<HeapEntry> heap_;
    std::vector<std::uint32_t> buckets_;  // slot index or kEmpty, power-of-two size
    std::size_t in_flight_ = 0;
    std::size_t detached_ = 0;
    std::uint64_t rng_;
    double spread_phase_;  // low-discrepancy offset for Start::spread_over_interval
    PingStats stats_;
};

}  // namespace tg::sessions
