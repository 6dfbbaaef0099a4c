// The chain at the size of a real registry: every figure on a `scale-<N>` chain (N names made at
// genesis, pallets/registry/src/synthetic.rs), side by side for each N given (default 100 and
// 1,000,000), in one run on one machine.
//
//   node scripts/bench-scale.mjs                       # 100 and 1,000,000 names
//   SCALE_SIZES="100 100000" node scripts/bench-scale.mjs
//
// For each size, in this order:
// - genesis: seconds until the node's RPC answers (the node builds the state itself);
// - database size on disk and node RSS after startup;
// - `ddns_resolve` against `state_getStorage` of the same names' entries: req/s and p99,
//   alternating rounds, names drawn at random from the whole registry;
// - DNS: dnsperf against ddns-resolver (following the node) and against NSD serving a zone of
//   every name with records, alternating rounds;
// - the expiry spike (a tenth of the names, at most 100,000, expire at block 40): names the
//   lifecycle moves per block, the blocks the whole spike needs (counted, or projected from the
//   rate when the window ends first), missed Aura slots and the finality lag meanwhile;
// - node RSS after the spike window;
// - a second node syncing the chain from the first (full sync).
//
// Options (env): CONCURRENCY (16), ROUND_SECONDS (5), ROUNDS (3), SAMPLE (4096 names),
// DNS_SECONDS (10), SPIKE_BLOCKS (20 blocks watched from the spike), SYNC=0 to skip syncing,
// WARP=1 to also try warp sync (it needs 3 peers; this network has one).
// The RPC and DNS rounds cycle through the same SAMPLE names: after the first pass the node's
// trie cache and the daemon's view cache hold them, so these are hot-cache figures.
// Needs release builds of ddns-node and ddns-resolver, dnsperf and nsd (scripts/setup.sh).
import { execFile, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { poster } from './lib/post.mjs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { DevNode, connectApi, freePorts, live, nodeBinary, rpcCall, sleep, tailFile } from '../tests/lib/node.js';
import { Resolver, dig, startNsd } from '../tests/lib/resolver.js';
import { SPIKE_AT, SUBDOMAIN_RECORDS, checkAgainstChain, entry, spikeOf } from './lib/synthetic.mjs';

const run = promisify(execFile);
const env = (name, dflt) => Number(process.env[name] ?? dflt);
const SIZES = (process.env.SCALE_SIZES ?? '100 1000000').trim().split(/\s+/).map(Number);
const CONCURRENCY = env('CONCURRENCY', 16);
const ROUND_SECONDS = env('ROUND_SECONDS', 5);
const ROUNDS = env('ROUNDS', 3);
const SAMPLE = env('SAMPLE', 4096);
const DNS_SECONDS = env('DNS_SECONDS', 10);
const SPIKE_BLOCKS = env('SPIKE_BLOCKS', 20);
const SYNC = process.env.SYNC !== '0';

const log = (...a) => console.log(`[${new Date().toISOString().slice(11, 19)}]`, ...a);
const mib = (bytes) => bytes / (1 << 20);

/** Resident memory of a process, in bytes. */
function rss(pid) {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/);
  return Number(m[1]) * 1024;
}

async function du(dir) {
  const { stdout } = await run('du', ['-sb', dir]);
  return Number(stdout.split('\t')[0]);
}

/** `count` distinct indices of names outside the spike, at random over the whole registry. */
function sample(names, count) {
  const from = spikeOf(names);
  const span = names - from;
  const picked = new Set();
  while (picked.size < Math.min(count, span)) picked.add(from + Math.floor(Math.random() * span));
  return [...picked];
}

const post = poster(CONCURRENCY);

/** `CONCURRENCY` workers calling `method` over `paramsList` in turn for ROUND_SECONDS. */
async function load(port, method, paramsList) {
  const bodies = paramsList.map((params) => JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }));
  const latencies = [];
  let errors = 0;
  let next = 0;
  const deadline = performance.now() + ROUND_SECONDS * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < deadline) {
        const body = bodies[next++ % bodies.length];
        const t = performance.now();
        const reply = JSON.parse(await post(port, body));
        latencies.push(performance.now() - t);
        if (reply.error || reply.result === null || reply.result === undefined) errors++;
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  const seconds = (performance.now() - started) / 1000;
  return { rps: latencies.length / seconds, p99: latencies[Math.floor(latencies.length * 0.99)], errors };
}

