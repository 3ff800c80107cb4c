// Browser end-to-end test of the DXtrade SSO launch, keepalive and logout, through the
// gateway (ctest browser.dxtrade; run.sh installs playwright-core and starts this).
//
//   node dxtrade_e2e.mjs --deps DIR --gateway GATEWAY_BIN --sandbox SANDBOX_BIN [--chromium PATH]
//
// Starts trading-sandbox (portal + DXtrade stand-in: dxWeb API and WEB terminal, 3 s
// trader inactivity timeout) and trading-gateway (dxtrade.launch, dxtrade.logout, 1 s
// keepalive, SQLite session store, admin listener) on free loopback ports, then drives
// Debian's Chromium (headless) through:
//   (a) sign in to the portal as alice, "Open DXtrade": the gateway's launch page posts the
//       SSO token to the terminal, which lands on /main as alice@default, session alive;
//       the token is in no URL the browser asked for and in no log (raw or Base64);
//   (b) the admin endpoint lists one active (and stored) session, without the token;
//   (c) the terminal stays alive for 7.5 s (> 2x the inactivity timeout): the gateway pings;
//   (d) sign out of the portal in a second tab: the portal shows signed out, the terminal
//       shows 'ended' within 5 s, and the gateway has no session left (memory and store).
// Exit 0 on success, 1 on failure. Every wait is bounded and every child process is
// stopped on the way out.
import fs from 'node:fs';
import path from 'node:path';

import { check, freePorts, getJson, getText, runTest, sleep } from './lib/harness.mjs';

const OVERALL_DEADLINE_MS = 150_000;  // below the ctest TIMEOUT (180 s), so cleanup still runs
const STEP_TIMEOUT_MS = 15_000;
const INACTIVITY_MS = 3000;           // the stand-in ends a trader session after this without /ping
const KEEPALIVE_INTERVAL_MS = 1000;
const STAY_ALIVE_MS = 7500;           // > 2 x INACTIVITY_MS
const ENDED_WITHIN_MS = 5000;
const SESSION_CACHE_TTL_MS = 500;
const LAUNCH_PATH = '/trading/dxtrade/launch';
const TERMINAL_LOGIN_PATH = '/api/auth/login/form-with-token';

