#include "sandbox/sixmm/json_fields.hpp"

#include <boost/json/parse.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>

namespace tg::sandbox::sixmm {

std::optional<boost::json::object> parse_json_object(std::string_view body) {
  boost::system::error_code error;
  boost::json::value value = boost::json::parse(body, error);
  if (error || !value.is_object()) return std::nullopt;
  return std::move(value.as_object());
}

StringField string_field(const boost::json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  if (!value || value->is_null()) return {};
  if (!value->is_string()) return {StringField::State::invalid, {}};
  const std::string_view text = value->get_string();
  const bool blank = std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isspace(c); });
  if (blank) return {};
  return {StringField::State::present, text};
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace tg::sandbox::sixmm
