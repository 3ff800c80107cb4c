// Browser end-to-end test of two gateway replicas sharing one Redis: what `make run-ha`
// shows a person (ctest browser.ha; run.sh installs playwright-core and starts this).
//
//   node ha_e2e.mjs --deps DIR --gateway GATEWAY_BIN --sandbox SANDBOX_BIN [--chromium PATH]
//
// Starts redis-server, trading-sandbox (portal + DXtrade stand-in, 6 s trader inactivity
// timeout) and two trading-gateway replicas (Redis shared state, the "shared" DXtrade
// session store, 1 s keepalive, 1.5 s leases) on free loopback ports, then drives Debian's
// Chromium (headless) through:
//   (a) sign in on replica A, "Open DXtrade": the terminal is alive;
//   (b) sign out on replica B (cookies ignore the port, so the portal session is the same):
//       the terminal shows 'ended' within 5 s, one dxWeb logout for the token;
//   (c) sign in again on A, "Open DXtrade", then kill -9 replica A: the terminal stays alive
//       for twice the inactivity timeout, pinged by B;
//   (d) sign out on B: the terminal shows 'ended' within 5 s.
// Exit 0 on success, 1 on failure. Every wait is bounded and every child process is
// stopped on the way out.
import fs from 'node:fs';
import path from 'node:path';

import { check, freePorts, getJson, getText, runTest, sleep } from './lib/harness.mjs';

const OVERALL_DEADLINE_MS = 150_000;  // below the ctest TIMEOUT (180 s), so cleanup still runs
const STEP_TIMEOUT_MS = 15_000;
const INACTIVITY_MS = 6000;           // the stand-in ends a trader session after this without /ping
const KEEPALIVE_INTERVAL_MS = 1000;
const LEASE_TTL_MS = 1500;            // a dead replica's sessions are pinged within lease + interval
const SHARDS = 16;
const STAY_ALIVE_MS = 2 * INACTIVITY_MS;
const ENDED_WITHIN_MS = 5000;
const LAUNCH_PATH = '/trading/dxtrade/launch';

