#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string_view>

namespace tg::sandbox::sixmm {

// The request body as a JSON object, or nothing if it is not one.
std::optional<boost::json::object> parse_json_object(std::string_view body);

// A request field read as a string. Absent, null, empty and whitespace-only values count
// as missing, the same values the signing rule leaves out; any other non-string is invalid.
struct StringField {
  enum class State { missing, present, invalid };
  State state = State::missing;
  std::string_view value;

  bool missing() const { return state == State::missing; }
  bool present() const { return state == State::present; }
  bool invalid() const { return state == State::invalid; }
};
StringField string_field(const boost::json::object& object, std::string_view key);

// Current Unix time in seconds.
std::int64_t unix_now();

}  // namespace tg::sandbox::sixmm
