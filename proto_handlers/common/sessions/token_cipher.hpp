#pragma once

// AES-256-GCM for session tokens at rest (OpenSSL 3 EVP).
//
// Key: the 32 bytes of SHA-256(secret). The secret is an operator-provided string (config /
// environment); SHA-256 only maps it to the cipher's key size, it is not a password KDF, so
// the secret must itself be high-entropy (e.g. 32+ random bytes, base64).
// Output of encrypt(): iv (12 random bytes, fresh per call) | ciphertext | tag (16 bytes).
// Optional associated data (e.g. the session id) is authenticated but not stored: decrypt
// must be given the same bytes. decrypt() returns std::nullopt on any failure (truncated
// input, tampering, wrong key, wrong associated data); it never throws for bad input.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tg::sessions {

class TokenCipher {
public:
    static constexpr std::size_t kKeyBytes = 32;
    static constexpr std::size_t kIvBytes = 12;
    static constexpr std::size_t kTagBytes = 16;

    // Throws std::invalid_argument on an empty secret.
    explicit TokenCipher(std::string_view secret);
    TokenCipher(const TokenCipher&) = default;
    TokenCipher& operator=(const TokenCipher&) = default;
    ~TokenCipher();

    // Throws std::runtime_error if OpenSSL fails (out of memory, no randomness).
    [[nodiscard]] std::vector<std::uint8_t> encrypt(std::string_view plaintext,
                                                    std::string_view associated = {}) const;
    [[nodiscard]] std::optional<std::string> decrypt(std::span<const std::uint8_t> sealed,
                                                     std::string_view associated = {}) const;

private:
    std::array<std::uint8_t, kKeyBytes> key_{};
};

}  // namespace tg::sessions
