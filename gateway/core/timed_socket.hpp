// A TCP socket whose operations end with beast::error::timeout once a deadline passes,
// like beast::tcp_stream, without a timer per operation. `expires_after` only records
// the deadline; one coarse sweep per io_context (every 20 ms, while some socket with a
// deadline has an operation pending) cancels the sockets past their deadline. A timeout
// so fires up to one sweep period late, and a read or write costs no timer arm, no
// cancel and no aborted timer completion (tcp_stream pays all three per operation).
//
// As with tcp_stream, a deadline applies to the operations pending while it runs out:
// one that passes while nothing is pending ends the next operation instead. Unlike
// tcp_stream, a timeout cancels the operations and leaves the socket open (a keep-alive
// connection is parked after its short wait); the owner closes it.
#pragma once

#include "gateway/core/asio_aliases.hpp"
#include "gateway/core/reactor_op.hpp"

#include <boost/asio/associator.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/execution_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/assert.hpp>
#include <boost/intrusive/list.hpp>

#include <chrono>
#include <optional>
#include <utility>

namespace tg {

class TimedSocket;

namespace detail {

class DeadlineSweep;
using DeadlineHook = boost::intrusive::list_base_hook<boost::intrusive::link_mode<boost::intrusive::auto_unlink>>;

// Wraps an operation's handler to count the operation out and report a sweep's
// cancellation as a timeout.
template <class Handler>
struct TimedCompletion {
    TimedSocket* socket;
    Handler handler;

    template <class... Results>
    void operator()(error_code ec, Results&&... results);
};

}  // namespace detail

class TimedSocket : public detail::DeadlineHook {
public:
    using clock = std::chrono::steady_clock;
    using socket_type = asio::ip::tcp::socket;
    using executor_type = socket_type::executor_type;

    explicit TimedSocket(socket_type socket);
    TimedSocket(TimedSocket&& other) noexcept;
    TimedSocket& operator=(TimedSocket&&) = delete;
    ~TimedSocket() = default;  // the hook unlinks itself

    executor_type get_executor() noexcept { return socket_.get_executor(); }
    socket_type& socket() noexcept { return socket_; }

    // Hands the socket over; this object keeps no deadline.
    socket_type release_socket() {
        expires_never();
        return std::move(socket_);
    }

    void expires_after(clock::duration timeout) { expires_at(clock::now() + timeout); }
    void expires_at(clock::time_point deadline);
    void expires_never() {
        deadline_ = clock::time_point::max();
        timed_out_ = false;
        unlink();
    }

    template <class MutableBuffers, class Token>
    auto async_read_some(const MutableBuffers& buffers, Token&& token) {
        if constexpr (std::is_convertible_v<MutableBuffers, asio::mutable_buffer>) {
            const asio::mutable_buffer buffer = buffers;
            return async_perform(detail::Reactor::read_op, buffer.size() == 0,
                                 detail::DrainingRecv{socket_.native_handle(), buffer}, std::forward<Token>(token));
        } else {
            return asio::async_initiate<Token, void(error_code, std::size_t)>(
                [this](auto handler, const MutableBuffers& buffers) {
                    operation_started();
                    socket_.async_read_some(buffers, wrap(std::move(handler)));
                },
                token, buffers);
        }
    }

    template <class ConstBuffers, class Token>
    auto async_write_some(const ConstBuffers& buffers, Token&& token) {
        return asio::async_initiate<Token, void(error_code, std::size_t)>(
            [this](auto handler, const ConstBuffers& buffers) {
                operation_started();
                socket_.async_write_some(buffers, wrap(std::move(handler)));
            },
            token, buffers);
    }

    // Sends what the socket takes now, without waiting (the socket is non-blocking).
    template <class ConstBuffers>
    std::size_t try_write(const ConstBuffers& buffers, error_code& ec) {
        return socket_.write_some(buffers, ec);
    }

    // Runs `perform` (reactor_op.hpp) when the socket is ready for `direction`, and at
    // once unless the socket is known to be empty; the handler gets (error_code, bytes).
    // With `nothing_to_transfer` (an empty buffer) it gets 0 bytes without `perform`.
    template <class Perform, class Token>
    auto async_perform(detail::Direction direction, bool nothing_to_transfer, Perform perform, Token&& token) {
        return asio::async_initiate<Token, void(error_code, std::size_t)>(
            [this](auto handler, detail::Direction direction, bool nothing_to_transfer, Perform perform) {
                operation_started();
                detail::start_reactor_op(socket_, reactor(), direction, nothing_to_transfer, std::move(perform),
                                         wrap(std::move(handler)));
            },
            token, direction, nothing_to_transfer, std::move(perform));
    }

