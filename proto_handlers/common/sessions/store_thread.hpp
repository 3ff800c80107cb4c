// The session store's calls run on a thread of their own (gateway/state/store_thread.hpp).
#pragma once

#include "gateway/state/store_thread.hpp"
#include "proto_handlers/common/sessions/session_store.hpp"

namespace tg::sessions {

using StoreThread = state::StoreThread<SessionStore>;

}  // namespace tg::sessions
