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

}  // namespace tg
