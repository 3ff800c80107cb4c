#include "sandbox/common/base64.hpp"

#include <boost/beast/core/detail/base64.hpp>

namespace tg::sandbox {

std::optional<std::string> decode_base64(std::string_view text) {
  namespace base64 = boost::beast::detail::base64;
  while (text.ends_with('=')) text.remove_suffix(1);  // decode() stops at the padding
  std::string decoded(base64::decoded_size(text.size()) + 2, '\0');
  const auto [written, read] = base64::decode(decoded.data(), text.data(), text.size());
  if (read != text.size()) return std::nullopt;
  decoded.resize(written);
  return decoded;
}

}  // namespace tg::sandbox
