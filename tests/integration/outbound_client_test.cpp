// The outbound client handlers use: pooled calls, failure kinds, and the rule that a
// request which may have reached the server is not sent again.
#define BOOST_TEST_MODULE outbound_client
#include <boost/test/unit_test.hpp>

#include "gateway/client/outbound.hpp"
#include "tests/support/client.hpp"
#include "tests/support/gateway_fixture.hpp"
#include "tests/support/test_upstream.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>

using namespace tg;
using namespace std::chrono_literals;
using Outcome = client::CallResult::Outcome;

namespace {

struct PoolFixture {
    explicit PoolFixture(const std::string& url, int response_timeout_ms = 2000) {
        upstream.name = "test";
        config::UpstreamServer server;
        server.url = url;
        server.host = "127.0.0.1";
        server.port = static_cast<std::uint16_t>(std::stoi(url.substr(url.rfind(':') + 1)));
        upstream.servers = {server};
        upstream.connect_timeout = 1000ms;
        upstream.response_timeout = std::chrono::milliseconds(response_timeout_ms);
        pool = std::make_unique<proxy::UpstreamPool>(upstream, nullptr, stats);
    }

    client::CallResult run(http::request<http::string_body> request, client::CallOptions options = {}) {
        client::CallResult result;
        asio::co_spawn(io, [&]() -> asio::awaitable<void> {
            result = co_await client::call(*pool, std::move(request), options);
        }, asio::detached);
        io.restart();
        io.run();
        return result;
    }

    asio::io_context io;
    config::Upstream upstream;
    observability::UpstreamStats stats;
    std::unique_ptr<proxy::UpstreamPool> pool;
};

http::request<http::string_body> post(const std::string& target, std::string body) {
    http::request<http::string_body> request{http::verb::post, target, 11};
    request.set(http::field::content_type, "application/json");
    request.body() = std::move(body);
    return request;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_call_gets_the_whole_answer_over_a_pooled_connection) {
    test::TestUpstream upstream;
    PoolFixture fixture(upstream.url());
    for (int i = 0; i < 3; ++i) {
        const auto result = fixture.run(post("/echo/call", R"({"a":1})"));
        BOOST_REQUIRE(result.ok());
        BOOST_TEST(result.response.result_int() == 200u);
        const auto seen = boost::json::parse(result.response.body()).as_object();
        BOOST_TEST(seen.at("bodyBytes").to_number<int>() == 7);
        BOOST_TEST(seen.at("headers").at("host").as_string() == "127.0.0.1:" + std::to_string(upstream.port()));
    }
    BOOST_TEST(upstream.connections_accepted() == 1);
    BOOST_TEST(fixture.stats.reused.get() == 2u);
}

BOOST_AUTO_TEST_CASE(refused_and_slow_servers_are_told_apart) {
    PoolFixture refused("http://127.0.0.1:" + std::to_string(test::unused_port()));
    BOOST_TEST((refused.run(post("/x", "{}")).outcome == Outcome::unreachable));
    test::TestUpstream upstream;
    PoolFixture slow(upstream.url(), 300);
    const auto start = std::chrono::steady_clock::now();
    BOOST_TEST((slow.run(post("/slow/2000", "{}")).outcome == Outcome::timeout));
    BOOST_TEST((std::chrono::steady_clock::now() - start < 1500ms));
}

BOOST_AUTO_TEST_CASE(a_post_that_may_have_arrived_is_not_sent_again) {
    test::TestUpstream upstream;
    PoolFixture fixture(upstream.url());
    BOOST_REQUIRE(fixture.run(post("/then-drop", "{}")).ok());
    const auto result = fixture.run(post("/echo/one-time-token", "{}"));
    BOOST_TEST((result.outcome == Outcome::broken));
    BOOST_TEST(upstream.connections_accepted() == 1);
}

BOOST_AUTO_TEST_CASE(a_request_marked_safe_is_repeated_once_on_a_fresh_connection) {
    test::TestUpstream upstream;
    PoolFixture fixture(upstream.url());
    BOOST_REQUIRE(fixture.run(post("/then-drop", "{}")).ok());
    http::request<http::string_body> get{http::verb::get, "/echo/session", 11};
    const auto result = fixture.run(get, {.safe_to_repeat = true});
    BOOST_TEST(result.ok());
    BOOST_TEST(upstream.connections_accepted() == 2);
}

BOOST_AUTO_TEST_CASE(an_answer_over_the_body_limit_is_broken) {
    test::TestUpstream upstream;
    PoolFixture fixture(upstream.url());
    http::request<http::string_body> get{http::verb::get, "/bytes/5000", 11};
    BOOST_TEST((fixture.run(get, {.body_limit = 1000}).outcome == Outcome::broken));
}
