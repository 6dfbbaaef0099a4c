// Governance on a real dev chain through @polkadot/api.
//
// A name governed by a community, the recipe of docs/community-names.md: the name is owned by a
// 4-of-5 multisig of the members (changes to who controls it need about 70 %), and a 2-of-5
// multisig of the same members holds a `NameRecords` proxy for it (record changes need a little
// over 30 %).
//
// The chain's own governance (docs/governance.md): the council (Alice, Bob, Charlie on dev)
// spends from the treasury within its limit; a root-only call (the block reward) goes through a
// referendum the council proposes, the technical committee (Alice, Bob) fast-tracks and token
// holders pass.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady, createKeyMulti, encodeAddress, sortAddresses } from '@polkadot/util-crypto';

import {
  DevNode, connectApi, palletAccount, registerName, releaseBinary, runBinary, signAndSendFinalized, waitForHeads,
} from './lib/node.js';

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
  // The name's deposits go, held, to the new owners account, which must exist: fund it a little.
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
  // The deposits went with it: the old owners account and Ferdie (who paid the registration)
  // hold none for the name any more.
  const entry = (await api.query.registry.names(NAME)).unwrap();
  assert.equal(entry.depositor.toString(), newOwners);
  assert.equal((await api.query.registry.records(NAME)).unwrap().depositor.toString(), newOwners);
});

/**
 * A motion of `body` ('council' or 'technicalCommittee') for `call`: `voters[0]` proposes it
 * with `threshold`, the first `threshold` voters vote aye (the proposer's vote is not implied),
 * and the last of them closes it.
 * Resolves with the `Executed` event's result (the motion's dispatch result).
 */
async function motion(body, threshold, voters, call) {
  const length = call.method.encodedLength;
  const { events } = await signAndSendFinalized(api, api.tx[body].propose(threshold, call, length), voters[0]);
  const proposed = events.find(({ event }) => api.events[body].Proposed.is(event));
  assert.ok(proposed, `${body}: no Proposed event`);
  const { proposalIndex, proposalHash } = proposed.event.data;
  await Promise.all(voters.slice(0, threshold).map((voter) =>
    signAndSendFinalized(api, api.tx[body].vote(proposalHash, proposalIndex, true), voter)));
  const weight = (await call.paymentInfo(voters[0].address)).weight;
  const closed = await signAndSendFinalized(
    api, api.tx[body].close(proposalHash, proposalIndex, weight, length), voters[threshold - 1]);
  const executed = closed.events.find(({ event }) => api.events[body].Executed.is(event));
  assert.ok(executed, `${body}: the motion did not execute`);
  return { result: executed.event.data.result, events: closed.events };
}


test('the council alone cannot spend from the treasury, nor can anyone directly', { timeout: 10 * MINUTE }, async () => {
  const [alice, bob, , dave] = members;
  const spend = api.tx.treasury.spend(null, 100n * UNIT, dave.address, null);
  // Two thirds of the council: the motion runs, and the spend is refused (root only).
  const { result } = await motion('council', 2, [alice, bob], spend);
  assert.ok(result.isErr, 'a council motion spent from the treasury');
  assert.ok(result.asErr.isBadOrigin, `expected BadOrigin, got ${result.asErr}`);
  await assert.rejects(signAndSendFinalized(api, spend, alice), /BadOrigin/);
  assert.equal((await api.query.treasury.spendCount()).toNumber(), 0);
});

