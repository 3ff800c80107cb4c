// The gateway's own error answers: {"error": {"code", "message", "requestId"}},
// never cached. Messages are written by the gateway; an upstream's text is never echoed.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <string_view>

namespace tg {

namespace http = boost::beast::http;

struct ErrorInfo {
    http::status status;
    std::string_view code;
    std::string_view message;
};

http::response<http::string_body> make_error_response(const ErrorInfo& error,
                                                      std::string_view request_id,
                                                      unsigned http_version = 11);

// 400 invalid_request whose message names the problem ("channelId: 1 to 128 characters ...").
http::response<http::string_body> make_invalid_request(std::string_view problem, std::string_view request_id);

namespace errors {
inline constexpr ErrorInfo method_not_allowed{http::status::method_not_allowed, "method_not_allowed",
                                              "this method is not allowed on this path"};
inline constexpr ErrorInfo body_timeout{http::status::request_timeout, "request_timeout",
                                        "the request body did not arrive in time"};
inline constexpr ErrorInfo trace_refused{http::status::method_not_allowed, "method_not_allowed",
                                         "TRACE is refused: it would echo the request, cookies included"};
inline constexpr ErrorInfo underscore_header{http::status::bad_request, "bad_request",
                                             "header names with an underscore are refused"};
inline constexpr ErrorInfo rate_limited{http::status::too_many_requests, "rate_limited",
                                        "too many requests: try again after Retry-After seconds"};
inline constexpr ErrorInfo unsupported_media_type{http::status::unsupported_media_type, "unsupported_media_type",
                                                  "Content-Type must be application/json"};
}

// 405 with the Allow header.
http::response<http::string_body> make_method_not_allowed(std::string_view allow, std::string_view request_id,
                                                          const ErrorInfo& error = errors::method_not_allowed);

// 503 errors::state_unavailable with Retry-After: 1.
http::response<http::string_body> make_state_unavailable(std::string_view request_id);

// A JSON answer of the gateway's own, never cached.
http::response<http::string_body> make_json_response(http::status status, std::string body);

namespace errors {
inline constexpr ErrorInfo not_found{http::status::not_found, "not_found", "no route matches this request"};
inline constexpr ErrorInfo bad_request{http::status::bad_request, "bad_request", "malformed HTTP request"};
inline constexpr ErrorInfo payload_too_large{http::status::payload_too_large, "payload_too_large",
                                             "request body exceeds the configured limit"};
inline constexpr ErrorInfo headers_too_large{http::status::request_header_fields_too_large,
                                             "headers_too_large", "request headers exceed the configured limit"};
inline constexpr ErrorInfo trailers_too_large{http::status::request_header_fields_too_large, "headers_too_large",
                                              "request trailers exceed the configured header limit"};
inline constexpr ErrorInfo bad_chunk{http::status::bad_request, "bad_request",
                                     "malformed chunked body, or a chunk-size line longer than 4096 bytes"};
inline constexpr ErrorInfo upstream_unavailable{http::status::service_unavailable, "upstream_unavailable",
                                                "the upstream service could not be reached"};
inline constexpr ErrorInfo bad_gateway{http::status::bad_gateway, "bad_gateway",
                                       "the upstream service sent an invalid or incomplete response"};
// The gateway's shared state (memory, SQLite or Redis) failed or did not answer in time.
inline constexpr ErrorInfo state_unavailable{http::status::service_unavailable, "upstream_unavailable",
                                             "the gateway's shared state is unavailable: retry later"};
inline constexpr ErrorInfo upstream_timeout{http::status::gateway_timeout, "upstream_timeout",
                                            "the upstream service did not answer in time"};
inline constexpr ErrorInfo internal{http::status::internal_server_error, "internal_error",
                                    "the gateway failed to handle this request"};
}  // namespace errors

}  // namespace tg
