// Child processes for tests that need the real binaries (CLI, TLS, memory).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace tg::test {

// A fresh directory under the system temp dir, removed on destruction.
class TempDir {
public:
    TempDir();
    ~TempDir();
    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path write(const std::string& name, const std::string& content) const;

private:
    std::filesystem::path path_;
};

class ChildProcess {
public:
    // Starts argv[0] with the arguments; stdout and stderr go to `output_file`.
    ChildProcess(const std::vector<std::string>& argv, const std::filesystem::path& output_file);
    ~ChildProcess();  // SIGKILLs the child if it still runs

    int pid() const { return pid_; }
    void signal(int sig) const;
    // The exit code (or 128 + signal) if the child ended within `timeout`.
    std::optional<int> wait(std::chrono::milliseconds timeout);
    // VmRSS or VmHWM (peak) from /proc, in KiB.
    long rss_kib() const;
    long peak_rss_kib() const;

private:
    int pid_ = -1;
    bool reaped_ = false;
};

struct CommandResult {
    int exit_code = -1;
    std::string output;  // stdout and stderr together
};
// Runs a shell command (bounded by `timeout`, via coreutils `timeout`).
CommandResult run_command(const std::string& command, std::chrono::seconds timeout = std::chrono::seconds(60));

// Polls until something accepts on 127.0.0.1:port; false after `timeout`.
bool wait_for_port(std::uint16_t port, std::chrono::milliseconds timeout = std::chrono::seconds(10));

std::string read_file(const std::filesystem::path& path);

}  // namespace tg::test
