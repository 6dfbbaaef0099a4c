// Helpers for the resolver daemon, real DNS clients (dig) and NSD in end-to-end tests.

import { spawn, execFile } from 'node:child_process';
import { openSync, closeSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { freePorts, live, releaseBinary, runBinary, sleep, tailFile } from './node.js';

const run = promisify(execFile);

export function resolverBinary() {
  return releaseBinary('ddns-resolver', 'DDNS_RESOLVER_BIN');
}

/** `{ nodeKey, peerId }` of the key in `keyFile` (created if missing). */
export async function printKey(keyFile) {
  const out = await runBinary(['--print-key', '--key-file', keyFile], { bin: resolverBinary() });
  if (out.code !== 0) throw new Error(`ddns-resolver --print-key failed: ${out.stderr}`);
  return JSON.parse(out.stdout);
}

/** A child process with its log in a file, killed when the test process exits. */
async function launch(bin, args, logFile, netns) {
  const fd = openSync(logFile, 'a');
  let child;
  try {
    child = netns
      ? spawn('ip', ['netns', 'exec', netns, bin, ...args], { stdio: ['ignore', fd, fd] })
      : spawn(bin, args, { stdio: ['ignore', fd, fd] });
  } finally {
    closeSync(fd);
  }
  live.add(child);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  exited.finally(() => live.delete(child));
  return { child, exited };
}

async function stopChild(proc) {
  if (!proc) return;
  if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGTERM');
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), 10_000);
  await proc.exited;
  clearTimeout(timer);
}

/**
 * A `ddns-resolver` on free loopback ports, following the node at `chainWs`.
 *
 *   const r = await Resolver.start({ chainWs: node.wsUrl, serve: ['example.ddns'] });
 *   await r.get('/resolve?name=example.ddns')   // { status, body }
 *   await dig(r.dnsPort, 'example.ddns', 'A')
 */
export class Resolver {
  /**
   * On loopback by default. With `netns` and `host` (see scripts/netns.sh), inside that network
   * namespace: the faces on `host`, libp2p on `listen` (default: port 4001 of every interface,
   * TCP and QUIC), and no lab settings (private addresses are not reachable there).
   */
  static async start({ chainWs, serve = [], extraArgs = [], keyFile, netns, host, listen, ports = {} } = {}) {
    const r = new Resolver();
    r.tmpDir = await mkdtemp(path.join(os.tmpdir(), 'ddns-resolver-'));
    r.keyFile = keyFile ?? path.join(r.tmpDir, 'node.key');
    r.logFile = path.join(r.tmpDir, 'resolver.log');
    r.key = await printKey(r.keyFile);
    r.host = host ?? '127.0.0.1';
    r.netns = netns;
    [r.httpPort, r.dnsPort, r.p2pPort] = netns
      ? [ports.http ?? 8053, ports.dns ?? 5353, ports.p2p ?? 4001]
      : await freePorts(3);
    const p2p = netns
      ? (listen ?? [`/ip4/0.0.0.0/udp/${r.p2pPort}/quic-v1`, `/ip4/0.0.0.0/tcp/${r.p2pPort}`])
      : [`/ip4/127.0.0.1/tcp/${r.p2pPort}`];
    const args = [
      // Without `chainWs` the caller passes `--light <spec>` in `extraArgs`.
      ...(chainWs ? ['--chain-rpc', chainWs] : []),
      '--key-file', r.keyFile,
      ...p2p.flatMap((a) => ['--listen', a]),
      '--http', `${r.host}:${r.httpPort}`,
      '--dns', `${r.host}:${r.dnsPort}`,
      // Loopback is a lab: its addresses count as reachable; no router to ask for a mapping.
      ...(netns ? [] : ['--allow-private-addrs', '--no-upnp']),
      ...serve.flatMap((n) => ['--serve', n]),
      ...extraArgs,
    ];
    r.args = args;
    r.proc = await launch(resolverBinary(), args, r.logFile, netns);
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (r.proc.child.exitCode !== null) break;
      try {
        const { status } = await r.get('/health');
        if (status === 200) return r;
      } catch {
        // not listening yet
      }
      await sleep(200);
    }
    const tail = tailFile(r.logFile);
    await r.cleanup();
    throw new Error(`ddns-resolver did not become healthy; log:\n${tail}`);
  }

  /** GET a path of the HTTP face: `{ status, body }` (body parsed when it is JSON). */
  async get(pathAndQuery, init = {}) {
    const res = await fetch(`http://${this.host}:${this.httpPort}${pathAndQuery}`, {
      signal: AbortSignal.timeout(10_000),
      ...init,
    });
    const text = await res.text();
    let body = text;
    if ((res.headers.get('content-type') ?? '').includes('json')) body = JSON.parse(text);
    return { status: res.status, body };
  }

  logTail(lines = 40) {
    return tailFile(this.logFile, lines);
  }

  /** Stops the process (SIGTERM), keeping its key and directory. */
  async stop() {
    await stopChild(this.proc);
    this.proc = null;
  }

  /** Starts the process again with the same arguments (same key, ports and addresses). */
  async restart() {
    await this.stop();
    this.proc = await launch(resolverBinary(), this.args, this.logFile, this.netns);
  }

  /** The value of a Prometheus sample (`name` with its labels, as printed), or 0. */
  async metric(sample) {
    const { body } = await this.get('/metrics');
    const line = body.split('\n').find((l) => l.startsWith(`${sample} `));
    return line ? Number(line.slice(sample.length + 1)) : 0;
  }

  async cleanup() {
    await stopChild(this.proc);
    if (process.env.DDNS_E2E_KEEP === '1') console.log(`# kept ${this.tmpDir}`);
    else await rm(this.tmpDir, { recursive: true, force: true });
  }
}

