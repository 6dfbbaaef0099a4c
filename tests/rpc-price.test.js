// `ddns_price` quotes the block after `at` (`next`): a registration is charged the price of the
// block that includes it, never the one a client read. With the premium halving every block,
// the price at the parent of the including block is twice what is charged; `next` at that
// parent is exactly what is charged.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { randomAsU8a } from '@polkadot/util-crypto';
import { DevNode, devPairs, registerName, signAndSendFinalized, sleep, waitForHeads } from './lib/node.js';
import { ddnsRpc } from '../examples/rpc-definitions.js';

let node;
let api;
let alice;
let bob;

before(async () => {
  ({ alice, bob } = await devPairs());
  node = await DevNode.start();
  api = await ApiPromise.create({ provider: new WsProvider(node.wsUrl), rpc: ddnsRpc, noInitWarn: true });
  await waitForHeads(api, { best: 1 });
});

after(async () => {
  await api?.disconnect().catch(() => {});
  await node?.cleanup();
});

test('a premium registration pays the price of its block, which ddns_price quotes as next', async () => {
  // A short lifecycle: a period of 2 blocks, 1 block of grace, then a premium that halves at
  // every block for 40 blocks.
  const current = (await api.query.registry.registryParams()).unwrap().toJSON();
  const params = { ...current, period: 2, grace: 1, premiumWindow: 40, premiumHalving: 1 };
  await signAndSendFinalized(api, api.tx.sudo.sudo(api.tx.registry.setParams(params)), alice);
  const set = (await api.rpc.ddns.params('finalized')).toJSON().params;
  assert.equal(set.premiumHalving, 1, 'sudo set the parameters');

  const name = 'rpc-premium.ddns';
  await registerName(api, name, alice.address, 1, alice);
  // Bob commits while the name is still Alice's, and reveals once it is in its premium window.
  const secret = randomAsU8a(32);
  const commitment = await api.call.registryApi.commitment(name, bob.address, secret);
  await signAndSendFinalized(api, api.tx.registry.commit(commitment), bob);
  const deadline = Date.now() + 60_000;
  while ((await api.rpc.ddns.resolve(name)).toJSON().state !== 'Premium') {
    assert.ok(Date.now() < deadline, `${name} did not enter its premium window`);
    await sleep(1_000);
  }

  const quoteNow = (await api.rpc.ddns.price(name, 1)).toJSON();
  assert.equal(quoteNow.next.number, quoteNow.at.number + 1);
  assert.ok(BigInt(quoteNow.next.premium) < BigInt(quoteNow.premium), 'the premium falls at the next block');

  const { blockHash, events } = await signAndSendFinalized(
    api,
    api.tx.registry.register(name, bob.address, secret, 1),
    bob,
  );
  const registered = events.map(({ event }) => event).find((e) => api.events.registry.Registered.is(e));
  assert.ok(registered, 'the registration emitted Registered');
  const paid = { rent: registered.data.rent.toBigInt(), premium: registered.data.premium.toBigInt() };
  assert.ok(paid.premium > 0n, 'the registration paid a premium');

  // Quoted at the parent of the including block: the price there is not what was paid, `next` is.
  const header = await api.rpc.chain.getHeader(blockHash);
  const quote = (await api.rpc.ddns.price(name, 1, header.parentHash)).toJSON();
  assert.equal(quote.at.number, header.number.toNumber() - 1);
  assert.equal(quote.next.number, header.number.toNumber());
  assert.notEqual(BigInt(quote.premium), paid.premium, 'the price at the parent is not what was paid');
  assert.equal(BigInt(quote.next.premium), paid.premium);
  assert.equal(BigInt(quote.next.rent), paid.rent);
  assert.equal(
    BigInt(quote.next.total),
    BigInt(quote.next.rent) + BigInt(quote.next.premium) + BigInt(quote.next.deposit),
  );
  // Quoted at the including block itself, the name is taken: its price is no longer a premium.
  const taken = (await api.rpc.ddns.price(name, 1, blockHash)).toJSON();
  assert.equal(taken.premium, '0');
});
