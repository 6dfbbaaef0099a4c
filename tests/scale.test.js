// The `scale-<N>` chains the scale benchmark runs on (scripts/bench-scale.sh): a node builds N
// names at genesis from a small spec, they are what scripts/lib/synthetic.mjs computes (over
// JSON-RPC and over DNS through a daemon). (The registry's invariants on such a state are checked
// by the pallet's tests, pallets/registry/src/tests/synthetic.rs.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DevNode, rpcCall, runBinary } from './lib/node.js';
import { Resolver, dig } from './lib/resolver.js';
import { checkAgainstChain, entry, spikeOf, SPIKE_AT } from '../scripts/lib/synthetic.mjs';

const NAMES = 2_000;
let node;

before(async () => {
  node = await DevNode.start({ extraArgs: ['--chain', `scale-${NAMES}`] });
});

after(async () => {
  await node?.cleanup();
});

const resolve = async (name) => (await rpcCall(node.rpcPort, 'ddns_resolve', [name])).result;

test('every synthetic name, subdomain and record is on the chain as the generator says', async () => {
  const all = Array.from({ length: NAMES }, (_, i) => i);
  await checkAgainstChain(resolve, NAMES, all);
  const past = await rpcCall(node.rpcPort, 'ddns_resolve', [entry(NAMES, NAMES).name]);
  assert.match(past.error?.message ?? '', /is not registered/, 'one name past the last is not there');
  const spiked = await resolve(entry(0, NAMES).name);
  assert.equal(spiked.expiresAt, SPIKE_AT);
  const later = await resolve(entry(spikeOf(NAMES), NAMES).name);
  assert.ok(later.expiresAt > SPIKE_AT, `${later.expiresAt}`);
  const keyed = all.filter((i) => entry(i, NAMES).nodeKey).slice(0, 5);
  for (const i of keyed) assert.ok((await resolve(entry(i, NAMES).name)).nodeKey, `name ${i} has a node key`);
});

test('a daemon serves synthetic names over DNS', async () => {
  const resolver = await Resolver.start({ chainWs: node.wsUrl });
  try {
    const i = Array.from({ length: NAMES }, (_, k) => k).find(
      (k) => k >= spikeOf(NAMES) && k % 100 === 0 && entry(k, NAMES).records.length > 0,
    );
    const e = entry(i, NAMES);
    const a = await dig(resolver.dnsPort, e.name, 'A');
    assert.deepEqual(a.answer.map((r) => r.data), [e.records[0].value], a.raw);
    const deep = await dig(resolver.dnsPort, `eu.v1.api.${e.name}`, 'A');
    assert.deepEqual(deep.answer.map((r) => r.data), ['10.255.255.255'], deep.raw);
  } finally {
    await resolver.cleanup();
  }
});

test('a scale chain id that is not a number is refused with a clear error', async () => {
  const r = await runBinary(['build-spec', '--chain', 'scale-many']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /scale-<number of names>/);
});
