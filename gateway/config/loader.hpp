// Loads a config file: parse (comments and trailing commas allowed), validate the
// whole document, resolve secrets. Every problem is collected, each naming its JSON
// path; no message ever contains a secret's value.
#pragma once

#include "gateway/config/model.hpp"

#include <boost/json/value.hpp>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace tg::config {

struct Problem {
    std::string path;  // JSON path, e.g. "routes[3].upstream"; "" for the file itself
    std::string message;
};

// "routes[3].upstream: no upstream named \"portl\"", or just the message when the path is empty.
std::string to_string(const Problem& problem);

// A validator for a top-level section owned by a handler module (e.g. "sixmm").
// It appends problems with full paths (it is given the section's own path).
using SectionValidator = std::function<void(const boost::json::value& section,
                                            const std::string& path,
                                            const Config& engine_config,
                                            std::vector<Problem>& problems)>;

struct LoadOptions {
    // Handler names that routes may refer to.
    std::set<std::string> handler_names;
    // Top-level sections beyond the engine's own keys.
    std::map<std::string, SectionValidator> sections;
    // Environment lookup; defaults to std::getenv. Tests replace it.
    std::function<std::optional<std::string>(const std::string&)> getenv;
    // Base directory for relative secret/cert file paths; defaults to the config file's directory.
    std::string base_dir;
};

struct LoadResult {
    std::shared_ptr<const Config> config;  // null when there are problems
    std::vector<Problem> problems;
    std::string source_sha256;  // hex SHA-256 of the file as read (load_file only)
    bool ok() const { return problems.empty(); }
};

LoadResult load_file(const std::string& path, const LoadOptions& options);
LoadResult load_text(std::string_view text, const std::string& source_name, const LoadOptions& options);

}  // namespace tg::config
