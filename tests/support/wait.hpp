// Waiting in tests: bounded polling instead of fixed sleeps.
#pragma once

#include <chrono>
#include <thread>

namespace tg::test {

// Polls `condition` until it holds or `limit` passes; its last answer.
template <class Condition>
bool eventually(Condition condition, std::chrono::milliseconds limit,
                std::chrono::milliseconds poll = std::chrono::milliseconds(50)) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        if (condition()) return true;
        std::this_thread::sleep_for(poll);
    }
    return condition();
}

}  // namespace tg::test