async function benchRpc(node, api, indices) {
  const names = indices.map((i) => entry(i, node.names).name);
  const keys = names.map((n) => api.query.registry.names.key(n));
  const best = { resolve: null, storage: null };
  for (let r = 0; r < ROUNDS; r++) {
    for (const [label, method, params] of [
      ['resolve', 'ddns_resolve', names.map((n) => [n])],
      ['storage', 'state_getStorage', keys.map((k) => [k])],
    ]) {
      const res = await load(node.rpcPort, method, params);
      if (res.errors) throw new Error(`${method}: ${res.errors} errors`);
      if (!best[label] || res.rps > best[label].rps) best[label] = res;
    }
  }
  return best;
}

function zone(names) {
  const lines = ['$TTL 60', 'ddns. IN SOA localhost. hostmaster.ddns. 1 60 30 86400 60', 'ddns. IN NS localhost.'];
  const put = (name, records) => {
    for (const { type, value } of records) lines.push(`${name}. IN ${type} ${type === 'TXT' ? `"${value}"` : value}`);
  };
  for (let i = 0; i < names; i++) {
    const e = entry(i, names);
    // The spike's names stop resolving at block 40; the zone holds what resolves after it.
    if (e.spike) continue;
    put(e.name, e.records);
    for (const sub of e.subdomains) put(sub, SUBDOMAIN_RECORDS);
  }
  return `${lines.join('\n')}\n`;
}

async function dnsperf(port, queryFile) {
  const { stdout } = await run(
    'dnsperf',
    ['-s', '127.0.0.1', '-p', String(port), '-d', queryFile, '-l', String(DNS_SECONDS), '-c', '4', '-q', '200'],
    { timeout: (DNS_SECONDS + 30) * 1000 },
  );
  const num = (re) => Number(stdout.match(re)?.[1]);
  return {
    qps: num(/Queries per second:\s+([\d.]+)/),
    avgMs: num(/Average Latency \(s\):\s+([\d.]+)/) * 1000,
    lost: num(/Queries lost:\s+(\d+)/),
  };
}

async function benchDns(node, indices, tmp) {
  const resolver = await Resolver.start({ chainWs: node.wsUrl });
  let nsd;
  try {
    log(`writing a zone of ${node.names} names for NSD...`);
    const zoneStarted = performance.now();
    nsd = await startNsd({ ddns: zone(node.names) }, { timeoutMs: 30 * 60_000 });
    const nsdLoad = (performance.now() - zoneStarted) / 1000;
    const queries = [];
    for (const i of indices) {
      const e = entry(i, node.names);
      for (const { type } of e.records) queries.push(`${e.name} ${type}`);
    }
    const queryFile = path.join(tmp, 'queries.txt');
    writeFileSync(queryFile, `${queries.join('\n')}\n`);
    for (const q of queries.slice(0, 50)) {
      const [name, type] = q.split(' ');
      const [a, b] = await Promise.all([dig(resolver.dnsPort, name, type), dig(nsd.port, name, type)]);
      if (a.status !== b.status || a.answer.length !== b.answer.length) {
        throw new Error(`answers differ for ${q}:\n${a.raw}\n${b.raw}`);
      }
    }
    const best = { ddns: null, nsd: null };
    for (let r = 0; r < ROUNDS; r++) {
      for (const [label, port] of [['ddns', resolver.dnsPort], ['nsd', nsd.port]]) {
        const res = await dnsperf(port, queryFile);
        if (!best[label] || res.qps > best[label].qps) best[label] = res;
      }
    }
    return { ...best, queries: queries.length, nsdLoad, resolverRss: rss(resolver.proc.child.pid) };
  } finally {
    await nsd?.stop();
    await resolver.cleanup();
  }
}

/** Aura's slot from a header's pre-runtime digest. */
function slotOf(api, header) {
  for (const log of header.digest.logs) {
    if (log.isPreRuntime && log.asPreRuntime[0].toString() === 'aura') {
      return api.createType('u64', log.asPreRuntime[1]).toNumber();
    }
  }
  return null;
}

