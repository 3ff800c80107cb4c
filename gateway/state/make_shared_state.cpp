#include "gateway/state/make_shared_state.hpp"

#include "gateway/state/blocking_shared_state.hpp"
#include "gateway/state/redis_shared_state.hpp"

namespace tg::state {

std::unique_ptr<SharedState> make_shared_state(const config::Config& config) {
    const auto& settings = config.shared_state;
    switch (settings.backend) {
        case config::SharedStateSettings::Backend::sqlite: return BlockingSharedState::sqlite(settings.sqlite_path);
        case config::SharedStateSettings::Backend::redis: {
            std::string password;
            if (!settings.redis.password_secret.empty()) {
                password = config.secrets.at(settings.redis.password_secret).reveal();
            }
            return std::make_unique<RedisSharedState>(settings.redis, std::move(password));
        }
        case config::SharedStateSettings::Backend::memory: break;
    }
    return BlockingSharedState::memory();
}

}  // namespace tg::state
