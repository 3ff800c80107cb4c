#include "gateway/server/tls.hpp"

#include <openssl/ssl.h>

#include <stdexcept>

namespace tg::server {
namespace ssl = boost::asio::ssl;
namespace {

constexpr unsigned char alpn_http11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};

int select_http11(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
                  unsigned int inlen, void*) {
    unsigned char* selected = nullptr;
    if (SSL_select_next_proto(&selected, outlen, alpn_http11, sizeof alpn_http11, in, inlen) !=
        OPENSSL_NPN_NEGOTIATED) {
        // No common protocol (a client offering only h2): refused with the
        // no_application_protocol alert, as RFC 7301 asks and nginx does. Serving it
        // HTTP/1.1 would answer a client that speaks another protocol.
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    }
    *out = selected;
    return SSL_TLSEXT_ERR_OK;
}

void restrict_versions(ssl::context& context, const std::string& min_version) {
    const int min = min_version == "1.3" ? TLS1_3_VERSION : TLS1_2_VERSION;
    if (SSL_CTX_set_min_proto_version(context.native_handle(), min) != 1) {
        throw std::runtime_error("cannot set the minimum TLS version");
    }
}

}  // namespace

std::shared_ptr<ssl::context> make_server_tls_context(const config::TlsSettings& tls) {
    auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
    context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                         ssl::context::no_sslv3 | ssl::context::single_dh_use |
                         SSL_OP_CIPHER_SERVER_PREFERENCE);  // no renegotiation: TlsSocket
    restrict_versions(*context, tls.min_version);
    if (SSL_CTX_set_cipher_list(context->native_handle(), tls.ciphers.c_str()) != 1) {
        throw std::runtime_error("no usable cipher in the configured TLS cipher list");
    }
    boost::system::error_code ec;
    context->use_certificate_chain_file(tls.cert_file, ec);
    if (ec) throw std::runtime_error("cannot load TLS certificate " + tls.cert_file + ": " + ec.message());
    context->use_private_key_file(tls.key_file, ssl::context::pem, ec);
    if (ec) throw std::runtime_error("cannot load TLS key " + tls.key_file + ": " + ec.message());
    SSL_CTX_set_alpn_select_cb(context->native_handle(), select_http11, nullptr);
    // Idle keep-alive connections give their record buffers back (as nginx does).
    SSL_CTX_set_mode(context->native_handle(), SSL_MODE_RELEASE_BUFFERS);
    return context;
}

std::shared_ptr<ssl::context> make_upstream_tls_context(const config::Upstream& upstream) {
    auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
    restrict_versions(*context, "1.2");
    SSL_CTX_set_alpn_protos(context->native_handle(), alpn_http11, sizeof alpn_http11);
    if (!upstream.verify) {
        context->set_verify_mode(ssl::verify_none);
        return context;
    }
    context->set_verify_mode(ssl::verify_peer);
    boost::system::error_code ec;
    if (upstream.ca_file.empty()) {
        context->set_default_verify_paths(ec);
    } else {
        context->load_verify_file(upstream.ca_file, ec);
    }
    if (ec) throw std::runtime_error("upstream " + upstream.name + ": cannot load CA certificates: " + ec.message());
    return context;
}

}  // namespace tg::server
