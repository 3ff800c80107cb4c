#include "gateway/observability/access_log.hpp"

#include "gateway/core/log.hpp"
#include "gateway/core/time_format.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

namespace tg::observability {
namespace {

void write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        const auto n = ::write(fd, data.data(), data.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;  // the disk is full or gone: the log loses lines, serving goes on
        data.remove_prefix(static_cast<std::size_t>(n));
    }
}

}  // namespace

std::string path_with_query_keys(std::string_view target) {
    const auto question = target.find('?');
    std::string result(target.substr(0, question));
    if (question == std::string_view::npos) return result;
    auto query = target.substr(question + 1);
    result += '?';
    bool first = true;
    while (!query.empty()) {
        const auto amp = query.find('&');
        const auto pair = query.substr(0, amp);
        const auto equals = pair.find('=');
        // An item without "=" is a bare value (it can be a token): logged as "-".
        const auto key = equals == std::string_view::npos ? std::string_view("-") : pair.substr(0, equals);
        if (!pair.empty()) {
            if (!first) result += '&';
            result += key;
            first = false;
        }
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
    }
    return result;
}

std::string format_access_line(const RequestRecord& r) {
    boost::json::object line{
        {"time", rfc3339_millis(r.time)},
        {"requestId", r.request_id},
        {"listener", r.listener},
        {"client", r.client},
        {"method", r.method},
        {"path", path_with_query_keys(r.target)},
        {"route", r.route},
        {"upstream", r.upstream},
        {"server", r.server},
        {"status", r.status},
        {"bytesIn", r.bytes_in},
        {"bytesOut", r.bytes_out},
        {"durationMs", static_cast<double>(r.total.count()) / 1000.0},
        {"upstreamMs", static_cast<double>(r.upstream_time.count()) / 1000.0},
    };
    if (!r.peer.empty()) line.emplace("peer", r.peer);
    auto text = boost::json::serialize(line);
    text += '\n';
    return text;
}

AccessLogWriter::AccessLogWriter(std::string destination) : destination_(std::move(destination)) {
    open_destination();
    thread_ = std::thread([this] { run(); });
}

AccessLogWriter::~AccessLogWriter() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();
    if (fd_ > STDERR_FILENO) ::close(fd_);
}

void AccessLogWriter::open_destination() {
    if (destination_ == "stdout") {
        fd_ = STDOUT_FILENO;
        return;
    }
    const int fd = ::open(destination_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0) {
        log::error("access log: cannot open ", destination_, ": ", std::strerror(errno));
        return;  // keep the old descriptor, if any
    }
    if (fd_ > STDERR_FILENO) ::close(fd_);
    fd_ = fd;
}

void AccessLogWriter::submit(std::string batch) {
    {
        std::lock_guard lock(mutex_);
        if (queued_bytes_ + batch.size() > max_queued_bytes) {
            dropped_.fetch_add(1, std::memory_order_relaxed);
            return;
        }
        queued_bytes_ += batch.size();
        queue_.push_back(std::move(batch));
    }
    wake_.notify_one();
}

void AccessLogWriter::reopen() {
    {
        std::lock_guard lock(mutex_);
        reopen_requested_ = true;
    }
    wake_.notify_one();
}

void AccessLogWriter::run() {
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_.wait(lock, [&] { return stopping_ || reopen_requested_ || !queue_.empty(); });
        if (reopen_requested_) {
            reopen_requested_ = false;
            lock.unlock();
            open_destination();
            lock.lock();
        }
        while (!queue_.empty()) {
            std::string batch = std::move(queue_.front());
            queue_.pop_front();
            queued_bytes_ -= batch.size();
            lock.unlock();
            if (fd_ >= 0) write_all(fd_, batch);
            lock.lock();
        }
        if (stopping_) return;
    }
}

void AccessLogBuffer::append(const RequestRecord& record) {
    if (!writer_) return;
    pending_ += format_access_line(record);
    if (pending_.size() >= flush_bytes) flush();
}

void AccessLogBuffer::flush() {
    if (!writer_ || pending_.empty()) return;
    writer_->submit(std::move(pending_));
    pending_.clear();
}

}  // namespace tg::observability
