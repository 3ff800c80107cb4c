#include "proto_handlers/sixmm/signing.hpp"

#include "gateway/core/digest.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <iterator>
#include <stdexcept>
#include <utility>
#include <vector>

namespace tg::sixmm {
namespace {

// ASCII whitespace only. The SDK's String.isBlank also treats some Unicode spaces as blank,
// so a value made only of those would be kept here and dropped by the SDK.
bool is_blank(std::string_view text) {
    return std::all_of(text.begin(), text.end(), [](char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
    });
}

// Null and empty/whitespace-only strings are left out of both the signature and the body.
bool is_omitted(const boost::json::value& value) {
    return value.is_null() || (value.is_string() && is_blank(value.get_string()));
}

// Doubles go through Boost.JSON's shortest form (10.0 becomes "1E1"), which does not match
// the SDK's BigDecimal.toPlainString: amounts must be sent as strings.
std::string raw_text(const boost::json::value& value) {
    switch (value.kind()) {
        case boost::json::kind::string: return std::string(value.get_string());
        case boost::json::kind::int64: return std::to_string(value.get_int64());
        case boost::json::kind::uint64: return std::to_string(value.get_uint64());
        case boost::json::kind::bool_: return value.get_bool() ? "true" : "false";
        default: return boost::json::serialize(value);  // arrays, objects, doubles
    }
}

// string_view::data() may be null for an empty view; OpenSSL wants a real pointer.
const unsigned char* bytes_of(std::string_view text) {
    static constexpr unsigned char empty = 0;
    return text.empty() ? &empty : reinterpret_cast<const unsigned char*>(text.data());
}

}  // namespace

std::string signature_payload(const boost::json::object& params) {
    std::vector<std::pair<std::string_view, std::string>> fields;
    fields.reserve(params.size());
    for (const auto& field : params) {
        if (field.key() == "sign" || is_omitted(field.value())) continue;
        fields.emplace_back(field.key(), raw_text(field.value()));
    }
    // char_traits<char> compares as unsigned char: byte order, upper case before lower case.
    std::sort(fields.begin(), fields.end(), [](const auto& a, const auto& b) { return a.first < b.first; });

    std::string payload;
    for (const auto& [key, text] : fields) {
        if (!payload.empty()) payload += '&';
        payload.append(key).append("=").append(text);
    }
    return payload;
}

std::string hmac_sha256_hex(std::string_view key, std::string_view message) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int digest_size = 0;
    if (HMAC(EVP_sha256(), bytes_of(key), static_cast<int>(key.size()), bytes_of(message), message.size(),
             digest.data(), &digest_size) == nullptr) {
        throw std::runtime_error("HMAC-SHA256 failed");
    }
    return lower_hex(digest.data(), digest_size);
}

std::string sign(const boost::json::object& params, std::string_view api_secret) {
    return hmac_sha256_hex(api_secret, signature_payload(params));
}

boost::json::object signed_body(boost::json::object business_fields, std::string_view agent_code,
                                std::string_view api_secret, std::int64_t unix_seconds, std::string_view nonce) {
    // stable_erase keeps the caller's field order (plain erase moves the last field into the gap).
    for (auto it = business_fields.begin(); it != business_fields.end();) {
        it = is_omitted(it->value()) ? business_fields.stable_erase(it) : std::next(it);
    }
    business_fields["agentCode"] = agent_code;
    business_fields["timestamp"] = unix_seconds;
    business_fields["nonce"] = nonce;
    business_fields["sign"] = sign(business_fields, api_secret);
    return business_fields;
}

std::string random_nonce() {
    std::array<unsigned char, 16> bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
        throw std::runtime_error("RAND_bytes failed");
    }
    return lower_hex(bytes.data(), bytes.size());
}

std::string webhook_signature(std::string_view api_secret, std::string_view timestamp, std::string_view nonce,
                              std::string_view raw_body) {
    std::string message;
    message.reserve(timestamp.size() + nonce.size() + raw_body.size());
    message.append(timestamp).append(nonce).append(raw_body);
    return hmac_sha256_hex(api_secret, message);
}

// Only the length is allowed to leak; signatures have a fixed, public length.
bool constant_time_equal(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    return CRYPTO_memcmp(bytes_of(a), bytes_of(b), a.size()) == 0;
}

}  // namespace tg::sixmm
