// Writes N DXtrade sessions in the shared store's layout (SharedSessionStore) as Redis
// commands on stdout, for `redis-cli --pipe`: the HA bench starts from a full Redis
// without a million launches.
#pragma once

#include <cstddef>
#include <string>

namespace tg::bench {

struct SeedOptions {
    std::size_t sessions = 0;
    std::size_t users = 1;       // sessions are spread over this many logins
    unsigned shards = 64;
    std::string key;             // the session_store.key secret's value
    std::string key_prefix;      // the redis key_prefix
};

int run_seed(const SeedOptions& options);

}  // namespace tg::bench
