// Reading files named by the configuration.
#pragma once

#include "gateway/config/fields.hpp"

#include <filesystem>
#include <string>
#include <variant>

namespace tg::config::detail {

struct FileError {
    std::string reason;  // strerror text, e.g. "No such file or directory"
};

// The whole content, or why it could not be read (a directory is not readable).
std::variant<std::string, FileError> read_whole_file(const std::filesystem::path& path);

// `path` as written in the config, made absolute against `base_dir` when relative.
std::filesystem::path resolve_path(const std::filesystem::path& base_dir, const std::string& path);

// For a file the config names and the gateway will open later (certificates,
// keys, CA bundles): its resolved path, or "" and a problem at `path` saying why it
// cannot be read. The content is never put in the problem.
std::string readable_file(const std::filesystem::path& base_dir, const std::string& written_path,
                          const std::string& path, Problems& problems);

}  // namespace tg::config::detail
