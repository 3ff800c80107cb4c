#include "proto_handlers/sixmm/agent_api.hpp"

#include "gateway/client/outbound.hpp"
#include "gateway/core/log.hpp"
#include "gateway/core/time_format.hpp"
#include "proto_handlers/sixmm/signing.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <chrono>

namespace tg::sixmm {

asio::awaitable<AgentResult> AgentApi::call(std::string_view path, boost::json::object business_fields,
                                            std::string_view request_id) {
    const auto now = unix_seconds_now();
    const auto body = signed_body(std::move(business_fields), agent_code_, api_secret_, now, random_nonce());
    http::request<http::string_body> request{http::verb::post, std::string(path), 11};
    request.set(http::field::content_type, "application/json");
    request.set(http::field::accept, "application/json");
    request.set("X-Request-ID", request_id);
    request.body() = boost::json::serialize(body);

    AgentResult result;
    const auto answer = co_await client::call(pool_, std::move(request));
    if (!answer.ok()) {
        result.kind = answer.outcome == client::CallResult::Outcome::timeout ? AgentResult::Kind::timeout
                                                                               : AgentResult::Kind::unavailable;
        log::warn("request ", request_id, ": 6MM ", path, " failed: ",
                  result.kind == AgentResult::Kind::timeout ? "no answer in time" : "unreachable");
        co_return result;
    }
    const auto status = answer.response.result_int();
    boost::system::error_code ec;
    auto json = boost::json::parse(answer.response.body(), ec);
    if (status >= 500 || ec || !json.is_object() || !json.as_object().contains("code")) {
        log::warn("request ", request_id, ": 6MM ", path, " answered HTTP ", status, " without an Agent API body");
        result.kind = status >= 500 || status < 400 ? AgentResult::Kind::unavailable : AgentResult::Kind::rejected;
        co_return result;
    }
    auto& object = json.as_object();
    boost::system::error_code number_ec;
    result.code = object["code"].to_number<std::int64_t>(number_ec);
    if (number_ec) result.code = -1;
    if (auto* data = object.if_contains("data"); data && data->is_object()) {
        // Move the wrapper out before merging: inserting into `object` may free it.
        auto inner = std::move(data->as_object());
        object.erase("data");
        for (auto& [key, value] : inner) object.insert_or_assign(key, std::move(value));
    }
    const auto* message = object.if_contains("message");
    if (result.code != 0) {
        log::warn("request ", request_id, ": 6MM ", path, " rejected it: code ", result.code, ", message \"",
                  message && message->is_string() ? std::string(message->get_string()) : std::string(), "\"");
        result.kind = AgentResult::Kind::rejected;
        co_return result;
    }
    result.kind = AgentResult::Kind::ok;
    result.fields = std::move(object);
    co_return result;
}

}  // namespace tg::sixmm
