#include "tests/support/shared_state_checks.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <thread>
#include <vector>

namespace tg::test {
namespace {

using namespace std::chrono_literals;

template <class T>
T value_of(const state::Result<T>& result) {
    BOOST_REQUIRE_MESSAGE(result.has_value(), "the call failed: " << result.error().message());
    return *result;
}

}  // namespace

void check_shared_state_operations(state::SharedState& state, boost::asio::io_context& io) {
    BOOST_TEST(!value_of(await_on(io, state.get("absent"))).has_value());

    BOOST_TEST(await_on(io, state.put("k", "v1", 10s)).has_value());
    BOOST_TEST(value_of(await_on(io, state.get("k"))).value_or("") == "v1");
    BOOST_TEST(await_on(io, state.put("k", "v2", 10s)).has_value());
    BOOST_TEST(value_of(await_on(io, state.get("k"))).value_or("") == "v2");

    BOOST_TEST(!value_of(await_on(io, state.put_if_absent("k", "v3", 10s))));
    BOOST_TEST(value_of(await_on(io, state.get("k"))).value_or("") == "v2");
    BOOST_TEST(value_of(await_on(io, state.put_if_absent("fresh", "v", 10s))));

    BOOST_TEST(!value_of(await_on(io, state.put_if_equal("k", "v1", "v4", 10s))));  // another's change stays
    BOOST_TEST(value_of(await_on(io, state.get("k"))).value_or("") == "v2");
    BOOST_TEST(value_of(await_on(io, state.put_if_equal("k", "v2", "v4", 10s))));
    BOOST_TEST(value_of(await_on(io, state.get("k"))).value_or("") == "v4");
    BOOST_TEST(!value_of(await_on(io, state.put_if_equal("never-set", "", "v", 10s))));
    BOOST_TEST(!value_of(await_on(io, state.get("never-set"))).has_value());

    BOOST_TEST(value_of(await_on(io, state.claim("lease", "alice", 10s))));
    BOOST_TEST(value_of(await_on(io, state.claim("lease", "alice", 10s))));  // her own: renewed
    BOOST_TEST(!value_of(await_on(io, state.claim("lease", "bob", 10s))));
    BOOST_TEST(value_of(await_on(io, state.get("lease"))).value_or("") == "alice");

    BOOST_TEST(!value_of(await_on(io, state.remove_if("lease", "bob"))));
    BOOST_TEST(value_of(await_on(io, state.remove_if("lease", "alice"))));
    BOOST_TEST(!value_of(await_on(io, state.get("lease"))).has_value());
    BOOST_TEST(value_of(await_on(io, state.claim("lease", "bob", 10s))));  // free again

    BOOST_TEST(value_of(await_on(io, state.remove("k"))));
    BOOST_TEST(!value_of(await_on(io, state.remove("k"))));
    BOOST_TEST(!value_of(await_on(io, state.get("k"))).has_value());

    const std::string binary("a\0b\r\n*1\r\n$3", 12);
    BOOST_TEST(await_on(io, state.put(binary, binary, 10s)).has_value());
    BOOST_TEST(value_of(await_on(io, state.get(binary))).value_or("") == binary);

    // Several values in one call, in order, absent ones included.
    BOOST_TEST(await_on(io, state.put("m1", "one", 10s)).has_value());
    BOOST_TEST(await_on(io, state.put("m3", "three", 10s)).has_value());
    const auto many = value_of(await_on(io, state.get_many({"m1", "m2", "m3"})));
    BOOST_REQUIRE(many.size() == 3u);
    BOOST_TEST(many[0].value_or("") == "one");
    BOOST_TEST(!many[1].has_value());
    BOOST_TEST(many[2].value_or("") == "three");
    BOOST_TEST(value_of(await_on(io, state.get_many({}))).empty());

    // Sets: members added once, removed, counted; an emptied set is absent.
    BOOST_TEST(value_of(await_on(io, state.set_members("set"))).empty());
    BOOST_TEST(value_of(await_on(io, state.set_size("set"))) == 0u);
    for (const auto* member : {"m1", "m2", "m1"}) BOOST_TEST(await_on(io, state.set_add("set", member)).has_value());
    BOOST_TEST(await_on(io, state.set_add("set", binary)).has_value());
    auto members = value_of(await_on(io, state.set_members("set")));
    std::sort(members.begin(), members.end());
    const std::vector<std::string> expected{binary, "m1", "m2"};
    BOOST_TEST(members == expected, boost::test_tools::per_element());
    BOOST_TEST(value_of(await_on(io, state.set_size("set"))) == 3u);
    BOOST_TEST(value_of(await_on(io, state.set_remove("set", "m1"))));
    BOOST_TEST(!value_of(await_on(io, state.set_remove("set", "m1"))));
    BOOST_TEST(!value_of(await_on(io, state.set_remove("other-set", "m2"))));
    BOOST_TEST(value_of(await_on(io, state.set_remove("set", "m2"))));
    BOOST_TEST(value_of(await_on(io, state.set_remove("set", binary))));
    BOOST_TEST(value_of(await_on(io, state.set_size("set"))) == 0u);

    // set_take: each member once, up to the count asked for, then the set is gone.
    for (const auto* member : {"t1", "t2", "t3"}) BOOST_TEST(await_on(io, state.set_add("inbox", member)).has_value());
    auto first = value_of(await_on(io, state.set_take("inbox", 2)));
    BOOST_TEST(first.size() == 2u);
    auto rest = value_of(await_on(io, state.set_take("inbox", 10)));
    BOOST_TEST(rest.size() == 1u);
    first.insert(first.end(), rest.begin(), rest.end());
    std::sort(first.begin(), first.end());
    BOOST_TEST(first == (std::vector<std::string>{"t1", "t2", "t3"}), boost::test_tools::per_element());
    BOOST_TEST(value_of(await_on(io, state.set_take("inbox", 10))).empty());
    BOOST_TEST(value_of(await_on(io, state.set_size("inbox"))) == 0u);
}

void check_shared_state_expiry(state::SharedState& state, boost::asio::io_context& io) {
    BOOST_TEST(value_of(await_on(io, state.put_if_absent("short", "first", 200ms))));
    BOOST_TEST(value_of(await_on(io, state.claim("short-lease", "alice", 200ms))));
    BOOST_TEST(await_on(io, state.put("short-update", "first", 200ms)).has_value());
    std::this_thread::sleep_for(400ms);
    BOOST_TEST(!value_of(await_on(io, state.get("short"))).has_value());
    BOOST_TEST(!value_of(await_on(io, state.put_if_equal("short-update", "first", "second", 10s))));  // expired: absent
    BOOST_TEST(!value_of(await_on(io, state.get("short-update"))).has_value());
    BOOST_TEST(value_of(await_on(io, state.put_if_absent("short", "second", 10s))));
    BOOST_TEST(value_of(await_on(io, state.claim("short-lease", "bob", 10s))));  // alice's ran out
    BOOST_TEST(!value_of(await_on(io, state.remove_if("short-lease", "alice"))));
}

}  // namespace tg::test
