// The validator set on a real dev chain: no single call can halt it.
//
// On `--dev`, Alice is every validator. Before the fix, one `session.purgeKeys()` from her made
// pallet-session queue an empty set; two sessions later GRANDPA scheduled it and the client
// refused every block from then on ("Invalid authority set, either empty or with an authority
// weight set to 0"), at #19. Sessions are 10 blocks, so the test watches past #30.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { DevNode, connectApi, devPairs, signAndSendFinalized, waitForHeads } from './lib/node.js';

const MINUTE = 60_000;

let node;
let api;
let alice;

before(async () => {
  ({ alice } = await devPairs());
  node = await DevNode.start();
  api = await connectApi(node);
  await waitForHeads(api, { best: 1 });
});

after(async () => {
  await api?.disconnect().catch(() => {});
  await node?.cleanup();
});

test('every validator purging its keys does not halt the chain', { timeout: 6 * MINUTE }, async () => {
  try {
    await signAndSendFinalized(api, api.tx.session.purgeKeys(), alice);
    assert.ok((await api.query.session.nextKeys(alice.address)).isNone, 'keys purged');

    // Three session rotations later, blocks are still produced and finalized...
    const seen = await waitForHeads(api, { best: 34, finalized: 31, timeoutMs: 4 * MINUTE });
    assert.ok(seen.finalized >= 31);
    // ...although the session pallet's own set did run empty (the path that used to halt).
    assert.equal((await api.query.session.validators()).length, 0, 'session set is empty');
    // The consensus engines kept their authorities, and GRANDPA never changed its set: nothing
    // changed that it should follow (before, its set id grew at every session).
    assert.equal((await api.query.aura.authorities()).length, 1);
    assert.equal((await api.query.grandpa.currentSetId()).toNumber(), 0);
    const log = readFileSync(node.logFile, 'utf8');
    assert.doesNotMatch(log, /Invalid authority set/);
  } catch (e) {
    e.message += `\n--- last lines of ${node.logFile} ---\n${node.logTail(30)}`;
    throw e;
  }
});
