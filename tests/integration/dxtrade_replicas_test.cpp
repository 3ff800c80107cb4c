// DXtrade with several replicas on one real redis-server (README §5, "Several replicas"):
// the gateway binaries in front of the sandbox, sessions kept with session_store kind
// "shared". A logout on one replica ends a session another pings; a replica killed with
// kill -9 has its sessions pinged by the other within lease_ttl + interval, never two
// pings of one session at once; SIGTERM hands the sessions over at once; a replica that
// joins takes a share; Redis holds no token.
#define BOOST_TEST_MODULE dxtrade_replicas
#include <boost/test/unit_test.hpp>

#include "tests/support/client.hpp"
#include "tests/support/dxtrade_sandbox.hpp"
#include "tests/support/portal.hpp"
#include "tests/support/process.hpp"
#include "tests/support/redis_server.hpp"
#include "tests/support/running_gateway.hpp"
#include "tests/support/wait.hpp"

#include <boost/json/parse.hpp>

#include <csignal>
#include <regex>
#include <sstream>
#include <thread>

using namespace tg::test;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

const std::string dxweb_password = "dxweb-test-password-77c1";
const std::string store_key = "store-key-for-replica-tests-4e1a9b";
constexpr int interval_ms = 3000;
constexpr int lease_ttl_ms = 1500;
constexpr int shards = 64;

struct Replica {
    std::string name;
    std::uint16_t port = unused_port(), admin_port = unused_port();
    std::optional<ChildProcess> process;
};

struct Options {
    std::vector<std::string> redis_flags;
    int max_sessions_per_user = 1000;
    int logout_claim_hold_ms = 120000;
};

struct Stack {
    explicit Stack(int replicas, Options options = {}) : options(std::move(options)) {
        dir.write("dxweb-password", dxweb_password + "\n");
        dir.write("store-key", store_key + "\n");
        BOOST_REQUIRE(wait_for_port(portal_port));
        for (int i = 0; i < replicas; ++i) add_replica();
    }

