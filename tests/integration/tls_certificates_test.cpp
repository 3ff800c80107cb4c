// A TLS listener's certificates: renewed on SIGHUP (the same files rewritten, as certbot
// and cert-manager do) without dropping a connection or failing a request, a broken
// pair refused while the running certificate stays, and further certificates chosen by
// SNI. The gateway runs in this process; reload() is what SIGHUP calls.
#define BOOST_TEST_MODULE tls_certificates
#include <boost/test/unit_test.hpp>

#include "tests/support/certificate.hpp"
#include "tests/support/client.hpp"
#include "tests/support/gateway_fixture.hpp"
#include "tests/support/process.hpp"
#include "tests/support/running_gateway.hpp"
#include "tests/support/test_upstream.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include <openssl/x509.h>

#include <atomic>
#include <set>
#include <filesystem>
#include <thread>

using namespace tg::test;
using namespace std::chrono_literals;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

// One TLS connection to 127.0.0.1:port, with `server_name` as SNI when not empty.
struct TlsClient {
    asio::io_context io;
    asio::ssl::context context{asio::ssl::context::tls_client};
    asio::ssl::stream<beast::tcp_stream> stream{io, context};

    TlsClient(std::uint16_t port, const std::string& server_name = "") {
        context.set_verify_mode(asio::ssl::verify_none);
        beast::get_lowest_layer(stream).expires_after(5s);
        beast::get_lowest_layer(stream).connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
        if (!server_name.empty()) SSL_set_tlsext_host_name(stream.native_handle(), server_name.c_str());
        stream.handshake(asio::ssl::stream_base::client);
    }

    // The CN of the certificate the server presented.
    std::string certificate_name() {
        X509* certificate = SSL_get1_peer_certificate(stream.native_handle());
        if (!certificate) return "(none)";
        char name[256] = {};
        X509_NAME_get_text_by_NID(X509_get_subject_name(certificate), NID_commonName, name, sizeof name);
        X509_free(certificate);
        return name;
    }

    http::response<http::string_body> send(http::verb method, const std::string& target) {
        http::request<http::empty_body> request{method, target, 11};
        request.set(http::field::host, "localhost");
        beast::get_lowest_layer(stream).expires_after(5s);
        http::write(stream, request);
        beast::flat_buffer buffer;
        http::response<http::string_body> response;
        http::read(stream, buffer, response);
        return response;
    }
    unsigned get(const std::string& target = "/echo") { return send(http::verb::get, target).result_int(); }
};

std::string config_for(const TempDir& dir, const std::string& upstream, const std::string& sni_certificates = "",
                       const std::string& more_tls = "") {
    const auto file = [&](const char* name) { return (dir.path() / name).string(); };
    return R"({
      "workers": 2,
      "listeners": [{"name": "secure", "address": "127.0.0.1", "port": 0,
                     "tls": {"cert_file": ")" + file("live.pem") + R"(", "key_file": ")" + file("live.key") + R"(")" +
           (sni_certificates.empty() ? "" : R"(, "certificates": )" + sni_certificates) + more_tls + R"(}}],
      "upstreams": {"app": {"servers": [")" + upstream + R"("]}},
      "routes": [{"match": {"prefix": "/"}, "upstream": "app"}]
    })";
}

// Makes a certificate named `name` and installs it as the live pair (copied over the
// files in place, as a renewal does).
void install(const TempDir& dir, const std::string& name) {
    make_certificate(dir, name, "DNS:localhost,IP:127.0.0.1");
    for (const char* extension : {".pem", ".key"}) {
        std::filesystem::copy_file(dir.path() / (name + extension), dir.path() / (std::string("live") + extension),
                                   std::filesystem::copy_options::overwrite_existing);
    }
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_renewed_certificate_is_served_after_a_reload_and_open_connections_go_on) {
    TempDir dir;
    TestUpstream upstream;
    install(dir, "first");
    const auto config = config_for(dir, upstream.url());
    InProcessGateway gateway(config);
    TlsClient before(gateway.port("secure"));
    BOOST_TEST(before.certificate_name() == "first");
    BOOST_TEST(before.get() == 200u);

    install(dir, "second");
    const auto reloaded = gateway.reload(config);
    BOOST_TEST(reloaded.applied, reloaded.error);
    BOOST_TEST(reloaded.ignored.empty());
    TlsClient after(gateway.port("secure"));
    BOOST_TEST(after.certificate_name() == "second");
    BOOST_TEST(after.get() == 200u);
    BOOST_TEST(before.get() == 200u);  // the connection made before the reload goes on

    // A broken pair (a key of another certificate) is refused, naming the file; the
    // running certificate stays.
    make_certificate(dir, "stranger", "DNS:localhost");
    std::filesystem::copy_file(dir.path() / "stranger.key", dir.path() / "live.key",
                               std::filesystem::copy_options::overwrite_existing);
    const auto refused = gateway.reload(config);
    BOOST_TEST(!refused.applied);
    BOOST_TEST(refused.error.find("listener secure") != std::string::npos, refused.error);
    BOOST_TEST(refused.error.find("live.key") != std::string::npos, refused.error);
    TlsClient still(gateway.port("secure"));
    BOOST_TEST(still.certificate_name() == "second");
    BOOST_TEST(still.get() == 200u);
}

