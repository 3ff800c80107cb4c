#define BOOST_TEST_MODULE config
#include <boost/test/unit_test.hpp>

#include "gateway/config/loader.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

namespace fs = std::filesystem;
using namespace tg::config;

namespace {

// A fresh directory under the system temp dir, removed with everything in it.
class TempDir {
public:
    TempDir() {
        std::random_device random;
        path_ = fs::temp_directory_path() /
                ("tg-config-test-" + std::to_string(random()) + std::to_string(random()));
        fs::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const fs::path& path() const { return path_; }

    fs::path write(const std::string& relative, const std::string& content) const {
        const fs::path file = path_ / relative;
        fs::create_directories(file.parent_path());
        std::ofstream(file, std::ios::binary) << content;
        return file;
    }

private:
    fs::path path_;
};

std::string describe(const LoadResult& result) {
    std::string text;
    for (const auto& problem : result.problems)
        text += "\n  " + to_string(problem);
    return text.empty() ? " (no problems)" : text;
}

bool has_problem(const LoadResult& result, const std::string& path, const std::string& gist) {
    return std::any_of(result.problems.begin(), result.problems.end(), [&](const Problem& problem) {
        return problem.path == path && problem.message.find(gist) != std::string::npos;
    });
}

#define CHECK_PROBLEM(result, path, gist)                                                                \
    BOOST_TEST(has_problem(result, path, gist), "expected problem at \"" << (path) << "\" containing \"" \
                                                                         << (gist)                       \
                                                                         << "\"; got:" << describe(result))

#define CHECK_OK(result) BOOST_TEST_REQUIRE((result).ok(), "unexpected problems:" << describe(result))

struct Fixture {
    TempDir dir;
    std::map<std::string, std::string> environment;
    LoadOptions options;

    Fixture() {
        options.base_dir = dir.path().string();
        options.handler_names = {"sixmm.embed_token", "sixmm.entry_url", "dxtrade.launch", "dxtrade.logout"};
        options.getenv = [this](const std::string& name) -> std::optional<std::string> {
            const auto found = environment.find(name);
            if (found == environment.end())
                return std::nullopt;
            return found->second;
        };
    }

    LoadResult load(const std::string& text) const { return load_text(text, "test.json", options); }
};

// The smallest valid config, with `extra` members added at the top level.
std::string minimal(const std::string& extra = "") {
    return R"({"listeners": [{"name": "main", "port": 0}])" + (extra.empty() ? "" : ", " + extra) + "}";
}

unsigned expected_default_workers() {
    return std::max(1u, std::thread::hardware_concurrency());
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(loader, Fixture)

BOOST_AUTO_TEST_CASE(minimal_config_gets_defaults) {
    const auto result = load(minimal());
    CHECK_OK(result);
    const Config& config = *result.config;
    BOOST_TEST(config.source_path == "test.json");
    BOOST_TEST(config.workers == expected_default_workers());
    BOOST_TEST_REQUIRE(config.listeners.size() == 1u);
    BOOST_TEST(config.listeners[0].address == "0.0.0.0");
    BOOST_TEST(config.listeners[0].port == 0);
    BOOST_TEST(!config.listeners[0].tls.has_value());
    BOOST_TEST(!config.listeners[0].admin);
    BOOST_TEST(config.limits.header_bytes == 16384u);
    BOOST_TEST(config.limits.body_bytes == 1048576u);
    BOOST_TEST(config.limits.header_timeout.count() == 10000);
    BOOST_TEST(config.limits.idle_timeout.count() == 60000);
    BOOST_TEST(config.routes.empty());
    BOOST_TEST(config.document.contains("listeners"));
}

BOOST_AUTO_TEST_CASE(listener_client_address_settings) {
    const auto result = load(R"({"listeners": [{"name": "lb", "port": 0, "proxy_protocol": true,
        "proxy_protocol_timeout_ms": 1500, "trusted_proxies": ["10.0.0.0/8", "2001:db8::/32", "192.0.2.7"],
        "client_ip_header": "forwarded"}]})");
    CHECK_OK(result);
    const auto& listener = result.config->listeners.at(0);
    BOOST_TEST(listener.proxy_protocol);
    BOOST_TEST(listener.proxy_protocol_timeout.count() == 1500);
    BOOST_TEST(listener.trusted_proxies.size() == 3u);
    BOOST_TEST((listener.client_ip_header == ClientIpHeader::forwarded));
    const auto defaults = load(minimal());
    BOOST_TEST(!defaults.config->listeners.at(0).proxy_protocol);
    BOOST_TEST(defaults.config->listeners.at(0).trusted_proxies.empty());

    const auto bad = load(R"({"listeners": [{"name": "lb", "port": 0, "proxy_protocol": "yes",
        "trusted_proxies": ["10.0.0.1/8", 7, "proxy.example"], "client_ip_header": "x-real-ip"}]})");
    CHECK_PROBLEM(bad, "listeners[0].proxy_protocol", "found a string");
    CHECK_PROBLEM(bad, "listeners[0].trusted_proxies[0]", "did you mean \"10.0.0.0/8\"");
    CHECK_PROBLEM(bad, "listeners[0].trusted_proxies[1]", "expected a string");
    CHECK_PROBLEM(bad, "listeners[0].trusted_proxies[2]", "expected an IPv4 or IPv6 address or network");
    CHECK_PROBLEM(bad, "listeners[0].client_ip_header", "expected \"x-forwarded-for\" or \"forwarded\"");
}

