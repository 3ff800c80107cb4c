#include "gateway/server/connection_balance.hpp"

#include "gateway/core/asio_aliases.hpp"
#include "gateway/core/log.hpp"
#include "gateway/server/worker.hpp"

#include <boost/asio/post.hpp>

#include <unistd.h>

namespace tg::server {
namespace {

using tcp = asio::ip::tcp;

// A descriptor between two io_contexts: closed if the target never takes it (it stopped).
class ReleasedSocket {
public:
    explicit ReleasedSocket(int fd) : fd_(fd) {}
    ReleasedSocket(ReleasedSocket&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    ReleasedSocket& operator=(ReleasedSocket&&) = delete;
    ~ReleasedSocket() {
        if (fd_ >= 0) ::close(fd_);
    }
    int get() const { return fd_; }
    void disown() { fd_ = -1; }

private:
    int fd_;
};

}  // namespace

Worker& least_loaded(Worker& accepting, const std::vector<Worker*>& workers) {
    Worker* least = &accepting;
    int least_load = accepting.load();
    for (auto* worker : workers) {
        const int load = worker->load();
        if (load < least_load) {
            least = worker;
            least_load = load;
        }
    }
    return *least;
}

void hand_off(Worker& target, std::shared_ptr<const ListenerInfo> listener, tcp::socket socket) {
    error_code ec;
    const auto protocol = socket.local_endpoint(ec).protocol();
    if (ec) return;  // the client is already gone
    ReleasedSocket released(socket.release(ec));
    if (ec) return;
    target.expect_connection();
    try {
        asio::post(target.io(), [&target, listener = std::move(listener), released = std::move(released),
                                 protocol]() mutable {
            try {
                tcp::socket socket(target.io());
                error_code ec;
                socket.assign(protocol, released.get(), ec);
                if (!ec) {
                    released.disown();  // the socket owns it now
                    start_session(target, listener, std::move(socket));
                }
            } catch (const std::exception& e) {  // as in the accept loop: the worker goes on
                log::error("listener ", listener->name, ": cannot start a handed-over session: ", e.what());
            }
            // After the session counts it, so a drain never sees the connection in neither count.
            target.connection_arrived();
        });
    } catch (...) {
        target.connection_arrived();
        throw;
    }
}

}  // namespace tg::server
