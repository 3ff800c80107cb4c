// The shared state's embedded backends: memory and an SQLite file.
#define BOOST_TEST_MODULE shared_state
#include <boost/test/unit_test.hpp>

#include "gateway/config/model.hpp"
#include "gateway/state/blocking_shared_state.hpp"
#include "tests/support/process.hpp"
#include "tests/support/shared_state_checks.hpp"

#include <sys/stat.h>

using namespace tg;
using namespace tg::test;
using namespace std::chrono_literals;

namespace {

struct Started {
    explicit Started(std::unique_ptr<state::SharedState> made) : state(std::move(made)) { state->start(config); }
    ~Started() { state->stop(); }
    config::Config config;
    std::unique_ptr<state::SharedState> state;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(memory)

BOOST_AUTO_TEST_CASE(operations_and_expiry) {
    asio::io_context io;
    Started memory(state::BlockingSharedState::memory());
    BOOST_TEST(memory.state->backend() == "memory");
    check_shared_state_operations(*memory.state, io);
    check_shared_state_expiry(*memory.state, io);
    BOOST_TEST(memory.state->not_ready_reason().empty());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(sqlite)

BOOST_AUTO_TEST_CASE(operations_and_expiry) {
    TempDir dir;
    asio::io_context io;
    Started sqlite(state::BlockingSharedState::sqlite((dir.path() / "state.db").string()));
    BOOST_TEST(sqlite.state->backend() == "sqlite");
    check_shared_state_operations(*sqlite.state, io);
    check_shared_state_expiry(*sqlite.state, io);
    BOOST_TEST(sqlite.state->not_ready_reason().empty());
}

BOOST_AUTO_TEST_CASE(entries_survive_a_restart_and_the_file_is_private) {
    TempDir dir;
    const auto path = (dir.path() / "sub" / "state.db").string();
    asio::io_context io;
    {
        Started first(state::BlockingSharedState::sqlite(path));
        BOOST_TEST(await_on(io, first.state->put_if_absent("sixmm:webhook-nonce:abc", "1", 60s)).value());
    }
    Started second(state::BlockingSharedState::sqlite(path));
    BOOST_TEST(!await_on(io, second.state->put_if_absent("sixmm:webhook-nonce:abc", "1", 60s)).value());
    struct stat info {};
    BOOST_REQUIRE(::stat(path.c_str(), &info) == 0);
    BOOST_TEST((info.st_mode & 0777) == 0600u);
}

BOOST_AUTO_TEST_CASE(an_unusable_path_refuses_the_start_with_its_name) {
    TempDir dir;
    const auto blocker = dir.write("file", "not a directory");
    config::Config config;
    auto state = state::BlockingSharedState::sqlite((blocker / "state.db").string());
    try {
        state->start(config);
        BOOST_FAIL("started on an unusable path");
    } catch (const std::runtime_error& e) {
        BOOST_TEST(std::string(e.what()).find(blocker.string()) != std::string::npos, e.what());
    }
}

BOOST_AUTO_TEST_SUITE_END()
