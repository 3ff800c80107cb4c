// The trading-gateway binary as an operator runs it: the command line, TLS with
// real clients (curl, openssl s_client), large streamed bodies with the gateway's
// memory measured, and the sandbox portal behind it.
#define BOOST_TEST_MODULE binary
#include <boost/test/unit_test.hpp>

#include "tests/support/certificate.hpp"
#include "tests/support/client.hpp"
#include "tests/support/gateway_fixture.hpp"
#include "tests/support/process.hpp"
#include "tests/support/running_gateway.hpp"
#include "tests/support/test_upstream.hpp"

#include <boost/json/parse.hpp>

#include <csignal>
#include <cstdlib>
#include <regex>

using namespace tg::test;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

CommandResult check(const TempDir& dir, const std::string& config_text, const std::string& env = "") {
    const auto file = dir.write("config.json", config_text);
    return run_command("env " + env + " " + gateway_bin + " --check " + file.string());
}

std::string plain_config(std::uint16_t port, const std::string& upstream_url, const std::string& listener_extra = "") {
    return R"({"workers": 2,
      "listeners": [{"name": "public", "address": "127.0.0.1", "port": )" + port_text(port) + listener_extra + R"(}],
      "limits": {"body_bytes": 1073741824},
      "upstreams": {"app": {"servers": [")" + upstream_url + R"("]}},
      "routes": [{"match": {"prefix": "/"}, "upstream": "app"}]})";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(command_line)

BOOST_AUTO_TEST_CASE(version_and_help) {
    const auto version = run_command(gateway_bin + " --version");
    BOOST_TEST(version.exit_code == 0);
    BOOST_TEST(version.output.starts_with("trading-gateway "));
    const auto help = run_command(gateway_bin + " --help");
    BOOST_TEST(help.exit_code == 0);
    BOOST_TEST(help.output.find("--check FILE") != std::string::npos);
    const auto wrong = run_command(gateway_bin + " --frobnicate");
    BOOST_TEST(wrong.exit_code == 2);
}

BOOST_AUTO_TEST_CASE(check_accepts_the_shipped_default_config) {
    const auto result =
        run_command("env SIXMM_API_SECRET=test-only DXWEB_PASSWORD=test-only DXTRADE_STORE_KEY=test-only " + gateway_bin + " --check " TG_SOURCE_DIR "/conf/trading-gateway.json");
    BOOST_TEST(result.exit_code == 0, result.output);
}

BOOST_AUTO_TEST_CASE(check_reports_a_missing_file) {
    const auto result = run_command(gateway_bin + " --check /nonexistent/gateway.json");
    BOOST_TEST(result.exit_code == 1);
    BOOST_TEST(result.output.find("/nonexistent/gateway.json") != std::string::npos);
    BOOST_TEST(result.output.find("No such file") != std::string::npos, result.output);
}

BOOST_AUTO_TEST_CASE(check_reports_a_syntax_error_with_line_and_column) {
    TempDir dir;
    const auto result = check(dir, "{\n  \"workers\": 1,\n  \"listeners\": [ }\n}");
    BOOST_TEST(result.exit_code == 1);
    BOOST_TEST(result.output.find("line 3, column") != std::string::npos, result.output);
}

BOOST_AUTO_TEST_CASE(check_prints_every_problem_with_its_json_path) {
    TempDir dir;
    const auto result = check(dir, R"({
      "workers": "two",
      "listeners": [{"name": "public", "address": "127.0.0.1", "port": 8080, "tsl": {}}],
      "secrets": {"key": {"env": "TG_TEST_SURELY_UNSET_VARIABLE"}},
      "upstreams": {"portal": {"servers": ["http://127.0.0.1:9000"]}},
      "routes": [{"match": {"prefix": "/"}, "upstream": "portl"}]
    })");
    BOOST_TEST(result.exit_code == 1);
    for (const auto* expected : {"workers:", "listeners[0].tsl", "unknown key", "secrets.key",
                                 "TG_TEST_SURELY_UNSET_VARIABLE", "routes[0].upstream", "portl"}) {
        BOOST_TEST(result.output.find(expected) != std::string::npos, "missing " << expected << " in\n" << result.output);
    }
}

