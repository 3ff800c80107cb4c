#include "gateway/handlers/handler.hpp"

#include <stdexcept>

namespace tg::handlers {

boost::asio::awaitable<std::optional<Response>> Handler::before_proxy(const RequestHead&) {
    co_return std::nullopt;
}

proxy::UpstreamPool& upstream_pool(const HandlerSetup& setup, const std::string& upstream_name) {
    auto* pool = setup.upstream(upstream_name);
    if (!pool) throw std::runtime_error("route " + setup.route.name + ": no upstream named " + upstream_name);
    return *pool;
}

state::SharedState& shared_state(const HandlerSetup& setup) {
    if (!setup.shared_state) throw std::runtime_error("route " + setup.route.name + ": no shared state to keep its state in");
    return *setup.shared_state;
}

void Registry::add(const std::string& name, HandlerFactory factory) {
    if (!factories_.emplace(name, std::move(factory)).second) {
        throw std::logic_error("handler registered twice: " + name);
    }
}

const HandlerFactory* Registry::find(std::string_view name) const {
    const auto it = factories_.find(name);
    return it == factories_.end() ? nullptr : &it->second;
}

void Registry::add_section(const std::string& name, config::SectionValidator validator) {
    if (!sections_.emplace(name, std::move(validator)).second) {
        throw std::logic_error("config section registered twice: " + name);
    }
}

std::set<std::string> Registry::names() const {
    std::set<std::string> names;
    for (const auto& [name, factory] : factories_) names.insert(name);
    return names;
}

}  // namespace tg::handlers
