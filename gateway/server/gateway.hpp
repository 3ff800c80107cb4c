// The running gateway: `workers` threads, each with its own io_context, its own
// SO_REUSEPORT acceptor per listener and its own upstream pools.
#pragma once

#include "gateway/config/model.hpp"
#include "gateway/handlers/handler.hpp"
#include "gateway/server/worker.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace tg::server {

class Gateway {
public:
    // Builds TLS contexts and handlers; throws std::runtime_error with a clear message.
    Gateway(std::shared_ptr<const config::Config> config, const handlers::Registry& registry);
    ~Gateway();

    // Binds every listener (throws naming the listener on failure) and starts the workers.
    void start();
    // Stops accepting and ends every connection; joins the worker threads.
    void stop();

    // The bound port of a listener (useful when the config said port 0).
    std::uint16_t port(const std::string& listener_name) const;

private:
    void bind_listener(const config::Listener& listener);

    std::shared_ptr<const Runtime> runtime_;
    std::vector<std::unique_ptr<Worker>> workers_;
    std::map<std::string, std::uint16_t> bound_ports_;
    bool running_ = false;
};

}  // namespace tg::server
