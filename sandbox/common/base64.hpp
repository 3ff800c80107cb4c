#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tg::sandbox {

// Standard Base64 (padding optional); nullopt if the text is not Base64.
std::optional<std::string> decode_base64(std::string_view text);

}  // namespace tg::sandbox
