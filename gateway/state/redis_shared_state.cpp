#include "gateway/state/redis_shared_state.hpp"

#include "gateway/core/log.hpp"

#include <hiredis/hiredis.h>

namespace tg::state {
namespace {

// KEYS[1] key, ARGV[1] owner, ARGV[2] ttl ms
constexpr const char* claim_script =
    "local v = redis.call('GET', KEYS[1]) "
    "if v == false or v == ARGV[1] then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end "
    "return 0";
// KEYS[1] key, ARGV[1] expected, ARGV[2] value, ARGV[3] ttl ms
constexpr const char* put_if_equal_script =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) return 1 end "
    "return 0";
// KEYS[1] key, ARGV[1] expected
constexpr const char* remove_if_script =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

std::string ttl_text(millis ttl) { return std::to_string(std::max<std::int64_t>(1, ttl.count())); }

}  // namespace

RedisSharedState::RedisSharedState(config::RedisSettings settings, std::string password)
    : prefix_(settings.key_prefix), client_(std::move(settings), std::move(password)) {}

void RedisSharedState::start(const config::Config&) { client_.start(); }
void RedisSharedState::stop() { client_.stop(); }

std::string RedisSharedState::not_ready_reason() const {
    if (client_.connected()) return {};
    return "shared state (redis): " + client_.problem();
}

void RedisSharedState::append_metrics(std::string& out) const {
    const auto failed = failures_.load(std::memory_order_relaxed);
    out += "# HELP tg_shared_state_calls_total Calls to the shared state, by backend and result.\n"
           "# TYPE tg_shared_state_calls_total counter\n"
           "tg_shared_state_calls_total{backend=\"redis\",result=\"ok\"} " +
           std::to_string(calls_.load(std::memory_order_relaxed) - failed) +
           "\n"
           "tg_shared_state_calls_total{backend=\"redis\",result=\"failed\"} " +
           std::to_string(failed) +
           "\n"
           "# HELP tg_shared_state_connected Whether the gateway holds a connection to Redis.\n"
           "# TYPE tg_shared_state_connected gauge\n"
           "tg_shared_state_connected " +
           std::string(client_.connected() ? "1" : "0") +
           "\n"
           "# HELP tg_shared_state_reconnects_total Redis connections lost.\n"
           "# TYPE tg_shared_state_reconnects_total counter\n"
           "tg_shared_state_reconnects_total " +
           std::to_string(client_.reconnects()) +
           "\n"
           "# HELP tg_shared_state_timeouts_total Redis commands not answered within the command timeout.\n"
           "# TYPE tg_shared_state_timeouts_total counter\n"
           "tg_shared_state_timeouts_total " +
           std::to_string(client_.timeouts()) + "\n";
}

asio::awaitable<Result<RedisReply>> RedisSharedState::call(const char* what, std::vector<std::string> arguments) {
    calls_.fetch_add(1, std::memory_order_relaxed);
    auto reply = co_await client_.command(std::move(arguments));
    if (reply && (*reply)->type == REDIS_REPLY_ERROR) {
        log::warn("shared state (redis): ", what, " refused: ", std::string_view((*reply)->str, (*reply)->len));
        reply = failed<RedisReply>(make_error_code(Errc::unavailable));
    }
    if (!reply) failures_.fetch_add(1, std::memory_order_relaxed);
    co_return reply;
}

asio::awaitable<Result<bool>> RedisSharedState::call_for_flag(const char* what, std::vector<std::string> arguments) {
    auto reply = co_await call(what, std::move(arguments));
    if (!reply) co_return failed<bool>(reply.error());
    co_return (*reply)->type == REDIS_REPLY_INTEGER && (*reply)->integer == 1;
}

asio::awaitable<Result<std::vector<std::string>>> RedisSharedState::call_for_strings(
    const char* what, std::vector<std::string> arguments) {
    auto reply = co_await call(what, std::move(arguments));
    if (!reply) co_return failed<std::vector<std::string>>(reply.error());
    std::vector<std::string> strings;
    if ((*reply)->type == REDIS_REPLY_NIL) co_return strings;  // no such key
    if ((*reply)->type != REDIS_REPLY_ARRAY) {
        // What a command took out must not vanish unread: a failure, as get_many does.
        co_return failed<std::vector<std::string>>(make_error_code(Errc::unavailable));
    }
    strings.reserve((*reply)->elements);
    for (std::size_t i = 0; i < (*reply)->elements; ++i) {
        const auto* element = (*reply)->element[i];
        if (element->type == REDIS_REPLY_STRING) strings.emplace_back(element->str, element->len);
    }
    co_return strings;
}

asio::awaitable<Result<std::optional<std::string>>> RedisSharedState::get(std::string key) {
    std::vector<std::string> arguments{"GET", prefix_ + key};
    auto reply = co_await call("GET", std::move(arguments));
    if (!reply) co_return failed<std::optional<std::string>>(reply.error());
    if ((*reply)->type != REDIS_REPLY_STRING) co_return std::optional<std::string>();
    co_return std::optional<std::string>(std::string((*reply)->str, (*reply)->len));
}

