// Fuzz target: a chunked request body after a fixed head, parsed as the gateway relays it
// (proxy::parse_bounded with the chunk-extension limit). The property that closed issue
// 17's defect 1: whenever the parser waits for more bytes, what it holds unparsed is
// within the limits, so no client can make the gateway buffer without bound.
#include "gateway/proxy/bounded_read.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace tg;
    constexpr std::string_view head = "POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";
    proxy::FramingLimits limits;
    limits.chunk_line = 256;  // small limits: the fuzzer reaches them with short inputs
    limits.trailers = 1024;
    http::request_parser<http::buffer_body> parser;
    parser.header_limit(4096);
    parser.body_limit(1 << 20);
    proxy::ChunkExtensionLimit extension_limit{limits.chunk_line};
    parser.on_chunk_header(extension_limit);
    beast::flat_buffer buffer;
    auto space = buffer.prepare(head.size() + size);
    std::memcpy(space.data(), head.data(), head.size());
    if (size > 0) std::memcpy(static_cast<char*>(space.data()) + head.size(), data, size);
    buffer.commit(head.size() + size);

    std::array<char, 512> scratch{};
    error_code ec;
    // Each step takes at least one byte or ends the loop: bounded by the input's size.
    for (std::size_t step = 0; step <= head.size() + size + 2; ++step) {
        parser.get().body().data = scratch.data();
        parser.get().body().size = scratch.size();
        const auto before = buffer.size();
        const bool progressed = proxy::parse_bounded(parser, buffer, limits, ec);
        if (ec && ec != http::error::need_buffer) return 0;  // refused: the gateway answers 400/431
        ec = {};
        if (parser.is_done()) return 0;
        if (!progressed) {
            // Waiting for bytes: what is held is one unfinished element within the limits.
            if (parser.is_header_done() && buffer.size() > std::max(limits.chunk_line, limits.trailers)) __builtin_trap();
            return 0;
        }
        if (buffer.size() == before && parser.get().body().size == scratch.size()) return 0;  // no progress
    }
    return 0;
}
