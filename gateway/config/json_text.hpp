// Parses configuration text: JSON with comments and trailing commas.
#pragma once

#include "gateway/config/loader.hpp"

#include <boost/json/value.hpp>

#include <cstddef>
#include <optional>
#include <string_view>

namespace tg::config::detail {

struct TextPosition {
    std::size_t line = 1;    // 1-based
    std::size_t column = 1;  // 1-based, in characters (UTF-8 code points)
};

TextPosition position_at(std::string_view text, std::size_t offset);

struct ParsedText {
    std::optional<boost::json::value> document;  // empty when `problem` is set
    std::optional<Problem> problem;              // "syntax error at line 12, column 5: ..."
};

ParsedText parse_json_text(std::string_view text);

}  // namespace tg::config::detail
