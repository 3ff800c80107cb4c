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
#include <set>
#include <string>
#include <string_view>

namespace tg::handlers {

namespace http = boost::beast::http;

struct Request {
    const http::request<http::string_body>& message;
    std::string_view request_id;
    std::string_view client_address;
    bool tls = false;
};

using Response = http::response<http::string_body>;

class Handler {
public:
    virtual ~Handler() = default;
    virtual boost::asio::awaitable<Response> handle(const Request& request) = 0;
};

}  // namespace tg::handlers

namespace tg::proxy {
class UpstreamPool;
}

namespace tg::handlers {

// The worker's pool for a named upstream (null if there is none). A handler instance
// may keep the pointer: pools live as long as the generation that made the handler.
using UpstreamLookup = std::function<proxy::UpstreamPool*(const std::string& upstream_name)>;

struct HandlerSetup {
    const config::Config& config;
    const config::Route& route;
    UpstreamLookup upstream;
};

using HandlerFactory = std::function<std::unique_ptr<Handler>(const HandlerSetup&)>;

class Registry {
public:
    // Names are unique; adding a name twice is a programming error and throws.
    void add(const std::string& name, HandlerFactory factory);
    const HandlerFactory* find(std::string_view name) const;
    std::set<std::string> names() const;

    // A top-level config section owned by a module (e.g. "sixmm"), validated with the rest.
    void add_section(const std::string& name, config::SectionValidator validator);
    const std::map<std::string, config::SectionValidator>& sections() const { return sections_; }

private:
    std::map<std::string, HandlerFactory, std::less<>> factories_;
    std::map<std::string, config::SectionValidator> sections_;
};

}  // namespace tg::handlers
