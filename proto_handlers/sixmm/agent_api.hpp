// Signed calls to the 6MM Agent API (POST, JSON body carrying agentCode, timestamp,
// nonce and sign). Answers are read as flat {code, message, ...}, with a `data` wrapper
// unwrapped and unknown fields ignored. 6MM's own message is logged, never returned.
#pragma once

#include "gateway/core/asio_aliases.hpp"
#include "gateway/proxy/upstream_pool.hpp"

#include <boost/json/object.hpp>

#include <string>

namespace tg::sixmm {

struct AgentResult {
    enum class Kind {
        ok,           // code 0
        rejected,     // a business code other than 0
        unavailable,  // not reachable, 5xx, or an answer that is not an Agent API answer
        timeout,      // sent, no answer in time
    };
    Kind kind = Kind::unavailable;
    boost::json::object fields;  // the answer, `data` unwrapped
    std::int64_t code = 0;
};

class AgentApi {
public:
    AgentApi(proxy::UpstreamPool& pool, std::string agent_code, std::string api_secret)
        : pool_(pool), agent_code_(std::move(agent_code)), api_secret_(std::move(api_secret)) {}

    // Not retried once it may have reached 6MM: tokens are one-time.
    asio::awaitable<AgentResult> call(std::string_view path, boost::json::object business_fields,
                                      std::string_view request_id);

private:
    proxy::UpstreamPool& pool_;
    std::string agent_code_;
    std::string api_secret_;
};

}  // namespace tg::sixmm
