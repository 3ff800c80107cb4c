// Hashes via OpenSSL.
#pragma once

#include <string>
#include <string_view>

namespace tg {

// Lowercase hex SHA-256.
std::string sha256_hex(std::string_view data);

}  // namespace tg
