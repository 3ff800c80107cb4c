// How connections are spread over the workers: `connection_balance` "exact" (the
// default) keeps every worker within one connection of the others, handing a
// connection over when the kernel's SO_REUSEPORT hash picked a busier worker;
// "kernel" leaves the hash's choice. Observed through tg_worker_connections.
#define BOOST_TEST_MODULE workers
#include <boost/test/unit_test.hpp>

#include "tests/support/certificate.hpp"
#include "tests/support/client.hpp"
#include "tests/support/gateway_fixture.hpp"
#include "tests/support/running_gateway.hpp"
#include "tests/support/test_upstream.hpp"
#include "tests/support/wait.hpp"

#include "gateway/server/cpu_affinity.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <memory>
#include <regex>
#include <sstream>
#include <vector>

using namespace tg::test;
using namespace std::chrono_literals;
namespace asio = boost::asio;
namespace beast = boost::beast;

namespace {

std::string config_text(const std::string& balance, const std::string& upstream_url, const std::string& tls = "",
                        const std::string& affinity = "off") {
    return R"({"workers": 2, "connection_balance": ")" + balance + R"(", "worker_cpu_affinity": ")" + affinity + R"(",
      "listeners": [{"name": "public", "address": "127.0.0.1", "port": 0 )" + tls + R"(},
                    {"name": "admin", "address": "127.0.0.1", "port": 0, "admin": true}],
      "upstreams": {"app": {"servers": [")" + upstream_url + R"("]}},
      "routes": [{"match": {"prefix": "/"}, "upstream": "app"}]})";
}

// Client connections per worker, read once the gateway counts exactly `expected` in
// all (the scrape's own connection included): a closed connection leaves its worker
// a moment after the client sees the close.
std::vector<int> worker_connections(std::uint16_t admin_port, int expected) {
    std::vector<int> counts;
    auto settled = [&] {
        counts.clear();
        std::istringstream lines(fetch(admin_port, "/metrics").body());
        static const std::regex sample(R"(tg_worker_connections\{worker="\d+"\} (\d+))");
        std::smatch match;
        for (std::string line; std::getline(lines, line);) {
            if (std::regex_match(line, match, sample)) counts.push_back(std::stoi(match[1]));
        }
        int total = 0;
        for (int count : counts) total += count;
        return total == expected;
    };
    BOOST_REQUIRE_MESSAGE(eventually(settled, 3s, 10ms), "the workers never counted " << expected << " connections");
    return counts;
}

int spread(const std::vector<int>& counts) {
    const auto [least, most] = std::minmax_element(counts.begin(), counts.end());
    return *most - *least;
}

// Opens `connections` keep-alive connections one at a time, each answered once, and
// returns the largest spread between the workers seen after each.
int widest_spread(InProcessGateway& gateway, int connections) {
    std::vector<std::unique_ptr<HttpClient>> clients;
    int widest = 0;
    for (int i = 1; i <= connections; ++i) {
        clients.push_back(std::make_unique<HttpClient>(gateway.port()));
        BOOST_REQUIRE(clients.back()->get("/echo").result_int() == 200u);
        const auto counts = worker_connections(gateway.port("admin"), i + 1);
        BOOST_REQUIRE(counts.size() == 2u);
        widest = std::max(widest, spread(counts));
    }
    return widest;
}

// The CPU lists of this process's threads that may run on one CPU only.
std::multiset<std::string> single_cpu_threads() {
    std::multiset<std::string> lists;
    for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
        std::ifstream status(task.path() / "status");
        for (std::string line; std::getline(status, line);) {
            if (line.rfind("Cpus_allowed_list:", 0) != 0) continue;
            const auto list = line.substr(line.find_first_not_of(" \t", 18));
            if (list.find_first_of(",-") == std::string::npos) lists.insert(list);
        }
    }
    return lists;
}

}  // namespace

BOOST_AUTO_TEST_CASE(exact_balance_keeps_the_workers_within_one_connection) {
    TestUpstream upstream;
    InProcessGateway gateway(config_text("exact", upstream.url()));
    BOOST_TEST(widest_spread(gateway, 40) <= 1);
}

