// Helpers for modules that own a top-level config section: the same reader validates
// the section when the config is loaded and reads it when handlers are built.
#pragma once

#include "gateway/config/loader.hpp"

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace tg::config {

// `read(section, path, engine_or_null, problems)` on a section that already passed
// validation; throws when the section is absent.
template <class Read>
auto read_validated_section(const Config& config, std::string_view name, Read&& read) {
    const auto* section = config.document.if_contains(name);
    if (!section) throw std::runtime_error("the config has no \"" + std::string(name) + "\" section");
    std::vector<Problem> ignored;  // reported when the config was loaded
    return read(*section, std::string(name), nullptr, ignored);
}

}  // namespace tg::config
