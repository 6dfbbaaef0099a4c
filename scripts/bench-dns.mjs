// DNS face throughput: dnsperf against ddns-resolver and against NSD serving the same names
// from a zone file, in one run on one machine, alternating rounds. Prints QPS and latency for
// both and the ratio (target: ddns-resolver ≥ 0.5 × NSD), and where unanswered queries went:
// datagrams the kernel dropped at the server's socket (`ss`, `d` in `skmem`), queries the
// daemon dropped (its `ddns_resolver_dns_dropped` metric), and the host's UDP receive-buffer
// errors (`/proc/net/snmp`, which also counts the clients' sockets).
//
//   node scripts/bench-dns.mjs [--seconds 10] [--rounds 3] [--clients 4]
//
// Needs release builds of ddns-node and ddns-resolver, and dnsperf and nsd (scripts/setup.sh).
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { DevNode, connectApi, devPairs, registerName, signAndSendFinalized, sleep } from '../tests/lib/node.js';
import { Resolver, dig, startNsd } from '../tests/lib/resolver.js';

const run = promisify(execFile);
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const seconds = arg('seconds', 10);
const rounds = arg('rounds', 3);
const clients = arg('clients', 4);

const NAMES = ['bench-one.ddns', 'bench-two.ddns', 'bench-three.ddns', 'bench-four.ddns'];

