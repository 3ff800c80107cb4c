#include "gateway/state/blocking_shared_state.hpp"

#include "gateway/core/log.hpp"
#include "gateway/state/memory_store.hpp"
#include "gateway/state/sqlite_store.hpp"

namespace tg::state {
namespace {

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

constexpr std::int64_t sweep_period_ms = 60'000;

}  // namespace

std::unique_ptr<SharedState> BlockingSharedState::memory() {
    std::unique_ptr<BlockingSharedState> state(new BlockingSharedState("memory", {}));
    state->inline_store_ = std::make_unique<MemoryStore>();
    return state;
}

std::unique_ptr<SharedState> BlockingSharedState::sqlite(std::string path) {
    return std::unique_ptr<SharedState>(new BlockingSharedState("sqlite", std::move(path)));
}

BlockingSharedState::BlockingSharedState(std::string_view backend, std::string path)
    : backend_(backend), path_(std::move(path)) {}

void BlockingSharedState::start(const config::Config&) {
    if (inline_store_ || store_thread_) return;
    // Throws with the path and SQLite's message: the gateway refuses to start.
    store_thread_ = std::make_unique<StoreThread<BlockingStore>>(std::make_unique<SqliteStore>(path_), "shared state");
}

void BlockingSharedState::stop() {
    if (store_thread_) store_thread_->stop();
}

std::string BlockingSharedState::not_ready_reason() const {
    if (store_thread_ && !store_thread_->healthy()) return "shared state (sqlite " + path_ + ") is failing";
    return {};
}

void BlockingSharedState::append_metrics(std::string& out) const {
    const std::string backend(backend_);
    out += "# HELP tg_shared_state_calls_total Calls to the shared state, by backend and result.\n"
           "# TYPE tg_shared_state_calls_total counter\n";
    const auto failed = failures_.load(std::memory_order_relaxed);
    out += "tg_shared_state_calls_total{backend=\"" + backend + "\",result=\"ok\"} " +
           std::to_string(calls_.load(std::memory_order_relaxed) - failed) + "\n";
    out += "tg_shared_state_calls_total{backend=\"" + backend + "\",result=\"failed\"} " + std::to_string(failed) + "\n";
}

void BlockingSharedState::sweep_now_and_then(std::int64_t now) {
    auto next = next_sweep_ms_.load(std::memory_order_relaxed);
    if (now < next || !next_sweep_ms_.compare_exchange_strong(next, now + sweep_period_ms)) return;
    if (store_thread_) {
        store_thread_->post("removing expired entries", [now](BlockingStore& store) { store.remove_expired(now); });
    } else {
        inline_store_->remove_expired(now);
    }
}

template <class Work>
auto BlockingSharedState::run(const char* what, Work work)
    -> asio::awaitable<Result<std::invoke_result_t<Work&, BlockingStore&, std::int64_t>>> {
    using Value = std::invoke_result_t<Work&, BlockingStore&, std::int64_t>;
    calls_.fetch_add(1, std::memory_order_relaxed);
    const auto now = now_ms();
    try {
        sweep_now_and_then(now);
        if (inline_store_) co_return Result<Value>(work(*inline_store_, now));
        if (!store_thread_) throw std::runtime_error("not started");
        co_return Result<Value>(co_await store_thread_->call([work, now](BlockingStore& store) { return work(store, now); }));
    } catch (const std::exception& e) {
        failures_.fetch_add(1, std::memory_order_relaxed);
        log::error("shared state (", backend_, "): ", what, " failed: ", e.what());
    }
    co_return failed<Value>(make_error_code(Errc::unavailable));
}

asio::awaitable<Result<std::optional<std::string>>> BlockingSharedState::get(std::string key) {
    co_return co_await run("get", [&key](BlockingStore& store, std::int64_t now) { return store.get(key, now); });
}

asio::awaitable<Result<std::vector<std::optional<std::string>>>> BlockingSharedState::get_many(
    std::vector<std::string> keys) {
    co_return co_await run("get_many", [&keys](BlockingStore& store, std::int64_t now) {
        std::vector<std::optional<std::string>> values;
        values.reserve(keys.size());
        for (const auto& key : keys) values.push_back(store.get(key, now));
        return values;
    });
}

asio::awaitable<Result<void>> BlockingSharedState::put(std::string key, std::string value, millis ttl) {
    const auto done = co_await run("put", [&](BlockingStore& store, std::int64_t now) {
        store.put(key, value, now + ttl.count());
        return true;
    });
    if (!done) co_return failed<void>(done.error());
    co_return Result<void>();
}

asio::awaitable<Result<bool>> BlockingSharedState::put_if_absent(std::string key, std::string value, millis ttl) {
    co_return co_await run("put_if_absent", [&](BlockingStore& store, std::int64_t now) {
        return store.put_if_absent(key, value, now + ttl.count(), now);
    });
}

asio::awaitable<Result<bool>> BlockingSharedState::put_if_equal(std::string key, std::string expected, std::string value,
                                                                 millis ttl) {
    co_return co_await run("put_if_equal", [&](BlockingStore& store, std::int64_t now) {
        return store.put_if_equal(key, expected, value, now + ttl.count(), now);
    });
}

asio::awaitable<Result<bool>> BlockingSharedState::claim(std::string key, std::string owner, millis ttl) {
    co_return co_await run("claim", [&](BlockingStore& store, std::int64_t now) {
        return store.claim(key, owner, now + ttl.count(), now);
    });
}

asio::awaitable<Result<bool>> BlockingSharedState::remove_if(std::string key, std::string expected) {
    co_return co_await run("remove_if", [&](BlockingStore& store, std::int64_t now) {
        return store.remove_if(key, expected, now);
    });
}

asio::awaitable<Result<bool>> BlockingSharedState::remove(std::string key) {
    co_return co_await run("remove", [&key](BlockingStore& store, std::int64_t now) { return store.remove(key, now); });
}

asio::awaitable<Result<void>> BlockingSharedState::set_add(std::string key, std::string member) {
    const auto done = co_await run("set_add", [&](BlockingStore& store, std::int64_t) {
        store.set_add(key, member);
        return true;
    });
    if (!done) co_return failed<void>(done.error());
    co_return Result<void>();
}

asio::awaitable<Result<bool>> BlockingSharedState::set_remove(std::string key, std::string member) {
    co_return co_await run("set_remove",
                           [&](BlockingStore& store, std::int64_t) { return store.set_remove(key, member); });
}

asio::awaitable<Result<std::vector<std::string>>> BlockingSharedState::set_members(std::string key) {
    co_return co_await run("set_members", [&key](BlockingStore& store, std::int64_t) { return store.set_members(key); });
}

asio::awaitable<Result<std::vector<std::string>>> BlockingSharedState::set_take(std::string key, std::size_t count) {
    co_return co_await run("set_take", [&](BlockingStore& store, std::int64_t) { return store.set_take(key, count); });
}

asio::awaitable<Result<std::size_t>> BlockingSharedState::set_size(std::string key) {
    co_return co_await run("set_size", [&key](BlockingStore& store, std::int64_t) { return store.set_size(key); });
}

}  // namespace tg::state