asio::awaitable<Result<std::vector<std::optional<std::string>>>> RedisSharedState::get_many(
    std::vector<std::string> keys) {
    using Values = std::vector<std::optional<std::string>>;
    if (keys.empty()) co_return Values();
    std::vector<std::string> arguments{"MGET"};
    arguments.reserve(keys.size() + 1);
    for (auto& key : keys) arguments.push_back(prefix_ + key);
    auto reply = co_await call("MGET", std::move(arguments));
    if (!reply) co_return failed<Values>(reply.error());
    if ((*reply)->type != REDIS_REPLY_ARRAY || (*reply)->elements != keys.size()) {
        co_return failed<Values>(make_error_code(Errc::unavailable));
    }
    Values values;
    values.reserve(keys.size());
    for (std::size_t i = 0; i < (*reply)->elements; ++i) {
        const auto* element = (*reply)->element[i];
        if (element->type == REDIS_REPLY_STRING) {
            values.emplace_back(std::string(element->str, element->len));
        } else {
            values.emplace_back();
        }
    }
    co_return values;
}

asio::awaitable<Result<void>> RedisSharedState::put(std::string key, std::string value, millis ttl) {
    std::vector<std::string> arguments{"SET", prefix_ + key, std::move(value), "PX", ttl_text(ttl)};
    auto reply = co_await call("SET", std::move(arguments));
    if (!reply) co_return failed<void>(reply.error());
    co_return Result<void>();
}

asio::awaitable<Result<bool>> RedisSharedState::put_if_absent(std::string key, std::string value, millis ttl) {
    std::vector<std::string> arguments{"SET", prefix_ + key, std::move(value), "NX", "PX", ttl_text(ttl)};
    auto reply = co_await call("SET NX", std::move(arguments));
    if (!reply) co_return failed<bool>(reply.error());
    co_return (*reply)->type == REDIS_REPLY_STATUS;  // "OK"; nil when the key was there
}

asio::awaitable<Result<bool>> RedisSharedState::put_if_equal(std::string key, std::string expected, std::string value,
                                                              millis ttl) {
    std::vector<std::string> arguments{"EVAL", put_if_equal_script, "1", prefix_ + key, std::move(expected),
                                       std::move(value), ttl_text(ttl)};
    co_return co_await call_for_flag("put_if_equal", std::move(arguments));
}

asio::awaitable<Result<bool>> RedisSharedState::claim(std::string key, std::string owner, millis ttl) {
    std::vector<std::string> arguments{"EVAL", claim_script, "1", prefix_ + key, std::move(owner), ttl_text(ttl)};
    co_return co_await call_for_flag("claim", std::move(arguments));
}

asio::awaitable<Result<bool>> RedisSharedState::remove_if(std::string key, std::string expected) {
    std::vector<std::string> arguments{"EVAL", remove_if_script, "1", prefix_ + key, std::move(expected)};
    co_return co_await call_for_flag("remove_if", std::move(arguments));
}

asio::awaitable<Result<bool>> RedisSharedState::remove(std::string key) {
    std::vector<std::string> arguments{"DEL", prefix_ + key};
    co_return co_await call_for_flag("DEL", std::move(arguments));
}

asio::awaitable<Result<void>> RedisSharedState::set_add(std::string key, std::string member) {
    std::vector<std::string> arguments{"SADD", prefix_ + key, std::move(member)};
    auto reply = co_await call("SADD", std::move(arguments));
    if (!reply) co_return failed<void>(reply.error());
    co_return Result<void>();
}

asio::awaitable<Result<bool>> RedisSharedState::set_remove(std::string key, std::string member) {
    std::vector<std::string> arguments{"SREM", prefix_ + key, std::move(member)};
    co_return co_await call_for_flag("SREM", std::move(arguments));
}

asio::awaitable<Result<std::vector<std::string>>> RedisSharedState::set_members(std::string key) {
    std::vector<std::string> arguments{"SMEMBERS", prefix_ + key};
    co_return co_await call_for_strings("SMEMBERS", std::move(arguments));
}

asio::awaitable<Result<std::vector<std::string>>> RedisSharedState::set_take(std::string key, std::size_t count) {
    if (count == 0) co_return std::vector<std::string>();
    std::vector<std::string> arguments{"SPOP", prefix_ + key, std::to_string(count)};
    co_return co_await call_for_strings("SPOP", std::move(arguments));
}

asio::awaitable<Result<std::size_t>> RedisSharedState::set_size(std::string key) {
    std::vector<std::string> arguments{"SCARD", prefix_ + key};
    auto reply = co_await call("SCARD", std::move(arguments));
    if (!reply) co_return failed<std::size_t>(reply.error());
    if ((*reply)->type != REDIS_REPLY_INTEGER || (*reply)->integer < 0) co_return std::size_t{0};
    co_return static_cast<std::size_t>((*reply)->integer);
}

}  // namespace tg::state
