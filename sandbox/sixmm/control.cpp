#include "sandbox/sixmm/control.hpp"

#include "sandbox/common/responses.hpp"
#include "sandbox/sixmm/json_fields.hpp"

#include <boost/json/object.hpp>

#include <iostream>

namespace tg::sandbox::sixmm {

namespace {

constexpr std::int64_t kMaxSlowMs = 600'000;

}  // namespace

Control::Control(Mode mode, std::chrono::milliseconds slow_delay, std::initializer_list<std::string_view> endpoints)
    : mode_(mode), slow_delay_(slow_delay) {
  for (std::string_view endpoint : endpoints) calls_.emplace(endpoint, 0);
}

void Control::count_call(std::string_view endpoint) {
  const auto found = calls_.find(endpoint);
  if (found != calls_.end()) {
    ++found->second;
  } else {
    calls_.emplace(endpoint, 1);
  }
}

Response Control::get_mode(const Request&) const {
  return json_response(http::status::ok, {{"mode", to_string(mode_)}, {"slowMs", slow_delay_.count()}});
}

Response Control::set_mode(const Request& request) {
  const auto body = parse_json_object(request.body());
  const StringField name = body ? string_field(*body, "mode") : StringField{};
  const auto mode = name.present() ? parse_mode(name.value) : std::nullopt;
  if (!mode) {
    return json_response(http::status::bad_request,
                         {{"error", "expected {\"mode\": \"normal|slow|down|reject\", \"slowMs\"?: N}"}});
  }
  if (const auto* slow_ms = body->if_contains("slowMs")) {
    if (!slow_ms->is_int64() || slow_ms->get_int64() < 0 || slow_ms->get_int64() > kMaxSlowMs) {
      return json_response(http::status::bad_request, {{"error", "slowMs must be an integer 0..600000"}});
    }
    slow_delay_ = std::chrono::milliseconds(slow_ms->get_int64());
  }
  mode_ = *mode;
  std::cerr << "sixmm: mode " << to_string(mode_) << " (slow " << slow_delay_.count() << " ms)" << std::endl;
  return get_mode(request);
}

Response Control::stats(const Request&) const {
  boost::json::object calls;
  std::uint64_t agent_api_calls = 0;
  for (const auto& [endpoint, count] : calls_) {
    calls[endpoint] = count;
    if (endpoint.starts_with("/v1/agent/")) agent_api_calls += count;
  }
  return json_response(http::status::ok, {{"mode", to_string(mode_)},
                                          {"slowMs", slow_delay_.count()},
                                          {"calls", std::move(calls)},
                                          {"agentApiCalls", agent_api_calls},
                                          {"signatureFailures", signature_failures_}});
}

}  // namespace tg::sandbox::sixmm
