// Streams a message body from one stream to another in fixed-size pieces, through
// Beast's buffer_body (the `relay` pattern), so memory stays flat whatever the size.
// A chunked body is written chunked, trailers included.
#pragma once

#include "gateway/core/asio_aliases.hpp"

#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>

#include <chrono>
#include <cstdint>
#include <iterator>
#include <span>

namespace tg::proxy {

struct RelayResult {
    enum class Failure { none, read, write, body_limit } failure = Failure::none;
    error_code error;
    std::uint64_t bytes = 0;
};

// Fields added to a message after its header was read are its trailers.
inline std::size_t field_count(const http::fields& fields) {
    return static_cast<std::size_t>(std::distance(fields.begin(), fields.end()));
}

template <bool isRequest, class In, class Out>
asio::awaitable<RelayResult> relay_body(In& in, beast::flat_buffer& in_buffer,
                                        http::parser<isRequest, http::buffer_body>& parser, Out& out,
                                        bool chunked_out, std::size_t header_fields,
                                        std::chrono::milliseconds read_timeout,
                                        std::chrono::milliseconds write_timeout, std::span<char> scratch) {
    RelayResult result;
    auto& body = parser.get().body();
    while (!parser.is_done()) {
        body.data = scratch.data();
        body.size = scratch.size();
        beast::get_lowest_layer(in).expires_after(read_timeout);
        auto [read_ec, ignored] = co_await http::async_read(in, in_buffer, parser, use_tuple);
        if (read_ec == http::error::need_buffer) read_ec = {};
        if (read_ec) {
            result.failure = read_ec == http::error::body_limit ? RelayResult::Failure::body_limit
                                                                : RelayResult::Failure::read;
            result.error = read_ec;
            co_return result;
        }
        const std::size_t got = scratch.size() - body.size;
        if (got == 0) continue;
        beast::get_lowest_layer(out).expires_after(write_timeout);
        const auto piece = asio::buffer(scratch.data(), got);
        error_code write_ec;
        if (chunked_out) {
            std::tie(write_ec, std::ignore) = co_await asio::async_write(out, http::make_chunk(piece), use_tuple);
        } else {
            std::tie(write_ec, std::ignore) = co_await asio::async_write(out, piece, use_tuple);
        }
        if (write_ec) {
            result.failure = RelayResult::Failure::write;
            result.error = write_ec;
            co_return result;
        }
        result.bytes += got;
    }
    if (chunked_out) {
        http::fields trailers;
        auto field = parser.get().begin();
        std::advance(field, header_fields);
        for (; field != parser.get().end(); ++field) trailers.insert(field->name_string(), field->value());
        beast::get_lowest_layer(out).expires_after(write_timeout);
        auto [write_ec, written] = co_await asio::async_write(out, http::make_chunk_last(trailers), use_tuple);
        if (write_ec) {
            result.failure = RelayResult::Failure::write;
            result.error = write_ec;
        }
    }
    co_return result;
}

}  // namespace tg::proxy
