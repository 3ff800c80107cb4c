#include "sandbox/portal/pages.hpp"

#include "sandbox/common/html_escape.hpp"

namespace tg::sandbox::portal {

namespace {

constexpr std::string_view kStyle = R"(
    body { font-family: system-ui, sans-serif; background: #f4f6f8; color: #1d2733; margin: 0; }
    header { background: #1d3557; color: #fff; padding: 0.8rem 1.5rem; }
    header a { color: #fff; text-decoration: none; font-weight: 600; }
    main { max-width: 40rem; margin: 2rem auto; background: #fff; padding: 1.5rem 2rem;
           border-radius: 8px; box-shadow: 0 1px 3px rgba(0,0,0,0.1); }
    h1 { margin-top: 0; font-size: 1.5rem; }
    label { display: block; margin: 0.8rem 0 0.2rem; }
    input[type=text], input[type=password] { width: 100%; padding: 0.4rem; box-sizing: border-box; }
    .button, button { display: inline-block; margin-top: 1rem; padding: 0.5rem 1.2rem; border: 0;
                      border-radius: 4px; background: #1d3557; color: #fff; text-decoration: none;
                      font-size: 1rem; cursor: pointer; }
    .error { background: #fde8e8; color: #9b1c1c; padding: 0.6rem; border-radius: 4px; }
    .muted { color: #667; font-size: 0.9rem; }
    ul.apps { padding-left: 1.2rem; }
    .ok { color: #17692f; }
    .widget { margin-top: 0.8rem; border: 1px solid #d5dbe1; border-radius: 4px; min-height: 2rem; }
    .controls button { margin-right: 0.5rem; }
    ol.events { font-size: 0.9rem; color: #445; }
)";

// The /trading page's script. It takes no value from the server side except through the
// data-* attributes of #trading-widget (HTML-escaped), so nothing dynamic is spliced into JS.
constexpr std::string_view kTradingScript = R"JS(
(function () {
  'use strict';
  var mount = document.getElementById('trading-widget');
  var status = document.getElementById('widget-status');
  var eventLog = document.getElementById('widget-event-log');
  var refreshButton = document.getElementById('refresh-token');
  var agentButton = document.getElementById('open-agent-sso');
  var agentSection = document.getElementById('agent-sso');
  var agentMount = document.getElementById('agent-sso-widget');
  var agentStatus = document.getElementById('agent-sso-status');
  var baseUrl = mount.getAttribute('data-sixmm-url');
  var symbol = mount.getAttribute('data-symbol');
  window.__tgWidgetEvents = window.__tgWidgetEvents || [];  // the SDK pushes 'ready' / 'error' here
  window.__tgLastTokenStatus = null;  // HTTP status of the latest embed-token call (0: network error)
  window.__tgLastEntryStatus = null;  // same for trading-entry

  function show(element, text, className) {
    element.textContent = text;
    element.className = className || '';
  }
  function logEvent(widgetName, text) {
    var item = document.createElement('li');
    item.textContent = new Date().toLocaleTimeString() + ' ' + widgetName + ': ' + text;
    eventLog.appendChild(item);
  }
  function showError(element, detail, lastStatus) {
    var code = detail && detail.code ? String(detail.code) : 'unknown';
    var text = 'error: ' + code;
    if (detail && detail.message && detail.message !== code) text += ' \u2014 ' + detail.message;
    show(element, text, 'error');
    if (lastStatus === 401 && /_provider_failed$/.test(code)) {
      element.appendChild(document.createTextNode(' \u2014 your portal session has ended: '));
      var link = document.createElement('a');
      link.href = '/login';
      link.textContent = 'sign in again';
      element.appendChild(link);
    }
    return code;
  }

  if (!window.TradingWidget || typeof window.TradingWidget.create !== 'function') {
    show(status, 'error: the 6MM widget SDK could not be loaded from ' + baseUrl, 'error');
    refreshButton.disabled = true;
    agentButton.disabled = true;
    return;
  }

  // POSTs JSON to the gateway with the portal cookie. A non-2xx answer rejects (the
  // widget then reports an error); the status is recorded either way.
  function postJson(path, body, recordStatus) {
    return fetch(path, {
      method: 'POST',
      credentials: 'include',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body)
    }).then(function (response) {
      recordStatus(response.status);
      return response.json().catch(function () { return null; }).then(function (data) {
        if (!response.ok) {
          var code = data && data.error && typeof data.error.code === 'string' ? data.error.code : 'http_error';
          var error = new Error(path + ' answered HTTP ' + response.status + ' (' + code + ')');
          error.status = response.status;
          error.code = code;
          throw error;
        }
        if (!data || typeof data !== 'object') throw new Error(path + ' answered without a JSON object');
        return data;
      });
    }, function (error) {
      recordStatus(0);
      throw error;
    });
  }

  // Partner-token mode: every auth request of the frame fetches a NEW embed token.
  var widget = window.TradingWidget.create({
    container: mount,
    baseUrl: baseUrl,
    symbol: symbol,
    auth: {
      mode: 'partner-token',
      tokenProvider: function (request) {
        return postJson('/api/trading/embed-token',
          { channelId: request.channelId, symbol: request.symbol, reason: request.reason },
          function (code) { window.__tgLastTokenStatus = code; });
      }
    }
  });
  window.__tgWidget = widget;
  widget.on('ready', function () {
    show(status, 'ready', 'ok');
    logEvent('partner-token', 'ready');
  });
  widget.on('error', function (detail) {
    logEvent('partner-token', 'error ' + showError(status, detail, window.__tgLastTokenStatus));
  });
  refreshButton.addEventListener('click', function () {
    show(status, 'refreshing the token\u2026', '');
    widget.refreshAuth('manual');
  });

  // Agent-sso mode: a second widget that opens a one-time entry URL from the gateway.
  var agentWidget = null;
  agentButton.addEventListener('click', function () {
    if (agentWidget) agentWidget.destroy();
    agentSection.hidden = false;
    show(agentStatus, 'opening the 6MM terminal\u2026', '');
    var current = agentWidget = window.TradingWidget.create({
      container: agentMount,
      baseUrl: baseUrl,
      symbol: symbol,
      auth: {
        mode: 'agent-sso',
        redirectPath: '/trade/' + symbol,
        entryUrlProvider: function (request) {
          return postJson('/api/trading-entry', { redirectPath: request.redirectPath },
            function (code) { window.__tgLastEntryStatus = code; })
            .then(function (data) { return data.webUrl; });
        }
      }
    });
    window.__tgAgentWidget = current;
    current.on('ready', function () {
      show(agentStatus, 'ready', 'ok');
      logEvent('agent-sso', 'ready');
    });
    current.on('error', function (detail) {
      logEvent('agent-sso', 'error ' + showError(agentStatus, detail, window.__tgLastEntryStatus));
    });
  });
})();
)JS";

std::string layout(std::string_view title, std::string_view body) {
  std::string html;
  html += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  html += "<title>" + html_escape(title) + "</title>\n";
  html += "<style>";
  html += kStyle;
  html += "</style>\n</head>\n<body>\n";
  html += "<header><a href=\"/\">Demo Broker Portal</a></header>\n<main>\n";
  html += body;
  html += "</main>\n</body>\n</html>\n";
  return html;
}

std::string app_item(const AppLink& app) {
  std::string item = "<li>";
  if (!app.title.empty()) item += html_escape(app.title) + " &mdash; ";
  item += "<a";
  if (!app.id.empty()) item += " id=\"" + html_escape(app.id) + "\"";
  item += " href=\"" + html_escape(app.href) + "\">" + html_escape(app.label) + "</a></li>\n";
  return item;
}

std::string signed_out_home() {
  return "<h1>Demo Broker Portal</h1>\n"
         "<p>Welcome. Sign in to reach your trading apps.</p>\n"
         "<a class=\"button\" href=\"/login\">Sign in</a>\n";
}

std::string signed_in_home(const DemoUser& user, std::span<const AppLink> apps) {
  std::string body;
  body += "<h1>Signed in as " + html_escape(user.name) + "</h1>\n";
  body += "<p class=\"muted\">User id " + html_escape(user.user_id) + " &middot; " +
          (user.can_trade ? "trading enabled" : "trading not enabled") + "</p>\n";

  body += "<h2>Trading apps</h2>\n<!-- Trading apps: one <li> per app link -->\n";
  body += "<ul class=\"apps\" id=\"trading-apps\">\n";
  for (const AppLink& app : apps) body += app_item(app);
  if (apps.empty()) body += "<li class=\"muted\">No trading apps yet.</li>\n";
  body += "</ul>\n";

  body += "<form method=\"post\" action=\"/logout\"><button type=\"submit\">Sign out</button></form>\n";
  return body;
}

}  // namespace

std::string trading_page(const DemoUser& user, std::string_view sixmm_url) {
  constexpr std::string_view kSymbol = "BTCUSDT";
  const std::string base = html_escape(sixmm_url);
  std::string body;
  body += "<h1>Trading widget</h1>\n";
  body += "<p class=\"muted\">Signed in as " + html_escape(user.name) +
          ". The 6MM widget below gets a one-time embed token from the gateway for every "
          "authorization; the SDK comes from <code>" + base + "</code>.</p>\n";
  body += "<div class=\"controls\">\n"
          "<button type=\"button\" id=\"refresh-token\">Refresh token</button>\n"
          "<button type=\"button\" id=\"open-agent-sso\">Open in agent-sso mode</button>\n"
          "</div>\n";
  body += "<p>Widget status: <span id=\"widget-status\" role=\"status\">loading&hellip;</span></p>\n";
  body += "<div class=\"widget\" id=\"trading-widget\" data-sixmm-url=\"" + base + "\" data-symbol=\"" +
          html_escape(kSymbol) + "\"></div>\n";
  body += "<section id=\"agent-sso\" hidden>\n<h2>Agent-sso mode</h2>\n"
          "<p>Status: <span id=\"agent-sso-status\" role=\"status\"></span></p>\n"
          "<div class=\"widget\" id=\"agent-sso-widget\"></div>\n</section>\n";
  body += "<h2>Widget events</h2>\n<ol class=\"events\" id=\"widget-event-log\"></ol>\n";
  body += "<p><a href=\"/\">Back to the portal</a></p>\n";
  body += "<form method=\"post\" action=\"/logout\"><button type=\"submit\">Sign out</button></form>\n";
  body += "<script src=\"" + base + "/sdk/trading-widget/v1/index.js\"></script>\n";
  body += "<script>";
  body += kTradingScript;
  body += "</script>\n";
  return layout("Trading widget - Demo Broker Portal", body);
}

std::string home_page(const DemoUser* user, std::span<const AppLink> apps) {
  return layout("Demo Broker Portal", user ? signed_in_home(*user, apps) : signed_out_home());
}

std::string login_page(std::string_view error, std::string_view username) {
  std::string body = "<h1>Sign in</h1>\n";
  if (!error.empty()) body += "<p class=\"error\" role=\"alert\">" + html_escape(error) + "</p>\n";
  body += "<form method=\"post\" action=\"/login\">\n"
          "<label for=\"username\">Username</label>\n"
          "<input type=\"text\" id=\"username\" name=\"username\" autocomplete=\"username\" "
          "required autofocus value=\"" + html_escape(username) + "\">\n"
          "<label for=\"password\">Password</label>\n"
          "<input type=\"password\" id=\"password\" name=\"password\" "
          "autocomplete=\"current-password\" required>\n"
          "<button type=\"submit\">Sign in</button>\n"
          "</form>\n";

  body += "<p class=\"muted\">Demo users:";
  for (const DemoUser& user : demo_users()) {
    body += " " + html_escape(user.user_id) + "/" + html_escape(user.password);
  }
  body += "</p>\n";
  return layout("Sign in - Demo Broker Portal", body);
}

}  // namespace tg::sandbox::portal