BOOST_AUTO_TEST_CASE(rate_limits_are_checked) {
    const auto good = load(minimal(R"("upstreams": {"app": {"servers": ["http://127.0.0.1:1"]}}, "routes": [
        {"match": {"prefix": "/"}, "upstream": "app", "rate_limits": [{"per": "client_ip", "requests_per_second": 0.5, "burst": 4},
                                                                      {"per": "route", "requests_per_second": 100}]}])"));
    CHECK_OK(good);
    const auto& limits = good.config->routes.at(0).rate_limits;
    BOOST_REQUIRE(limits.size() == 2u);
    BOOST_TEST(limits[0].per_second == 0.5);
    BOOST_TEST(limits[0].burst == 4.0);
    BOOST_TEST((limits[1].per == RateLimit::Key::route));
    BOOST_TEST(limits[1].burst == 1.0);
    const auto bad = load(minimal(R"("upstreams": {"app": {"servers": ["http://127.0.0.1:1"]}}, "routes": [
        {"match": {"prefix": "/"}, "upstream": "app", "rate_limits": [{"per": "user", "requests_per_second": 0},
                                                                      {"requests_per_second": "10", "burst": 0}]}])"));
    CHECK_PROBLEM(bad, "routes[0].rate_limits[0].per", "expected \"client_ip\" or \"route\"");
    CHECK_PROBLEM(bad, "routes[0].rate_limits[0].requests_per_second", "expected a number above 0");
    CHECK_PROBLEM(bad, "routes[0].rate_limits[1].per", "required key is missing");
    CHECK_PROBLEM(bad, "routes[0].rate_limits[1].requests_per_second", "expected a number above 0");
    CHECK_PROBLEM(bad, "routes[0].rate_limits[1].burst", "expected an integer from 1");
}

BOOST_AUTO_TEST_CASE(sni_certificates_are_checked) {
    const auto bad = load(R"({"listeners": [{"name": "tls", "port": 0, "tls": {"cert_file": "a.pem", "key_file": "a.key",
        "certificates": [{"cert_file": "b.pem", "key_file": "b.key", "server_names": ["ok.example", "bad name", "*.*.x", ""]},
                         {"cert_file": "c.pem", "key_file": "c.key", "server_names": []},
                         {"cert_file": "d.pem"}]}}]})");
    CHECK_PROBLEM(bad, "listeners[0].tls.certificates[0].server_names[1]", "expected a host name");
    CHECK_PROBLEM(bad, "listeners[0].tls.certificates[0].server_names[2]", "expected a host name");
    CHECK_PROBLEM(bad, "listeners[0].tls.certificates[0].server_names[3]", "expected a host name");
    CHECK_PROBLEM(bad, "listeners[0].tls.certificates[1].server_names", "expected at least one name");
    CHECK_PROBLEM(bad, "listeners[0].tls.certificates[2].key_file", "required key is missing");
    CHECK_PROBLEM(bad, "listeners[0].tls.certificates[2].server_names", "required key is missing");
}

BOOST_AUTO_TEST_CASE(workers_zero_means_hardware_concurrency) {
    const auto zero = load(minimal(R"("workers": 0)"));
    CHECK_OK(zero);
    BOOST_TEST(zero.config->workers == expected_default_workers());
    const auto three = load(minimal(R"("workers": 3)"));
    CHECK_OK(three);
    BOOST_TEST(three.config->workers == 3u);
}

BOOST_AUTO_TEST_CASE(workers_must_be_a_non_negative_integer) {
    CHECK_PROBLEM(load(minimal(R"("workers": -1)")), "workers", "expected an integer from 0 to");
    CHECK_PROBLEM(load(minimal(R"("workers": 1.5)")), "workers", "found a non-integer number");
    CHECK_PROBLEM(load(minimal(R"("workers": "2")")), "workers", "found a string");
}

BOOST_AUTO_TEST_CASE(connection_balance_is_exact_unless_kernel_is_asked_for) {
    const auto absent = load(minimal());
    CHECK_OK(absent);
    BOOST_TEST((absent.config->connection_balance == ConnectionBalance::exact));
    const auto kernel = load(minimal(R"("connection_balance": "kernel")"));
    CHECK_OK(kernel);
    BOOST_TEST((kernel.config->connection_balance == ConnectionBalance::kernel));
    CHECK_PROBLEM(load(minimal(R"("connection_balance": "even")")), "connection_balance",
                  R"(expected "exact" or "kernel")");
    CHECK_PROBLEM(load(minimal(R"("connection_balance": true)")), "connection_balance", "found a boolean");
}

BOOST_AUTO_TEST_CASE(trace_and_underscore_policies) {
    const auto defaults = load(minimal());
    CHECK_OK(defaults);
    BOOST_TEST(!defaults.config->limits.allow_trace);
    BOOST_TEST((defaults.config->limits.underscores_in_headers == UnderscoreHeaders::drop));
    const auto set = load(minimal(R"("limits": {"allow_trace": true, "underscores_in_headers": "refuse"})"));
    CHECK_OK(set);
    BOOST_TEST(set.config->limits.allow_trace);
    BOOST_TEST((set.config->limits.underscores_in_headers == UnderscoreHeaders::refuse));
    CHECK_PROBLEM(load(minimal(R"("limits": {"underscores_in_headers": "allow"})")), "limits.underscores_in_headers",
                  R"(expected "drop", "pass" or "refuse")");
    CHECK_PROBLEM(load(minimal(R"("limits": {"allow_trace": "yes"})")), "limits.allow_trace", "found a string");
}

