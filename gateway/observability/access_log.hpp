// The access log: one JSON object per line per request. Workers format lines into
// their own buffer and hand whole buffers to one writer thread, so a worker never
// waits on the disk and takes a lock only once per batch. If the writer falls behind
// by more than a bound, batches are dropped and counted, never queued without limit.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace tg::observability {

struct RequestRecord {
    std::chrono::system_clock::time_point time;  // when the request header had arrived
    std::string_view request_id;
    std::string_view listener;
    std::string_view client;
    std::string_view peer;  // the proxy the request came through, when not the client itself
    std::string_view method;
    std::string_view target;  // logged as its path and the query's keys only
    std::string_view route;
    std::string_view upstream;
    std::string_view server;
    unsigned status = 0;
    std::uint64_t bytes_in = 0;
    std::uint64_t bytes_out = 0;
    std::chrono::microseconds total{0};
    std::chrono::microseconds upstream_time{0};
};

// "/a/b?token=x&user=y" -> "/a/b?token&user": query values can be tokens.
std::string path_with_query_keys(std::string_view target);

// One JSON line, ending in '\n'.
std::string format_access_line(const RequestRecord& record);

class AccessLogWriter {
public:
    // "stdout" or a file path (opened for appending, created 0640).
    explicit AccessLogWriter(std::string destination);
    ~AccessLogWriter();  // writes what is queued, then stops

    void submit(std::string batch);
    void reopen();  // SIGUSR1: the file was rotated
    std::uint64_t dropped_batches() const { return dropped_.load(std::memory_order_relaxed); }

private:
    void run();
    void open_destination();

    static constexpr std::size_t max_queued_bytes = 64 * 1024 * 1024;
    std::string destination_;
    int fd_ = -1;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::string> queue_;
    std::size_t queued_bytes_ = 0;
    bool reopen_requested_ = false;
    bool stopping_ = false;
    std::atomic<std::uint64_t> dropped_{0};
    std::thread thread_;
};

// A worker's pending lines. Flushed when large, and by the worker's timer.
class AccessLogBuffer {
public:
    explicit AccessLogBuffer(AccessLogWriter* writer) : writer_(writer) {}
    bool enabled() const { return writer_ != nullptr; }
    void append(const RequestRecord& record);
    void flush();

private:
    static constexpr std::size_t flush_bytes = 64 * 1024;
    AccessLogWriter* writer_;
    std::string pending_;
};

}  // namespace tg::observability