BOOST_AUTO_TEST_CASE(kernel_balance_leaves_the_split_to_the_reuseport_hash) {
    // The hash picks a worker at random per connection: that the spread stays within
    // one for 64 connections has a probability far below one in a million.
    TestUpstream upstream;
    InProcessGateway gateway(config_text("kernel", upstream.url()));
    BOOST_TEST(widest_spread(gateway, 64) >= 2);
}

BOOST_AUTO_TEST_CASE(a_reload_switches_the_balance_without_a_restart) {
    TestUpstream upstream;
    InProcessGateway gateway(config_text("kernel", upstream.url()));
    const auto result = gateway.reload(config_text("exact", upstream.url()));
    BOOST_TEST(result.applied, result.error);
    BOOST_TEST(result.ignored.empty());
    BOOST_TEST(widest_spread(gateway, 40) <= 1);
}

BOOST_AUTO_TEST_CASE(tls_connections_handed_to_another_worker_complete_their_handshake) {
    TempDir dir;
    make_certificate(dir, "localhost", "DNS:localhost,IP:127.0.0.1");
    TestUpstream upstream;
    const std::string tls = R"(, "tls": {"cert_file": ")" + (dir.path() / "localhost.pem").string() +
                            R"(", "key_file": ")" + (dir.path() / "localhost.key").string() + R"("})";
    InProcessGateway gateway(config_text("exact", upstream.url(), tls));

    asio::io_context io;
    asio::ssl::context context(asio::ssl::context::tls_client);
    context.load_verify_file((dir.path() / "localhost.pem").string());
    std::vector<std::unique_ptr<beast::ssl_stream<beast::tcp_stream>>> clients;
    for (int i = 1; i <= 10; ++i) {
        auto& client = *clients.emplace_back(std::make_unique<beast::ssl_stream<beast::tcp_stream>>(io, context));
        beast::get_lowest_layer(client).expires_after(10s);
        beast::get_lowest_layer(client).connect({asio::ip::make_address("127.0.0.1"), gateway.port()});
        client.set_verify_mode(asio::ssl::verify_peer);
        client.set_verify_callback(asio::ssl::host_name_verification("localhost"));
        client.handshake(asio::ssl::stream_base::client);
        auto request = make_request(http::verb::get, "/echo/" + std::to_string(i));
        request.set(http::field::host, "localhost");
        http::write(client, request);
        beast::flat_buffer buffer;
        Response response;
        http::read(client, buffer, response);
        BOOST_TEST(response.result_int() == 200u);
        // Every other connection was handed over: the workers stay level.
        BOOST_TEST(spread(worker_connections(gateway.port("admin"), i + 1)) <= 1);
    }
}

BOOST_AUTO_TEST_CASE(worker_cpu_affinity_auto_pins_each_worker_to_a_cpu_of_its_own) {
    const auto cpus = tg::server::allowed_cpus();
    if (cpus.size() < 2) {
        BOOST_TEST_MESSAGE("one CPU allowed: every thread runs on it, nothing to tell apart");
        return;
    }
    TestUpstream upstream;
    BOOST_TEST_REQUIRE(single_cpu_threads().empty());
    {
        InProcessGateway unpinned(config_text("exact", upstream.url()));
        BOOST_TEST(single_cpu_threads().empty());
    }
    InProcessGateway gateway(config_text("exact", upstream.url(), "", "auto"));
    const std::multiset<std::string> expected{std::to_string(cpus[0]), std::to_string(cpus[1])};
    BOOST_TEST(single_cpu_threads() == expected);
    BOOST_TEST(fetch(gateway.port(), "/echo").result_int() == 200u);
    // Pinning is set up when the workers start: a reload that changes it says so.
    const auto result = gateway.reload(config_text("exact", upstream.url()));
    BOOST_TEST(result.applied);
    BOOST_TEST((result.ignored == std::vector<std::string>{"worker_cpu_affinity"}));
}
