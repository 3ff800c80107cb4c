// The stand-in for https://app.6mm.com/sdk/trading-widget/v1/index.js.
#include "sandbox/sixmm/widget_assets.hpp"

namespace tg::sandbox::sixmm {

namespace {

constexpr std::string_view kScript = R"JS(/* 6MM trading widget: trading-sandbox stand-in (partner-token and agent-sso). */
(function () {
  'use strict';

  var script = document.currentScript;
  var scriptOrigin = script && script.src ? new URL(script.src, location.href).origin : location.origin;
  var events = window.__tgWidgetEvents = window.__tgWidgetEvents || [];   // 'ready' / 'error', in order
  var errors = window.__tgWidgetErrors = window.__tgWidgetErrors || [];   // error codes, in order

  function randomHex(byteCount) {
    var bytes = new Uint8Array(byteCount);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return (b < 16 ? '0' : '') + b.toString(16); }).join('');
  }

  function normalizeSymbol(symbol) {
    var text = typeof symbol === 'string' && symbol.trim() ? symbol.trim() : 'BTCUSDT';
    return text.toUpperCase().replace(/[-\/_]/g, '');
  }

  function resolveContainer(container) {
    var element = typeof container === 'string' ? document.querySelector(container) : container;
    if (!element || typeof element.appendChild !== 'function') throw new Error('TradingWidget: container not found');
    return element;
  }

  function httpUrl(text) {
    var url = new URL(text, location.href);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('TradingWidget: not an http(s) URL');
    return url;
  }

  function create(options) {
    options = options || {};
    var container = resolveContainer(options.container);
    var baseUrl = String(options.baseUrl || scriptOrigin).replace(/\/+$/, '');
    var baseOrigin = httpUrl(baseUrl).origin;
    var channelId = typeof options.channelId === 'string' && options.channelId ? options.channelId : 'ch-' + randomHex(8);
    var symbol = normalizeSymbol(options.symbol);
    var auth = options.auth || {};
    var mode = auth.mode || 'partner-token';
    var redirectPath = auth.redirectPath || options.redirectPath || '/trade/' + symbol;
    var listeners = { ready: [], error: [] };
    var iframe = document.createElement('iframe');
    var destroyed = false;
    var round = 0;  // every auth round bumps it; answers of older rounds are dropped

    function emit(name, detail) {
      if (destroyed) return;
      events.push(name);
      if (name === 'error') errors.push(detail.code);
      (listeners[name] || []).slice().forEach(function (callback) {
        try { callback(detail); } catch (e) { console.error(e); }
      });
    }

    function fail(code, message) {
      emit('error', { code: code, message: message || code, channelId: channelId });
    }

    function postToFrame(message) {
      if (!destroyed && iframe.contentWindow) iframe.contentWindow.postMessage(message, baseOrigin);
    }

    function validTokenAnswer(answer) {
      return !!answer && typeof answer.embedToken === 'string' && answer.embedToken.trim() !== '' &&
        typeof answer.expireAt === 'number' && isFinite(answer.expireAt) && answer.channelId === channelId;
    }

    // partner-token: the frame asked for a token; a NEW one is fetched every time.
    function provideToken(reason) {
      var current = ++round;
      Promise.resolve()
        .then(function () { return auth.tokenProvider({ channelId: channelId, symbol: symbol, reason: reason }); })
        .then(function (answer) {
          if (destroyed || current !== round) return;
          if (!validTokenAnswer(answer)) {
            fail('invalid_token_response', 'tokenProvider must resolve to {embedToken, expireAt, channelId}');
            return;
          }
          postToFrame({ type: 'auth_token', embedToken: answer.embedToken, channelId: channelId });
        }, function (error) {
          if (destroyed || current !== round) return;
          fail('token_provider_failed', error && error.message ? error.message : String(error));
        });
    }

    // agent-sso: the provider resolves to a webUrl holding a one-time ticket; load it.
    function openEntry() {
      var current = ++round;
      Promise.resolve()
        .then(function () { return auth.entryUrlProvider({ redirectPath: redirectPath }); })
        .then(function (webUrl) {
          if (destroyed || current !== round) return;
          var url;
          try {
            if (typeof webUrl !== 'string' || !webUrl) throw new Error('not a string');
            url = httpUrl(webUrl);
          } catch (e) {
            fail('invalid_entry_url', 'entryUrlProvider must resolve to an http(s) URL string');
            return;
          }
          if (url.origin !== baseOrigin) {
            fail('invalid_entry_url', 'the entry URL is not on ' + baseOrigin);
            return;
          }
          url.hash = 'parentOrigin=' + encodeURIComponent(location.origin);
          iframe.src = url.href;
        }, function (error) {
          if (destroyed || current !== round) return;
          fail('entry_url_provider_failed', error && error.message ? error.message : String(error));
        });
    }

    function onMessage(event) {
      if (destroyed || event.source !== iframe.contentWindow || event.origin !== baseOrigin) return;
      var data = event.data;
      if (!data || typeof data !== 'object' || typeof data.type !== 'string') return;
      if (data.type === 'auth_request' && mode === 'partner-token') {
        provideToken(typeof data.reason === 'string' ? data.reason : 'unknown');
      } else if (data.type === 'ready') {
        emit('ready', { channelId: channelId, symbol: symbol, mode: mode });
      } else if (data.type === 'error') {
        fail(typeof data.code === 'string' ? data.code : 'widget_error', data.message);
      }
    }

    var widget = {
      channelId: channelId,
      symbol: symbol,
      on: function (name, callback) {
        if (typeof callback === 'function') (listeners[name] = listeners[name] || []).push(callback);
        return widget;
      },
      refreshAuth: function (reason) {
        if (destroyed) return;
        if (mode === 'agent-sso') openEntry();
        else postToFrame({ type: 'refresh_auth', reason: typeof reason === 'string' ? reason : 'refresh' });
      },
      destroy: function () {
        if (destroyed) return;
        destroyed = true;
        window.removeEventListener('message', onMessage);
        if (iframe.parentNode) iframe.parentNode.removeChild(iframe);
        listeners = {};
      }
    };

    var setupError = null;
    if (mode === 'partner-token') {
      if (typeof auth.tokenProvider !== 'function') setupError = 'token_provider_missing';
    } else if (mode === 'agent-sso') {
      if (typeof auth.entryUrlProvider !== 'function') setupError = 'entry_url_provider_missing';
    } else {
      setupError = 'invalid_auth_mode';
    }
    if (setupError) {
      // After create() returns, so that listeners attached with on() see it.
      setTimeout(function () { fail(setupError); }, 0);
      return widget;
    }

    iframe.title = '6MM trading widget';
    iframe.style.cssText = 'width:100%;height:' + (options.height || '480px') + ';border:0';
    window.addEventListener('message', onMessage);
    container.appendChild(iframe);
    if (mode === 'agent-sso') {
      openEntry();
    } else {
      var query = new URLSearchParams({ channelId: channelId, symbol: symbol, mode: mode, parentOrigin: location.origin });
      iframe.src = baseUrl + '/widget/frame?' + query.toString();
    }
    return widget;
  }

  window.TradingWidget = { create: create };
})();
)JS";

}  // namespace

std::string_view widget_sdk_script() { return kScript; }

}  // namespace tg::sandbox::sixmm
