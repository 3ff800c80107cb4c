#include "sandbox/common/form.hpp"

#include <boost/beast/core/string.hpp>
#include <boost/url/encoding_opts.hpp>
#include <boost/url/params_view.hpp>
#include <boost/url/parse_query.hpp>

namespace tg::sandbox {

bool is_form_urlencoded(const Request& request) {
  constexpr std::string_view kFormType = "application/x-www-form-urlencoded";
  std::string_view content_type = request[http::field::content_type];
  content_type = content_type.substr(0, content_type.find(';'));
  while (!content_type.empty() && (content_type.back() == ' ' || content_type.back() == '\t')) {
    content_type.remove_suffix(1);
  }
  return boost::beast::iequals(content_type, kFormType);
}

std::optional<FormFields> parse_form(std::string_view body) {
  if (!boost::urls::parse_query(body)) return std::nullopt;

  boost::urls::encoding_opts form_encoding;
  form_encoding.space_as_plus = true;
  // Built from the string, not from the parsed view: libboost_url 1.81 does not
  // define params_view(params_view const&, encoding_opts). Validated above, so no throw.
  FormFields fields;
  for (const auto& param : boost::urls::params_view(body, form_encoding)) {
    fields.try_emplace(param.key, param.value);
  }
  return fields;
}

}  // namespace tg::sandbox
