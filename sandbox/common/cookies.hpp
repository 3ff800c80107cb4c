#pragma once

#include "sandbox/common/http_types.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace tg::sandbox {

// Value of the named cookie from the request's Cookie header(s), or nullopt.
// Pairs are split on ';' and trimmed; pairs without '=' or with an empty name are
// ignored. When a name repeats, the first occurrence wins (RFC 6265 sends the most
// specific path first).
std::optional<std::string> find_cookie(const Request& request, std::string_view name);

}  // namespace tg::sandbox