BOOST_AUTO_TEST_CASE(reloads_under_a_client_loop_fail_no_request) {
    TempDir dir;
    TestUpstream upstream;
    install(dir, "cert-a");
    make_certificate(dir, "cert-b", "DNS:localhost,IP:127.0.0.1");
    const auto config = config_for(dir, upstream.url());
    InProcessGateway gateway(config);
    const auto port = gateway.port("secure");

    std::atomic<bool> done{false};
    std::atomic<int> served{0}, failed{0};
    std::set<std::string> seen;
    std::thread clients([&] {
        // A new connection and a request each time, for at most 600 rounds.
        for (int round = 0; round < 600 && !done.load(); ++round) {
            try {
                TlsClient client(port);
                seen.insert(client.certificate_name());
                (client.get() == 200u ? served : failed).fetch_add(1);
            } catch (const std::exception&) {
                failed.fetch_add(1);
            }
        }
    });
    for (int reload = 0; reload < 10; ++reload) {
        const auto name = reload % 2 == 0 ? "cert-b" : "cert-a";
        for (const char* extension : {".pem", ".key"}) {
            // Written aside and renamed over, as certbot's symlink swap is atomic.
            std::filesystem::copy_file(dir.path() / (std::string(name) + extension), dir.path() / "next",
                                       std::filesystem::copy_options::overwrite_existing);
            std::filesystem::rename(dir.path() / "next", dir.path() / (std::string("live") + extension));
        }
        BOOST_TEST(gateway.reload(config).applied);
        std::this_thread::sleep_for(150ms);
    }
    done.store(true);
    clients.join();
    BOOST_TEST(failed.load() == 0);
    BOOST_TEST(served.load() > 10);
    BOOST_TEST(seen.size() == 2u);  // both certificates were served
}

BOOST_AUTO_TEST_CASE(sni_chooses_a_certificate_by_name_and_falls_back_to_the_default) {
    TempDir dir;
    TestUpstream upstream;
    install(dir, "default-cert");
    make_certificate(dir, "api-cert", "DNS:api.example.com,DNS:*.wild.example");
    const auto file = [&](const char* name) { return (dir.path() / name).string(); };
    const auto sni = R"([{"cert_file": ")" + file("api-cert.pem") + R"(", "key_file": ")" + file("api-cert.key") +
                     R"(", "server_names": ["api.example.com", "*.Wild.Example"]}])";
    InProcessGateway gateway(config_for(dir, upstream.url(), sni));
    const auto port = gateway.port("secure");
    for (const auto& [name, expected] : std::vector<std::pair<std::string, std::string>>{
             {"api.example.com", "api-cert"},
             {"API.Example.com", "api-cert"},
             {"x.wild.example", "api-cert"},
             {"a.b.wild.example", "default-cert"},  // a wildcard covers one label
             {"wild.example", "default-cert"},
             {"other.example.com", "default-cert"},
             {"", "default-cert"}}) {
        TlsClient client(port, name);
        BOOST_TEST(client.certificate_name() == expected, "SNI '" << name << "'");
        BOOST_TEST(client.get() == 200u);
    }
}

BOOST_AUTO_TEST_CASE(hsts_is_on_every_answer_of_a_listener_that_asks_for_it) {
    TempDir dir;
    TestUpstream upstream;
    install(dir, "hsts");
    InProcessGateway gateway(config_for(dir, upstream.url(), "", R"(, "hsts_max_age_s": 31536000, "hsts_include_subdomains": true)"));
    TlsClient client(gateway.port("secure"));
    const std::string expected = "max-age=31536000; includeSubDomains";
    BOOST_TEST(client.send(http::verb::get, "/echo")[http::field::strict_transport_security] == expected);  // proxied
    const auto refused = client.send(http::verb::trace, "/echo");  // the gateway's own answer
    BOOST_TEST(refused.result_int() == 405u);
    BOOST_TEST(refused[http::field::strict_transport_security] == expected);

    InProcessGateway without(config_for(dir, upstream.url()));
    TlsClient plain_settings(without.port("secure"));
    BOOST_TEST(plain_settings.send(http::verb::get, "/echo").count(http::field::strict_transport_security) == 0u);
}

