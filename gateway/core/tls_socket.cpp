#include "gateway/core/tls_socket.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <csignal>
#include <new>

namespace tg {
namespace {

// OpenSSL's socket BIO sends with write(), which raises SIGPIPE when the peer has reset
// the connection; like nginx, a process that runs TLS connections ignores it.
void ignore_sigpipe() {
    static const bool ignored = [] { return std::signal(SIGPIPE, SIG_IGN) != SIG_ERR; }();
    (void)ignored;
}

// SSL_get_error needs an empty error queue before each call. failure() empties it after
// every error, so it is nearly always empty already, and peeking is far cheaper than
// ERR_clear_error's walk over every slot of the queue.
void empty_error_queue() {
    if (ERR_peek_error() != 0) ERR_clear_error();
}

// The socket BIO's callback: after each recv, whether it came back short of what OpenSSL
// asked for (the socket was empty then), into the flag its argument points to.
long note_short_recv(BIO* bio, int operation, const char*, std::size_t asked, int, long, int result,
                     std::size_t* received) {
    if (operation == (BIO_CB_READ | BIO_CB_RETURN) && result > 0) {
        *reinterpret_cast<bool*>(BIO_get_callback_arg(bio)) = *received < asked;
    }
    return result;
}

}  // namespace

// The socket is non-blocking (TimedSocket), so OpenSSL's recv and send never block.
TlsSocket::TlsSocket(TimedSocket socket, SSL_CTX* context) : socket_(std::move(socket)), ssl_(SSL_new(context)) {
    ignore_sigpipe();
    if (!ssl_ || SSL_set_fd(ssl_.get(), static_cast<int>(socket_.socket().native_handle())) != 1) {
        throw std::bad_alloc();
    }
    // A write retried after a wait may offer the same bytes from another buffer.
    SSL_set_mode(ssl_.get(), SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_ENABLE_PARTIAL_WRITE);
    // A TLS 1.2 renegotiation could make a write wait for bytes already read.
    SSL_set_options(ssl_.get(), SSL_OP_NO_RENEGOTIATION);
    // A whole record (or more) per recv, instead of its 5-byte header and then its body.
    SSL_set_read_ahead(ssl_.get(), 1);
    BIO_set_callback_ex(SSL_get_rbio(ssl_.get()), note_short_recv);
    point_recv_notes_here();
}

TlsSocket::TlsSocket(TlsSocket&& other) noexcept
    : socket_(std::move(other.socket_)), ssl_(std::move(other.ssl_)), last_recv_short_(other.last_recv_short_) {
    point_recv_notes_here();
}

void TlsSocket::point_recv_notes_here() {
    if (!ssl_) return;  // moved from
    BIO_set_callback_arg(SSL_get_rbio(ssl_.get()), reinterpret_cast<char*>(&last_recv_short_));
}

asio::awaitable<error_code> TlsSocket::handshake(Side side) {
    if (side == Side::server) {
        SSL_set_accept_state(ssl_.get());
    } else {
        SSL_set_connect_state(ssl_.get());
    }
    // Each round trip waits on the socket, whose deadline ends the loop if the peer stalls.
    for (;;) {
        const auto attempt = call([this](std::size_t&) { return SSL_do_handshake(ssl_.get()); });
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

template <class SslCall>
TlsSocket::Attempt TlsSocket::call(SslCall ssl_call) {
    if (!socket_.socket().is_open()) return Attempt::failed(asio::error::bad_descriptor);
    empty_error_queue();
    errno = 0;
    std::size_t bytes = 0;
    const int result = ssl_call(bytes);
    const int saved_errno = errno;
    if (result == 1) return Attempt::moved(bytes);
    return failure(result, saved_errno);
}

TlsSocket::Attempt TlsSocket::read_once(asio::mutable_buffer into) {
    // Only a recv made by this read says anything about the socket now.
    last_recv_short_ = false;
    if (into.size() == 0) return Attempt::moved(0);
    auto attempt = call([&](std::size_t& read) { return SSL_read_ex(ssl_.get(), into.data(), into.size(), &read); });
    // A short recv is not taken for an empty socket: a FIN or RST may have come with the
    // data (see DrainingRecv in reactor_op.hpp).
    attempt.emptied_socket = false;
    return attempt;
}

TlsSocket::Attempt TlsSocket::write_once(asio::const_buffer plaintext) {
    if (plaintext.size() == 0) return Attempt::moved(0);
    return call([&](std::size_t& written) {
        return SSL_write_ex(ssl_.get(), plaintext.data(), plaintext.size(), &written);
    });
}

TlsSocket::Attempt TlsSocket::failure(int result, int saved_errno) {
    namespace ssl_errors = asio::ssl::error;
    const int kind = SSL_get_error(ssl_.get(), result);
    if (kind == SSL_ERROR_WANT_READ) return Attempt::blocked(TimedSocket::socket_type::wait_read);
    if (kind == SSL_ERROR_WANT_WRITE) return Attempt::blocked(TimedSocket::socket_type::wait_write);
    if (kind == SSL_ERROR_ZERO_RETURN) return Attempt::failed(asio::error::eof);  // the peer's close_notify
    // The first error queued is the cause; the rest must not linger on this thread's queue.
    const unsigned long error = ERR_get_error();
    ERR_clear_error();
    if (kind == SSL_ERROR_SYSCALL && error == 0) {
        if (saved_errno == 0) return Attempt::failed(ssl_errors::stream_truncated);
        return Attempt::failed(error_code(saved_errno, boost::system::system_category()));
    }
    if (ERR_GET_LIB(error) == ERR_LIB_SSL && ERR_GET_REASON(error) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
        return Attempt::failed(ssl_errors::stream_truncated);  // the peer closed without close_notify
    }
    // Never a success: an empty queue (an outcome the gateway does not ask for) is a
    // protocol error.
    if (error == 0) return Attempt::failed(make_error_code(boost::system::errc::protocol_error));
    return Attempt::failed(error_code(static_cast<int>(error), asio::error::get_ssl_category()));
}

void TlsSocket::notify_close() noexcept {
    if (!socket_.socket().is_open() || !SSL_is_init_finished(ssl_.get())) return;
    empty_error_queue();
    SSL_shutdown(ssl_.get());  // one non-blocking try: close_notify if the socket takes it
    ERR_clear_error();
}

asio::awaitable<error_code> TlsSocket::send_close_notify() {
    // Each try sends what the socket takes; the deadline ends the loop if it never drains.
    for (;;) {
        const auto attempt = call([this](std::size_t&) {
            const int result = SSL_shutdown(ssl_.get());
            return result >= 0 ? 1 : result;  // 0: sent, the peer's has not come yet
        });
        if (attempt.wait != TimedSocket::socket_type::wait_write) co_return attempt.ec;
        auto [ec] = co_await socket_.async_wait(TimedSocket::socket_type::wait_write, use_tuple);
        if (ec) co_return ec;
    }
}

bool TlsSocket::has_buffered_input() const { return SSL_has_pending(ssl_.get()) == 1; }

bool TlsSocket::idle_until_readable() const { return !has_buffered_input() && !SSL_want_write(ssl_.get()); }

}  // namespace tg
