// Fuzz target: an upstream's response as the gateway reads it: Beast's response parser
// with the upstream header limit (64 KiB), then the body through proxy::parse_bounded. A
// hostile or broken upstream (any framing: length, chunked with extensions and trailers,
// read-until-close) can never make the gateway hold more than the limits unparsed.
#include "gateway/proxy/bounded_read.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace tg;
    proxy::FramingLimits limits;
    limits.chunk_line = 256;
    limits.trailers = 1024;
    http::response_parser<http::buffer_body> parser;
    parser.header_limit(65536);
    parser.body_limit(boost::none);
    proxy::ChunkExtensionLimit extension_limit{limits.chunk_line};
    parser.on_chunk_header(extension_limit);
    beast::flat_buffer buffer;
    auto space = buffer.prepare(size);
    if (size > 0) std::memcpy(space.data(), data, size);
    buffer.commit(size);
    std::array<char, 512> scratch{};
    error_code ec;
    for (std::size_t step = 0; step <= size + 2; ++step) {
        if (parser.is_header_done()) {
            parser.get().body().data = scratch.data();
            parser.get().body().size = scratch.size();
        }
        const auto before = buffer.size();
        const bool progressed = proxy::parse_bounded(parser, buffer, limits, ec);
        if (ec && ec != http::error::need_buffer) return 0;  // refused: the gateway answers 502
        ec = {};
        if (parser.is_done()) return 0;
        if (!progressed) {
            if (parser.is_header_done() && parser.chunked() && buffer.size() > std::max(limits.chunk_line, limits.trailers))
                __builtin_trap();
            if (!parser.is_header_done() && buffer.size() > 65536) __builtin_trap();
            return 0;
        }
        if (buffer.size() == before && (!parser.is_header_done() || parser.get().body().size == scratch.size())) return 0;
    }
    return 0;
}
