// The ownership rules of the shared DXtrade sessions, on a fake clock: every replica
// agrees on each shard's favourite, a join or a departure moves only its share, a held
// lease is given up before it can expire in the store, and a refused claim drops it.
#define BOOST_TEST_MODULE shard_leases
#include <boost/test/unit_test.hpp>

#include "proto_handlers/common/sessions/shard_leases.hpp"

#include <map>
#include <set>
#include <string>
#include <vector>

using tg::sessions::favourite_of;
using tg::sessions::Millis;
using tg::sessions::ShardLeases;

namespace {

constexpr unsigned shards = 64;
constexpr Millis ttl = 15000;

std::map<unsigned, std::string> owners(const std::vector<std::string>& members) {
    std::map<unsigned, std::string> owner;
    for (unsigned shard = 0; shard < shards; ++shard) owner[shard] = favourite_of(shard, members);
    return owner;
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_replica_computes_the_same_owner_whatever_the_order_of_the_list) {
    const auto forward = owners({"a", "b", "c"});
    const auto backward = owners({"c", "b", "a"});
    BOOST_TEST((forward == backward));
    std::map<std::string, int> share;
    for (const auto& [shard, owner] : forward) ++share[owner];
    BOOST_TEST(share.size() == 3u);  // each replica gets a share
    for (const auto& [owner, count] : share) BOOST_TEST(count >= 10, owner << " has " << count);
    BOOST_TEST(favourite_of(0, {}).empty());
}

BOOST_AUTO_TEST_CASE(a_joining_replica_takes_shards_only_from_others_and_a_leaving_one_gives_only_its_own) {
    const auto before = owners({"a", "b"});
    const auto after_join = owners({"a", "b", "c"});
    int moved = 0;
    for (unsigned shard = 0; shard < shards; ++shard) {
        if (before.at(shard) != after_join.at(shard)) {
            BOOST_TEST(after_join.at(shard) == "c");  // only to the newcomer
            ++moved;
        }
    }
    BOOST_TEST(moved > 0);
    BOOST_TEST(moved < static_cast<int>(shards) / 2);
    const auto after_leave = owners({"a", "c"});
    for (unsigned shard = 0; shard < shards; ++shard) {
        if (after_join.at(shard) != "b") BOOST_TEST(after_leave.at(shard) == after_join.at(shard));
    }
}

BOOST_AUTO_TEST_CASE(the_plan_claims_the_favourites_and_releases_what_another_member_should_hold) {
    ShardLeases a("a", shards, ttl);
    const auto alone = a.plan({"a"});
    BOOST_TEST(alone.claim.size() == shards);
    BOOST_TEST(alone.release.empty());
    for (const auto shard : alone.claim) BOOST_TEST(a.renewed(shard, 0));
    BOOST_TEST(!a.renewed(0, 100));  // a renewal is not a take-over

    const auto with_b = a.plan({"a", "b"});
    const auto expected = owners({"a", "b"});
    std::set<unsigned> released(with_b.release.begin(), with_b.release.end());
    for (unsigned shard = 0; shard < shards; ++shard) {
        BOOST_TEST(released.contains(shard) == (expected.at(shard) == "b"), "shard " << shard);
    }
    BOOST_TEST(with_b.claim.size() + with_b.release.size() == shards);
    // A replica that cannot see itself among the members (its heartbeat failed) claims nothing.
    BOOST_TEST(a.plan({"b"}).claim.empty());
}

BOOST_AUTO_TEST_CASE(a_lease_is_given_up_before_it_can_run_out_in_the_store) {
    ShardLeases a("a", shards, ttl);
    BOOST_TEST(a.renew_every() == ttl / 3);
    BOOST_TEST(a.renewed(7, 1000));  // the claim was sent at 1000: the store drops it at 16000 or later
    BOOST_TEST(a.holds(7, 1000));
    BOOST_TEST(a.holds(7, 1000 + ttl - ttl / 5 - 1));
    BOOST_TEST(!a.holds(7, 1000 + ttl - ttl / 5));
    BOOST_TEST(*a.next_expiry() == 1000 + ttl - ttl / 5);
    BOOST_TEST(a.expire(1000 + ttl - ttl / 5 - 1).empty());
    BOOST_TEST(!a.renewed(7, 6000));  // renewed in time: held longer
    BOOST_TEST(a.expire(1000 + ttl).empty());
    const auto expired = a.expire(6000 + ttl - ttl / 5);
    BOOST_TEST(expired == std::vector<unsigned>{7}, boost::test_tools::per_element());
    BOOST_TEST(a.held().empty());
    BOOST_TEST(!a.next_expiry().has_value());
}

BOOST_AUTO_TEST_CASE(a_refused_or_released_lease_is_no_longer_held) {
    ShardLeases a("a", shards, ttl);
    BOOST_TEST(a.renewed(3, 0));
    BOOST_TEST(a.drop(3));
    BOOST_TEST(!a.drop(3));
    BOOST_TEST(!a.holds(3, 1));
    BOOST_TEST(a.renewed(3, 10));  // claimed again later: a take-over, loaded again
    BOOST_CHECK_THROW(ShardLeases("", shards, ttl), std::invalid_argument);
    BOOST_CHECK_THROW(ShardLeases("a", 0, ttl), std::invalid_argument);
}
