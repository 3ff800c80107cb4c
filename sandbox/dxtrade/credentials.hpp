#pragma once

#include <optional>
#include <string>

namespace tg::sandbox::dxtrade {

struct ApiPassword {
  std::string value;
  bool demo = false;  // the built-in demo password
};

// The file's content without trailing whitespace, or the demo password when no file is
// given. Throws std::runtime_error if the file cannot be read or is blank; the message
// never contains the password.
ApiPassword load_api_password(const std::optional<std::string>& path);

}  // namespace tg::sandbox::dxtrade
