// A socket read that remembers when it emptied the socket, as nginx's `ready` flag does.
//
// Asio's epoll reactor registers a socket once, edge-triggered. Before it queues a read
// it tries a speculative recv, unless the socket is marked as having nothing left to
// read; a readiness edge clears the mark. Asio's own read marks the socket only at the
// end of the stream, so a read started after a request went out (the upstream cannot
// have answered yet) or after a response went out (the client cannot have sent its next
// request yet) costs a recv that fails with EAGAIN. This read also marks the socket
// when a recv returned less than it asked for: the socket was empty then, so the next
// read waits for the edge without that recv, and without an epoll_ctl either.
//
// It reaches into Asio's reactor (Boost 1.81, epoll): the operation mirrors Asio's
// reactive_socket_recv_op, with only the "exhausted" rule added.
#pragma once

#include "gateway/core/asio_aliases.hpp"

#include <boost/asio/detail/bind_handler.hpp>
#include <boost/asio/detail/fenced_block.hpp>
#include <boost/asio/detail/handler_alloc_helpers.hpp>
#include <boost/asio/detail/handler_cont_helpers.hpp>
#include <boost/asio/detail/handler_work.hpp>
#include <boost/asio/detail/memory.hpp>
#include <boost/asio/detail/reactor.hpp>
#include <boost/asio/detail/reactor_op.hpp>
#include <boost/asio/detail/reactive_socket_service_base.hpp>
#include <boost/asio/detail/socket_ops.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/version.hpp>

#include <utility>

#if BOOST_VERSION != 108100 || !defined(BOOST_ASIO_HAS_EPOLL)
#error "drained_read.hpp relies on the epoll reactor of Boost 1.81's Asio: check it against this version"
#endif

namespace tg::detail {

using Reactor = asio::detail::reactor;

// What Asio keeps protected: the socket's implementation (its reactor registration) and
// the socket service's own start and per-operation cancellation, reused as they are.
struct SocketInternals : asio::ip::tcp::socket {
    static auto& of(asio::ip::tcp::socket& socket) { return socket.*&SocketInternals::impl_; }
};
struct SocketServiceInternals : asio::detail::reactive_socket_service_base {
    using Cancellation = reactor_op_cancellation;
    static constexpr auto start = &SocketServiceInternals::start_op;
};

template <class Handler, class IoExecutor>
class DrainedReadOp : public asio::detail::reactor_op {
public:
    BOOST_ASIO_DEFINE_HANDLER_PTR(DrainedReadOp);

    DrainedReadOp(int descriptor, asio::mutable_buffer buffer, Handler& handler, const IoExecutor& io_ex)
        : reactor_op(error_code(), &DrainedReadOp::do_perform, &DrainedReadOp::do_complete),
          descriptor_(descriptor),
          buffer_(buffer),
          handler_(std::move(handler)),
          work_(handler_, io_ex) {}

    static status do_perform(reactor_op* base) {
        auto* o = static_cast<DrainedReadOp*>(base);
        if (!asio::detail::socket_ops::non_blocking_recv1(o->descriptor_, o->buffer_.data(), o->buffer_.size(), 0,
                                                          true, o->ec_, o->bytes_transferred_)) {
            return not_done;  // EAGAIN: wait for the edge
        }
        // After an error the socket is not known to be empty: the next read tries again.
        if (o->ec_ && o->ec_ != asio::error::eof) return done;
        return o->bytes_transferred_ < o->buffer_.size() ? done_and_exhausted : done;
    }

    static void do_complete(void* owner, asio::detail::operation* base, const error_code&, std::size_t) {
        auto* o = static_cast<DrainedReadOp*>(base);
        ptr p = {asio::detail::addressof(o->handler_), o, o};
        asio::detail::handler_work<Handler, IoExecutor> work(std::move(o->work_));
        // The handler is moved out so the operation's memory can go before the upcall.
        asio::detail::binder2<Handler, error_code, std::size_t> handler(o->handler_, o->ec_, o->bytes_transferred_);
        p.h = asio::detail::addressof(handler.handler_);
        p.reset();
        if (owner) {
            asio::detail::fenced_block b(asio::detail::fenced_block::half);
            work.complete(handler, handler.handler_);
        }
    }

private:
    int descriptor_;
    asio::mutable_buffer buffer_;
    Handler handler_;
    asio::detail::handler_work<Handler, IoExecutor> work_;
};

// Starts the read; `handler` gets (error_code, bytes). The buffer is not empty. As Asio's
// own async_receive, with this operation in place of its own.
template <class Handler>
void start_drained_read(asio::ip::tcp::socket& socket, Reactor& reactor, asio::mutable_buffer buffer,
                        Handler&& handler) {
    using Op = DrainedReadOp<std::decay_t<Handler>, asio::ip::tcp::socket::executor_type>;
    auto& io_object = SocketInternals::of(socket);
    auto& impl = io_object.get_implementation();
    const bool is_continuation = boost_asio_handler_cont_helpers::is_continuation(handler);
    auto slot = asio::get_associated_cancellation_slot(handler);

    typename Op::ptr p = {asio::detail::addressof(handler), Op::ptr::allocate(handler), nullptr};
    p.p = new (p.v) Op(impl.socket_, buffer, handler, io_object.get_executor());
    if (slot.is_connected()) {
        p.p->cancellation_key_ = &slot.template emplace<SocketServiceInternals::Cancellation>(
            &reactor, &impl.reactor_data_, impl.socket_, Reactor::read_op);
    }
    (io_object.get_service().*SocketServiceInternals::start)(impl, Reactor::read_op, p.p, is_continuation, true, false);
    p.v = p.p = nullptr;
}

}  // namespace tg::detail
