// Reading a message body with every buffered byte bounded. Beast's parser keeps a
// chunk-size line (with its extensions) and the trailer block in the read buffer until
// they end, and http::async_read_some reads on until they do, with no limit of its own:
// one peer sending "3;" and then endless "aaaa" makes the buffer grow for as long as it
// sends. These reads stop such an element at a limit instead: a chunk-size line at
// `chunk_line` bytes (answered 400), the trailer block at `trailers` bytes, the header
// limit (answered 431).
#pragma once

#include "gateway/core/asio_aliases.hpp"
#include "gateway/core/error_response.hpp"
#include "gateway/proxy/buffered_parse.hpp"

#include <boost/beast/core/read_size.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>

#include <cstddef>
#include <string_view>

namespace tg::proxy {

struct FramingLimits {
    // A chunk-size line is a hex number, usually a few bytes; extensions are rare and
    // short (Node.js refuses more than 16 KiB of them).
    static constexpr std::size_t default_chunk_line = 4096;  // errors::bad_chunk says it
    std::size_t chunk_line = default_chunk_line;
    std::size_t trailers = 16384;
};

// Set as a parser's on_chunk_header callback (it must outlive the parsing): chunk
// extensions longer than `limit` are refused once their line is whole too, however the
// line arrived (in one read, or in pieces that parse_bounded watched).
struct ChunkExtensionLimit {
    std::size_t limit;
    void operator()(std::uint64_t, std::string_view extensions, error_code& ec) const {
        if (extensions.size() > limit) ec = http::error::bad_chunk_extension;
    }
};

// What an unfinished element at the start of `buffered` is, when the parser is inside a
// chunked body: the trailer block once a last chunk's line ("0", any number of zeros,
// its extensions and CRLF) is complete, else a chunk-size line.
inline bool in_trailer_section(std::string_view buffered) {
    if (buffered.starts_with("\r\n")) buffered.remove_prefix(2);  // the end of the previous chunk
    const auto size_end = buffered.find_first_not_of('0');
    if (size_end == 0) return false;  // not a zero-size line
    if (size_end == std::string_view::npos) return false;
    const char after = buffered[size_end];
    if (after != ';' && after != '\r' && after != ' ' && after != '\t') return false;  // "00a": a size
    return buffered.find("\r\n", size_end) != std::string_view::npos;
}

// The error for a buffer whose bytes the parser could not take: they are one element
// that has not ended, within the limits or not. Before the header is complete, Beast's
// header limit applies and this says nothing.
template <bool isRequest>
error_code unfinished_overflow(const http::basic_parser<isRequest>& parser, const beast::flat_buffer& buffer,
                               const FramingLimits& limits) {
    if (!parser.is_header_done() || !parser.chunked()) return {};
    const auto data = buffer.data();
    const std::string_view buffered(static_cast<const char*>(data.data()), data.size());
    if (in_trailer_section(buffered)) {
        if (buffered.size() > limits.trailers) return http::error::header_limit;
    } else if (buffered.size() > limits.chunk_line) {
        return http::error::bad_chunk;
    }
    return {};
}

// One parse step over what `buffer` holds, as parse_buffered, with the bounds: false
// when bytes are missing and the stream has to be read. The step that ends a chunked
// message has taken the last chunk, the trailers and the final CRLF (the parser is not
// eager: one step, one element), which together may take `trailers` bytes.
template <bool isRequest>
bool parse_bounded(http::basic_parser<isRequest>& parser, beast::flat_buffer& buffer, const FramingLimits& limits,
                   error_code& ec) {
    parser.eager(false);
    const auto before = buffer.size();
    if (parse_buffered(parser, buffer, ec)) {
        if (!ec && parser.is_done() && parser.chunked() && before - buffer.size() > limits.trailers) {
            ec = http::error::header_limit;
        }
        return true;
    }
    ec = unfinished_overflow(parser, buffer, limits);
    return static_cast<bool>(ec);
}

// A malformed message or one over a limit, as opposed to a timeout or a closed connection.
inline bool is_parse_error(const error_code& ec) {
    if (ec.category() != http::make_error_code(http::error::bad_method).category()) return false;
    return ec != http::error::end_of_stream && ec != http::error::partial_message && ec != http::error::need_more &&
           ec != http::error::need_buffer;
}

// The answer to a request whose body failed to parse (is_parse_error). The header limit
// is reached there only by trailers.
inline const ErrorInfo& answer_to_body_parse_error(const error_code& ec) {
    if (ec == http::error::header_limit) return tg::errors::trailers_too_large;
    if (ec == http::error::body_limit) return tg::errors::payload_too_large;
    if (ec == http::error::bad_chunk || ec == http::error::bad_chunk_extension) return tg::errors::bad_chunk;
    return tg::errors::bad_request;
}

// http::async_read_some with the bounds above: reads until the parser makes progress
// (its outcome as async_read_some reports it: need_buffer when the body buffer is full),
// fails, or an unfinished element passes its limit. The caller sets the deadline.
template <class Stream, bool isRequest>
asio::awaitable<error_code> read_some_bounded(Stream& stream, beast::flat_buffer& buffer,
                                              http::basic_parser<isRequest>& parser, const FramingLimits& limits) {
    // At most this much per read, into the buffer's spare room first (beast::read_size, as
    // Beast's reads do), so a connection's buffer does not grow with each read.
    constexpr std::size_t read_size = 65536;
    for (;;) {
        error_code ec;
        if (parse_bounded(parser, buffer, limits, ec)) co_return ec;
        auto [read_ec, n] = co_await stream.async_read_some(buffer.prepare(beast::read_size(buffer, read_size)), use_tuple);
        buffer.commit(n);
        if (read_ec == asio::error::eof && n == 0) {
            // As Beast's read: the end of the stream ends a body delimited by it, and is an
            // error anywhere else.
            if (!parser.got_some()) co_return http::error::end_of_stream;
            error_code eof_ec;
            parser.put_eof(eof_ec);
            co_return eof_ec;
        }
        if (read_ec) co_return read_ec;
    }
}

// Reads until the header is complete, with at most `limit` bytes of header in all.
// Beast's header_limit bounds only what one parse step sees: a header that arrives in
// pieces is taken field by field, and the fields already taken do not count, so without
// this a client could grow one header without bound. `consumed`: header bytes the caller
// already parsed out of the buffer.
template <class Stream, bool isRequest>
asio::awaitable<error_code> read_header_bounded(Stream& stream, beast::flat_buffer& buffer,
                                                http::basic_parser<isRequest>& parser, std::size_t limit,
                                                std::size_t consumed = 0) {
    constexpr std::size_t read_size = 65536;
    parser.eager(false);
    for (;;) {
        if (buffer.size() > 0) {
            error_code ec;
            const auto used = parser.put(buffer.data(), ec);
            buffer.consume(used);
            consumed += used;
            if (consumed > limit) co_return http::error::header_limit;
            if (parser.is_header_done()) co_return ec;
            if (ec != http::error::need_more) co_return ec;
            if (consumed + buffer.size() > limit) co_return http::error::header_limit;
        }
        auto [read_ec, n] = co_await stream.async_read_some(buffer.prepare(beast::read_size(buffer, read_size)), use_tuple);
        buffer.commit(n);
        if (read_ec == asio::error::eof && n == 0) {
            co_return parser.got_some() ? http::error::partial_message : http::error::end_of_stream;
        }
        if (read_ec) co_return read_ec;
    }
}

// Reads until the message is complete (for bodies that hold all of it, such as a
// string_body), with the same bounds.
template <class Stream, bool isRequest>
asio::awaitable<error_code> read_bounded(Stream& stream, beast::flat_buffer& buffer,
                                         http::basic_parser<isRequest>& parser, const FramingLimits& limits) {
    if (!parser.is_header_done()) {
        const auto ec = co_await read_header_bounded(stream, buffer, parser, limits.trailers);
        if (ec) co_return ec;
    }
    while (!parser.is_done()) {
        const auto ec = co_await read_some_bounded(stream, buffer, parser, limits);
        if (ec) co_return ec;
    }
    co_return error_code{};
}

}  // namespace tg::proxy
