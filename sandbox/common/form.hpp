#pragma once

#include "sandbox/common/http_types.hpp"

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace tg::sandbox {

using FormFields = std::map<std::string, std::string, std::less<>>;

// True if the request's Content-Type is application/x-www-form-urlencoded
// (parameters such as charset are allowed).
bool is_form_urlencoded(const Request& request);

// Decodes an application/x-www-form-urlencoded body ('+' is a space) with Boost.URL.
// nullopt if the body is not a valid query string. The first occurrence of a name wins.
std::optional<FormFields> parse_form(std::string_view body);

}  // namespace tg::sandbox
