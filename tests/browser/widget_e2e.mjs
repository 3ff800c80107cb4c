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
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const OVERALL_DEADLINE_MS = 150_000;  // below the ctest TIMEOUT (180 s), so cleanup still runs
const READY_TIMEOUT_MS = 15_000;
const STEP_TIMEOUT_MS = 15_000;
const PORT_TIMEOUT_MS = 10_000;
const SESSION_CACHE_TTL_MS = 500;
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-quic', '--no-first-run', '--disable-sync', '--no-proxy-server'];
const FRAME_READY_TEXT = '6MM widget ready \u2014 access token ok, symbol BTCUSDT';
const AGENT_READY_TEXT = '6MM terminal \u2014 signed in (agent-sso)';

function parseArgs(argv) {
  const options = { chromium: '/usr/bin/chromium' };
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i]?.replace(/^--/, '');
    if (!['deps', 'gateway', 'sandbox', 'chromium'].includes(name) || argv[i + 1] === undefined) {
      throw new Error(`usage: node widget_e2e.mjs --deps DIR --gateway BIN --sandbox BIN [--chromium PATH] (bad '${argv[i]}')`);
    }
    options[name] = argv[i + 1];
  }
  for (const name of ['deps', 'gateway', 'sandbox']) {
    if (!options[name]) throw new Error(`missing --${name}`);
  }
  for (const name of ['gateway', 'sandbox', 'chromium']) {
    fs.accessSync(options[name], fs.constants.X_OK);
  }
  return options;
}

// Free loopback ports, all held open at once so that they differ.
async function freePorts(count) {
  const servers = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      await new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', resolve);
      });
      servers.push(server);
    }
    return servers.map((server) => server.address().port);
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}

const children = [];

function startChild(name, argv, logPath) {
  const log = fs.openSync(logPath, 'a');
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  const entry = { name, child, logPath, exited: null };
  child.on('exit', (code, signal) => { entry.exited = { code, signal }; });
  child.on('error', (error) => { entry.exited = { error: error.message }; });
  children.push(entry);
  return entry;
}

async function stopChildren() {
  await Promise.all(children.map(async (entry) => {
    if (entry.exited || entry.child.exitCode !== null || entry.child.signalCode !== null) return;
    const gone = new Promise((resolve) => entry.child.once('exit', resolve));
    entry.child.kill('SIGTERM');
    const stopped = await Promise.race([gone.then(() => true), sleep(5000).then(() => false)]);
    if (!stopped) {
      entry.child.kill('SIGKILL');
      await Promise.race([gone, sleep(2000)]);
    }
  }));
}

function connectOnce(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (ok) => { socket.destroy(); resolve(ok); };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function waitForPort(entry, port) {
  const deadline = Date.now() + PORT_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (entry.exited) throw new Error(`${entry.name} exited early: ${JSON.stringify(entry.exited)}`);
    if (await connectOnce(port)) return;
    await sleep(100);
  }
  throw new Error(`${entry.name}: nothing listens on 127.0.0.1:${port} after ${PORT_TIMEOUT_MS} ms`);
}

function tail(file, lines = 25) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch (error) {
    return `(cannot read ${file}: ${error.message})`;
  }
}

