#include "gateway/config/files.hpp"
#include "gateway/config/validate.hpp"

#include <boost/asio/ip/address.hpp>

#include <algorithm>
#include <filesystem>
#include <cctype>
#include <optional>

namespace tg::config::detail {
namespace {

// A host name as SNI carries it ("portal.example.com"), or "*." and one.
bool valid_server_name(std::string_view name) {
    if (name.starts_with("*.")) name.remove_prefix(2);
    if (name.empty() || name.size() > 253 || name.front() == '.' || name.back() == '.') return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
    }) && name.find("..") == std::string_view::npos;
}

// A file-name setting, resolved against the config's folder and checked readable.
void read_file_name(ObjectReader& reader, std::string_view key, Context& context, std::string& out,
                    Presence presence = Presence::optional) {
    std::string written;
    if (reader.read_string(key, written, presence))
        out = readable_file(context.base_dir, written, reader.path_of(key), context.problems);
}

SniCertificate read_sni_certificate(const boost::json::value& value, const std::string& path, Context& context) {
    ObjectReader reader(value, path, {"cert_file", "key_file", "server_names", "ocsp_response_file"}, context.problems);
    SniCertificate certificate;
    read_file_name(reader, "cert_file", context, certificate.cert_file, Presence::required);
    read_file_name(reader, "key_file", context, certificate.key_file, Presence::required);
    read_file_name(reader, "ocsp_response_file", context, certificate.ocsp_response_file);
    if (const auto* names = reader.read_array("server_names", Presence::required)) {
        if (names->empty()) reader.report("server_names", "expected at least one name");
        for (std::size_t i = 0; i < names->size(); ++i) {
            const auto* name = (*names)[i].if_string();
            std::string lower = name ? std::string(*name) : std::string();
            std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
            if (!name || !valid_server_name(lower)) {
                context.problems.push_back({index_path(reader.path_of("server_names"), i),
                                            "expected a host name such as \"portal.example.com\" or \"*.example.com\""});
            } else {
                certificate.server_names.push_back(std::move(lower));
            }
        }
    }
    return certificate;
}

std::optional<TlsSettings> read_tls(ObjectReader& listener, Context& context) {
    const auto* value = listener.find("tls");
    if (value == nullptr)
        return std::nullopt;
    ObjectReader reader(*value, listener.path_of("tls"),
                        {"cert_file", "key_file", "certificates", "min_version", "ciphers", "handshake_timeout_ms",
                         "hsts_max_age_s", "hsts_include_subdomains", "session_ticket_key_files",
                         "ocsp_response_file"},
                        context.problems);
    TlsSettings tls;
    read_file_name(reader, "cert_file", context, tls.cert_file, Presence::required);
    read_file_name(reader, "key_file", context, tls.key_file, Presence::required);
    if (reader.read_string("min_version", tls.min_version) && tls.min_version != "1.2" &&
        tls.min_version != "1.3")
        reader.report("min_version", "expected \"1.2\" or \"1.3\"");
    if (reader.read_string("ciphers", tls.ciphers) && tls.ciphers.empty())
        reader.report("ciphers", "expected an OpenSSL cipher list, found an empty string");
    reader.read_millis("handshake_timeout_ms", tls.handshake_timeout);
    reader.read_integer("hsts_max_age_s", 0, 2147483647, tls.hsts_max_age_s);
    reader.read_bool("hsts_include_subdomains", tls.hsts_include_subdomains);
    read_file_name(reader, "ocsp_response_file", context, tls.ocsp_response_file);
    if (const auto* files = reader.read_array("session_ticket_key_files")) {
        for (std::size_t i = 0; i < files->size(); ++i) {
            const auto path = index_path(reader.path_of("session_ticket_key_files"), i);
            const auto* written = (*files)[i].if_string();
            if (!written) {
                context.problems.push_back({path, "expected a file name"});
                continue;
            }
            const auto file = readable_file(context.base_dir, std::string(*written), path, context.problems);
            std::error_code ec;
            const auto size = std::filesystem::file_size(file, ec);
            if (ec) continue;  // reported by readable_file
            if (size != 48 && size != 80) {
                context.problems.push_back({path, "expected a key file of 48 or 80 bytes (openssl rand 80 > FILE), found " +
                                                      std::to_string(size) + " bytes"});
                continue;
            }
            tls.session_ticket_key_files.push_back(file);
        }
    }
    if (const auto* certificates = reader.read_array("certificates")) {
        for (std::size_t i = 0; i < certificates->size(); ++i)
            tls.certificates.push_back(read_sni_certificate((*certificates)[i], index_path(reader.path_of("certificates"), i), context));
    }
    return tls;
}

