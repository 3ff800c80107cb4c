#pragma once

#include "sandbox/common/http_types.hpp"

#include <boost/json/object.hpp>

namespace tg::sandbox {

// What arrived, for checking what a proxy forwarded:
// {"method","target","version","headers":[{"name","value"},...],"bodyLength"}.
// Headers stay a list so that order and repeated fields are visible.
boost::json::object describe_request(const Request& request);

}  // namespace tg::sandbox
