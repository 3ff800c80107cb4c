#include "gateway/proxy/header_writer.hpp"

#include <boost/beast/http/status.hpp>

#include <charconv>

namespace tg::proxy {

void write_request_head(const http::request_header<>& header, const HeaderRewrite& fields, std::string& out) {
    out.append(header.method_string());
    out += ' ';
    out.append(header.target());
    out += " HTTP/1.1\r\n";
    fields.write(header, out);
    out += "\r\n";
}

void write_status_line(unsigned status, std::string_view reason, std::string& out) {
    out += "HTTP/1.1 ";
    char digits[4];
    const auto end = std::to_chars(digits, digits + sizeof digits, status).ptr;
    out.append(digits, end);
    out += ' ';
    if (reason.empty()) reason = http::obsolete_reason(http::int_to_status(status));
    out.append(reason);
    out += "\r\n";
}

}  // namespace tg::proxy