BOOST_AUTO_TEST_CASE(shared_state_is_memory_unless_another_backend_is_configured) {
    using Backend = SharedStateSettings::Backend;
    const auto absent = load(minimal());
    CHECK_OK(absent);
    BOOST_TEST((absent.config->shared_state.backend == Backend::memory));

    const auto sqlite = load(minimal(R"("shared_state": {"backend": "sqlite", "path": "var/state.db"})"));
    CHECK_OK(sqlite);
    BOOST_TEST((sqlite.config->shared_state.backend == Backend::sqlite));
    BOOST_TEST(sqlite.config->shared_state.sqlite_path == (dir.path() / "var/state.db").string());

    environment["REDIS_PASSWORD"] = "redis-pass-value";
    const auto redis = load(minimal(R"("secrets": {"redis_password": {"env": "REDIS_PASSWORD"}},
        "shared_state": {"backend": "redis", "redis": {"urls": ["redis://10.0.0.7:6380/2", "rediss://cache.internal"],
                         "username": "gateway", "password": "redis_password", "key_prefix": "gw1:",
                         "command_timeout_ms": 250}})"));
    CHECK_OK(redis);
    const auto& settings = redis.config->shared_state.redis;
    BOOST_TEST((redis.config->shared_state.backend == Backend::redis));
    BOOST_REQUIRE(settings.servers.size() == 2u);
    BOOST_TEST(settings.servers[0].host == "10.0.0.7");
    BOOST_TEST(settings.servers[0].port == 6380);
    BOOST_TEST(settings.servers[0].database == 2);
    BOOST_TEST(!settings.servers[0].tls);
    BOOST_TEST(settings.servers[1].tls);
    BOOST_TEST(settings.servers[1].port == 6379);
    BOOST_TEST(settings.servers[1].display == "rediss://cache.internal/0");
    BOOST_TEST(settings.password_secret == "redis_password");
    BOOST_TEST(settings.key_prefix == "gw1:");
    BOOST_TEST(settings.command_timeout.count() == 250);
}

BOOST_AUTO_TEST_CASE(shared_state_problems_name_the_setting_and_never_repeat_a_url) {
    CHECK_PROBLEM(load(minimal(R"("shared_state": {"backend": "etcd"})")), "shared_state.backend",
                  R"(expected "memory", "sqlite" or "redis")");
    CHECK_PROBLEM(load(minimal(R"("shared_state": {"backend": "sqlite"})")), "shared_state.path", "SQLite file");
    CHECK_PROBLEM(load(minimal(R"("shared_state": {"backend": "redis"})")), "shared_state.redis", "Redis servers");
    const auto with_password = load(minimal(R"("shared_state": {"backend": "redis",
        "redis": {"urls": ["redis://user:hunter2-secret@10.0.0.7:6379"]}})"));
    CHECK_PROBLEM(with_password, "shared_state.redis.urls[0]", "no user or password in the URL");
    BOOST_TEST(describe(with_password).find("hunter2") == std::string::npos);
    CHECK_PROBLEM(load(minimal(R"("shared_state": {"backend": "redis", "redis": {"urls": ["http://x"]}})")),
                  "shared_state.redis.urls[0]", "redis:// or rediss://");
    CHECK_PROBLEM(load(minimal(R"("shared_state": {"backend": "redis", "redis": {"urls": ["redis://x:65537"]}})")),
                  "shared_state.redis.urls[0]", "1 to 65535");
    CHECK_PROBLEM(load(minimal(R"("shared_state": {"backend": "redis", "redis": {"urls": ["redis://x/16"]}})")),
                  "shared_state.redis.urls[0]", "0 to 15");
    CHECK_PROBLEM(load(minimal(R"("shared_state": {"backend": "redis", "redis": {"urls": []}})")),
                  "shared_state.redis.urls", "at least one");
    CHECK_PROBLEM(load(minimal(R"("shared_state": {"backend": "redis", "redis": {"urls": ["redis://x"],
                                   "password": "nope"}})")),
                  "shared_state.redis.password", R"(no secret named "nope")");
    CHECK_PROBLEM(load(minimal(R"("shared_state": {"backend": "redis", "redis": {"sentinels": ["redis://s1:26379"]}})")),
                  "shared_state.redis.master_name", "required");
    CHECK_PROBLEM(load(minimal(R"("shared_state": {"backend": "redis", "redis": {"urls": ["redis://x"],
                                   "ca_file": "missing.pem"}})")),
                  "shared_state.redis.ca_file", "missing.pem");
    CHECK_PROBLEM(load(minimal(R"("shared_state": {"backnd": "redis"})")), "shared_state.backnd", "unknown key");
}

BOOST_AUTO_TEST_CASE(worker_cpu_affinity_is_off_unless_auto_is_asked_for) {
    const auto absent = load(minimal());
    CHECK_OK(absent);
    BOOST_TEST(!absent.config->pin_workers);
    const auto off = load(minimal(R"("worker_cpu_affinity": "off")"));
    CHECK_OK(off);
    BOOST_TEST(!off.config->pin_workers);
    const auto pinned = load(minimal(R"("worker_cpu_affinity": "auto")"));
    CHECK_OK(pinned);
    BOOST_TEST(pinned.config->pin_workers);
    CHECK_PROBLEM(load(minimal(R"("worker_cpu_affinity": "0-1")")), "worker_cpu_affinity",
                  R"(expected "off" or "auto")");
}

BOOST_AUTO_TEST_CASE(comments_and_trailing_commas_are_accepted) {
    const auto result = load(R"(
        // the gateway
        {
          /* one listener */
          "listeners": [{"name": "main", "port": 8080,},],
          "limits": {"body_bytes": 10,},  // small
        }
    )");
    CHECK_OK(result);
    BOOST_TEST(result.config->listeners[0].port == 8080);
    BOOST_TEST(result.config->limits.body_bytes == 10u);
}

BOOST_AUTO_TEST_CASE(syntax_error_names_line_and_column) {
    const auto result = load("{\n  \"listeners\": [\n    {\"name\" \"x\"}\n  ]\n}");
    BOOST_TEST_REQUIRE(result.problems.size() == 1u, describe(result));
    BOOST_TEST(!result.config);
    CHECK_PROBLEM(result, "", "syntax error at line 3, column 13: ");
}

BOOST_AUTO_TEST_CASE(truncated_document_is_a_syntax_error_at_its_end) {
    CHECK_PROBLEM(load("{\n  \"listeners\": [\n"), "", "syntax error at line 3, column 1: ");
}

BOOST_AUTO_TEST_CASE(top_level_must_be_an_object) {
    CHECK_PROBLEM(load("[1, 2]"), "", "expected a JSON object at the top level, found an array");
}

BOOST_AUTO_TEST_CASE(missing_file_names_the_file_and_the_reason) {
    const std::string path = (dir.path() / "absent.json").string();
    const auto result = load_file(path, options);
    BOOST_TEST_REQUIRE(result.problems.size() == 1u, describe(result));
    CHECK_PROBLEM(result, "", "\"" + path + "\"");
    CHECK_PROBLEM(result, "", "No such file or directory");
}

BOOST_AUTO_TEST_CASE(load_file_sets_source_path_and_resolves_against_the_file_directory) {
    dir.write("conf/secret.txt", "value\n");
    const fs::path file =
        dir.write("conf/gateway.json", minimal(R"("secrets": {"s": {"file": "secret.txt"}})"));
    LoadOptions without_base_dir = options;
    without_base_dir.base_dir.clear();
    const auto result = load_file(file.string(), without_base_dir);
    CHECK_OK(result);
    BOOST_TEST(result.config->source_path == file.string());
    BOOST_TEST(result.config->secrets.at("s").reveal() == "value");
}

BOOST_AUTO_TEST_CASE(unknown_keys_are_reported_at_every_level_with_a_hint) {
    const auto result = load(R"({
        "listeners": [{"name": "main", "port": 0, "adress": "::1",
                       "tls": {"cert_file": "c", "key_file": "k", "cert": "x"}}],
        "limits": {"header_byte": 2048},
        "secrets": {"s": {"env": "S", "value": "x"}},
        "upstreams": {"portal": {"servers": ["http://a"], "pool": 3}},
        "routes": [{"match": {"paht": "/"}, "upstream": "portal",
                    "request_headers": {"sett": {}}}],
        "listner": {}
    })");
    CHECK_PROBLEM(result, "listeners[0].adress", "unknown key (did you mean \"address\"?)");
    CHECK_PROBLEM(result, "listeners[0].tls.cert", "unknown key");
    CHECK_PROBLEM(result, "limits.header_byte", "unknown key (did you mean \"header_bytes\"?)");
    CHECK_PROBLEM(result, "secrets.s.value", "unknown key");
    CHECK_PROBLEM(result, "upstreams.portal.pool", "unknown key");
    CHECK_PROBLEM(result, "routes[0].match.paht", "unknown key (did you mean \"path\"?)");
    CHECK_PROBLEM(result, "routes[0].request_headers.sett", "unknown key (did you mean \"set\"?)");
    CHECK_PROBLEM(result, "listner", "unknown key (did you mean \"listeners\"?)");
    BOOST_TEST(!result.config);
}

BOOST_AUTO_TEST_CASE(unrelated_unknown_key_gets_no_hint) {
    const auto result = load(minimal(R"("limits": {"zzzzzzzz": 1})"));
    BOOST_TEST_REQUIRE(result.problems.size() == 1u, describe(result));
    BOOST_TEST(result.problems[0].message == "unknown key");
}

BOOST_AUTO_TEST_CASE(type_errors_say_what_was_expected_and_found) {
    const auto result = load(R"({
        "listeners": [{"name": 5, "port": "80", "admin": "yes"}],
        "limits": {"body_bytes": 1.5, "header_timeout_ms": null},
        "upstreams": [],
        "routes": {}
    })");
    CHECK_PROBLEM(result, "listeners[0].name", "expected a string, found an integer");
    CHECK_PROBLEM(result, "listeners[0].port", "expected an integer from 0 to 65535, found a string");
    CHECK_PROBLEM(result, "listeners[0].admin", "expected a boolean (true or false), found a string");
    CHECK_PROBLEM(result, "limits.body_bytes", "found a non-integer number");
    CHECK_PROBLEM(result, "limits.header_timeout_ms", "found null");
    CHECK_PROBLEM(result, "upstreams", "expected an object, found an array");
    CHECK_PROBLEM(result, "routes", "expected an array, found an object");
}

BOOST_AUTO_TEST_CASE(integers_out_of_range) {
    const auto result = load(R"({
        "listeners": [{"name": "a", "port": 70000}],
        "limits": {"header_bytes": 100, "body_bytes": 18446744073709551615,
                   "header_timeout_ms": 0, "idle_timeout_ms": -5}
    })");
    CHECK_PROBLEM(result, "listeners[0].port", "expected an integer from 0 to 65535, found 70000");
    CHECK_PROBLEM(result, "limits.header_bytes", "expected an integer from 1024 to 1048576, found 100");
    CHECK_PROBLEM(result, "limits.body_bytes", "expected an integer from 0 to 9007199254740992");
    CHECK_PROBLEM(result, "limits.header_timeout_ms", "expected an integer from 1 to");
    CHECK_PROBLEM(result, "limits.idle_timeout_ms", "found -5");
}

BOOST_AUTO_TEST_CASE(limits_are_read) {
    const auto result = load(minimal(R"("limits": {"header_bytes": 1024, "body_bytes": 9007199254740992,
                                                  "header_timeout_ms": 5, "idle_timeout_ms": 6})"));
    CHECK_OK(result);
    BOOST_TEST(result.config->limits.header_bytes == 1024u);
    BOOST_TEST(result.config->limits.body_bytes == 9007199254740992u);
    BOOST_TEST(result.config->limits.header_timeout.count() == 5);
    BOOST_TEST(result.config->limits.idle_timeout.count() == 6);
}

BOOST_AUTO_TEST_CASE(listeners_are_required_and_not_empty) {
    CHECK_PROBLEM(load("{}"), "listeners", "required key is missing");
    CHECK_PROBLEM(load(R"({"listeners": []})"), "listeners", "non-empty array");
}

BOOST_AUTO_TEST_CASE(listener_fields_are_checked) {
    const auto result = load(R"({"listeners": [
        {"port": 1},
        {"name": "b"},
        {"name": "c", "address": "localhost", "port": 2},
        {"name": "c", "address": "::1", "port": 3},
        {"name": "", "port": 4}
    ]})");
    CHECK_PROBLEM(result, "listeners[0].name", "required key is missing (expected a string)");
    CHECK_PROBLEM(result, "listeners[1].port",
                  "required key is missing (expected an integer from 0 to 65535)");
    CHECK_PROBLEM(result, "listeners[2].address", "expected an IPv4 or IPv6 address");
    CHECK_PROBLEM(result, "listeners[3].name", "duplicate listener name \"c\" (also listeners[2])");
    CHECK_PROBLEM(result, "listeners[4].name", "expected a non-empty string");
}

BOOST_AUTO_TEST_CASE(two_listeners_on_one_socket) {
    const auto result = load(R"({"listeners": [
        {"name": "a", "address": "127.0.0.1", "port": 8080},
        {"name": "b", "address": "127.0.0.1", "port": 8080},
        {"name": "c", "address": "127.0.0.1", "port": 0},
        {"name": "d", "address": "127.0.0.1", "port": 0},
        {"name": "e", "address": "::1", "port": 8080}
    ]})");
    BOOST_TEST_REQUIRE(result.problems.size() == 1u, describe(result));
    CHECK_PROBLEM(result, "listeners[1]", "127.0.0.1:8080 is already used by listeners[0]");
}

