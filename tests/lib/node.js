// Helpers for end-to-end tests: start a real `ddns-node`, talk to it, stop it.
//
// Nothing here mocks the chain: every helper drives the release binary over its
// JSON-RPC port on 127.0.0.1.

import { spawn } from 'node:child_process';
import { existsSync, openSync, closeSync, readFileSync } from 'node:fs';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { stringToU8a, u8aConcat } from '@polkadot/util';
import { cryptoWaitReady, encodeAddress, randomAsU8a } from '@polkadot/util-crypto';

/**
 * Where a release binary of ours is: `$<envVar>`, else `$CARGO_TARGET_DIR/release/<name>`,
 * else the shared cache.
 */
export function releaseBinary(name, envVar) {
  let bin;
  if (process.env[envVar]) {
    bin = process.env[envVar];
  } else if (process.env.CARGO_TARGET_DIR) {
    bin = path.join(process.env.CARGO_TARGET_DIR, 'release', name);
  } else {
    bin = path.join(os.homedir(), '.cache', 'ddns', 'target', 'release', name);
  }
  bin = path.resolve(bin);
  if (!existsSync(bin)) {
    throw new Error(
      `${name} binary not found at ${bin}; build it with ` +
        `\`cargo build --release --locked -p ${name}\` or set ${envVar}`,
    );
  }
  return bin;
}

/** Where the node binary is: `DDNS_NODE_BIN`, else `$CARGO_TARGET_DIR/release`, else the shared cache. */
export function nodeBinary() {
  return releaseBinary('ddns-node', 'DDNS_NODE_BIN');
}

