// Runs the gateway in the test process, on loopback ports chosen at run time.
#pragma once

#include "gateway/config/loader.hpp"
#include "gateway/handlers/handler.hpp"
#include "gateway/server/gateway.hpp"

#include <memory>
#include <string>

namespace tg::test {

// Parses and validates config text; throws std::runtime_error listing the problems.
std::shared_ptr<const config::Config> load_config_text(const std::string& text,
                                                       const handlers::Registry& registry);

class InProcessGateway {
public:
    // `config_text` is a whole config; listeners normally use port 0.
    explicit InProcessGateway(const std::string& config_text, handlers::Registry registry = {});
    ~InProcessGateway();

    std::uint16_t port(const std::string& listener = "public") const { return gateway_->port(listener); }
    // As SIGHUP does it: validates `config_text` and switches the workers to it.
    server::ReloadResult reload(const std::string& config_text);

private:
    handlers::Registry registry_;
    std::unique_ptr<server::Gateway> gateway_;
};

}  // namespace tg::test
