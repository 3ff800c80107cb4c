#include "sandbox/sixmm/sixmm_service.hpp"

#include "sandbox/common/delayed_answer.hpp"
#include "sandbox/common/responses.hpp"
#include "sandbox/sixmm/json_fields.hpp"
#include "sandbox/sixmm/widget_assets.hpp"

#include <boost/json/object.hpp>
#include <boost/url/parse.hpp>

#include <iostream>

namespace tg::sandbox::sixmm {

namespace {

namespace asio = boost::asio;

constexpr std::string_view kCreateEmbedToken = "/v1/agent/create-embed-token";
constexpr std::string_view kCreateEntryUrl = "/v1/agent/create-entry-url";
constexpr std::string_view kBind = "/v1/agent/bind";
constexpr std::string_view kExchangeEmbedToken = "/v1/public/agent-sso/exchange-embed-token";
constexpr std::string_view kExchangeTicket = "/v1/public/agent-sso/exchange-ticket";

bool is_agent_api_call(const Request& request) {
  const auto target = boost::urls::parse_origin_form(request.target());
  return target && request.method() == http::verb::post &&
         std::string_view(target->encoded_path()).starts_with("/v1/agent/");
}

std::string query_parameter(const Request& request, std::string_view name) {
  const auto target = boost::urls::parse_origin_form(request.target());
  if (!target) return {};
  const auto params = target->params();
  const auto found = params.find(name);
  return found == params.end() ? std::string() : std::string((*found).value);
}

}  // namespace

SixmmService::SixmmService(const SixmmOptions& options, std::string api_secret)
    : agent_api_(options.agent_code, std::move(api_secret), options.auto_bound, tokens_),
      exchange_(tokens_),
      control_(options.mode, options.slow_delay,
               {kCreateEmbedToken, kCreateEntryUrl, kBind, kExchangeEmbedToken, kExchangeTicket}) {
  using http::verb;
  using Endpoint = AgentApi::Endpoint;
  const auto agent = [this](Endpoint endpoint, std::string_view path) {
    return [this, endpoint, path](const Request& r) { return agent_call(endpoint, path, r); };
  };
  router_.add(verb::post, std::string(kCreateEmbedToken), agent(Endpoint::create_embed_token, kCreateEmbedToken));
  router_.add(verb::post, std::string(kCreateEntryUrl), agent(Endpoint::create_entry_url, kCreateEntryUrl));
  router_.add(verb::post, std::string(kBind), agent(Endpoint::bind, kBind));

  router_.add(verb::post, std::string(kExchangeEmbedToken),
              [this](const Request& r) { return public_call(kExchangeEmbedToken, &Exchange::exchange_embed_token, r); });
  router_.add(verb::post, std::string(kExchangeTicket),
              [this](const Request& r) { return public_call(kExchangeTicket, &Exchange::exchange_ticket, r); });
  router_.add(verb::options, std::string(kExchangeEmbedToken), &Exchange::preflight);
  router_.add(verb::options, std::string(kExchangeTicket), &Exchange::preflight);

  router_.add(verb::get, "/sdk/trading-widget/v1/index.js", [](const Request&) {
    return javascript_response(http::status::ok, std::string(widget_sdk_script()));
  });
  router_.add(verb::get, "/widget/frame", [](const Request& r) {
    return html_response(http::status::ok,
                         widget_frame_page(query_parameter(r, "channelId"), query_parameter(r, "symbol")));
  });
  router_.add(verb::get, "/agent-entry", [](const Request&) {
    Response response = html_response(http::status::ok, agent_entry_page());
    response.set("Referrer-Policy", "no-referrer");  // the URL holds a one-time ticket
    return response;
  });

  router_.add(verb::get, "/__control/mode", [this](const Request& r) { return control_.get_mode(r); });
  router_.add(verb::post, "/__control/mode", [this](const Request& r) { return control_.set_mode(r); });
  router_.add(verb::get, "/__control/stats", [this](const Request& r) { return control_.stats(r); });
  router_.add(verb::get, "/healthz", [](const Request&) { return text_response(http::status::ok, "ok"); });
}

void SixmmService::set_public_origin(std::string origin) { agent_api_.set_public_origin(std::move(origin)); }

asio::awaitable<Response> SixmmService::handle(const Request& request) {
  const bool delayed = control_.mode() == Mode::slow && is_agent_api_call(request);
  auto response = router_.dispatch(request);
  const auto delay = delayed ? control_.slow_delay() : std::chrono::milliseconds(0);
  co_return co_await answer_after(std::move(response), delay);
}

Response SixmmService::agent_call(AgentApi::Endpoint endpoint, std::string_view path, const Request& request) {
  control_.count_call(path);
  switch (control_.mode()) {
    case Mode::down:
      std::cerr << "sixmm: " << path << " http=503 (mode down)" << std::endl;
      return text_response(http::status::service_unavailable, "6MM agent api is down (sandbox mode)\n");
    case Mode::reject:
      std::cerr << "sixmm: " << path << " code=6904 (mode reject)" << std::endl;
      return json_response(http::status::ok, {{"code", 6904}, {"message", "temporarily unavailable"}});
    case Mode::normal:
    case Mode::slow:
      break;
  }
  const AgentApi::Reply reply = agent_api_.call(endpoint, request.body(), unix_now());
  if (reply.signature_failure) control_.count_signature_failure();
  std::cerr << "sixmm: " << path << " code=" << reply.body.at("code").as_int64();
  if (!reply.note.empty()) std::cerr << " (" << reply.note << ")";
  std::cerr << std::endl;
  return json_response(http::status::ok, reply.body);
}

Response SixmmService::public_call(std::string_view path, Response (Exchange::*method)(const Request&),
                                   const Request& request) {
  control_.count_call(path);
  return (exchange_.*method)(request);
}

}  // namespace tg::sandbox::sixmm
