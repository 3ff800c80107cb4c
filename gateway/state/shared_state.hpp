// The state that modules share between workers, and with the redis backend between
// replicas: values with a time to live, set-if-absent, claims (leases) and
// compare-and-delete, and sets. Channel bindings, webhook nonces, signed-out marks and
// DXtrade's shared sessions live in it.
// One instance per process, made by the gateway from the "shared_state" section
// (docs: README §5, "Shared state"); handlers reach it through HandlerSetup.
//
// Every call is awaited from a worker and resumes on it; none blocks the worker on the
// disk or the network. A call fails with Errc::unavailable or Errc::timeout when the
// backend is down or slow, within the backend's command timeout: the caller answers 503.
// Keys are chosen by the modules ("sixmm:channel:<id>"); the backend adds its prefix.
// Keys and values are never logged: a module that keeps a credential's trace (a nonce)
// keys it by a hash.
#pragma once

#include "gateway/core/asio_aliases.hpp"
#include "gateway/handlers/service.hpp"

#include <boost/system/result.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace tg::state {

enum class Errc {
    unavailable = 1,  // not connected, refused, or the store failed
    timeout,          // no answer within the command timeout
};
const boost::system::error_category& error_category();
inline error_code make_error_code(Errc e) { return {static_cast<int>(e), error_category()}; }

template <class T>
using Result = boost::system::result<T>;

// A failed Result (spelled out: a Result<bool> would take an error_code for a value).
template <class T>
Result<T> failed(error_code ec) {
    return Result<T>(boost::system::in_place_error, ec);
}

using millis = std::chrono::milliseconds;

class SharedState : public handlers::Service {
public:
    // The value of `key`, or none when absent or expired.
    virtual asio::awaitable<Result<std::optional<std::string>>> get(std::string key) = 0;
    // The values of `keys`, in order (none for an absent one): one round trip with Redis.
    virtual asio::awaitable<Result<std::vector<std::optional<std::string>>>> get_many(std::vector<std::string> keys) = 0;
    // Sets `key` to `value` for `ttl`.
    virtual asio::awaitable<Result<void>> put(std::string key, std::string value, millis ttl) = 0;
    // Sets `key` only if it is absent: true when it was set.
    virtual asio::awaitable<Result<bool>> put_if_absent(std::string key, std::string value, millis ttl) = 0;
    // Sets `key` to `value` only while it holds `expected` (a read-modify-write that must
    // neither undo another caller's change nor bring back what it deleted): true when set.
    virtual asio::awaitable<Result<bool>> put_if_equal(std::string key, std::string expected, std::string value,
                                                      millis ttl) = 0;
    // Sets `key` to `owner` when it is absent or already `owner` (its time to live then
    // starts again): true; false when another owner holds it. A lease is a claim renewed
    // before its time runs out.
    virtual asio::awaitable<Result<bool>> claim(std::string key, std::string owner, millis ttl) = 0;
    // Deletes `key` if it holds `expected` (releasing a claim): true when deleted.
    virtual asio::awaitable<Result<bool>> remove_if(std::string key, std::string expected) = 0;
    // True when `key` was there.
    virtual asio::awaitable<Result<bool>> remove(std::string key) = 0;

    // Sets of strings, for the indexes a module keeps over its values (the sessions of a
    // user, say). A set has no time to live: its module removes what it adds. A set with
    // no member is absent; set and value keys are separate spaces in sqlite and memory,
    // one space in Redis, so a module never uses one key for both.
    virtual asio::awaitable<Result<void>> set_add(std::string key, std::string member) = 0;
    // True when `member` was in the set.
    virtual asio::awaitable<Result<bool>> set_remove(std::string key, std::string member) = 0;
    // The members, in no particular order.
    virtual asio::awaitable<Result<std::vector<std::string>>> set_members(std::string key) = 0;
    virtual asio::awaitable<Result<std::size_t>> set_size(std::string key) = 0;
    // Removes up to `count` members and returns them (an inbox read by several callers:
    // each member goes to one of them).
    virtual asio::awaitable<Result<std::vector<std::string>>> set_take(std::string key, std::size_t count) = 0;

    // The backend's name for logs and metrics: "memory", "sqlite", "redis".
    virtual std::string_view backend() const = 0;

    // handlers::Service: no admin paths of its own.
    handlers::Handler* admin_handler(std::string_view) override { return nullptr; }
};

}  // namespace tg::state

template <>
struct boost::system::is_error_code_enum<tg::state::Errc> : std::true_type {};
