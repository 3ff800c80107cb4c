// One thread with its own io_context, upstream pools and handler instances.
// Nothing here is shared with other workers, so the request path takes no lock.
#pragma once

#include "gateway/core/request_id.hpp"
#include "gateway/proxy/upstream_pool.hpp"
#include "gateway/server/runtime.hpp"

#include <boost/asio/io_context.hpp>

#include <memory>
#include <optional>
#include <thread>
#include <vector>

namespace tg::server {

class Worker {
public:
    Worker(unsigned id, std::shared_ptr<const Runtime> runtime);
    ~Worker();

    boost::asio::io_context& io() { return *io_; }
    unsigned id() const { return id_; }

    const Runtime& runtime() const { return *runtime_; }
    std::shared_ptr<const Runtime> runtime_snapshot() const { return runtime_; }
    proxy::UpstreamPool& pool(std::size_t upstream_index) { return *pools_[upstream_index]; }
    handlers::Handler* handler(std::size_t route_index) { return handlers_[route_index].get(); }
    std::string next_request_id() { return request_ids_.next(); }

    void start_thread();
    void stop();
    void join();

private:
    unsigned id_;
    // Destroyed first (see ~Worker): it owns the suspended coroutines, which refer to
    // the pools and handlers below.
    std::optional<boost::asio::io_context> io_{std::in_place, 1};
    std::shared_ptr<const Runtime> runtime_;
    std::vector<std::unique_ptr<proxy::UpstreamPool>> pools_;
    std::vector<std::unique_ptr<handlers::Handler>> handlers_;
    RequestIdGenerator request_ids_;
    std::thread thread_;
};

}  // namespace tg::server
