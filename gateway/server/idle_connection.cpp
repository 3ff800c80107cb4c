#include "gateway/server/idle_connection.hpp"

#include "gateway/core/asio_aliases.hpp"
#include "gateway/server/worker.hpp"

#include <boost/asio/bind_allocator.hpp>

#include <cstddef>
#include <new>

namespace tg::server {
namespace {

using tcp = asio::ip::tcp;

// Allocates exactly what is asked. Asio's default handler allocator recycles the thread's
// last freed blocks whatever their size, so a parked connection's wait would sit in a
// block left over from a request's kilobyte-sized write operation.
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

}  // namespace

// Deletes itself when its wait completes: readable (handed to a new session), or
// cancelled by the idle timeout or a drain (closed).
class IdleConnection final : public DrainableSession {
public:
    IdleConnection(Worker& worker, std::shared_ptr<const ListenerInfo> listener, tcp::socket socket,
                   std::string client_address, config::millis idle_timeout)
        : worker_(worker),
          listener_(std::move(listener)),
          socket_(std::move(socket)),
          client_address_(std::move(client_address)),
          deadline_(std::chrono::steady_clock::now() + idle_timeout) {
        worker_.add_session(this);
        worker_.idle_connections().push_back(this);
    }
    ~IdleConnection() override {
        if (listed_) worker_.idle_connections().erase(this);
        worker_.remove_session(this);
    }

    void start() {
        socket_.async_wait(tcp::socket::wait_read,
                           asio::bind_allocator(ExactAllocator<void>(), [this](error_code ec) { on_readable(ec); }));
    }

    void close_if_idle() override { stop_waiting(); }

    // Ends the wait (the completion closes the connection); off the idle list at once.
    void stop_waiting() {
        if (listed_) worker_.idle_connections().erase(this);
        error_code ignored;
        socket_.shutdown(tcp::socket::shutdown_both, ignored);
        socket_.cancel(ignored);
    }

    std::chrono::steady_clock::time_point deadline() const { return deadline_; }

private:
    friend class IdleList;

    void on_readable(error_code ec) {
        if (!ec && !worker_.shared().closing.load(std::memory_order_relaxed)) {
            resume_session(worker_, listener_, std::move(socket_), std::move(client_address_));
        } else {
            error_code ignored;
            socket_.close(ignored);
        }
        delete this;
    }

    Worker& worker_;
    std::shared_ptr<const ListenerInfo> listener_;
    tcp::socket socket_;
    std::string client_address_;
    std::chrono::steady_clock::time_point deadline_;
    IdleConnection* previous_ = nullptr;  // the idle list's links
    IdleConnection* next_ = nullptr;
    bool listed_ = false;
};

void IdleList::push_back(IdleConnection* connection) {
    connection->previous_ = tail_;
    connection->next_ = nullptr;
    (tail_ ? tail_->next_ : head_) = connection;
    tail_ = connection;
    connection->listed_ = true;
}

void IdleList::erase(IdleConnection* connection) {
    (connection->previous_ ? connection->previous_->next_ : head_) = connection->next_;
    (connection->next_ ? connection->next_->previous_ : tail_) = connection->previous_;
    connection->previous_ = connection->next_ = nullptr;
    connection->listed_ = false;
}

void IdleList::close_expired(std::chrono::steady_clock::time_point now) {
    // Parked in deadline order (a reload changing idle_timeout_ms only delays the odd one).
    while (head_ && head_->deadline() <= now) head_->stop_waiting();
}

void IdleList::clear() {
    while (head_) delete head_;
}

void park_idle_connection(Worker& worker, std::shared_ptr<const ListenerInfo> listener, tcp::socket socket,
                          std::string client_address, config::millis idle_timeout) {
    auto* connection =
        new IdleConnection(worker, std::move(listener), std::move(socket), std::move(client_address), idle_timeout);
    connection->start();
}

}  // namespace tg::server
