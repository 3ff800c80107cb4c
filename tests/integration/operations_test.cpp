// Operating the gateway: the admin endpoints, metrics, the access log, signals
// (reload, drain, log reopening) and WebSocket tunnelling.
#define BOOST_TEST_MODULE operations
#include <boost/test/unit_test.hpp>

#include "gateway/handlers/service.hpp"
#include "tests/support/certificate.hpp"
#include "tests/support/client.hpp"
#include "tests/support/gateway_fixture.hpp"
#include "tests/support/process.hpp"
#include "tests/support/running_gateway.hpp"
#include "tests/support/test_upstream.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json/parse.hpp>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <future>
#include <map>
#include <regex>
#include <thread>

using namespace tg::test;
using namespace std::chrono_literals;
namespace json = boost::json;
namespace websocket = boost::beast::websocket;
namespace asio = boost::asio;
namespace beast = boost::beast;

namespace {

struct Ports {
    std::uint16_t public_port = 0;
    std::uint16_t admin_port = 0;
};

std::string config_text(const Ports& ports, const std::string& upstream_url, const std::string& extra = "",
                        const std::string& route_extra = "") {
    return R"({"workers": 2,
      "listeners": [{"name": "public", "address": "127.0.0.1", "port": )" + port_text(ports.public_port) + R"(},
                    {"name": "admin", "address": "127.0.0.1", "port": )" + port_text(ports.admin_port) + R"(, "admin": true}],
      "lifecycle": {"drain_delay_ms": 300, "drain_timeout_ms": 5000},
      "secrets": {"api_key": {"env": "TG_OPS_API_KEY"}},
      "upstreams": {"app": {"servers": [")" + upstream_url + R"("]}},
      "routes": [{"name": "app", "match": {"prefix": "/"}, "upstream": "app",
                  "request_headers": {"set": {"X-Api-Key": {"secret": "api_key"}}} )" + route_extra + R"(}]
      )" + extra + "}";
}

// The value of one sample, e.g. metric(text, "tg_requests_total{route=\"app\",method=\"read\",status=\"2xx\"}").
double metric(const std::string& exposition, const std::string& series) {
    std::istringstream lines(exposition);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
    }
    return 0;
}

std::vector<json::object> read_log_lines(const std::filesystem::path& file) {
    std::vector<json::object> lines;
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line)) lines.push_back(json::parse(line).as_object());
    return lines;
}

Ports fresh_ports() { return {unused_port(), unused_port()}; }

struct Env {
    Env() { ::setenv("TG_OPS_API_KEY", "ops-secret-key-4711", 1); }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(admin, Env)

BOOST_AUTO_TEST_CASE(metrics_are_valid_exposition_format_and_counters_move) {
    TestUpstream upstream;
    InProcessGateway gateway(config_text({0, 0}, upstream.url()));
    const auto before = fetch(gateway.port("admin"), "/metrics").body();
    for (int i = 0; i < 5; ++i) BOOST_REQUIRE(fetch(gateway.port(), "/echo").result_int() == 200u);
    BOOST_REQUIRE(fetch(gateway.port(), make_request(http::verb::post, "/echo", "12345")).result_int() == 200u);
    const auto response = fetch(gateway.port("admin"), "/metrics");
    BOOST_TEST(response.result_int() == 200u);
    BOOST_TEST(response[http::field::content_type].starts_with("text/plain; version=0.0.4"));
    const std::string text = response.body();

    // Every line is a HELP, a TYPE or a sample of a declared family.
    const std::regex help(R"(^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* .+$)");
    const std::regex type(R"(^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram)$)");
    const std::regex sample(
        R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*"(,[a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*")*\})? (-?[0-9.]+(e[+-]?[0-9]+)?|\+Inf|NaN)$)");
    std::map<std::string, std::string> families;
    std::istringstream lines(text);
    std::string line;
    int samples = 0;
    while (std::getline(lines, line)) {
        std::smatch match;
        if (std::regex_match(line, match, type)) {
            families[match[1]] = match[2];
        } else if (std::regex_match(line, match, sample)) {
            std::string family = match[1];
            for (const auto* suffix : {"_bucket", "_sum", "_count"}) {
                if (!families.count(family) && family.ends_with(suffix)) family.resize(family.size() - strlen(suffix));
            }
            BOOST_TEST(families.count(family) == 1u, "sample without TYPE: " << line);
            ++samples;
        } else {
            BOOST_TEST(std::regex_match(line, help), "not exposition format: " << line);
        }
    }
    BOOST_TEST(samples > 10);

    const std::string read_ok = R"(tg_requests_total{route="app",method="read",status="2xx"})";
    BOOST_TEST(metric(text, read_ok) - metric(before, read_ok) == 5.0);
    BOOST_TEST(metric(text, R"(tg_requests_total{route="app",method="write",status="2xx"})") == 1.0);
    BOOST_TEST(metric(text, R"(tg_request_duration_seconds_count{route="app"})") == 6.0);
    BOOST_TEST(metric(text, R"(tg_request_duration_seconds_bucket{route="app",le="+Inf"})") == 6.0);
    BOOST_TEST(metric(text, R"(tg_received_body_bytes_total{route="app"})") == 5.0);
    BOOST_TEST(metric(text, R"(tg_upstream_connections_opened_total{upstream="app"})") >= 1.0);
    BOOST_TEST(metric(text, R"(tg_upstream_connections{upstream="app",state="active"})") == 0.0);
    BOOST_TEST(metric(text, "tg_process_open_fds") > 0.0);
    BOOST_TEST(metric(text, "tg_process_resident_memory_bytes") > 1e6);
    BOOST_TEST(text.find("ops-secret-key-4711") == std::string::npos);
}

