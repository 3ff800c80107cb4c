#include "proto_handlers/common/sessions/token_cipher.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <algorithm>
#include <memory>
#include <stdexcept>

namespace tg::sessions {
namespace {

struct CtxFree {
    void operator()(EVP_CIPHER_CTX* c) const noexcept { EVP_CIPHER_CTX_free(c); }
};
using CtxPtr = std::unique_ptr<EVP_CIPHER_CTX, CtxFree>;

}  // namespace

TokenCipher::TokenCipher(std::string_view secret) {
    if (secret.empty()) throw std::invalid_argument("token cipher: empty key secret");
    SHA256(reinterpret_cast<const unsigned char*>(secret.data()), secret.size(), key_.data());
}

TokenCipher::~TokenCipher() { OPENSSL_cleanse(key_.data(), key_.size()); }

std::vector<std::uint8_t> TokenCipher::encrypt(std::string_view plaintext,
                                               std::string_view associated) const {
    std::vector<std::uint8_t> out(kIvBytes + plaintext.size() + kTagBytes);
    if (RAND_bytes(out.data(), static_cast<int>(kIvBytes)) != 1)
        throw std::runtime_error("token cipher: RAND_bytes failed");
    CtxPtr ctx(EVP_CIPHER_CTX_new());
    int len = 0;
    if (!ctx ||
        EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key_.data(), out.data()) != 1 ||
        (!associated.empty() &&
         EVP_EncryptUpdate(ctx.get(), nullptr, &len,
                           reinterpret_cast<const unsigned char*>(associated.data()),
                           static_cast<int>(associated.size())) != 1) ||
        (!plaintext.empty() &&
         EVP_EncryptUpdate(ctx.get(), out.data() + kIvBytes, &len,
                           reinterpret_cast<const unsigned char*>(plaintext.data()),
                           static_cast<int>(plaintext.size())) != 1) ||
        EVP_EncryptFinal_ex(ctx.get(), out.data() + kIvBytes + plaintext.size(), &len) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagBytes),
                            out.data() + kIvBytes + plaintext.size()) != 1)
        throw std::runtime_error("token cipher: AES-256-GCM encryption failed");
    return out;
}

std::optional<std::string> TokenCipher::decrypt(std::span<const std::uint8_t> sealed,
                                                std::string_view associated) const {
    if (sealed.size() < kIvBytes + kTagBytes) return std::nullopt;
    const std::size_t n = sealed.size() - kIvBytes - kTagBytes;
    std::string plain(n, '\0');
    // The tag is passed by a non-const pointer in the OpenSSL API; copy it.
    std::array<std::uint8_t, kTagBytes> tag{};
    std::copy(sealed.end() - kTagBytes, sealed.end(), tag.begin());
    CtxPtr ctx(EVP_CIPHER_CTX_new());
    int len = 0;
    const bool ok =
        ctx &&
        EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key_.data(), sealed.data()) == 1 &&
        (associated.empty() ||
         EVP_DecryptUpdate(ctx.get(), nullptr, &len,
                           reinterpret_cast<const unsigned char*>(associated.data()),
                           static_cast<int>(associated.size())) == 1) &&
        (n == 0 || EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()),
                                     &len, sealed.data() + kIvBytes, static_cast<int>(n)) == 1) &&
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagBytes),
                            tag.data()) == 1 &&
        EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()) + n, &len) == 1;
    if (!ok) {
        OPENSSL_cleanse(plain.data(), plain.size());
        return std::nullopt;
    }
    return plain;
}

}  // namespace tg::sessions
