#include "gateway/proxy/header_policy.hpp"

#include <boost/beast/http/rfc7230.hpp>

#include <string>
#include <vector>

namespace tg::proxy {

void strip_hop_by_hop(http::fields& fields) {
    std::vector<std::string> named;
    const auto [first, last] = fields.equal_range(http::field::connection);
    for (auto field = first; field != last; ++field) {
        for (const auto token : http::token_list(field->value())) named.emplace_back(token);
    }
    for (const auto& name : named) fields.erase(name);
    for (const auto f : {http::field::connection, http::field::keep_alive, http::field::proxy_connection,
                         http::field::te, http::field::transfer_encoding,
                         http::field::content_length, http::field::upgrade,
                         http::field::proxy_authenticate, http::field::proxy_authorization}) {
        fields.erase(f);
    }
}

void apply_header_rules(http::fields& fields, const config::HeaderRules& rules,
                        const std::map<std::string, config::SecretValue>& secrets) {
    for (const auto& name : rules.remove) fields.erase(name);
    for (const auto& [name, value] : rules.set) {
        fields.erase(name);
        if (value.secret.empty()) {
            fields.insert(name, value.literal);
        } else {
            fields.insert(name, secrets.at(value.secret).reveal());
        }
    }
}

void set_forwarding_headers(http::fields& fields, const ForwardingInfo& info) {
    // Asserted only by the gateway itself (sixmm.webhook): a client's copy is never passed on.
    fields.erase("X-Webhook-Verified");
    fields.set("X-Forwarded-For", info.client_address);
    fields.set("X-Forwarded-Proto", info.tls ? "https" : "http");
    if (info.original_host.empty()) {
        fields.erase("X-Forwarded-Host");
    } else {
        fields.set("X-Forwarded-Host", info.original_host);
    }
    fields.set("X-Request-Id", info.request_id);
}

}  // namespace tg::proxy
