// Fuzz target: a DXtrade session record as the shared store reads it back from Redis
// (SharedSessionStore::decode). A value another program wrote, or a corrupted one, must
// be refused, never crash; a value that decodes encodes again to one that decodes to the
// same record.
#include "gateway/state/blocking_shared_state.hpp"
#include "proto_handlers/common/sessions/shared_session_store.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace tg;
    static auto unused_state = state::BlockingSharedState::memory();
    static sessions::SharedSessionStore store(*unused_state, "dxtrade", "fuzz-store-key-0123456789abcdef", 64,
                                              std::chrono::hours(1));
    if (size < 1) return 0;
    const sessions::SessionId id = data[0];
    const std::string value(reinterpret_cast<const char*>(data) + 1, size - 1);
    const auto record = store.decode(id, value);
    if (!record) return 0;
    const auto again = store.decode(id, store.encode(*record));
    if (!again || again->login != record->login || again->domain != record->domain ||
        !(again->token == record->token) || again->created_ms != record->created_ms ||
        again->logout_pending != record->logout_pending) {
        __builtin_trap();
    }
    return 0;
}
