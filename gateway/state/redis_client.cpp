#include "gateway/state/redis_client.hpp"

#include "gateway/core/log.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>

#include <hiredis/hiredis.h>

#include <array>
#include <charconv>

namespace tg::state {
namespace {

using namespace asio::experimental::awaitable_operators;
using tcp = asio::ip::tcp;
using steady = std::chrono::steady_clock;

constexpr auto deadline_check_period = std::chrono::milliseconds(25);
constexpr auto first_backoff = std::chrono::milliseconds(100);
constexpr auto longest_backoff = std::chrono::milliseconds(5000);

}  // namespace

std::string encode_redis_command(const std::vector<std::string>& arguments) {
    std::vector<const char*> values;
    std::vector<std::size_t> lengths;
    for (const auto& argument : arguments) {
        values.push_back(argument.data());
        lengths.push_back(argument.size());
    }
    char* command = nullptr;
    const int length = redisFormatCommandArgv(&command, static_cast<int>(values.size()), values.data(), lengths.data());
    if (length < 0) throw std::bad_alloc();
    std::string encoded(command, static_cast<std::size_t>(length));
    redisFreeCommand(command);
    return encoded;
}

namespace {

std::string_view text_of(const redisReply& reply) {
    return reply.str ? std::string_view(reply.str, reply.len) : std::string_view();
}

}  // namespace

void ReplyDeleter::operator()(redisReply* reply) const { freeReplyObject(reply); }

struct RedisClient::Connection {
    explicit Connection(asio::io_context& io) : socket(io) {}
    ~Connection() { redisReaderFree(reader); }

    auto write(asio::const_buffer data) {
        return tls ? asio::async_write(*tls, data, use_tuple) : asio::async_write(socket, data, use_tuple);
    }
    auto read_some() {
        return tls ? tls->async_read_some(asio::buffer(buffer), use_tuple)
                   : socket.async_read_some(asio::buffer(buffer), use_tuple);
    }
    void close() {
        error_code ignored;
        (tls ? tls->next_layer() : socket).close(ignored);
    }

