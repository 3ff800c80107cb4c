// Streams a message body from one stream to another in fixed-size pieces, through
// Beast's buffer_body (the `relay` pattern), so memory stays flat whatever the size.
// Each piece is forwarded as soon as it arrives (read_some), so slow streams such as
// server-sent events are not held back. A chunked body is written chunked, trailers
// included, after `filter_trailers` has had its say.
#pragma once

#include "gateway/core/asio_aliases.hpp"
#include "gateway/proxy/bounded_read.hpp"
#include "gateway/proxy/buffered_parse.hpp"

#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>

#include <boost/asio/write.hpp>

#include <boost/beast/core/buffers_cat.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_set>
#include <vector>

namespace tg::proxy {

struct RelayResult {
    // parse: the body's framing was malformed or over a limit (bounded_read.hpp).
    enum class Failure { none, read, write, body_limit, parse } failure = Failure::none;
    error_code error;
    std::uint64_t bytes = 0;
};

// The header's field elements, to tell trailers (parsed after the body) apart. Beast
// inserts a repeated name next to its first occurrence, so position says nothing.
class HeaderFieldSet {
public:
    template <class Fields>
    explicit HeaderFieldSet(const Fields& fields) {
        for (auto it = fields.begin(); it != fields.end(); ++it) elements_.insert(&*it);
    }
    // Takes the iterator, not a reference: converting the element to its value_type
    // base would change the address.
    template <class FieldIterator>
    bool contains(FieldIterator field) const {
        return elements_.count(&*field) != 0;
    }

private:
    std::unordered_set<const void*> elements_;
};

// A 32 KiB relay buffer from a per-thread free list: a worker reuses a few buffers
// instead of allocating one per request, and idle connections hold none.
class ScratchBuffer {
public:
    static constexpr std::size_t size = 32 * 1024;
    ScratchBuffer() {
        auto& free = free_list();
        if (free.empty()) {
            buffer_ = std::make_unique<std::array<char, size>>();
        } else {
            buffer_ = std::move(free.back());
            free.pop_back();
        }
    }
    ~ScratchBuffer() {
        auto& free = free_list();
        if (free.size() < 64) free.push_back(std::move(buffer_));
    }
    ScratchBuffer(const ScratchBuffer&) = delete;
    ScratchBuffer& operator=(const ScratchBuffer&) = delete;
    std::span<char> span() { return {buffer_->data(), buffer_->size()}; }

private:
    static std::vector<std::unique_ptr<std::array<char, size>>>& free_list() {
        thread_local std::vector<std::unique_ptr<std::array<char, size>>> free;
        return free;
    }
    std::unique_ptr<std::array<char, size>> buffer_;
};

// Sends `prefix` and then `buffers` as far as the socket takes them at once, without
// waiting. True when all of it went, as usual for a small answer: it leaves in the same
// turn of the event loop, with no asynchronous write and no coroutine frame, and `prefix`
// is cleared. Otherwise `sent` says how far it got and write_rest writes the rest.
template <class Stream, class Buffers>
bool write_now(Stream& out, std::string& prefix, const Buffers& buffers, std::size_t& sent) {
    const auto all = beast::buffers_cat(asio::buffer(prefix), buffers);
    error_code ec;  // an error shows again in the asynchronous write of the rest
    sent = out.try_write(all, ec);
    if (sent != beast::buffer_bytes(all)) return false;
    prefix.clear();
    return true;
}

// Writes what write_now left of `prefix` and `buffers` (from byte `sent`), in one
// write, then clears `prefix`: a header not sent yet goes with the body's first piece.
template <class Stream, class Buffers>
asio::awaitable<error_code> write_rest(Stream& out, std::string& prefix, const Buffers& buffers, std::size_t sent) {
    beast::buffers_suffix rest(beast::buffers_cat(asio::buffer(prefix), buffers));
    rest.consume(sent);
    auto [ec, written] = co_await asio::async_write(out, rest, use_tuple);
    prefix.clear();
    co_return ec;
}

// The body when it came whole with its header, as a small response's usually does:
// parsed out of `in_buffer` into `scratch` at once, without a coroutine of its own.
// Empty, and nothing parsed, when the body is not all there yet, is chunked or does not
// fit: relay_body then does the work.
// (A response parser's body limit, if any, is far above a scratch buffer: parsing bytes
// that are all there cannot fail.)
template <class Allocator>
std::span<char> whole_body_in_buffer(http::parser<false, http::buffer_body, Allocator>& parser,
                                     beast::flat_buffer& in_buffer, std::span<char> scratch) {
    const auto length = parser.content_length_remaining();
    if (parser.is_done() || parser.chunked() || !length || *length > scratch.size() || *length > in_buffer.size()) {
        return {};
    }
    auto& body = parser.get().body();
    body.data = scratch.data();
    body.size = scratch.size();
    error_code ec;
    parse_buffered(parser, in_buffer, ec);
    return scratch.first(scratch.size() - body.size);
}

// `pending_header`, when not empty, is written with the first piece of the body, and
// cleared (it keeps its capacity).
template <bool isRequest, class Allocator, class In, class Out, class TrailerFilter>
asio::awaitable<RelayResult> relay_body(In& in, beast::flat_buffer& in_buffer,
                                        http::parser<isRequest, http::buffer_body, Allocator>& parser, Out& out,
                                        bool chunked_out, const FramingLimits& framing_limits,
                                        std::chrono::milliseconds read_timeout,
                                        std::chrono::milliseconds write_timeout, std::span<char> scratch,
                                        TrailerFilter&& filter_trailers, std::string& pending_header) {
    RelayResult result;
    ChunkExtensionLimit extension_limit{framing_limits.chunk_line};
    if (parser.chunked()) parser.on_chunk_header(extension_limit);
    // Only a chunked body can bring trailers, and only chunked output passes them on.
    std::optional<HeaderFieldSet> header_fields;
    if (chunked_out && parser.chunked()) header_fields.emplace(parser.get());
    auto& body = parser.get().body();
    while (!parser.is_done()) {
        body.data = scratch.data();
        body.size = scratch.size();
        error_code read_ec;
        if (!parse_bounded(parser, in_buffer, framing_limits, read_ec)) {
            beast::get_lowest_layer(in).expires_after(read_timeout);
            read_ec = co_await read_some_bounded(in, in_buffer, parser, framing_limits);
        }
        if (read_ec == http::error::need_buffer) read_ec = {};
        if (read_ec) {
            result.failure = read_ec == http::error::body_limit  ? RelayResult::Failure::body_limit
                             : is_parse_error(read_ec)           ? RelayResult::Failure::parse
                                                                 : RelayResult::Failure::read;
            result.error = read_ec;
            co_return result;
        }
        const std::size_t got = scratch.size() - body.size;
        if (got == 0) continue;
        beast::get_lowest_layer(out).expires_after(write_timeout);
        const auto piece = asio::buffer(scratch.data(), got);
        error_code write_ec;
        std::size_t sent = 0;
        if (chunked_out) {
            const auto chunk = http::make_chunk(piece);
            if (!write_now(out, pending_header, chunk, sent)) write_ec = co_await write_rest(out, pending_header, chunk, sent);
        } else if (!write_now(out, pending_header, piece, sent)) {
            write_ec = co_await write_rest(out, pending_header, piece, sent);
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
        const auto& fields = parser.get();
        for (auto field = fields.begin(); header_fields && field != fields.end(); ++field) {
            if (!header_fields->contains(field)) trailers.insert(field->name_string(), field->value());
        }
        filter_trailers(trailers);
        beast::get_lowest_layer(out).expires_after(write_timeout);
        const auto last = http::make_chunk_last(trailers);
        error_code write_ec;
        std::size_t sent = 0;
        if (!write_now(out, pending_header, last, sent)) write_ec = co_await write_rest(out, pending_header, last, sent);
        if (write_ec) {
            result.failure = RelayResult::Failure::write;
            result.error = write_ec;
        }
    } else if (!pending_header.empty()) {  // a body that turned out empty
        beast::get_lowest_layer(out).expires_after(write_timeout);
        const asio::const_buffer nothing;
        error_code write_ec;
        std::size_t sent = 0;
        if (!write_now(out, pending_header, nothing, sent)) write_ec = co_await write_rest(out, pending_header, nothing, sent);
        if (write_ec) {
            result.failure = RelayResult::Failure::write;
            result.error = write_ec;
        }
    }
    co_return result;
}

}  // namespace tg::proxy
