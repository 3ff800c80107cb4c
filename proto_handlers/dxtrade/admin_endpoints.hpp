// The DXtrade admin endpoints, on the admin listener only:
//   GET  /admin/dxtrade/sessions[?login=L[&domain=D]]  counts and per-user summaries (never tokens)
//   POST /admin/dxtrade/logout  {"login", "domain"}    ends that user's DXtrade sessions
#pragma once

#include "gateway/handlers/handler.hpp"

#include <memory>
#include <string_view>

namespace tg::dxtrade {

class DxtradeService;

bool is_admin_path(std::string_view path);

// Thread-safe: one instance serves every worker.
std::unique_ptr<handlers::Handler> make_admin_handler(DxtradeService& service);

}  // namespace tg::dxtrade
