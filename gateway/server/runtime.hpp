// A loaded config made ready to serve: the router, each route's upstream and handler
// resolved to indexes, the upstream TLS contexts. Immutable and shared by all workers.
#pragma once

#include "gateway/config/model.hpp"
#include "gateway/handlers/handler.hpp"
#include "gateway/routing/router.hpp"

#include <boost/asio/ssl/context.hpp>

#include <limits>
#include <memory>
#include <vector>

namespace tg::server {

struct Runtime {
    static constexpr std::size_t none = std::numeric_limits<std::size_t>::max();

    // Throws std::runtime_error when a TLS context cannot be built.
    static std::shared_ptr<const Runtime> build(std::shared_ptr<const config::Config> config,
                                                const handlers::Registry& registry);

    std::shared_ptr<const config::Config> config;
    routing::Router router;
    std::vector<const config::Upstream*> upstreams;
    std::vector<std::shared_ptr<boost::asio::ssl::context>> upstream_tls;  // null for plain-only upstreams
    std::vector<std::size_t> route_upstream;                              // index into upstreams, or none
    std::vector<const handlers::HandlerFactory*> route_handler;           // null: proxy only
    std::vector<std::string> owned_headers;                               // the registry's gateway-owned headers
};

}  // namespace tg::server
