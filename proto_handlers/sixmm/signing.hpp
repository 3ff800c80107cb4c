// The 6MM Agent API signing rule and the webhook signature (see
// shared/reference/6mm-agent-api.md, sections 3 and 6). Pure functions over OpenSSL
// and Boost.JSON, shared by the gateway's Agent API client and the sandbox stand-in.
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace tg::sixmm {

// The signed string: every key but `sign` whose value is not null and not an empty or
// whitespace-only string, sorted by byte order, joined as raw `key=value` with `&`.
// Strings are written raw (no quoting, no URL-encoding); integers in decimal;
// booleans as true/false; arrays and objects as compact JSON.
std::string signature_payload(const boost::json::object& params);

// Lowercase hex HMAC-SHA256.
std::string hmac_sha256_hex(std::string_view key, std::string_view message);

// hmac_sha256_hex(api_secret, signature_payload(params)).
std::string sign(const boost::json::object& params, std::string_view api_secret);

// The JSON body of a signed call: the business fields without null/empty values,
// plus agentCode, timestamp (Unix seconds, a JSON number), nonce and sign.
boost::json::object signed_body(boost::json::object business_fields, std::string_view agent_code,
                                std::string_view api_secret, std::int64_t unix_seconds, std::string_view nonce);

// 16 bytes from OpenSSL's CSPRNG as 32 lowercase hex characters.
std::string random_nonce();

// Webhooks: lowercase hex HMAC-SHA256(api_secret, timestamp + nonce + raw_body).
std::string webhook_signature(std::string_view api_secret, std::string_view timestamp, std::string_view nonce,
                              std::string_view raw_body);

// Compares in time independent of where the inputs differ (CRYPTO_memcmp).
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace tg::sixmm
