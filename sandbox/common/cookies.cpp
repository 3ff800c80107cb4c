#include "sandbox/common/cookies.hpp"

namespace tg::sandbox {

namespace {

std::string_view trim(std::string_view text) {
  constexpr std::string_view kWhitespace = " \t";
  const auto first = text.find_first_not_of(kWhitespace);
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(kWhitespace);
  return text.substr(first, last - first + 1);
}

std::optional<std::string> find_in_header(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const auto separator = header.find(';');
    const std::string_view pair = trim(header.substr(0, separator));
    header = separator == std::string_view::npos ? std::string_view{} : header.substr(separator + 1);

    const auto equals = pair.find('=');
    if (equals == std::string_view::npos) continue;
    const std::string_view pair_name = trim(pair.substr(0, equals));
    if (pair_name.empty() || pair_name != name) continue;

    std::string_view value = trim(pair.substr(equals + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    return std::string(value);
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> find_cookie(const Request& request, std::string_view name) {
  if (name.empty()) return std::nullopt;
  // A request may carry several Cookie headers (e.g. when a proxy downgrades HTTP/2).
  const auto [first, last] = request.equal_range(http::field::cookie);
  for (auto field = first; field != last; ++field) {
    if (auto value = find_in_header(field->value(), name)) return value;
  }
  return std::nullopt;
}

}  // namespace tg::sandbox
