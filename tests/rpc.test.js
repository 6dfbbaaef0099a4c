// The JSON-RPC resolver on a real dev chain: the documented example registers a name, and
// `ddns_resolve` must agree with the runtime API read through `state_call`; the subscription
// delivers changes; bad input gets the documented errors; a flood of lookups of a missing name
// and many subscriptions of one name cost one runtime call per block.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { u8aToHex, u8aToString } from '@polkadot/util';
import {
  DevNode,
  devPairs,
  registerName,
  rpcCall,
  signAndSendFinalized,
  sleep,
  waitForHeads,
} from './lib/node.js';
import { ddnsRpc } from '../examples/rpc-definitions.js';
import { registerAndResolve } from '../examples/register-and-resolve.js';

let node;
let api;
let alice;
let bob;

before(async () => {
  ({ alice, bob } = await devPairs());
  // At debug, the resolver logs each runtime call it makes: the cost tests below count them.
  node = await DevNode.start({ extraArgs: ['-l', 'ddns_rpc=debug'] });
  api = await ApiPromise.create({ provider: new WsProvider(node.wsUrl), rpc: ddnsRpc, noInitWarn: true });
  await waitForHeads(api, { best: 1 });
});

after(async () => {
  await api?.disconnect().catch(() => {});
  await node?.cleanup();
});

test('the example registers a name; ddns_resolve agrees with state_call', async () => {
  const name = 'rpc-example.ddns';
  const { price, view } = await registerAndResolve(node.wsUrl, name);
  assert.ok(BigInt(price.rent) > 0n);
  assert.equal(price.next.rent, price.rent);
  assert.equal(price.next.number, price.at.number + 1);
  assert.equal(view.name, name);
  assert.equal(view.owner, alice.address);
  assert.equal(view.state, 'Active');
  assert.equal(view.resolves, true);
  assert.deepEqual(view.records, [
    { type: 'A', value: '192.0.2.1' },
    { type: 'TXT', value: 'hello' },
  ]);
  assert.equal(view.nodeKey, `0x${'ab'.repeat(32)}`);
  assert.equal(view.at.finalized, true);

  // The same block through the runtime API (polkadot.js turns api.call into state_call).
  const apiAt = await api.at(view.at.hash);
  const raw = (await apiAt.call.registryApi.resolve(name)).asOk;
  assert.equal(raw.owner.toString(), view.owner);
  assert.equal(raw.state.toString(), view.state);
  assert.equal(raw.epoch.toNumber(), view.epoch);
  assert.equal(raw.expiresAt.toNumber(), view.expiresAt);
  assert.equal(raw.records.length, view.records.length);
  assert.equal(u8aToString(raw.records[1].asTxt), view.records[1].value);
  // And by hand, as any client without our types would: raw `state_call`, decoded with the
  // output type the metadata gives for the runtime API.
  const rawHex = await api.rpc.state.call('RegistryApi_resolve', u8aToHex(api.createType('Bytes', name).toU8a()), view.at.hash);
  const decoded = api.registry.createType(api.call.registryApi.resolve.meta.type, rawHex);
  assert.ok(decoded.isOk, 'raw state_call answers Ok');
  assert.equal(decoded.asOk.owner.toString(), view.owner);
  assert.equal(decoded.asOk.epoch.toNumber(), view.epoch);

  const header = await api.rpc.chain.getHeader(view.at.hash);
  assert.equal(header.number.toNumber(), view.at.number);

  // Reverse and params answer too, with the block they reflect.
  await signAndSendFinalized(api, api.tx.registry.setPrimary(name), alice);
  const reverse = (await api.rpc.ddns.reverse(alice.address, 'finalized')).toJSON();
  assert.equal(reverse.name, name);
  const params = (await api.rpc.ddns.params()).toJSON();
  assert.equal(params.params.maxPeriods, 10);
});

