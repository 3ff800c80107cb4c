#include "gateway/server/tls.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <iterator>
#include <cctype>
#include <stdexcept>
#include <vector>

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

// One certificate's context with the listener's settings.
std::shared_ptr<ssl::context> make_context(const config::TlsSettings& tls, const std::string& cert_file,
                                           const std::string& key_file) {
    auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
    context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                         ssl::context::no_sslv3 | ssl::context::single_dh_use |
                         SSL_OP_CIPHER_SERVER_PREFERENCE);  // no renegotiation: TlsSocket
    restrict_versions(*context, tls.min_version);
    if (SSL_CTX_set_cipher_list(context->native_handle(), tls.ciphers.c_str()) != 1) {
        throw std::runtime_error("no usable cipher in the configured TLS cipher list");
    }
    boost::system::error_code ec;
    context->use_certificate_chain_file(cert_file, ec);
    if (ec) throw std::runtime_error("cannot load TLS certificate " + cert_file + ": " + ec.message());
    context->use_private_key_file(key_file, ssl::context::pem, ec);
    if (ec) throw std::runtime_error("cannot load TLS key " + key_file + ": " + ec.message());
    if (SSL_CTX_check_private_key(context->native_handle()) != 1) {
        throw std::runtime_error("TLS key " + key_file + " does not match certificate " + cert_file);
    }
    SSL_CTX_set_alpn_select_cb(context->native_handle(), select_http11, nullptr);
    // Idle keep-alive connections give their record buffers back (as nginx does).
    SSL_CTX_set_mode(context->native_handle(), SSL_MODE_RELEASE_BUFFERS);
    return context;
}

// Data a context owns (OpenSSL ex_data), one slot per type T: freed with the context,
// so it lives exactly as long as a connection can need it, through any reload.
template <class T>
int ex_data_index() {
    static const int index = SSL_CTX_get_ex_new_index(
        0, nullptr, nullptr, nullptr,
        [](void*, void* data, CRYPTO_EX_DATA*, int, long, void*) { delete static_cast<T*>(data); });
    return index;
}

template <class T>
void attach(ssl::context& context, std::unique_ptr<T> data, const char* what) {
    if (ex_data_index<T>() < 0 || SSL_CTX_set_ex_data(context.native_handle(), ex_data_index<T>(), data.get()) != 1) {
        throw std::runtime_error(std::string("cannot attach ") + what);
    }
    data.release();  // the context owns it now
}

// What is attached to the context the connection has now (after an SNI switch, the
// chosen certificate's); null when nothing is.
template <class T>
const T* attached(SSL* ssl) {
    return static_cast<const T*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), ex_data_index<T>()));
}

// The SNI certificates of a default context.
struct SniTable {
    std::vector<std::pair<std::string, std::shared_ptr<ssl::context>>> by_name;
};

int choose_certificate(SSL* ssl, int*, void*) {
    const char* requested = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    if (requested == nullptr) return SSL_TLSEXT_ERR_OK;  // the default certificate
    const auto* table = attached<SniTable>(ssl);
    if (table == nullptr) return SSL_TLSEXT_ERR_OK;
    std::string name(requested);
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    for (const auto& [pattern, context] : table->by_name) {
        if (server_name_matches(pattern, name)) {
            SSL_set_SSL_CTX(ssl, context->native_handle());
            break;
        }
    }
    return SSL_TLSEXT_ERR_OK;  // no match: the default certificate, as nginx does
}

// Session-ticket keys in nginx's layout: 48 bytes = name, AES-128 key, HMAC key (16
// each); 80 bytes = name (16), HMAC key (32), AES-256 key (32). Hung on a context as
// ex_data, freed with it; the first key encrypts.
struct TicketKey {
    std::array<unsigned char, 16> name;
    std::vector<unsigned char> aes_key, hmac_key;
};
struct TicketKeys {
    std::vector<TicketKey> keys;
    ~TicketKeys() {
        for (auto& key : keys) {
            OPENSSL_cleanse(key.aes_key.data(), key.aes_key.size());
            OPENSSL_cleanse(key.hmac_key.data(), key.hmac_key.size());
        }
    }
};


TicketKey read_ticket_key(const std::string& file) {
    std::ifstream in(file, std::ios::binary);
    std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) throw std::runtime_error("cannot read session ticket key " + file);
    if (bytes.size() != 48 && bytes.size() != 80) {
        throw std::runtime_error("session ticket key " + file + " is not 48 or 80 bytes");
    }
    TicketKey key;
    std::copy_n(bytes.begin(), 16, key.name.begin());
    const bool aes256 = bytes.size() == 80;
    const auto first = bytes.begin() + 16, second = bytes.begin() + (aes256 ? 48 : 32);
    key.aes_key.assign(aes256 ? second : first, aes256 ? bytes.end() : second);
    key.hmac_key.assign(aes256 ? first : second, aes256 ? second : bytes.end());
    OPENSSL_cleanse(bytes.data(), bytes.size());
    return key;
}

bool set_ticket_mac(EVP_MAC_CTX* mac, const TicketKey& key) {
    std::array<OSSL_PARAM, 3> params{
        OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY, const_cast<unsigned char*>(key.hmac_key.data()),
                                          key.hmac_key.size()),
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>("SHA256"), 0),
        OSSL_PARAM_construct_end()};
    return EVP_MAC_CTX_set_params(mac, params.data()) == 1;
}