BOOST_AUTO_TEST_CASE(check_never_prints_a_secret_value) {
    TempDir dir;
    const std::string secret_value = "s3cr3t-value-that-must-not-leak";
    dir.write("secret.txt", secret_value + "\r\nsecond line\n");
    const auto result = check(dir, R"({
      "listeners": [{"name": "public", "address": "127.0.0.1", "port": 8080}],
      "secrets": {"env_key": {"env": "TG_TEST_SECRET"}, "file_key": {"file": "secret.txt"}},
      "upstreams": {"portal": {"servers": ["http://user:)" + secret_value + R"(@127.0.0.1:9000"]}},
      "routes": [{"match": {"prefix": "/"}, "upstream": "portal",
                  "request_headers": {"set": {"X-A": {"secret": "file_key"}, "X-B": {"secret": "nope"}}}}]
    })", "TG_TEST_SECRET=" + secret_value);
    BOOST_TEST(result.exit_code == 1);
    BOOST_TEST(result.output.find("s3cr3t") == std::string::npos, result.output);
    BOOST_TEST(result.output.find("second line") == std::string::npos, result.output);
}

BOOST_AUTO_TEST_CASE(a_port_in_use_is_a_clear_start_failure) {
    TempDir dir;
    TestUpstream occupying;  // listens on a port we then ask the gateway to take
    const auto config = dir.write("c.json", plain_config(occupying.port(), occupying.url()));
    const auto result = run_command(gateway_bin + " --config " + config.string(), 10s);
    BOOST_TEST(result.exit_code == 3, result.output);
    BOOST_TEST(result.output.find("listener public: cannot listen on 127.0.0.1:" + port_text(occupying.port())) !=
               std::string::npos, result.output);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(tls)

BOOST_AUTO_TEST_CASE(tls_listener_serves_tls12_and_13_with_alpn_and_refuses_older) {
    TempDir dir;
    TestUpstream upstream;
    const auto made = run_command(TG_SOURCE_DIR "/conf/make-dev-cert.sh " + dir.path().string());
    BOOST_REQUIRE_MESSAGE(made.exit_code == 0, made.output);
    const auto port = unused_port();
    const std::string tls = R"(, "tls": {"cert_file": ")" + (dir.path() / "cert.pem").string() + R"(", "key_file": ")" +
                            (dir.path() / "key.pem").string() + R"(", "handshake_timeout_ms": 500})";
    RunningGateway gateway(dir, plain_config(port, upstream.url(), tls), {port});
    const std::string base = "https://localhost:" + port_text(port);
    const std::string quiet_curl = "curl -sS --cacert " + (dir.path() / "cert.pem").string() + " ";
    const std::string url = base + "/echo/over-tls";
    const std::string curl = quiet_curl + "-v ";

    const auto ok = run_command(curl + url);
    BOOST_TEST(ok.exit_code == 0, ok.output);
    BOOST_TEST(ok.output.find("\"target\":\"/echo/over-tls\"") != std::string::npos, ok.output);
    BOOST_TEST(ok.output.find("ALPN: server accepted http/1.1") != std::string::npos, ok.output);
    BOOST_TEST(ok.output.find("\"x-forwarded-proto\":\"https\"") != std::string::npos, ok.output);

    // Bodies of many TLS records both ways, and a second request on the same connection.
    const std::string size = std::to_string(20 * 1024 * 1024);
    const std::string report = "-w '%{http_code} %{size_download} %{num_connects}\\n' ";
    const auto download = run_command(quiet_curl + "-o /dev/null -o /dev/null " + report + base + "/bytes/" + size +
                                      " " + base + "/bytes/" + size, 60s);
    BOOST_TEST(download.output == "200 " + size + " 1\n200 " + size + " 0\n");
    const auto upload =
        run_command("sh -c 'head -c " + size + " /dev/zero | " + quiet_curl + "-T - " + base + "/echo/upload'", 60s);
    BOOST_TEST(upload.output.find("\"bodyBytes\":" + size) != std::string::npos, upload.output.substr(0, 500));

    // A keep-alive connection idle past the park delay (20 ms) waits without its read
    // buffer, then serves its next request on the same connection.
    const auto after_idle = run_command(quiet_curl + "-o /dev/null -o /dev/null --rate 4/s -w '%{http_code} %{num_connects}\\n' " +
                                        url + " " + url);
    BOOST_TEST(after_idle.output == "200 1\n200 0\n", after_idle.output);

    BOOST_TEST(run_command(curl + "--tlsv1.2 --tls-max 1.2 " + url).exit_code == 0);
    BOOST_TEST(run_command(curl + "--tlsv1.3 " + url).exit_code == 0);
    const auto old = run_command("openssl s_client -connect 127.0.0.1:" + port_text(port) + " -tls1_1 </dev/null");
    BOOST_TEST(old.exit_code != 0, old.output);
    // ALPN: http/1.1 or none is served; a client offering only h2 is refused in the handshake.
    const std::string s_client = "openssl s_client -connect 127.0.0.1:" + port_text(port) + " ";
    const auto h2_only = run_command(s_client + "-alpn h2 </dev/null");
    BOOST_TEST(h2_only.exit_code != 0, h2_only.output);
    BOOST_TEST(h2_only.output.find("no application protocol") != std::string::npos, h2_only.output);
    const auto both = run_command(s_client + "-alpn h2,http/1.1 </dev/null");
    BOOST_TEST(both.output.find("ALPN protocol: http/1.1") != std::string::npos, both.output);
    BOOST_TEST(run_command(s_client + "</dev/null").exit_code == 0);
    const auto untrusted = run_command("curl -sS https://localhost:" + port_text(port) + "/");
    BOOST_TEST(untrusted.exit_code != 0);

    // A client that opens TCP and never starts the handshake is cut off at the handshake timeout.
    const auto start = std::chrono::steady_clock::now();
    const auto silent = raw_exchange(port, "", 5s);
    const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    BOOST_TEST(waited.count() < 3000);
}

