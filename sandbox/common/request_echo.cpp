#include "sandbox/common/request_echo.hpp"

#include <boost/json/array.hpp>

#include <string>

namespace tg::sandbox {

boost::json::object describe_request(const Request& request) {
  boost::json::array headers;
  for (const auto& field : request) {
    headers.push_back(boost::json::object{
        {"name", std::string_view(field.name_string())},
        {"value", std::string_view(field.value())},
    });
  }
  const unsigned version = request.version();
  return boost::json::object{
      {"method", std::string_view(request.method_string())},
      {"target", std::string_view(request.target())},
      {"version", std::to_string(version / 10) + "." + std::to_string(version % 10)},
      {"headers", std::move(headers)},
      {"bodyLength", request.body().size()},
  };
}

}  // namespace tg::sandbox
