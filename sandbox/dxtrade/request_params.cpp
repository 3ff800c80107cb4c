#include "sandbox/dxtrade/request_params.hpp"

#include "sandbox/sixmm/json_fields.hpp"

#include <boost/url/parse.hpp>

namespace tg::sandbox::dxtrade {

std::optional<FormFields> request_params(const Request& request) {
  FormFields fields;
  const std::string_view body = request.body();
  const std::string_view content_type = request[http::field::content_type];
  if (content_type.find("json") != std::string_view::npos) {
    const auto object = sixmm::parse_json_object(body);
    if (!object) return std::nullopt;
    for (const auto& [key, value] : *object) {
      if (value.is_string()) fields.try_emplace(std::string(key), std::string(value.get_string()));
    }
  } else if (!body.empty()) {
    auto form = parse_form(body);
    if (!form) return std::nullopt;
    fields = std::move(*form);
  }
  if (const auto target = boost::urls::parse_origin_form(request.target())) {
    for (const auto& param : target->params()) fields.try_emplace(param.key, param.value);
  }
  return fields;
}

std::string_view param(const FormFields& params, std::string_view name) {
  const auto found = params.find(name);
  return found == params.end() ? std::string_view{} : std::string_view(found->second);
}

}  // namespace tg::sandbox::dxtrade
