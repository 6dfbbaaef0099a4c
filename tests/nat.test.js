// Reachability across real NATs: daemons in network namespaces behind nftables masquerade
// (scripts/netns.sh), a public seed with the chain, a public relay, and homes behind cone and
// symmetric NATs and behind a UPnP router. Needs root; CI runs as root
// (DDNS_REQUIRE_NETNS=1 makes a missing privilege a failure instead of a skip).
//
//   A  home 1 (cone)       serves nat-a.ddns, finds the relay in the DHT
//   B  home 2 (cone)       resolves and connects
//   C  home 3 (symmetric)  serves nat-c.ddns through --relay-via
//   D  home 2              a third client of the relay, over its limit
//   U  home 4 (symmetric + UPnP IGD)  serves nat-u.ddns, directly once the router maps it
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  DevNode,
  connectApi,
  devPairs,
  registerName,
  signAndSendFinalized,
  sleep,
  waitForHeads,
} from './lib/node.js';
import { Resolver, dig } from './lib/resolver.js';

const SEED = '11.0.0.2';
const RELAY = '11.0.0.3';
const HOME = (n) => `192.168.${n}.2`;
const RELAY_MAX_RESERVATIONS = 4;

function netnsAvailable() {
  if (process.getuid?.() !== 0) return 'needs root (ip netns, nftables)';
  try {
    execFileSync('nft', ['--version'], { stdio: 'ignore' });
    execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' });
  } catch {
    return 'needs iproute2 and nftables (scripts/setup.sh installs them)';
  }
  return null;
}

const missing = netnsAvailable();
if (missing && process.env.DDNS_REQUIRE_NETNS === '1') {
  throw new Error(`the NAT tests cannot run: ${missing}`);
}
const skip = missing ? `skipped: ${missing}` : false;

let node;
let api;
let signers;
let seed;
let relay;
let a;
let b;
let c;
let u;
const daemons = [];
const figures = {};
let registeredAt;

/** Polls `f` until it returns a truthy value (returned), for at most `ms`. */
async function until(what, f, ms = 60_000) {
  const deadline = Date.now() + ms;
  let last;
  while (Date.now() < deadline) {
    try {
      last = await f();
    } catch (e) {
      last = undefined;
    }
    if (last) return last;
    await sleep(250);
  }
  const logs = daemons.map((d) => `--- ${d.label}\n${d.logTail(15)}`).join('\n');
  throw new Error(`timed out waiting for ${what}; logs:\n${logs}`);
}

async function daemon(label, opts) {
  const d = await Resolver.start({ chainWs: node.wsUrl, ...opts });
  d.label = label;
  daemons.push(d);
  return d;
}

const health = async (d) => (await d.get('/health')).body;

async function serveName(name, d, owner) {
  await registerName(api, name, owner.address, 10, owner);
  await signAndSendFinalized(api, api.tx.registry.setNodeKey(name, d.key.nodeKey), owner);
}

before(async () => {
  if (skip) return;
  execFileSync('bash', ['scripts/netns.sh', 'up'], { stdio: 'inherit' });
  signers = await devPairs();
  node = await DevNode.start({ netns: 'ddns-seed', host: SEED });
  api = await connectApi(node);
  await waitForHeads(api, { best: 1 });
  // The relay knows its address (operators of relays announce it); the seed learns its own
  // from AutoNAT.
  relay = await daemon('relay', {
    netns: 'ddns-relay',
    host: RELAY,
    extraArgs: [
      '--relay',
      '--relay-max-reservations', String(RELAY_MAX_RESERVATIONS),
      '--announce', `/ip4/${RELAY}/udp/4001/quic-v1`,
      '--announce', `/ip4/${RELAY}/tcp/4001`,
      '--no-upnp',
    ],
  });
  seed = await daemon('seed', {
    netns: 'ddns-seed',
    host: SEED,
    extraArgs: ['--bootnode', `/ip4/${RELAY}/udp/4001/quic-v1/p2p/${relay.key.peerId}`, '--no-upnp'],
  });
  await Promise.all([
    (async () => {
      a = await daemon('A', {
        netns: 'ddns-h1',
        host: HOME(1),
        serve: ['nat-a.ddns'],
        extraArgs: ['--bootnode', `/ip4/${SEED}/udp/4001/quic-v1/p2p/${seed.key.peerId}`],
      });
      a.startedAt = Date.now();
      // When A first holds a reservation (it does not wait for the names to be registered).
      a.reserved = until('A to hold a reservation', async () => (await health(a)).relayed.length > 0 && Date.now(), 120_000)
        .then((t) => (figures.aStartToReservationSeconds = (t - a.startedAt) / 1000))
        .catch(() => {});
    })(),
    (async () => {
      c = await daemon('C', {
        netns: 'ddns-h3',
        host: HOME(3),
        serve: ['nat-c.ddns'],
        extraArgs: [
          '--bootnode', `/ip4/${SEED}/udp/4001/quic-v1/p2p/${seed.key.peerId}`,
          '--relay-via', `/ip4/${RELAY}/udp/4001/quic-v1/p2p/${relay.key.peerId}`,
        ],
      });
    })(),
    (async () => {
      // The LAN address, not 0.0.0.0: libp2p-upnp maps the first address it sees per port,
      // which could be the loopback one.
      u = await daemon('U', {
        netns: 'ddns-h4',
        host: HOME(4),
        listen: [`/ip4/${HOME(4)}/udp/4001/quic-v1`],
        serve: ['nat-u.ddns'],
        extraArgs: ['--bootnode', `/ip4/${SEED}/udp/4001/quic-v1/p2p/${seed.key.peerId}`],
      });
    })(),
  ]);
  // One signer each, so the registrations share blocks.
  await Promise.all([
    serveName('nat-a.ddns', a, signers.alice),
    serveName('nat-c.ddns', c, signers.bob),
    serveName('nat-u.ddns', u, signers.charlie),
  ]);
  registeredAt = Date.now();
});