BOOST_AUTO_TEST_CASE(listener_tls_files_are_resolved_and_must_be_readable) {
    dir.write("certs/cert.pem", "CERT");
    dir.write("certs/key.pem", "KEY");
    const auto good = load(R"({"listeners": [{"name": "a", "port": 0, "admin": true,
        "tls": {"cert_file": "certs/cert.pem", "key_file": "certs/key.pem", "min_version": "1.3",
                "ciphers": "ECDHE-RSA-AES128-GCM-SHA256", "handshake_timeout_ms": 500}}]})");
    CHECK_OK(good);
    const Listener& listener = good.config->listeners[0];
    BOOST_TEST(listener.admin);
    BOOST_TEST_REQUIRE(listener.tls.has_value());
    BOOST_TEST(listener.tls->cert_file == (dir.path() / "certs/cert.pem").string());
    BOOST_TEST(listener.tls->key_file == (dir.path() / "certs/key.pem").string());
    BOOST_TEST(listener.tls->min_version == "1.3");
    BOOST_TEST(listener.tls->ciphers == "ECDHE-RSA-AES128-GCM-SHA256");
    BOOST_TEST(listener.tls->handshake_timeout.count() == 500);

    const auto bad = load(R"({"listeners": [{"name": "a", "port": 0,
        "tls": {"cert_file": "certs/missing.pem", "min_version": "1.1"}}]})");
    CHECK_PROBLEM(bad, "listeners[0].tls.cert_file",
                  "cannot read \"" + (dir.path() / "certs/missing.pem").string());
    CHECK_PROBLEM(bad, "listeners[0].tls.cert_file", "No such file or directory");
    CHECK_PROBLEM(bad, "listeners[0].tls.key_file", "required key is missing");
    CHECK_PROBLEM(bad, "listeners[0].tls.min_version", "expected \"1.2\" or \"1.3\"");

    CHECK_PROBLEM(load(R"({"listeners": [{"name": "a", "port": 0,
        "tls": {"cert_file": "certs", "key_file": "certs/key.pem"}}]})"),
                  "listeners[0].tls.cert_file", "Is a directory");
}

