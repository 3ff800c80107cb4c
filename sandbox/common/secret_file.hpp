#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tg::sandbox {

struct LoadedSecret {
  std::string value;
  bool demo = false;  // the built-in demo value
};

// The file's content without trailing whitespace, or `demo_value` when no file is given.
// Throws std::runtime_error ("<service>: cannot read the <noun> <path>", "... is empty")
// if the file cannot be read or is blank; the message never contains the secret.
LoadedSecret load_secret_file(const std::optional<std::string>& path, std::string_view demo_value,
                              std::string_view service, std::string_view noun);

}  // namespace tg::sandbox