/** A TCP port nothing listens on right now (bind port 0 on loopback and read what the OS gave). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen({ port: 0, host: '127.0.0.1', exclusive: true }, () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** `n` distinct free ports. */
export async function freePorts(n) {
  const ports = new Set();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The last `lines` lines of a file, or '' if it cannot be read. */
export function tailFile(file, lines = 40) {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** One JSON-RPC call over HTTP. Resolves with the whole response object ({result} or {error}). */
export async function rpcCall(port, method, params = [], { timeoutMs = 10_000, host = '127.0.0.1' } = {}) {
  const res = await fetch(`http://${host}:${port}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  return res.json();
}

/**
 * Run the binary to completion (for subcommands and for runs that must fail).
 * Resolves with { code, signal, stdout, stderr, timedOut }.
 */
export function runBinary(args, { timeoutMs = 60_000, bin = nodeBinary() } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}

// Every node started by this process, so a crashing test run still kills them.
export const live = new Set();
process.on('exit', () => {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
});

/**
 * A `ddns-node --dev` process on free loopback ports.
 *
 *   const node = await DevNode.start();
 *   node.wsUrl, node.rpcPort, node.basePath, node.logFile
 *   await node.restart();   // same base path, so the chain survives
 *   await node.stop();      // SIGTERM, then SIGKILL after a timeout
 *   await node.cleanup();   // stop and delete the temp dir (kept if DDNS_E2E_KEEP=1)
 */
export class DevNode {
  /**
   * @param {object} [opts]
   * @param {string} [opts.basePath]   keep the chain here (default: a fresh temp dir)
   * @param {string[]} [opts.extraArgs]
   * @param {boolean} [opts.prometheus]  serve Prometheus metrics on a free port (default: off)
   * @param {number} [opts.readyTimeoutMs]
   * @param {string} [opts.netns]  run inside this network namespace (`ip netns exec`)
   * @param {string} [opts.host]   the namespace's address: RPC and p2p listen there
   */
  static async start(opts = {}) {
    const node = new DevNode(opts);
    node.tmpDir = await mkdtemp(path.join(os.tmpdir(), 'ddns-e2e-'));
    node.basePath = opts.basePath ?? path.join(node.tmpDir, 'base');
    await mkdir(node.basePath, { recursive: true });
    node.logFile = path.join(node.tmpDir, 'node.log');
    await node.#launch();
    return node;
  }

  constructor(opts) {
    this.opts = opts;
    this.bin = nodeBinary();
    this.child = null;
    this.exited = null; // Promise<{code, signal}> of the running child
    this.rpcPort = null;
    this.p2pPort = null;
    this.prometheusPort = null;
  }

  get host() {
    return this.opts.host ?? '127.0.0.1';
  }

  get wsUrl() {
    return `ws://${this.host}:${this.rpcPort}`;
  }

  /** The command line for the current ports. */
  args() {
    const args = [
      '--dev',
      '--base-path', this.basePath,
      '--database', 'paritydb',
      '--rpc-port', String(this.rpcPort),
      // Loopback only (or the namespace's address): `--port` would listen on every interface.
      '--listen-addr', `/ip4/${this.host}/tcp/${this.p2pPort}`,
      '--no-telemetry',
      '--no-mdns',
      '--name', 'ddns-e2e',
    ];
    // In a namespace, the RPC must answer on the namespace's address (all the namespace has).
    if (this.opts.netns) args.push('--rpc-external', '--rpc-cors', 'all');
    if (this.prometheusPort) args.push('--prometheus-port', String(this.prometheusPort));
    else args.push('--no-prometheus');
    return args.concat(this.opts.extraArgs ?? []);
  }

  /** Start the process on fresh free ports and wait until its RPC answers; retries a port race. */
  async #launch() {
    let lastErr;
    for (let attempt = 1; attempt <= 3; attempt++) {
      const ports = await freePorts(this.opts.prometheus ? 3 : 2);
      [this.rpcPort, this.p2pPort, this.prometheusPort = null] = ports;
      const fd = openSync(this.logFile, 'a');
      const args = this.args();
      try {
        this.child = this.opts.netns
          ? spawn('ip', ['netns', 'exec', this.opts.netns, this.bin, ...args], { stdio: ['ignore', fd, fd] })
          : spawn(this.bin, args, { stdio: ['ignore', fd, fd] });
      } finally {
        closeSync(fd);
      }
      const child = this.child;
      live.add(child);
      this.exited = new Promise((resolve) => {
        child.once('error', (error) => resolve({ code: null, signal: null, error }));
        child.once('exit', (code, signal) => resolve({ code, signal }));
      }).finally(() => live.delete(child));
      try {
        await this.#waitForRpc(this.opts.readyTimeoutMs ?? 120_000);
        return;
      } catch (e) {
        lastErr = e;
        await this.stop();
        // Only a lost port race is worth another try.
        if (!/address already in use|Address in use|os error 98/i.test(tailFile(this.logFile, 30))) break;
      }
    }
    throw lastErr;
  }

  async #waitForRpc(timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    let exit = null;
    this.exited.then((e) => (exit = e));
    while (Date.now() < deadline) {
      if (exit) {
        throw new Error(
          `ddns-node exited before its RPC answered (code ${exit.code}, signal ${exit.signal}` +
            `${exit.error ? `, ${exit.error.message}` : ''}); log ${this.logFile}:\n` +
            tailFile(this.logFile),
        );
      }
      try {
        const res = await rpcCall(this.rpcPort, 'system_health', [], { timeoutMs: 2_000, host: this.host });
        if (res.result) return;
      } catch {
        // not listening yet
      }
      await sleep(250);
    }
    throw new Error(
      `ddns-node RPC on port ${this.rpcPort} did not answer within ${timeoutMs} ms; ` +
        `log ${this.logFile}:\n${tailFile(this.logFile)}`,
    );
  }

  /** Whether the process is still running. */
  get running() {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGTERM, wait for the exit, SIGKILL after `timeoutMs`. Resolves with {code, signal}. */
  async stop({ timeoutMs = 30_000 } = {}) {
    if (!this.child) return null;
    const child = this.child;
    const exited = this.exited;
    this.child = null;
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    let timer;
    const result = await Promise.race([
      exited,
      new Promise((resolve) => {
        timer = setTimeout(() => resolve(null), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (result) return result;
    child.kill('SIGKILL');
    const killed = await exited;
    return { ...killed, killedAfterTimeout: true };
  }

  /** Stop, then start again on the same base path (new free ports). */
  async restart() {
    await this.stop();
    await this.#launch();
  }

  /** Stop and delete the temp dir, unless DDNS_E2E_KEEP=1 (then print where it is). */
  async cleanup() {
    await this.stop();
    if (!this.tmpDir) return;
    if (process.env.DDNS_E2E_KEEP === '1') {
      console.log(`# kept ${this.tmpDir} (node log: ${this.logFile})`);
    } else {
      await rm(this.tmpDir, { recursive: true, force: true });
    }
  }

  /** The end of the node's log, for failure messages. */
  logTail(lines = 40) {
    return tailFile(this.logFile, lines);
  }
}

/** An ApiPromise on ws://127.0.0.1:<port> (or the node's own URL); fails rather than retrying forever. */
export async function connectApi(nodeOrPort, { timeoutMs = 60_000 } = {}) {
  const url = typeof nodeOrPort === 'number' ? `ws://127.0.0.1:${nodeOrPort}` : nodeOrPort.wsUrl;
  const provider = new WsProvider(url, 1_000, {}, timeoutMs);
  let timer;
  try {
    return await Promise.race([
      ApiPromise.create({ provider, throwOnConnect: true, noInitWarn: true }),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`ApiPromise did not connect to ${url} in ${timeoutMs} ms`)),
          timeoutMs,
        );
      }),
    ]);
  } catch (e) {
    await provider.disconnect().catch(() => {});
    throw e;
  } finally {
    clearTimeout(timer);
  }
}

/** Current best and finalized block numbers. */
export async function heads(api) {
  const [best, finHash] = await Promise.all([
    api.rpc.chain.getHeader(),
    api.rpc.chain.getFinalizedHead(),
  ]);
  const fin = await api.rpc.chain.getHeader(finHash);
  return {
    best: best.number.toNumber(),
    bestHash: best.hash.toHex(),
    finalized: fin.number.toNumber(),
    finalizedHash: finHash.toHex(),
  };
}

/**
 * Wait until best ≥ `best` and finalized ≥ `finalized`. Rejects after `timeoutMs` with what
 * was seen last. Resolves with the heads seen.
 */
export async function waitForHeads(api, { best = 0, finalized = 0, timeoutMs = 120_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last = null;
  while (true) {
    last = await heads(api);
    if (last.best >= best && last.finalized >= finalized) return last;
    if (Date.now() >= deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for best ≥ ${best} and finalized ≥ ${finalized}; ` +
          `last seen best ${last.best}, finalized ${last.finalized}`,
      );
    }
    await sleep(500);
  }
}

/** A dispatch error as `pallet.Error: docs` (or the raw error for non-module errors). */
export function describeDispatchError(api, dispatchError) {
  if (dispatchError.isModule) {
    const { section, name, docs } = api.registry.findMetaError(dispatchError.asModule);
    return `${section}.${name}: ${docs.join(' ').trim()}`;
  }
  return dispatchError.toString();
}

/**
 * Sign `tx` with `signer` and submit it. Resolves with { blockHash, events, txHash } once it is
 * in a FINALIZED block and succeeded; rejects with the decoded dispatch error if it failed, or
 * with the pool's error if it was never included.
 */
export function signAndSendFinalized(api, tx, signer, { timeoutMs = 120_000, ...options } = {}) {
  return new Promise((resolve, reject) => {
    let unsub = null;
    let done = false;
    const finish = (fn, value) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (unsub) unsub();
      fn(value);
    };
    const timer = setTimeout(
      () => finish(reject, new Error(`extrinsic not finalized within ${timeoutMs} ms`)),
      timeoutMs,
    );
    tx.signAndSend(signer, options, (result) => {
      const { status, dispatchError, events, txHash } = result;
      if (status.isFinalized) {
        if (dispatchError) {
          const err = new Error(`extrinsic failed: ${describeDispatchError(api, dispatchError)}`);
          err.dispatchError = dispatchError;
          err.blockHash = status.asFinalized.toHex();
          finish(reject, err);
        } else {
          finish(resolve, { blockHash: status.asFinalized.toHex(), events, txHash: txHash.toHex() });
        }
      } else if (status.isDropped || status.isInvalid || status.isUsurped || status.isFinalityTimeout) {
        finish(reject, new Error(`extrinsic not included: ${status.type}`));
      }
    })
      .then((u) => {
        unsub = u;
        if (done) u();
      })
      .catch((e) => finish(reject, e));
  });
}

/** Free balance of `address` at block `blockHash` (a BigInt). */
export async function freeBalanceAt(api, address, blockHash) {
  const apiAt = await api.at(blockHash);
  const account = await apiAt.query.system.account(address);
  return account.data.free.toBigInt();
}

/** The account of a pallet (`PalletId`, 8 bytes such as 'py/trsry'), as SS58 with prefix 42. */
export function palletAccount(palletId) {
  return encodeAddress(u8aConcat(stringToU8a(`modl${palletId}`), new Uint8Array(20)), 42);
}

/** The well-known development pairs //Alice and //Bob (sr25519). */
export async function devPairs() {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519' });
  const [alice, bob, charlie, dave] = ['Alice', 'Bob', 'Charlie', 'Dave'].map((n) => keyring.addFromUri(`//${n}`));
  return { alice, bob, charlie, dave };
}

/**
 * Registers `name` to `owner` the only way the chain allows: commit to (name, owner, secret),
 * then reveal once the commitment has aged (one block on the dev chain; waiting for finality
 * covers it). Resolves with the finalized result of the registration.
 */
export async function registerName(api, name, owner, periods, signer) {
  const secret = randomAsU8a(32);
  const commitment = await api.call.registryApi.commitment(name, owner, secret);
  await signAndSendFinalized(api, api.tx.registry.commit(commitment), signer);
  return signAndSendFinalized(api, api.tx.registry.register(name, owner, secret, periods), signer);
}