async function main(t) {
  const { options } = t;
  const [portalPort, dxwebPort, terminalPort, redisPort, portA, portB, adminA, adminB] = await freePorts(8);
  const dxweb = `http://127.0.0.1:${dxwebPort}`;
  const terminal = `http://127.0.0.1:${terminalPort}`;

  t.step = 'start Redis, the sandbox and two replicas';
  const redis = t.startChild('redis', ['redis-server', '--bind', '127.0.0.1', '--port', String(redisPort),
    '--save', '', '--appendonly', 'no']);
  await t.waitForPort(redis, redisPort);
  await t.startDxtradeSandbox({ portalPort, dxwebPort, terminalPort, inactivityMs: INACTIVITY_MS });

  const replicaConfig = (name, port, adminPort) => ({
    workers: 1,
    lifecycle: { drain_delay_ms: 0 },
    listeners: [{ name: 'public', address: '127.0.0.1', port },
                { name: 'admin', address: '127.0.0.1', port: adminPort, admin: true }],
    secrets: { dx_password: { file: 'dxweb-password' }, store_key: { file: 'store-key' } },
    shared_state: { backend: 'redis', redis: { urls: [`redis://127.0.0.1:${redisPort}`], key_prefix: 'tg-ha:' } },
    upstreams: {
      portal: { servers: [`http://127.0.0.1:${portalPort}`] },
      dxweb: { servers: [dxweb], connect_timeout_ms: 1000, response_timeout_ms: 3000 },
    },
    partner_session: {
      introspect: { upstream: 'portal', path: '/api/session', cookies: ['portal_session'], cache_ttl_ms: 500 },
    },
    dxtrade: {
      upstream: 'dxweb',
      auth: { mode: 'session', username: 'sso-service', domain: 'default', password: 'dx_password' },
      terminal_login_url: `${terminal}/api/auth/login/form-with-token`,
      keepalive: { interval_ms: KEEPALIVE_INTERVAL_MS, jitter: 0.1 },
      session_store: { kind: 'shared', key: 'store_key', shards: SHARDS, lease_ttl_ms: LEASE_TTL_MS,
                       replica_name: name },
    },
    routes: [
      { name: 'dx-launch', match: { path: LAUNCH_PATH }, handler: 'dxtrade.launch' },
      { name: 'logout', match: { path: '/logout', methods: ['POST'] }, handler: 'dxtrade.logout', upstream: 'portal' },
      { name: 'portal', match: { prefix: '/' }, upstream: 'portal' },
    ],
  });
  const replicas = [['replica-a', portA, adminA], ['replica-b', portB, adminB]].map(([name, port, adminPort]) => {
    const configPath = path.join(t.dir, `${name}.json`);
    fs.writeFileSync(configPath, JSON.stringify(replicaConfig(name, port, adminPort), null, 2));
    return { name, url: `http://127.0.0.1:${port}`, port, adminPort,
             child: t.startChild(name, [options.gateway, '--config', configPath]) };
  });
  const [a, b] = replicas;
  for (const replica of replicas) {
    await t.waitForPort(replica.child, replica.port);
    await t.waitForPort(replica.child, replica.adminPort);
  }
  const shardsHeld = async (replica) => {
    const { text } = await getText(`http://127.0.0.1:${replica.adminPort}/metrics`);
    return Number(/\ntg_dxtrade_shards_held (\d+)/.exec(text)?.[1] ?? -1);
  };
  t.step = 'the replicas share the shards';
  for (const until = Date.now() + 10_000; ; await sleep(200)) {
    const held = await Promise.all(replicas.map(shardsHeld));
    if (held.every((n) => n > 0) && held[0] + held[1] === SHARDS) break;
    check(Date.now() < until, `shards held after 10 s: ${held.join(' + ')} of ${SHARDS}`);
  }

  t.step = 'launch Chromium';
  const context = await t.launchChromium(STEP_TIMEOUT_MS);
  const page = await t.firstPage('terminal tab');
  t.onFailure(async () => `dxweb stats: ${JSON.stringify(await getJson(`${dxweb}/__control/stats`))}`);
  const sessionState = () => page.locator('#session-state').textContent({ timeout: 2000 });
  const liveAtDxweb = async () => (await getJson(`${dxweb}/__control/sessions?login=alice&domain=default`)).live;
  const logoutCalls = async () => (await getJson(`${dxweb}/__control/stats`)).calls?.['/dxweb/rest/logoutByToken'] ?? 0;

  const signInAndOpenDxtrade = async (replica) => {
    await page.goto(`${replica.url}/`);
    await page.getByRole('heading', { name: 'Demo Broker Portal' }).waitFor();
    await Promise.all([page.waitForURL(`${replica.url}/login`), page.getByRole('link', { name: 'Sign in' }).click()]);
    await page.fill('#username', 'alice');
    await page.fill('#password', 'alice');
    await Promise.all([page.waitForURL(`${replica.url}/`), page.click('form[action="/login"] button[type=submit]')]);
    await page.getByRole('heading', { name: 'Signed in as Alice Trader' }).waitFor();
    await Promise.all([page.waitForURL(`${terminal}/main`), page.click('a#open-dxtrade')]);
    await page.locator('#who').filter({ hasText: /^alice@default$/ }).waitFor();
    check(await sessionState() === 'alive', `#session-state reads '${await sessionState()}' right after the launch`);
  };
  // Signs out in a second tab on `replica`; how long the terminal took to show 'ended'.
  const signOutAndWatchTheEnd = async (replica) => {
    const portalTab = await t.newPage(`portal tab on ${replica.name}`);
    await portalTab.goto(`${replica.url}/`);
    await portalTab.getByRole('heading', { name: 'Signed in as Alice Trader' }).waitFor();
    await Promise.all([portalTab.waitForURL(`${replica.url}/`, { waitUntil: 'load' }),
      portalTab.getByRole('button', { name: 'Sign out' }).click()]);
    const loggedOutAt = Date.now();
    await portalTab.getByRole('link', { name: 'Sign in' }).waitFor();
    await page.locator('#session-state').filter({ hasText: /^ended$/ }).waitFor({ timeout: ENDED_WITHIN_MS });
    const endedAfter = Date.now() - loggedOutAt;
    await portalTab.close();
    check(await liveAtDxweb() === 0, 'the stand-in still has a live session of alice@default');
    return endedAfter;
  };

  t.step = '(a) sign in on replica A and open DXtrade';
  await signInAndOpenDxtrade(a);

  t.step = '(b) sign out on replica B: the terminal ends';
  const logoutsBefore = await logoutCalls();
  const firstEnd = await signOutAndWatchTheEnd(b);
  await sleep(5000);  // a standby's second dxWeb logout would come after logout.wait_ms (3 s)
  check(await logoutCalls() - logoutsBefore === 1, `dxWeb logouts: ${await logoutCalls() - logoutsBefore}, not 1`);

  t.step = '(c) sign in on A again, open DXtrade, kill -9 replica A';
  await signInAndOpenDxtrade(a);
  a.child.child.kill('SIGKILL');
  const killedAt = Date.now();
  while (Date.now() - killedAt < STAY_ALIVE_MS) {
    const state = await sessionState();
    check(state === 'alive', `#session-state turned '${state}' ${Date.now() - killedAt} ms after replica A died`);
    await sleep(250);
  }
  check(await shardsHeld(b) === SHARDS, `replica B holds ${await shardsHeld(b)} of ${SHARDS} shards`);

  t.step = '(d) sign out on replica B: the terminal ends';
  const secondEnd = await signOutAndWatchTheEnd(b);

  t.step = 'loopback only';
  t.checkLoopbackOnly();

  return `(a) launch on A, (b) sign-out on B -> ended after ${firstEnd} ms (1 dxWeb logout), ` +
    `(c) A killed: alive ${STAY_ALIVE_MS} ms on B's pings, (d) sign-out on B -> ended after ${secondEnd} ms`;
}

runTest({ name: 'browser.ha', script: 'ha_e2e.mjs', deadlineMs: OVERALL_DEADLINE_MS, main });