test('polkadot.js passes `at` to every method as a hash, best, finalized or nothing', async () => {
  const name = 'rpc-at.ddns';
  await registerName(api, name, alice.address, 5, alice);
  await signAndSendFinalized(api, api.tx.registry.setPrimary(name), alice);
  const head = await api.rpc.chain.getFinalizedHead();
  const headNumber = (await api.rpc.chain.getHeader(head)).number.toNumber();

  const methods = {
    resolve: (...at) => api.rpc.ddns.resolve(name, ...at),
    reverse: (...at) => api.rpc.ddns.reverse(alice.address, ...at),
    price: (...at) => api.rpc.ddns.price(name, 1, ...at),
    params: (...at) => api.rpc.ddns.params(...at),
  };
  // Each form of `at`, and what the answer's `at` must then say.
  const atHead = (at) => {
    assert.equal(at.hash, head.toHex());
    assert.equal(at.number, headNumber);
    assert.equal(at.finalized, true);
  };
  const atFinalized = (at) => {
    assert.ok(at.number >= headNumber);
    assert.equal(at.finalized, true);
  };
  const atBest = (at) => assert.ok(at.number >= headNumber);
  const forms = [
    ['a hash as hex', [head.toHex()], atHead],
    ['a hash object', [head], atHead],
    ["'best'", ['best'], atBest],
    ["'finalized'", ['finalized'], atFinalized],
    ['left out', [], atBest],
    ['undefined', [undefined], atBest],
  ];
  for (const [method, call] of Object.entries(methods)) {
    for (const [form, args, check] of forms) {
      let answer;
      try {
        answer = (await call(...args)).toJSON();
      } catch (e) {
        assert.fail(`ddns.${method} with \`at\` ${form}: ${e.message}`);
      }
      check(answer.at);
      // And each answer is the real one, not an error turned into a default.
      if (method === 'resolve') assert.equal(answer.name, name);
      if (method === 'reverse') assert.equal(answer.name, name);
      if (method === 'price') assert.ok(BigInt(answer.total) > 0n);
      if (method === 'params') assert.equal(answer.params.maxPeriods, 10);
    }
  }
});

test('the subscription sends the new view after records change and after a transfer', async () => {
  const name = 'rpc-watch.ddns';
  await registerName(api, name, alice.address, 5, alice);

  const seen = [];
  let wake = () => {};
  const unsub = await api.rpc.ddns.subscribeName(name, (update) => {
    seen.push(update.toJSON());
    wake();
  });
  const waitFor = async (predicate, what) => {
    const deadline = Date.now() + 90_000;
    while (!seen.some(predicate)) {
      if (Date.now() > deadline) throw new Error(`no notification with ${what}; saw ${JSON.stringify(seen)}`);
      await new Promise((r) => { wake = r; setTimeout(r, 1_000); });
    }
  };
  try {
    await waitFor((u) => u.view?.owner === alice.address, 'the registered view');
    await signAndSendFinalized(api, api.tx.registry.setRecords(name, [{ A: [10, 0, 0, 7] }]), alice);
    await waitFor((u) => u.view?.records?.[0]?.value === '10.0.0.7', 'the new record');
    await signAndSendFinalized(api, api.tx.registry.transfer(name, bob.address), alice);
    await waitFor((u) => u.view?.owner === bob.address, 'the new owner');
    const last = seen[seen.length - 1];
    assert.equal(last.at.finalized, true);
    // Each notification is a change: no two consecutive views are equal.
    for (let i = 1; i < seen.length; i++) {
      assert.notDeepEqual(seen[i].view, seen[i - 1].view);
    }
  } finally {
    await unsub();
  }
});

test('garbage input gets the documented errors', async () => {
  const error = async (method, params) => {
    const res = await rpcCall(node.rpcPort, method, params);
    assert.ok(res.error, `${method} ${JSON.stringify(params).slice(0, 80)} should fail`);
    return res.error;
  };
  const invalid = await error('ddns_resolve', ['Example.ddns']);
  assert.equal(invalid.code, 4001);
  assert.equal(invalid.data.rule, 'uppercase');
  assert.match(invalid.message, /uppercase/);
  assert.equal((await error('ddns_resolve', ['nobody-here.ddns'])).code, 4004);
  const oversize = await error('ddns_resolve', ['a'.repeat(10_000)]);
  assert.equal(oversize.code, 4001);
  assert.equal(oversize.data.rule, 'too_long');
  assert.equal((await error('ddns_resolve', ['rpc-example.ddns', `0x${'00'.repeat(32)}`])).code, 4005);
  assert.equal((await error('ddns_resolve', ['rpc-example.ddns', 'yesterday'])).code, 4002);
  assert.equal((await error('ddns_reverse', ['not-an-account'])).code, 4002);
  assert.equal((await error('ddns_price', ['rpc-example.ddns', 0])).code, 4002);
  assert.equal((await error('ddns_price', ['ab.ddns', 1])).code, 4001);
  // Every echoed input is cut the same way: a huge one never makes a huge answer.
  const huge = 'a'.repeat(1 << 20);
  for (const [method, params] of [
    ['ddns_resolve', [huge]],
    ['ddns_resolve', [`${huge}.ddns`]],
    ['ddns_resolve', ['rpc-example.ddns', huge]],
    ['ddns_reverse', [huge]],
    ['ddns_price', [huge, 1]],
    ['ddns_price', ['rpc-example.ddns', huge]],
    ['ddns_params', [huge]],
  ]) {
    const e = await error(method, params);
    const size = JSON.stringify(e).length;
    assert.ok(size < 1_000, `${method} with a 1 MB parameter answered ${size} bytes: ${JSON.stringify(e).slice(0, 300)}`);
    assert.match(JSON.stringify(e), /\.\.\. \(10485\d\d bytes\)|too long/, `${method}: ${e.message}`);
  }
  // Wrong JSON types are refused by the server before our code runs.
  assert.equal((await error('ddns_resolve', [42])).code, -32602);
  assert.equal((await error('ddns_resolve', [])).code, -32602);
});

