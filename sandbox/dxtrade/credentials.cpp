#include "sandbox/dxtrade/credentials.hpp"

#include <fstream>
#include <iterator>
#include <stdexcept>

namespace tg::sandbox::dxtrade {

ApiPassword load_api_password(const std::optional<std::string>& path) {
  if (!path) return {"sandbox-dxweb-password", true};
  std::ifstream file(*path, std::ios::binary);
  std::string password{std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
  if (!file.is_open() || file.bad()) throw std::runtime_error("dxweb: cannot read the password file " + *path);
  password.erase(password.find_last_not_of(" \t\r\n") + 1);
  if (password.empty()) throw std::runtime_error("dxweb: the password file " + *path + " is empty");
  return {std::move(password), false};
}

}  // namespace tg::sandbox::dxtrade