after(async () => {
  for (const d of daemons) await d.cleanup();
  await api?.disconnect();
  await node?.cleanup();
  if (!skip && process.env.DDNS_E2E_KEEP !== '1') {
    execFileSync('bash', ['scripts/netns.sh', 'down'], { stdio: 'inherit' });
  }
  if (Object.keys(figures).length) console.log(`# NAT figures: ${JSON.stringify(figures)}`);
});

test('public daemons are found public by AutoNAT and serve the DHT', { skip }, async () => {
  const s = await until('the seed to be public', async () => {
    const h = await health(seed);
    return h.reachability === 'public' && h;
  });
  assert.equal(s.kadMode, 'server');
  assert.ok(s.external.some((x) => x.startsWith(`/ip4/${SEED}/`)), JSON.stringify(s.external));
  // Loopback is never an external address.
  assert.ok(!s.external.some((x) => x.includes('/127.0.0.1/')), JSON.stringify(s.external));
  assert.equal((await health(relay)).kadMode, 'server');
  // It stays so: a later probe does not flip it.
  await sleep(3_000);
  const again = await health(seed);
  assert.equal(again.reachability, 'public');
  assert.equal(again.kadMode, 'server');
});

test('a daemon behind a NAT is found private, reserves on a relay met in the DHT, and publishes only relayed addresses', { skip }, async () => {
  const h = await until('A to hold a reservation', async () => {
    const x = await health(a);
    return x.reachability === 'private' && x.relayed.length > 0 && x;
  }, 120_000);
  await a.reserved;
  assert.equal(h.kadMode, 'client');
  assert.deepEqual(h.external, []);
  assert.ok(h.relayed.every((x) => x.includes(`/p2p/${relay.key.peerId}/p2p-circuit`)), JSON.stringify(h.relayed));
  // What it listens on (192.168.1.2, 127.0.0.1) is never published.
  const r = await until('the seed to resolve nat-a.ddns', async () => {
    const x = (await seed.get('/resolve?name=nat-a.ddns')).body;
    return x.endpoints?.length && x;
  });
  figures.registeredToResolvableAtSeedSeconds = (Date.now() - registeredAt) / 1000;
  const addrs = r.endpoints[0].multiaddrs;
  assert.ok(addrs.length > 0);
  for (const addr of addrs) {
    assert.ok(addr.startsWith(`/ip4/${RELAY}/`) && addr.endsWith('/p2p-circuit'), addr);
  }
});

test('B behind another NAT resolves A over HTTP and DNS, connects through the relay, and hole-punches to a direct connection', { skip }, async () => {
  const bStarted = Date.now();
  b = await daemon('B', {
    netns: 'ddns-h2',
    host: HOME(2),
    extraArgs: ['--bootnode', `/ip4/${SEED}/udp/4001/quic-v1/p2p/${seed.key.peerId}`],
  });
  const resolved = await until('B to resolve nat-a.ddns', async () => {
    const x = (await b.get('/resolve?name=nat-a.ddns')).body;
    return x.endpoints?.length && x;
  }, 90_000);
  figures.bStartToResolvedSeconds = (Date.now() - bStarted) / 1000;
  assert.equal(resolved.endpoints[0].peerId, a.key.peerId);

  // DNS: the relayed multiaddrs as `_dnsaddr` TXT, and no A record (no direct address).
  const txt = await dig(b.dnsPort, '_dnsaddr.nat-a.ddns', 'TXT', [], HOME(2));
  assert.equal(txt.status, 'NOERROR', txt.raw);
  const lines = txt.answer.map((x) => x.data);
  assert.ok(lines.length > 0 && lines.every((l) => l.includes('/p2p-circuit/p2p/' + a.key.peerId)), txt.raw);
  const addr = await dig(b.dnsPort, 'nat-a.ddns', 'A', [], HOME(2));
  assert.equal(addr.status, 'NOERROR', addr.raw);
  assert.deepEqual(addr.answer, []);

  // Connect, several times from scratch: each goes through the relay, then direct.
  const tries = 5;
  let direct = 0;
  for (let i = 0; i < tries; i++) {
    const { status, body } = await b.get('/connect?name=nat-a.ddns&fresh=1&wait=10', { signal: AbortSignal.timeout(20_000) });
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body.peerId, a.key.peerId);
    if (body.path === 'direct' && body.holePunched) direct += 1;
    if (i === 0) figures.firstConnect = body;
    await sleep(1_000);
  }
  figures.conePunches = `${direct}/${tries}`;
  // Each try reuses the same ports on both sides, so a try now and then meets the NATs' state
  // of the one before; most must get through.
  assert.ok(direct >= 3, `hole punches between two cone NATs: ${direct}/${tries}`);
  assert.ok((await a.metric('ddns_resolver_hole_punches_total{result="success"}')) + (await b.metric('ddns_resolver_hole_punches_total{result="success"}')) >= direct);
  assert.ok((await relay.metric('ddns_resolver_relay_served_circuits_total{event="accepted"}')) >= tries);
});