    std::string config_for(const Replica& replica) const {
        return R"({
          "workers": 1,
          "listeners": [{"name": "public", "address": "127.0.0.1", "port": )" + port_text(replica.port) + R"(},
                        {"name": "admin", "address": "127.0.0.1", "port": )" + port_text(replica.admin_port) + R"(, "admin": true}],
          "secrets": {"dx_password": {"file": "dxweb-password"}, "store_key": {"file": "store-key"}},
          "shared_state": {"backend": "redis", "redis": {"urls": [")" + redis.url() + R"("], "key_prefix": "tg:",
                                                         "command_timeout_ms": 1000}},
          "upstreams": {"portal": {"servers": ["http://127.0.0.1:)" + port_text(portal_port) + R"("]},
                        "dxweb": {"servers": ["http://127.0.0.1:)" + port_text(sandbox.dxweb_port) + R"("],
                                  "connect_timeout_ms": 1000, "response_timeout_ms": 1500}},
          "partner_session": {"introspect": {"upstream": "portal", "path": "/api/session",
                                             "cookies": ["portal_session"], "cache_ttl_ms": 3000}},
          "dxtrade": {
            "upstream": "dxweb",
            "auth": {"mode": "session", "username": "sso-service", "domain": "default", "password": "dx_password"},
            "terminal_login_url": "http://127.0.0.1:)" + port_text(sandbox.terminal_port) + R"(/api/auth/login/form-with-token",
            "launch": {"max_sessions_per_user": )" + std::to_string(options.max_sessions_per_user) + R"(},
            "keepalive": {"interval_ms": )" + std::to_string(interval_ms) + R"(, "jitter": 0.1},
            "logout": {"by": "token", "wait_ms": 2000, "claim_hold_ms": )" + std::to_string(options.logout_claim_hold_ms) + R"(},
            "session_store": {"kind": "shared", "key": "store_key", "shards": )" + std::to_string(shards) + R"(,
                              "lease_ttl_ms": )" + std::to_string(lease_ttl_ms) + R"(, "replica_name": ")" + replica.name + R"("}
          },
          "routes": [
            {"name": "dx-launch", "match": {"path": "/trading/dxtrade/launch"}, "handler": "dxtrade.launch"},
            {"name": "logout", "match": {"path": "/logout", "methods": ["POST"]}, "handler": "dxtrade.logout",
             "upstream": "portal"},
            {"name": "portal", "match": {"prefix": "/"}, "upstream": "portal"}
          ]})";
    }

    Replica& add_replica() {
        auto& replica = replicas.emplace_back();
        replica.name = std::string("replica-") + static_cast<char>('a' + replicas.size() - 1);
        start(replica);
        return replica;
    }

    void start(Replica& replica) {
        const auto config = dir.write(replica.name + ".json", config_for(replica));
        replica.process.emplace(std::vector<std::string>{gateway_bin, "--config", config.string()},
                                dir.path() / (replica.name + ".log"));
        BOOST_REQUIRE_MESSAGE(wait_for_port(replica.port) && wait_for_port(replica.admin_port), logs());
    }

    // The gauge tg_dxtrade_shards_held of a replica; -1 when it does not answer.
    static int shards_held(const Replica& replica) {
        try {
            const auto body = fetch(replica.admin_port, "/metrics").body();
            std::smatch match;
            if (!std::regex_search(body, match, std::regex(R"(\ntg_dxtrade_shards_held (\d+))"))) return -1;
            return std::stoi(match[1].str());
        } catch (const std::exception&) {
            return -1;
        }
    }

    // Every running replica holds a share and together they hold every shard once.
    bool settled() const {
        int total = 0;
        for (const auto& replica : replicas) {
            if (!replica.process) continue;
            const auto held = shards_held(replica);
            if (held <= 0) return false;
            total += held;
        }
        return total == shards;
    }

    std::string login(const std::string& user, std::uint16_t port) { return portal_login(port, user); }

    static Response readyz(const Replica& replica) { return fetch(replica.admin_port, "/readyz"); }

    Response launch(std::uint16_t port, const std::string& cookie) {
        auto request = make_request(http::verb::get, "/trading/dxtrade/launch");
        request.set(http::field::cookie, cookie);
        request.set("Sec-Fetch-Site", "same-origin");
        return fetch(port, request);
    }

    Response logout(std::uint16_t port, const std::string& cookie) {
        auto request = make_request(http::verb::post, "/logout");
        request.set(http::field::cookie, cookie);
        return fetch(port, request);
    }

    int live(const std::string& login) { return sandbox.live(login); }
    json::object pings() { return sandbox.pings(); }
    void reset_pings() { sandbox.reset_pings(); }
    std::uint64_t dxweb_calls(const std::string& endpoint) { return sandbox.calls(endpoint); }

    std::string logs() const {
        std::string text = read_file(sandbox.dir.path() / "sandbox.log");
        for (const auto& replica : replicas) text += read_file(dir.path() / (replica.name + ".log"));
        return text;
    }

    Options options;
    TempDir dir;
    RedisServer redis{options.redis_flags};
    std::uint16_t portal_port = unused_port();
    DxtradeSandbox sandbox{dxweb_password,
                           {"--portal", "127.0.0.1:" + port_text(portal_port), "--dxtrade-inactivity-ms", "60000"}};
    std::deque<Replica> replicas;
};

