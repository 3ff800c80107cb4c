#include "gateway/config/suggest.hpp"

#include "gateway/config/fields.hpp"

#include <algorithm>
#include <numeric>

namespace tg::config::detail {
namespace {

// Levenshtein distance where swapping two neighbours ("paht") also costs one.
std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
    for (std::size_t i = 0; i <= a.size(); ++i)
        d[i][0] = i;
    std::iota(d[0].begin(), d[0].end(), std::size_t{0});
    for (std::size_t i = 1; i <= a.size(); ++i) {
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t substitution = d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, substitution});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
        }
    }
    return d[a.size()][b.size()];
}

// Short words get little slack: "port" must not suggest "host".
std::size_t tolerated_distance(std::string_view word) {
    return std::clamp<std::size_t>(word.size() / 3, 1, 3);
}

}  // namespace

std::string did_you_mean(std::string_view word, const std::vector<std::string_view>& candidates) {
    std::string_view best;
    std::size_t best_distance = tolerated_distance(word) + 1;
    for (std::string_view candidate : candidates) {
        const std::size_t distance = edit_distance(word, candidate);
        // A hint that rewrites half of the word is a guess, not a typo fix ("q" -> "p").
        if (distance < best_distance && distance * 2 <= word.size()) {
            best = candidate;
            best_distance = distance;
        }
    }
    if (best.empty())
        return {};
    return " (did you mean " + quote(best) + "?)";
}

}  // namespace tg::config::detail
