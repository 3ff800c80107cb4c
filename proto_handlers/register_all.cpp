#include "proto_handlers/register_all.hpp"

namespace tg::proto_handlers {

void register_all(handlers::Registry& /*registry*/) {
    // The 6MM and DXtrade handlers register here as they are added.
}

}  // namespace tg::proto_handlers
