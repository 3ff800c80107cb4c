#include "tests/support/gateway_fixture.hpp"

#include <stdexcept>

namespace tg::test {

std::shared_ptr<const config::Config> load_config_text(const std::string& text,
                                                       const handlers::Registry& registry) {
    config::LoadOptions options;
    options.handler_names = registry.names();
    options.sections = registry.sections();
    options.base_dir = ".";
    auto result = config::load_text(text, "test-config", options);
    if (!result.ok()) {
        std::string message = "invalid test config:";
        for (const auto& problem : result.problems) message += "\n  " + config::to_string(problem);
        throw std::runtime_error(message);
    }
    return result.config;
}

InProcessGateway::InProcessGateway(const std::string& config_text, handlers::Registry registry)
    : registry_(std::move(registry)) {
    gateway_ = std::make_unique<server::Gateway>(load_config_text(config_text, registry_), registry_);
    gateway_->start();
}

InProcessGateway::~InProcessGateway() { gateway_->stop(); }

server::ReloadResult InProcessGateway::reload(const std::string& config_text) {
    return gateway_->reload(load_config_text(config_text, registry_));
}

}  // namespace tg::test
