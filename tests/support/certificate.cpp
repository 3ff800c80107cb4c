#include "tests/support/certificate.hpp"

#include <boost/test/unit_test.hpp>

namespace tg::test {

void make_certificate(const TempDir& dir, const std::string& name, const std::string& san) {
    const auto result = run_command("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 "
                                    "-subj /CN=" + name + " -addext subjectAltName=" + san + " -keyout " +
                                    (dir.path() / (name + ".key")).string() + " -out " +
                                    (dir.path() / (name + ".pem")).string());
    BOOST_REQUIRE_MESSAGE(result.exit_code == 0, result.output);
}

std::string tls_proxy_config(const TempDir& dir, const std::string& name, const std::string& upstream_url) {
    return R"({"workers": 1,
      "listeners": [{"name": "public", "address": "127.0.0.1", "port": 0,
                     "tls": {"cert_file": ")" + (dir.path() / (name + ".pem")).string() + R"(",
                             "key_file": ")" + (dir.path() / (name + ".key")).string() + R"("}}],
      "upstreams": {"app": {"servers": [")" + upstream_url + R"("]}},
      "routes": [{"match": {"prefix": "/"}, "upstream": "app"}]})";
}

}  // namespace tg::test
