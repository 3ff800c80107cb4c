// The store thread: calls run off the caller's thread and resume on its executor, a
// failing call reaches the caller as its exception, and healthy() follows the store's
// health check (what /readyz reports for the DXtrade session store).
#define BOOST_TEST_MODULE store_thread
#include <boost/test/unit_test.hpp>

#include "proto_handlers/common/sessions/store_thread.hpp"
#include "tests/support/wait.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>

using namespace tg;
using namespace tg::sessions;
using tg::test::eventually;
using namespace std::chrono_literals;

namespace {

// Counts records; healthy() and failures are switched by the test.
class FakeStore final : public SessionStore {
public:
    explicit FakeStore(std::atomic<bool>& healthy) : healthy_(healthy) {}
    void put(const SessionRecord&) override {
        if (!healthy_) throw std::runtime_error("disk I/O error");
        ++count_;
    }
    bool remove(SessionId) override { return false; }
    std::vector<SessionRecord> find_by_login(std::string_view, std::string_view) override { return {}; }
    LoadResult load_live(std::int64_t) override { return {}; }
    LoadResult load_pending_logouts() override { return {}; }
    bool mark_logout_pending(SessionId, std::int64_t) override { return false; }
    bool update_ping(SessionId, std::int64_t, std::uint32_t) override { return false; }
    std::size_t remove_expired(std::int64_t) override { return 0; }
    SessionId max_id() override { return 0; }
    std::size_t count() override { return count_; }
    bool healthy() noexcept override { return healthy_; }

private:
    std::atomic<bool>& healthy_;
    std::size_t count_ = 0;
};

}  // namespace

BOOST_AUTO_TEST_CASE(calls_run_on_the_store_thread_and_failures_reach_the_caller) {
    std::atomic<bool> healthy{true};
    StoreThread store(std::make_unique<FakeStore>(healthy));
    asio::io_context caller;
    const auto caller_thread = std::this_thread::get_id();
    std::thread::id ran_on, resumed_on;
    std::size_t counted = 0;
    bool failed = false;
    auto work = [&]() -> asio::awaitable<void> {
        auto put = [&](SessionStore& s) {  // a call without a result
            ran_on = std::this_thread::get_id();
            s.put(SessionRecord{});
        };
        co_await store.call(std::move(put));
        auto count = [](SessionStore& s) { return s.count(); };
        counted = co_await store.call(std::move(count));
        resumed_on = std::this_thread::get_id();
        healthy = false;
        try {
            auto failing = [](SessionStore& s) {
                s.put(SessionRecord{});
                return true;
            };
            co_await store.call(std::move(failing));
        } catch (const std::runtime_error&) {
            failed = true;
        }
    };
    asio::co_spawn(caller, work(), [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
    });
    caller.run_for(5s);
    BOOST_TEST(counted == 1u);
    BOOST_TEST((ran_on != caller_thread));
    BOOST_TEST((resumed_on == caller_thread));
    BOOST_TEST(failed);
    BOOST_TEST(!store.healthy());  // a failed call marks it at once
}

BOOST_AUTO_TEST_CASE(health_follows_the_stores_check) {
    std::atomic<bool> healthy{true};
    StoreThread store(std::make_unique<FakeStore>(healthy));
    BOOST_TEST(store.healthy());
    healthy = false;
    BOOST_TEST(eventually([&] { return !store.healthy(); }, 3s));
    healthy = true;
    BOOST_TEST(eventually([&] { return store.healthy(); }, 3s));
    store.stop();
}
