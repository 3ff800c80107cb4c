#include "proto_handlers/sixmm/errors.hpp"

namespace tg::sixmm {

handlers::Response error_response(const ErrorInfo& error, std::string_view request_id) {
    return make_error_response(error, request_id);
}

handlers::Response invalid_request(const std::string& problem, std::string_view request_id) {
    return make_error_response({http::status::bad_request, "invalid_request", problem}, request_id);
}

}  // namespace tg::sixmm
