#include "gateway/core/tls_socket.hpp"

#include <boost/asio/ssl/error.hpp>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <new>

namespace tg {

TlsSocket::TlsSocket(TimedSocket socket, SSL_CTX* context) : socket_(std::move(socket)), ssl_(SSL_new(context)) {
    error_code ec;
    socket_.socket().non_blocking(true, ec);  // OpenSSL's recv and send must never block the worker
    if (!ssl_ || ec || SSL_set_fd(ssl_.get(), static_cast<int>(socket_.socket().native_handle())) != 1) {
        throw std::bad_alloc();
    }
    // A write retried after a wait may offer the same bytes from another buffer.
    SSL_set_mode(ssl_.get(), SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_ENABLE_PARTIAL_WRITE);
    // A whole record (or more) per recv, instead of its 5-byte header and then its body.
    SSL_set_read_ahead(ssl_.get(), 1);
}

asio::awaitable<error_code> TlsSocket::handshake(Side side) {
    if (side == Side::server) {
        SSL_set_accept_state(ssl_.get());
    } else {
        SSL_set_connect_state(ssl_.get());
    }
    // Each round trip waits on the socket, whose deadline ends the loop if the peer stalls.
    for (;;) {
        ERR_clear_error();
        const int result = SSL_do_handshake(ssl_.get());
        const int saved_errno = errno;
        if (result == 1) co_return error_code{};
        const auto attempt = failure(result, saved_errno);
        if (!attempt.wait) co_return attempt.ec;
        auto [ec] = co_await socket_.async_wait(*attempt.wait, use_tuple);
        if (ec) co_return ec;
    }
}

bool TlsSocket::expect_peer(const std::string& host, bool is_ip) {
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl_.get());
    if (is_ip) return X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) == 1;
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    return X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size()) == 1;
}

TlsSocket::Attempt TlsSocket::read_once(asio::mutable_buffer into) {
    if (into.size() == 0) return Attempt::moved(0);
    ERR_clear_error();
    std::size_t read = 0;
    const int result = SSL_read_ex(ssl_.get(), into.data(), into.size(), &read);
    const int saved_errno = errno;
    if (result == 1) return Attempt::moved(read);
    return failure(result, saved_errno);
}

TlsSocket::Attempt TlsSocket::write_once(asio::const_buffer plaintext) {
    if (plaintext.size() == 0) return Attempt::moved(0);
    ERR_clear_error();
    std::size_t written = 0;
    const int result = SSL_write_ex(ssl_.get(), plaintext.data(), plaintext.size(), &written);
    const int saved_errno = errno;
    if (result == 1) return Attempt::moved(written);
    return failure(result, saved_errno);
}

TlsSocket::Attempt TlsSocket::failure(int result, int saved_errno) {
    namespace ssl_errors = asio::ssl::error;
    switch (SSL_get_error(ssl_.get(), result)) {
    case SSL_ERROR_WANT_READ:
        return Attempt::blocked(TimedSocket::socket_type::wait_read);
    case SSL_ERROR_WANT_WRITE:
        return Attempt::blocked(TimedSocket::socket_type::wait_write);
    case SSL_ERROR_ZERO_RETURN:  // the peer's close_notify
        return Attempt::failed(asio::error::eof);
    case SSL_ERROR_SYSCALL:
        if (ERR_peek_error() == 0) {
            if (saved_errno == 0) return Attempt::failed(ssl_errors::stream_truncated);
            return Attempt::failed(error_code(saved_errno, boost::system::system_category()));
        }
        break;
    default:
        break;
    }
    const unsigned long error = ERR_get_error();
    if (ERR_GET_REASON(error) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
        return Attempt::failed(ssl_errors::stream_truncated);  // the peer closed without close_notify
    }
    return Attempt::failed(error_code(static_cast<int>(error), asio::error::get_ssl_category()));
}

void TlsSocket::notify_close() noexcept {
    if (!SSL_is_init_finished(ssl_.get())) return;
    ERR_clear_error();
    SSL_shutdown(ssl_.get());  // one non-blocking try: close_notify if the socket takes it
    ERR_clear_error();
}

bool TlsSocket::has_buffered_input() const { return SSL_has_pending(ssl_.get()) == 1; }

}  // namespace tg
