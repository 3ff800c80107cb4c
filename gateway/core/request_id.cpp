#include "gateway/core/request_id.hpp"

#include <algorithm>
#include <array>
#include <random>

namespace tg {

bool is_valid_request_id(std::string_view id) {
    if (id.empty() || id.size() > 128) return false;
    return std::all_of(id.begin(), id.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '.' || c == '_' || c == ':' || c == '-';
    });
}

namespace {

// 16 hex digits, appended at once (per character, the capacity checks cost more than
// the digits).
void append_hex(std::uint64_t bits, std::string& out) {
    static constexpr char digits[] = "0123456789abcdef";
    std::array<char, 16> hex;
    for (auto at = hex.rbegin(); at != hex.rend(); ++at, bits >>= 4) *at = digits[bits & 0xf];
    out.append(hex.data(), hex.size());
}

}  // namespace

RequestIdGenerator::RequestIdGenerator() {
    std::random_device seed;
    append_hex((std::uint64_t{seed()} << 32) | seed(), prefix_);
}

std::string RequestIdGenerator::next() {
    std::string id;
    next(id);
    return id;
}

void RequestIdGenerator::next(std::string& id) {
    id.assign(prefix_);
    append_hex(counter_++, id);
}

}  // namespace tg
