// A name governed by a community, the recipe of docs/community-names.md, on a real dev chain
// through @polkadot/api: the name is owned by a 4-of-5 multisig of the members (changes to who
// controls it need about 70 %), and a 2-of-5 multisig of the same members holds a `NameRecords`
// proxy for it (record changes need a little over 30 %).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady, createKeyMulti, encodeAddress, sortAddresses } from '@polkadot/util-crypto';

import { DevNode, connectApi, registerName, signAndSendFinalized, waitForHeads } from './lib/node.js';

const MINUTE = 60_000;
const UNIT = 10n ** 12n;
const NAME = 'commons.ddns';

let node;
let api;
let members; // Alice, Bob, Charlie, Dave, Eve
let ferdie;

/** The address of the multisig of `addresses` with `threshold`. */
const multiAddress = (addresses, threshold) => encodeAddress(createKeyMulti(addresses, threshold), 42);

/**
 * `signers` (members, in order) approve `call` for the multisig of all members with `threshold`.
 * The first opens it, the middle ones approve in parallel, and if `execute` the last one sends
 * the call itself and it runs. Resolves with the last extrinsic's events.
 */
async function approve(threshold, signers, call, { execute }) {
  const all = members.map((m) => m.address);
  const multi = multiAddress(all, threshold);
  const others = (pair) => sortAddresses(all.filter((a) => a !== pair.address), 42);
  const hash = call.method.hash;
  const maxWeight = (await call.paymentInfo(multi)).weight;
  const [first, ...rest] = signers;
  const last = execute ? rest.pop() : undefined;
  let { events } = await signAndSendFinalized(
    api, api.tx.multisig.approveAsMulti(threshold, others(first), null, hash, maxWeight), first);
  const when = (await api.query.multisig.multisigs(multi, hash)).unwrap().when;
  const middle = await Promise.all(rest.map((m) => signAndSendFinalized(
    api, api.tx.multisig.approveAsMulti(threshold, others(m), when, hash, maxWeight), m)));
  if (middle.length) ({ events } = middle[middle.length - 1]);
  if (last) {
    ({ events } = await signAndSendFinalized(
      api, api.tx.multisig.asMulti(threshold, others(last), when, call, maxWeight), last));
    const executed = events.find(({ event }) => api.events.multisig.MultisigExecuted.is(event));
    assert.ok(executed, 'the multisig call ran');
    assert.ok(executed.event.data.result.isOk, `multisig call failed: ${executed.event.data.result}`);
  }
  return { events, multi, hash };
}

async function view() {
  const result = await api.call.registryApi.resolve(NAME);
  return result.asOk;
}

before(async () => {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  members = ['Alice', 'Bob', 'Charlie', 'Dave', 'Eve'].map((n) => keyring.addFromUri(`//${n}`));
  ferdie = keyring.addFromUri('//Ferdie');
  node = await DevNode.start();
  api = await connectApi(node);
  await waitForHeads(api, { best: 1 });
});

after(async () => {
  await api?.disconnect().catch(() => {});
  await node?.cleanup();
});

test('a community name: records with 2 of 5 through a proxy, control with 4 of 5 only', { timeout: 10 * MINUTE }, async () => {
  const all = members.map((m) => m.address);
  const owners = multiAddress(all, 4);
  const editors = multiAddress(all, 2);
  const [alice, bob, charlie, dave, eve] = members;

  // Ferdie registers the name for the 4-of-5 multisig; Alice funds it for its deposits.
  await Promise.all([
    // Five periods (ten minutes on the dev chain) outlast the test.
    registerName(api, NAME, owners, 5, ferdie),
    signAndSendFinalized(api, api.tx.balances.transferKeepAlive(owners, 10n * UNIT), alice),
  ]);
  assert.equal((await view()).owner.toString(), owners);

  // 4 of 5 owners give the 2-of-5 editors a records-only proxy.
  await approve(4, [alice, bob, charlie, dave], api.tx.proxy.addProxy(editors, 'NameRecords', 0), { execute: true });
  const [proxies] = await api.query.proxy.proxies(owners);
  assert.equal(proxies.length, 1);
  assert.equal(proxies[0].delegate.toString(), editors);
  assert.equal(proxies[0].proxyType.toString(), 'NameRecords');

  // A record change with 2 of 5 signatures goes through.
  const setRecords = api.tx.proxy.proxy(owners, null, api.tx.registry.setRecords(NAME, [{ A: [192, 0, 2, 7] }]));
  const { events: recordEvents } = await approve(2, [eve, alice], setRecords, { execute: true });
  const ran = recordEvents.find(({ event }) => api.events.proxy.ProxyExecuted.is(event));
  assert.ok(ran.event.data.result.isOk, `proxy call failed: ${ran.event.data.result}`);
  assert.deepEqual([...(await view()).records[0].asA], [192, 0, 2, 7]);

  // The editors cannot move the name: the proxy filters the transfer.
  const newOwners = multiAddress([...all.slice(0, 4), ferdie.address], 4);
  const sneak = api.tx.proxy.proxy(owners, null, api.tx.registry.transfer(NAME, newOwners));
  const { events: sneakEvents } = await approve(2, [bob, charlie], sneak, { execute: true });
  const filtered = sneakEvents.find(({ event }) => api.events.proxy.ProxyExecuted.is(event));
  assert.ok(filtered.event.data.result.isErr, 'the transfer through the proxy was refused');
  assert.equal((await view()).owner.toString(), owners);

  // A change of who controls it (a transfer to a new set of members) with 3 of 5: pending.
  // The name's deposits move to the new owners account with it, so it is funded first.
  await signAndSendFinalized(api, api.tx.balances.transferKeepAlive(newOwners, 10n * UNIT), alice);
  const transfer = api.tx.registry.transfer(NAME, newOwners);
  const { multi, hash } = await approve(4, [bob, charlie, dave], transfer, { execute: false });
  const pending = (await api.query.multisig.multisigs(multi, hash)).unwrap();
  assert.equal(pending.approvals.length, 3);
  assert.equal((await view()).owner.toString(), owners, '3 of 5 cannot move the name');

  // The fourth signature executes it.
  const { events } = await signAndSendFinalized(
    api,
    api.tx.multisig.asMulti(4, sortAddresses(all.filter((a) => a !== eve.address), 42), pending.when, transfer,
      (await transfer.paymentInfo(owners)).weight),
    eve,
  );
  const executed = events.find(({ event }) => api.events.multisig.MultisigExecuted.is(event));
  assert.ok(executed?.event.data.result.isOk, `transfer failed: ${executed?.event.data.result}`);
  assert.equal((await view()).owner.toString(), newOwners, '4 of 5 moved the name');
  // The deposits moved with it: the old owners account and Ferdie (who paid the registration)
  // hold none for the name any more.
  const entry = (await api.query.registry.names(NAME)).unwrap();
  assert.equal(entry.depositor.toString(), newOwners);
  assert.equal((await api.query.registry.records(NAME)).unwrap().depositor.toString(), newOwners);
});
