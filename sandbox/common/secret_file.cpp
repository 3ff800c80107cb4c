#include "sandbox/common/secret_file.hpp"

#include <fstream>
#include <iterator>
#include <stdexcept>

namespace tg::sandbox {

LoadedSecret load_secret_file(const std::optional<std::string>& path, std::string_view demo_value,
                              std::string_view service, std::string_view noun) {
  if (!path) return {std::string(demo_value), true};
  std::ifstream file(*path, std::ios::binary);
  std::string secret{std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
  const std::string named = std::string(noun) + " " + *path;
  if (!file.is_open() || file.bad()) throw std::runtime_error(std::string(service) + ": cannot read the " + named);
  secret.erase(secret.find_last_not_of(" \t\r\n") + 1);
  if (secret.empty()) throw std::runtime_error(std::string(service) + ": the " + named + " is empty");
  return {std::move(secret), false};
}

}  // namespace tg::sandbox
