// Header rewriting between client and upstream: hop-by-hop stripping, the route's
// set/remove rules, and the X-Forwarded-* / X-Request-Id headers.
#pragma once

#include "gateway/config/model.hpp"

#include <boost/beast/http/fields.hpp>

#include <map>
#include <string>
#include <string_view>

namespace tg::proxy {

namespace http = boost::beast::http;

// Removes the hop-by-hop headers (RFC 9110 7.6.1) and every header named in
// Connection. Transfer-Encoding and Content-Length are framing: the relay writes
// them itself, so they are removed too and re-added by the caller as needed.
void strip_hop_by_hop(http::fields& fields);

// Applies remove, then set. A set header is removed first in all its spellings, so a
// client can never smuggle its own copy of a value the gateway injects.
void apply_header_rules(http::fields& fields, const config::HeaderRules& rules,
                        const std::map<std::string, config::SecretValue>& secrets);

struct ForwardingInfo {
    std::string_view client_address;
    bool tls = false;
    std::string_view original_host;
    std::string_view request_id;
};

// Sets X-Forwarded-For (replacing any client-sent chain: the gateway is the edge),
// X-Forwarded-Proto, X-Forwarded-Host and X-Request-Id, and removes X-Webhook-Verified,
// which only the gateway may assert.
void set_forwarding_headers(http::fields& fields, const ForwardingInfo& info);

}  // namespace tg::proxy