const EVP_CIPHER* ticket_cipher(const TicketKey& key) {
    return key.aes_key.size() == 32 ? EVP_aes_256_cbc() : EVP_aes_128_cbc();
}

// OpenSSL's ticket callback: 1 = done, 2 = decrypted with an older key (issue a new
// ticket), 0 = no such key (a full handshake), -1 = failure.
int ticket_key_callback(SSL* ssl, unsigned char* name, unsigned char* iv, EVP_CIPHER_CTX* cipher, EVP_MAC_CTX* mac,
                        int encrypt) {
    const auto* table = attached<TicketKeys>(ssl);
    if (table == nullptr || table->keys.empty()) return -1;
    if (encrypt == 1) {
        const auto& key = table->keys.front();
        std::copy(key.name.begin(), key.name.end(), name);
        if (RAND_bytes(iv, 16) != 1) return -1;
        if (EVP_EncryptInit_ex(cipher, ticket_cipher(key), nullptr, key.aes_key.data(), iv) != 1) return -1;
        return set_ticket_mac(mac, key) ? 1 : -1;
    }
    for (std::size_t i = 0; i < table->keys.size(); ++i) {
        const auto& key = table->keys[i];
        if (!std::equal(key.name.begin(), key.name.end(), name)) continue;
        if (!set_ticket_mac(mac, key)) return -1;
        if (EVP_DecryptInit_ex(cipher, ticket_cipher(key), nullptr, key.aes_key.data(), iv) != 1) return -1;
        return i == 0 ? 1 : 2;
    }
    return 0;
}

void use_ticket_keys(ssl::context& context, const std::vector<TicketKey>& keys) {
    attach(context, std::make_unique<TicketKeys>(TicketKeys{keys}), "the session ticket keys");
    SSL_CTX_set_tlsext_ticket_key_evp_cb(context.native_handle(), ticket_key_callback);
}

// A stapled OCSP response (DER), hung on its certificate's context as ex_data.
struct OcspResponse {
    std::string der;
};


// Staples the response of the context the connection has (after an SNI switch, the
// chosen certificate's) when the client asked for one.
int staple_ocsp_response(SSL* ssl, void*) {
    const auto* response = attached<OcspResponse>(ssl);
    if (response == nullptr || SSL_get_tlsext_status_type(ssl) != TLSEXT_STATUSTYPE_ocsp) return SSL_TLSEXT_ERR_NOACK;
    auto* copy = static_cast<unsigned char*>(OPENSSL_memdup(response->der.data(), response->der.size()));
    if (copy == nullptr) return SSL_TLSEXT_ERR_NOACK;
    SSL_set_tlsext_status_ocsp_resp(ssl, copy, static_cast<long>(response->der.size()));  // OpenSSL frees it
    return SSL_TLSEXT_ERR_OK;
}

// The response in `file` (DER, as `openssl ocsp -respout` writes it, or an ACME client's
// OCSP fetch) for the context's certificate. Read again at every reload: a cron job that
// fetches a fresh response before the old one expires, then a SIGHUP, keeps it current.
void use_ocsp_response(ssl::context& context, const std::string& file) {
    std::ifstream in(file, std::ios::binary);
    auto response = std::make_unique<OcspResponse>();
    response->der.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    const auto* bytes = reinterpret_cast<const unsigned char*>(response->der.data());
    OCSP_RESPONSE* parsed = d2i_OCSP_RESPONSE(nullptr, &bytes, static_cast<long>(response->der.size()));
    if (parsed == nullptr) throw std::runtime_error("OCSP response " + file + " is not a DER OCSP response");
    OCSP_RESPONSE_free(parsed);
    attach(context, std::move(response), "the OCSP response");
    SSL_CTX_set_tlsext_status_cb(context.native_handle(), staple_ocsp_response);
}

}  // namespace

bool server_name_matches(std::string_view pattern, std::string_view name) {
    if (!pattern.starts_with("*.")) return pattern == name;
    const auto dot = name.find('.');
    return dot != std::string_view::npos && dot > 0 && name.substr(dot) == pattern.substr(1);
}

std::shared_ptr<ssl::context> make_server_tls_context(const config::TlsSettings& tls) {
    std::vector<TicketKey> ticket_keys;
    for (const auto& file : tls.session_ticket_key_files) ticket_keys.push_back(read_ticket_key(file));
    auto context = make_context(tls, tls.cert_file, tls.key_file);
    // On every context: OpenSSL asks the one the connection started with, and after an
    // SNI switch the callback finds the keys on the one it has.
    if (!ticket_keys.empty()) use_ticket_keys(*context, ticket_keys);
    if (!tls.ocsp_response_file.empty()) use_ocsp_response(*context, tls.ocsp_response_file);
    if (tls.certificates.empty()) return context;
    auto table = std::make_unique<SniTable>();
    for (const auto& certificate : tls.certificates) {
        auto named = make_context(tls, certificate.cert_file, certificate.key_file);
        if (!ticket_keys.empty()) use_ticket_keys(*named, ticket_keys);
        if (!certificate.ocsp_response_file.empty()) use_ocsp_response(*named, certificate.ocsp_response_file);
        for (const auto& name : certificate.server_names) table->by_name.emplace_back(name, named);
    }
    attach(*context, std::move(table), "the SNI certificates");
    SSL_CTX_set_tlsext_servername_callback(context->native_handle(), choose_certificate);
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