function zoneFile(views) {
  const lines = ['$TTL 60', 'ddns. IN SOA localhost. hostmaster.ddns. 1 60 30 86400 60', 'ddns. IN NS localhost.'];
  for (const { name, records } of views) {
    for (const { type, value } of records) {
      if (type === 'A' || type === 'AAAA') lines.push(`${name}. IN ${type} ${value}`);
      if (type === 'TXT') lines.push(`${name}. IN TXT "${value}"`);
      if (type === 'MX') lines.push(`${name}. IN MX ${value.preference} ${value.exchange}.`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Datagrams the kernel dropped at the UDP socket bound to `port` (a full receive buffer). */
async function socketDrops(port) {
  const { stdout } = await run('ss', ['-uamnH', `sport = :${port}`]);
  return [...stdout.matchAll(/skmem:\([^)]*\bd(\d+)\)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
}

/** The host's UDP `RcvbufErrors` and `SndbufErrors`. */
function udpErrors() {
  const [names, values] = readFileSync('/proc/net/snmp', 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('Udp:'))
    .map((l) => l.split(/\s+/).slice(1));
  const at = (name) => Number(values[names.indexOf(name)]);
  return { rcvbuf: at('RcvbufErrors'), sndbuf: at('SndbufErrors') };
}

/** Queries the daemon itself dropped unanswered (all reasons), from its metrics. */
async function daemonDrops(resolver) {
  const { body } = await resolver.get('/metrics');
  return [...String(body).matchAll(/^ddns_resolver_dns_dropped_total\{[^}]*\} (\d+)/gm)].reduce(
    (sum, m) => sum + Number(m[1]),
    0,
  );
}

/** One dnsperf run against `port`, with the drops seen around it. */
async function measure(port, queryFile, resolver) {
  const before = { socket: await socketDrops(port), host: udpErrors(), daemon: resolver ? await daemonDrops(resolver) : 0 };
  const r = await dnsperf(port, queryFile);
  const host = udpErrors();
  r.socketDrops = (await socketDrops(port)) - before.socket;
  r.rcvbufErrors = host.rcvbuf - before.host.rcvbuf;
  r.sndbufErrors = host.sndbuf - before.host.sndbuf;
  r.daemonDrops = resolver ? (await daemonDrops(resolver)) - before.daemon : null;
  return r;
}

async function dnsperf(port, queryFile) {
  const { stdout } = await run(
    'dnsperf',
    ['-s', '127.0.0.1', '-p', String(port), '-d', queryFile, '-l', String(seconds), '-c', String(clients), '-q', '200'],
    { timeout: (seconds + 30) * 1000 },
  );
  const num = (re) => Number(stdout.match(re)?.[1]);
  return {
    qps: num(/Queries per second:\s+([\d.]+)/),
    avgMs: num(/Average Latency \(s\):\s+([\d.]+)/) * 1000,
    maxMs: num(/Average Latency \(s\):.*max ([\d.]+)/) * 1000,
    lost: num(/Queries lost:\s+(\d+)/),
    completed: num(/Queries completed:\s+(\d+)/),
  };
}

const node = await DevNode.start();
const api = await connectApi(node);
const { alice } = await devPairs();
let resolver;
let nsd;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'ddns-bench-dns-'));
try {
  console.log(`registering ${NAMES.length} names on a dev chain...`);
  for (const [i, name] of NAMES.entries()) {
    await registerName(api, name, alice.address, 5, alice);
    await signAndSendFinalized(
      api,
      api.tx.registry.setRecords(name, [
        { A: [192, 0, 2, i + 1] },
        { Aaaa: [0x20, 0x01, 0x0d, 0xb8, ...new Array(11).fill(0), i + 1] },
        { Txt: `bench record ${i}` },
        { Mx: { preference: 10, exchange: `mail.${name}` } },
      ]),
      alice,
    );
  }
  resolver = await Resolver.start({ chainWs: node.wsUrl });
  const views = [];
  for (const name of NAMES) views.push((await resolver.get(`/resolve?name=${name}`)).body.view);
  nsd = await startNsd({ ddns: zoneFile(views) });

  // Positive answers of every type, a NODATA and an NXDOMAIN per name.
  const queries = [];
  for (const name of NAMES) {
    for (const type of ['A', 'AAAA', 'TXT', 'MX', 'SRV']) queries.push(`${name} ${type}`);
    queries.push(`missing-${name} A`);
  }
  const queryFile = path.join(tmp, 'queries.txt');
  writeFileSync(queryFile, `${queries.join('\n')}\n`);

  // Same answers from both before measuring.
  for (const q of queries) {
    const [name, type] = q.split(' ');
    const [a, b] = await Promise.all([dig(resolver.dnsPort, name, type), dig(nsd.port, name, type)]);
    if (a.status !== b.status || a.answer.length !== b.answer.length) {
      throw new Error(`answers differ for ${q}:\n${a.raw}\n${b.raw}`);
    }
  }

  const results = { ddns: [], nsd: [] };
  for (let r = 0; r < rounds; r++) {
    results.ddns.push(await measure(resolver.dnsPort, queryFile, resolver));
    results.nsd.push(await measure(nsd.port, queryFile, null));
    await sleep(500);
  }
  const best = (xs) => xs.reduce((a, b) => (b.qps > a.qps ? b : a));
  const show = (label, xs) => {
    const b = best(xs);
    console.log(
      `${label.padEnd(14)} best ${b.qps.toFixed(0).padStart(7)} q/s  avg latency ${b.avgMs.toFixed(3)} ms  ` +
        `lost ${b.lost}/${b.completed + b.lost}  rounds ${xs.map((x) => x.qps.toFixed(0)).join(', ')}`,
    );
    const sum = (k) => xs.reduce((a, x) => a + x[k], 0);
    const lost = sum('lost');
    const sent = xs.reduce((a, x) => a + x.completed + x.lost, 0);
    console.log(
      `${''.padEnd(14)} all rounds: lost ${lost}/${sent}, max latency ${Math.max(...xs.map((x) => x.maxMs)).toFixed(1)} ms; kernel drops at the server socket ${sum('socketDrops')}` +
        `${xs[0].daemonDrops === null ? '' : `, dropped by the daemon ${sum('daemonDrops')}`}` +
        `; host UDP RcvbufErrors +${sum('rcvbufErrors')}, SndbufErrors +${sum('sndbufErrors')}`,
    );
    return b.qps;
  };
  console.log(`dnsperf: ${queries.length} distinct queries, ${clients} clients, ${rounds}×${seconds} s each, alternating`);
  const ours = show('ddns-resolver', results.ddns);
  const theirs = show('nsd', results.nsd);
  const ratio = ours / theirs;
  console.log(`ratio ddns-resolver / nsd = ${ratio.toFixed(2)} (target ≥ 0.5: ${ratio >= 0.5 ? 'met' : 'NOT met'})`);
} finally {
  await nsd?.stop();
  await resolver?.cleanup();
  await api.disconnect().catch(() => {});
  await node.cleanup();
  rmSync(tmp, { recursive: true, force: true });
}
