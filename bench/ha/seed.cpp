#include "bench/ha/seed.hpp"

#include "gateway/state/blocking_shared_state.hpp"
#include "gateway/state/redis_client.hpp"
#include "proto_handlers/common/sessions/shared_session_store.hpp"


#include <chrono>
#include <cstdio>
#include <iostream>
#include <random>
#include <vector>

namespace tg::bench {
namespace {

void emit(const std::vector<std::string>& arguments) {
    const auto command = state::encode_redis_command(arguments);
    std::fwrite(command.data(), 1, command.size(), stdout);
}

}  // namespace

int run_seed(const SeedOptions& options) {
    // The store only encodes here; the memory state behind it is never written.
    auto unused_state = state::BlockingSharedState::memory();
    sessions::SharedSessionStore store(*unused_state, "dxtrade", options.key, options.shards,
                                       std::chrono::hours(24));
    std::mt19937_64 random(42);
    const auto now_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    const auto ttl = std::to_string(store.record_ttl().count());
    const auto prefix = options.key_prefix;
    for (std::size_t i = 0; i < options.sessions; ++i) {
        sessions::SessionRecord record;
        record.id = i + 1;
        record.login = "user" + std::to_string(i % options.users);
        record.user_id = record.login;
        record.domain = "default";
        char token[33];
        std::snprintf(token, sizeof token, "%016llx%016llx", static_cast<unsigned long long>(random()),
                      static_cast<unsigned long long>(random()));
        record.token = sessions::SecretString(token);
        record.created_ms = now_ms;
        const auto id = std::to_string(record.id);
        emit({"SET", prefix + store.record_key(record.id), store.encode(record), "PX", ttl});
        emit({"SADD", prefix + store.shard_key(store.shard_of(record.id)), id});
        emit({"SADD", prefix + store.user_key(record.login, record.domain), id});
    }
    std::fflush(stdout);
    std::cerr << "ha-bench: seeded " << options.sessions << " sessions\n";
    return 0;
}

}  // namespace tg::bench