test('a referendum sets the block reward and pays a treasury grant: council proposes, technical committee fast-tracks, holders vote', { timeout: 10 * MINUTE }, async () => {
  const [alice, bob, charlie, dave] = members;
  const treasury = palletAccount('py/trsry');
  await signAndSendFinalized(api, api.tx.balances.transferKeepAlive(treasury, 1_000n * UNIT), charlie);
  const before = (await api.query.validators.blockReward()).toBigInt();
  const reward = 2n * UNIT;
  assert.notEqual(before, reward);

  // Nobody reaches the call directly: it is root-only.
  await assert.rejects(
    signAndSendFinalized(api, api.tx.validators.setBlockReward(reward), alice), /BadOrigin/);

  // The council (two thirds) proposes a simple-majority referendum on it, together with a grant
  // of 100 DDNS to Dave from the treasury.
  const call = api.tx.utility.batchAll([
    api.tx.validators.setBlockReward(reward),
    api.tx.treasury.spend(null, 100n * UNIT, dave.address, null),
  ]);
  const proposal = { Inline: call.method.toHex() };
  const external = await motion('council', 2, [alice, bob], api.tx.democracy.externalProposeMajority(proposal));
  assert.ok(external.result.isOk, `external proposal failed: ${external.result}`);

  // The technical committee, unanimously, fast-tracks it to a 10-block vote (a minute: the vote below must land in it,
  // and this test learns the referendum only once the motion is finalized), enacted a block later.
  const { result, events } = await motion('technicalCommittee', 2, [alice, bob],
    api.tx.democracy.fastTrack(call.method.hash, 10, 1));
  assert.ok(result.isOk, `fast track failed: ${result}`);
  const started = events.find(({ event }) => api.events.democracy.Started.is(event));
  assert.ok(started, 'no referendum started');
  const refIndex = started.event.data.refIndex;

  // A token holder votes aye, locking 10 DDNS.
  await signAndSendFinalized(api, api.tx.democracy.vote(refIndex, {
    Standard: { vote: { aye: true, conviction: 'Locked1x' }, balance: 10n * UNIT },
  }), charlie);

  // The referendum passes and the scheduler enacts the call as root.
  const deadline = Date.now() + 3 * MINUTE;
  while ((await api.query.validators.blockReward()).toBigInt() !== reward) {
    assert.ok(Date.now() < deadline, 'the referendum was not enacted');
    await new Promise((r) => setTimeout(r, 2_000));
  }
  const info = await api.query.democracy.referendumInfoOf(refIndex);
  assert.ok(info.unwrap().isFinished && info.unwrap().asFinished.approved.isTrue, 'referendum approved');

  // Dave claims the grant: 100 DDNS move from the treasury to Dave, once.
  assert.equal((await api.query.treasury.spendCount()).toNumber(), 1);
  const paid = await signAndSendFinalized(api, api.tx.treasury.payout(0), dave);
  const transfer = paid.events.find(({ event }) => api.events.balances.Transfer.is(event)
    && event.data.from.toString() === treasury);
  assert.ok(transfer, 'no transfer out of the treasury');
  assert.equal(transfer.event.data.to.toString(), dave.address);
  assert.equal(transfer.event.data.amount.toBigInt(), 100n * UNIT);
  await assert.rejects(signAndSendFinalized(api, api.tx.treasury.payout(0), dave), /treasury\.\w+/);

  // From then on each block mints the new reward to its author (Alice on dev): look at the first
  // finalized block whose parent state has the new reward.
  let head;
  for (;;) {
    assert.ok(Date.now() < deadline + MINUTE, 'no finalized block with the new reward');
    head = await api.rpc.chain.getFinalizedHead();
    const { parentHash } = await api.rpc.chain.getHeader(head);
    if ((await api.query.validators.blockReward.at(parentHash)).toBigInt() === reward) break;
    await new Promise((r) => setTimeout(r, 2_000));
  }
  const minted = (await api.query.system.events.at(head)).filter(({ event }) =>
    api.events.balances.Minted.is(event) && event.data.who.toString() === alice.address);
  assert.equal(minted.length, 1, 'one block reward per block');
  assert.equal(minted[0].event.data.amount.toBigInt(), reward);
});

test('the runtime migrations pass try-runtime against this live chain, and run twice change nothing', { timeout: 10 * MINUTE }, async () => {
  const [, bob, charlie] = members;
  // Give the chain what the migrations move: a name with records and a subdomain, and a
  // commitment nobody revealed.
  await registerName(api, 'upgrade.ddns', bob.address, 3, bob);
  await Promise.all([
    signAndSendFinalized(api, api.tx.registry.setRecords('upgrade.ddns', [{ A: [192, 0, 2, 9] }]), bob),
    signAndSendFinalized(api, api.tx.registry.commit(`0x${'ab'.repeat(32)}`), charlie),
  ]);
  await signAndSendFinalized(api, api.tx.registry.createSubdomain('upgrade.ddns', 'www', charlie.address), bob);
  assert.ok((await api.query.registry.commitments.entries()).length >= 1);

  const bin = releaseBinary('ddns-try-runtime', 'DDNS_TRY_RUNTIME_BIN');
  const r = await runBinary([`ws://127.0.0.1:${node.rpcPort}`], { bin, timeoutMs: 5 * MINUTE });
  const out = `${r.stdout}\n${r.stderr}`;
  assert.equal(r.code, 0, out);
  assert.match(r.stdout, /every pallet's try_state holds on the live state/);
  assert.match(r.stdout, /registry put back to v1: [1-9]\d* commitments re-keyed/);
  assert.match(r.stdout, /every migration's pre_upgrade and post_upgrade/);
  assert.match(r.stdout, /running the migrations again changes nothing/);
  assert.match(r.stdout, /every check passed/);
});
