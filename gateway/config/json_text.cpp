#include "gateway/config/json_text.hpp"

#include <boost/json/parse_options.hpp>
#include <boost/json/stream_parser.hpp>

#include <algorithm>

namespace tg::config::detail {
namespace {

bool is_utf8_continuation(char c) {
    return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

Problem syntax_error(std::string_view text, std::size_t offset, const boost::system::error_code& error) {
    const TextPosition position = position_at(text, offset);
    return {"", "syntax error at line " + std::to_string(position.line) + ", column " +
                    std::to_string(position.column) + ": " + error.message()};
}

}  // namespace

TextPosition position_at(std::string_view text, std::size_t offset) {
    const std::string_view before = text.substr(0, std::min(offset, text.size()));
    const std::size_t last_newline = before.rfind('\n');
    const std::string_view line_start =
        last_newline == std::string_view::npos ? before : before.substr(last_newline + 1);
    TextPosition position;
    position.line = 1 + static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n'));
    position.column =
        1 + static_cast<std::size_t>(std::count_if(line_start.begin(), line_start.end(),
                                                   [](char c) { return !is_utf8_continuation(c); }));
    return position;
}

ParsedText parse_json_text(std::string_view text) {
    boost::json::parse_options options;
    options.allow_comments = true;
    options.allow_trailing_commas = true;
    boost::json::stream_parser parser({}, options);

    boost::system::error_code error;
    // On error, `consumed` is the offset at which the parser gave up.
    const std::size_t consumed = parser.write(text.data(), text.size(), error);
    if (error)
        return {std::nullopt, syntax_error(text, consumed, error)};
    parser.finish(error);
    if (error)
        return {std::nullopt, syntax_error(text, text.size(), error)};
    return {parser.release(), std::nullopt};
}

}  // namespace tg::config::detail
