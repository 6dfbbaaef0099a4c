// The name registry on a real dev chain, driven the way a user would: @polkadot/api extrinsics
// found through metadata, and the registry's runtime API through `api.call` (state_call).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { u8aToString } from '@polkadot/util';
import {
  DevNode,
  connectApi,
  devPairs,
  registerName,
  signAndSendFinalized,
  waitForHeads,
} from './lib/node.js';

let node;
let api;
let alice;
let bob;

before(async () => {
  ({ alice, bob } = await devPairs());
  node = await DevNode.start();
  api = await connectApi(node);
  await waitForHeads(api, { best: 1 });
});

after(async () => {
  await api?.disconnect().catch(() => {});
  await node?.cleanup();
});

const register = (name, owner, periods, signer = alice) =>
  registerName(api, name, owner, periods, signer);

async function resolve(name) {
  const result = await api.call.registryApi.resolve(name);
  return result.isOk ? result.asOk : { error: result.asErr };
}

test('register, set records and node key, resolve through the runtime API', async () => {
  const price = await api.call.registryApi.price('example.ddns', 1);
  assert.ok(price.isOk, 'price of a valid name');
  assert.ok(price.asOk.rent.toBigInt() > 0n);

  const { events } = await register('example.ddns', bob.address, 5);
  assert.ok(events.some(({ event }) => api.events.registry.Registered.is(event)), 'Registered event');
  const registeredEpoch = (await resolve('example.ddns')).epoch.toNumber();

  await signAndSendFinalized(
    api,
    api.tx.registry.setRecords('example.ddns', [
      { A: [192, 0, 2, 1] },
      { Txt: 'hello from ddns' },
      { Mx: { preference: 10, exchange: 'mail.example.ddns' } },
    ]),
    bob,
  );
  const { events: keyEvents } = await signAndSendFinalized(
    api, api.tx.registry.setNodeKey('example.ddns', `0x${'11'.repeat(32)}`), bob);
  const keySet = keyEvents.find(({ event }) => api.events.registry.NodeKeySet.is(event)).event;

  const view = await resolve('example.ddns');
  assert.equal(view.owner.toString(), bob.address);
  assert.equal(view.state.toString(), 'Active');
  assert.equal(view.records.length, 3);
  assert.deepEqual([...view.records[0].asA], [192, 0, 2, 1]);
  assert.equal(u8aToString(view.records[1].asTxt), 'hello from ddns');
  assert.equal(view.nodeKey.unwrap().toHex(), `0x${'11'.repeat(32)}`);
  // The node key change moved the epoch on. Epochs come from one counter for the whole chain
  // (a name made again never repeats one), so it is above the registration's, not just one more.
  assert.equal(view.epoch.toNumber(), keySet.data.epoch.toNumber());
  assert.ok(view.epoch.toNumber() > registeredEpoch, `epoch ${view.epoch} after ${registeredEpoch}`);

  // The same name read straight from storage agrees with the runtime API.
  const stored = await api.query.registry.names('example.ddns');
  assert.equal(stored.unwrap().owner.toString(), bob.address);
});

test('bad input is refused with the rule that failed and changes nothing', async () => {
  const invalid = await api.call.registryApi.resolve('Example.ddns');
  assert.ok(invalid.isErr);
  assert.equal(u8aToString(invalid.asErr.asInvalidName), 'uppercase');
  const missing = await api.call.registryApi.resolve('nobody-here.ddns');
  assert.ok(missing.isErr && missing.asErr.isNotFound);

  await assert.rejects(register('Shouty.ddns', alice.address, 1), /registry\.Uppercase/);
  await assert.rejects(register('ab.ddns', alice.address, 1), /registry\.NameTooShort/);
  await assert.rejects(
    signAndSendFinalized(
      api,
      api.tx.registry.setRecords('example.ddns', [{ Cname: 'other.ddns' }, { A: [1, 2, 3, 4] }]),
      bob,
    ),
    /registry\.CnameConflict/,
  );
  await assert.rejects(
    signAndSendFinalized(api, api.tx.registry.transfer('example.ddns', alice.address), alice),
    /registry\.NotOwner/,
  );
  const view = await resolve('example.ddns');
  assert.equal(view.records.length, 3, 'records unchanged');
  assert.equal(view.owner.toString(), bob.address, 'owner unchanged');
});

test('oversize input decodes and is refused with its documented error', async () => {
  // Each bound from polkadot.js: the extrinsic reaches the pallet and fails with the error that
  // names the bound (before, the pool could not even decode it and answered with a wasm trap).
  const tooLongName = `${'a'.repeat(250)}.ddns`;
  await assert.rejects(
    signAndSendFinalized(api, api.tx.registry.renew(tooLongName, 1), alice),
    /registry\.NameTooLong/,
  );
  await assert.rejects(
    signAndSendFinalized(api, api.tx.registry.setRecords(tooLongName, []), alice),
    /registry\.NameTooLong/,
  );
  await assert.rejects(
    signAndSendFinalized(api, api.tx.registry.setRecords('example.ddns', [{ Txt: 'x'.repeat(600) }]), bob),
    /registry\.RecordTooLarge/,
  );
  const many = Array.from({ length: 33 }, (_, i) => ({ A: [10, 0, 0, i] }));
  await assert.rejects(
    signAndSendFinalized(api, api.tx.registry.setRecords('example.ddns', many), bob),
    /registry\.TooManyRecords/,
  );
  await assert.rejects(
    signAndSendFinalized(api, api.tx.registry.createSubdomain('example.ddns', 'l'.repeat(64), bob.address), bob),
    /registry\.LabelTooLong/,
  );
  const view = await resolve('example.ddns');
  assert.equal(view.records.length, 3, 'records unchanged');
});

test('a one-period name enters grace at its expiry (dev lifecycle runs in minutes)', async () => {
  const { events } = await register('lapsing.ddns', alice.address, 1);
  const registered = events.find(({ event }) => api.events.registry.Registered.is(event)).event;
  const expiresAt = registered.data.expiresAt.toNumber();
  const activeEpoch = (await resolve('lapsing.ddns')).epoch.toNumber();
  await waitForHeads(api, { best: expiresAt, timeoutMs: 200_000 });
  const view = await resolve('lapsing.ddns');
  assert.equal(view.state.toString(), 'Grace');
  // The lapse moved the epoch: endpoint records signed before no longer validate.
  assert.ok(view.epoch.toNumber() > activeEpoch, `epoch ${view.epoch} after ${activeEpoch}`);
  // Only the last owner may renew in grace.
  await assert.rejects(
    signAndSendFinalized(api, api.tx.registry.renew('lapsing.ddns', 1), bob),
    /registry\.NotOwner/,
  );
  await signAndSendFinalized(api, api.tx.registry.renew('lapsing.ddns', 1), alice);
  assert.equal((await resolve('lapsing.ddns')).state.toString(), 'Active');
});