test('behind a symmetric NAT the hole punch fails and the relayed path keeps working', { skip }, async () => {
  await until('C to hold a reservation', async () => (await health(c)).relayed.length > 0);
  await until('B to resolve nat-c.ddns', async () => (await b.get('/resolve?name=nat-c.ddns')).body.endpoints?.length);
  const tries = 3;
  let direct = 0;
  for (let i = 0; i < tries; i++) {
    const { status, body } = await b.get('/connect?name=nat-c.ddns&fresh=1&wait=8', { signal: AbortSignal.timeout(20_000) });
    assert.equal(status, 200, JSON.stringify(body));
    assert.ok(body.relayed?.includes('/p2p-circuit'), JSON.stringify(body));
    if (body.path === 'direct') direct += 1;
  }
  figures.symmetricPunches = `${direct}/${tries}`;
  assert.equal(direct, 0, 'a symmetric NAT lets no hole punch through');
});

test("the relay's limits hold: a client over the reservation limit is refused", { skip }, async () => {
  // A, C (and perhaps B) hold reservations; fill the relay with extra clients until it refuses.
  const extra = [];
  const refused = async () => (await relay.metric('ddns_resolver_relay_served_reservations_total{event="denied"}')) > 0;
  for (let i = 0; i < RELAY_MAX_RESERVATIONS && !(await refused()); i++) {
    extra.push(await daemon(`D${i}`, {
      netns: 'ddns-h2',
      host: HOME(2),
      ports: { http: 8100 + i, dns: 5400 + i, p2p: 4100 + i },
      extraArgs: [
        '--relay-via', `/ip4/${RELAY}/udp/4001/quic-v1/p2p/${relay.key.peerId}`,
        '--no-upnp',
      ],
    }));
    await sleep(3_000);
  }
  await until('the relay to refuse a reservation', refused, 20_000);
  const failures = await Promise.all(extra.map((d) => d.metric('ddns_resolver_relay_reservation_failures_total')));
  assert.ok(failures.some((n) => n > 0), `the refused client counts it: ${failures}`);
  for (const d of extra) await d.cleanup();
});

test('a relay restart is survived: A reserves again and B reaches it again', { skip }, async () => {
  await relay.stop();
  await until('A to lose its reservation', async () => (await health(a)).relayed.length === 0, 30_000);
  const restarted = Date.now();
  await relay.restart();
  await until('A to reserve again', async () => (await health(a)).relayed.length > 0, 60_000);
  figures.reReserveSeconds = (Date.now() - restarted) / 1000;
  const body = await until('B to reach A again', async () => {
    const r = await b.get('/connect?name=nat-a.ddns&fresh=1&wait=10', { signal: AbortSignal.timeout(20_000) });
    return r.status === 200 && r.body;
  }, 60_000);
  figures.reachableAgainSeconds = (Date.now() - restarted) / 1000;
  assert.equal(body.peerId, a.key.peerId);
});

test('behind a UPnP router the daemon maps its port and is reached directly, without a relay', { skip }, async () => {
  const h = await until('U to be reachable through its mapping', async () => {
    const x = await health(u);
    return x.external.some((e) => e.startsWith('/ip4/11.0.0.14/')) && x;
  }, 60_000);
  assert.equal(h.kadMode, 'server');
  assert.ok((await u.metric('ddns_resolver_upnp_total{event="mapped"}')) > 0);
  const r = await until('the seed to see nat-u.ddns at its mapped address', async () => {
    const x = (await seed.get('/resolve?name=nat-u.ddns')).body;
    const addrs = x.endpoints?.[0]?.multiaddrs ?? [];
    return addrs.length && addrs.every((m) => !m.includes('p2p-circuit')) && addrs.some((m) => m.startsWith('/ip4/11.0.0.14/')) && x;
  }, 60_000);
  assert.equal(r.endpoints[0].peerId, u.key.peerId);
  // A public daemon dials the mapped address: the router forwards it to U.
  const { status, body } = await seed.get('/connect?name=nat-u.ddns&fresh=1&wait=5', { signal: AbortSignal.timeout(20_000) });
  assert.equal(status, 200, JSON.stringify(body));
  assert.equal(body.path, 'direct');
  assert.equal(body.holePunched, false);
  assert.ok(body.direct.startsWith('/ip4/11.0.0.14/'), body.direct);
});
