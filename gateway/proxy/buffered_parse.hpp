// The parse step of Beast's http::async_read_some without the read. A keep-alive
// request usually arrives whole in one recv, and a small response's body with its
// header: parsing what is already buffered spares an asynchronous operation that would
// complete at once, but still through the event loop.
#pragma once

#include "gateway/core/asio_aliases.hpp"

namespace tg::proxy {

// Parses what `buffer` holds. True when that was enough for one step (`ec` then holds
// its outcome, as http::async_read_some would report it); false when bytes are missing
// and the stream has to be read.
template <bool isRequest>
bool parse_buffered(http::basic_parser<isRequest>& parser, beast::flat_buffer& buffer, error_code& ec) {
    if (buffer.size() == 0) return false;
    const auto used = parser.put(buffer.data(), ec);
    buffer.consume(used);
    if (ec != http::error::need_more) return true;
    ec = {};
    return false;
}

}  // namespace tg::proxy