BOOST_AUTO_TEST_CASE(env_and_file_secrets_resolve) {
    environment["API_SECRET"] = "from-env";
    dir.write("secrets/one", "line\n\n");
    dir.write("secrets/crlf", "windows\r\n");
    dir.write("secrets/bare", "bare");
    const fs::path absolute = dir.write("secrets/absolute", "abs\n");
    const auto result = load(minimal(R"("secrets": {
        "api": {"env": "API_SECRET"},
        "one": {"file": "secrets/one"},
        "crlf": {"file": "secrets/crlf"},
        "bare": {"file": "secrets/bare"},
        "absolute": {"file": ")" + absolute.string() +
                                     R"("}
    })"));
    CHECK_OK(result);
    const auto& secrets = result.config->secrets;
    BOOST_TEST(secrets.at("api").reveal() == "from-env");
    BOOST_TEST(secrets.at("one").reveal() == "line\n");  // only one newline is stripped
    BOOST_TEST(secrets.at("crlf").reveal() == "windows");
    BOOST_TEST(secrets.at("bare").reveal() == "bare");
    BOOST_TEST(secrets.at("absolute").reveal() == "abs");
}

BOOST_AUTO_TEST_CASE(secret_problems) {
    environment["EMPTY"] = "";
    dir.write("secrets/empty", "\n");
    const auto result = load(minimal(R"("secrets": {
        "sixmm_api_secret": {"env": "SIXMM_API_SECRET"},
        "inline": "hunter2",
        "number": 42,
        "both": {"env": "A", "file": "b"},
        "neither": {},
        "missing_file": {"file": "secrets/nope"},
        "empty_env": {"env": "EMPTY"},
        "empty_file": {"file": "secrets/empty"},
        "bad_env_type": {"env": 7}
    })"));
    CHECK_PROBLEM(result, "secrets.sixmm_api_secret", "environment variable SIXMM_API_SECRET is not set");
    const std::string not_a_reference =
        "must be {\"env\": ...} or {\"file\": ...}; inline secrets are not allowed";
    CHECK_PROBLEM(result, "secrets.inline", not_a_reference);
    CHECK_PROBLEM(result, "secrets.number", not_a_reference);
    CHECK_PROBLEM(result, "secrets.both", "exactly one of \"env\" or \"file\"");
    CHECK_PROBLEM(result, "secrets.neither", "exactly one of \"env\" or \"file\"");
    CHECK_PROBLEM(result, "secrets.missing_file",
                  "cannot read secret file \"" + (dir.path() / "secrets/nope").string() + "\": No such file");
    CHECK_PROBLEM(result, "secrets.empty_env", "environment variable EMPTY is empty");
    CHECK_PROBLEM(result, "secrets.empty_file", "is empty");
    CHECK_PROBLEM(result, "secrets.bad_env_type.env", "expected a string, found an integer");
    BOOST_TEST(to_string(result.problems.front()).find("secrets.") == 0u);
}

