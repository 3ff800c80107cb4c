#include "proto_handlers/dxtrade/admin_endpoints.hpp"

#include "gateway/core/error_response.hpp"
#include "gateway/handlers/media_type.hpp"
#include "proto_handlers/dxtrade/service.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>

namespace tg::dxtrade {
namespace {

constexpr std::string_view sessions_path = "/admin/dxtrade/sessions";
constexpr std::string_view logout_path = "/admin/dxtrade/logout";
constexpr std::size_t max_listed_users = 1000;

handlers::Response json_answer(const boost::json::object& body) {
    return make_json_response(http::status::ok, boost::json::serialize(body));
}

std::string non_empty_string(const boost::json::object& body, std::string_view key) {
    const auto* value = body.if_contains(key);
    return value && value->is_string() ? std::string(value->get_string()) : std::string();
}

class AdminHandler final : public handlers::Handler {
public:
    explicit AdminHandler(DxtradeService& service) : service_(service) {}

    asio::awaitable<handlers::Response> handle(const handlers::Request& request) override {
        const auto target = boost::urls::parse_origin_form(request.message.target());
        if (!target) co_return make_invalid_request("the request target is not a valid path", request.request_id);
        if (target->path() == sessions_path) co_return co_await list_sessions(request, *target);
        co_return co_await log_out(request);
    }

private:
    asio::awaitable<handlers::Response> list_sessions(const handlers::Request& request,
                                                      const boost::urls::url_view& target) {
        const auto method = request.message.method();
        if (method != http::verb::get && method != http::verb::head) co_return make_method_not_allowed("GET, HEAD", request.request_id);
        std::string login, domain;
        for (const auto& param : target.params()) {
            if (param.key == "login") login = param.value;
            else if (param.key == "domain") domain = param.value;
        }
        if (login.empty() && !domain.empty()) co_return make_invalid_request("domain: give login too", request.request_id);
        auto summary = co_await service_.summary(login, domain, max_listed_users);
        if (!summary) {
            co_return make_error_response({http::status::service_unavailable, "not_answering",
                                           "the DXtrade keepalive thread did not answer in time"},
                                          request.request_id);
        }
        co_return json_answer(std::move(*summary));
    }

    asio::awaitable<handlers::Response> log_out(const handlers::Request& request) {
        if (request.message.method() != http::verb::post) co_return make_method_not_allowed("POST", request.request_id);
        if (!handlers::has_json_content_type(request.message)) {
            co_return make_error_response(errors::unsupported_media_type, request.request_id);
        }
        boost::system::error_code ec;
        const auto parsed = boost::json::parse(request.message.body(), ec);
        if (ec || !parsed.is_object()) {
            co_return make_invalid_request("the body must be a JSON object {\"login\", \"domain\"}", request.request_id);
        }
        const auto login = non_empty_string(parsed.get_object(), "login");
        const auto domain = non_empty_string(parsed.get_object(), "domain");
        if (login.empty()) co_return make_invalid_request("login: expected a non-empty string", request.request_id);
        if (domain.empty()) co_return make_invalid_request("domain: expected a non-empty string", request.request_id);
        if (!service_.running()) {
            co_return make_error_response({http::status::service_unavailable, "not_running",
                                           "the DXtrade service is not running (no \"dxtrade\" section at start)"},
                                          request.request_id);
        }
        const std::string request_id(request.request_id);
        const auto wait = service_.logout_wait();
        const auto outcome = co_await service_.log_out(login, domain, request_id, wait);
        co_return json_answer({{"sessions", outcome.sessions},
                               {"loggedOut", outcome.ended},
                               {"queued", outcome.queued},
                               {"finished", outcome.finished}});
    }

    DxtradeService& service_;
};

}  // namespace

bool is_admin_path(std::string_view path) { return path == sessions_path || path == logout_path; }

std::unique_ptr<handlers::Handler> make_admin_handler(DxtradeService& service) {
    return std::make_unique<AdminHandler>(service);
}

}  // namespace tg::dxtrade
