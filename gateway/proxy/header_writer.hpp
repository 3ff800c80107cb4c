// Writes a message header as one contiguous block, with the gateway's header rewrite
// applied on the way. Beast's generic serializer hands out a buffer per field through
// layered buffer views, which showed up as the largest single cost of a proxied
// request in a callgrind profile; a block also makes one iovec instead of one per field.
#pragma once

#include "gateway/proxy/header_policy.hpp"

#include <boost/beast/http/message.hpp>

#include <string>
#include <string_view>

namespace tg::proxy {

// "METHOD target HTTP/1.1\r\n" + the rewritten fields + "\r\n", appended to `out`.
void write_request_head(const boost::beast::http::request_header<>& header, const HeaderRewrite& fields,
                        std::string& out);
// "HTTP/1.1 code reason\r\n", the standard reason when `reason` is empty.
void write_status_line(unsigned status, std::string_view reason, std::string& out);
// The status line + the rewritten fields + "\r\n", appended to `out`.
template <class Fields>
void write_response_head(const boost::beast::http::response_header<Fields>& header, const HeaderRewrite& fields,
                         std::string& out) {
    write_status_line(header.result_int(), header.reason(), out);
    fields.write(header, out);
    out += "\r\n";
}

}  // namespace tg::proxy
