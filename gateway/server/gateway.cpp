#include "gateway/server/gateway.hpp"

#include "gateway/state/make_shared_state.hpp"

#include "gateway/core/asio_aliases.hpp"
#include "gateway/core/log.hpp"
#include "gateway/handlers/service.hpp"
#include "gateway/server/connection_balance.hpp"
#include "gateway/server/cpu_affinity.hpp"
#include "gateway/server/http_session.hpp"
#include "gateway/server/tls.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <stdexcept>

namespace tg::server {
namespace {

using tcp = asio::ip::tcp;
using reuse_port = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

bool is_resource_exhaustion(const error_code& ec) {
    return ec == asio::error::no_descriptors || ec == asio::error::no_memory || ec == asio::error::no_buffer_space ||
           ec.value() == ENFILE;
}

asio::awaitable<void> accept_loop(tcp::acceptor acceptor, Worker& worker, std::shared_ptr<const ListenerInfo> listener) {
    // Registered so a drain can close it; the loop ends when it is closed.
    worker.add_acceptor(&acceptor);
    struct Unregister {
        Worker& worker;
        tcp::acceptor* acceptor;
        ~Unregister() { worker.remove_acceptor(acceptor); }
    } unregister{worker, &acceptor};
    asio::steady_timer backoff(acceptor.get_executor());
    for (;;) {
        auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
        if (is_resource_exhaustion(ec)) {
            // Retrying at once would spin; pending connections wait in the backlog meanwhile.
            log::warn("listener ", listener->name, ": accept failed: ", ec.message(), "; pausing 100 ms");
            backoff.expires_after(std::chrono::milliseconds(100));
            co_await backoff.async_wait(use_tuple);
            continue;
        }
        if (ec) continue;  // the client went away between connect and accept
        try {
            auto& target = worker.config().connection_balance == config::ConnectionBalance::exact
                               ? least_loaded(worker, worker.shared().workers)
                               : worker;
            if (&target == &worker) {
                start_session(worker, listener, std::move(socket));
            } else {
                hand_off(target, listener, std::move(socket));
            }
        } catch (const std::exception& e) {
            log::error("listener ", listener->name, ": cannot start a session: ", e.what());
        }
    }
}

}  // namespace

Gateway::Gateway(std::shared_ptr<const config::Config> config, const handlers::Registry& registry)
    : registry_(registry), runtime_(Runtime::build(std::move(config), registry)) {
    shared_state_ = state::make_shared_state(*runtime_->config);
    shared_.shared_state = shared_state_.get();
    shared_.services.push_back(shared_state_.get());  // started before the modules' services
    const auto& access_log = runtime_->config->access_log.path;
    if (!access_log.empty()) shared_.access_log = std::make_unique<observability::AccessLogWriter>(access_log);
    for (const auto& service : registry.services()) shared_.services.push_back(service.get());
    for (unsigned i = 0; i < runtime_->config->workers; ++i) {
        workers_.push_back(std::make_unique<Worker>(i, runtime_, shared_));
        shared_.workers.push_back(workers_.back().get());
    }
}

Gateway::~Gateway() {
    stop();
    for (auto it = shared_.services.rbegin(); it != shared_.services.rend(); ++it) (*it)->stop();  // also after a failed start
    shared_.workers.clear();
    workers_.clear();  // before shared_, which they refer to
}

void Gateway::bind_listener(const config::Listener& listener) {
    auto info = std::make_shared<ListenerInfo>();
    info->name = listener.name;
    info->admin = listener.admin;
    info->proxy_protocol = listener.proxy_protocol;
    info->proxy_protocol_timeout = listener.proxy_protocol_timeout;
    info->trusted_proxies = listener.trusted_proxies;
    info->client_ip_header = listener.client_ip_header;
    if (listener.tls) {
        info->tls = std::make_shared<TlsContextSlot>(make_server_tls_context(*listener.tls));
        tls_slots_[listener.name] = info->tls;
        info->handshake_timeout = listener.tls->handshake_timeout;
        if (listener.tls->hsts_max_age_s > 0) {
            info->strict_transport_security = "max-age=" + std::to_string(listener.tls->hsts_max_age_s) +
                                              (listener.tls->hsts_include_subdomains ? "; includeSubDomains" : "");
        }
    }
    const tcp::endpoint wanted(asio::ip::make_address(listener.address), listener.port);
    std::uint16_t port = listener.port;
    for (auto& worker : workers_) {
        tcp::acceptor acceptor(worker->io());
        error_code ec;
        const tcp::endpoint endpoint(wanted.address(), port);
        acceptor.open(endpoint.protocol(), ec);
        if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
        if (!ec) acceptor.set_option(reuse_port(true), ec);
        if (!ec) acceptor.bind(endpoint, ec);
        if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
        if (ec) {
            throw std::runtime_error("listener " + listener.name + ": cannot listen on " + listener.address + ":" +
                                     std::to_string(port) + ": " + ec.message());
        }
        port = acceptor.local_endpoint().port();  // port 0: every worker joins the first one's port
        asio::co_spawn(worker->io(), accept_loop(std::move(acceptor), *worker, info), asio::detached);
    }
    bound_ports_[listener.name] = port;
    log::info("listener ", listener.name, " on ", listener.address, ":", port, listener.tls ? " (TLS)" : "",
              listener.admin ? " (admin)" : "");
}

void Gateway::start() {
    for (const auto& listener : runtime_->config->listeners) bind_listener(listener);
    // Before the first request: a service may have state to load (DXtrade's sessions).
    for (auto* service : shared_.services) {
        if (service != shared_state_.get()) service->use_shared_state(*shared_state_);
        service->start(*runtime_->config);
    }
    const auto cpus = runtime_->config->pin_workers ? allowed_cpus() : std::vector<int>();
    if (runtime_->config->pin_workers && cpus.empty()) {
        log::warn("worker_cpu_affinity: cannot read the CPUs this process may use; workers left unpinned");
    } else if (!cpus.empty() && cpus.size() < workers_.size()) {
        log::warn("worker_cpu_affinity: ", workers_.size(), " workers on ", cpus.size(),
                  " allowed CPUs; some share a CPU");
    }
    for (std::size_t i = 0; i < workers_.size(); ++i) {
        workers_[i]->start_thread(cpus.empty() ? -1 : cpus[i % cpus.size()]);
    }
    running_ = true;
    log::info("trading-gateway " TG_VERSION " serving with ", workers_.size(), " workers",
              cpus.empty() ? "" : ", each pinned to a CPU");
}

void Gateway::stop() {
    if (!running_) return;
    running_ = false;
    for (auto& worker : workers_) worker->stop();
    for (auto& worker : workers_) worker->join();
    for (auto it = shared_.services.rbegin(); it != shared_.services.rend(); ++it) (*it)->stop();
}

namespace {

bool same_listeners(const std::vector<config::Listener>& a, const std::vector<config::Listener>& b) {
    auto key = [](const config::Listener& l) {
        // The certificates and the other TLS settings are reloaded (reload_tls); plain or
        // TLS, and the handshake timeout, need a restart.
        std::string k = l.name + "|" + l.address + "|" + std::to_string(l.port) + "|" + (l.admin ? "admin" : "");
        if (l.tls) {
            k += "|tls|" + std::to_string(l.tls->handshake_timeout.count()) + "|" + std::to_string(l.tls->hsts_max_age_s) +
                 (l.tls->hsts_include_subdomains ? "|subdomains" : "");
        }
        return k;
    };
    const auto same_client_address = [](const config::Listener& x, const config::Listener& y) {
        return x.proxy_protocol == y.proxy_protocol && x.proxy_protocol_timeout == y.proxy_protocol_timeout &&
               x.trusted_proxies == y.trusted_proxies && x.client_ip_header == y.client_ip_header;
    };
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (key(a[i]) != key(b[i]) || !same_client_address(a[i], b[i])) return false;
    return true;
}

}  // namespace

ReloadResult Gateway::reload(std::shared_ptr<const config::Config> config) {
    ReloadResult result;
    if (!same_listeners(runtime_->config->listeners, config->listeners)) result.ignored.push_back("listeners");
    if (runtime_->config->workers != config->workers) result.ignored.push_back("workers");
    if (runtime_->config->pin_workers != config->pin_workers) result.ignored.push_back("worker_cpu_affinity");
    if (runtime_->config->access_log.path != config->access_log.path) result.ignored.push_back("access_log");
    const auto* running_state = runtime_->config->document.if_contains("shared_state");
    const auto* next_state = config->document.if_contains("shared_state");
    if ((running_state == nullptr) != (next_state == nullptr) || (running_state && *running_state != *next_state)) {
        result.ignored.push_back("shared_state");
    }
    for (const auto* service : shared_.services) {
        for (auto& setting : service->needs_restart(*config)) result.ignored.push_back(std::move(setting));
    }
    std::vector<std::pair<std::shared_ptr<TlsContextSlot>, std::shared_ptr<asio::ssl::context>>> renewed;
    try {
        // Every certificate and ticket key is read again, so a renewed one in the same file
        // is taken; a pair that does not load keeps the running ones, and the reload fails.
        for (const auto& listener : config->listeners) {
            const auto slot = tls_slots_.find(listener.name);
            if (!listener.tls || slot == tls_slots_.end()) continue;
            try {
                renewed.emplace_back(slot->second, make_server_tls_context(*listener.tls));
            } catch (const std::exception& e) {
                throw std::runtime_error("listener " + listener.name + ": " + e.what());
            }
        }
        auto runtime = Runtime::build(std::move(config), registry_);
        workers_.front()->try_build(runtime);
        runtime_ = std::move(runtime);
        for (auto& [slot, context] : renewed) slot->replace(std::move(context));
    } catch (const std::exception& e) {
        result.error = e.what();
        return result;
    }
    for (auto& worker : workers_) {
        asio::post(worker->io(), [worker = worker.get(), runtime = runtime_] { worker->apply(runtime); });
    }
    result.applied = true;
    return result;
}

void Gateway::begin_drain() { shared_.draining.store(true); }

void Gateway::stop_accepting() {
    shared_.closing.store(true);
    for (auto& worker : workers_) asio::post(worker->io(), [worker = worker.get()] { worker->close_for_drain(); });
}

int Gateway::open_connections() const {
    int open = 0;
    for (const auto& worker : workers_) open += worker->load();  // with connections being handed over
    return open;
}

std::uint16_t Gateway::port(const std::string& listener_name) const {
    const auto it = bound_ports_.find(listener_name);
    if (it == bound_ports_.end()) throw std::out_of_range("no listener named " + listener_name);
    return it->second;
}

}  // namespace tg::server
