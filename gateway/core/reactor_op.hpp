// Socket operations that Asio's reactor runs with a step of ours, so that a read can
// remember when it emptied the socket, as nginx's `ready` flag does.
//
// Asio's epoll reactor registers a socket once, edge-triggered. Before it queues an
// operation it performs it once at once (speculatively), unless the socket is marked as
// having nothing left for that direction; a readiness edge clears the mark, and an
// operation that says the socket was emptied sets it. Asio's own read sets it only at the
// end of the stream, so a read started after a request went out (the upstream cannot
// have answered yet) or after a response went out (the client cannot have sent its next
// request yet) costs a recv that fails with EAGAIN. The reads here also set it when a
// recv returned less than it asked for: the socket was empty then, so the next read waits
// for the edge without that recv. The mark is set in the same step as the recv, so an
// edge for data that comes later is handled after it and clears it: nothing is missed.
//
// A read waiting here costs no epoll_ctl (async_wait costs one per wait: it must re-arm
// the edge because it does not try first); a write adds EPOLLOUT to the registration
// once per socket, as Asio's own writes do.
//
// It reaches into Asio's reactor (Boost 1.81, epoll): the operation mirrors Asio's
// reactive_socket_recv_op, with the perform step given by the caller.
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
#error "reactor_op.hpp relies on the epoll reactor of Boost 1.81's Asio: check it against this version"
#endif

namespace tg::detail {

using Reactor = asio::detail::reactor;
using Direction = Reactor::op_types;  // read_op or write_op
using PerformStatus = asio::detail::reactor_op::status;

// What Asio keeps protected: the socket's implementation (its reactor registration) and
// the socket service's own start and per-operation cancellation, reused as they are.
struct SocketInternals : asio::ip::tcp::socket {
    static auto& of(asio::ip::tcp::socket& socket) { return socket.*&SocketInternals::impl_; }
};
struct SocketServiceInternals : asio::detail::reactive_socket_service_base {
    using Cancellation = reactor_op_cancellation;
    static constexpr auto start = &SocketServiceInternals::start_op;
};

// `Perform`: PerformStatus(error_code& ec, std::size_t& bytes). not_done: the socket is
// not ready, wait for its edge; done: the results are set; done_and_exhausted: the same,
// and the socket is empty (the next operation waits for the edge before trying).
template <class Perform, class Handler, class IoExecutor>
class PerformOp : public asio::detail::reactor_op {
public:
    BOOST_ASIO_DEFINE_HANDLER_PTR(PerformOp);

    PerformOp(Perform& perform, Handler& handler, const IoExecutor& io_ex)
        : reactor_op(error_code(), &PerformOp::do_perform, &PerformOp::do_complete),
          perform_(std::move(perform)),
          handler_(std::move(handler)),
          work_(handler_, io_ex) {}

    static status do_perform(reactor_op* base) {
        auto* o = static_cast<PerformOp*>(base);
        return o->perform_(o->ec_, o->bytes_transferred_);
    }

    static void do_complete(void* owner, asio::detail::operation* base, const error_code&, std::size_t) {
        auto* o = static_cast<PerformOp*>(base);
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
    Perform perform_;
    Handler handler_;
    asio::detail::handler_work<Handler, IoExecutor> work_;
};

// Starts the operation; `handler` gets (error_code, bytes). As Asio's own async_receive
// and async_send, with this operation in place of theirs: with `nothing_to_transfer`
// (an empty buffer) it completes with 0 bytes without calling `perform`, also when the
// socket is known to be empty. A result available at once is posted, never delivered
// inside this call.
template <class Perform, class Handler>
void start_reactor_op(asio::ip::tcp::socket& socket, Reactor& reactor, Direction direction, bool nothing_to_transfer,
                      Perform perform, Handler&& handler) {
    using Op = PerformOp<Perform, std::decay_t<Handler>, asio::ip::tcp::socket::executor_type>;
    auto& io_object = SocketInternals::of(socket);
    auto& impl = io_object.get_implementation();
    const bool is_continuation = boost_asio_handler_cont_helpers::is_continuation(handler);
    auto slot = asio::get_associated_cancellation_slot(handler);

    typename Op::ptr p = {asio::detail::addressof(handler), Op::ptr::allocate(handler), nullptr};
    p.p = new (p.v) Op(perform, handler, io_object.get_executor());
    if (slot.is_connected()) {
        p.p->cancellation_key_ = &slot.template emplace<SocketServiceInternals::Cancellation>(
            &reactor, &impl.reactor_data_, impl.socket_, direction);
    }
    (io_object.get_service().*SocketServiceInternals::start)(impl, direction, p.p, is_continuation, true,
                                                               nothing_to_transfer);
    p.v = p.p = nullptr;
}

// A recv into a non-empty buffer. A short one does not say the socket is empty: data
// and the peer's FIN or RST often arrive together, the recv returns the data, and the
// edge that announced them all is spent, so waiting for the next edge would wait until
// a timeout (found by integration.hostile: a partial response then a reset gave a 504
// instead of a 502). The next read tries at once; EAGAIN then waits for the edge.
struct DrainingRecv {
    int descriptor;
    asio::mutable_buffer buffer;

    PerformStatus operator()(error_code& ec, std::size_t& bytes) const {
        if (!asio::detail::socket_ops::non_blocking_recv1(descriptor, buffer.data(), buffer.size(), 0, true, ec,
                                                          bytes)) {
            return PerformStatus::not_done;  // EAGAIN: wait for the edge
        }
        return PerformStatus::done;
    }
};

}  // namespace tg::detail
