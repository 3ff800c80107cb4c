// The validators of the engine's top-level sections. Each one reads its section,
// appends a Problem for everything wrong, and fills in what it could read; the
// loader discards the Config when any problem was found.
#pragma once

#include "gateway/config/fields.hpp"
#include "gateway/config/loader.hpp"

#include <boost/json/value.hpp>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace tg::config::detail {

struct Context {
    const LoadOptions& options;
    std::filesystem::path base_dir;  // for relative file paths
    Problems& problems;
};

// Each takes the section's value, or null when the key is absent.
unsigned validate_workers(const boost::json::value* workers, Context& context);
ConnectionBalance validate_connection_balance(const boost::json::value* balance, Context& context);
bool validate_worker_cpu_affinity(const boost::json::value* affinity, Context& context);
std::vector<Listener> validate_listeners(const boost::json::value* listeners, Context& context);
Limits validate_limits(const boost::json::value* limits, Context& context);
// Every declared name is in the result, also those whose value could not be
// resolved (their value is empty), so references to them are not reported twice.
std::map<std::string, SecretValue> validate_secrets(const boost::json::value* secrets, Context& context);
// Same for upstreams: a declared but invalid upstream is still in the result.
std::map<std::string, Upstream> validate_upstreams(const boost::json::value* upstreams, Context& context);
Lifecycle validate_lifecycle(const boost::json::value* lifecycle, Context& context);
AccessLog validate_access_log(const boost::json::value* access_log, Context& context);
// After the secrets: the Redis password names one.
SharedStateSettings validate_shared_state(const boost::json::value* shared_state,
                                          const std::map<std::string, SecretValue>& secrets, Context& context);
std::vector<Route> validate_routes(const boost::json::value* routes, const Config& engine, Context& context);

}  // namespace tg::config::detail
