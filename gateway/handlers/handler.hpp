// A handler serves a route itself instead of proxying it (e.g. "sixmm.embed_token").
// Handlers know nothing of sockets: they get the request with its body read, and
// answer a response. Each worker makes its own instance per route, so an instance
// is only ever used from one thread.
#pragma once

#include "gateway/config/loader.hpp"
#include "gateway/config/model.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace tg::handlers {

namespace http = boost::beast::http;

struct Request {
    const http::request<http::string_body>& message;
    std::string_view request_id;
    std::string_view client_address;
    bool tls = false;
};

using Response = http::response<http::string_body>;

// The head of a request that will be proxied; its body is still unread.
struct RequestHead {
    const http::request_header<>& header;
    std::string_view request_id;
    std::string_view client_address;
    bool tls = false;
};

class Handler {
public:
    virtual ~Handler() = default;
    virtual boost::asio::awaitable<Response> handle(const Request& request) = 0;

    // A handler on a route that also names an upstream can instead act before the
    // request is proxied as usual (e.g. dxtrade.logout ends the DXtrade sessions, then
    // the portal logs the user out): when this is true, before_proxy() is called instead
    // of handle(), and the request goes upstream unless it answers.
    virtual bool acts_before_proxy() const { return false; }
    virtual boost::asio::awaitable<std::optional<Response>> before_proxy(const RequestHead& head);
};

}  // namespace tg::handlers

namespace tg::proxy {
class UpstreamPool;
}
namespace tg::state {
class SharedState;
}

namespace tg::handlers {

// The worker's pool for a named upstream (null if there is none). A handler instance
// may keep the pointer: pools live as long as the generation that made the handler.
using UpstreamLookup = std::function<proxy::UpstreamPool*(const std::string& upstream_name)>;

struct HandlerSetup {
    const config::Config& config;
    const config::Route& route;
    UpstreamLookup upstream;
    // The process's shared state (gateway/state/shared_state.hpp); lives as long as the
    // gateway. Null only where no gateway runs (tests of a config alone).
    state::SharedState* shared_state = nullptr;
};

// The pool of the named upstream; throws std::runtime_error naming the route if there is none.
proxy::UpstreamPool& upstream_pool(const HandlerSetup& setup, const std::string& upstream_name);
// The shared state; throws std::runtime_error naming the route where there is none.
state::SharedState& shared_state(const HandlerSetup& setup);

using HandlerFactory = std::function<std::unique_ptr<Handler>(const HandlerSetup&)>;

class Service;

class Registry {
public:
    // Names are unique; adding a name twice is a programming error and throws.
    void add(const std::string& name, HandlerFactory factory);
    const HandlerFactory* find(std::string_view name) const;
    std::set<std::string> names() const;

    // A top-level config section owned by a module (e.g. "sixmm"), validated with the rest.
    void add_section(const std::string& name, config::SectionValidator validator);
    const std::map<std::string, config::SectionValidator>& sections() const { return sections_; }

    // A request header only the gateway may set (a module's assertion to the upstream,
    // such as sixmm.webhook's X-Webhook-Verified): dropped from every client request,
    // headers and trailers, on every route.
    void add_gateway_owned_header(std::string name) { owned_headers_.push_back(std::move(name)); }
    const std::vector<std::string>& gateway_owned_headers() const { return owned_headers_; }

    // A process-wide service (see service.hpp), started and stopped with the gateway.
    void add_service(std::shared_ptr<Service> service) { services_.push_back(std::move(service)); }
    const std::vector<std::shared_ptr<Service>>& services() const { return services_; }

private:
    std::map<std::string, HandlerFactory, std::less<>> factories_;
    std::map<std::string, config::SectionValidator> sections_;
    std::vector<std::shared_ptr<Service>> services_;
    std::vector<std::string> owned_headers_;
};

}  // namespace tg::handlers
