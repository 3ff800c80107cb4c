#pragma once

#include <optional>
#include <string>

namespace tg::sandbox::sixmm {

struct ApiSecret {
  std::string value;
  bool demo = false;  // the built-in "sandbox-demo-secret"
};

// The file's content without trailing whitespace, or the demo secret when no file is
// given. Throws std::runtime_error if the file cannot be read or is blank. The error
// never contains the secret.
ApiSecret load_api_secret(const std::optional<std::string>& path);

}  // namespace tg::sandbox::sixmm
