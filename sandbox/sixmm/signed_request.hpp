#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>

namespace tg::sandbox::sixmm {

// Nonces seen recently; a nonce is refused while it is remembered.
class NonceCache {
 public:
  explicit NonceCache(std::int64_t retention_seconds) : retention_seconds_(retention_seconds) {}

  // False if `nonce` was seen within the retention time; otherwise remembers it.
  bool remember(std::string_view nonce, std::int64_t now);

 private:
  std::int64_t retention_seconds_;
  std::unordered_set<std::string> seen_;
  std::deque<std::pair<std::int64_t, std::string>> by_age_;  // (seen at, nonce), oldest first
};

// Checks the signing fields of an Agent API body: agentCode, timestamp (Unix seconds,
// within the window), sign (tg::sixmm::sign over the body, constant-time compare) and
// nonce (not replayed; remembered only once the signature is good).
class RequestVerifier {
 public:
  struct Result {
    bool ok = false;
    std::string_view failure;  // for the log; never contains request values
  };

  RequestVerifier(std::string agent_code, std::string api_secret, std::int64_t window_seconds = 300,
                  std::int64_t nonce_retention_seconds = 600);

  Result verify(const boost::json::object& body, std::int64_t now);

 private:
  std::string agent_code_;
  std::string api_secret_;
  std::int64_t window_seconds_;
  NonceCache nonces_;
};

}  // namespace tg::sandbox::sixmm
