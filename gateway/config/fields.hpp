// Typed, path-aware access to JSON values for the validators. Every getter that
// finds something wrong appends a Problem naming the value's JSON path and then
// behaves as if the key were absent, so validation always carries on.
// Messages describe a wrong value by its kind, never by its text: a string in the
// wrong place could be a pasted secret.
#pragma once

#include "gateway/config/loader.hpp"

#include <boost/json/value.hpp>

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tg::config::detail {

using Problems = std::vector<Problem>;

// "limits" + "header_bytes" -> "limits.header_bytes"; a key that is not a plain
// identifier is quoted: "upstreams" + "my-api" -> upstreams["my-api"].
std::string key_path(std::string_view parent, std::string_view key);
// "routes" + 3 -> "routes[3]".
std::string index_path(std::string_view parent, std::size_t index);

// A name or path for a message, in double quotes, escaped as a JSON string.
std::string quote(std::string_view text);

// "a string", "an integer", "an object", ...
std::string describe_kind(const boost::json::value& value);
std::string found_kind(std::string_view expected, const boost::json::value& value);

// The value as the given type, or a type problem and null.
const boost::json::string* expect_string(const boost::json::value& value, const std::string& path,
                                         Problems& problems);
const boost::json::object* expect_object(const boost::json::value& value, const std::string& path,
                                         Problems& problems);
const boost::json::array* expect_array(const boost::json::value& value, const std::string& path,
                                       Problems& problems);
std::optional<bool> expect_bool(const boost::json::value& value, const std::string& path, Problems& problems);
// One of `choices` (a string), as its index; otherwise a problem that lists the choices
// and not the value found.
std::optional<std::size_t> expect_choice(const boost::json::value& value, const std::string& path,
                                         std::initializer_list<std::string_view> choices, Problems& problems);
// Only JSON integers are accepted: 3.0 or "3" is a type problem.
std::optional<std::int64_t> expect_integer(const boost::json::value& value, const std::string& path,
                                           std::int64_t min, std::int64_t max, Problems& problems);

// Largest accepted duration: about 24.8 days, far below what could overflow a
// time_point computed from it.
inline constexpr std::int64_t max_duration_ms = 2147483647;

enum class Presence { optional, required };

// Reads the members of one JSON object. Construction reports a non-object and
// every key outside `known_keys` (with the closest known key as a hint).
class ObjectReader {
public:
    ObjectReader(const boost::json::value& value, std::string path,
                 std::initializer_list<std::string_view> known_keys, Problems& problems);

    bool is_object() const { return object_ != nullptr; }
    const std::string& path() const { return path_; }
    std::string path_of(std::string_view key) const { return key_path(path_, key); }
    const boost::json::value* find(std::string_view key) const;
    bool has(std::string_view key) const { return find(key) != nullptr; }

    // Each read_* assigns `out` only when the key is present and valid; a required
    // key that is absent is reported. They return whether `out` was assigned.
    bool read_string(std::string_view key, std::string& out, Presence presence = Presence::optional);
    bool read_bool(std::string_view key, bool& out);
    bool read_integer(std::string_view key, std::int64_t min, std::int64_t max, std::int64_t& out,
                      Presence presence = Presence::optional);
    // A positive duration in milliseconds.
    bool read_millis(std::string_view key, std::chrono::milliseconds& out);

    const boost::json::array* read_array(std::string_view key, Presence presence = Presence::optional);

    void report(std::string_view key, std::string message);
    void report_missing(std::string_view key, std::string_view expected);

private:
    const boost::json::object* object_ = nullptr;
    std::string path_;
    Problems& problems_;
};

}  // namespace tg::config::detail
