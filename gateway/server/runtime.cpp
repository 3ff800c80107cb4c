#include "gateway/server/runtime.hpp"

#include "gateway/server/tls.hpp"

#include <algorithm>
#include <stdexcept>

namespace tg::server {

std::shared_ptr<const Runtime> Runtime::build(std::shared_ptr<const config::Config> config,
                                              const handlers::Registry& registry) {
    auto runtime = std::make_shared<Runtime>(Runtime{config, routing::Router(config->routes), {}, {}, {}, {}, {}});
    for (const auto& [name, upstream] : config->upstreams) {
        runtime->upstreams.push_back(&upstream);
        const bool any_tls = std::any_of(upstream.servers.begin(), upstream.servers.end(),
                                         [](const auto& s) { return s.tls; });
        runtime->upstream_tls.push_back(any_tls ? make_upstream_tls_context(upstream) : nullptr);
    }
    for (const auto& route : config->routes) {
        std::size_t upstream_index = none;
        for (std::size_t i = 0; i < runtime->upstreams.size(); ++i) {
            if (runtime->upstreams[i]->name == route.upstream) upstream_index = i;
        }
        runtime->route_upstream.push_back(upstream_index);
        const handlers::HandlerFactory* factory = nullptr;
        if (!route.handler.empty()) {
            factory = registry.find(route.handler);
            if (!factory) throw std::runtime_error("route " + route.name + ": unknown handler " + route.handler);
        }
        runtime->route_handler.push_back(factory);
    }
    runtime->owned_headers = registry.gateway_owned_headers();
    return runtime;
}

}  // namespace tg::server