// A module's service as the admin listener sees it (the DXtrade service reports its
// session store this way).
class FakeService final : public tg::handlers::Service {
public:
    void start(const tg::config::Config&) override { started = true; }
    void stop() override {}
    std::vector<std::string> needs_restart(const tg::config::Config&) const override { return {}; }
    std::string not_ready_reason() const override { return healthy ? "" : "session store unavailable"; }
    void append_metrics(std::string& out) const override {
        out += "# HELP tg_fake_up Test.\n# TYPE tg_fake_up gauge\ntg_fake_up ";
        out += healthy ? "1\n" : "0\n";
    }
    tg::handlers::Handler* admin_handler(std::string_view) override { return nullptr; }

    std::atomic<bool> healthy{true};
    bool started = false;
};

BOOST_AUTO_TEST_CASE(readiness_and_metrics_include_the_services) {
    TestUpstream upstream;
    auto service = std::make_shared<FakeService>();
    tg::handlers::Registry registry;
    registry.add_service(service);
    InProcessGateway gateway(config_text({0, 0}, upstream.url()), std::move(registry));
    BOOST_TEST(service->started);
    BOOST_TEST(fetch(gateway.port("admin"), "/readyz").result_int() == 200u);
    BOOST_TEST(metric(fetch(gateway.port("admin"), "/metrics").body(), "tg_fake_up") == 1.0);

    service->healthy = false;
    const auto not_ready = fetch(gateway.port("admin"), "/readyz");
    BOOST_TEST(not_ready.result_int() == 503u);
    const auto body = json::parse(not_ready.body());
    BOOST_TEST(body.at("status").as_string() == "not_ready");
    BOOST_TEST(body.at("reason").as_string() == "session store unavailable");
    BOOST_TEST(metric(fetch(gateway.port("admin"), "/metrics").body(), "tg_fake_up") == 0.0);
    BOOST_TEST(fetch(gateway.port(), "/echo").result_int() == 200u);  // serving goes on

    service->healthy = true;
    BOOST_TEST(fetch(gateway.port("admin"), "/readyz").result_int() == 200u);
}

BOOST_AUTO_TEST_CASE(health_and_readiness_on_the_admin_listener_only) {
    TestUpstream upstream;
    InProcessGateway gateway(config_text({0, 0}, upstream.url()));
    BOOST_TEST(fetch(gateway.port("admin"), "/healthz").result_int() == 200u);
    const auto ready = fetch(gateway.port("admin"), "/readyz");
    BOOST_TEST(ready.result_int() == 200u);
    BOOST_TEST(json::parse(ready.body()).at("status").as_string() == "ready");
    BOOST_TEST(fetch(gateway.port("admin"), "/elsewhere").result_int() == 404u);
    // On the public listener these paths are ordinary routes: here they reach the portal.
    const auto proxied = fetch(gateway.port(), "/metrics");
    BOOST_TEST(json::parse(proxied.body()).at("target").as_string() == "/metrics");
    BOOST_TEST(upstream.requests_served() == 1);
}

