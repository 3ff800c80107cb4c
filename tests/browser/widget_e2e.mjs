// Browser end-to-end test of the 6MM widget on the demo portal, through the gateway
// (ctest browser.widget; run.sh installs playwright-core and starts this).
//
//   node widget_e2e.mjs --deps DIR --gateway GATEWAY_BIN --sandbox SANDBOX_BIN [--chromium PATH]
//
// Starts trading-sandbox (portal + 6MM stand-in) and trading-gateway on free loopback
// ports, then drives Debian's Chromium (headless) through: partner-token ready, a
// manual token refresh (a second ready proves a second, new token: the stand-in spends
// each token on its first exchange), logout -> 401 from the embed-token endpoint and
// the widget's 'error', and the agent-sso widget. Exit 0 on success, 1 on failure.
// Every wait is bounded and every child process is stopped on the way out.
import fs from 'node:fs';
import path from 'node:path';

import { check, freePorts, getJson, runTest, sleep } from './lib/harness.mjs';

const OVERALL_DEADLINE_MS = 150_000;  // below the ctest TIMEOUT (180 s), so cleanup still runs
const READY_TIMEOUT_MS = 15_000;
const STEP_TIMEOUT_MS = 15_000;
const SESSION_CACHE_TTL_MS = 500;
const FRAME_READY_TEXT = '6MM widget ready \u2014 access token ok, symbol BTCUSDT';
const AGENT_READY_TEXT = '6MM terminal \u2014 signed in (agent-sso)';