BOOST_AUTO_TEST_CASE(https_upstream_is_verified_by_certificate_and_host_name) {
    TempDir dir;
    TestUpstream origin;
    make_certificate(dir, "localhost", "DNS:localhost");
    make_certificate(dir, "other.test", "DNS:other.test");
    make_certificate(dir, "stranger", "DNS:localhost");
    // The TLS front: one in-process gateway per certificate, each proxying to the origin.
    auto tls_front = [&](const std::string& name) {
        return std::make_unique<InProcessGateway>(tls_proxy_config(dir, name, origin.url()));
    };
    auto good = tls_front("localhost");
    auto wrong_name = tls_front("other.test");
    auto proxy_to = [&](std::uint16_t port, const std::string& ca) {
        return std::make_unique<InProcessGateway>(R"({"workers": 1,
          "listeners": [{"name": "public", "address": "127.0.0.1", "port": 0}],
          "upstreams": {"tls": {"servers": ["https://localhost:)" + port_text(port) + R"("],
                                "ca_file": ")" + (dir.path() / (ca + ".pem")).string() + R"("}},
          "routes": [{"match": {"prefix": "/"}, "upstream": "tls"}]})");
    };
    const auto verified = proxy_to(good->port(), "localhost");
    BOOST_TEST(fetch(verified->port(), "/echo/verified").result_int() == 200u);
    const auto untrusted_ca = proxy_to(good->port(), "stranger");
    const auto refused = fetch(untrusted_ca->port(), "/echo");
    BOOST_TEST(refused.result_int() == 502u);
    BOOST_TEST(refused.body().find("TLS handshake") != std::string::npos);
    const auto mismatched = proxy_to(wrong_name->port(), "other.test");
    BOOST_TEST(fetch(mismatched->port(), "/echo").result_int() == 502u);
    BOOST_TEST(origin.requests_served() == 1);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(bodies_of_200_megabytes_stream_both_ways_with_flat_memory) {
    TempDir dir;
    TestUpstream upstream;
    const auto port = unused_port();
    RunningGateway gateway(dir, plain_config(port, upstream.url()), {port});
    const long baseline_kib = gateway.process.rss_kib();
    constexpr long megabytes = 200;
    const std::string bytes = std::to_string(megabytes * 1024 * 1024);

    // Upload: curl streams stdin chunked (with Expect: 100-continue).
    const auto upload = run_command("sh -c 'head -c " + bytes + " /dev/zero | curl -sS -T - http://127.0.0.1:" +
                                    port_text(port) + "/echo/upload'", 120s);
    BOOST_TEST(upload.exit_code == 0, upload.output);
    BOOST_TEST(upload.output.find("\"bodyBytes\":" + bytes) != std::string::npos, upload.output.substr(0, 500));

    // Download with Content-Length.
    const auto download = run_command("curl -sS -o /dev/null -w '%{http_code} %{size_download}' http://127.0.0.1:" +
                                      port_text(port) + "/bytes/" + bytes, 120s);
    BOOST_TEST(download.output == "200 " + bytes);

    const long peak_kib = gateway.process.peak_rss_kib();
    BOOST_TEST_MESSAGE("gateway RSS: baseline " << baseline_kib << " KiB, peak " << peak_kib << " KiB");
    BOOST_TEST(peak_kib - baseline_kib < 32 * 1024, "memory grew by " << (peak_kib - baseline_kib) << " KiB");
}