BOOST_AUTO_TEST_CASE(no_message_ever_contains_a_secret_value) {
    environment["GOOD"] = "s3cr3t-VALUE";
    environment["BROKEN"] = "s3cr3t-VALUE\r\nX-Injected: 1";
    dir.write("secrets/weird", std::string("f1le-s3cr3t\0\r\nmore", 19) + "\n");
    dir.write("secrets/ok", "f1le-s3cr3t-ok\n");
    const auto result = load(R"({
        "listeners": [{"name": "s3cr3t-VALUE-as-name", "address": "s3cr3t-VALUE", "port": "s3cr3t-VALUE"}],
        "workers": "s3cr3t-VALUE",
        "connection_balance": "s3cr3t-VALUE",
        "worker_cpu_affinity": "s3cr3t-VALUE",
        "secrets": {
            "good": {"env": "GOOD"},
            "broken": {"env": "BROKEN"},
            "weird": {"file": "secrets/weird"},
            "ok": {"file": "secrets/ok"},
            "inline": "inline-s3cr3t-VALUE",
            "extra": {"env": "GOOD", "value": "inline-s3cr3t-VALUE"}
        },
        "upstreams": {"u": {"servers": ["https://user:s3cr3t-VALUE@host/", "s3cr3t-VALUE"]}},
        "routes": [{"match": {"prefix": "/"}, "upstream": "u", "request_headers": {"set": {
            "X-Broken": {"secret": "broken"},
            "X-Weird": {"secret": "weird"},
            "X-Good": {"secret": "goood"},
            "X-Ok": {"secret": "ok"},
            "X-Bad-Literal": "s3cr3t-VALUE\r\n"
        }}}]
    })");
    BOOST_TEST(!result.ok());
    CHECK_PROBLEM(result, "routes[0].request_headers.set[\"X-Broken\"].secret",
                  "secret \"broken\" contains CR, LF or NUL");
    CHECK_PROBLEM(result, "routes[0].request_headers.set[\"X-Weird\"].secret",
                  "secret \"weird\" contains CR, LF or NUL");
    CHECK_PROBLEM(result, "routes[0].request_headers.set[\"X-Good\"].secret",
                  "no secret named \"goood\" (did you mean \"good\"?)");
    CHECK_PROBLEM(result, "upstreams.u.servers[0]", "user information");
    for (const auto& problem : result.problems) {
        const std::string text = to_string(problem);
        BOOST_TEST(text.find("s3cr3t-VALUE\r") == std::string::npos, text);
        BOOST_TEST(text.find("f1le-s3cr3t") == std::string::npos, text);
        BOOST_TEST(text.find("inline-s3cr3t") == std::string::npos, text);
        // Values only ever written in secret places (env values, file contents) or
        // in a wrong place (a URL's userinfo, a string where a number belongs).
        BOOST_TEST(text.find("user:s3cr3t") == std::string::npos, text);
        if (problem.path == "workers" || problem.path == "connection_balance" ||
            problem.path == "worker_cpu_affinity" || problem.path == "listeners[0].port" ||
            problem.path == "listeners[0].address" || problem.path.starts_with("secrets.") ||
            problem.path.starts_with("upstreams.") || problem.path.starts_with("routes["))
            BOOST_TEST(text.find("s3cr3t-VALUE") == std::string::npos, text);
    }
}

BOOST_AUTO_TEST_CASE(upstreams_are_parsed) {
    dir.write("ca.pem", "CA");
    const auto result = load(minimal(R"("upstreams": {
        "plain": {"servers": ["http://127.0.0.1:9000", "HTTP://Example.COM/"]},
        "secure": {"servers": ["https://api.example", "https://[::1]:8443"],
                   "pool_size": 0, "connect_timeout_ms": 1, "response_timeout_ms": 2,
                   "idle_timeout_ms": 3, "cooldown_ms": 4, "ca_file": "ca.pem", "verify": false}
    })"));
    CHECK_OK(result);
    const Upstream& plain = result.config->upstreams.at("plain");
    BOOST_TEST(plain.name == "plain");
    BOOST_TEST_REQUIRE(plain.servers.size() == 2u);
    BOOST_TEST(plain.servers[0].url == "http://127.0.0.1:9000");
    BOOST_TEST(!plain.servers[0].tls);
    BOOST_TEST(plain.servers[0].host == "127.0.0.1");
    BOOST_TEST(plain.servers[0].port == 9000);
    BOOST_TEST(plain.servers[1].host == "Example.COM");
    BOOST_TEST(plain.servers[1].port == 80);
    BOOST_TEST(plain.pool_size == 64u);
    BOOST_TEST(plain.verify);
    BOOST_TEST(plain.ca_file.empty());

    const Upstream& secure = result.config->upstreams.at("secure");
    BOOST_TEST(secure.servers[0].tls);
    BOOST_TEST(secure.servers[0].port == 443);
    BOOST_TEST(secure.servers[1].host == "::1");
    BOOST_TEST(secure.servers[1].port == 8443);
    BOOST_TEST(secure.pool_size == 0u);
    BOOST_TEST(secure.connect_timeout.count() == 1);
    BOOST_TEST(secure.response_timeout.count() == 2);
    BOOST_TEST(secure.idle_timeout.count() == 3);
    BOOST_TEST(secure.cooldown.count() == 4);
    BOOST_TEST(secure.ca_file == (dir.path() / "ca.pem").string());
    BOOST_TEST(!secure.verify);
}

BOOST_AUTO_TEST_CASE(upstream_problems) {
    const auto result = load(minimal(R"("upstreams": {
        "u": {"servers": ["ftp://host", "http:/no-authority", "http://host/path", "http://host/?q=1",
                          "http://host/#frag", "http://host:99999", "http://host:0", "not a url", 5,
                          "http://u:p@host"],
              "pool_size": -1, "ca_file": "nope.pem"},
        "empty": {"servers": []},
        "none": {}
    })"));
    const std::string servers = "upstreams.u.servers";
    CHECK_PROBLEM(result, servers + "[0]", "the scheme must be http or https");
    CHECK_PROBLEM(result, servers + "[1]", "a host is required");
    CHECK_PROBLEM(result, servers + "[2]", "a path is not allowed");
    CHECK_PROBLEM(result, servers + "[3]", "a query is not allowed");
    CHECK_PROBLEM(result, servers + "[4]", "a fragment is not allowed");
    CHECK_PROBLEM(result, servers + "[5]", "the port must be an integer from 1 to 65535");
    CHECK_PROBLEM(result, servers + "[6]", "the port must be an integer from 1 to 65535");
    CHECK_PROBLEM(result, servers + "[7]", "expected an absolute URL such as");
    CHECK_PROBLEM(result, servers + "[8]", "expected a string, found an integer");
    CHECK_PROBLEM(result, servers + "[9]", "user information");
    CHECK_PROBLEM(result, "upstreams.u.pool_size", "found -1");
    CHECK_PROBLEM(result, "upstreams.u.ca_file", "No such file or directory");
    CHECK_PROBLEM(result, "upstreams.empty.servers", "non-empty array");
    CHECK_PROBLEM(result, "upstreams.none.servers", "required key is missing");
}

