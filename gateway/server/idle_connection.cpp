#include "gateway/server/idle_connection.hpp"

#include "gateway/core/asio_aliases.hpp"
#include "gateway/server/worker.hpp"

#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstddef>
#include <new>

namespace tg::server {
namespace {

using tcp = asio::ip::tcp;

// Allocates exactly what is asked. Asio's default handler allocator recycles the thread's
// last freed blocks whatever their size, so a parked connection's two small waits would
// each sit in a block left over from a request's kilobyte-sized write operation.
template <class T>
struct ExactAllocator {
    using value_type = T;
    ExactAllocator() = default;
    template <class U>
    ExactAllocator(const ExactAllocator<U>&) noexcept {}
    T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T))); }
    void deallocate(T* p, std::size_t) noexcept { ::operator delete(p); }
    template <class U>
    bool operator==(const ExactAllocator<U>&) const noexcept { return true; }
};

// Deletes itself once both of its waits have completed.
class IdleConnection final : public DrainableSession {
public:
    IdleConnection(Worker& worker, std::shared_ptr<const ListenerInfo> listener, tcp::socket socket,
                   std::string client_address, config::millis idle_timeout)
        : worker_(worker),
          listener_(std::move(listener)),
          socket_(std::move(socket)),
          client_address_(std::move(client_address)),
          timer_(socket_.get_executor(), idle_timeout) {
        worker_.add_session(this);
    }
    ~IdleConnection() override { worker_.remove_session(this); }

    void start() {
        socket_.async_wait(tcp::socket::wait_read,
                           asio::bind_allocator(ExactAllocator<void>(), [this](error_code ec) { on_readable(ec); }));
        timer_.async_wait(asio::bind_allocator(ExactAllocator<void>(), [this](error_code ec) { on_timeout(ec); }));
    }

    void close_if_idle() override {
        error_code ignored;
        socket_.shutdown(tcp::socket::shutdown_both, ignored);
        socket_.cancel(ignored);
    }

private:
    void on_readable(error_code ec) {
        timer_.cancel();
        if (!ec && !worker_.shared().closing.load(std::memory_order_relaxed)) {
            resume_session(worker_, listener_, std::move(socket_), std::move(client_address_));
        } else {
            error_code ignored;
            socket_.close(ignored);
        }
        finish_one();
    }

    void on_timeout(error_code ec) {
        if (!ec) {
            error_code ignored;
            socket_.cancel(ignored);  // on_readable closes
        }
        finish_one();
    }

    void finish_one() {
        if (--pending_ == 0) delete this;
    }

    Worker& worker_;
    std::shared_ptr<const ListenerInfo> listener_;
    tcp::socket socket_;
    std::string client_address_;
    asio::steady_timer timer_;
    int pending_ = 2;
};

}  // namespace

void park_idle_connection(Worker& worker, std::shared_ptr<const ListenerInfo> listener, tcp::socket socket,
                          std::string client_address, config::millis idle_timeout) {
    auto* connection =
        new IdleConnection(worker, std::move(listener), std::move(socket), std::move(client_address), idle_timeout);
    connection->start();
}

}  // namespace tg::server