    std::unique_ptr<asio::ssl::context> tls_context;  // before tls: outlives it
    tcp::socket socket;                               // plain, or handed to tls
    std::unique_ptr<asio::ssl::stream<tcp::socket>> tls;
    redisReader* reader = redisReaderCreate();
    std::array<char, 16384> buffer{};
    std::string display;
};

RedisClient::RedisClient(config::RedisSettings settings, std::string password)
    : settings_(std::move(settings)), password_(std::move(password)) {}

RedisClient::~RedisClient() { stop(); }

void RedisClient::start() {
    if (thread_.joinable()) return;
    asio::co_spawn(io_, run(), [](std::exception_ptr failure) {
        if (!failure) return;
        try {
            std::rethrow_exception(failure);
        } catch (const std::exception& e) {
            log::error("shared state (redis): the connection loop ended: ", e.what());
        }
    });
    thread_ = std::thread([this] { io_.run(); });
    // Traffic waits for the first attempt to end, so a gateway that starts next to a
    // running Redis never answers its first requests 503. A Redis that is down delays
    // start-up by no more than the connect timeouts of that one attempt.
    const auto attempts = settings_.sentinels.size() + settings_.servers.size() + 1;
    first_attempt_ended_.get_future().wait_for(settings_.connect_timeout * attempts);
}

void RedisClient::stop() {
    if (!thread_.joinable()) return;
    asio::post(io_, [this] {
        stopping_ = true;
        connected_ = false;
        fail_all(make_error_code(Errc::unavailable));
        io_.stop();
    });
    thread_.join();
}

std::string RedisClient::problem() const {
    std::lock_guard lock(problem_mutex_);
    return problem_;
}

void RedisClient::set_problem(std::string problem) {
    std::lock_guard lock(problem_mutex_);
    problem_ = std::move(problem);
}

asio::awaitable<Result<RedisReply>> RedisClient::command(std::vector<std::string> arguments) {
    auto initiate = [this](auto handler, std::string encoded) {
        auto caller = asio::prefer(asio::get_associated_executor(handler), asio::execution::outstanding_work.tracked);
        auto shared_handler = std::make_shared<decltype(handler)>(std::move(handler));
        asio::post(io_, [this, encoded = std::move(encoded), shared_handler, caller]() mutable {
            submit(std::move(encoded), [shared_handler, caller](error_code ec, RedisReply reply) {
                asio::post(caller, [shared_handler, ec, reply = std::move(reply)]() mutable {
                    std::move (*shared_handler)(ec, std::move(reply));
                });
            });
        });
    };
    auto [ec, reply] = co_await asio::async_initiate<decltype(use_tuple), void(error_code, RedisReply)>(
        std::move(initiate), use_tuple, encode_redis_command(arguments));
    if (ec) co_return failed<RedisReply>(ec);
    co_return std::move(reply);
}

void RedisClient::submit(std::string encoded, Completion done) {
    if (!connected_ || stopping_) {
        done(make_error_code(Errc::unavailable), nullptr);
        return;
    }
    queued_.push_back({std::move(encoded), std::move(done), steady::now() + settings_.command_timeout});
    wake_writer_.cancel();
}

void RedisClient::end_first_attempt() {
    if (first_attempt_pending_) first_attempt_ended_.set_value();
    first_attempt_pending_ = false;
}

void RedisClient::fail_all(error_code why) {
    auto in_flight = std::move(in_flight_);
    auto queued = std::move(queued_);
    in_flight_.clear();
    queued_.clear();
    for (auto& pending : in_flight) pending.done(why, nullptr);
    for (auto& pending : queued) pending.done(why, nullptr);
}

asio::awaitable<void> RedisClient::run() {
    auto backoff = first_backoff;
    while (!stopping_) {
        // Nothing thrown below (an OpenSSL context that cannot be made, say) may end the
        // loop: callers would then wait for answers that never come.
        try {
            auto connection = co_await connect_any();
            end_first_attempt();
            if (connection) {
                backoff = first_backoff;
                set_problem({});
                connected_ = true;
                log::info("shared state (redis): connected to ", connection->display);
                const auto why = co_await serve(*connection);
                connected_ = false;
                connection->close();
                reconnects_.fetch_add(1, std::memory_order_relaxed);
                set_problem("the connection to " + connection->display + " ended: " + why.message());
                log::warn("shared state (redis): ", problem());
                fail_all(why == make_error_code(Errc::timeout) ? why : make_error_code(Errc::unavailable));
            } else {
                log::warn("shared state (redis): ", problem(), "; trying again in ", backoff.count(), " ms");
            }
        } catch (const std::exception& e) {
            end_first_attempt();
            connected_ = false;
            set_problem(std::string("the connection failed: ") + e.what());
            log::error("shared state (redis): ", problem());
            fail_all(make_error_code(Errc::unavailable));
        }
        asio::steady_timer pause(io_, backoff);
        co_await pause.async_wait(use_tuple);
        backoff = std::min(backoff * 2, longest_backoff);
    }
}

asio::awaitable<std::unique_ptr<RedisClient::Connection>> RedisClient::connect_any() {
    if (!settings_.sentinels.empty()) {
        const auto master = co_await ask_sentinels();
        if (!master) co_return nullptr;
        co_return co_await connect_to(*master, true);
    }
    for (const auto& server : settings_.servers) {
        if (auto connection = co_await connect_to(server, true)) co_return connection;
    }
    co_return nullptr;
}

namespace {

// One command on a connection that carries nothing else (the handshake, the sentinels),
// within `timeout`.
asio::awaitable<Result<RedisReply>> round_trip(auto& connection, const std::vector<std::string>& arguments,
                                               asio::steady_timer& timer) {
    const auto encoded = encode_redis_command(arguments);
    auto exchange = [&]() -> asio::awaitable<Result<RedisReply>> {
        auto [write_ec, written] = co_await connection.write(asio::buffer(encoded));
        if (write_ec) co_return failed<RedisReply>(write_ec);
        for (;;) {
            void* raw = nullptr;
            if (redisReaderGetReply(connection.reader, &raw) != REDIS_OK) {
                co_return failed<RedisReply>(make_error_code(Errc::unavailable));
            }
            if (raw) co_return RedisReply(static_cast<redisReply*>(raw));
            auto [read_ec, got] = co_await connection.read_some();
            if (read_ec) co_return failed<RedisReply>(read_ec);
            redisReaderFeed(connection.reader, connection.buffer.data(), got);
        }
    };
    auto outcome = co_await (exchange() || timer.async_wait(use_tuple));
    if (outcome.index() == 1) co_return failed<RedisReply>(make_error_code(Errc::timeout));
    co_return std::move(std::get<0>(outcome));
}

}  // namespace

asio::awaitable<std::unique_ptr<RedisClient::Connection>> RedisClient::connect_to(
    const config::RedisSettings::Server& server, bool authenticate) {
    auto connection = std::make_unique<Connection>(io_);
    connection->display = server.display;
    auto failed = [&](const std::string& why) -> std::unique_ptr<Connection> {
        set_problem("cannot connect to " + server.display + ": " + why);
        return nullptr;
    };
    asio::steady_timer timer(io_);
    timer.expires_after(settings_.connect_timeout);
    tcp::resolver resolver(io_);
    auto resolved = co_await (resolver.async_resolve(server.host, std::to_string(server.port), use_tuple) ||
                              timer.async_wait(use_tuple));
    if (resolved.index() == 1) co_return failed("no address within the connect timeout");
    auto [resolve_ec, endpoints] = std::get<0>(resolved);
    if (resolve_ec) co_return failed(resolve_ec.message());
    auto connected = co_await (asio::async_connect(connection->socket, endpoints, use_tuple) ||
                               timer.async_wait(use_tuple));
    if (connected.index() == 1) co_return failed("no connection within the connect timeout");
    if (const auto ec = std::get<0>(std::get<0>(connected))) co_return failed(ec.message());
    error_code ignored;
    connection->socket.set_option(tcp::no_delay(true), ignored);

    if (server.tls) {
        auto& context = *(connection->tls_context = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client));
        error_code ec;
        context.set_verify_mode(asio::ssl::verify_peer);
        if (settings_.ca_file.empty()) {
            context.set_default_verify_paths(ec);
        } else {
            context.load_verify_file(settings_.ca_file, ec);
        }
        if (ec) co_return failed("cannot load the CA: " + ec.message());
        context.set_verify_callback(asio::ssl::host_name_verification(server.host));
        connection->tls = std::make_unique<asio::ssl::stream<tcp::socket>>(std::move(connection->socket), context);
        SSL_set_tlsext_host_name(connection->tls->native_handle(), server.host.c_str());
        auto handshake = co_await (connection->tls->async_handshake(asio::ssl::stream_base::client, use_tuple) ||
                                   timer.async_wait(use_tuple));
        if (handshake.index() == 1) co_return failed("no TLS handshake within the connect timeout");
        if (const auto handshake_ec = std::get<0>(std::get<0>(handshake))) {
            co_return failed("TLS handshake: " + handshake_ec.message());
        }
    }
    if (!authenticate) co_return connection;

