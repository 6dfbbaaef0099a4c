// Loads one running ddns-node with concurrent `ddns_resolve` calls and, in the same run, with
// `state_getStorage` reads of the same name's storage entry, and prints throughput and p50/p99
// latency for both and their ratio (target: ddns_resolve / state_getStorage ≥ 1.0 in throughput).
//
//   node scripts/bench-rpc.mjs                 # starts its own dev node and registers a name
//   DDNS_RPC_PORT=9944 node scripts/bench-rpc.mjs   # uses a running node (registers a name on it)
//
// Options (env): CONCURRENCY (default 16), ROUND_SECONDS per round (default 5), ROUNDS (default 3).
// Rounds alternate between the two methods so that drift in the machine's speed hits both.
import { poster } from './lib/post.mjs';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { DevNode, waitForHeads } from '../tests/lib/node.js';
import { registerAndResolve } from '../examples/register-and-resolve.js';

const CONCURRENCY = Number(process.env.CONCURRENCY ?? 16);
const SECONDS = Number(process.env.ROUND_SECONDS ?? 5);
const ROUNDS = Number(process.env.ROUNDS ?? 3);

const post = poster(CONCURRENCY);

async function load(port, method, params) {
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method, params });
  const latencies = [];
  let errors = 0;
  const deadline = performance.now() + SECONDS * 1000;
  const worker = async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      const text = await post(port, body);
      latencies.push(performance.now() - t0);
      if (!text.includes('"result"')) errors += 1;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const elapsed = (performance.now() - started) / 1000;
  return { latencies, errors, elapsed };
}

function summary(runs) {
  const latencies = runs.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const elapsed = runs.reduce((s, r) => s + r.elapsed, 0);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
  return {
    requests: latencies.length,
    errors: runs.reduce((s, r) => s + r.errors, 0),
    rps: latencies.length / elapsed,
    p50: pct(0.5),
    p99: pct(0.99),
  };
}

let node;
let port = Number(process.env.DDNS_RPC_PORT ?? 0);
try {
  if (!port) {
    node = await DevNode.start();
    port = node.rpcPort;
  }
  const name = `bench-${Date.now()}.ddns`;
  const api = await ApiPromise.create({ provider: new WsProvider(`ws://127.0.0.1:${port}`), noInitWarn: true });
  await waitForHeads(api, { best: 1 });
  const key = api.query.registry.names.key(name);
  await api.disconnect();
  await registerAndResolve(`ws://127.0.0.1:${port}`, name);

  const resolve = [];
  const storage = [];
  for (let round = 0; round < ROUNDS; round++) {
    resolve.push(await load(port, 'ddns_resolve', [name]));
    storage.push(await load(port, 'state_getStorage', [key]));
  }
  const a = summary(resolve);
  const b = summary(storage);
  const row = (label, s) =>
    `${label.padEnd(18)} ${s.rps.toFixed(0).padStart(8)} req/s   p50 ${s.p50.toFixed(2).padStart(7)} ms   p99 ${s.p99.toFixed(2).padStart(7)} ms   ${s.requests} requests, ${s.errors} errors`;
  console.log(`concurrency ${CONCURRENCY}, ${ROUNDS} rounds of ${SECONDS} s per method, name ${name}`);
  console.log(row('ddns_resolve', a));
  console.log(row('state_getStorage', b));
  console.log(`ratio (ddns_resolve / state_getStorage): throughput ${(a.rps / b.rps).toFixed(2)}, p50 latency ${(b.p50 / a.p50).toFixed(2)} (≥ 1.0 is the target)`);
  if (a.errors || b.errors) process.exitCode = 1;
} finally {
  post.agent.destroy();
  await node?.cleanup();
}
