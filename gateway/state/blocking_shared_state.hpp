// SharedState over a BlockingStore: the memory backend answers in the caller's turn, the
// SQLite one on a StoreThread (so a worker never waits on the disk). Expired entries are
// swept at most once a minute, on the way of a call.
#pragma once

#include "gateway/state/blocking_store.hpp"
#include "gateway/state/shared_state.hpp"
#include "gateway/state/store_thread.hpp"

#include <atomic>
#include <memory>

namespace tg::state {

class BlockingSharedState final : public SharedState {
public:
    // memory: calls run in the caller's turn. sqlite: on a thread of its own.
    static std::unique_ptr<SharedState> memory();
    static std::unique_ptr<SharedState> sqlite(std::string path);

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
    std::string_view backend() const override { return backend_; }

    void start(const config::Config& config) override;
    void stop() override;
    std::vector<std::string> needs_restart(const config::Config&) const override { return {}; }
    std::string not_ready_reason() const override;
    void append_metrics(std::string& out) const override;

private:
    BlockingSharedState(std::string_view backend, std::string path);

    // `work(store, now_ms)` where the backend runs it; a thrown error is logged and
    // becomes Errc::unavailable.
    template <class Work>
    auto run(const char* what, Work work)
        -> asio::awaitable<Result<std::invoke_result_t<Work&, BlockingStore&, std::int64_t>>>;
    void sweep_now_and_then(std::int64_t now_ms);

    std::string_view backend_;
    std::string path_;
    std::unique_ptr<BlockingStore> inline_store_;               // memory
    std::unique_ptr<StoreThread<BlockingStore>> store_thread_;  // sqlite, from start()
    std::atomic<std::int64_t> next_sweep_ms_{0};
    std::atomic<std::uint64_t> calls_{0};
    std::atomic<std::uint64_t> failures_{0};
};

}  // namespace tg::state
