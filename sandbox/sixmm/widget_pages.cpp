// The pages the widget iframe loads: /widget/frame (partner-token) and /agent-entry (agent-sso).
#include "sandbox/common/html_escape.hpp"
#include "sandbox/sixmm/widget_assets.hpp"

namespace tg::sandbox::sixmm {

namespace {

constexpr std::string_view kStyle = R"HTML(<style>
body { font-family: system-ui, sans-serif; margin: 1rem; }
.ok { color: #17692f; } .error { color: #a11; } .meta { color: #666; font-size: 0.9em; }
</style>)HTML";

// The parent's origin: `parentOrigin` from the given parameters (the SDK passes it), else
// the referrer's. Only used as postMessage target and to check incoming messages.
constexpr std::string_view kParentOriginScript = R"JS(
  function parentOriginFrom(params) {
    var candidates = [params.get('parentOrigin') || '', document.referrer || ''];
    for (var i = 0; i < candidates.length; i++) {
      try {
        var origin = new URL(candidates[i]).origin;
        if (origin && origin !== 'null' && (i > 0 || origin === candidates[i])) return origin;
      } catch (e) { /* next */ }
    }
    return '';
  }
)JS";

constexpr std::string_view kFrameHead = R"HTML(<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>6MM widget (sandbox)</title>
)HTML";

constexpr std::string_view kFrameScript = R"JS(
<script>
(function () {
  'use strict';)JS";

constexpr std::string_view kFrameLogic = R"JS(
  var params = new URLSearchParams(location.search);
  var channelId = params.get('channelId') || '';
  var symbol = params.get('symbol') || 'BTCUSDT';
  var parentOrigin = parentOriginFrom(params);
  var status = document.getElementById('status');
  function show(text, ok) { status.textContent = text; status.className = ok ? 'ok' : 'error'; }

  if (window.parent === window || !parentOrigin || !channelId) {
    show('6MM widget: load this page through TradingWidget.create()', false);
    return;
  }
  function post(message) { window.parent.postMessage(message, parentOrigin); }
  function failed(why) {
    show('6MM widget: authorization failed (' + why + ')', false);
    post({ type: 'error', code: 'auth_exchange_failed' });
  }

  function exchange(embedToken) {
    show('6MM widget: exchanging the embed token\u2026', true);
    fetch('/v1/public/agent-sso/exchange-embed-token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ embedToken: embedToken, channelId: channelId })
    }).then(function (response) {
      if (!response.ok) throw new Error('HTTP ' + response.status);
      return response.json();
    }).then(function (body) {
      if (!body || body.code !== 0 || !body.data || typeof body.data.accessToken !== 'string' || !body.data.accessToken) {
        throw new Error(body && body.message ? body.message : 'no access token');
      }
      show('6MM widget ready \u2014 access token ok, symbol ' + symbol, true);
      post({ type: 'ready' });
    }).catch(function (error) { failed(error.message); });
  }

  window.addEventListener('message', function (event) {
    if (event.source !== window.parent || event.origin !== parentOrigin) return;
    var data = event.data;
    if (!data || typeof data !== 'object') return;
    if (data.type === 'auth_token') {
      if (typeof data.embedToken !== 'string' || !data.embedToken || data.channelId !== channelId) {
        failed('bad auth_token message');
        return;
      }
      exchange(data.embedToken);
    } else if (data.type === 'refresh_auth') {
      post({ type: 'auth_request', reason: typeof data.reason === 'string' ? data.reason : 'refresh' });
    }
  });
  post({ type: 'auth_request', reason: 'init' });
})();
</script>
</body>
</html>
)JS";

constexpr std::string_view kAgentEntryHead = R"HTML(<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>6MM terminal (sandbox)</title>
)HTML";

constexpr std::string_view kAgentEntryBody = R"HTML(
</head>
<body>
<h1>6MM terminal</h1>
<p id="status">Signing in&hellip;</p>
<p id="landing" hidden>Landing page: <code id="redirect-path"></code></p>
<script>
(function () {
  'use strict';)HTML";

constexpr std::string_view kAgentEntryLogic = R"JS(
  var ticket = new URLSearchParams(location.search).get('ticket') || '';
  var parentOrigin = parentOriginFrom(new URLSearchParams(location.hash.slice(1)));
  // The ticket is one-time: keep it out of the address bar and the history.
  history.replaceState(null, '', location.pathname);
  var status = document.getElementById('status');
  function notify(message) {
    if (window.parent !== window && parentOrigin) window.parent.postMessage(message, parentOrigin);
  }
  function failed(why) {
    status.textContent = '6MM terminal: sign-in failed (' + why + ')';
    status.className = 'error';
    notify({ type: 'error', code: 'auth_exchange_failed' });
  }
  if (!ticket) { failed('no ticket'); return; }
  fetch('/v1/public/agent-sso/exchange-ticket', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ ticket: ticket })
  }).then(function (response) {
    if (!response.ok) throw new Error('HTTP ' + response.status);
    return response.json();
  }).then(function (body) {
    if (!body || body.code !== 0 || !body.data || typeof body.data.accessToken !== 'string' || !body.data.accessToken) {
      throw new Error(body && body.message ? body.message : 'no access token');
    }
    status.textContent = '6MM terminal \u2014 signed in (agent-sso)';
    status.className = 'ok';
    document.getElementById('redirect-path').textContent = body.data.redirectPath || '/';
    document.getElementById('landing').hidden = false;
    notify({ type: 'ready', redirectPath: body.data.redirectPath || '/' });
  }).catch(function (error) { failed(error.message); });
})();
</script>
</body>
</html>
)JS";

}  // namespace

std::string widget_frame_page(std::string_view channel_id, std::string_view symbol) {
  std::string page(kFrameHead);
  page += kStyle;
  page += "\n</head>\n<body>\n<h1>6MM widget</h1>\n<p id=\"status\">Waiting for authorization&hellip;</p>\n";
  page += "<p class=\"meta\">channel <code>" + html_escape(channel_id) + "</code>, symbol <code>" +
          html_escape(symbol) + "</code></p>\n";
  page += kFrameScript;
  page += kParentOriginScript;
  page += kFrameLogic;
  return page;
}

std::string agent_entry_page() {
  std::string page(kAgentEntryHead);
  page += kStyle;
  page += kAgentEntryBody;
  page += kParentOriginScript;
  page += kAgentEntryLogic;
  return page;
}

}  // namespace tg::sandbox::sixmm