BOOST_AUTO_TEST_CASE(access_log_has_one_json_line_per_request_without_secrets_or_tokens) {
    TestUpstream upstream;
    TempDir dir;
    const auto log_file = dir.path() / "access.log";
    InProcessGateway gateway(config_text({0, 0}, upstream.url(), R"(, "access_log": {"path": ")" + log_file.string() + R"("})"));
    const std::string token = "tok-9f8e7d6c5b4a";
    const std::string bare_token = "bare-4d3c2b1a";
    auto request = make_request(http::verb::get, "/status/204?token=" + token + "&user=bob&" + bare_token);
    request.set("X-Request-Id", "trace-abc");
    const auto answered = fetch(gateway.port(), request);
    BOOST_TEST(answered.result_int() == 204u);
    BOOST_TEST(fetch(gateway.port(), "/bytes/1000").body().size() == 1000u);
    std::this_thread::sleep_for(600ms);  // the workers flush every 100 ms

    const auto text = read_file(log_file);
    BOOST_TEST(text.find(token) == std::string::npos);
    BOOST_TEST(text.find(bare_token) == std::string::npos);
    BOOST_TEST(text.find("ops-secret-key-4711") == std::string::npos);
    BOOST_TEST(answered.body().find("ops-secret-key-4711") == std::string::npos);
    const auto lines = read_log_lines(log_file);
    BOOST_REQUIRE(lines.size() == 2u);
    const auto& first = lines[0].at("requestId") == "trace-abc" ? lines[0] : lines[1];
    for (const auto* field : {"time", "requestId", "listener", "client", "method", "path", "route", "upstream", "server",
                              "status", "bytesIn", "bytesOut", "durationMs", "upstreamMs"}) {
        BOOST_TEST(first.contains(field), "missing " << field);
    }
    BOOST_TEST(std::regex_match(std::string(first.at("time").as_string()),
                                std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));
    BOOST_TEST(first.at("path").as_string() == "/status/204?token&user&-");
    BOOST_TEST(first.at("status").to_number<int>() == 204);
    BOOST_TEST(first.at("route").as_string() == "app");
    BOOST_TEST(first.at("listener").as_string() == "public");
    BOOST_TEST(first.at("client").as_string() == "127.0.0.1");
    BOOST_TEST(first.at("server").as_string() == upstream.url());
    const auto& second = lines[0].at("requestId") == "trace-abc" ? lines[1] : lines[0];
    BOOST_TEST(second.at("bytesOut").to_number<int>() == 1000);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(signals, Env)

BOOST_AUTO_TEST_CASE(sighup_during_load_switches_the_route_without_failing_a_request) {
    TestUpstream first, second;
    TempDir dir;
    const auto ports = fresh_ports();
    RunningGateway gateway(dir, config_text(ports, first.url()), {ports.public_port, ports.admin_port});
    const auto metrics_before = fetch(ports.admin_port, "/metrics").body();
    HttpClient kept_open(ports.public_port);  // idle across the reload
    BOOST_REQUIRE(kept_open.get("/echo")["X-Upstream-Port"] == port_text(first.port()));

    constexpr int total = 3000;
    std::atomic<int> failures{0}, done{0};
    auto client_loop = std::async(std::launch::async, [&] {
        HttpClient keep_alive(ports.public_port);
        for (int i = 0; i < total; ++i) {
            try {
                // Mostly one keep-alive connection, sometimes a new one.
                const auto response = i % 10 == 0 ? fetch(ports.public_port, "/echo") : keep_alive.get("/echo");
                if (response.result_int() != 200) ++failures;
            } catch (const std::exception&) {
                ++failures;
            }
            ++done;
        }
    });
    while (done < total / 3) std::this_thread::sleep_for(5ms);
    dir.write("gateway.json", config_text(ports, second.url()));
    gateway.process.signal(SIGHUP);
    client_loop.get();
    BOOST_TEST(failures == 0);
    BOOST_TEST(first.requests_served() > 0);
    BOOST_TEST(second.requests_served() > 0, "the reload never took effect");
    BOOST_TEST(fetch(ports.public_port, "/echo")["X-Upstream-Port"] == port_text(second.port()));
    BOOST_TEST(kept_open.get("/echo")["X-Upstream-Port"] == port_text(second.port()),
               "a keep-alive connection must follow the reload with its next request");

    const auto metrics = fetch(ports.admin_port, "/metrics").body();
    BOOST_TEST(metric(metrics, R"(tg_config_reloads_total{result="ok"})") == 1.0);
    std::smatch old_hash, new_hash;
    const std::regex hash(R"re(tg_config_info\{hash="([0-9a-f]{64})"\})re");
    BOOST_REQUIRE(std::regex_search(metrics_before, old_hash, hash));
    BOOST_REQUIRE(std::regex_search(metrics, new_hash, hash));
    BOOST_TEST(old_hash[1].str() != new_hash[1].str());
}

BOOST_AUTO_TEST_CASE(an_invalid_reload_keeps_the_running_config) {
    TestUpstream upstream;
    TempDir dir;
    const auto ports = fresh_ports();
    RunningGateway gateway(dir, config_text(ports, upstream.url()), {ports.public_port, ports.admin_port});
    dir.write("gateway.json", R"({"listeners": [{"name": "public", "port": 1}], "routes": [{"match": {"prefix": "/"}, "upstream": "gone"}]})");
    gateway.process.signal(SIGHUP);
    std::this_thread::sleep_for(300ms);
    BOOST_TEST(fetch(ports.public_port, "/echo").result_int() == 200u);
    BOOST_TEST(metric(fetch(ports.admin_port, "/metrics").body(), R"(tg_config_reloads_total{result="failed"})") == 1.0);
    BOOST_TEST(read_file(gateway.log).find("routes[0].upstream") != std::string::npos, read_file(gateway.log));
}

BOOST_AUTO_TEST_CASE(a_reload_whose_handlers_cannot_be_built_is_refused) {
    TestUpstream upstream;
    TempDir dir;
    const auto ports = fresh_ports();
    RunningGateway gateway(dir, config_text(ports, upstream.url()), {ports.public_port, ports.admin_port});
    // Valid JSON and known names, but sixmm.webhook needs the "sixmm" section to be built.
    auto broken = config_text(ports, upstream.url());
    broken.replace(broken.find(R"("routes": [)"), 11,
                   R"("routes": [{"match": {"path": "/hook"}, "handler": "sixmm.webhook", "upstream": "app"},)");
    dir.write("gateway.json", broken);
    gateway.process.signal(SIGHUP);
    std::this_thread::sleep_for(300ms);
    BOOST_TEST(fetch(ports.public_port, "/echo").result_int() == 200u);
    BOOST_TEST(metric(fetch(ports.admin_port, "/metrics").body(), R"(tg_config_reloads_total{result="failed"})") == 1.0);
    BOOST_TEST(read_file(gateway.log).find("the config has no \"sixmm\" section") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_listener_change_on_reload_is_reported_and_not_applied) {
    TestUpstream upstream;
    TempDir dir;
    const auto ports = fresh_ports();
    RunningGateway gateway(dir, config_text(ports, upstream.url()), {ports.public_port, ports.admin_port});
    dir.write("gateway.json", config_text({unused_port(), ports.admin_port}, upstream.url()));
    gateway.process.signal(SIGHUP);
    std::this_thread::sleep_for(300ms);
    BOOST_TEST(fetch(ports.public_port, "/echo").result_int() == 200u);
    BOOST_TEST(read_file(gateway.log).find("listeners changed: needs a restart, not applied") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(sigterm_lets_a_slow_request_finish_and_exits_0) {
    TestUpstream upstream;
    TempDir dir;
    const auto ports = fresh_ports();
    RunningGateway gateway(dir, config_text(ports, upstream.url()), {ports.public_port, ports.admin_port});
    HttpClient idle_keep_alive(ports.public_port);
    BOOST_REQUIRE(idle_keep_alive.get("/echo").result_int() == 200u);

    auto slow = std::async(std::launch::async, [&] { return fetch(ports.public_port, "/slow/1500"); });
    std::this_thread::sleep_for(200ms);
    gateway.process.signal(SIGTERM);
    std::this_thread::sleep_for(100ms);
    const auto readiness = fetch(ports.admin_port, "/readyz");
    BOOST_TEST(readiness.result_int() == 503u);
    BOOST_TEST(json::parse(readiness.body()).at("status").as_string() == "draining");
    BOOST_TEST(idle_keep_alive.closed_by_server(3s), "idle keep-alive connection should be closed after the delay");

    const auto response = slow.get();
    BOOST_TEST(response.result_int() == 200u);
    BOOST_TEST(response.body() == "slow");
    BOOST_TEST(response[http::field::connection] == "close");
    const auto exit_code = gateway.process.wait(5s);
    BOOST_REQUIRE(exit_code.has_value());
    BOOST_TEST(*exit_code == 0);
}

BOOST_AUTO_TEST_CASE(sigusr1_reopens_the_access_log_after_rotation) {
    TestUpstream upstream;
    TempDir dir;
    const auto ports = fresh_ports();
    const auto log_file = dir.path() / "access.log";
    RunningGateway gateway(dir, config_text(ports, upstream.url(), R"(, "access_log": {"path": "access.log"})"), {ports.public_port, ports.admin_port});
    BOOST_REQUIRE(fetch(ports.public_port, "/echo/before").result_int() == 200u);
    std::this_thread::sleep_for(400ms);
    std::filesystem::rename(log_file, dir.path() / "access.log.1");
    gateway.process.signal(SIGUSR1);
    std::this_thread::sleep_for(200ms);
    BOOST_REQUIRE(fetch(ports.public_port, "/echo/after").result_int() == 200u);
    std::this_thread::sleep_for(400ms);
    BOOST_TEST(read_file(dir.path() / "access.log.1").find("/echo/before") != std::string::npos);
    BOOST_TEST(read_file(log_file).find("/echo/after") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

// The sandbox portal, whose /ws/echo is the WebSocket upstream.
struct Sandbox {
    TempDir dir;
    std::uint16_t port = unused_port();
    ChildProcess process{{sandbox_bin, "--portal", "127.0.0.1:" + std::to_string(port)}, dir.path() / "sandbox.log"};
    Sandbox() { BOOST_REQUIRE(wait_for_port(port)); }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port); }
};

using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// A WebSocket client over plain TCP or (Stream = TlsStream) TLS.
template <class Stream>
struct BasicWebSocketClient {
    static constexpr bool over_tls = std::is_same_v<Stream, TlsStream>;
    asio::io_context io;
    asio::ssl::context tls{asio::ssl::context::tls_client};  // over TLS: trusts open()'s `ca_file`
    websocket::stream<Stream> ws = make_stream();

    websocket::stream<Stream> make_stream() {
        if constexpr (over_tls) {
            return websocket::stream<Stream>(io, tls);
        } else {
            return websocket::stream<Stream>(io);
        }
    }

    // Returns the handshake's HTTP status.
    unsigned open(std::uint16_t port, const std::string& origin = "", const std::string& ca_file = "") {
        beast::get_lowest_layer(ws).expires_after(5s);
        beast::get_lowest_layer(ws).connect({asio::ip::make_address("127.0.0.1"), port});
        if constexpr (over_tls) {
            tls.load_verify_file(ca_file);
            ws.next_layer().set_verify_mode(asio::ssl::verify_peer);
            ws.next_layer().set_verify_callback(asio::ssl::host_name_verification("localhost"));
            ws.next_layer().handshake(asio::ssl::stream_base::client);
        }
        ws.set_option(websocket::stream_base::decorator([origin](websocket::request_type& req) {
            if (!origin.empty()) req.set(http::field::origin, origin);
        }));
        websocket::response_type response;
        beast::error_code ec;
        ws.handshake(response, "127.0.0.1", "/ws/echo", ec);
        beast::get_lowest_layer(ws).expires_never();
        return response.result_int();
    }
    std::string exchange(const std::string& text) {
        ws.write(asio::buffer(text));
        beast::flat_buffer buffer;
        ws.read(buffer);
        return beast::buffers_to_string(buffer.data());
    }
    // Reads until the connection ends; the error that ended it.
    beast::error_code read_until_end(std::chrono::milliseconds limit) {
        beast::get_lowest_layer(ws).expires_after(limit);
        beast::flat_buffer buffer;
        beast::error_code ec;
        while (!ec) ws.read(buffer, ec);
        return ec;
    }
};
using WebSocketClient = BasicWebSocketClient<beast::tcp_stream>;
using TlsWebSocketClient = BasicWebSocketClient<TlsStream>;

std::string websocket_route(const std::string& settings) { return R"(, "websocket": )" + settings; }

}  // namespace

BOOST_FIXTURE_TEST_SUITE(websockets, Env)

BOOST_AUTO_TEST_CASE(echo_through_the_gateway_and_client_close_propagates) {
    Sandbox sandbox;
    InProcessGateway gateway(config_text({0, 0}, sandbox.url()));
    WebSocketClient client;
    BOOST_REQUIRE(client.open(gateway.port()) == 101u);
    BOOST_TEST(client.exchange("hello") == "hello");
    BOOST_TEST(client.exchange(std::string(100000, 'w')).size() == 100000u);
    // A client close() returns only after the server's close frame came back through
    // the tunnel and the server ended the TCP connection.
    beast::get_lowest_layer(client.ws).expires_after(3s);
    beast::error_code ec;
    client.ws.close(websocket::close_code::normal, ec);
    BOOST_TEST(!ec, ec.message());
}

BOOST_AUTO_TEST_CASE(server_close_propagates_with_its_code) {
    Sandbox sandbox;
    InProcessGateway gateway(config_text({0, 0}, sandbox.url()));
    WebSocketClient client;
    BOOST_REQUIRE(client.open(gateway.port()) == 101u);
    client.ws.write(asio::buffer(std::string("close-me")));
    BOOST_TEST((client.read_until_end(3s) == websocket::error::closed));
    BOOST_TEST(client.ws.reason().code == 4000);
    BOOST_TEST(std::string(client.ws.reason().reason.c_str()) == "bye");
}

BOOST_AUTO_TEST_CASE(an_idle_tunnel_is_closed_at_the_route_idle_timeout) {
    Sandbox sandbox;
    InProcessGateway gateway(config_text({0, 0}, sandbox.url(), "", websocket_route(R"({"idle_timeout_ms": 500})")));
    WebSocketClient client;
    BOOST_REQUIRE(client.open(gateway.port()) == 101u);
    BOOST_TEST(client.exchange("still here") == "still here");
    const auto start = std::chrono::steady_clock::now();
    const auto ended = client.read_until_end(5s);
    const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    BOOST_TEST((ended != beast::error::timeout), "the gateway never closed the idle tunnel");
    BOOST_TEST(waited.count() >= 400);
    BOOST_TEST(waited.count() < 2000);
}

BOOST_AUTO_TEST_CASE(over_a_tls_listener_echo_and_both_closes_propagate) {
    Sandbox sandbox;
    TempDir dir;
    make_certificate(dir, "localhost", "DNS:localhost");
    const auto ca = (dir.path() / "localhost.pem").string();
    InProcessGateway gateway(tls_proxy_config(dir, "localhost", sandbox.url()));

    TlsWebSocketClient client;
    BOOST_REQUIRE(client.open(gateway.port(), "", ca) == 101u);
    BOOST_TEST(client.exchange("hello") == "hello");
    BOOST_TEST(client.exchange(std::string(100000, 'w')).size() == 100000u);  // several TLS records
    // The client's close comes back through the tunnel, and the TLS connection then
    // ends in order (close_notify), which is what close() waits for.
    beast::get_lowest_layer(client.ws).expires_after(3s);
    beast::error_code ec;
    client.ws.close(websocket::close_code::normal, ec);
    BOOST_TEST(!ec, ec.message());

    TlsWebSocketClient second;  // the worker is still sound after a tunnel ended
    BOOST_REQUIRE(second.open(gateway.port(), "", ca) == 101u);
    second.ws.write(asio::buffer(std::string("close-me")));
    BOOST_TEST((second.read_until_end(3s) == websocket::error::closed));
    BOOST_TEST(second.ws.reason().code == 4000);
}

BOOST_AUTO_TEST_CASE(upgrades_from_other_origins_are_refused_with_403) {
    Sandbox sandbox;
    InProcessGateway gateway(config_text({0, 0}, sandbox.url(), "",
                                         websocket_route(R"({"allowed_origins": ["https://portal.example"]})")));
    WebSocketClient refused;
    BOOST_TEST(refused.open(gateway.port(), "https://evil.example") == 403u);
    WebSocketClient allowed;
    BOOST_TEST(allowed.open(gateway.port(), "https://portal.example") == 101u);
    BOOST_TEST(allowed.exchange("ok") == "ok");
}

BOOST_AUTO_TEST_SUITE_END()
