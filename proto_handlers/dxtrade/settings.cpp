#include "proto_handlers/dxtrade/settings.hpp"

#include "gateway/config/fields.hpp"
#include "gateway/config/section.hpp"
#include "proto_handlers/dxtrade/launch_page.hpp"


namespace tg::dxtrade {
namespace {

using config::detail::ObjectReader;
using config::detail::Presence;
using config::detail::quote;

void read_endpoint(ObjectReader& parent, std::string_view key, Endpoint& endpoint,
                   std::vector<config::Problem>& problems) {
    const auto* value = parent.find(key);
    if (!value) return;
    ObjectReader reader(*value, parent.path_of(key), {"path", "method", "encoding"}, problems);
    if (!reader.is_object()) return;
    std::string text;
    if (reader.read_string("path", text)) {
        if (!text.starts_with("/")) reader.report("path", "expected a path starting with \"/\"");
        else endpoint.path = text;
    }
    if (reader.read_string("method", text)) {
        if (text == "GET") endpoint.method = boost::beast::http::verb::get;
        else if (text == "POST") endpoint.method = boost::beast::http::verb::post;
        else reader.report("method", "expected \"GET\" or \"POST\"");
    }
    if (reader.read_string("encoding", text)) {
        if (text == "form") endpoint.encoding = Encoding::form;
        else if (text == "json") endpoint.encoding = Encoding::json;
        else if (text == "query") endpoint.encoding = Encoding::query;
        else reader.report("encoding", "expected \"form\", \"json\" or \"query\"");
    }
}

void read_launch(ObjectReader& parent, const boost::json::value& value, Settings::Launch& launch,
                 std::vector<config::Problem>& problems) {
    ObjectReader reader(value, parent.path_of("launch"), {"login_url", "allowed_origins", "retry_after_s", "max_sessions_per_user"},
                        problems);
    if (!reader.is_object()) return;
    if (reader.read_string("login_url", launch.login_url) && !launch.login_url.starts_with("/") &&
        !launch.login_url.starts_with("https://") && !launch.login_url.starts_with("http://"))
        reader.report("login_url", "expected a path starting with \"/\" or an absolute http(s) URL");
    if (const auto* origins = reader.read_array("allowed_origins")) {
        for (std::size_t i = 0; i < origins->size(); ++i) {
            const auto origin_path = config::detail::index_path(reader.path_of("allowed_origins"), i);
            const auto* origin = config::detail::expect_string((*origins)[i], origin_path, problems);
            if (!origin) continue;
            if (origin_of(*origin) != std::string_view(*origin))
                problems.push_back({origin_path, "expected an origin like \"https://portal.example.com\" (scheme, host, "
                                                 "optional port; lower case; no path)"});
            else
                launch.allowed_origins.emplace_back(*origin);
        }
    }
    std::int64_t seconds = 0;
    if (reader.read_integer("retry_after_s", 0, 3600, seconds)) launch.retry_after_seconds = static_cast<int>(seconds);
    std::int64_t cap = 0;
    if (reader.read_integer("max_sessions_per_user", 1, 1000, cap)) launch.max_sessions_per_user = static_cast<std::size_t>(cap);
}

void read_session_store(ObjectReader& store, const config::Config* engine, Settings::SessionStore& out) {
    std::string kind;
    if (store.read_string("kind", kind)) {
        if (kind == "sqlite") out.kind = SessionStoreKind::sqlite;
        else if (kind == "memory") out.kind = SessionStoreKind::memory;
        else if (kind == "shared") out.kind = SessionStoreKind::shared;
        else store.report("kind", "expected \"sqlite\", \"memory\" or \"shared\"");
    }
    if (store.read_string("path", out.path) && out.path.empty())
        store.report("path", "expected a non-empty string");
    if (store.read_string("key", out.key) && engine && !engine->secrets.contains(out.key))
        store.report("key", "no secret named " + quote(out.key));
    if (out.kind != SessionStoreKind::memory && !store.has("key"))
        store.report_missing("key", "a secret name (needed for kinds \"sqlite\" and \"shared\")");
    std::int64_t shards = 0;
    if (store.read_integer("shards", 1, 4096, shards)) out.shards = static_cast<unsigned>(shards);
    std::int64_t lease_ttl_ms = 0;
    if (store.read_integer("lease_ttl_ms", 300, 10 * 60 * 1000, lease_ttl_ms))
        out.lease_ttl = std::chrono::milliseconds(lease_ttl_ms);
    if (store.read_string("replica_name", out.replica_name) &&
        (out.replica_name.empty() || out.replica_name.size() > 128 ||
         out.replica_name.find_first_of(" \t\r\n") != std::string::npos))
        store.report("replica_name", "expected 1 .. 128 characters without white space");
}

Settings read(const boost::json::value& section, const std::string& path, const config::Config* engine,
              std::vector<config::Problem>& problems) {
    Settings settings;
    ObjectReader reader(section, path,
                        {"upstream", "base_path", "auth", "endpoints", "token", "terminal_login_url", "target",
                         "launch", "keepalive", "logout", "session_store"},
                        problems);
    if (reader.read_string("upstream", settings.upstream, Presence::required) && engine &&
        !engine->upstreams.contains(settings.upstream))
        reader.report("upstream", "no upstream named " + quote(settings.upstream));
    if (reader.read_string("base_path", settings.base_path) && !settings.base_path.empty() &&
        !settings.base_path.starts_with("/"))
        reader.report("base_path", "expected \"\" or a path starting with \"/\"");

    if (const auto* value = reader.find("auth")) {
        ObjectReader auth(*value, reader.path_of("auth"), {"mode", "username", "domain", "password"}, problems);
        if (auth.is_object()) {
            std::string mode;
            if (auth.read_string("mode", mode)) {
                if (mode == "basic") settings.auth.mode = AuthMode::basic;
                else if (mode == "session") settings.auth.mode = AuthMode::session;
                else auth.report("mode", "expected \"basic\" or \"session\"");
            }
            if (auth.read_string("username", settings.auth.username, Presence::required) &&
                settings.auth.username.empty())
                auth.report("username", "expected a non-empty string");
            if (auth.read_string("domain", settings.auth.domain, Presence::required) && settings.auth.domain.empty())
                auth.report("domain", "expected a non-empty string");
            if (auth.read_string("password", settings.auth.password, Presence::required) && engine &&
                !engine->secrets.contains(settings.auth.password))
                auth.report("password", "no secret named " + quote(settings.auth.password));
        }
    } else {
        reader.report_missing("auth", "an object");
    }

    if (const auto* value = reader.find("endpoints")) {
        ObjectReader endpoints(*value, reader.path_of("endpoints"),
                               {"generate_token", "ping", "logout_by_token", "logout_by_login"}, problems);
        if (endpoints.is_object()) {
            read_endpoint(endpoints, "generate_token", settings.endpoints.generate_token, problems);
            read_endpoint(endpoints, "ping", settings.endpoints.ping, problems);
            read_endpoint(endpoints, "logout_by_token", settings.endpoints.logout_by_token, problems);
            read_endpoint(endpoints, "logout_by_login", settings.endpoints.logout_by_login, problems);
        }
    }

    if (const auto* value = reader.find("token")) {
        ObjectReader token(*value, reader.path_of("token"), {"answer_field", "send_base64"}, problems);
        if (token.is_object()) {
            token.read_string("answer_field", settings.token.answer_field);
            token.read_bool("send_base64", settings.token.send_base64);
        }
    }

    if (reader.read_string("terminal_login_url", settings.terminal_login_url, Presence::required) &&
        !settings.terminal_login_url.starts_with("https://") && !settings.terminal_login_url.starts_with("http://"))
        reader.report("terminal_login_url", "expected an absolute http or https URL");
    if (reader.read_string("target", settings.target) && settings.target.empty())
        reader.report("target", "expected a non-empty string");

    if (const auto* value = reader.find("keepalive")) {
        ObjectReader keepalive(*value, reader.path_of("keepalive"),
                               {"interval_ms", "jitter", "max_in_flight", "max_age_ms", "first_use_grace_ms"},
                               problems);
        if (keepalive.is_object()) {
            keepalive.read_millis("interval_ms", settings.keepalive.interval);
            if (const auto* jitter = keepalive.find("jitter")) {
                if (!jitter->is_number()) {
                    keepalive.report("jitter", config::detail::found_kind("a number", *jitter));
                } else {
                    const double number = jitter->to_number<double>();
                    if (number < 0 || number > 0.5) keepalive.report("jitter", "expected a number from 0 to 0.5");
                    else settings.keepalive.jitter = number;
                }
            }
            std::int64_t number = 0;
            if (keepalive.read_integer("max_in_flight", 1, 100000, number))
                settings.keepalive.max_in_flight = static_cast<std::size_t>(number);
            keepalive.read_millis("max_age_ms", settings.keepalive.max_age);
            keepalive.read_millis("first_use_grace_ms", settings.keepalive.first_use_grace);
        }
    }

    if (const auto* value = reader.find("launch")) read_launch(reader, *value, settings.launch, problems);

    if (const auto* value = reader.find("logout")) {
        ObjectReader logout(*value, reader.path_of("logout"), {"by", "wait_ms", "retry_for_ms", "claim_hold_ms"},
                            problems);
        std::string by;
        if (logout.is_object() && logout.read_string("by", by)) {
            if (by == "token") settings.logout.by = LogoutBy::token;
            else if (by == "login") settings.logout.by = LogoutBy::login;
            else logout.report("by", "expected \"token\" or \"login\"");
        }
        if (logout.is_object()) {
            logout.read_millis("wait_ms", settings.logout.wait);
            logout.read_millis("retry_for_ms", settings.logout.retry_for);
            // Retries are at least 1 s apart; the claim must outlast the gap to be renewed.
            if (logout.read_millis("claim_hold_ms", settings.logout.claim_hold) &&
                settings.logout.claim_hold < std::chrono::seconds(3)) {
                logout.report("claim_hold_ms", "expected at least 3000");
            }
        }
    }

    if (const auto* value = reader.find("session_store")) {
        ObjectReader store(*value, reader.path_of("session_store"),
                           {"kind", "path", "key", "shards", "lease_ttl_ms", "replica_name"}, problems);
        if (store.is_object()) read_session_store(store, engine, settings.session_store);
    } else {
        // The default kind, sqlite, needs a key.
        reader.report_missing("session_store", "an object with \"key\" (the default kind \"sqlite\" needs one)");
    }
    return settings;
}

}  // namespace

void validate_section(const boost::json::value& section, const std::string& path, const config::Config& engine,
                      std::vector<config::Problem>& problems) {
    read(section, path, &engine, problems);
}

Settings read_settings(const config::Config& config) {
    return config::read_validated_section(config, section_name, read);
}

}  // namespace tg::dxtrade
