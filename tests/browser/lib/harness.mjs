// Shared pieces of the browser end-to-end tests (widget_e2e.mjs, dxtrade_e2e.mjs):
// command line, free loopback ports, child processes (logged to files, always stopped),
// Debian's headless Chromium through playwright-core, an overall deadline and the
// failure report. Every wait here is bounded.
//
//   runTest({ name, script, deadlineMs, main: async (t) => { ... return 'summary'; } })
//
// `t` is a Harness: t.options (--deps/--gateway/--sandbox/--chromium), t.dir (a temp
// dir, removed on success, kept on failure), t.step (shown on failure), t.startChild(),
// t.waitForPort(), t.launchChromium(), t.watchPage(), t.onFailure(). runTest exits the
// process: 0 when main resolves, 1 when it throws, the deadline passes or a signal comes.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export { sleep };

export const PORT_TIMEOUT_MS = 10_000;
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-quic', '--no-first-run', '--disable-sync', '--no-proxy-server'];

export function check(condition, message) {
  if (!condition) throw new Error(message);
}

export function parseArgs(argv, script) {
  const options = { chromium: '/usr/bin/chromium' };
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i]?.replace(/^--/, '');
    if (!['deps', 'gateway', 'sandbox', 'chromium'].includes(name) || argv[i + 1] === undefined) {
      throw new Error(`usage: node ${script} --deps DIR --gateway BIN --sandbox BIN [--chromium PATH] (bad '${argv[i]}')`);
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
export async function freePorts(count) {
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

// SIGTERM, then SIGKILL after 5 s; every child this process started.
export async function stopChildren() {
  await Promise.all(children.map(async (entry) => {
    if (entry.exited || entry.child.exitCode !== null || entry.child.signalCode !== null) return;
    const gone = new Promise((resolve) => entry.child.once('exit', resolve));
    entry.child.kill('SIGTERM');
    const stopped = await Promise.race([gone.then(() => true), sleep(5000).then(() => false)]);
    if (!stopped) {
      console.error(`${entry.name} did not stop within 5 s of SIGTERM: SIGKILL`);
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

export function tail(file, lines = 25) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch (error) {
    return `(cannot read ${file}: ${error.message})`;
  }
}

export async function getJson(url) {
  const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}`);
  return response.json();
}

// GET with a bounded wait; the status and the body text, whatever the status.
export async function getText(url) {
  const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
  return { status: response.status, text: await response.text() };
}

export class Harness {
  constructor(name, options) {
    this.name = name;
    this.options = options;
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tg-browser-'));
    this.step = 'start';
    this.logs = {};              // name -> log file, tails shown on failure
    this.context = null;
    this.pages = new Map();      // label -> page, state shown on failure
    this.consoleLines = [];
    this.offLoopback = [];       // http(s)/ws(s) requests to anything but 127.0.0.1
    this.failureHooks = [];
  }

  startChild(name, argv) {
    const logPath = path.join(this.dir, `${name}.log`);
    this.logs[name] = logPath;
    return startChild(name, argv, logPath);
  }

  waitForPort(entry, port) { return waitForPort(entry, port); }

  writeSecret(file, value) {
    const target = path.join(this.dir, file);
    fs.writeFileSync(target, value + '\n', { mode: 0o600 });
    return target;
  }

  // The sandbox's portal and DXtrade stand-in, with a fresh dxWeb password (the file
  // dxweb-password) and DXtrade store key (store-key) in the temp dir for the gateway.
  async startDxtradeSandbox({ portalPort, dxwebPort, terminalPort, inactivityMs }) {
    const password = this.writeSecret('dxweb-password', crypto.randomBytes(24).toString('base64url'));
    this.writeSecret('store-key', crypto.randomBytes(32).toString('base64'));
    const sandbox = this.startChild('sandbox', [this.options.sandbox,
      '--portal', `127.0.0.1:${portalPort}`, '--dxweb', `127.0.0.1:${dxwebPort}`,
      '--dxterminal', `127.0.0.1:${terminalPort}`, '--dxweb-password-file', password,
      '--dxtrade-inactivity-ms', String(inactivityMs)]);
    for (const port of [portalPort, dxwebPort, terminalPort]) await this.waitForPort(sandbox, port);
    return sandbox;
  }

  // Debian's Chromium, headless, in a fresh profile under the temp dir.
  async launchChromium(stepTimeoutMs) {
    const { chromium } = createRequire(path.join(path.resolve(this.options.deps), 'package.json'))('playwright-core');
    this.context = await chromium.launchPersistentContext(path.join(this.dir, 'chromium-profile'), {
      executablePath: this.options.chromium,
      headless: true,
      args: CHROMIUM_ARGS,
      timeout: 30_000,
    });
    this.context.setDefaultTimeout(stepTimeoutMs);
    this.context.setDefaultNavigationTimeout(stepTimeoutMs);
    this.context.on('request', (request) => {
      const url = new URL(request.url());
      if (['http:', 'https:', 'ws:', 'wss:'].includes(url.protocol) && url.hostname !== '127.0.0.1') {
        this.offLoopback.push(request.url());
      }
    });
    return this.context;
  }

  // Collects console messages and page errors; the page's URL goes into the failure report.
  watchPage(page, label) {
    this.pages.set(label, page);
    const prefix = this.pages.size > 1 || label !== 'page' ? `[${label}] ` : '';
    page.on('console', (message) => this.consoleLines.push(`${prefix}console.${message.type()}: ${message.text()}`));
    page.on('pageerror', (error) => this.consoleLines.push(`${prefix}pageerror: ${error.message}`));
    return page;
  }

  async firstPage(label = 'page') {
    return this.watchPage(this.context.pages()[0] ?? await this.context.newPage(), label);
  }

  async newPage(label) {
    return this.watchPage(await this.context.newPage(), label);
  }

  // fn(): extra lines for the failure report (e.g. page state); its errors are reported, not thrown.
  onFailure(fn) { this.failureHooks.push(fn); }

  checkLoopbackOnly() {
    check(this.offLoopback.length === 0, `requests off loopback: ${this.offLoopback.join(', ')}`);
  }

  async report(error) {
    console.error(`FAIL at step: ${this.step}\n  ${error.stack || error}`);
    for (const [label, page] of this.pages) {
      try {
        console.error(`  ${label}: ${page.isClosed() ? '(closed)' : page.url()}`);
      } catch (inner) {
        console.error(`  ${label}: (unavailable: ${inner.message})`);
      }
    }
    for (const hook of this.failureHooks) {
      try {
        for (const line of [].concat(await hook())) console.error(`  ${line}`);
      } catch (inner) {
        console.error(`  (state unavailable: ${inner.message})`);
      }
    }
    let shot = 0;
    for (const [label, page] of this.pages) {
      if (page.isClosed()) continue;
      const file = path.join(this.dir, shot++ === 0 ? 'failure.png' : `failure-${label.replace(/[^A-Za-z0-9_-]+/g, '-')}.png`);
      try {
        await page.screenshot({ path: file, timeout: 5000 });
        console.error(`  screenshot (${label}): ${file}`);
      } catch (inner) {
        console.error(`  (no screenshot of ${label}: ${inner.message})`);
      }
    }
    if (this.consoleLines.length) console.error(`  browser console:\n    ${this.consoleLines.slice(-20).join('\n    ')}`);
    for (const [name, file] of Object.entries(this.logs)) console.error(`--- ${name} log (tail) ---\n${tail(file)}`);
    console.error(`(logs kept in ${this.dir})`);
  }

  async closeBrowser() {
    const context = this.context;
    this.context = null;
    if (context) await Promise.race([context.close().catch(() => {}), sleep(10_000)]);
  }
}

// Runs main(harness) under an overall deadline (keep it below the ctest TIMEOUT so that
// cleanup still runs), prints the summary it returns or the failure report, closes the
// browser, stops the children and exits.
export function runTest({ name, script, deadlineMs, main }) {
  let harness = null;
  const abort = async (why) => {
    console.error(`${name}: ${why}`);
    if (harness) await harness.closeBrowser().catch(() => {});
    await stopChildren();
    process.exit(1);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => { abort(`${signal}, stopping`); });
  }
  // A closed stdout/stderr (EPIPE) or a stray promise rejection would otherwise end node
  // without stopping the children.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
  process.on('unhandledRejection', (error) => { abort(`FAIL: unhandled rejection: ${error?.stack || error}`); });
  const deadline = setTimeout(() => {
    abort(`FAIL: overall deadline of ${deadlineMs} ms passed (step: ${harness ? harness.step : 'start'})`);
  }, deadlineMs);

  const run = async () => {
    harness = new Harness(name, parseArgs(process.argv.slice(2), script));
    let ok = false;
    try {
      const summary = await main(harness);
      console.log(`${name}: ${summary}`);
      ok = true;
      return 0;
    } catch (error) {
      await harness.report(error);
      return 1;
    } finally {
      await harness.closeBrowser();
      await stopChildren();
      clearTimeout(deadline);
      if (ok) fs.rmSync(harness.dir, { recursive: true, force: true });
    }
  };
  run().then((code) => process.exit(code), async (error) => {
    console.error(`FAIL: ${error.stack || error}`);
    await stopChildren();
    process.exit(1);
  });
}
