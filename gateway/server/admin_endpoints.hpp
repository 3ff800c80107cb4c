// The admin listener's endpoints: /healthz, /readyz, /metrics. They are served only
// on listeners marked "admin"; a public listener routes these paths like any other.
#pragma once

#include "gateway/core/asio_aliases.hpp"
#include "gateway/server/shared_state.hpp"

#include <string_view>

namespace tg::server {

http::response<http::string_body> answer_admin(const GatewayShared& shared, std::string_view path,
                                               http::verb method, std::string_view request_id);

}  // namespace tg::server
