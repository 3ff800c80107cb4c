#pragma once

#include <string>
#include <string_view>

namespace tg::sandbox {

// Escapes text for use in HTML element content and in quoted attribute values.
std::string html_escape(std::string_view text);

}  // namespace tg::sandbox
