// A handler serves a route itself instead of proxying it (e.g. "sixmm.embed_token").
// Handlers know nothing of sockets: they get the request with its body read, and
// answer a response. Each worker makes its own instance per route, so an instance
// is only ever used from one thread.
#pragma once

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

struct HandlerSetup {
    const config::Config& config;
    const config::Route& route;
};

using HandlerFactory = std::function<std::unique_ptr<Handler>(const HandlerSetup&)>;

class Registry {
public:
    // Names are unique; adding a name twice is a programming error and throws.
    void add(const std::string& name, HandlerFactory factory);
    const HandlerFactory* find(std::string_view name) const;
    std::set<std::string> names() const;

private:
    std::map<std::string, HandlerFactory, std::less<>> factories_;
};

}  // namespace tg::handlers