async function watchSpike(node, api) {
  const spike = spikeOf(node.names);
  const last = SPIKE_AT + SPIKE_BLOCKS;
  let head = (await api.rpc.chain.getHeader()).number.toNumber();
  if (head > SPIKE_AT) log(`warning: the node is at #${head}, past the spike (#${SPIKE_AT}), before the window`);
  log(`waiting for blocks #${SPIKE_AT}..#${last}...`);
  while (head < last) {
    await sleep(2000);
    head = (await api.rpc.chain.getHeader()).number.toNumber();
  }
  const perBlock = [];
  let missed = 0;
  let prevSlot = null;
  let moved = 0;
  let clearedAt = null;
  for (let n = SPIKE_AT - 1; n <= last; n++) {
    const hash = await api.rpc.chain.getBlockHash(n);
    const header = await api.rpc.chain.getHeader(hash);
    const slot = slotOf(api, header);
    if (prevSlot !== null && slot !== null && slot - prevSlot > 1) missed += slot - prevSlot - 1;
    prevSlot = slot;
    if (n < SPIKE_AT) continue;
    const at = await api.at(hash);
    const events = await at.query.system.events();
    const wakes = events.filter(({ event }) => event.section === 'registry' && event.method === 'EnteredGrace').length;
    perBlock.push(wakes);
    moved += wakes;
    if (clearedAt === null && (await at.query.registry.timelineCursor()).toNumber() > SPIKE_AT) clearedAt = n;
  }
  const [now, fin] = await Promise.all([
    api.rpc.chain.getHeader().then((h) => h.number.toNumber()),
    api.rpc.chain.getFinalizedHead().then(async (h) => (await api.rpc.chain.getHeader(h)).number.toNumber()),
  ]);
  // The rate over the blocks that had spike work: up to the one that cleared it, if one did.
  const working = clearedAt !== null ? clearedAt - SPIKE_AT + 1 : perBlock.length;
  const rate = perBlock.slice(0, working).reduce((a, b) => a + b, 0) / working;
  return {
    spike,
    perBlock: rate,
    blocks: clearedAt !== null ? clearedAt - SPIKE_AT + 1 : Math.ceil(spike / Math.max(rate, 1e-9)),
    projected: clearedAt === null,
    missed,
    finalityLag: now - fin,
  };
}

/** A second node syncing the chain from `node` in `mode`; seconds until it reaches `target`. */
async function syncTime(node, mode, target, tmp) {
  const base = path.join(tmp, `sync-${mode}`);
  const [rpcPort, p2pPort] = await freePorts(2);
  const peerId = (await rpcCall(node.rpcPort, 'system_localPeerId')).result;
  const logFile = path.join(tmp, `sync-${mode}.log`);
  const fd = openSync(logFile, 'a');
  const started = performance.now();
  const child = spawn(
    nodeBinary(),
    [
      '--chain', `scale-${node.names}`, '--base-path', base, '--database', 'paritydb',
      '--sync', mode, '--rpc-port', String(rpcPort), '--listen-addr', `/ip4/127.0.0.1/tcp/${p2pPort}`,
      '--bootnodes', `/ip4/127.0.0.1/tcp/${node.p2pPort}/p2p/${peerId}`,
      '--no-telemetry', '--no-mdns', '--no-prometheus', '--name', `ddns-sync-${mode}`,
      '--unsafe-force-node-key-generation',
    ],
    { stdio: ['ignore', fd, fd] },
  );
  closeSync(fd);
  live.add(child);
  try {
    let ready = null;
    const deadline = Date.now() + 20 * 60_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`the ${mode}-sync node exited:\n${tailFile(logFile)}`);
      const health = await rpcCall(rpcPort, 'system_syncState', [], { timeoutMs: 5_000 }).catch(() => null);
      if (health?.result) {
        ready ??= (performance.now() - started) / 1000;
        if (health.result.currentBlock >= target) {
          return { seconds: (performance.now() - started) / 1000, genesis: ready, disk: await du(base) };
        }
      }
      await sleep(1000);
    }
    throw new Error(`the ${mode}-sync node did not reach #${target}:\n${tailFile(logFile)}`);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
    live.delete(child);
  }
}

