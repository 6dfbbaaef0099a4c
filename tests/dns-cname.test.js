// CNAME chains at the DNS face, over real UDP and TCP with dig, against a dev node: a chain
// ends with its last name's answer (NODATA and NXDOMAIN with the SOA, RFC 2308 and RFC 6604),
// compared with NSD serving the same names from a zone file; and a chain over 8 links is
// SERVFAIL (docs/dns.md), where NSD, which has no limit, gives the whole chain.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomAsU8a } from '@polkadot/util-crypto';
import { DevNode, connectApi, devPairs, signAndSendFinalized, waitForHeads } from './lib/node.js';
import { Resolver, dig, startNsd } from './lib/resolver.js';

let node;
let api;
let resolver;
let nsd;

const WEB = 'cnweb.ddns';
const ALIAS = 'cnalias.ddns';
const DANGLING = 'cndangling.ddns';
const NOWHERE = 'cnnowhere.ddns';
// hop0 → hop1 → … → hop8 → WEB: nine links from hop0, eight from hop1.
const HOPS = Array.from({ length: 9 }, (_, i) => `cnhop${i}.ddns`);
const CNAMES = [[ALIAS, WEB], [DANGLING, NOWHERE], ...HOPS.map((h, i) => [h, HOPS[i + 1] ?? WEB])];

/** Sends `txs` from `signer` with consecutive nonces, so they share blocks; waits for all. */
async function sendAll(txs, signer) {
  const first = (await api.rpc.system.accountNextIndex(signer.address)).toNumber();
  return Promise.all(txs.map((tx, i) => signAndSendFinalized(api, tx, signer, { nonce: first + i })));
}

before(async () => {
  const { alice } = await devPairs();
  node = await DevNode.start();
  api = await connectApi(node);
  await waitForHeads(api, { best: 1 });
  resolver = await Resolver.start({ chainWs: node.wsUrl });
  const names = [WEB, ...CNAMES.map(([name]) => name)];
  const secrets = names.map(() => randomAsU8a(32));
  const commitments = await Promise.all(
    names.map((n, i) => api.call.registryApi.commitment(n, alice.address, secrets[i])),
  );
  await sendAll(commitments.map((c) => api.tx.registry.commit(c)), alice);
  await sendAll(names.map((n, i) => api.tx.registry.register(n, alice.address, secrets[i], 5)), alice);
  await sendAll(
    [
      api.tx.registry.setRecords(WEB, [{ A: [192, 0, 2, 10] }, { Txt: 'web' }]),
      ...CNAMES.map(([name, to]) => api.tx.registry.setRecords(name, [{ Cname: to }])),
    ],
    alice,
  );
  const zone = [
    '$TTL 60',
    'ddns. IN SOA localhost. hostmaster.ddns. 1 60 30 86400 60',
    'ddns. IN NS localhost.',
    `${WEB}. IN A 192.0.2.10`,
    `${WEB}. IN TXT "web"`,
    ...CNAMES.map(([name, to]) => `${name}. IN CNAME ${to}.`),
  ];
  nsd = await startNsd({ ddns: `${zone.join('\n')}\n` });
  // The resolver answers from the finalized head: wait until it has the last records.
  const deadline = Date.now() + 60_000;
  while ((await dig(resolver.dnsPort, HOPS[1], 'A')).answer.length !== 9) {
    if (Date.now() > deadline) throw new Error(`records never showed; log:\n${resolver.logTail()}`);
    await new Promise((r) => setTimeout(r, 500));
  }
});

after(async () => {
  await nsd?.stop();
  await resolver?.cleanup();
  await api?.disconnect().catch(() => {});
  await node?.cleanup();
});

/** What both servers must agree on: code, AA, the answer (no TTLs) and the authority owners. */
const normal = (r) =>
  JSON.stringify({
    status: r.status,
    aa: r.flags.includes('aa'),
    answer: r.answer.map((a) => `${a.name} ${a.type} ${a.data}`.toLowerCase()),
    authority: r.authority.map((a) => `${a.name} ${a.type}`),
  });

test('a CNAME chain ends with the last name: NODATA and NXDOMAIN carry the SOA, as from NSD', async () => {
  let negative = 0;
  for (const transport of [[], ['+tcp']]) {
    for (const name of [ALIAS, DANGLING, HOPS[1], WEB]) {
      for (const type of ['A', 'HTTPS', 'NS', 'SOA', 'DS', 'SRV', 'TXT', 'MX']) {
        const opts = ['+norec', ...transport];
        const [ours, theirs] = await Promise.all([dig(resolver.dnsPort, name, type, opts), dig(nsd.port, name, type, opts)]);
        assert.equal(normal(ours), normal(theirs), `${name} ${type} ${transport}\nours:\n${ours.raw}\nnsd:\n${theirs.raw}`);
        const last = ours.answer.at(-1);
        if (last?.type === 'CNAME' || ours.answer.length === 0) {
          // Negative at the end of the chain: the SOA, with the negative TTL.
          assert.deepEqual(ours.authority.map((a) => [a.name, a.type]), [['ddns.', 'SOA']], ours.raw);
          assert.ok(ours.authority[0].ttl <= 60, ours.raw);
          negative++;
        }
      }
    }
  }
  // Each name but WEB has some negative types; DANGLING is NXDOMAIN for all eight.
  assert.ok(negative >= 2 * (8 + 6 + 6 + 6), `only ${negative} negative answers`);
  const r = await dig(resolver.dnsPort, DANGLING, 'A', ['+norec']);
  assert.equal(r.status, 'NXDOMAIN', r.raw);
  assert.deepEqual(r.answer.map((a) => a.type), ['CNAME'], r.raw);
});

test('a CNAME chain of more than 8 links is SERVFAIL; 8 links are chased to the address', async () => {
  for (const transport of [[], ['+tcp']]) {
    const eight = await dig(resolver.dnsPort, HOPS[1], 'A', ['+norec', ...transport]);
    assert.equal(eight.status, 'NOERROR', eight.raw);
    assert.deepEqual(eight.answer.map((a) => a.type), [...new Array(8).fill('CNAME'), 'A'], eight.raw);
    assert.equal(eight.answer.at(-1).data, '192.0.2.10');

    for (const type of ['A', 'AAAA', 'HTTPS']) {
      const nine = await dig(resolver.dnsPort, HOPS[0], type, ['+norec', ...transport]);
      assert.equal(nine.status, 'SERVFAIL', `${type}\n${nine.raw}`);
      assert.deepEqual([nine.answer, nine.authority], [[], []], nine.raw);
    }
    // NSD has no limit: the whole chain. The links themselves stay readable from us.
    const whole = await dig(nsd.port, HOPS[0], 'A', ['+norec', ...transport]);
    assert.equal(whole.answer.length, 10, whole.raw);
    const link = await dig(resolver.dnsPort, HOPS[0], 'CNAME', ['+norec', ...transport]);
    assert.deepEqual(link.answer.map((a) => [a.type, a.data]), [['CNAME', `${HOPS[1]}.`]], link.raw);
  }
});