BOOST_AUTO_TEST_CASE(demo_portal_login_works_through_the_gateway) {
    TempDir dir;
    const auto portal_port = unused_port();
    ChildProcess portal({sandbox_bin, "--portal", "127.0.0.1:" + port_text(portal_port)}, dir.path() / "portal.log");
    BOOST_REQUIRE(wait_for_port(portal_port));
    const auto port = unused_port();
    RunningGateway gateway(dir, plain_config(port, "http://127.0.0.1:" + port_text(portal_port)), {port});

    const auto home = fetch(port, "/");
    BOOST_TEST(home.result_int() == 200u);
    BOOST_TEST(home.body().find("Demo Broker Portal") != std::string::npos);

    auto login = make_request(tg::test::http::verb::post, "/login", "username=alice&password=alice");
    login.set(tg::test::http::field::content_type, "application/x-www-form-urlencoded");
    const auto logged_in = fetch(port, login);
    BOOST_TEST(logged_in.result_int() == 303u);
    const std::string set_cookie(logged_in[tg::test::http::field::set_cookie]);
    std::smatch match;
    BOOST_REQUIRE(std::regex_search(set_cookie, match, std::regex("portal_session=([0-9a-f]+)")));
    const std::string cookie = "portal_session=" + match[1].str();

    auto session = make_request(tg::test::http::verb::get, "/api/session");
    session.set(tg::test::http::field::cookie, cookie);
    const auto who = fetch(port, session);
    BOOST_TEST(who.result_int() == 200u);
    BOOST_TEST(json::parse(who.body()).at("userId").as_string() == "alice");

    auto logout = make_request(tg::test::http::verb::post, "/logout");
    logout.set(tg::test::http::field::cookie, cookie);
    BOOST_TEST(fetch(port, logout).result_int() == 303u);
    BOOST_TEST(fetch(port, session).result_int() == 401u);
}
