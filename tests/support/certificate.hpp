// Self-signed test certificates, made with the openssl command line.
#pragma once

#include "tests/support/process.hpp"

#include <string>

namespace tg::test {

// Writes <dir>/<name>.pem and <dir>/<name>.key: an EC key and a certificate for
// CN=<name> with the given subjectAltName ("DNS:localhost,IP:127.0.0.1"), valid a day.
// Fails the test when openssl does.
void make_certificate(const TempDir& dir, const std::string& name, const std::string& san);

// A one-worker gateway config: a TLS listener on a port chosen at run time with the
// certificate <dir>/<name>.pem, proxying everything to `upstream_url`.
std::string tls_proxy_config(const TempDir& dir, const std::string& name, const std::string& upstream_url);

}  // namespace tg::test
