#include "sandbox/dxtrade/control.hpp"

#include "sandbox/common/responses.hpp"
#include "sandbox/sixmm/json_fields.hpp"

#include <iostream>

namespace tg::sandbox::dxtrade {

void Control::count_call(std::string_view endpoint) {
  const auto found = calls_.find(endpoint);
  if (found != calls_.end()) {
    ++found->second;
  } else {
    calls_.emplace(endpoint, 1);
  }
}

Response Control::get_mode() const {
  return json_response(http::status::ok, {{"mode", sixmm::to_string(mode_)}, {"slowMs", slow_delay_.count()}});
}

Response Control::set_mode(const Request& request) {
  const auto body = sixmm::parse_json_object(request.body());
  const auto name = body ? sixmm::string_field(*body, "mode") : sixmm::StringField{};
  const auto mode = name.present() ? sixmm::parse_mode(name.value) : std::nullopt;
  if (!mode) {
    return json_response(http::status::bad_request,
                         {{"error", "expected {\"mode\": \"normal|slow|down|reject\", \"slowMs\"?: N}"}});
  }
  if (const auto* slow_ms = body->if_contains("slowMs")) {
    if (!slow_ms->is_int64() || slow_ms->get_int64() < 0 || slow_ms->get_int64() > 600'000) {
      return json_response(http::status::bad_request, {{"error", "slowMs must be an integer 0..600000"}});
    }
    slow_delay_ = std::chrono::milliseconds(slow_ms->get_int64());
  }
  mode_ = *mode;
  std::cerr << "dxweb: mode " << sixmm::to_string(mode_) << " (slow " << slow_delay_.count() << " ms)" << std::endl;
  return get_mode();
}

Response Control::stats(boost::json::object extra) const {
  boost::json::object calls;
  for (const auto& [endpoint, count] : calls_) calls[endpoint] = count;
  extra["mode"] = sixmm::to_string(mode_);
  extra["slowMs"] = slow_delay_.count();
  extra["calls"] = std::move(calls);
  return json_response(http::status::ok, extra);
}

}  // namespace tg::sandbox::dxtrade
