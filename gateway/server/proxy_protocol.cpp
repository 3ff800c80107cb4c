#include "gateway/server/proxy_protocol.hpp"

#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/ip/address_v6.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>

namespace tg::server {
namespace {

using Status = ProxyParse::Status;
namespace ip = boost::asio::ip;

constexpr std::string_view v1_prefix = "PROXY ";
constexpr std::string_view v2_signature{"\r\n\r\n\0\r\nQUIT\n", 12};

ProxyParse invalid(std::string problem) {
    ProxyParse parse;
    parse.status = Status::invalid;
    parse.problem = std::move(problem);
    return parse;
}

ProxyParse incomplete(std::size_t needed) {
    ProxyParse parse;
    parse.needed = needed;
    return parse;
}

ProxyParse complete(std::size_t length, std::optional<ip::address> source) {
    ProxyParse parse;
    parse.status = Status::complete;
    parse.length = length;
    parse.source = source;
    return parse;
}

// The next space-separated field of a v1 line.
std::string_view next_field(std::string_view& rest) {
    const auto space = rest.find(' ');
    const auto field = rest.substr(0, space);
    rest = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
    return field;
}

bool valid_port(std::string_view text) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    return !text.empty() && text.size() <= 5 && ec == std::errc() && end == text.data() + text.size() && value <= 65535;
}

ProxyParse parse_v1(std::string_view bytes) {
    const auto end = bytes.find("\r\n");
    if (end == std::string_view::npos) {
        if (bytes.size() >= proxy_v1_max_bytes) return invalid("a PROXY v1 line longer than 107 bytes");
        if (bytes.find('\n') != std::string_view::npos) return invalid("a PROXY v1 line ending in a bare LF");
        return incomplete(0);
    }
    const auto length = end + 2;
    if (length > proxy_v1_max_bytes) return invalid("a PROXY v1 line longer than 107 bytes");
    auto rest = bytes.substr(v1_prefix.size(), end - v1_prefix.size());
    if (std::any_of(rest.begin(), rest.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }))
        return invalid("a control character in the PROXY v1 line");
    const auto protocol = next_field(rest);
    if (protocol == "UNKNOWN") return complete(length, std::nullopt);  // the rest is to be ignored
    if (protocol != "TCP4" && protocol != "TCP6") return invalid("PROXY v1 protocol is not TCP4, TCP6 or UNKNOWN");
    const auto source_text = next_field(rest);
    const auto destination_text = next_field(rest);
    const auto source_port = next_field(rest);
    const auto destination_port = next_field(rest);
    if (!rest.empty() || destination_port.empty()) return invalid("a PROXY v1 line without exactly four fields");
    boost::system::error_code source_error, destination_error;
    ip::address source, destination;
    if (protocol == "TCP4") {
        source = ip::make_address_v4(std::string(source_text), source_error);
        destination = ip::make_address_v4(std::string(destination_text), destination_error);
    } else {
        source = ip::make_address_v6(std::string(source_text), source_error);
        destination = ip::make_address_v6(std::string(destination_text), destination_error);
        if (!source_error && source.to_v6().scope_id() != 0) source_error = boost::asio::error::invalid_argument;
    }
    if (source_error || destination_error) return invalid("a PROXY v1 address that is not " + std::string(protocol));
    if (!valid_port(source_port) || !valid_port(destination_port)) return invalid("a PROXY v1 port that is not 0-65535");
    return complete(length, source);
}

ProxyParse parse_v2(std::string_view bytes) {
    if (bytes.size() < 16) return incomplete(16);
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(bytes[i]); };
    if ((byte(12) >> 4) != 2) return invalid("a PROXY v2 header of another version");
    const unsigned command = byte(12) & 0x0f;
    if (command > 1) return invalid("a PROXY v2 command other than LOCAL or PROXY");
    const std::size_t length = 16 + (std::size_t{byte(14)} << 8 | byte(15));
    if (length > proxy_v2_max_bytes)
        return invalid("a PROXY v2 header of " + std::to_string(length) + " bytes, over the limit of " +
                       std::to_string(proxy_v2_max_bytes));
    if (bytes.size() < length) return incomplete(length);
    if (command == 0) return complete(length, std::nullopt);  // LOCAL: the balancer itself
    const unsigned family = byte(13) >> 4, transport = byte(13) & 0x0f;
    if (family == 0 || family == 3) return complete(length, std::nullopt);  // UNSPEC or a UNIX socket: unknown
    if (family > 3) return invalid("a PROXY v2 address family that does not exist");
    if (transport != 1) return invalid("a PROXY v2 header for a transport other than TCP");
    const auto* address = bytes.data() + 16;
    if (family == 1) {
        if (length < 16 + 12) return invalid("a PROXY v2 IPv4 header too short for its addresses");
        ip::address_v4::bytes_type raw;
        std::memcpy(raw.data(), address, raw.size());
        return complete(length, ip::address_v4(raw));
    }
    if (length < 16 + 36) return invalid("a PROXY v2 IPv6 header too short for its addresses");
    ip::address_v6::bytes_type raw;
    std::memcpy(raw.data(), address, raw.size());
    return complete(length, ip::address_v6(raw));
}

// Whether `bytes` could still be the start of `prefix`, or starts with it.
bool starts_like(std::string_view bytes, std::string_view prefix) {
    const auto n = std::min(bytes.size(), prefix.size());
    return bytes.substr(0, n) == prefix.substr(0, n);
}

}  // namespace

ProxyParse parse_proxy_header(std::string_view bytes) {
    if (bytes.size() >= v1_prefix.size() && bytes.starts_with(v1_prefix)) return parse_v1(bytes);
    if (bytes.size() >= v2_signature.size() && bytes.starts_with(v2_signature)) return parse_v2(bytes);
    if (starts_like(bytes, v1_prefix) || starts_like(bytes, v2_signature)) return incomplete(0);
    return invalid("no PROXY protocol header");
}

}  // namespace tg::server