/**
 * `dig` against 127.0.0.1:`port`, parsed: `{ status, flags, answer, authority, raw }` where
 * answer/authority are `{ name, ttl, type, data }` with the owner name lower-cased.
 */
export async function dig(port, name, type = 'A', opts = [], host = '127.0.0.1') {
  const args = [`@${host}`, '-p', String(port), name, type, '+time=3', '+tries=1', ...opts];
  const { stdout } = await run('dig', args, { timeout: 20_000 }).catch((e) => ({ stdout: e.stdout ?? '' }));
  const out = { status: null, flags: [], answer: [], authority: [], raw: stdout };
  let section = null;
  for (const line of stdout.split('\n')) {
    const header = line.match(/status: (\w+)/);
    if (header) out.status = header[1];
    const flags = line.match(/^;; flags: ([a-z ]+);/);
    if (flags) out.flags = flags[1].trim().split(/\s+/);
    if (line.startsWith(';; ANSWER SECTION')) section = 'answer';
    else if (line.startsWith(';; AUTHORITY SECTION')) section = 'authority';
    else if (line.startsWith(';;') || line.trim() === '') {
      if (line.trim() === '' || line.startsWith(';; ADDITIONAL')) section = null;
    } else if (section && !line.startsWith(';')) {
      const [owner, ttl, , rtype, ...data] = line.split(/\s+/);
      out[section].push({ name: owner.toLowerCase(), ttl: Number(ttl), type: rtype, data: data.join(' ') });
    }
  }
  return out;
}

/**
 * NSD serving the given zones (`{ origin: zoneText }`) on a free loopback port, as the
 * reference authoritative server. Resolves with `{ port, stop() }`.
 */
export async function startNsd(zones, { timeoutMs = 20_000 } = {}) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ddns-nsd-'));
  const [port] = await freePorts(1);
  const zoneConf = Object.keys(zones)
    .map((origin, i) => {
      writeFileSync(path.join(dir, `zone${i}.zone`), zones[origin]);
      return `zone:\n  name: "${origin}"\n  zonefile: "${path.join(dir, `zone${i}.zone`)}"\n`;
    })
    .join('');
  const conf = path.join(dir, 'nsd.conf');
  writeFileSync(
    conf,
    `server:
  ip-address: 127.0.0.1@${port}
  port: ${port}
  username: ""
  chroot: ""
  zonesdir: "${dir}"
  pidfile: "${dir}/nsd.pid"
  xfrdfile: "${dir}/xfrd.state"
  zonelistfile: "${dir}/zone.list"
  logfile: "${dir}/nsd.log"
  server-count: 1
  verbosity: 1
  hide-version: yes
  minimal-responses: yes
  # Response rate limiting (on by default in Debian's build) would throttle benchmarks.
  rrl-ratelimit: 0
  rrl-whitelist-ratelimit: 0
remote-control:
  control-enable: no
${zoneConf}`,
  );
  const proc = await launch('/usr/sbin/nsd', ['-d', '-c', conf], path.join(dir, 'stdout.log'));
  const deadline = Date.now() + timeoutMs;
  const origin = Object.keys(zones)[0];
  while (Date.now() < deadline) {
    const r = await dig(port, origin, 'SOA');
    if (r.status === 'NOERROR') {
      return {
        port,
        dir,
        async stop() {
          await stopChild(proc);
          await rm(dir, { recursive: true, force: true });
        },
      };
    }
    if (proc.child.exitCode !== null) break;
    await sleep(200);
  }
  const log = tailFile(path.join(dir, 'nsd.log')) + tailFile(path.join(dir, 'stdout.log'));
  await stopChild(proc);
  throw new Error(`nsd did not start:\n${log}`);
}
