#include "gateway/config/files.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace tg::config::detail {
namespace {

struct FileCloser {
    void operator()(std::FILE* file) const { std::fclose(file); }
};

FileError last_error() {
    return {std::strerror(errno)};
}

}  // namespace

std::variant<std::string, FileError> read_whole_file(const std::filesystem::path& path) {
    errno = 0;
    std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
    if (!file)
        return last_error();
    std::string content;
    char buffer[8192];
    while (const std::size_t n = std::fread(buffer, 1, sizeof buffer, file.get()))
        content.append(buffer, n);
    // Reading a directory fails here (EISDIR), not at fopen.
    if (std::ferror(file.get()))
        return last_error();
    return content;
}

std::filesystem::path resolve_path(const std::filesystem::path& base_dir, const std::string& path) {
    const std::filesystem::path written(path);
    const std::filesystem::path combined = written.is_absolute() ? written : base_dir / written;
    std::error_code ignored;
    const std::filesystem::path absolute = std::filesystem::absolute(combined, ignored);
    return (absolute.empty() ? combined : absolute).lexically_normal();
}

std::string readable_file(const std::filesystem::path& base_dir, const std::string& written_path,
                          const std::string& path, Problems& problems) {
    if (written_path.empty()) {
        problems.push_back({path, "expected a file path, found an empty string"});
        return {};
    }
    const std::filesystem::path resolved = resolve_path(base_dir, written_path);
    const auto content = read_whole_file(resolved);
    if (const auto* error = std::get_if<FileError>(&content)) {
        problems.push_back({path, "cannot read " + quote(resolved.string()) + ": " + error->reason});
        return {};
    }
    return resolved.string();
}

}  // namespace tg::config::detail