    template <class Token>
    auto async_wait(socket_type::wait_type what, Token&& token) {
        return asio::async_initiate<Token, void(error_code)>(
            [this](auto handler, socket_type::wait_type what) {
                operation_started();
                socket_.async_wait(what, wrap(std::move(handler)));
            },
            token, what);
    }

private:
    friend class detail::DeadlineSweep;
    template <class Handler>
    friend struct detail::TimedCompletion;

    template <class Handler>
    detail::TimedCompletion<Handler> wrap(Handler&& handler) {
        return {this, std::forward<Handler>(handler)};
    }

    detail::Reactor& reactor() noexcept;

    // A socket is watched only while it has both a deadline and a pending operation, so
    // the sweep never keeps an io_context running by itself.
    void operation_started();
    void operation_ended(error_code& ec) {
        if (--pending_ == 0) unlink();
        if (timed_out_ && ec == asio::error::operation_aborted) ec = beast::error::timeout;
    }

    socket_type socket_;
    detail::DeadlineSweep* sweep_;
    clock::time_point deadline_ = clock::time_point::max();
    unsigned pending_ = 0;
    bool timed_out_ = false;
};

namespace detail {

// The sockets of one execution context that have a deadline, and the sweep that
// enforces them; also the context's reactor, for reactor_op.hpp's operations. Created on
// first use; one thread at a time, like the sockets.
class DeadlineSweep final : public asio::execution_context::service {
public:
    static constexpr std::chrono::milliseconds period{20};
    static inline asio::execution_context::id id;

    explicit DeadlineSweep(asio::execution_context& context)
        : service(context), reactor_(asio::use_service<Reactor>(context)) {}

    void watch(TimedSocket& socket);
    Reactor& reactor() noexcept { return reactor_; }

private:
    // Cancels the pending operations of the sockets past their deadline.
    void sweep(std::chrono::steady_clock::time_point now);
    void shutdown() override;
    void arm();

    Reactor& reactor_;
    boost::intrusive::list<TimedSocket, boost::intrusive::constant_time_size<false>> sockets_;
    std::optional<asio::steady_timer> timer_;
    bool armed_ = false;
    bool shut_down_ = false;
};

}  // namespace detail

// Non-blocking: a write is first tried at once (try_write), and OpenSSL calls recv and
// send on it (TlsSocket). The flag moves with the socket, so a resumed one pays nothing.
inline TimedSocket::TimedSocket(socket_type socket)
    : socket_(std::move(socket)),
      sweep_(&asio::use_service<detail::DeadlineSweep>(asio::query(socket_.get_executor(), asio::execution::context))) {
    error_code ignored;  // a socket that cannot be set is broken: its next operation says so
    if (socket_.is_open() && !socket_.non_blocking()) socket_.non_blocking(true, ignored);
}

// Only between operations: a pending operation's completion refers to the old object.
inline TimedSocket::TimedSocket(TimedSocket&& other) noexcept
    : detail::DeadlineHook(),
      socket_(std::move(other.socket_)),
      sweep_(other.sweep_),
      deadline_(other.deadline_),
      timed_out_(other.timed_out_) {
    BOOST_ASSERT(other.pending_ == 0 && !other.is_linked());
}

inline detail::Reactor& TimedSocket::reactor() noexcept { return sweep_->reactor(); }

inline void TimedSocket::expires_at(clock::time_point deadline) {
    deadline_ = deadline;
    timed_out_ = false;
    if (pending_ != 0 && !is_linked()) sweep_->watch(*this);
}

inline void TimedSocket::operation_started() {
    ++pending_;
    if (deadline_ != clock::time_point::max() && !is_linked()) sweep_->watch(*this);
}

template <class Handler>
template <class... Results>
void detail::TimedCompletion<Handler>::operator()(error_code ec, Results&&... results) {
    socket->operation_ended(ec);
    std::move(handler)(ec, std::forward<Results>(results)...);
}

}  // namespace tg

// The wrapped handler keeps the executor, allocator and cancellation slot of the original.
template <template <typename, typename> class Associator, typename Handler, typename DefaultCandidate>
struct boost::asio::associator<Associator, tg::detail::TimedCompletion<Handler>, DefaultCandidate> {
    using type = typename Associator<Handler, DefaultCandidate>::type;
    static type get(const tg::detail::TimedCompletion<Handler>& completion) noexcept {
        return Associator<Handler, DefaultCandidate>::get(completion.handler);
    }
    static auto get(const tg::detail::TimedCompletion<Handler>& completion, const DefaultCandidate& candidate) noexcept
        -> decltype(Associator<Handler, DefaultCandidate>::get(completion.handler, candidate)) {
        return Associator<Handler, DefaultCandidate>::get(completion.handler, candidate);
    }
};
