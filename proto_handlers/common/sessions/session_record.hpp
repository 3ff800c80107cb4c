#pragma once

// One DXtrade session as the session store keeps it (DESIGN.md, "Sessions and the ping
// scheduler"). The token is a credential: it lives in SecretString, which has no stream
// operator and no implicit conversion, so it cannot end up in a log line by accident, and
// the sqlite backend stores it only AES-256-GCM encrypted (token_cipher.hpp).

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

namespace tg::sessions {

using SessionId = std::uint64_t;  // same alias as ping_schedule.hpp

// A string that must never be logged: read it only through reveal(). Its memory is wiped
// on destruction and before being overwritten.
class SecretString {
public:
    SecretString() = default;
    explicit SecretString(std::string value) : value_(std::move(value)) {}
    SecretString(const SecretString&) = default;
    SecretString(SecretString&& other) noexcept : value_(std::move(other.value_)) { other.wipe(); }
    SecretString& operator=(const SecretString& other) {
        if (this != &other) { wipe(); value_ = other.value_; }
        return *this;
    }
    SecretString& operator=(SecretString&& other) noexcept {
        if (this != &other) { wipe(); value_ = std::move(other.value_); other.wipe(); }
        return *this;
    }
    ~SecretString() { wipe(); }

    [[nodiscard]] const std::string& reveal() const noexcept { return value_; }
    [[nodiscard]] bool empty() const noexcept { return value_.empty(); }
    [[nodiscard]] std::size_t size() const noexcept { return value_.size(); }
    friend bool operator==(const SecretString& a, const SecretString& b) noexcept {
        return a.value_ == b.value_;
    }

private:
    void wipe() noexcept {
        volatile char* p = value_.data();
        for (std::size_t i = 0; i < value_.size(); ++i) p[i] = 0;
        value_.clear();
    }
    std::string value_;
};

struct SessionRecord {
    SessionId id = 0;
    std::string user_id;
    std::string login;
    std::string domain;
    SecretString token;                   // DXtrade session token: sensitive
    std::int64_t created_ms = 0;          // Unix ms
    std::int64_t last_ping_ms = 0;        // Unix ms, 0 = never pinged
    std::int64_t expires_at_s = 0;        // partner expiry, Unix s; 0 = no expiry claim
    std::uint32_t failures = 0;           // consecutive failed pings
    bool logout_pending = false;          // DXtrade logout queued (dxWeb was down)
    std::int64_t logout_next_attempt_ms = 0;  // Unix ms of the next logout attempt

    // Live at now_ms (Unix ms): not queued for logout and the partner expiry (if any) is
    // still in the future.
    [[nodiscard]] bool live_at(std::int64_t now_ms) const noexcept {
        return !logout_pending && (expires_at_s == 0 || expires_at_s * 1000 > now_ms);
    }
};

}  // namespace tg::sessions
