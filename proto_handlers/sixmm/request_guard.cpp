#include "proto_handlers/sixmm/request_guard.hpp"

#include "gateway/handlers/media_type.hpp"
#include "gateway/handlers/origin.hpp"
#include "proto_handlers/sixmm/errors.hpp"

namespace tg::sixmm {
namespace {

bool is_own_origin(const handlers::Request& request, std::string_view origin) {
    return handlers::is_own_origin(request.message, request.tls, origin);
}

handlers::Response method_not_allowed(const handlers::Request& request) {
    return make_method_not_allowed("POST, OPTIONS", request.request_id, errors::method_not_allowed);
}

}  // namespace

std::optional<handlers::Response> guard_request(const handlers::Request& request,
                                                const std::vector<std::string>& allowed_origins) {
    const auto& message = request.message;
    const std::string_view origin = message[http::field::origin];
    const bool cross_origin = !origin.empty() && !is_own_origin(request, origin);
    if (cross_origin && !handlers::is_listed_origin(allowed_origins, origin)) {
        return make_error_response(errors::origin_not_allowed, request.request_id);
    }
    if (message.method() == http::verb::options) {
        if (!cross_origin) return method_not_allowed(request);
        handlers::Response preflight{http::status::no_content, 11};
        add_cors_headers(request, allowed_origins, preflight);
        preflight.set(http::field::access_control_allow_methods, "POST");
        preflight.set(http::field::access_control_allow_headers, "Content-Type");
        preflight.set(http::field::access_control_max_age, "600");
        return preflight;
    }
    if (message.method() != http::verb::post) return method_not_allowed(request);
    if (!handlers::has_json_content_type(message)) {
        return make_error_response(errors::unsupported_media_type, request.request_id);
    }
    return std::nullopt;
}

void add_cors_headers(const handlers::Request& request, const std::vector<std::string>& allowed_origins,
                      handlers::Response& response) {
    const std::string_view origin = request.message[http::field::origin];
    if (origin.empty() || is_own_origin(request, origin) || !handlers::is_listed_origin(allowed_origins, origin)) return;
    response.set(http::field::access_control_allow_origin, origin);
    response.set(http::field::access_control_allow_credentials, "true");
    response.set(http::field::vary, "Origin");
}

}  // namespace tg::sixmm