/** The blocks (hashes) at which the node ran `resolve` for `name`, one entry per runtime call. */
function resolveCalls(name) {
  const marker = `runtime call: resolve "${name}" at `;
  return readFileSync(node.logFile, 'utf8')
    .split('\n')
    .filter((line) => line.includes(marker))
    .map((line) => line.slice(line.indexOf(marker) + marker.length).trim());
}

test('2000 concurrent lookups of a missing name at one block: one runtime call, node responsive', async () => {
  const name = 'rpc-nobody-flood.ddns';
  const head = (await api.rpc.chain.getFinalizedHead()).toHex();
  const providers = await Promise.all(
    Array.from({ length: 4 }, async () => {
      const provider = new WsProvider(node.wsUrl);
      await provider.isReady;
      return provider;
    }),
  );
  try {
    const started = Date.now();
    const flood = Promise.allSettled(
      providers.flatMap((provider) =>
        Array.from({ length: 500 }, () => provider.send('ddns_resolve', [name, head]))),
    );
    // While the flood is served, the node still answers others promptly.
    const t0 = Date.now();
    const health = await rpcCall(node.rpcPort, 'system_health', [], { timeoutMs: 10_000 });
    const healthMs = Date.now() - t0;
    assert.ok(health.result, 'system_health answers during the flood');
    assert.ok(healthMs < 5_000, `system_health took ${healthMs} ms during the flood`);
    const answers = await flood;
    const floodMs = Date.now() - started;
    const notFound = answers.filter((a) => a.status === 'rejected' && /4004/.test(a.reason?.message));
    assert.equal(notFound.length, answers.length, `every lookup answers 4004: ${JSON.stringify(answers.find((a) => !notFound.includes(a)))}`);
    // One runtime call for all of them: the not-found answer is kept for the block.
    assert.deepEqual(resolveCalls(name), [head], `runtime calls for ${name}`);
    console.log(`# ${answers.length} lookups in ${floodMs} ms, system_health in ${healthMs} ms, 1 runtime call`);
  } finally {
    await Promise.all(providers.map((p) => p.disconnect().catch(() => {})));
  }
  // And the node still resolves.
  const view = await rpcCall(node.rpcPort, 'ddns_resolve', ['rpc-example.ddns']);
  assert.equal(view.result?.name, 'rpc-example.ddns');
});

test('20 subscriptions of one name cost one runtime call per finalized block', async () => {
  const name = 'rpc-nobody-watched.ddns';
  // Raw subscriptions on two connections (polkadot.js would share identical ones).
  const providers = await Promise.all(
    Array.from({ length: 2 }, async () => {
      const provider = new WsProvider(node.wsUrl);
      await provider.isReady;
      return provider;
    }),
  );
  const seen = [];
  try {
    const ids = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const provider = providers[i % 2];
        const id = await provider.subscribe('ddns_nameChanged', 'ddns_subscribeName', [name], (error, update) => {
          if (!error) seen.push(update);
        });
        return [provider, id];
      }),
    );
    const deadline = Date.now() + 90_000;
    while (new Set(resolveCalls(name)).size < 4) {
      assert.ok(Date.now() < deadline, `fewer than 4 finalized blocks looked at: ${resolveCalls(name)}`);
      await sleep(500);
    }
    await Promise.all(ids.map(([provider, id]) => provider.unsubscribe('ddns_nameChanged', 'ddns_unsubscribeName', id)));
  } finally {
    await Promise.all(providers.map((p) => p.disconnect().catch(() => {})));
  }
  await sleep(500);
  const calls = resolveCalls(name);
  // Each block at most once, whatever the number of subscriptions.
  assert.equal(calls.length, new Set(calls).size, `a block was resolved more than once: ${calls}`);
  // Each subscription got the first view (null: nobody holds the name), and nothing else.
  assert.equal(seen.length, 20);
  assert.ok(seen.every((u) => u.name === name && u.view === null && u.at.finalized), JSON.stringify(seen[0]));
  console.log(`# 20 subscriptions, ${calls.length} runtime calls over ${new Set(calls).size} blocks`);
});