// How the listener learns who the client is behind a load balancer.
void read_client_address(ObjectReader& reader, Listener& listener, Context& context) {
    reader.read_bool("proxy_protocol", listener.proxy_protocol);
    reader.read_millis("proxy_protocol_timeout_ms", listener.proxy_protocol_timeout);
    if (const auto* networks = reader.read_array("trusted_proxies")) {
        for (std::size_t i = 0; i < networks->size(); ++i) {
            const auto path = index_path(reader.path_of("trusted_proxies"), i);
            const auto* text = (*networks)[i].if_string();
            std::string problem;
            if (!text) {
                context.problems.push_back({path, "expected a string such as \"10.0.0.0/8\""});
            } else if (auto network = parse_network(*text, problem)) {
                listener.trusted_proxies.push_back(*network);
            } else {
                context.problems.push_back({path, problem});
            }
        }
    }
    std::string header;
    if (reader.read_string("client_ip_header", header)) {
        if (header == "x-forwarded-for") listener.client_ip_header = ClientIpHeader::x_forwarded_for;
        else if (header == "forwarded") listener.client_ip_header = ClientIpHeader::forwarded;
        else reader.report("client_ip_header", "expected \"x-forwarded-for\" or \"forwarded\"");
    }
}

struct ReadListener {
    Listener listener;
    std::optional<boost::asio::ip::address> address;  // when valid
    bool port_valid = false;
};

ReadListener read_listener(const boost::json::value& value, const std::string& path, Context& context) {
    ObjectReader reader(value, path,
                        {"name", "address", "port", "tls", "admin", "proxy_protocol", "proxy_protocol_timeout_ms",
                         "trusted_proxies", "client_ip_header"},
                        context.problems);
    ReadListener result;
    Listener& listener = result.listener;
    if (reader.read_string("name", listener.name, Presence::required) && listener.name.empty())
        reader.report("name", "expected a non-empty string");
    // An address of the wrong type is reported by read_string and not parsed.
    if (reader.read_string("address", listener.address) || !reader.has("address")) {
        boost::system::error_code error;
        result.address = boost::asio::ip::make_address(listener.address, error);
        if (error) {
            result.address.reset();
            reader.report("address", "expected an IPv4 or IPv6 address");
        }
    }
    std::int64_t port = 0;
    if (reader.read_integer("port", 0, 65535, port, Presence::required)) {
        listener.port = static_cast<std::uint16_t>(port);
        result.port_valid = true;
    }
    listener.tls = read_tls(reader, context);
    reader.read_bool("admin", listener.admin);
    read_client_address(reader, listener, context);
    return result;
}

bool same_socket(const ReadListener& a, const ReadListener& b) {
    return a.port_valid && b.port_valid && a.listener.port != 0 && a.listener.port == b.listener.port &&
           a.address && b.address && *a.address == *b.address;
}

void check_unique(const std::vector<ReadListener>& listeners, Context& context) {
    for (std::size_t i = 0; i < listeners.size(); ++i) {
        const Listener& listener = listeners[i].listener;
        const std::string path = index_path("listeners", i);
        for (std::size_t j = 0; j < i; ++j) {
            const std::string earlier = index_path("listeners", j);
            if (!listener.name.empty() && listener.name == listeners[j].listener.name)
                context.problems.push_back(
                    {path + ".name",
                     "duplicate listener name " + quote(listener.name) + " (also " + earlier + ")"});
            if (same_socket(listeners[i], listeners[j]))
                context.problems.push_back({path, listener.address + ":" + std::to_string(listener.port) +
                                                      " is already used by " + earlier});
        }
    }
}

}  // namespace

std::vector<Listener> validate_listeners(const boost::json::value* value, Context& context) {
    if (value == nullptr) {
        context.problems.push_back({"listeners", "required key is missing (expected a non-empty array)"});
        return {};
    }
    const auto* array = expect_array(*value, "listeners", context.problems);
    if (array == nullptr)
        return {};
    if (array->empty())
        context.problems.push_back({"listeners", "expected a non-empty array, found an empty one"});

    std::vector<ReadListener> read;
    for (std::size_t i = 0; i < array->size(); ++i)
        read.push_back(read_listener((*array)[i], index_path("listeners", i), context));
    check_unique(read, context);

    std::vector<Listener> listeners;
    for (auto& entry : read)
        listeners.push_back(std::move(entry.listener));
    return listeners;
}

}  // namespace tg::config::detail