async function measure(names) {
  const tmp = mkdtempSync(path.join(os.tmpdir(), `ddns-bench-scale-${names}-`));
  log(`scale-${names}: starting a node (it builds the genesis state)...`);
  const started = performance.now();
  const node = await DevNode.start({ extraArgs: ['--chain', `scale-${names}`], readyTimeoutMs: 60 * 60_000 });
  node.names = names;
  const r = { names, genesis: (performance.now() - started) / 1000 };
  const api = await connectApi(node, { timeoutMs: 10 * 60_000 });
  try {
    const resolve = async (name) => (await rpcCall(node.rpcPort, 'ddns_resolve', [name])).result;
    const indices = sample(names, SAMPLE);
    const probe = [0, 1, 100, names - 1].filter((i) => i < names);
    await checkAgainstChain(resolve, names, [...probe, ...indices.slice(0, 100)]);
    r.disk = await du(node.basePath);
    r.rssStart = rss(node.child.pid);
    log(`scale-${names}: genesis ${r.genesis.toFixed(0)} s, disk ${mib(r.disk).toFixed(0)} MiB, RSS ${mib(r.rssStart).toFixed(0)} MiB`);

    r.rpc = await benchRpc(node, api, indices);
    log(`scale-${names}: rpc`, JSON.stringify(r.rpc));
    r.dns = await benchDns(node, indices, tmp);
    log(`scale-${names}: dns`, JSON.stringify(r.dns));
    const afterLookups = (await api.rpc.chain.getHeader()).number.toNumber();
    if (afterLookups >= SPIKE_AT) log(`warning: the lookups ran until #${afterLookups}, into the spike (#${SPIKE_AT})`);
    r.lookupsUntil = afterLookups;
    r.spikeStage = await watchSpike(node, api);
    log(`scale-${names}: spike`, JSON.stringify(r.spikeStage));
    r.rssAfter = rss(node.child.pid);
    r.blocksAfter = (await api.rpc.chain.getHeader()).number.toNumber();
    if (SYNC) {
      const target = r.blocksAfter;
      // Warp sync starts only with 3 peers (sc-network-sync), and this network has one: it is
      // measured only when WARP=1, next to a network that has more.
      for (const mode of process.env.WARP === '1' ? ['full', 'warp'] : ['full']) {
        const key = mode === 'full' ? 'syncFull' : 'syncWarp';
        r[key] = await syncTime(node, mode, target, tmp).catch((e) => ({ error: e.message.split('\n')[0] }));
        log(`scale-${names}: ${mode} sync`, JSON.stringify(r[key]));
      }
    }
    return r;
  } finally {
    await api.disconnect().catch(() => {});
    await node.cleanup();
    rmSync(tmp, { recursive: true, force: true });
  }
}

const results = [];
for (const names of SIZES) results.push(await measure(names));

const fmt = (x, d = 0) => (x === undefined || x === null ? '-' : Number(x).toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }));
const syncCell = (x) => (!x ? '-' : x.error ? `failed: ${x.error}` : `${fmt(x.seconds)} (${fmt(x.genesis)})`);
const rows = [
  ['genesis build, s', (r) => fmt(r.genesis)],
  ['database on disk, MiB', (r) => fmt(mib(r.disk))],
  ['node RSS after startup, MiB', (r) => fmt(mib(r.rssStart))],
  ['node RSS after the spike window, MiB (at block)', (r) => `${fmt(mib(r.rssAfter))} (#${r.blocksAfter})`],
  ['ddns_resolve req/s (p99 ms)', (r) => `${fmt(r.rpc.resolve.rps)} (${fmt(r.rpc.resolve.p99, 1)})`],
  ['state_getStorage req/s (p99 ms)', (r) => `${fmt(r.rpc.storage.rps)} (${fmt(r.rpc.storage.p99, 1)})`],
  ['ddns_resolve / state_getStorage', (r) => fmt(r.rpc.resolve.rps / r.rpc.storage.rps, 2)],
  ['DNS q/s, ddns-resolver (lost)', (r) => `${fmt(r.dns.ddns.qps)} (${r.dns.ddns.lost})`],
  ['DNS q/s, NSD on the same names (lost)', (r) => `${fmt(r.dns.nsd.qps)} (${r.dns.nsd.lost})`],
  ['ddns-resolver / NSD', (r) => fmt(r.dns.ddns.qps / r.dns.nsd.qps, 2)],
  ['resolver daemon RSS, MiB', (r) => fmt(mib(r.dns.resolverRss))],
  ['spike: names expiring in one block', (r) => fmt(r.spikeStage.spike)],
  ['spike: names entering Grace per block', (r) => fmt(r.spikeStage.perBlock, 1)],
  ['spike: blocks for all of it to enter Grace', (r) => `${fmt(r.spikeStage.blocks)}${r.spikeStage.projected ? ' (projected)' : ''}`],
  ['spike: missed slots / finality lag at the end', (r) => `${r.spikeStage.missed} / ${r.spikeStage.finalityLag}`],
  ['full sync to the head, s (of it genesis)', (r) => syncCell(r.syncFull)],
  ['warp sync to the head, s (of it genesis)', (r) => syncCell(r.syncWarp)],
];
console.log(`\n| figure | ${results.map((r) => `${fmt(r.names)} names`).join(' | ')} |`);
console.log(`|---|${results.map(() => '---|').join('')}`);
for (const [label, f] of rows) {
  console.log(`| ${label} | ${results.map(f).join(' | ')} |`);
}
if (results.length === 2) {
  const [small, large] = results;
  console.log(`\nresolve RPC at ${fmt(large.names)} / at ${fmt(small.names)}: ${fmt(large.rpc.resolve.rps / small.rpc.resolve.rps, 2)} (target ≥ 0.9)`);
  console.log(`DNS at ${fmt(large.names)} / at ${fmt(small.names)}: ${fmt(large.dns.ddns.qps / small.dns.ddns.qps, 2)} (target ≥ 0.8)`);
}
