// Small pieces of HTTP field syntax (RFC 9110) that Beast does not offer.
#pragma once

#include <string_view>

namespace tg {

// `text` without the optional white space (spaces and tabs) at either end.
inline std::string_view trim_ows(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

}  // namespace tg
