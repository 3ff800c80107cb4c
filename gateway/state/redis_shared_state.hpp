// SharedState on Redis, for several replicas: every key is "<key_prefix><key>", values
// are strings with a PX expiry, a claim and a compare-and-delete are Lua scripts (one
// atomic step at the server). See redis_client.hpp for the connection.
#pragma once

#include "gateway/state/redis_client.hpp"
#include "gateway/state/shared_state.hpp"

namespace tg::state {

class RedisSharedState final : public SharedState {
public:
    RedisSharedState(config::RedisSettings settings, std::string password);

    asio::awaitable<Result<std::optional<std::string>>> get(std::string key) override;
    asio::awaitable<Result<std::vector<std::optional<std::string>>>> get_many(std::vector<std::string> keys) override;
    asio::awaitable<Result<void>> put(std::string key, std::string value, millis ttl) override;
    asio::awaitable<Result<bool>> put_if_absent(std::string key, std::string value, millis ttl) override;
    asio::awaitable<Result<bool>> put_if_equal(std::string key, std::string expected, std::string value,
                                              millis ttl) override;
    asio::awaitable<Result<bool>> claim(std::string key, std::string owner, millis ttl) override;
    asio::awaitable<Result<bool>> remove_if(std::string key, std::string expected) override;
    asio::awaitable<Result<bool>> remove(std::string key) override;
    asio::awaitable<Result<void>> set_add(std::string key, std::string member) override;
    asio::awaitable<Result<bool>> set_remove(std::string key, std::string member) override;
    asio::awaitable<Result<std::vector<std::string>>> set_members(std::string key) override;
    asio::awaitable<Result<std::size_t>> set_size(std::string key) override;
    asio::awaitable<Result<std::vector<std::string>>> set_take(std::string key, std::size_t count) override;
    std::string_view backend() const override { return "redis"; }

    void start(const config::Config& config) override;
    void stop() override;
    std::vector<std::string> needs_restart(const config::Config&) const override { return {}; }
    std::string not_ready_reason() const override;
    void append_metrics(std::string& out) const override;

private:
    // The command's reply, or why there is none: an error reply is logged (its text is
    // Redis's own, never a key or value) and becomes Errc::unavailable.
    asio::awaitable<Result<RedisReply>> call(const char* what, std::vector<std::string> arguments);
    // An integer reply as a bool (1: done).
    asio::awaitable<Result<bool>> call_for_flag(const char* what, std::vector<std::string> arguments);
    // An array reply's strings (none for a missing key).
    asio::awaitable<Result<std::vector<std::string>>> call_for_strings(const char* what,
                                                                      std::vector<std::string> arguments);

    std::string prefix_;
    RedisClient client_;
    std::atomic<std::uint64_t> calls_{0};
    std::atomic<std::uint64_t> failures_{0};
};

}  // namespace tg::state
