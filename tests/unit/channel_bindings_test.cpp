#define BOOST_TEST_MODULE channel_bindings
#include <boost/test/unit_test.hpp>

#include "proto_handlers/sixmm/channel_bindings.hpp"

#include <thread>

using tg::sixmm::ChannelBindings;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_CASE(a_channel_belongs_to_its_first_user_until_the_ttl_passes) {
    ChannelBindings bindings;
    BOOST_TEST(bindings.bind_or_check("ch-1", "alice", 200ms));
    BOOST_TEST(bindings.bind_or_check("ch-1", "alice", 200ms));
    BOOST_TEST(!bindings.bind_or_check("ch-1", "bob", 200ms));
    std::this_thread::sleep_for(250ms);
    BOOST_TEST(bindings.bind_or_check("ch-1", "bob", 200ms));
    BOOST_TEST(!bindings.bind_or_check("ch-1", "alice", 200ms));
}

BOOST_AUTO_TEST_CASE(a_user_keeps_a_bounded_number_of_channels) {
    ChannelBindings bindings(3);
    for (const auto* channel : {"a", "b", "c", "d", "e"}) BOOST_TEST(bindings.bind_or_check(channel, "alice", 1h));
    BOOST_TEST(bindings.size() == 3u);
    // The oldest two were released: another user may take them; the newest stay alice's.
    BOOST_TEST(bindings.bind_or_check("a", "mallory", 1h));
    BOOST_TEST(bindings.bind_or_check("b", "mallory", 1h));
    BOOST_TEST(!bindings.bind_or_check("e", "mallory", 1h));
    // Refreshing a channel one already holds does not count twice.
    for (int i = 0; i < 10; ++i) BOOST_TEST(bindings.bind_or_check("e", "alice", 1h));
    BOOST_TEST(!bindings.bind_or_check("c", "mallory", 1h));
}
