#include "tests/support/dxtrade_sandbox.hpp"

#include "tests/support/running_gateway.hpp"

#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

namespace tg::test {

DxtradeSandbox::DxtradeSandbox(const std::string& password, std::vector<std::string> flags) {
    dir.write("dxweb-password", password + "\n");
    std::vector<std::string> argv{sandbox_bin, "--dxweb", "127.0.0.1:" + port_text(dxweb_port), "--dxterminal",
                                  "127.0.0.1:" + port_text(terminal_port), "--dxweb-password-file",
                                  (dir.path() / "dxweb-password").string()};
    argv.insert(argv.end(), flags.begin(), flags.end());
    process.emplace(argv, dir.path() / "sandbox.log");
    BOOST_REQUIRE(wait_for_port(dxweb_port) && wait_for_port(terminal_port));
}

std::string DxtradeSandbox::dxweb_url() const { return "http://127.0.0.1:" + port_text(dxweb_port); }

void DxtradeSandbox::set_mode(const std::string& mode, int slow_ms) {
    auto request = make_request(http::verb::post, "/__control/mode",
                                R"({"mode":")" + mode + R"(","slowMs":)" + std::to_string(slow_ms) + "}");
    request.set(http::field::content_type, "application/json");
    BOOST_REQUIRE(fetch(dxweb_port, request).result_int() == 200u);
}

unsigned DxtradeSandbox::redeem(const std::string& token) {
    auto request = make_request(http::verb::post, "/api/auth/login/form-with-token", "token=" + token);
    request.set(http::field::content_type, "application/x-www-form-urlencoded");
    return fetch(terminal_port, request).result_int();
}

boost::json::object DxtradeSandbox::stats() {
    return boost::json::parse(fetch(dxweb_port, "/__control/stats").body()).as_object();
}

int DxtradeSandbox::live_sessions() { return stats().at("liveSessions").to_number<int>(); }

int DxtradeSandbox::live(const std::string& login, const std::string& domain) {
    const auto body = fetch(dxweb_port, "/__control/sessions?login=" + login + "&domain=" + domain).body();
    return boost::json::parse(body).at("live").to_number<int>();
}

std::uint64_t DxtradeSandbox::calls(const std::string& endpoint) {
    const auto all = stats();
    const auto* counted = all.if_contains("calls");
    const auto path = "/dxweb/rest/" + endpoint;
    if (!counted || !counted->as_object().contains(path)) return 0;
    return counted->as_object().at(path).to_number<std::uint64_t>();
}

boost::json::object DxtradeSandbox::pings() {
    return boost::json::parse(fetch(dxweb_port, "/__control/pings").body()).as_object();
}

void DxtradeSandbox::reset_pings() {
    BOOST_REQUIRE(fetch(dxweb_port, make_request(http::verb::post, "/__control/pings/reset")).result_int() == 200u);
}

}  // namespace tg::test