    timer.expires_after(settings_.command_timeout);
    auto ask = [&](std::vector<std::string> arguments, const char* what) -> asio::awaitable<std::optional<std::string>> {
        auto reply = co_await round_trip(*connection, arguments, timer);
        if (!reply) co_return std::string(what) + ": " + reply.error().message();
        if ((*reply)->type == REDIS_REPLY_ERROR) co_return std::string(what) + " refused: " + std::string(text_of(**reply));
        co_return std::nullopt;
    };
    if (!password_.empty()) {
        std::vector<std::string> auth{"AUTH"};
        if (!settings_.username.empty()) auth.push_back(settings_.username);
        auth.push_back(password_);
        if (auto problem = co_await ask(std::move(auth), "AUTH")) co_return failed(*problem);
    }
    if (server.database != 0) {
        std::vector<std::string> select{"SELECT", std::to_string(server.database)};
        if (auto problem = co_await ask(std::move(select), "SELECT")) {
            co_return failed(*problem);
        }
    }
    if (!settings_.sentinels.empty()) {
        // The sentinels' answer may be stale during a failover: write only to a master.
        const std::vector<std::string> role_command{"ROLE"};
        auto role = co_await round_trip(*connection, role_command, timer);
        if (!role) co_return failed("ROLE: " + role.error().message());
        const auto& reply = **role;
        if (reply.type != REDIS_REPLY_ARRAY || reply.elements == 0 || text_of(*reply.element[0]) != "master") {
            co_return failed("not a master (yet)");
        }
    }
    co_return connection;
}