async function getJson(url) {
  const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}`);
  return response.json();
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const { chromium } = createRequire(path.join(path.resolve(options.deps), 'package.json'))('playwright-core');

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tg-browser-'));
  let keepDir = true;
  let context = null;
  let page = null;
  let step = 'start';
  const consoleLines = [];
  const offLoopback = [];

  const [portalPort, sixmmPort, gatewayPort] = await freePorts(3);
  const gw = `http://127.0.0.1:${gatewayPort}`;
  const sixmm = `http://127.0.0.1:${sixmmPort}`;
  const logs = { sandbox: path.join(dir, 'sandbox.log'), gateway: path.join(dir, 'gateway.log') };

  const deadline = setTimeout(() => {
    console.error(`FAIL: overall deadline of ${OVERALL_DEADLINE_MS} ms passed (step: ${step})`);
    stopChildren().finally(() => process.exit(1));
  }, OVERALL_DEADLINE_MS);

  try {
    step = 'start the sandbox and the gateway';
    const secret = `browser-test-${process.pid}-${Date.now().toString(16)}`;
    fs.writeFileSync(path.join(dir, 'sandbox-secret'), secret + '\n', { mode: 0o600 });
    fs.writeFileSync(path.join(dir, 'gateway-secret'), secret + '\n', { mode: 0o600 });
    const sandbox = startChild('trading-sandbox', [options.sandbox,
      '--portal', `127.0.0.1:${portalPort}`, '--sixmm', `127.0.0.1:${sixmmPort}`,
      '--portal-sixmm-url', sixmm, '--sixmm-api-secret-file', path.join(dir, 'sandbox-secret')], logs.sandbox);
    await waitForPort(sandbox, portalPort);
    await waitForPort(sandbox, sixmmPort);

    const config = {
      workers: 1,
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
    const configPath = path.join(dir, 'gateway.json');
    fs.writeFileSync(configPath, JSON.stringify(config, null, 2));
    const gateway = startChild('trading-gateway', [options.gateway, '--config', configPath], logs.gateway);
    await waitForPort(gateway, gatewayPort);

    step = 'launch Chromium';
    context = await chromium.launchPersistentContext(path.join(dir, 'chromium-profile'), {
      executablePath: options.chromium,
      headless: true,
      args: CHROMIUM_ARGS,
      timeout: 30_000,
    });
    context.setDefaultTimeout(STEP_TIMEOUT_MS);
    context.setDefaultNavigationTimeout(STEP_TIMEOUT_MS);
    context.on('request', (request) => {
      const url = new URL(request.url());
      if (['http:', 'https:', 'ws:', 'wss:'].includes(url.protocol) && url.hostname !== '127.0.0.1') {
        offLoopback.push(request.url());
      }
    });
    page = context.pages()[0] ?? await context.newPage();
    page.on('console', (message) => consoleLines.push(`console.${message.type()}: ${message.text()}`));
    page.on('pageerror', (error) => consoleLines.push(`pageerror: ${error.message}`));

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
    step = '(a) log in as alice and open /trading from the home page';
    await login('alice');
    await Promise.all([page.waitForURL(`${gw}/trading`),
      page.locator('#trading-apps').getByRole('link', { name: 'Trading widget' }).click()]);
    check(await page.title() === 'Trading widget - Demo Broker Portal', `unexpected title '${await page.title()}'`);
    step = '(a) the partner-token widget reaches ready';
    await waitForCount('ready', 1);
    const frame = page.frameLocator('#trading-widget iframe');
    await frame.locator('#status').filter({ hasText: FRAME_READY_TEXT }).waitFor();
    await page.locator('#widget-status').filter({ hasText: /^ready$/ }).waitFor();
    check(await countOf('error') === 0, 'an error event before the first ready');
    check(await page.evaluate(() => window.__tgLastTokenStatus) === 200, 'embed-token status is not 200');
    check(await embedCalls() === 1, `expected 1 create-embed-token call, stats: ${JSON.stringify(await stats())}`);

    // (b) "Refresh token": a second ready, i.e. a second token was fetched and exchanged.
    step = '(b) Refresh token gives a second ready';
    await page.getByRole('button', { name: 'Refresh token' }).click();
    await waitForCount('ready', 2);
    await page.locator('#widget-status').filter({ hasText: /^ready$/ }).waitFor();
    check(await countOf('error') === 0, 'an error event after the refresh');
    check(await embedCalls() === 2, `expected 2 create-embed-token calls, stats: ${JSON.stringify(await stats())}`);
    check((await stats()).calls['/v1/public/agent-sso/exchange-embed-token'] === 2, 'expected 2 token exchanges');

    // (c) Portal logout (from the page, which stays open), past the session cache TTL:
    // the token provider gets 401 and the widget reports an error.
    step = '(c) logout, then refreshAuth gets 401 and an error event';
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
    step = '(c) signed out, /trading redirects to /login';
    await page.goto(`${gw}/trading`);
    check(new URL(page.url()).pathname === '/login', `signed-out /trading ended at ${page.url()}`);

    // (d) Sign in again, open the agent-sso widget: its iframe signs in with a one-time ticket.
    step = '(d) log in again and open /trading';
    await login('alice');
    await page.goto(`${gw}/trading`);
    await waitForCount('ready', 1);
    step = '(d) the agent-sso widget reaches ready';
    await page.getByRole('button', { name: 'Open in agent-sso mode' }).click();
    const agentFrame = page.frameLocator('#agent-sso-widget iframe');
    await agentFrame.locator('#status').filter({ hasText: AGENT_READY_TEXT }).waitFor({ timeout: READY_TIMEOUT_MS });
    await agentFrame.locator('#redirect-path').filter({ hasText: /^\/trade\/BTCUSDT$/ }).waitFor();
    await page.locator('#agent-sso-status').filter({ hasText: /^ready$/ }).waitFor();
    await waitForCount('ready', 2);
    check(await countOf('error') === 0, 'an error event in agent-sso mode');
    check(await page.evaluate(() => window.__tgLastEntryStatus) === 200, 'trading-entry status is not 200');
    check((await stats()).calls['/v1/public/agent-sso/exchange-ticket'] === 1, 'expected 1 ticket exchange');

    step = 'loopback only';
    check(offLoopback.length === 0, `requests off loopback: ${offLoopback.join(', ')}`);

    console.log('browser.widget: (a) ready, (b) refresh -> new token, (c) logout -> 401 + error, (d) agent-sso ready');
    keepDir = false;
    return 0;
  } catch (error) {
    console.error(`FAIL at step: ${step}\n  ${error.stack || error}`);
    if (page) {
      try {
        console.error(`  page: ${page.url()}`);
        console.error(`  widget events: ${JSON.stringify(await page.evaluate(() => ({
          events: window.__tgWidgetEvents, errors: window.__tgWidgetErrors,
          tokenStatus: window.__tgLastTokenStatus, entryStatus: window.__tgLastEntryStatus,
          status: document.getElementById('widget-status')?.textContent,
          agentStatus: document.getElementById('agent-sso-status')?.textContent })))}`);
        await page.screenshot({ path: path.join(dir, 'failure.png'), timeout: 5000 });
        console.error(`  screenshot: ${path.join(dir, 'failure.png')}`);
      } catch (inner) {
        console.error(`  (page state unavailable: ${inner.message})`);
      }
    }
    if (consoleLines.length) console.error(`  browser console:\n    ${consoleLines.slice(-20).join('\n    ')}`);
    for (const [name, file] of Object.entries(logs)) console.error(`--- ${name} log (tail) ---\n${tail(file)}`);
    console.error(`(logs kept in ${dir})`);
    return 1;
  } finally {
    if (context) await Promise.race([context.close().catch(() => {}), sleep(10_000)]);
    await stopChildren();
    clearTimeout(deadline);
    if (!keepDir) fs.rmSync(dir, { recursive: true, force: true });
  }
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    console.error(`browser.widget: ${signal}, stopping`);
    stopChildren().finally(() => process.exit(1));
  });
}

main().then((code) => process.exit(code), async (error) => {
  console.error(`FAIL: ${error.stack || error}`);
  await stopChildren();
  process.exit(1);
});