BOOST_AUTO_TEST_CASE(routes_are_parsed) {
    environment["TOKEN"] = "t0ken";
    const auto result = load(minimal(R"(
        "secrets": {"token": {"env": "TOKEN"}},
        "upstreams": {"portal": {"servers": ["http://127.0.0.1:9000"]}},
        "routes": [
            {"name": "api", "match": {"prefix": "/api/", "host": "Portal.Example", "methods": ["get", "POST", "GET"]},
             "upstream": "portal",
             "request_headers": {"set": {"X-Token": {"secret": "token"}, "X-Via": "gateway"}, "remove": ["Cookie"]},
             "response_headers": {"remove": ["Server"]}},
            {"match": {"path": "/launch"}, "handler": "dxtrade.launch"}
        ])"));
    CHECK_OK(result);
    const auto& routes = result.config->routes;
    BOOST_TEST_REQUIRE(routes.size() == 2u);
    BOOST_TEST(routes[0].name == "api");
    BOOST_TEST(routes[0].match.path == "/api/");
    BOOST_TEST(routes[0].match.prefix);
    BOOST_TEST(routes[0].match.host == "portal.example");
    BOOST_TEST((routes[0].match.methods == std::vector<std::string>{"GET", "POST"}));
    BOOST_TEST(routes[0].upstream == "portal");
    BOOST_TEST(routes[0].handler.empty());
    BOOST_TEST_REQUIRE(routes[0].request_headers.set.size() == 2u);
    BOOST_TEST(routes[0].request_headers.set[0].first == "X-Token");
    BOOST_TEST(routes[0].request_headers.set[0].second.secret == "token");
    BOOST_TEST(routes[0].request_headers.set[1].first == "X-Via");
    BOOST_TEST(routes[0].request_headers.set[1].second.literal == "gateway");
    BOOST_TEST(routes[0].request_headers.set[1].second.secret.empty());
    BOOST_TEST((routes[0].request_headers.remove == std::vector<std::string>{"Cookie"}));
    BOOST_TEST((routes[0].response_headers.remove == std::vector<std::string>{"Server"}));
    BOOST_TEST(routes[1].name == "routes[1]");
    BOOST_TEST(routes[1].match.path == "/launch");
    BOOST_TEST(!routes[1].match.prefix);
    BOOST_TEST(routes[1].handler == "dxtrade.launch");
    BOOST_TEST(routes[1].upstream.empty());
}

BOOST_AUTO_TEST_CASE(route_problems) {
    const auto result = load(minimal(R"(
        "upstreams": {"portal": {"servers": ["http://127.0.0.1:9000"]}},
        "routes": [
            {"match": {"path": "/a"}, "upstream": "portl"},
            {"match": {"path": "/b"}, "handler": "dxtrade.lanch"},
            {"match": {"path": "/c"}},
            {"match": {"path": "/d", "prefix": "/d"}, "upstream": "portal"},
            {"match": {"path": "e"}, "upstream": "portal"},
            {"match": {"prefix": "/", "methods": ["GE T", 3], "host": "example.com:443"}, "upstream": "portal"},
            {"name": "dup", "match": {"path": "/g"}, "upstream": "portal",
             "request_headers": {"set": {"Bad Name": "x", "X-Split": "a\r\nb", "X-Num": 5},
                                 "remove": ["Also Bad", 1]}},
            {"name": "dup", "match": {"path": "/h", "methods": []}, "upstream": "portal"},
            {"upstream": "portal"},
            "route",
            {"name": "", "match": {"path": "/i"}, "upstream": "portal"}
        ])"));
    CHECK_PROBLEM(result, "routes[0].upstream", "no upstream named \"portl\" (did you mean \"portal\"?)");
    BOOST_TEST(to_string(result.problems.front()) ==
               "routes[0].upstream: no upstream named \"portl\" (did you mean \"portal\"?)");
    CHECK_PROBLEM(result, "routes[1].handler",
                  "no handler named \"dxtrade.lanch\" (did you mean \"dxtrade.launch\"?)");
    CHECK_PROBLEM(result, "routes[2]", "needs an \"upstream\" or a \"handler\"");
    CHECK_PROBLEM(result, "routes[3].match", "exactly one of \"path\" or \"prefix\"");
    CHECK_PROBLEM(result, "routes[4].match.path", "must start with \"/\"");
    CHECK_PROBLEM(result, "routes[5].match.methods[0]", "expected an HTTP method");
    CHECK_PROBLEM(result, "routes[5].match.methods[1]", "expected a string, found an integer");
    CHECK_PROBLEM(result, "routes[5].match.host", "must not include a port");
    CHECK_PROBLEM(result, "routes[6].request_headers.set[\"Bad Name\"]", "not a valid header name");
    CHECK_PROBLEM(result, "routes[6].request_headers.set[\"X-Split\"]", "must not contain CR, LF or NUL");
    CHECK_PROBLEM(result, "routes[6].request_headers.set[\"X-Num\"]",
                  "expected a string or {\"secret\": \"name\"}, found an integer");
    CHECK_PROBLEM(result, "routes[6].request_headers.remove[0]", "not a valid header name");
    CHECK_PROBLEM(result, "routes[6].request_headers.remove[1]", "expected a string, found an integer");
    CHECK_PROBLEM(result, "routes[7].name", "duplicate route name \"dup\" (also routes[6])");
    CHECK_PROBLEM(result, "routes[7].match.methods", "non-empty array");
    CHECK_PROBLEM(result, "routes[8].match", "required key is missing");
    CHECK_PROBLEM(result, "routes[9]", "expected an object, found a string");
    CHECK_PROBLEM(result, "routes[10].name", "expected a non-empty string");
}

BOOST_AUTO_TEST_CASE(every_problem_is_collected) {
    const auto result = load(R"({"workers": -1, "listeners": [], "limits": {"header_bytes": 1},
                                "upstreams": {"u": {"servers": []}}, "routes": [{"match": {"path": "/"}}]})");
    BOOST_TEST(result.problems.size() == 5u, describe(result));
    BOOST_TEST(!result.config);
}

BOOST_AUTO_TEST_CASE(other_top_level_sections_need_a_validator) {
    CHECK_PROBLEM(load(minimal(R"("sixmm": {})")), "sixmm", "unknown key");

    std::string seen_path;
    std::size_t seen_upstreams = 0;
    options.sections["sixmm"] = [&](const boost::json::value& section, const std::string& path,
                                    const Config& engine, std::vector<Problem>& problems) {
        seen_path = path;
        seen_upstreams = engine.upstreams.size();
        if (!section.as_object().contains("agent_code"))
            problems.push_back({path + ".agent_code", "required key is missing"});
    };
    const auto bad = load(minimal(R"("sixmm": {}, "upstreams": {"a": {"servers": ["http://a"]}})"));
    BOOST_TEST(seen_path == "sixmm");
    BOOST_TEST(seen_upstreams == 1u);
    CHECK_PROBLEM(bad, "sixmm.agent_code", "required key is missing");

    const auto good = load(minimal(R"("sixmm": {"agent_code": "A1"})"));
    CHECK_OK(good);
    BOOST_TEST(good.config->document.at("sixmm").at("agent_code").as_string() == "A1");
}

BOOST_AUTO_TEST_CASE(the_design_sketch_loads) {
    dir.write("conf/dev/cert.pem", "CERT");
    dir.write("conf/dev/key.pem", "KEY");
    const fs::path password = dir.write("run/secrets/dx_password", "dx-pass\n");
    environment["SIXMM_API_SECRET"] = "sixmm-secret";
    for (const char* section : {"partner_session", "sixmm", "dxtrade", "session_store"})
        options.sections[section] = [](const boost::json::value&, const std::string&, const Config&,
                                       std::vector<Problem>&) {};
    const auto result = load(R"({
      "workers": 0,
      "listeners": [
        {"name": "public", "address": "0.0.0.0", "port": 8443,
         "tls": {"cert_file": "conf/dev/cert.pem", "key_file": "conf/dev/key.pem"}},
        {"name": "admin", "address": "127.0.0.1", "port": 9901, "admin": true}
      ],
      "limits": {"header_bytes": 16384, "body_bytes": 1048576,
                 "header_timeout_ms": 10000, "idle_timeout_ms": 60000},
      "secrets": {"sixmm_api_secret": {"env": "SIXMM_API_SECRET"},
                  "dx_password": {"file": ")" +
                             password.string() + R"("}},
      "upstreams": {
        "portal": {"servers": ["http://127.0.0.1:9000"], "pool_size": 64},
        "sixmm_agent": {"servers": ["https://agent-api.6mm.com"]},
        "dxweb": {"servers": ["https://dxweb.example-broker.com"]}
      },
      "partner_session": {
        "introspect": {"upstream": "portal", "path": "/api/session",
                       "cookies": ["portal_session"], "cache_ttl_ms": 3000},
        "claims": {"user_id": "/userId", "agent_user_id": "/agentUserId"}
      },
      "sixmm": {"upstream": "sixmm_agent", "agent_code": "AGENT001", "api_secret": "sixmm_api_secret"},
      "dxtrade": {"upstream": "dxweb", "auth": {"mode": "basic", "password": "dx_password"},
                  "keepalive": {"interval_ms": 300000, "jitter": 0.1, "max_in_flight": 64}},
      "session_store": {"kind": "sqlite", "path": "var/sessions.db"},
      "routes": [
        {"match": {"path": "/api/trading/embed-token", "methods": ["POST"]}, "handler": "sixmm.embed_token"},
        {"match": {"path": "/api/trading-entry", "methods": ["POST"]}, "handler": "sixmm.entry_url"},
        {"match": {"path": "/trading/dxtrade/launch"}, "handler": "dxtrade.launch"},
        {"match": {"path": "/logout", "methods": ["POST"]}, "handler": "dxtrade.logout", "upstream": "portal"},
        {"match": {"prefix": "/"}, "upstream": "portal"}
      ]
    })");
    CHECK_OK(result);
    const Config& config = *result.config;
    BOOST_TEST(config.workers == expected_default_workers());
    BOOST_TEST(config.listeners.size() == 2u);
    BOOST_TEST(config.listeners[0].tls.has_value());
    BOOST_TEST(config.listeners[1].admin);
    BOOST_TEST(config.secrets.at("sixmm_api_secret").reveal() == "sixmm-secret");
    BOOST_TEST(config.secrets.at("dx_password").reveal() == "dx-pass");
    BOOST_TEST(config.upstreams.size() == 3u);
    BOOST_TEST(config.upstreams.at("sixmm_agent").servers[0].port == 443);
    BOOST_TEST(config.routes.size() == 5u);
    BOOST_TEST(config.routes[3].handler == "dxtrade.logout");
    BOOST_TEST(config.routes[3].upstream == "portal");
    BOOST_TEST(config.document.contains("dxtrade"));
}

BOOST_AUTO_TEST_CASE(problem_to_string) {
    BOOST_TEST(to_string(Problem{"routes[3].upstream", "no upstream named \"portl\""}) ==
               "routes[3].upstream: no upstream named \"portl\"");
    BOOST_TEST(to_string(Problem{"", "syntax error"}) == "syntax error");
}

BOOST_AUTO_TEST_SUITE_END()
