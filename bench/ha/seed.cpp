#include "bench/ha/seed.hpp"

#include "gateway/state/blocking_shared_state.hpp"
#include "proto_handlers/common/sessions/shared_session_store.hpp"

#include <hiredis/hiredis.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <random>
#include <vector>

namespace tg::bench {
namespace {

// One command in the Redis protocol, as redis-cli --pipe reads it.
void emit(const std::vector<std::string>& arguments) {
    std::vector<const char*> pointers;
    std::vector<std::size_t> lengths;
    for (const auto& argument : arguments) {
        pointers.push_back(argument.data());
        lengths.push_back(argument.size());
    }
    char* command = nullptr;
    const auto size = redisFormatCommandArgv(&command, static_cast<int>(arguments.size()), pointers.data(), lengths.data());
    if (size < 0) throw std::runtime_error("cannot format a command");
    std::fwrite(command, 1, static_cast<std::size_t>(size), stdout);
    redisFreeCommand(command);
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
