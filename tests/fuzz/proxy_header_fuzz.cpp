// Fuzz target: the first bytes of a connection on a PROXY protocol listener
// (server::parse_proxy_header). A complete header never claims more bytes than it was
// given, parses the same from exactly its own bytes, and a v1 line is at most 107 bytes;
// an incomplete one never asks for fewer bytes than it has.
#include "gateway/server/proxy_protocol.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace tg::server;
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto parse = parse_proxy_header(input);
    switch (parse.status) {
    case ProxyParse::Status::complete: {
        if (parse.length == 0 || parse.length > input.size()) std::abort();
        if (input.starts_with("PROXY ") && parse.length > proxy_v1_max_bytes) std::abort();
        if (!input.starts_with("PROXY ") && parse.length > proxy_v2_max_bytes) std::abort();
        const auto again = parse_proxy_header(input.substr(0, parse.length));
        if (again.status != ProxyParse::Status::complete || again.length != parse.length || again.source != parse.source)
            std::abort();
        break;
    }
    case ProxyParse::Status::incomplete:
        if (parse.needed != 0 && parse.needed <= input.size()) std::abort();
        break;
    case ProxyParse::Status::invalid:
        if (parse.problem.empty()) std::abort();
        break;
    }
    return 0;
}
