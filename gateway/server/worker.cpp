#include "gateway/server/worker.hpp"

#include "gateway/core/log.hpp"

namespace tg::server {

Worker::Worker(unsigned id, std::shared_ptr<const Runtime> runtime) : id_(id), runtime_(std::move(runtime)) {
    for (std::size_t i = 0; i < runtime_->upstreams.size(); ++i) {
        pools_.push_back(std::make_unique<proxy::UpstreamPool>(*runtime_->upstreams[i], runtime_->upstream_tls[i]));
    }
    const auto& routes = runtime_->config->routes;
    for (std::size_t i = 0; i < routes.size(); ++i) {
        const auto* factory = runtime_->route_handler[i];
        handlers_.push_back(factory ? (*factory)({*runtime_->config, routes[i]}) : nullptr);
    }
}

Worker::~Worker() {
    stop();
    join();
    pools_.clear();  // idle upstream sockets close while their io_context lives
    io_.reset();     // destroys suspended sessions, which may still refer to handlers_
}

void Worker::start_thread() {
    thread_ = std::thread([this] {
        try {
            io_->run();
        } catch (const std::exception& e) {
            log::error("worker ", id_, " stopped by an unexpected error: ", e.what());
        }
    });
}

void Worker::stop() { io_->stop(); }

void Worker::join() {
    if (thread_.joinable()) thread_.join();
}

}  // namespace tg::server