namespace {

// `openssl s_client` to the port with a session file: "New" or "Reused" (and the version).
std::string resumption(std::uint16_t port, const std::string& version, const std::string& session_option) {
    // A keep-alive request and a pause: the TLS 1.3 tickets arrive after the handshake.
    const auto result = run_command("bash -c '(printf \"GET /echo HTTP/1.1\\r\\nHost: localhost\\r\\n\\r\\n\"; sleep 1) | "
                                    "openssl s_client -connect 127.0.0.1:" + port_text(port) + " -" + version + " " +
                                        session_option + " 2>&1'", std::chrono::seconds(10));
    for (const auto* outcome : {"Reused", "New"}) {
        if (result.output.find(std::string("\n") + outcome + ", ") != std::string::npos) return outcome;
    }
    return "no handshake: " + result.output.substr(0, 300);
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_session_resumes_on_another_process_with_the_same_ticket_key) {
    TempDir dir;
    TestUpstream upstream;
    install(dir, "resumable");
    run_command("openssl rand 80 > " + (dir.path() / "ticket.key").string());
    run_command("openssl rand 48 > " + (dir.path() / "other.key").string());
    std::vector<std::uint16_t> ports;
    std::vector<std::unique_ptr<TempDir>> dirs;  // each process its own config and log
    std::vector<std::unique_ptr<RunningGateway>> gateways;
    for (const char* key : {"ticket.key", "ticket.key", "other.key"}) {
        const auto port = unused_port();
        auto config = config_for(dir, upstream.url(), "", R"(, "session_ticket_key_files": [")" +
                                                              (dir.path() / key).string() + R"("])");
        const std::string any_port = "\"port\": 0";
        config.replace(config.find(any_port), any_port.size(), "\"port\": " + port_text(port));
        dirs.push_back(std::make_unique<TempDir>());
        gateways.push_back(std::make_unique<RunningGateway>(*dirs.back(), config, std::initializer_list<std::uint16_t>{port}));
        ports.push_back(port);
    }
    for (const std::string version : {"tls1_2", "tls1_3"}) {
        const auto session = (dir.path() / ("session-" + version + ".pem")).string();
        BOOST_TEST(resumption(ports[0], version, "-sess_out " + session) == "New");
        BOOST_TEST(resumption(ports[1], version, "-sess_in " + session) == "Reused", version);  // the same key
        BOOST_TEST(resumption(ports[2], version, "-sess_in " + session) == "New", version);     // another key
    }
}

BOOST_AUTO_TEST_CASE(an_ocsp_response_file_is_stapled_for_a_client_that_asks) {
    TempDir dir;
    TestUpstream upstream;
    install(dir, "stapled");
    // A response signed by a test responder for the (self-issued) live certificate.
    const auto at = [&](const char* name) { return (dir.path() / name).string(); };
    make_certificate(dir, "responder", "DNS:responder");
    dir.write("index.txt", "");
    BOOST_REQUIRE(run_command("openssl ocsp -issuer " + at("live.pem") + " -cert " + at("live.pem") + " -no_nonce -reqout " +
                              at("request.der")).exit_code == 0);
    const auto made = run_command("openssl ocsp -index " + at("index.txt") + " -rsigner " + at("responder.pem") + " -rkey " +
                                  at("responder.key") + " -CA " + at("live.pem") + " -reqin " + at("request.der") +
                                  " -respout " + at("ocsp.der") + " -ndays 1");
    BOOST_REQUIRE_MESSAGE(made.exit_code == 0, made.output);
    const auto config = config_for(dir, upstream.url(), "", R"(, "ocsp_response_file": ")" + at("ocsp.der") + R"(")");
    InProcessGateway gateway(config);
    const auto status = [&](std::uint16_t port) {
        return run_command("openssl s_client -connect 127.0.0.1:" + port_text(port) + " -status < /dev/null 2>&1",
                           std::chrono::seconds(10)).output;
    };
    BOOST_TEST(status(gateway.port("secure")).find("OCSP Response Status: successful") != std::string::npos);
    InProcessGateway without(config_for(dir, upstream.url()));
    BOOST_TEST(status(without.port("secure")).find("OCSP response: no response sent") != std::string::npos);

    // A file that is not an OCSP response fails the reload; the stapled one stays.
    dir.write("ocsp.der", "not DER");
    const auto refused = gateway.reload(config);
    BOOST_TEST(!refused.applied);
    BOOST_TEST(refused.error.find("ocsp.der") != std::string::npos, refused.error);
    BOOST_TEST(status(gateway.port("secure")).find("OCSP Response Status: successful") != std::string::npos);
}
