// The partner-facing error contract of the token endpoints (see README, "6MM"):
// {"error": {"code", "message", "requestId"}}, Cache-Control: no-store.
#pragma once

#include "gateway/core/error_response.hpp"

namespace tg::sixmm {

namespace errors {
using tg::ErrorInfo;
inline constexpr ErrorInfo session_expired{http::status::unauthorized, "session_expired",
                                           "no valid portal session: sign in again"};
inline constexpr ErrorInfo trading_not_allowed{http::status::forbidden, "trading_not_allowed",
                                               "this user may not trade"};
inline constexpr ErrorInfo origin_not_allowed{http::status::forbidden, "origin_not_allowed",
                                              "requests from this origin are not allowed"};
inline constexpr ErrorInfo method_not_allowed{http::status::method_not_allowed, "method_not_allowed",
                                              "use POST"};
using tg::errors::unsupported_media_type;
inline constexpr ErrorInfo channel_mismatch{http::status::conflict, "channel_mismatch",
                                            "channelId belongs to another user: create a new widget instance"};
inline constexpr ErrorInfo delivery_in_progress{http::status::conflict, "webhook_in_progress",
                                                "the same webhook is being delivered: deliver it again later"};
inline constexpr ErrorInfo upstream_rejected{http::status::bad_gateway, "upstream_rejected",
                                             "the trading platform refused the request"};
inline constexpr ErrorInfo upstream_unavailable{http::status::service_unavailable, "upstream_unavailable",
                                                "the trading platform or the portal is unavailable: retry later"};
inline constexpr ErrorInfo upstream_timeout{http::status::gateway_timeout, "upstream_timeout",
                                            "the trading platform did not answer in time"};
}  // namespace errors

}  // namespace tg::sixmm
