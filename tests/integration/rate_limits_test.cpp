// Routes' rate limits on loopback: token buckets per client address and per route, on a
// proxied and a handler route; over the limit, 429 with Retry-After and nothing called.
#define BOOST_TEST_MODULE rate_limits
#include <boost/test/unit_test.hpp>

#include "gateway/handlers/handler.hpp"
#include "gateway/server/rate_limiter.hpp"
#include "tests/support/client.hpp"
#include "tests/support/gateway_fixture.hpp"
#include "tests/support/test_upstream.hpp"

#include <boost/json/parse.hpp>

#include <atomic>
#include <thread>

using namespace tg;
using namespace tg::test;
using namespace std::chrono_literals;

namespace {

std::atomic<int> handled{0};

class CountingHandler : public handlers::Handler {
public:
    boost::asio::awaitable<handlers::Response> handle(const handlers::Request&) override {
        handled.fetch_add(1);
        handlers::Response response{http::status::ok, 11};
        response.body() = "handled";
        co_return response;
    }
};

std::string config_for(const TestUpstream& upstream) {
    return R"({
      "workers": 2,
      "listeners": [{"name": "public", "address": "127.0.0.1", "port": 0, "trusted_proxies": ["127.0.0.1"]},
                    {"name": "admin", "address": "127.0.0.1", "port": 0, "admin": true}],
      "upstreams": {"app": {"servers": [")" + upstream.url() + R"("]}},
      "routes": [
        {"name": "per-client", "match": {"prefix": "/per-client"}, "upstream": "app",
         "rate_limits": [{"per": "client_ip", "requests_per_second": 2, "burst": 3}]},
        {"name": "whole-route", "match": {"prefix": "/whole-route"}, "upstream": "app",
         "rate_limits": [{"per": "route", "requests_per_second": 0.2, "burst": 2}]},
        {"name": "handler", "match": {"path": "/handled"}, "handler": "test.count",
         "rate_limits": [{"per": "client_ip", "requests_per_second": 0.5, "burst": 1}]},
        {"name": "free", "match": {"prefix": "/"}, "upstream": "app"}
      ]})";
}

handlers::Registry registry() {
    handlers::Registry registry;
    registry.add("test.count", [](const handlers::HandlerSetup&) { return std::make_unique<CountingHandler>(); });
    return registry;
}

// A request from `client` (the trusted peer's X-Forwarded-For names it).
Response from(std::uint16_t port, const std::string& client, const std::string& target) {
    auto request = make_request(http::verb::get, target);
    request.set("X-Forwarded-For", client);
    return fetch(port, request);
}

}  // namespace

BOOST_AUTO_TEST_CASE(each_client_has_its_own_bucket_and_the_refused_reach_nothing) {
    TestUpstream upstream;
    InProcessGateway gateway(config_for(upstream), registry());
    for (int i = 0; i < 3; ++i) BOOST_TEST(from(gateway.port(), "203.0.113.1", "/per-client/echo").result_int() == 200u);
    const auto refused = from(gateway.port(), "203.0.113.1", "/per-client/echo");
    BOOST_TEST(refused.result_int() == 429u);
    BOOST_TEST(refused[http::field::retry_after] == "1");
    const auto error = boost::json::parse(refused.body()).at("error");
    BOOST_TEST(error.at("code").as_string() == "rate_limited");
    BOOST_TEST(upstream.requests_served() == 3);
    // Another client is not held back; the first gets a token back within 1 / rate.
    BOOST_TEST(from(gateway.port(), "203.0.113.2", "/per-client/echo").result_int() == 200u);
    BOOST_TEST(from(gateway.port(), "203.0.113.1", "/free/echo").result_int() == 200u);  // other routes are free
    std::this_thread::sleep_for(600ms);
    BOOST_TEST(from(gateway.port(), "203.0.113.1", "/per-client/echo").result_int() == 200u);

    const auto metrics = fetch(gateway.port("admin"), "/metrics").body();
    BOOST_TEST(metrics.find("tg_rate_limited_total{route=\"per-client\"} 1") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_route_bucket_is_shared_by_every_client_and_a_handler_is_not_called) {
    TestUpstream upstream;
    InProcessGateway gateway(config_for(upstream), registry());
    BOOST_TEST(from(gateway.port(), "203.0.113.1", "/whole-route/echo").result_int() == 200u);
    BOOST_TEST(from(gateway.port(), "203.0.113.2", "/whole-route/echo").result_int() == 200u);
    const auto refused = from(gateway.port(), "203.0.113.3", "/whole-route/echo");
    BOOST_TEST(refused.result_int() == 429u);
    BOOST_TEST(refused[http::field::retry_after] == "5");  // 1 / 0.2 per second
    BOOST_TEST(upstream.requests_served() == 2);

    handled = 0;
    BOOST_TEST(from(gateway.port(), "203.0.113.1", "/handled").result_int() == 200u);
    BOOST_TEST(from(gateway.port(), "203.0.113.1", "/handled").result_int() == 429u);
    BOOST_TEST(handled.load() == 1);
}

BOOST_AUTO_TEST_CASE(the_limiter_refills_at_its_rate_and_bounds_its_memory) {
    server::RateLimiter limiter(32);  // two buckets per shard
    const auto start = server::RateLimiter::Clock::now();
    BOOST_TEST(!limiter.take("a", 10, 2, start));
    BOOST_TEST(!limiter.take("a", 10, 2, start));
    const auto wait = limiter.take("a", 10, 2, start);
    BOOST_REQUIRE(wait.has_value());
    BOOST_TEST(std::chrono::duration_cast<std::chrono::milliseconds>(*wait).count() == 100);
    BOOST_TEST(!limiter.take("a", 10, 2, start + 100ms));  // one token back after 1 / rate
    BOOST_TEST(limiter.take("a", 10, 2, start + 100ms).has_value());
    // Ten thousand clients: the table stays within its bound.
    for (int i = 0; i < 10000; ++i) limiter.take("client-" + std::to_string(i), 1, 1, start + 200ms);
    BOOST_TEST(limiter.buckets() <= 32u);
}
