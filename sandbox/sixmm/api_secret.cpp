#include "sandbox/sixmm/api_secret.hpp"

#include <fstream>
#include <iterator>
#include <stdexcept>

namespace tg::sandbox::sixmm {

namespace {

constexpr const char* kDemoSecret = "sandbox-demo-secret";

}  // namespace

ApiSecret load_api_secret(const std::optional<std::string>& path) {
  if (!path) return {kDemoSecret, true};
  std::ifstream file(*path, std::ios::binary);
  std::string secret{std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
  if (!file.is_open() || file.bad()) throw std::runtime_error("sixmm: cannot read the api secret file " + *path);
  secret.erase(secret.find_last_not_of(" \t\r\n") + 1);
  if (secret.empty()) throw std::runtime_error("sixmm: the api secret file " + *path + " is empty");
  return {std::move(secret), false};
}

}  // namespace tg::sandbox::sixmm
