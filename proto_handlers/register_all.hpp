// Registers every integration's handlers into the engine's registry.
#pragma once

#include "gateway/handlers/handler.hpp"

namespace tg::proto_handlers {

void register_all(handlers::Registry& registry);

}  // namespace tg::proto_handlers
