#include "gateway/server/connection_balance.hpp"

#include "gateway/core/asio_aliases.hpp"
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
    int take() { return std::exchange(fd_, -1); }

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
    asio::post(target.io(), [&target, listener = std::move(listener), released = std::move(released),
                             protocol]() mutable {
        target.connection_arrived();
        error_code ec;
        tcp::socket socket(target.io());
        socket.assign(protocol, released.take(), ec);
        if (!ec) start_session(target, std::move(listener), std::move(socket));
    });
}

}  // namespace tg::server
