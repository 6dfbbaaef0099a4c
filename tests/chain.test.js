// End-to-end tests of the ddns chain skeleton against the real `ddns-node` binary.
//
//   node --test tests/*.test.js
//
// Set DDNS_NODE_BIN to test another binary, DDNS_E2E_KEEP=1 to keep the temp dirs and logs.

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { Keyring } from '@polkadot/keyring';
import { u8aToHex } from '@polkadot/util';
import { cryptoWaitReady, mnemonicGenerate } from '@polkadot/util-crypto';

import {
  DevNode,
  connectApi,
  freeBalanceAt,
  freePort,
  heads,
  palletAccount,
  rpcCall,
  runBinary,
  signAndSendFinalized,
  waitForHeads,
} from './lib/node.js';

const MINUTE = 60_000;
const UNIT = 10n ** 12n; // 12 decimals
const AMOUNT = 123n * UNIT + 456_789n * 10n ** 6n; // 123.456789 DDNS

/** Every index at which `needle` occurs in `hay`. */
function occurrences(hay, needle) {
  const found = [];
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    found.push(i);
  }
  return found;
}

describe('ddns-node --dev', { timeout: 20 * MINUTE }, () => {
  let node;
  let api;
  let alice;
  let recipient;
  let transferBlock; // number of the finalized block holding the transfer

  // Adds the end of the node's log to any failure, so CI output says what the node did.
  const withLog = (fn) => async (t) => {
    try {
      await fn(t);
    } catch (e) {
      if (node) e.message += `\n--- last lines of ${node.logFile} ---\n${node.logTail(30)}`;
      throw e;
    }
  };

  before(async () => {
    await cryptoWaitReady();
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
    alice = keyring.addFromUri('//Alice');
    recipient = keyring.addFromMnemonic(mnemonicGenerate());
    node = await DevNode.start();
    api = await connectApi(node);
  }, { timeout: 3 * MINUTE });

  after(async () => {
    await api?.disconnect().catch(() => {});
    await node?.cleanup();
  });

  it('produces and finalizes blocks, and a finalized transfer reaches a fresh account', { timeout: 6 * MINUTE }, withLog(async () => {
    // Blocks are produced and finality starts (finalized head > 0)...
    const first = await waitForHeads(api, { best: 2, finalized: 1, timeoutMs: 3 * MINUTE });
    assert.ok(first.finalized > 0, `finalized head is ${first.finalized}`);
    // ...and keeps advancing.
    const next = await waitForHeads(api, {
      best: first.best + 1,
      finalized: first.finalized + 1,
      timeoutMs: 2 * MINUTE,
    });
    assert.ok(next.finalized > first.finalized);
    assert.ok(next.best >= next.finalized, `best ${next.best} < finalized ${next.finalized}`);

    assert.equal(await freeBalanceAt(api, recipient.address, next.finalizedHash), 0n,
      'the fresh account already has a balance');

    const tx = api.tx.balances.transferKeepAlive(recipient.address, AMOUNT);
    const { blockHash, events } = await signAndSendFinalized(api, tx, alice, { timeoutMs: 3 * MINUTE });

    const transfer = events.find(({ event }) => api.events.balances.Transfer.is(event));
    assert.ok(transfer, `no balances.Transfer event among ${events.map(({ event }) => `${event.section}.${event.method}`).join(', ')}`);
    const [from, to, value] = transfer.event.data;
    assert.equal(from.toString(), alice.address);
    assert.equal(to.toString(), recipient.address);
    assert.equal(value.toBigInt(), AMOUNT);

    // The block holding the transfer is finalized, and so is the balance in it.
    const header = await api.rpc.chain.getHeader(blockHash);
    transferBlock = header.number.toNumber();
    const now = await heads(api);
    assert.ok(now.finalized >= transferBlock, `finalized ${now.finalized} < transfer block ${transferBlock}`);
    assert.equal((await api.rpc.chain.getBlockHash(transferBlock)).toHex(), blockHash,
      'the transfer block is not on the finalized chain');
    assert.equal(await freeBalanceAt(api, recipient.address, blockHash), AMOUNT);
    assert.equal(await freeBalanceAt(api, recipient.address, now.finalizedHash), AMOUNT);
  }));

  it('reports token DDNS with 12 decimals, the chain name and spec name ddns', { timeout: MINUTE }, withLog(async () => {
    const props = await rpcCall(node.rpcPort, 'system_properties');
    assert.ok(props.result, `system_properties failed: ${JSON.stringify(props)}`);
    assert.equal(props.result.tokenSymbol, 'DDNS');
    assert.equal(props.result.tokenDecimals, 12);
    assert.equal(props.result.ss58Format, 42);
    assert.equal(api.consts.system.ss58Prefix.toNumber(), props.result.ss58Format,
      'runtime SS58Prefix and chain-spec ss58Format disagree');
    assert.deepEqual(api.registry.chainTokens, ['DDNS']);
    assert.deepEqual(api.registry.chainDecimals, [12]);

    assert.equal((await api.rpc.system.chain()).toString(), 'ddns Development');
    assert.equal((await api.rpc.system.name()).toString(), 'ddns-node');

    const version = await rpcCall(node.rpcPort, 'state_getRuntimeVersion');
    assert.equal(version.result?.specName, 'ddns');
    assert.equal(api.runtimeVersion.specName.toString(), 'ddns');
  }));

  it('charges fees that price the chain: a fifth to the block author, the rest to the treasury; the author also gets the block reward', { timeout: 4 * MINUTE }, withLog(async () => {
    // On --dev Alice authors every block; Bob pays.
    const bob = new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri('//Bob');
    const treasury = palletAccount('py/trsry');
    const payee = new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromMnemonic(mnemonicGenerate());
    const tx = api.tx.balances.transferKeepAlive(payee.address, 10n * UNIT);
    const { blockHash, events } = await signAndSendFinalized(api, tx, bob, { timeoutMs: 3 * MINUTE });
    const paid = events.find(({ event }) => api.events.transactionPayment.TransactionFeePaid.is(event));
    assert.ok(paid, 'no TransactionFeePaid event');
    const [who, actualFee, tip] = paid.event.data;
    assert.equal(who.toString(), bob.address);
    const fee = actualFee.toBigInt();
    assert.equal(tip.toBigInt(), 0n);
    // A transfer costs hundredths of a DDNS (it cost 0.0002 DDNS when fees priced nothing).
    assert.ok(fee > UNIT / 100n && fee < UNIT, `fee ${fee}`);

    const { parentHash } = await api.rpc.chain.getHeader(blockHash);
    const delta = async (address) =>
      (await freeBalanceAt(api, address, blockHash)) - (await freeBalanceAt(api, address, parentHash.toHex()));
    const toAuthor = (fee * 20n) / 100n;
    const reward = (await api.query.validators.blockReward.at(parentHash)).toBigInt();
    assert.equal(reward, UNIT, 'the dev preset mints 1 DDNS a block');
    assert.equal(await delta(alice.address), toAuthor + reward, 'the author gets a fifth and the reward');
    assert.equal(await delta(treasury), fee - toAuthor, 'the treasury gets the rest');
  }));

  it('rejects an extrinsic with a corrupted signature at the pool', { timeout: 4 * MINUTE }, withLog(async () => {
    assert.ok(transferBlock, 'needs the transfer from the first test');
    const start = await heads(api);
    const aliceBefore = await freeBalanceAt(api, alice.address, start.finalizedHash);
    const recipientBefore = await freeBalanceAt(api, recipient.address, start.finalizedHash);
    const nonceBefore = (await api.rpc.system.accountNextIndex(alice.address)).toNumber();

    const tx = api.tx.balances.transferKeepAlive(recipient.address, AMOUNT);
    await tx.signAsync(alice);
    assert.ok(tx.isSigned);
    const signature = tx.signature.toU8a().slice(-64); // drop a MultiSignature variant byte, if any
    assert.equal(signature.length, 64);
    const encoded = tx.toU8a();
    const at = occurrences(encoded, signature);
    assert.equal(at.length, 1, `the signature occurs ${at.length} times in the encoded extrinsic`);

    const corrupted = encoded.slice();
    corrupted[at[0] + 20] ^= 0xff;
    assert.notDeepEqual(corrupted, encoded);

    const res = await rpcCall(node.rpcPort, 'author_submitExtrinsic', [u8aToHex(corrupted)]);
    assert.ok(res.error, `the pool accepted a corrupted extrinsic: ${JSON.stringify(res)}`);
    assert.equal(res.error.code, 1010, JSON.stringify(res.error));
    assert.match(res.error.message, /invalid transaction/i);
    assert.match(String(res.error.data), /bad (signature|proof)/i);

    // Not in the pool, and nothing moved over the next finalized blocks.
    const pending = await rpcCall(node.rpcPort, 'author_pendingExtrinsics');
    assert.deepEqual(pending.result, []);
    const later = await waitForHeads(api, { finalized: start.best + 2, timeoutMs: 2 * MINUTE });
    assert.equal(await freeBalanceAt(api, recipient.address, later.finalizedHash), recipientBefore);
    // Alice authors every block on --dev: her balance moves by the block rewards and nothing else
    // (no fee was charged for the rejected extrinsic).
    const reward = (await api.query.validators.blockReward()).toBigInt();
    const blocks = BigInt(later.finalized - start.finalized);
    assert.equal(await freeBalanceAt(api, alice.address, later.finalizedHash), aliceBefore + reward * blocks);
    assert.equal((await api.rpc.system.accountNextIndex(alice.address)).toNumber(), nonceBefore);
  }));

  it('keeps its chain across a restart on the same base path and goes on finalizing', { timeout: 8 * MINUTE }, withLog(async () => {
    assert.ok(transferBlock, 'needs the transfer from the first test');
    const beforeStop = await heads(api);
    await api.disconnect();
    api = null;

    const exit = await node.stop();
    assert.ok(!exit.killedAfterTimeout, 'the node ignored SIGTERM and had to be killed');
    assert.equal(exit.code, 0, `the node exited with ${JSON.stringify(exit)} on SIGTERM`);

    await node.restart();
    api = await connectApi(node);
    const after = await heads(api);
    assert.ok(after.best >= beforeStop.best, `best ${after.best} < ${beforeStop.best} before the stop`);
    assert.ok(after.finalized >= beforeStop.finalized,
      `finalized ${after.finalized} < ${beforeStop.finalized} before the stop`);
    assert.equal(await freeBalanceAt(api, recipient.address, after.finalizedHash), AMOUNT,
      'the recipient balance did not survive the restart');

    const moving = await waitForHeads(api, {
      best: after.best + 2,
      finalized: Math.max(after.finalized, beforeStop.best) + 2,
      timeoutMs: 4 * MINUTE,
    });
    assert.equal(await freeBalanceAt(api, recipient.address, moving.finalizedHash), AMOUNT);
  }));
});

