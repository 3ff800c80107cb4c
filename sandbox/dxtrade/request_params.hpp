#pragma once

#include "sandbox/common/form.hpp"
#include "sandbox/common/http_types.hpp"

#include <optional>
#include <string_view>

namespace tg::sandbox::dxtrade {

// A dxWeb call's parameters: the form-encoded or JSON body (string values only), then
// the query string for names the body lacks. nullopt if the body cannot be read.
std::optional<FormFields> request_params(const Request& request);

// The value of `name`, empty if absent.
std::string_view param(const FormFields& params, std::string_view name);

}  // namespace tg::sandbox::dxtrade
