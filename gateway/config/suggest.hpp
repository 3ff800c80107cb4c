// "Did you mean" hints for misspelled keys and names.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tg::config::detail {

// ` (did you mean "header_bytes"?)` when one candidate is a near typo of `word`,
// otherwise "".
std::string did_you_mean(std::string_view word, const std::vector<std::string_view>& candidates);

}  // namespace tg::config::detail