describe('bad chain spec input', { timeout: 5 * MINUTE }, () => {
  let dir;
  let garbage;
  let missing;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ddns-badspec-'));
    garbage = path.join(dir, 'garbage.json');
    missing = path.join(dir, 'does-not-exist.json');
    await writeFile(garbage, '{ "name": "ddns", this is not json ]');
  });

  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('build-spec --chain dev works (control)', { timeout: 2 * MINUTE }, async () => {
    const r = await runBinary(['build-spec', '--chain', 'dev']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).name, 'ddns Development');
  });

  it('build-spec --chain production emits the public-network template: no sudo, no money, no dev body', { timeout: 2 * MINUTE }, async () => {
    const r = await runBinary(['build-spec', '--chain', 'production']);
    assert.equal(r.code, 0, r.stderr);
    const spec = JSON.parse(r.stdout);
    assert.equal(spec.name, 'ddns');
    assert.equal(spec.chainType, 'Live');
    const patch = spec.genesis.runtimeGenesis.patch;
    assert.equal(patch.sudo.key, null, 'no sudo key');
    assert.deepEqual(patch.balances.balances, [], 'no funded account');
    assert.deepEqual(patch.validators.initial, [], 'the launchers add the validators');
    assert.deepEqual(patch.council.members, []);
    assert.equal(patch.registry.params.period, 365 * 14_400, 'a period of a year');
  });

  for (const [what, file] of [['invalid JSON', () => garbage], ['a nonexistent path', () => missing]]) {
    it(`build-spec --chain with ${what} fails with a chain spec error`, { timeout: 2 * MINUTE }, async () => {
      const r = await runBinary(['build-spec', '--chain', file()]);
      assert.ok(!r.timedOut, 'build-spec hung');
      assert.notEqual(r.code, 0, `build-spec exited 0:\n${r.stdout}`);
      const out = r.stderr + r.stdout;
      assert.match(out, /chain spec/i);
      assert.ok(out.includes(file()), `the error does not name the file:\n${out}`);
    });
  }

  it('running the node with --chain <invalid JSON> fails with a chain spec error', { timeout: 2 * MINUTE }, async () => {
    const r = await runBinary([
      '--chain', garbage,
      '--base-path', path.join(dir, 'base'),
      '--rpc-port', String(await freePort()),
      '--listen-addr', `/ip4/127.0.0.1/tcp/${await freePort()}`,
      '--no-prometheus', '--no-telemetry', '--no-mdns',
    ], { timeoutMs: 60_000 });
    assert.ok(!r.timedOut, 'the node started on a garbage chain spec');
    assert.notEqual(r.code, 0);
    const out = r.stderr + r.stdout;
    assert.match(out, /invalid chain spec/i);
    assert.ok(out.includes(garbage), `the error does not name the file:\n${out}`);
  });
});