async function main(t) {
  const { options } = t;
  const [portalPort, dxwebPort, terminalPort, gatewayPort, adminPort] = await freePorts(5);
  const gw = `http://127.0.0.1:${gatewayPort}`;
  const dxweb = `http://127.0.0.1:${dxwebPort}`;
  const terminal = `http://127.0.0.1:${terminalPort}`;
  const admin = `http://127.0.0.1:${adminPort}`;

  t.step = 'start the sandbox and the gateway';
  await t.startDxtradeSandbox({ portalPort, dxwebPort, terminalPort, inactivityMs: INACTIVITY_MS });

  const config = {
    workers: 1,
    lifecycle: { drain_delay_ms: 0 },  // SIGTERM at the end: stop at once, not after 5 s
    listeners: [{ name: 'public', address: '127.0.0.1', port: gatewayPort },
                { name: 'admin', address: '127.0.0.1', port: adminPort, admin: true }],
    secrets: { dx_password: { file: 'dxweb-password' }, store_key: { file: 'store-key' } },
    upstreams: {
      portal: { servers: [`http://127.0.0.1:${portalPort}`] },
      dxweb: { servers: [dxweb], connect_timeout_ms: 1000, response_timeout_ms: 3000 },
    },
    partner_session: {
      introspect: { upstream: 'portal', path: '/api/session', cookies: ['portal_session'],
                    cache_ttl_ms: SESSION_CACHE_TTL_MS },
    },
    dxtrade: {
      upstream: 'dxweb',
      auth: { mode: 'session', username: 'sso-service', domain: 'default', password: 'dx_password' },
      terminal_login_url: `${terminal}${TERMINAL_LOGIN_PATH}`,
      keepalive: { interval_ms: KEEPALIVE_INTERVAL_MS, jitter: 0.1 },
      session_store: { kind: 'sqlite', path: path.join(t.dir, 'sessions.db'), key: 'store_key' },
    },
    routes: [
      { name: 'dx-launch', match: { path: LAUNCH_PATH }, handler: 'dxtrade.launch' },
      { name: 'logout', match: { path: '/logout', methods: ['POST'] }, handler: 'dxtrade.logout', upstream: 'portal' },
      { name: 'portal', match: { prefix: '/' }, upstream: 'portal' },
    ],
  };
  const configPath = path.join(t.dir, 'gateway.json');
  fs.writeFileSync(configPath, JSON.stringify(config, null, 2));
  const gateway = t.startChild('gateway', [options.gateway, '--config', configPath]);
  await t.waitForPort(gateway, gatewayPort);
  await t.waitForPort(gateway, adminPort);

  t.step = 'launch Chromium';
  const context = await t.launchChromium(STEP_TIMEOUT_MS);
  // Every URL the browser asked for (any frame, any resource type, redirects included) and
  // every main-frame navigation of every page.
  const requested = [];
  const navigated = [];
  const terminalForms = [];  // form bodies posted to the terminal's login endpoint
  context.on('request', (request) => {
    requested.push(request.url());
    const url = new URL(request.url());
    if (url.origin === terminal && url.pathname === TERMINAL_LOGIN_PATH) terminalForms.push(request.postData() ?? '');
  });
  const watchNavigations = (page) => page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) navigated.push(frame.url());
  });
  const page = await t.firstPage('terminal tab');
  watchNavigations(page);
  // The launch page submits its form as soon as it is parsed, and Chromium drops a page's
  // response body once the next page commits, so Playwright's response.body() comes too
  // late. Instead the launch response is held at the response stage (CDP Fetch, this URL
  // only) just long enough to read its body, then passed on unchanged.
  const launchResponses = [];  // {url, status, headers, body | error}
  const cdp = await context.newCDPSession(page);
  cdp.on('Fetch.requestPaused', async (event) => {
    const entry = { url: event.request.url, status: event.responseStatusCode,
      headers: Object.fromEntries((event.responseHeaders ?? []).map(({ name, value }) => [name.toLowerCase(), value])) };
    try {
      const { body, base64Encoded } = await cdp.send('Fetch.getResponseBody', { requestId: event.requestId });
      entry.body = base64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body;
    } catch (error) {
      entry.error = error;
    } finally {
      launchResponses.push(entry);
      await cdp.send('Fetch.continueRequest', { requestId: event.requestId }).catch((error) => {
        t.consoleLines.push(`Fetch.continueRequest failed: ${error.message}`);
      });
    }
  });
  await cdp.send('Fetch.enable', { patterns: [{ urlPattern: `${gw}${LAUNCH_PATH}*`, requestStage: 'Response' }] });
  t.onFailure(async () => `terminal tab: #who=${JSON.stringify(await page.locator('#who').textContent({ timeout: 1000 })
    .catch(() => null))} #session-state=${JSON.stringify(await page.locator('#session-state')
    .textContent({ timeout: 1000 }).catch(() => null))}`);
  t.onFailure(async () => `dxweb stats: ${JSON.stringify(await getJson(`${dxweb}/__control/stats`))}`);
  t.onFailure(async () => `admin sessions: ${(await getText(`${admin}/admin/dxtrade/sessions`)).text}`);
  const sessionState = () => page.locator('#session-state').textContent({ timeout: 2000 });
  const liveAtDxweb = async () => (await getJson(`${dxweb}/__control/sessions?login=alice&domain=default`)).live;

  // (a) Sign in through the portal's form (served by the gateway), then "Open DXtrade".
  t.step = '(a) sign in as alice through the portal';
  await page.goto(`${gw}/`);
  await page.getByRole('heading', { name: 'Demo Broker Portal' }).waitFor();
  await Promise.all([page.waitForURL(`${gw}/login`), page.getByRole('link', { name: 'Sign in' }).click()]);
  await page.fill('#username', 'alice');
  await page.fill('#password', 'alice');
  await Promise.all([page.waitForURL(`${gw}/`), page.click('form[action="/login"] button[type=submit]')]);
  await page.getByRole('heading', { name: 'Signed in as Alice Trader' }).waitFor();

  t.step = '(a) Open DXtrade: launch page -> terminal /main';
  await Promise.all([page.waitForURL(`${terminal}/main`), page.click('a#open-dxtrade')]);
  await page.locator('#who').filter({ hasText: /^alice@default$/ }).waitFor();
  check(await sessionState() === 'alive', `#session-state reads '${await sessionState()}' right after the launch`);

  t.step = '(a) the token: read from the launch page';
  check(launchResponses.length === 1, `expected 1 response from ${LAUNCH_PATH}, saw ${launchResponses.length}`);
  const launch = launchResponses[0];
  check(launch.status === 200, `${LAUNCH_PATH} answered HTTP ${launch.status}`);
  check(launch.body !== undefined, `cannot read the launch page: ${launch.error?.message}`);
  const token = /<input type="hidden" name="token" value="([^"]*)">/.exec(launch.body)?.[1];
  check(token, `no input[name=token] in the launch page:\n${launch.body}`);
  const csp = launch.headers['content-security-policy'] ?? '';
  const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
  check(nonce && launch.body.includes(`<script nonce="${nonce}">`) &&
    csp.includes(`form-action ${terminal}`), `launch page CSP '${csp}' does not fit its script and form`);
  check(launch.headers['cache-control'] === 'no-store' && launch.headers['referrer-policy'] === 'no-referrer',
    `launch page headers: ${JSON.stringify(launch.headers)}`);
  check(terminalForms.length === 1, `expected 1 POST to the terminal's login, saw ${terminalForms.length}`);
  check(new URLSearchParams(terminalForms[0]).get('token') === token,
    'the token posted to the terminal differs from the launch page\'s');
  const decoded = Buffer.from(token, 'base64').toString('latin1');
  check(/^[0-9a-f]{64}$/.test(decoded), `the launch token is not Base64 of a 64-hex SSO token: '${decoded}'`);
  const secrets = [token, decoded, encodeURIComponent(token)];
  const leaks = (text) => secrets.filter((s) => text.includes(s));
  const urlLeaks = (url) => {
    let decodedUrl = url;
    try { decodedUrl = decodeURIComponent(url); } catch { /* not percent-decodable: check it as is */ }
    return [...new Set([...leaks(url), ...leaks(decodedUrl)])];
  };

  t.step = '(a) the token is in no URL';
  navigated.push(page.url());
  for (const url of new Set([...requested, ...navigated])) {
    check(urlLeaks(url).length === 0, `the SSO token is in a URL: ${url}`);
  }
  check(navigated.includes(`${gw}${LAUNCH_PATH}`), `no navigation to the launch page: ${navigated.join(' ')}`);

  // (b) The admin listener lists alice's session, without the token.
  t.step = '(b) admin: one active session, no token';
  const summary = await getText(`${admin}/admin/dxtrade/sessions`);
  check(summary.status === 200, `admin sessions: HTTP ${summary.status} ${summary.text}`);
  check(leaks(summary.text).length === 0, 'the SSO token is in the admin sessions answer');
  const sessions = JSON.parse(summary.text);
  check(sessions.running === true && sessions.active === 1 && sessions.stored === 1, `admin sessions: ${summary.text}`);
  const alice = sessions.users?.find((u) => u.login === 'alice' && u.domain === 'default');
  check(alice?.sessions === 1, `admin sessions has no alice@default entry with 1 session: ${summary.text}`);
  check(await liveAtDxweb() === 1, 'the stand-in does not have 1 live session of alice@default');

  // (c) More than twice the inactivity timeout on the terminal: the gateway's pings keep it alive.
  t.step = `(c) the terminal stays alive for ${STAY_ALIVE_MS} ms`;
  const reset = await fetch(`${dxweb}/__control/pings/reset`, { method: 'POST', signal: AbortSignal.timeout(5000) });
  check(reset.ok, `POST /__control/pings/reset: HTTP ${reset.status}`);
  const started = Date.now();
  while (Date.now() - started < STAY_ALIVE_MS) {
    const state = await sessionState();
    check(state === 'alive', `#session-state turned '${state}' after ${Date.now() - started} ms on the terminal`);
    await sleep(250);
  }
  check(await sessionState() === 'alive', `#session-state is '${await sessionState()}' after ${STAY_ALIVE_MS} ms`);
  const pings = await getJson(`${dxweb}/__control/pings`);
  check(pings.pings >= Math.floor(STAY_ALIVE_MS / KEEPALIVE_INTERVAL_MS / 2),
    `only ${pings.pings} pings reached the stand-in in ${Date.now() - started} ms: ${JSON.stringify(pings)}`);
  check(pings.sessionsPinged === 1 && pings.pingsRefused === 0, `unexpected ping log: ${JSON.stringify(pings)}`);

  // (d) Sign out of the portal in a second tab: dxtrade.logout ends the DXtrade session first.
  t.step = '(d) sign out in a second tab';
  const portalTab = await t.newPage('portal tab');
  watchNavigations(portalTab);
  await portalTab.goto(`${gw}/`);
  await portalTab.getByRole('heading', { name: 'Signed in as Alice Trader' }).waitFor();
  const logoutResponse = portalTab.waitForResponse((r) => r.url() === `${gw}/logout` && r.request().method() === 'POST')
    .catch((error) => ({ status: () => `no response (${error.message})` }));
  await Promise.all([portalTab.waitForURL(`${gw}/`, { waitUntil: 'load' }),
    portalTab.getByRole('button', { name: 'Sign out' }).click()]);
  const logoutStatus = (await logoutResponse).status();
  check(logoutStatus === 303, `POST /logout answered ${logoutStatus}`);
  const loggedOutAt = Date.now();
  await portalTab.getByRole('heading', { name: 'Demo Broker Portal' }).waitFor();
  await portalTab.getByRole('link', { name: 'Sign in' }).waitFor();
  check(await portalTab.locator('#open-dxtrade').count() === 0, 'the signed-out home page still offers Open DXtrade');

  t.step = `(d) the terminal tab shows 'ended' within ${ENDED_WITHIN_MS} ms`;
  await page.locator('#session-state').filter({ hasText: /^ended$/ }).waitFor({ timeout: ENDED_WITHIN_MS });
  const endedAfter = Date.now() - loggedOutAt;
  check(await liveAtDxweb() === 0, 'the stand-in still has a live session of alice@default');
  // dxtrade.logout waited for dxWeb before the portal answered; the record goes right after.
  let after = null;
  for (const until = Date.now() + 3000; ; await sleep(100)) {
    after = JSON.parse((await getText(`${admin}/admin/dxtrade/sessions`)).text);
    if ((after.active === 0 && after.stored === 0 && after.pendingLogouts === 0) || Date.now() > until) break;
  }
  check(after.active === 0 && after.stored === 0 && after.pendingLogouts === 0,
    `admin sessions 3 s after the logout: ${JSON.stringify(after)}`);

  t.step = 'the token is in no log';
  for (const [name, file] of Object.entries(t.logs)) {
    const found = leaks(fs.readFileSync(file, 'latin1'));
    check(found.length === 0, `the SSO token (${found.map((s) => s === token ? 'Base64' : 'raw').join(', ')}) ` +
      `is in the ${name} log ${file}`);
  }
  for (const url of new Set([...requested, ...navigated])) {
    check(urlLeaks(url).length === 0, `the SSO token is in a URL: ${url}`);
  }

  t.step = 'loopback only';
  t.checkLoopbackOnly();

  return `(a) launch -> ${terminal}/main as alice@default, token in no URL or log, ` +
    `(b) admin: 1 active, (c) alive after ${STAY_ALIVE_MS} ms (${pings.pings} pings), ` +
    `(d) logout -> ended after ${endedAfter} ms`;
}

runTest({ name: 'browser.dxtrade', script: 'dxtrade_e2e.mjs', deadlineMs: OVERALL_DEADLINE_MS, main });