asio::awaitable<std::optional<config::RedisSettings::Server>> RedisClient::ask_sentinels() {
    std::string problems;
    for (const auto& sentinel : settings_.sentinels) {
        auto connection = co_await connect_to(sentinel, false);
        if (!connection) {
            problems += (problems.empty() ? "" : "; ") + problem();
            continue;
        }
        asio::steady_timer timer(io_);
        timer.expires_after(settings_.command_timeout);
        const std::vector<std::string> ask_master{"SENTINEL", "get-master-addr-by-name", settings_.master_name};
        auto reply = co_await round_trip(*connection, ask_master, timer);
        connection->close();
        unsigned port = 0;
        if (reply && (*reply)->type == REDIS_REPLY_ARRAY && (*reply)->elements == 2) {
            const auto digits = text_of(*(*reply)->element[1]);
            const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
            if (ec != std::errc() || end != digits.data() + digits.size() || port > 65535) port = 0;
        }
        if (port != 0) {
            config::RedisSettings::Server master;
            master.host = std::string(text_of(*(*reply)->element[0]));
            master.port = static_cast<std::uint16_t>(port);
            master.tls = sentinel.tls;
            master.display = std::string(sentinel.tls ? "rediss://" : "redis://") + master.host + ":" +
                             std::to_string(master.port) + "/0 (master " + settings_.master_name + ")";
            co_return master;
        }
        problems += (problems.empty() ? "" : "; ") + sentinel.display + " does not know the master " +
                    settings_.master_name;
    }
    set_problem("no sentinel named a master: " + problems);
    co_return std::nullopt;
}

asio::awaitable<error_code> RedisClient::serve(Connection& connection) {
    auto ended = co_await (write_loop(connection) || read_loop(connection) || watch_deadlines());
    co_return std::visit([](const error_code& ec) { return ec; }, ended);
}

asio::awaitable<error_code> RedisClient::write_loop(Connection& connection) {
    std::string batch;
    for (;;) {
        if (queued_.empty()) {
            wake_writer_.expires_at(steady::time_point::max());
            co_await wake_writer_.async_wait(use_tuple);  // submit() cancels it
            if (stopping_) co_return make_error_code(Errc::unavailable);
            continue;
        }
        batch.clear();
        while (!queued_.empty()) {
            batch += queued_.front().encoded;
            in_flight_.push_back(std::move(queued_.front()));
            queued_.pop_front();
        }
        auto [ec, written] = co_await connection.write(asio::buffer(batch));
        if (ec) co_return ec;
    }
}

asio::awaitable<error_code> RedisClient::read_loop(Connection& connection) {
    for (;;) {
        auto [ec, got] = co_await connection.read_some();
        if (ec) co_return ec;
        if (redisReaderFeed(connection.reader, connection.buffer.data(), got) != REDIS_OK) {
            co_return make_error_code(Errc::unavailable);
        }
        for (;;) {
            void* raw = nullptr;
            if (redisReaderGetReply(connection.reader, &raw) != REDIS_OK) co_return make_error_code(Errc::unavailable);
            if (!raw) break;
            RedisReply reply(static_cast<redisReply*>(raw));
            if (in_flight_.empty()) co_return make_error_code(Errc::unavailable);  // an answer nobody asked for
            auto pending = std::move(in_flight_.front());
            in_flight_.pop_front();
            // A master demoted by a failover refuses writes: find the new one.
            const bool demoted = reply->type == REDIS_REPLY_ERROR && text_of(*reply).starts_with("READONLY");
            pending.done({}, std::move(reply));
            if (demoted) co_return make_error_code(Errc::unavailable);
        }
    }
}

asio::awaitable<error_code> RedisClient::watch_deadlines() {
    asio::steady_timer timer(io_);
    for (;;) {
        timer.expires_after(deadline_check_period);
        auto [ec] = co_await timer.async_wait(use_tuple);
        if (ec) co_return ec;
        const auto now = steady::now();
        const bool late = (!in_flight_.empty() && in_flight_.front().deadline <= now) ||
                          (!queued_.empty() && queued_.front().deadline <= now);
        if (late) {
            timeouts_.fetch_add(1, std::memory_order_relaxed);
            co_return make_error_code(Errc::timeout);
        }
    }
}

}  // namespace tg::state
