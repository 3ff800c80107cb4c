#include "gateway/proxy/header_writer.hpp"

#include <boost/beast/http/status.hpp>

#include <charconv>

namespace tg::proxy {

void write_request_head(const http::request_header<>& header, const HeaderRewrite& fields, std::string& out) {
    out.append(header.method_string());
    out += ' ';
    out.append(header.target());
    out += " HTTP/1.1\r\n";
    fields.write(out);
    out += "\r\n";
}

void write_response_head(const http::response_header<>& header, const HeaderRewrite& fields, std::string& out) {
    out += "HTTP/1.1 ";
    char status[4];
    const auto end = std::to_chars(status, status + sizeof status, header.result_int()).ptr;
    out.append(status, end);
    out += ' ';
    auto reason = header.reason();
    if (reason.empty()) reason = http::obsolete_reason(header.result());
    out.append(reason);
    out += "\r\n";
    fields.write(out);
    out += "\r\n";
}

}  // namespace tg::proxy
