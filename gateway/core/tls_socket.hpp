// A TLS connection that OpenSSL runs directly on the socket's descriptor, as nginx does:
// SSL_read and SSL_write call recv and send themselves, inside operations of the
// socket's reactor (reactor_op.hpp), which runs them again when the socket is ready.
// asio::ssl::stream instead puts a memory BIO pair between OpenSSL and the socket; next
// to it this saves a copy of every record each way and the two 17 KiB record buffers its
// engine keeps per connection, and an answer the socket takes at once is sent in the
// same turn of the loop (try_write).
//
// An AsyncReadStream and AsyncWriteStream over a TimedSocket (its deadline bounds every
// wait). At most one read and one write at a time, as for any Asio stream. Once the
// socket is closed (through next_layer()), every operation fails with bad_descriptor
// without touching the descriptor: OpenSSL knows only its number, which the process may
// already have given to another connection.
#pragma once

#include "gateway/core/timed_socket.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/ssl/error.hpp>  // stream_truncated: the peer closed without close_notify
#include <boost/beast/core/buffers_suffix.hpp>

#include <openssl/ssl.h>

#include <array>
#include <memory>
#include <optional>
#include <string>

namespace tg {

class TlsSocket {
public:
    using executor_type = TimedSocket::executor_type;
    using next_layer_type = TimedSocket;
    enum class Side { client, server };

    // The largest plaintext of one TLS record: a write sends at most this much at a time.
    static constexpr std::size_t record_size = 16 * 1024;

    // Throws std::bad_alloc when OpenSSL cannot create the connection.
    TlsSocket(TimedSocket socket, SSL_CTX* context);
    TlsSocket(TlsSocket&& other) noexcept;  // only between operations
    TlsSocket& operator=(TlsSocket&&) = delete;

    executor_type get_executor() noexcept { return socket_.get_executor(); }
    TimedSocket& next_layer() noexcept { return socket_; }
    SSL* native_handle() noexcept { return ssl_.get(); }

    // Runs the handshake to its end; the socket's deadline bounds it.
    asio::awaitable<error_code> handshake(Side side);

    // A client's check of the server certificate: it must be issued for `host`, a DNS
    // name or (`is_ip`) an IP literal. False when OpenSSL refuses the name.
    bool expect_peer(const std::string& host, bool is_ip);

    template <class MutableBuffers, class Token>
    auto async_read_some(const MutableBuffers& buffers, Token&& token) {
        const auto into = first_buffer(buffers);
        return start<detail::Reactor::read_op>(token, into.size() == 0, [this, into] { return read_once(into); });
    }

    template <class ConstBuffers, class Token>
    auto async_write_some(const ConstBuffers& buffers, Token&& token) {
        return start<detail::Reactor::write_op>(token, asio::buffer_size(buffers) == 0,
                                                [this, buffers] { return write_once(plaintext_of(buffers)); });
    }

    // Writes what the socket takes now, without waiting, and returns how many bytes
    // went. As after any write that had to wait, the next write must offer the bytes not
    // reported written again (as a write of the rest does): OpenSSL has encrypted the
    // first record of them and finishes sending it instead.
    template <class ConstBuffers>
    std::size_t try_write(const ConstBuffers& buffers, error_code& ec) {
        constexpr int max_records = 4;  // about 64 KiB; what is left goes by an asynchronous write
        beast::buffers_suffix<ConstBuffers> rest(buffers);
        const std::size_t total = asio::buffer_size(buffers);
        std::size_t written = 0;
        for (int records = 0; records < max_records && written < total; ++records) {
            const auto attempt = write_once(plaintext_of(rest));
            if (attempt.wait || attempt.ec) {
                ec = attempt.ec;
                break;
            }
            written += attempt.bytes;
            rest.consume(attempt.bytes);
        }
        return written;
    }

    // Sends close_notify if the socket takes it at once; never waits.
    void notify_close() noexcept;

    // Sends close_notify, waiting for the socket to take it (the deadline bounds that);
    // the writer's way to end its direction in order. The peer may go on sending.
    asio::awaitable<error_code> send_close_notify();

    // OpenSSL holds bytes read from the socket that nobody has asked for yet.
    bool has_buffered_input() const;

    // Nothing can happen until the socket has input: OpenSSL holds no bytes read from it
    // and has nothing to send. Then waiting on the socket alone is safe. (Asked after a
    // read timed out; that read may not have called OpenSSL at all, when the socket was
    // known to be empty.)
    bool idle_until_readable() const;

    template <detail::Direction direction, class Action, class Handler>
    struct Operation;  // public for its asio::associator specialization

private:
    template <detail::Direction direction, class Action>
    struct Step;

    static constexpr TimedSocket::socket_type::wait_type wait_type_of(detail::Direction direction) {
        return direction == detail::Reactor::read_op ? TimedSocket::socket_type::wait_read
                                                     : TimedSocket::socket_type::wait_write;
    }

    struct FreeSsl {
        void operator()(SSL* ssl) const noexcept { SSL_free(ssl); }
    };

    // One try of an OpenSSL call: bytes moved, an error, or what to wait for first.
    struct Attempt {
        std::size_t bytes = 0;
        error_code ec;
        std::optional<TimedSocket::socket_type::wait_type> wait;
        // A read whose last recv came back short, with nothing left in OpenSSL: the socket
        // was empty after it.
        bool emptied_socket = false;

