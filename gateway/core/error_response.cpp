#include "gateway/core/error_response.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace tg {

http::response<http::string_body> make_error_response(const ErrorInfo& error,
                                                      std::string_view request_id,
                                                      unsigned http_version) {
    boost::json::value body = {{"error",
                                {{"code", error.code},
                                 {"message", error.message},
                                 {"requestId", request_id}}}};
    http::response<http::string_body> response{error.status, http_version};
    response.set(http::field::content_type, "application/json");
    response.set(http::field::cache_control, "no-store");
    if (error.status == http::status::service_unavailable) response.set(http::field::retry_after, "1");
    response.body() = boost::json::serialize(body);
    response.prepare_payload();
    return response;
}

http::response<http::string_body> make_invalid_request(std::string_view problem, std::string_view request_id) {
    return make_error_response({http::status::bad_request, "invalid_request", problem}, request_id);
}

http::response<http::string_body> make_method_not_allowed(std::string_view allow, std::string_view request_id,
                                                          const ErrorInfo& error) {
    auto response = make_error_response(error, request_id);
    response.set(http::field::allow, allow);
    return response;
}

http::response<http::string_body> make_state_unavailable(std::string_view request_id) {
    auto response = make_error_response(errors::state_unavailable, request_id);
    response.set(http::field::retry_after, "1");
    return response;
}

http::response<http::string_body> make_json_response(http::status status, std::string body) {
    http::response<http::string_body> response{status, 11};
    response.set(http::field::content_type, "application/json");
    response.set(http::field::cache_control, "no-store");
    response.body() = std::move(body);
    return response;
}

}  // namespace tg
