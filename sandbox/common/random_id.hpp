#pragma once

#include <cstddef>
#include <string>

namespace tg::sandbox {

// Lower-case hex of `byte_count` bytes from OpenSSL's CSPRNG (so 2 * byte_count chars).
// Throws std::runtime_error if the CSPRNG fails.
std::string random_hex_id(std::size_t byte_count = 16);

}  // namespace tg::sandbox
