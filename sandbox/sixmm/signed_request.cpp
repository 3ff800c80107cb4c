#include "sandbox/sixmm/signed_request.hpp"

#include "proto_handlers/sixmm/signing.hpp"
#include "sandbox/sixmm/json_fields.hpp"

#include <charconv>
#include <optional>

namespace tg::sandbox::sixmm {

namespace {

// The SDK sends a JSON number; a string of digits is accepted too.
std::optional<std::int64_t> timestamp_of(const boost::json::object& body) {
  const auto* value = body.if_contains("timestamp");
  if (!value) return std::nullopt;
  if (value->is_int64()) return value->get_int64();
  if (value->is_uint64() && value->get_uint64() <= INT64_MAX) return static_cast<std::int64_t>(value->get_uint64());
  if (value->is_string()) {
    const std::string_view text = value->get_string();
    std::int64_t seconds = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), seconds);
    if (!text.empty() && error == std::errc{} && end == text.data() + text.size()) return seconds;
  }
  return std::nullopt;
}

}  // namespace

bool NonceCache::remember(std::string_view nonce, std::int64_t now) {
  while (!by_age_.empty() && by_age_.front().first + retention_seconds_ < now) {
    seen_.erase(by_age_.front().second);
    by_age_.pop_front();
  }
  const auto [it, inserted] = seen_.emplace(nonce);
  if (inserted) by_age_.emplace_back(now, *it);
  return inserted;
}

RequestVerifier::RequestVerifier(std::string agent_code, std::string api_secret, std::int64_t window_seconds,
                                 std::int64_t nonce_retention_seconds)
    : agent_code_(std::move(agent_code)),
      api_secret_(std::move(api_secret)),
      window_seconds_(window_seconds),
      nonces_(nonce_retention_seconds) {}

RequestVerifier::Result RequestVerifier::verify(const boost::json::object& body, std::int64_t now) {
  const StringField agent_code = string_field(body, "agentCode");
  if (!agent_code.present() || agent_code.value != agent_code_) return {false, "agentCode mismatch"};

  const auto timestamp = timestamp_of(body);
  if (!timestamp) return {false, "timestamp missing"};
  if (*timestamp < now - window_seconds_ || *timestamp > now + window_seconds_) {
    return {false, "timestamp outside the window"};
  }

  const StringField nonce = string_field(body, "nonce");
  if (!nonce.present()) return {false, "nonce missing"};

  const StringField sign = string_field(body, "sign");
  if (!sign.present()) return {false, "sign missing"};
  if (!tg::sixmm::constant_time_equal(sign.value, tg::sixmm::sign(body, api_secret_))) {
    return {false, "sign mismatch"};
  }

  if (!nonces_.remember(nonce.value, now)) return {false, "nonce reused"};
  return {true, {}};
}

}  // namespace tg::sandbox::sixmm
