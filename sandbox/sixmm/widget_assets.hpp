#pragma once

#include <string>
#include <string_view>

namespace tg::sandbox::sixmm {

// GET /sdk/trading-widget/v1/index.js: defines window.TradingWidget.create(options) with
// the partner-token and agent-sso flows (widget_sdk.cpp).
std::string_view widget_sdk_script();

// GET /widget/frame: the iframe side of partner-token mode. The query values shown on
// the page are HTML-escaped; the script reads them from location.search (widget_pages.cpp).
std::string widget_frame_page(std::string_view channel_id, std::string_view symbol);

// GET /agent-entry?ticket=...: exchanges the one-time ticket and tells the parent window.
std::string agent_entry_page();

}  // namespace tg::sandbox::sixmm
