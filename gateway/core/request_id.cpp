#include "gateway/core/request_id.hpp"

#include <algorithm>

namespace tg {

bool is_valid_request_id(std::string_view id) {
    if (id.empty() || id.size() > 128) return false;
    return std::all_of(id.begin(), id.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '.' || c == '_' || c == ':' || c == '-';
    });
}

RequestIdGenerator::RequestIdGenerator() : engine_(std::random_device{}()) {}

std::string RequestIdGenerator::next() {
    std::string id;
    next(id);
    return id;
}

void RequestIdGenerator::next(std::string& id) {
    static constexpr char digits[] = "0123456789abcdef";
    id.resize(32);
    for (int half = 0; half < 2; ++half) {
        auto bits = engine_();
        for (int i = 0; i < 16; ++i, bits >>= 4) id[half * 16 + i] = digits[bits & 0xf];
    }
}

}  // namespace tg
