// Hashes via OpenSSL, and the hex form they are shown in.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace tg {

// Lowercase hex of `size` bytes.
std::string lower_hex(const unsigned char* bytes, std::size_t size);

// Lowercase hex SHA-256.
std::string sha256_hex(std::string_view data);

}  // namespace tg