std::string form_token(const std::string& page) {
    std::smatch match;
    BOOST_REQUIRE(std::regex_search(page, match, std::regex(R"re(name="token" value="([^"]*)")re")));
    return match[1].str();
}

// Launches `count` sessions, alternating between the replicas, for alice and bob.
void launch_many(Stack& stack, int count) {
    const std::string cookies[] = {stack.login("alice", stack.replicas[0].port),
                                   stack.login("bob", stack.replicas[0].port)};
    for (int i = 0; i < count; ++i) {
        const auto& replica = stack.replicas[static_cast<std::size_t>(i) % stack.replicas.size()];
        const auto response = stack.launch(replica.port, cookies[i % 2]);
        BOOST_REQUIRE_MESSAGE(response.result_int() == 200u, "launch " << i << ": " << response.result_int());
    }
}

// After a reset, over two intervals: every session pinged, none twice in less than most of
// an interval (two replicas pinging one session would show gaps far shorter).
void check_pinged_once_each(Stack& stack, int sessions) {
    stack.reset_pings();
    std::this_thread::sleep_for(std::chrono::milliseconds(2 * interval_ms + 500));
    const auto pings = stack.pings();
    BOOST_TEST(pings.at("sessionsPinged").to_number<int>() == sessions);
    BOOST_TEST(pings.at("pingsRefused").to_number<int>() == 0);
    BOOST_REQUIRE(!pings.at("minGapMs").is_null());
    BOOST_TEST(pings.at("minGapMs").to_number<int>() >= interval_ms * 9 / 10 - 300);
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_logout_on_one_replica_ends_the_session_another_pings_and_logs_out_once) {
    Stack stack(2);
    BOOST_REQUIRE_MESSAGE(eventually([&] { return stack.settled(); }, 10s), stack.logs());
    const auto& a = stack.replicas[0];
    const auto& b = stack.replicas[1];
    const auto alice = stack.login("alice", a.port);
    std::vector<std::string> tokens;
    for (int i = 0; i < 3; ++i) {
        const auto page = stack.launch(a.port, alice);
        BOOST_REQUIRE(page.result_int() == 200u);
        tokens.push_back(form_token(page.body()));
    }
    BOOST_TEST(stack.live("alice") == 3);

    const auto out = stack.logout(b.port, alice);
    BOOST_TEST(out.result_int() == 303u);
    BOOST_TEST(eventually([&] { return stack.live("alice") == 0; }, 5s));
    // Replica a stops pinging them: a ping would now be refused by the stand-in.
    stack.reset_pings();
    std::this_thread::sleep_for(std::chrono::milliseconds(interval_ms + 1000));
    const auto pings = stack.pings();
    BOOST_TEST(pings.at("pings").to_number<int>() == 0);
    BOOST_TEST(pings.at("pingsRefused").to_number<int>() == 0);
    BOOST_TEST(stack.dxweb_calls("logoutByToken") == 3u);  // once per token, by one replica

    // No token in Redis, in its keys or values, nor in any log.
    const auto keys = stack.redis.cli("--scan");
    std::string values;
    std::istringstream lines(keys);
    for (std::string key; std::getline(lines, key);) {
        if (key.find(":session:") != std::string::npos || key.find(":member") != std::string::npos)
            values += stack.redis.cli("--no-raw GET " + key);
    }
    const auto logs = stack.logs();
    for (const auto& token : tokens) {
        BOOST_TEST(keys.find(token) == std::string::npos);
        BOOST_TEST(values.find(token) == std::string::npos);
        BOOST_TEST(logs.find(token) == std::string::npos);
    }
    BOOST_TEST(stack.redis.cli("SCARD tg:dxtrade:shard:0").find_first_not_of("0\n") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(kill_9_of_one_of_two_replicas_with_1000_sessions_loses_none) {
    Stack stack(2);
    BOOST_REQUIRE_MESSAGE(eventually([&] { return stack.settled(); }, 10s), stack.logs());
    constexpr int sessions = 1000;
    launch_many(stack, sessions);
    BOOST_TEST(stack.live("alice") + stack.live("bob") == sessions);
    const auto a_held = Stack::shards_held(stack.replicas[0]);
    BOOST_TEST(a_held > 0);

    stack.replicas[0].process->signal(SIGKILL);
    BOOST_REQUIRE(stack.replicas[0].process->wait(5s).has_value());
    stack.replicas[0].process.reset();
    stack.reset_pings();
    // Every session, the dead replica's too, is pinged within lease_ttl + interval (and the
    // second the issue allows a loaded machine: sanitized builds run this too).
    constexpr int bound_ms = lease_ttl_ms + interval_ms + 1000;
    std::this_thread::sleep_for(std::chrono::milliseconds(bound_ms));
    const auto pings = stack.pings();
    BOOST_TEST(pings.at("sessionsPinged").to_number<int>() == sessions, stack.logs().substr(0, 4000));
    BOOST_TEST(pings.at("pingsRefused").to_number<int>() == 0);
    BOOST_TEST(pings.at("firstPingMaxMs").to_number<int>() <= bound_ms);
    BOOST_TEST(Stack::shards_held(stack.replicas[1]) == shards);
    check_pinged_once_each(stack, sessions);
}

BOOST_AUTO_TEST_CASE(sigterm_hands_the_sessions_over_at_once) {
    Stack stack(2);
    BOOST_REQUIRE_MESSAGE(eventually([&] { return stack.settled(); }, 10s), stack.logs());
    constexpr int sessions = 200;
    launch_many(stack, sessions);
    stack.replicas[0].process->signal(SIGTERM);
    BOOST_REQUIRE(stack.replicas[0].process->wait(10s).has_value());
    stack.replicas[0].process.reset();
    stack.reset_pings();
    // Sooner than a lease could run out: the next round of the other replica takes them.
    std::this_thread::sleep_for(std::chrono::milliseconds(interval_ms + 1000));
    const auto pings = stack.pings();
    BOOST_TEST(pings.at("sessionsPinged").to_number<int>() == sessions);
    BOOST_TEST(pings.at("firstPingMaxMs").to_number<int>() <= interval_ms + 1000);
    BOOST_TEST(stack.logs().find("replica replica-a#") != std::string::npos);
    BOOST_TEST(stack.logs().find("handed its shards over") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_replica_that_joins_takes_a_share_and_no_session_is_pinged_twice) {
    Stack stack(2);
    BOOST_REQUIRE_MESSAGE(eventually([&] { return stack.settled(); }, 10s), stack.logs());
    constexpr int sessions = 300;
    launch_many(stack, sessions);
    stack.add_replica();
    BOOST_REQUIRE_MESSAGE(eventually([&] { return stack.settled(); }, std::chrono::milliseconds(interval_ms)),
                          stack.logs());
    check_pinged_once_each(stack, sessions);
}

BOOST_AUTO_TEST_CASE(a_redis_restart_gives_bounded_errors_and_loses_no_session) {
    // Redis with its append-only file synced on every write, as production runs it.
    Stack stack(2, Options{.redis_flags = {"--appendonly", "yes", "--appendfsync", "always"}});
    BOOST_REQUIRE_MESSAGE(eventually([&] { return stack.settled(); }, 10s), stack.logs());
    constexpr int sessions = 100;
    launch_many(stack, sessions);
    const auto alice = stack.login("alice", stack.replicas[0].port);

    stack.redis.kill();
    for (const auto& replica : stack.replicas) {
        BOOST_TEST(eventually([&] { return Stack::readyz(replica).result_int() == 503u; }, 3s));
        BOOST_TEST(Stack::readyz(replica).body().find("redis") != std::string::npos);
    }
    const auto started = std::chrono::steady_clock::now();
    const auto refused = stack.launch(stack.replicas[1].port, alice);
    BOOST_TEST(refused.result_int() == 503u);
    BOOST_TEST((std::chrono::steady_clock::now() - started < 3s));
    std::this_thread::sleep_for(1s);

    stack.redis.start();
    for (const auto& replica : stack.replicas) {
        BOOST_TEST(eventually([&] { return Stack::readyz(replica).result_int() == 200u; }, 10s));
    }
    // Every session comes back: pinged again within a take-over's bound once Redis answers.
    stack.reset_pings();
    BOOST_TEST(eventually([&] { return stack.pings().at("sessionsPinged").to_number<int>() == sessions; },
                          std::chrono::milliseconds(lease_ttl_ms + interval_ms + 1000)),
               stack.pings());
    BOOST_TEST(stack.live("alice") + stack.live("bob") == sessions);
    check_pinged_once_each(stack, sessions);
}

BOOST_AUTO_TEST_CASE(the_per_user_cap_counts_the_sessions_of_every_replica) {
    Stack stack(2, Options{.redis_flags = {}, .max_sessions_per_user = 2});
    BOOST_REQUIRE_MESSAGE(eventually([&] { return stack.settled(); }, 10s), stack.logs());
    const auto alice = stack.login("alice", stack.replicas[0].port);
    for (const auto port : {stack.replicas[0].port, stack.replicas[1].port, stack.replicas[0].port}) {
        BOOST_REQUIRE(stack.launch(port, alice).result_int() == 200u);
    }
    BOOST_TEST(eventually([&] { return stack.live("alice") == 2; }, 5s));
    BOOST_TEST(stack.dxweb_calls("logoutByToken") == 1u);
}


BOOST_AUTO_TEST_CASE(a_queued_logout_survives_the_death_of_the_replica_that_queued_it) {
    constexpr int claim_hold_ms = 3000;
    Stack stack(2, Options{.redis_flags = {}, .logout_claim_hold_ms = claim_hold_ms});
    BOOST_REQUIRE_MESSAGE(eventually([&] { return stack.settled(); }, 10s), stack.logs());
    auto& a = stack.replicas[0];
    const auto alice = stack.login("alice", a.port);
    for (int i = 0; i < 2; ++i) BOOST_REQUIRE(stack.launch(a.port, alice).result_int() == 200u);  // in a's shards
    BOOST_REQUIRE(stack.live("alice") == 2);

    // dxWeb is down at the logout: replica a queues both dxWeb logouts, then dies.
    stack.sandbox.set_mode("down", 0);
    BOOST_TEST(stack.logout(a.port, alice).result_int() == 303u);
    a.process->signal(SIGKILL);
    BOOST_REQUIRE(a.process->wait(5s).has_value());
    a.process.reset();
    stack.sandbox.set_mode("normal", 0);
    const auto calls_before = stack.dxweb_calls("logoutByToken");

    // Replica b takes a's shards over, finds the queued logouts, waits out a's claim on
    // them and delivers each once.
    const auto bound = std::chrono::milliseconds(lease_ttl_ms + claim_hold_ms + interval_ms + 4000);
    BOOST_TEST(eventually([&] { return stack.live("alice") == 0; }, bound), stack.logs().substr(0, 6000));
    std::this_thread::sleep_for(2s);  // no second delivery follows
    BOOST_TEST(stack.dxweb_calls("logoutByToken") - calls_before == 2u);
    BOOST_TEST(stack.pings().at("pingsRefused").to_number<int>() == 0);
}
