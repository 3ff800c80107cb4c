// The shared state the config asks for ("shared_state": memory by default).
#pragma once

#include "gateway/config/model.hpp"
#include "gateway/state/shared_state.hpp"

#include <memory>

namespace tg::state {

std::unique_ptr<SharedState> make_shared_state(const config::Config& config);

}  // namespace tg::state
