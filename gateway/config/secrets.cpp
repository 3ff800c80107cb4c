// The "secrets" section: {"name": {"env": "VAR"} | {"file": "path"}}. A secret's
// value must never reach a Problem: messages name the variable or the file, only.
#include "gateway/config/files.hpp"
#include "gateway/config/validate.hpp"

#include <cstdlib>

namespace tg::config::detail {
namespace {

const char* const not_a_reference =
    "must be {\"env\": ...} or {\"file\": ...}; inline secrets are not allowed";

std::optional<std::string> lookup_environment(const LoadOptions& options, const std::string& name) {
    if (options.getenv)
        return options.getenv(name);
    if (const char* value = std::getenv(name.c_str()))
        return std::string(value);
    return std::nullopt;
}

// One trailing newline is how editors and `echo` end a file; it is not part of the secret.
void strip_one_trailing_newline(std::string& text) {
    if (!text.empty() && text.back() == '\n') {
        text.pop_back();
        if (!text.empty() && text.back() == '\r')
            text.pop_back();
    }
}

std::optional<SecretValue> from_environment(const std::string& variable, const std::string& path,
                                            Context& context) {
    auto value = lookup_environment(context.options, variable);
    if (!value) {
        context.problems.push_back({path, "environment variable " + variable + " is not set"});
        return std::nullopt;
    }
    if (value->empty()) {
        context.problems.push_back({path, "environment variable " + variable + " is empty"});
        return std::nullopt;
    }
    return SecretValue(std::move(*value));
}

std::optional<SecretValue> from_file(const std::string& written_path, const std::string& path,
                                     Context& context) {
    const std::filesystem::path resolved = resolve_path(context.base_dir, written_path);
    const std::string file = quote(resolved.string());
    auto content = read_whole_file(resolved);
    if (const auto* error = std::get_if<FileError>(&content)) {
        context.problems.push_back({path, "cannot read secret file " + file + ": " + error->reason});
        return std::nullopt;
    }
    std::string& value = std::get<std::string>(content);
    strip_one_trailing_newline(value);
    if (value.empty()) {
        context.problems.push_back({path, "secret file " + file + " is empty"});
        return std::nullopt;
    }
    return SecretValue(std::move(value));
}

std::optional<SecretValue> resolve_secret(const boost::json::value& declaration, const std::string& path,
                                          Context& context) {
    if (!declaration.is_object()) {
        context.problems.push_back({path, not_a_reference});
        return std::nullopt;
    }
    ObjectReader reader(declaration, path, {"env", "file"}, context.problems);
    if (reader.has("env") == reader.has("file")) {
        context.problems.push_back({path, "must have exactly one of \"env\" or \"file\""});
        return std::nullopt;
    }
    std::string name_or_path;
    if (reader.read_string("env", name_or_path)) {
        if (name_or_path.empty()) {
            reader.report("env", "expected an environment variable name, found an empty string");
            return std::nullopt;
        }
        return from_environment(name_or_path, path, context);
    }
    if (reader.read_string("file", name_or_path)) {
        if (name_or_path.empty()) {
            reader.report("file", "expected a file path, found an empty string");
            return std::nullopt;
        }
        return from_file(name_or_path, path, context);
    }
    return std::nullopt;
}

}  // namespace

std::map<std::string, SecretValue> validate_secrets(const boost::json::value* secrets, Context& context) {
    std::map<std::string, SecretValue> result;
    if (secrets == nullptr)
        return result;
    const auto* object = expect_object(*secrets, "secrets", context.problems);
    if (object == nullptr)
        return result;
    for (const auto& [key, declaration] : *object) {
        const std::string name(key);
        auto value = resolve_secret(declaration, key_path("secrets", name), context);
        result[name] = value ? std::move(*value) : SecretValue();
    }
    return result;
}

}  // namespace tg::config::detail
