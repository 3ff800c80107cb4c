#include "gateway/proxy/header_writer.hpp"

#include <boost/beast/http/status.hpp>

namespace tg::proxy {
namespace http = boost::beast::http;
namespace {

void write_fields(const http::fields& fields, std::string& out) {
    for (const auto& field : fields) {
        out.append(field.name_string().data(), field.name_string().size());
        out += ": ";
        out.append(field.value().data(), field.value().size());
        out += "\r\n";
    }
    out += "\r\n";
}

void write_version(unsigned version, std::string& out) {
    out += "HTTP/";
    out += static_cast<char>('0' + version / 10);
    out += '.';
    out += static_cast<char>('0' + version % 10);
}

}  // namespace

void write_header(const http::request_header<>& header, std::string& out) {
    out.append(header.method_string().data(), header.method_string().size());
    out += ' ';
    out.append(header.target().data(), header.target().size());
    out += ' ';
    write_version(header.version(), out);
    out += "\r\n";
    write_fields(header, out);
}

void write_header(const http::response_header<>& header, std::string& out) {
    write_version(header.version(), out);
    out += ' ';
    out += std::to_string(header.result_int());
    out += ' ';
    auto reason = header.reason();
    if (reason.empty()) reason = http::obsolete_reason(header.result());
    out.append(reason.data(), reason.size());
    out += "\r\n";
    write_fields(header, out);
}

}  // namespace tg::proxy
