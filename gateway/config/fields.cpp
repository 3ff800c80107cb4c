#include "gateway/config/fields.hpp"

#include "gateway/config/suggest.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cctype>

namespace tg::config::detail {
namespace {

bool is_identifier(std::string_view key) {
    if (key.empty() || std::isdigit(static_cast<unsigned char>(key.front())))
        return false;
    return std::all_of(key.begin(), key.end(),
                       [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

std::string integer_range(std::int64_t min, std::int64_t max) {
    return "an integer from " + std::to_string(min) + " to " + std::to_string(max);
}

}  // namespace

std::string key_path(std::string_view parent, std::string_view key) {
    if (is_identifier(key))
        return parent.empty() ? std::string(key) : std::string(parent) + "." + std::string(key);
    return std::string(parent) + "[" + quote(key) + "]";
}

std::string index_path(std::string_view parent, std::size_t index) {
    return std::string(parent) + "[" + std::to_string(index) + "]";
}

std::string quote(std::string_view text) {
    return boost::json::serialize(boost::json::string_view(text));
}

std::string describe_kind(const boost::json::value& value) {
    switch (value.kind()) {
        case boost::json::kind::null: return "null";
        case boost::json::kind::bool_: return "a boolean";
        case boost::json::kind::int64:
        case boost::json::kind::uint64: return "an integer";
        case boost::json::kind::double_: return "a non-integer number";
        case boost::json::kind::string: return "a string";
        case boost::json::kind::array: return "an array";
        case boost::json::kind::object: return "an object";
    }
    return "an unknown value";
}

std::string found_kind(std::string_view expected, const boost::json::value& value) {
    return "expected " + std::string(expected) + ", found " + describe_kind(value);
}

const boost::json::string* expect_string(const boost::json::value& value, const std::string& path,
                                         Problems& problems) {
    if (const auto* string = value.if_string())
        return string;
    problems.push_back({path, found_kind("a string", value)});
    return nullptr;
}

std::optional<std::size_t> expect_choice(const boost::json::value& value, const std::string& path,
                                         std::initializer_list<std::string_view> choices, Problems& problems) {
    const auto* string = expect_string(value, path, problems);
    if (string == nullptr)
        return std::nullopt;
    std::string expected;
    std::size_t index = 0;
    for (const auto choice : choices) {
        if (*string == choice)
            return index;
        expected += (index == 0 ? "" : index + 1 == choices.size() ? " or " : ", ") + quote(choice);
        ++index;
    }
    problems.push_back({path, "expected " + expected});
    return std::nullopt;
}

const boost::json::object* expect_object(const boost::json::value& value, const std::string& path,
                                         Problems& problems) {
    if (const auto* object = value.if_object())
        return object;
    problems.push_back({path, found_kind("an object", value)});
    return nullptr;
}

const boost::json::array* expect_array(const boost::json::value& value, const std::string& path,
                                       Problems& problems) {
    if (const auto* array = value.if_array())
        return array;
    problems.push_back({path, found_kind("an array", value)});
    return nullptr;
}

std::optional<bool> expect_bool(const boost::json::value& value, const std::string& path,
                                Problems& problems) {
    if (const auto* boolean = value.if_bool())
        return *boolean;
    problems.push_back({path, found_kind("a boolean (true or false)", value)});
    return std::nullopt;
}

std::optional<std::int64_t> expect_integer(const boost::json::value& value, const std::string& path,
                                           std::int64_t min, std::int64_t max, Problems& problems) {
    const std::string expected = integer_range(min, max);
    if (const auto* unsigned_integer = value.if_uint64()) {
        // Only values above INT64_MAX are stored as uint64, and no range reaches them.
        problems.push_back({path, "expected " + expected + ", found " + std::to_string(*unsigned_integer)});
        return std::nullopt;
    }
    const auto* integer = value.if_int64();
    if (integer == nullptr) {
        problems.push_back({path, found_kind(expected, value)});
        return std::nullopt;
    }
    if (*integer < min || *integer > max) {
        problems.push_back({path, "expected " + expected + ", found " + std::to_string(*integer)});
        return std::nullopt;
    }
    return *integer;
}

ObjectReader::ObjectReader(const boost::json::value& value, std::string path,
                           std::initializer_list<std::string_view> known_keys, Problems& problems)
    : object_(expect_object(value, path, problems)), path_(std::move(path)), problems_(problems) {
    if (object_ == nullptr)
        return;
    const std::vector<std::string_view> known(known_keys);
    for (const auto& member : *object_) {
        const std::string_view key = member.key();
        if (std::find(known.begin(), known.end(), key) == known.end())
            report(key, "unknown key" + did_you_mean(key, known));
    }
}

const boost::json::value* ObjectReader::find(std::string_view key) const {
    return object_ == nullptr ? nullptr : object_->if_contains(key);
}

void ObjectReader::report(std::string_view key, std::string message) {
    problems_.push_back({path_of(key), std::move(message)});
}

void ObjectReader::report_missing(std::string_view key, std::string_view expected) {
    report(key, "required key is missing (expected " + std::string(expected) + ")");
}

bool ObjectReader::read_string(std::string_view key, std::string& out, Presence presence) {
    const auto* value = find(key);
    if (value == nullptr) {
        if (presence == Presence::required && is_object())
            report_missing(key, "a string");
        return false;
    }
    const auto* string = expect_string(*value, path_of(key), problems_);
    if (string == nullptr)
        return false;
    out.assign(string->data(), string->size());
    return true;
}

bool ObjectReader::read_bool(std::string_view key, bool& out) {
    const auto* value = find(key);
    if (value == nullptr)
        return false;
    const auto boolean = expect_bool(*value, path_of(key), problems_);
    if (!boolean)
        return false;
    out = *boolean;
    return true;
}

bool ObjectReader::read_integer(std::string_view key, std::int64_t min, std::int64_t max, std::int64_t& out,
                                Presence presence) {
    const auto* value = find(key);
    if (value == nullptr) {
        if (presence == Presence::required && is_object())
            report_missing(key, integer_range(min, max));
        return false;
    }
    const auto integer = expect_integer(*value, path_of(key), min, max, problems_);
    if (!integer)
        return false;
    out = *integer;
    return true;
}

bool ObjectReader::read_millis(std::string_view key, std::chrono::milliseconds& out) {
    std::int64_t milliseconds = 0;
    if (!read_integer(key, 1, max_duration_ms, milliseconds))
        return false;
    out = std::chrono::milliseconds(milliseconds);
    return true;
}

const boost::json::array* ObjectReader::read_array(std::string_view key, Presence presence) {
    const auto* value = find(key);
    if (value == nullptr) {
        if (presence == Presence::required && is_object())
            report_missing(key, "an array");
        return nullptr;
    }
    return expect_array(*value, path_of(key), problems_);
}

}  // namespace tg::config::detail