        static Attempt moved(std::size_t bytes) { return {bytes, {}, {}}; }
        static Attempt failed(error_code ec) { return {0, ec, {}}; }
        static Attempt blocked(TimedSocket::socket_type::wait_type wait) { return {0, {}, wait}; }
    };

    // One OpenSSL call (`int(std::size_t& bytes)`, 1 on success) with what every call
    // needs around it: a socket still open, an empty error queue, errno kept.
    template <class SslCall>
    Attempt call(SslCall ssl_call);
    Attempt read_once(asio::mutable_buffer into);
    Attempt write_once(asio::const_buffer plaintext);
    Attempt failure(int result, int saved_errno);
    void point_recv_notes_here();

    template <class Buffers>
    static auto first_buffer(const Buffers& buffers) {
        for (auto it = asio::buffer_sequence_begin(buffers); it != asio::buffer_sequence_end(buffers); ++it) {
            if (asio::buffer_size(*it) != 0) return asio::mutable_buffer(*it);
        }
        return asio::mutable_buffer();
    }

    // What the next SSL_write sends: one buffer (up to a record), or several small ones
    // gathered, so that a header and its body make one record and one send.
    template <class Buffers>
    static asio::const_buffer plaintext_of(const Buffers& buffers) {
        auto it = asio::buffer_sequence_begin(buffers);
        const auto end = asio::buffer_sequence_end(buffers);
        while (it != end && asio::buffer_size(*it) == 0) ++it;
        if (it == end) return {};
        const asio::const_buffer head(*it);
        if (head.size() >= record_size || std::next(it) == end) return asio::buffer(head, record_size);
        thread_local std::array<char, record_size> gathered;
        return asio::buffer(gathered.data(), asio::buffer_copy(asio::buffer(gathered), buffers));
    }

    template <detail::Direction direction, class Token, class Action>
    auto start(Token& token, bool nothing_to_transfer, Action action);

    TimedSocket socket_;
    std::unique_ptr<SSL, FreeSsl> ssl_;
    bool last_recv_short_ = false;  // set by the socket BIO's callback, during a read
};

// The reactor's step for one read or write: one OpenSSL call. When OpenSSL wants the
// other direction first (a write that runs a handshake nobody started; renegotiation is
// refused, and the gateway finishes its handshakes before reading or writing), it ends
// with would_block and Operation waits for that direction.
template <detail::Direction direction, class Action>
struct TlsSocket::Step {
    Action action;

    detail::PerformStatus operator()(error_code& ec, std::size_t& bytes) {
        const auto attempt = action();
        if (attempt.wait) {
            if (*attempt.wait == wait_type_of(direction)) return detail::PerformStatus::not_done;
            ec = asio::error::would_block;
            return detail::PerformStatus::done;
        }
        ec = attempt.ec;
        bytes = attempt.bytes;
        return attempt.emptied_socket ? detail::PerformStatus::done_and_exhausted : detail::PerformStatus::done;
    }
};

// The action in a reactor operation of its direction, and a wait for the other
// direction when OpenSSL needs that first.
template <detail::Direction direction, class Action, class Handler>
struct TlsSocket::Operation {
    static constexpr auto other_way =
        wait_type_of(direction == detail::Reactor::read_op ? detail::Reactor::write_op : detail::Reactor::read_op);

    TlsSocket* tls;
    bool nothing_to_transfer;
    Action action;
    Handler handler;

    void start() {
        tls->socket_.async_perform(direction, nothing_to_transfer, Step<direction, Action>{action}, std::move(*this));
    }

    void operator()(error_code ec, std::size_t bytes) {
        if (ec == asio::error::would_block) return tls->socket_.async_wait(other_way, std::move(*this));
        std::move(handler)(ec, bytes);
    }

    // The other direction is ready, or the wait failed (timeout, cancellation).
    void operator()(error_code ec) {
        if (ec) return std::move(handler)(ec, std::size_t{0});
        start();
    }
};

template <detail::Direction direction, class Token, class Action>
auto TlsSocket::start(Token& token, bool nothing_to_transfer, Action action) {
    return asio::async_initiate<Token, void(error_code, std::size_t)>(
        [this, nothing_to_transfer](auto handler, Action action) {
            Operation<direction, Action, std::decay_t<decltype(handler)>>{this, nothing_to_transfer, std::move(action),
                                                                          std::move(handler)}
                .start();
        },
        token, std::move(action));
}

}  // namespace tg

// The operation keeps the executor, allocator and cancellation slot of its handler.
template <template <typename, typename> class Associator, tg::detail::Direction direction, typename Action,
          typename Handler, typename DefaultCandidate>
struct boost::asio::associator<Associator, tg::TlsSocket::Operation<direction, Action, Handler>, DefaultCandidate> {
    using type = typename Associator<Handler, DefaultCandidate>::type;
    static type get(const tg::TlsSocket::Operation<direction, Action, Handler>& operation) noexcept {
        return Associator<Handler, DefaultCandidate>::get(operation.handler);
    }
    static auto get(const tg::TlsSocket::Operation<direction, Action, Handler>& operation,
                    const DefaultCandidate& candidate) noexcept
        -> decltype(Associator<Handler, DefaultCandidate>::get(operation.handler, candidate)) {
        return Associator<Handler, DefaultCandidate>::get(operation.handler, candidate);
    }
};