async function main(t) {
  const { options } = t;
  const [portalPort, sixmmPort, gatewayPort] = await freePorts(3);
  const gw = `http://127.0.0.1:${gatewayPort}`;
  const sixmm = `http://127.0.0.1:${sixmmPort}`;

  t.step = 'start the sandbox and the gateway';
  const secret = `browser-test-${process.pid}-${Date.now().toString(16)}`;
  const sandboxSecret = t.writeSecret('sandbox-secret', secret);
  t.writeSecret('gateway-secret', secret);
  const sandbox = t.startChild('sandbox', [options.sandbox,
    '--portal', `127.0.0.1:${portalPort}`, '--sixmm', `127.0.0.1:${sixmmPort}`,
    '--portal-sixmm-url', sixmm, '--sixmm-api-secret-file', sandboxSecret]);
  await t.waitForPort(sandbox, portalPort);
  await t.waitForPort(sandbox, sixmmPort);

  const config = {
    workers: 1,
    lifecycle: { drain_delay_ms: 0 },  // SIGTERM at the end: stop at once, not after 5 s
    listeners: [{ name: 'public', address: '127.0.0.1', port: gatewayPort }],
    secrets: { sixmm_secret: { file: 'gateway-secret' } },
    upstreams: {
      portal: { servers: [`http://127.0.0.1:${portalPort}`] },
      sixmm: { servers: [sixmm], response_timeout_ms: 5000 },
    },
    partner_session: {
      introspect: { upstream: 'portal', path: '/api/session', cookies: ['portal_session'],
                    cache_ttl_ms: SESSION_CACHE_TTL_MS },
    },
    sixmm: { upstream: 'sixmm', agent_code: 'AGENT001', api_secret: 'sixmm_secret', return_url: `${gw}/` },
    routes: [
      { match: { path: '/api/trading/embed-token', methods: ['POST', 'OPTIONS'] }, handler: 'sixmm.embed_token' },
      { match: { path: '/api/trading-entry', methods: ['POST', 'OPTIONS'] }, handler: 'sixmm.entry_url' },
      { match: { prefix: '/' }, upstream: 'portal' },
    ],
  };
  const configPath = path.join(t.dir, 'gateway.json');
  fs.writeFileSync(configPath, JSON.stringify(config, null, 2));
  const gateway = t.startChild('gateway', [options.gateway, '--config', configPath]);
  await t.waitForPort(gateway, gatewayPort);

  t.step = 'launch Chromium';
  await t.launchChromium(STEP_TIMEOUT_MS);
  const page = await t.firstPage();
  t.onFailure(async () => `widget events: ${JSON.stringify(await page.evaluate(() => ({
    events: window.__tgWidgetEvents, errors: window.__tgWidgetErrors,
    tokenStatus: window.__tgLastTokenStatus, entryStatus: window.__tgLastEntryStatus,
    status: document.getElementById('widget-status')?.textContent,
    agentStatus: document.getElementById('agent-sso-status')?.textContent })))}`);

  const countOf = (name) => page.evaluate((n) => (window.__tgWidgetEvents || []).filter((e) => e === n).length, name);
  const waitForCount = (name, count, timeout = READY_TIMEOUT_MS) => page.waitForFunction(
    ([n, c]) => (window.__tgWidgetEvents || []).filter((e) => e === n).length >= c, [name, count],
    { timeout, polling: 100 });
  const stats = () => getJson(`${sixmm}/__control/stats`);
  const embedCalls = async () => (await stats()).calls['/v1/agent/create-embed-token'];

  const login = async (user) => {
    await page.goto(`${gw}/login`);
    await page.fill('#username', user);
    await page.fill('#password', user);
    await Promise.all([page.waitForURL(`${gw}/`), page.click('form[action="/login"] button[type=submit]')]);
    await page.getByRole('heading', { name: /^Signed in as / }).waitFor();
  };

  // (a) Sign in, follow the home page's "Trading widget" link, the widget gets ready.
  t.step = '(a) log in as alice and open /trading from the home page';
  await login('alice');
  await Promise.all([page.waitForURL(`${gw}/trading`),
    page.locator('#trading-apps').getByRole('link', { name: 'Trading widget' }).click()]);
  check(await page.title() === 'Trading widget - Demo Broker Portal', `unexpected title '${await page.title()}'`);
  t.step = '(a) the partner-token widget reaches ready';
  await waitForCount('ready', 1);
  const frame = page.frameLocator('#trading-widget iframe');
  await frame.locator('#status').filter({ hasText: FRAME_READY_TEXT }).waitFor();
  await page.locator('#widget-status').filter({ hasText: /^ready$/ }).waitFor();
  check(await countOf('error') === 0, 'an error event before the first ready');
  check(await page.evaluate(() => window.__tgLastTokenStatus) === 200, 'embed-token status is not 200');
  check(await embedCalls() === 1, `expected 1 create-embed-token call, stats: ${JSON.stringify(await stats())}`);

  // (b) "Refresh token": a second ready, i.e. a second token was fetched and exchanged.
  t.step = '(b) Refresh token gives a second ready';
  await page.getByRole('button', { name: 'Refresh token' }).click();
  await waitForCount('ready', 2);
  await page.locator('#widget-status').filter({ hasText: /^ready$/ }).waitFor();
  check(await countOf('error') === 0, 'an error event after the refresh');
  check(await embedCalls() === 2, `expected 2 create-embed-token calls, stats: ${JSON.stringify(await stats())}`);
  check((await stats()).calls['/v1/public/agent-sso/exchange-embed-token'] === 2, 'expected 2 token exchanges');

  // (c) Portal logout (from the page, which stays open), past the session cache TTL:
  // the token provider gets 401 and the widget reports an error.
  t.step = '(c) logout, then refreshAuth gets 401 and an error event';
  const logoutStatus = await page.evaluate(() => fetch('/logout', { method: 'POST', credentials: 'include',
    redirect: 'manual' }).then((r) => r.type === 'opaqueredirect' ? 303 : r.status));
  check(logoutStatus === 303, `POST /logout answered ${logoutStatus}`);
  await sleep(SESSION_CACHE_TTL_MS + 400);
  await page.evaluate(() => window.__tgWidget.refreshAuth('manual'));
  await waitForCount('error', 1);
  check(await page.evaluate(() => window.__tgLastTokenStatus) === 401,
    `token status after logout: ${await page.evaluate(() => window.__tgLastTokenStatus)}`);
  const errors = await page.evaluate(() => window.__tgWidgetErrors || []);
  check(errors.length === 1 && errors[0] === 'token_provider_failed', `widget errors: ${JSON.stringify(errors)}`);
  await page.locator('#widget-status').filter({ hasText: 'token_provider_failed' }).waitFor();
  check(await countOf('ready') === 2, 'a ready event after logout');
  check(await embedCalls() === 2, 'the gateway asked 6MM for a token without a session');
  t.step = '(c) signed out, /trading redirects to /login';
  await page.goto(`${gw}/trading`);
  check(new URL(page.url()).pathname === '/login', `signed-out /trading ended at ${page.url()}`);

  // (d) Sign in again, open the agent-sso widget: its iframe signs in with a one-time ticket.
  t.step = '(d) log in again and open /trading';
  await login('alice');
  await page.goto(`${gw}/trading`);
  await waitForCount('ready', 1);
  t.step = '(d) the agent-sso widget reaches ready';
  await page.getByRole('button', { name: 'Open in agent-sso mode' }).click();
  const agentFrame = page.frameLocator('#agent-sso-widget iframe');
  await agentFrame.locator('#status').filter({ hasText: AGENT_READY_TEXT }).waitFor({ timeout: READY_TIMEOUT_MS });
  await agentFrame.locator('#redirect-path').filter({ hasText: /^\/trade\/BTCUSDT$/ }).waitFor();
  await page.locator('#agent-sso-status').filter({ hasText: /^ready$/ }).waitFor();
  await waitForCount('ready', 2);
  check(await countOf('error') === 0, 'an error event in agent-sso mode');
  check(await page.evaluate(() => window.__tgLastEntryStatus) === 200, 'trading-entry status is not 200');
  check((await stats()).calls['/v1/public/agent-sso/exchange-ticket'] === 1, 'expected 1 ticket exchange');

  t.step = 'loopback only';
  t.checkLoopbackOnly();

  return '(a) ready, (b) refresh -> new token, (c) logout -> 401 + error, (d) agent-sso ready';
}

runTest({ name: 'browser.widget', script: 'widget_e2e.mjs', deadlineMs: OVERALL_DEADLINE_MS, main });
