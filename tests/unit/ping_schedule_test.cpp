#define BOOST_TEST_MODULE ping_schedule
#include <boost/test/unit_test.hpp>

#include "proto_handlers/common/sessions/ping_schedule.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <map>
#include <random>
#include <set>
#include <unordered_set>
#include <vector>

using namespace tg::sessions;

namespace {

PingPolicy policy(Millis interval = 60'000, double jitter = 0.0, std::size_t max_in_flight = 100) {
    PingPolicy p;
    p.interval = interval;
    p.jitter = jitter;
    p.max_in_flight = max_in_flight;
    p.first_backoff = 1'000;
    p.max_age = kNever;
    p.seed = 7;
    return p;
}

Lifetime born(Millis created_at, Millis expires_at = kNever) { return Lifetime{created_at, expires_at}; }

std::vector<SessionId> ids(const TakeResult& r) {
    std::vector<SessionId> out;
    for (const auto& p : r.pings) out.push_back(p.id);
    return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(rejects_a_bad_policy) {
    BOOST_CHECK_THROW(PingSchedule(policy(0)), std::invalid_argument);
    BOOST_CHECK_THROW(PingSchedule(policy(1000, 1.0)), std::invalid_argument);
    BOOST_CHECK_THROW(PingSchedule(policy(1000, -0.1)), std::invalid_argument);
    BOOST_CHECK_THROW(PingSchedule(policy(1000, 0.1, 0)), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(hands_out_in_due_order_with_lag) {
    PingSchedule s(policy(1000));
    BOOST_TEST(!s.next_due().has_value());
    BOOST_TEST(s.add(1, 0, born(0)));
    BOOST_TEST(s.add(2, 10, born(10)));
    BOOST_TEST(s.add(3, 5, born(5)));
    BOOST_TEST(!s.add(3, 6, born(6)));  // already scheduled: unchanged
    BOOST_TEST(s.size() == 3u);
    BOOST_TEST(*s.next_due() == 1000);
    BOOST_TEST(*s.due_of(3) == 1005);

    BOOST_TEST(s.take_due(999).pings.empty());
    const auto first = s.take_due(1004);
    BOOST_TEST(ids(first) == std::vector<SessionId>{1});
    BOOST_TEST(first.pings[0].lag == 4);

    const auto rest = s.take_due(1010);
    BOOST_TEST(ids(rest) == (std::vector<SessionId>{3, 2}));
    BOOST_TEST(rest.pings[0].lag == 5);
    BOOST_TEST(rest.pings[1].lag == 0);
    BOOST_TEST(!s.next_due().has_value());  // all in flight
}

BOOST_AUTO_TEST_CASE(never_hands_out_a_session_twice_while_in_flight) {
    PingSchedule s(policy(1000));
    s.add(42, 0, born(0));
    BOOST_TEST(ids(s.take_due(1000)) == std::vector<SessionId>{42});
    BOOST_TEST(s.is_in_flight(42));
    BOOST_TEST(s.take_due(1'000'000).pings.empty());
    BOOST_TEST(s.queue_depth(1'000'000) == 0u);

    BOOST_TEST(!s.complete(42, PingResult::ok, 1200).has_value());
    BOOST_TEST(!s.is_in_flight(42));
    BOOST_TEST(*s.due_of(42) == 2200);
    BOOST_TEST(!s.complete(42, PingResult::ok, 1300).has_value());  // not in flight: ignored
    BOOST_TEST(s.stats().completions_ignored == 1u);
    BOOST_TEST(*s.due_of(42) == 2200);
    BOOST_TEST(ids(s.take_due(2200)) == std::vector<SessionId>{42});
}

BOOST_AUTO_TEST_CASE(max_in_flight_is_respected_and_queue_depth_reported) {
    PingSchedule s(policy(1000, 0.0, 3));
    for (SessionId id = 1; id <= 10; ++id) s.add(id, 0, born(0));
    BOOST_TEST(s.queue_depth(999) == 0u);
    BOOST_TEST(s.queue_depth(1000) == 10u);

    BOOST_TEST(s.take_due(1000).pings.size() == 3u);
    BOOST_TEST(s.in_flight() == 3u);
    BOOST_TEST(s.queue_depth(1000) == 7u);
    BOOST_TEST(!s.next_due().has_value());  // every slot busy: wait for a completion
    BOOST_TEST(s.take_due(1500).pings.empty());

    const auto handed = s.take_due(1000);
    BOOST_TEST(handed.pings.empty());
    s.complete(1, PingResult::ok, 1500);
    BOOST_TEST(*s.next_due() == 1000);
    const auto one = s.take_due(1500);
    BOOST_TEST(one.pings.size() == 1u);
    BOOST_TEST(one.pings[0].lag == 500);
    BOOST_TEST(s.queue_depth(1500) == 6u);
    BOOST_TEST(s.in_flight() == 3u);
}

BOOST_AUTO_TEST_CASE(jitter_stays_within_bounds_varies_and_is_seeded) {
    const Millis interval = 10'000;
    auto dues = [&](std::uint64_t seed) {
        auto p = policy(interval, 0.2, 2000);
        p.seed = seed;
        PingSchedule s(p);
        std::vector<Millis> out;
        for (SessionId id = 0; id < 1000; ++id) {
            s.add(id, 0, born(0));
            out.push_back(*s.due_of(id));
        }
        // and after an ok ping
        s.add(5000, 0, born(0));
        const Millis first = *s.due_of(5000);
        s.take_due(first);  // hands out everything due by then, including 5000
        s.complete(5000, PingResult::ok, first);
        out.push_back(*s.due_of(5000) - first);
        return out;
    };
    const auto a = dues(42);
    for (Millis d : a) {
        BOOST_TEST(d >= interval - 2000);
        BOOST_TEST(d <= interval + 2000);
    }
    const std::set<Millis> distinct(a.begin(), a.end());
    BOOST_TEST(distinct.size() > 500u);
    BOOST_TEST(*std::min_element(a.begin(), a.end()) < interval - 1800);
    BOOST_TEST(*std::max_element(a.begin(), a.end()) > interval + 1800);
    BOOST_TEST(dues(42) == a);  // reproducible
    BOOST_TEST(dues(43) != a);
}

BOOST_AUTO_TEST_CASE(backoff_doubles_and_is_capped_at_the_next_regular_due) {
    PingSchedule s(policy(60'000));
    s.add(1, 0, born(0));
    Millis now = 60'000;
    BOOST_TEST(s.take_due(now).pings.size() == 1u);
    now += 100;
    s.complete(1, PingResult::transient_failure, now);
    BOOST_TEST(*s.due_of(1) == now + 1000);

    for (Millis backoff : {2000, 4000, 8000, 16000}) {
        now = *s.due_of(1);
        BOOST_TEST(s.take_due(now).pings.size() == 1u);
        s.complete(1, PingResult::transient_failure, now);
        BOOST_TEST(*s.due_of(1) == now + backoff);
    }
    // now = 91'100: 32 s would be 123'100, past the next regular due (60'000 + 60'000)
    now = *s.due_of(1);
    s.take_due(now);
    s.complete(1, PingResult::transient_failure, now);
    BOOST_TEST(*s.due_of(1) == 120'000);  // capped: the next regular ping
    now = 120'000;
    s.take_due(now);
    s.complete(1, PingResult::transient_failure, now);
    BOOST_TEST(*s.due_of(1) == 180'000);  // still failing: once per interval

    now = 180'000;
    s.take_due(now);
    s.complete(1, PingResult::ok, now + 50);
    BOOST_TEST(*s.due_of(1) == 240'050);
    now = 240'050;
    s.take_due(now);
    s.complete(1, PingResult::transient_failure, now);
    BOOST_TEST(*s.due_of(1) == now + 1000);  // the backoff starts over after a success
    BOOST_TEST(s.stats().pings_transient == 8u);
    BOOST_TEST(s.stats().pings_ok == 1u);
}

BOOST_AUTO_TEST_CASE(session_gone_removes_it) {
    PingSchedule s(policy(1000));
    s.add(1, 0, born(0));
    s.add(2, 0, born(0));
    s.take_due(1000);
    const auto ended = s.complete(1, PingResult::session_gone, 1100);
    BOOST_TEST(ended.has_value());
    BOOST_TEST((*ended == EndReason::gone));
    BOOST_TEST(!s.contains(1));
    BOOST_TEST(s.size() == 1u);
    BOOST_TEST(s.in_flight() == 1u);
    BOOST_TEST(s.stats().pings_gone == 1u);
    BOOST_TEST(s.stats().ended_gone == 1u);
    BOOST_TEST(!s.complete(1, PingResult::ok, 1200).has_value());
    BOOST_TEST(s.stats().completions_ignored == 1u);
    s.complete(2, PingResult::ok, 1100);
    BOOST_TEST(ids(s.take_due(10'000)) == std::vector<SessionId>{2});
}

BOOST_AUTO_TEST_CASE(remove_while_in_flight_then_complete_is_harmless) {
    PingSchedule s(policy(1000, 0.0, 2));
    s.add(1, 0, born(0));
    s.add(2, 1, born(1));
    s.add(3, 2, born(2));
    BOOST_TEST(ids(s.take_due(1002)) == (std::vector<SessionId>{1, 2}));
    const SessionId flying = 1, other = 2;

    BOOST_TEST(s.remove(flying));
    BOOST_TEST(!s.remove(flying));
    BOOST_TEST(!s.contains(flying));
    BOOST_TEST(s.size() == 2u);
    BOOST_TEST(s.in_flight() == 2u);  // its request is still out: the slot stays taken
    BOOST_TEST(s.stats().ended_logout == 1u);

    BOOST_TEST(!s.complete(flying, PingResult::ok, 1100).has_value());
    BOOST_TEST(s.in_flight() == 1u);
    BOOST_TEST(!s.complete(flying, PingResult::ok, 1100).has_value());
    BOOST_TEST(s.in_flight() == 1u);
    BOOST_TEST(!s.due_of(flying).has_value());
    BOOST_TEST(ids(s.take_due(1100)) == std::vector<SessionId>{3});
    s.complete(other, PingResult::session_gone, 1200);
    s.complete(3, PingResult::ok, 1200);
    BOOST_TEST(s.size() == 1u);
    for (Millis t = 1200; t < 10'000; t += 100) {
        for (const auto& p : s.take_due(t).pings) {
            BOOST_TEST(p.id == 3u);
            s.complete(p.id, PingResult::ok, t);
        }
    }
    BOOST_TEST(s.remove(3));  // not in flight: gone at once
    BOOST_TEST(s.size() == 0u);
    BOOST_TEST(!s.next_due().has_value());
    BOOST_TEST(!s.remove(99));
}

BOOST_AUTO_TEST_CASE(re_adding_a_session_removed_in_flight_revives_it) {
    PingSchedule s(policy(1000));
    s.add(1, 0, born(0));
    s.take_due(1000);
    s.remove(1);
    BOOST_TEST(s.add(1, 1050, born(1050)));
    BOOST_TEST(s.contains(1));
    BOOST_TEST(s.size() == 1u);
    BOOST_TEST(s.take_due(5000).pings.empty());  // its ping is still out
    s.complete(1, PingResult::ok, 1100);
    BOOST_TEST(*s.due_of(1) == 2100);
}

BOOST_AUTO_TEST_CASE(expiry_and_max_age_end_sessions) {
    auto p = policy(60'000);
    p.max_age = 150'000;
    PingSchedule s(p);
    s.add(1, 0, born(0, 100'000));         // partner session expires at 100 s
    s.add(2, 0, born(0));                  // max age: 150 s
    s.add(3, 0, born(-200'000));           // reloaded, already too old
    s.add(4, 0, born(0, 130'000));         // will be in flight when it expires
    BOOST_TEST(s.size() == 4u);
    BOOST_TEST(*s.next_due() == -50'000);  // the stale one is reaped first, without a slot

    auto r = s.take_due(60'000);
    BOOST_TEST(r.ended.size() == 1u);
    BOOST_TEST(r.ended[0].id == 3u);
    BOOST_TEST((r.ended[0].reason == EndReason::max_age));
    BOOST_TEST(r.pings.size() == 3u);
    for (SessionId id : {1, 2, 4}) s.complete(id, PingResult::ok, 60'000);
    BOOST_TEST(*s.due_of(1) == 100'000);

    r = s.take_due(100'000);
    BOOST_TEST(r.pings.empty());
    BOOST_TEST(r.ended.size() == 1u);
    BOOST_TEST(r.ended[0].id == 1u);
    BOOST_TEST((r.ended[0].reason == EndReason::expired));

    r = s.take_due(120'000);
    BOOST_TEST(r.pings.size() == 2u);
    const auto late = s.complete(4, PingResult::ok, 131'000);  // expiry passed while in flight
    BOOST_TEST(late.has_value());
    BOOST_TEST((*late == EndReason::expired));
    s.complete(2, PingResult::ok, 120'000);
    BOOST_TEST(*s.due_of(2) == 150'000);
    r = s.take_due(150'000);
    BOOST_TEST(r.ended.size() == 1u);
    BOOST_TEST((r.ended[0].reason == EndReason::max_age));
    BOOST_TEST(s.size() == 0u);
    BOOST_TEST(s.stats().ended_expired == 2u);
    BOOST_TEST(s.stats().ended_max_age == 2u);
}

BOOST_AUTO_TEST_CASE(restart_spreads_first_pings_over_the_first_interval) {
    const Millis interval = 60'000, now = 5'000;
    PingSchedule s(policy(interval, 0.1, 100'000));
    for (SessionId id = 1; id <= 1000; ++id) BOOST_TEST(s.add(id * 7919, now, born(0), Start::spread_over_interval));
    std::array<int, 10> buckets{};
    for (SessionId id = 1; id <= 1000; ++id) {
        const Millis due = *s.due_of(id * 7919);
        BOOST_TEST(due >= now);
        BOOST_TEST(due < now + interval);
        ++buckets[static_cast<std::size_t>((due - now) * 10 / interval)];
    }
    for (int count : buckets) BOOST_TEST(count <= 200);
    BOOST_TEST_MESSAGE("restart spread over 10 buckets: max " << *std::max_element(buckets.begin(), buckets.end())
                                                             << ", min " << *std::min_element(buckets.begin(), buckets.end()));
    // every session pinged exactly once in the first interval
    std::multiset<SessionId> pinged;
    for (Millis t = now; t < now + interval + 250; t += 250)
        for (const auto& p : s.take_due(std::min(t, now + interval - 1)).pings) pinged.insert(p.id);
    BOOST_TEST(pinged.size() == 1000u);
    BOOST_TEST(std::set<SessionId>(pinged.begin(), pinged.end()).size() == 1000u);
}

// Random add/remove/take/complete against a plain model, with ids from a small range so the
// index sees collisions, deletions and reuse.
BOOST_AUTO_TEST_CASE(randomized_churn_matches_a_model) {
    PingSchedule s(policy(1000, 0.3, 8));
    std::mt19937_64 rng(1);
    std::set<SessionId> live, flying;
    Millis now = 0;
    Millis last_due = std::numeric_limits<Millis>::min();
    for (int step = 0; step < 200'000; ++step) {
        const SessionId id = rng() % 300;
        switch (rng() % 6) {
            case 0:
            case 1:
                BOOST_REQUIRE(s.add(id, now, born(now)) == !live.contains(id));
                live.insert(id);
                break;
            case 2:
                BOOST_REQUIRE(s.remove(id) == live.contains(id));
                live.erase(id);
                break;
            case 3: {
                now += static_cast<Millis>(rng() % 50);
                const auto r = s.take_due(now);
                BOOST_REQUIRE(r.ended.empty());
                last_due = std::numeric_limits<Millis>::min();
                for (const auto& p : r.pings) {
                    BOOST_REQUIRE(live.contains(p.id));
                    BOOST_REQUIRE(!flying.contains(p.id));
                    BOOST_REQUIRE(p.lag >= 0);
                    BOOST_REQUIRE(now - p.lag >= last_due);  // in due order
                    last_due = now - p.lag;
                    flying.insert(p.id);
                }
                break;
            }
            default:
                if (!flying.empty()) {
                    const SessionId f = *std::next(flying.begin(), static_cast<long>(rng() % flying.size()));
                    const auto result = static_cast<PingResult>(rng() % 3);
                    const auto ended = s.complete(f, result, now);
                    flying.erase(f);
                    if (result == PingResult::session_gone && live.contains(f)) {
                        BOOST_REQUIRE(ended.has_value());
                        live.erase(f);
                    } else {
                        BOOST_REQUIRE(!ended.has_value());
                    }
                }
        }
        BOOST_REQUIRE(s.size() == live.size());
        BOOST_REQUIRE(s.in_flight() == flying.size());
        BOOST_REQUIRE(s.in_flight() <= 8u);
    }
    for (SessionId id = 0; id < 300; ++id) {
        BOOST_REQUIRE(s.contains(id) == live.contains(id));
        BOOST_REQUIRE(s.is_in_flight(id) == flying.contains(id));
    }
}

BOOST_AUTO_TEST_CASE(one_million_sessions_for_a_full_interval) {
    using clock = std::chrono::steady_clock;
    const std::size_t n = 1'000'000;
    const Millis interval = 60'000;
    PingSchedule s(policy(interval, 0.1, 2'000));

    const auto t0 = clock::now();
    for (SessionId i = 0; i < n; ++i)
        s.add(0x9e3779b97f4a7c15ULL * (i + 1), 0, born(0), Start::spread_over_interval);
    const auto t1 = clock::now();

    const std::size_t per_session = s.memory_bytes() / s.size();
    BOOST_TEST_MESSAGE("sizeof(Slot) " << sizeof(PingSchedule::Slot) << " + sizeof(HeapEntry) "
                                       << sizeof(PingSchedule::HeapEntry) << " + index 4..8 = estimate "
                                       << PingSchedule::kBytesPerSessionEstimate << " B/session; measured "
                                       << per_session << " B/session (" << s.memory_bytes() / (1024 * 1024)
                                       << " MiB for " << s.size() << ")");
    BOOST_TEST(PingSchedule::kBytesPerSessionEstimate < 100u);
    BOOST_TEST(per_session < 100u);

    std::size_t pings = 0, max_depth = 0;
    Millis max_lag = 0;
    std::unordered_set<SessionId> seen;
    seen.reserve(n);
    std::vector<SessionId> out;
    for (Millis now = 0; now <= interval; now += 10) {  // a 10 ms tick; replies arrive by the next tick
        for (SessionId id : out) s.complete(id, id % 100 == 0 ? PingResult::transient_failure : PingResult::ok, now);
        out.clear();
        const auto r = s.take_due(now);
        BOOST_REQUIRE(r.ended.empty());
        for (const auto& p : r.pings) {
            out.push_back(p.id);
            seen.insert(p.id);
            max_lag = std::max(max_lag, p.lag);
        }
        pings += r.pings.size();
        if (now % 1000 == 0) max_depth = std::max(max_depth, s.queue_depth(now));
    }
    const auto t2 = clock::now();
    const auto ms = [](auto d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); };
    BOOST_TEST_MESSAGE("1M sessions: add " << ms(t1 - t0) << " ms, one interval (" << pings << " pings, max lag "
                                           << max_lag << " ms, max queue depth " << max_depth << ") "
                                           << ms(t2 - t1) << " ms");
    BOOST_TEST(seen.size() == n);  // everyone pinged within the first interval
    BOOST_TEST(s.size() == n);
    BOOST_TEST(ms(t2 - t0) < 30'000);
}
