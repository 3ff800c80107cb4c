// Fuzz target: a client's request head, as the gateway reads it. Beast's parser with the
// gateway's header limit, then every check the gateway makes on a head before routing:
// framing and Host (request smuggling), the Host value, underscore names, the routing
// path, and the origin of Origin and Referer. Nothing may crash, hang or read out of
// bounds; a routing path, when there is one, is an absolute path with no dot segment.
#include "gateway/handlers/origin.hpp"
#include "gateway/proxy/bounded_read.hpp"
#include "gateway/server/request_checks.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace tg;
    if (size == 0) return 0;
    http::request_parser<http::buffer_body> parser;
    parser.header_limit(16384);
    beast::flat_buffer buffer;
    auto space = buffer.prepare(size);
    std::memcpy(space.data(), data, size);
    buffer.commit(size);
    error_code ec;
    while (!ec && !parser.is_header_done() && buffer.size() > 0) {
        const auto used = parser.put(buffer.data(), ec);
        if (used == 0 && ec == http::error::need_more) break;
        buffer.consume(used);
    }
    if (ec || !parser.is_header_done()) return 0;

    (void)server::check_framing_and_host(parser);
    const auto& head = parser.get();
    if (const auto host = head.find(http::field::host); host != head.end()) (void)server::is_valid_host(host->value());
    (void)server::underscore_fields(parser, true);
    if (const auto path = server::routing_path(head.target())) {
        if (path->empty() || path->front() != '/' || path->find("/../") != std::string::npos ||
            path->find("/./") != std::string::npos) {
            __builtin_trap();  // routing and the upstream would read the path differently
        }
    }
    for (const auto field : {http::field::origin, http::field::referer}) {
        if (const auto value = head.find(field); value != head.end()) {
            if (const auto origin = handlers::origin_of(value->value())) {
                // An origin is scheme://host[:port], nothing before or after.
                const auto scheme_end = origin->find("://");
                if (scheme_end == std::string::npos) __builtin_trap();
                const auto authority = std::string_view(*origin).substr(scheme_end + 3);
                if (authority.empty() || authority.find_first_of("/?#@ \\") != std::string_view::npos) __builtin_trap();
            }
        }
    }
    return 0;
}
