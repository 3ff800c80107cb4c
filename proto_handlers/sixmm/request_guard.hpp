// Cross-site protection for the JSON token endpoints: POST only, a JSON content type
// (a form cannot send one, so form-based CSRF is out), and an Origin, when sent, that
// is the gateway's own or an allowed one. CORS preflight only for allowed origins.
#pragma once

#include "gateway/handlers/handler.hpp"

#include <optional>
#include <string>
#include <vector>

namespace tg::sixmm {

// An error (or the preflight answer) when the request must not go further.
std::optional<handlers::Response> guard_request(const handlers::Request& request,
                                                const std::vector<std::string>& allowed_origins);

// CORS headers for an answer to an allowed cross-origin caller.
void add_cors_headers(const handlers::Request& request, const std::vector<std::string>& allowed_origins,
                      handlers::Response& response);

}  // namespace tg::sixmm
