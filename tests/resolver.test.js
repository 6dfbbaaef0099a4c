// The resolver daemon beside a real dev node: names registered with @polkadot/api extrinsics,
// endpoints published by the daemon under the node key set on chain, answers read over HTTP
// and over DNS with dig, and compared with NSD serving a zone file made from the same state.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  DevNode,
  connectApi,
  devPairs,
  registerName,
  rpcCall,
  signAndSendFinalized,
  sleep,
  waitForHeads,
} from './lib/node.js';
import { Resolver, dig, startNsd } from './lib/resolver.js';

let node;
let api;
let alice;
let bob;
let resolver;

const WEB = 'webby.ddns';
const ALIAS = 'alias.ddns';
const SHORT = 'short.ddns';
const BIG_TXT = ['a'.repeat(400), 'b'.repeat(400)];

async function finalizedNumber() {
  const hash = (await rpcCall(node.rpcPort, 'chain_getFinalizedHead')).result;
  const header = (await rpcCall(node.rpcPort, 'chain_getHeader', [hash])).result;
  return parseInt(header.number, 16);
}

/** Polls `f` until it returns a truthy value (returned), for at most `ms`. */
async function until(what, f, ms = 60_000) {
  const deadline = Date.now() + ms;
  let last;
  while (Date.now() < deadline) {
    last = await f();
    if (last) return last;
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${what}; resolver log:\n${resolver?.logTail()}`);
}

const data = (r, type) => r.answer.filter((a) => a.type === type).map((a) => a.data).sort();

before(async () => {
  ({ alice, bob } = await devPairs());
  node = await DevNode.start();
  api = await connectApi(node);
  await waitForHeads(api, { best: 1 });
  resolver = await Resolver.start({ chainWs: node.wsUrl, serve: [WEB] });

  // Two signers in parallel, so registrations share blocks.
  await Promise.all([
    (async () => {
      await registerName(api, WEB, alice.address, 5, alice);
      await signAndSendFinalized(
        api,
        api.tx.registry.setRecords(WEB, [
          { A: [192, 0, 2, 10] },
          { Aaaa: [0x20, 0x01, 0x0d, 0xb8, ...new Array(11).fill(0), 0x10] },
          { Txt: 'hello from ddns' },
          { Mx: { preference: 10, exchange: 'mail.webby.ddns' } },
          { Srv: { service: '_http', protocol: '_tcp', priority: 10, weight: 5, port: 8080, target: WEB } },
          { Caa: { flags: 0, tag: 'issue', value: 'letsencrypt.org' } },
        ]),
        alice,
      );
      await signAndSendFinalized(api, api.tx.registry.setNodeKey(WEB, resolver.key.nodeKey), alice);
    })(),
    (async () => {
      await registerName(api, ALIAS, bob.address, 5, bob);
      await signAndSendFinalized(api, api.tx.registry.setRecords(ALIAS, [{ Cname: WEB }]), bob);
      // One period (2 minutes on the dev chain): lapses during the suite.
      await registerName(api, SHORT, bob.address, 1, bob);
      await signAndSendFinalized(
        api,
        api.tx.registry.setRecords(SHORT, BIG_TXT.map((t) => ({ Txt: t }))),
        bob,
      );
    })(),
  ]);
});

after(async () => {
  await resolver?.cleanup();
  await api?.disconnect().catch(() => {});
  await node?.cleanup();
});

test('HTTP: the on-chain view and the endpoint the daemon published under its node key', async () => {
  const setAt = await finalizedNumber();
  const { status, body } = await until('the endpoint to resolve', async () => {
    const r = await resolver.get(`/resolve?name=${WEB}`);
    return r.body.endpoints?.length === 1 ? r : null;
  });
  assert.equal(status, 200);
  assert.equal(body.name, WEB);
  assert.equal(body.resolves, true);
  assert.equal(body.view.owner, alice.address);
  assert.equal(body.view.nodeKey, resolver.key.nodeKey);
  assert.ok(body.at.number >= setAt, `answer at #${body.at.number}, node key set by #${setAt}`);
  assert.equal(body.at.finalized, true);
  const [endpoint] = body.endpoints;
  assert.equal(endpoint.peerId, resolver.key.peerId);
  assert.deepEqual(endpoint.multiaddrs, [`/ip4/127.0.0.1/tcp/${resolver.p2pPort}`]);
  assert.equal(endpoint.epoch, body.view.epoch);
  assert.ok(endpoint.validUntil <= body.view.expiresAt, 'validity never past the expiry');

  // A name with no node key has a view and no endpoint.
  const alias = await resolver.get(`/resolve?name=${ALIAS}`);
  assert.equal(alias.status, 200);
  assert.deepEqual(alias.body.endpoints, []);

  const health = await resolver.get('/health');
  assert.equal(health.status, 200);
  assert.equal(health.body.peerId, resolver.key.peerId);
  assert.deepEqual(health.body.serving, [WEB]);
  const metrics = await resolver.get('/metrics');
  assert.equal(metrics.status, 200);
  assert.match(metrics.body, /ddns_resolver_records_published_total [1-9]/);
  assert.match(metrics.body, /ddns_resolver_finalized_block [1-9]/);
});

test('HTTP: bad requests get 4xx with a message', async () => {
  const cases = [
    ['/resolve', 400, 'missing_name'],
    ['/resolve?name=', 400, 'missing_name'],
    ['/resolve?name=Webby.ddns', 400, 'uppercase'],
    ['/resolve?name=webby.com', 400, 'wrong_tld'],
    ['/resolve?name=%ff', 400, 'bad_encoding'],
    [`/resolve?name=${'a'.repeat(300)}.ddns`, 400, 'too_long'],
    ['/resolve?name=nobody-here.ddns', 404, 'not_found'],
    ['/nope', 404, 'not_found'],
  ];
  for (const [path, status, code] of cases) {
    const r = await resolver.get(path);
    assert.equal(r.status, status, `${path}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.error.code, code, path);
    assert.ok(r.body.error.message.length > 0, path);
  }
  const post = await resolver.get(`/resolve?name=${WEB}`, { method: 'POST' });
  assert.equal(post.status, 405);
});

test('DNS: every record type, from the chain and from the endpoint', async () => {
  const port = resolver.dnsPort;
  await until('the endpoint address over DNS', async () =>
    data(await dig(port, WEB, 'A'), 'A').includes('127.0.0.1'),
  );
  const a = await dig(port, WEB, 'A');
  assert.equal(a.status, 'NOERROR');
  assert.ok(a.flags.includes('aa'), 'authoritative');
  assert.deepEqual(data(a, 'A'), ['127.0.0.1', '192.0.2.10']);
  for (const rr of a.answer) assert.ok(rr.ttl > 0 && rr.ttl <= 60, `TTL ${rr.ttl}`);

  assert.deepEqual(data(await dig(port, WEB, 'AAAA'), 'AAAA'), ['2001:db8::10']);
  assert.deepEqual(data(await dig(port, WEB, 'TXT'), 'TXT'), ['"hello from ddns"']);
  assert.deepEqual(data(await dig(port, WEB, 'MX'), 'MX'), ['10 mail.webby.ddns.']);
  assert.deepEqual(data(await dig(port, `_http._tcp.${WEB}`, 'SRV'), 'SRV'), ['10 5 8080 webby.ddns.']);
  assert.deepEqual(data(await dig(port, WEB, 'CAA'), 'CAA'), ['0 issue "letsencrypt.org"']);
  const p2p = data(await dig(port, `_dnsaddr.${WEB}`, 'TXT'), 'TXT');
  assert.deepEqual(p2p, [`"dnsaddr=/ip4/127.0.0.1/tcp/${resolver.p2pPort}/p2p/${resolver.key.peerId}"`]);

  // CNAME chased inside the zone; case does not matter.
  const alias = await dig(port, 'ALIAS.Ddns', 'A');
  assert.equal(alias.status, 'NOERROR');
  assert.deepEqual(data(alias, 'CNAME'), ['webby.ddns.']);
  assert.deepEqual(data(alias, 'A'), ['127.0.0.1', '192.0.2.10']);
  assert.equal(alias.answer[0].name, 'alias.ddns.');
});

test('DNS: NXDOMAIN, NODATA, SOA serial moving with finality, REFUSED outside the zone', async () => {
  const port = resolver.dnsPort;
  const nx = await dig(port, 'nobody-here.ddns', 'A');
  assert.equal(nx.status, 'NXDOMAIN');
  assert.ok(nx.flags.includes('aa'));
  assert.equal(nx.authority[0]?.type, 'SOA');
  assert.equal((await dig(port, `mail.${WEB}`, 'A')).status, 'NXDOMAIN');

  const nodata = await dig(port, ALIAS, 'TXT'); // a CNAME-only name: chased, target has TXT
  assert.equal(nodata.status, 'NOERROR');
  const none = await dig(port, WEB, 'PTR');
  assert.equal(none.status, 'NOERROR');
  assert.equal(none.answer.length, 0);
  assert.equal(none.authority[0]?.type, 'SOA');

  const serial = async () => Number((await dig(port, 'ddns', 'SOA')).answer[0].data.split(' ')[2]);
  const first = await serial();
  const finalized = await finalizedNumber();
  assert.ok(Math.abs(first - finalized) <= 1, `serial ${first}, finalized #${finalized}`);
  await until('the serial to move', async () => (await serial()) > first, 30_000);
  const ns = await dig(port, 'ddns', 'NS');
  assert.deepEqual(data(ns, 'NS'), ['localhost.']);

  assert.equal((await dig(port, 'example.com', 'A')).status, 'REFUSED');
});

test('DNS: a large answer is truncated over UDP and complete over TCP', async () => {
  const port = resolver.dnsPort;
  const udp = await dig(port, SHORT, 'TXT', ['+noedns', '+ignore']);
  assert.ok(udp.flags.includes('tc'), `flags ${udp.flags}`);
  assert.equal(udp.answer.length, 0);
  const retried = await dig(port, SHORT, 'TXT', ['+noedns']); // dig retries over TCP on TC
  assert.equal(retried.answer.length, 2);
  const tcp = await dig(port, SHORT, 'TXT', ['+tcp']);
  // A TXT value longer than 255 bytes travels as several character-strings.
  assert.deepEqual(data(tcp, 'TXT'), BIG_TXT.map((t) => `"${t.slice(0, 255)}" "${t.slice(255)}"`));
});

test('DNS: a change finalized on chain is answered within one block after finality', async () => {
  const port = resolver.dnsPort;
  const { blockHash } = await signAndSendFinalized(
    api,
    api.tx.registry.setRecords(ALIAS, [{ A: [198, 51, 100, 7] }]),
    bob,
  );
  const header = await api.rpc.chain.getHeader(blockHash);
  const included = header.number.toNumber();
  await until('the new record over DNS', async () =>
    data(await dig(port, ALIAS, 'A'), 'A').includes('198.51.100.7'),
  );
  const finalizedNow = await finalizedNumber();
  assert.ok(
    finalizedNow <= included + 2,
    `answered only once #${finalizedNow} was finalized (change in #${included})`,
  );
  const soa = await dig(port, 'ddns', 'SOA');
  assert.ok(Number(soa.answer[0].data.split(' ')[2]) >= included);
});

test('differential: NSD serving a zone file of the same state gives the same answers', async () => {
  // The zone file is written from the HTTP face's JSON (chain view + endpoint), by code
  // independent of the DNS face's own mapping.
  const port = resolver.dnsPort;
  const lines = ['$TTL 60', 'ddns. IN SOA localhost. hostmaster.ddns. 1 60 30 86400 60', 'ddns. IN NS localhost.'];
  for (const name of [WEB, ALIAS]) {
    const { body } = await resolver.get(`/resolve?name=${name}`);
    for (const { type, value } of body.view.records) {
      if (type === 'A' || type === 'AAAA') lines.push(`${name}. IN ${type} ${value}`);
      if (type === 'CNAME') lines.push(`${name}. IN CNAME ${value}.`);
      if (type === 'TXT') lines.push(`${name}. IN TXT "${value}"`);
      if (type === 'MX') lines.push(`${name}. IN MX ${value.preference} ${value.exchange}.`);
      if (type === 'SRV') {
        lines.push(
          `${value.service}.${value.protocol}.${name}. IN SRV ${value.priority} ${value.weight} ${value.port} ${value.target}.`,
        );
      }
      if (type === 'CAA') lines.push(`${name}. IN CAA ${value.flags} ${value.tag} "${value.value}"`);
    }
    for (const e of body.endpoints) {
      for (const ma of e.multiaddrs) {
        const ip4 = ma.match(/^\/ip4\/([^/]+)/);
        if (ip4) lines.push(`${name}. IN A ${ip4[1]}`);
        lines.push(`_dnsaddr.${name}. IN TXT "dnsaddr=${ma}/p2p/${e.peerId}"`);
      }
    }
  }
  const nsd = await startNsd({ ddns: `${lines.join('\n')}\n` });
  try {
    const names = [WEB, ALIAS, 'WeBbY.ddns', `_http._tcp.${WEB}`, `_tcp.${WEB}`, `_ftp._tcp.${WEB}`, `_dnsaddr.${WEB}`, 'nobody-here.ddns', `mail.${WEB}`, 'ddns'];
    const types = ['A', 'AAAA', 'TXT', 'MX', 'SRV', 'CAA', 'CNAME', 'NS', 'SOA', 'PTR'];
    let compared = 0;
    const normal = (r) =>
      JSON.stringify({
        status: r.status,
        aa: r.flags.includes('aa'),
        answer: r.answer
          // Lower-cased: NSD compresses names in RDATA against the question, keeping its case.
          .map((a) => `${a.name} ${a.type} ${a.type === 'SOA' ? a.data.split(' ').slice(0, 2).join(' ') : a.data}`.toLowerCase())
          .sort(),
        authority: r.authority.map((a) => `${a.name} ${a.type}`).sort(),
      });
    for (const name of names) {
      for (const type of types) {
        const [ours, theirs] = await Promise.all([dig(port, name, type), dig(nsd.port, name, type)]);
        assert.equal(normal(ours), normal(theirs), `${name} ${type}\nours:\n${ours.raw}\nnsd:\n${theirs.raw}`);
        compared++;
      }
    }
    assert.equal(compared, names.length * types.length);
  } finally {
    await nsd.stop();
  }
});

test('DNS: other zones are forwarded to the configured upstream, for allow-listed clients only', async () => {
  const nsd = await startNsd({ 'upstream.test': '$TTL 60\n@ IN SOA ns. h. 1 60 30 86400 60\n@ IN NS ns.\nwww IN A 203.0.113.5\n' });
  const forwarding = await Resolver.start({
    chainWs: node.wsUrl,
    extraArgs: ['--dns-upstream', `127.0.0.1:${nsd.port}`, '--dns-forward-allow', '127.0.0.1'],
  });
  try {
    const r = await dig(forwarding.dnsPort, 'www.upstream.test', 'A');
    assert.equal(r.status, 'NOERROR');
    assert.ok(r.flags.includes('ra'));
    // Only clients on the allow-list have other zones forwarded (no open resolver): from
    // 127.0.0.2 the same question is REFUSED, with no recursion offered, and the zone is still
    // answered.
    const other = await dig(forwarding.dnsPort, 'www.upstream.test', 'A', ['-b', '127.0.0.2']);
    assert.equal(other.status, 'REFUSED', other.raw);
    assert.ok(!other.flags.includes('ra'));
    const ownForOther = await dig(forwarding.dnsPort, ALIAS, 'A', ['-b', '127.0.0.2']);
    assert.ok(ownForOther.flags.includes('aa'), ownForOther.raw);
    assert.deepEqual(data(r, 'A'), ['203.0.113.5']);
    const tcp = await dig(forwarding.dnsPort, 'www.upstream.test', 'A', ['+tcp']);
    assert.deepEqual(data(tcp, 'A'), ['203.0.113.5']);
    // Our own zone is still ours.
    const own = await dig(forwarding.dnsPort, ALIAS, 'A');
    assert.ok(own.flags.includes('aa'));
  } finally {
    await forwarding.cleanup();
    await nsd.stop();
  }
});

test("node signer: the offchain worker signs with the node's keystore key, the daemon publishes", async () => {
  // The node key lives in the node's keystore; the daemon never sees it.
  const { Keyring } = await import('@polkadot/keyring');
  const suri = `//ddns-node-key-${Date.now()}`;
  const nodeKey = new Keyring({ type: 'ed25519' }).addFromUri(suri);
  const publicHex = `0x${Buffer.from(nodeKey.publicKey).toString('hex')}`;
  const inserted = await rpcCall(node.rpcPort, 'author_insertKey', ['ddns', suri, publicHex]);
  assert.equal(inserted.error, undefined, JSON.stringify(inserted.error));
  const NAME = 'keystore.ddns';
  await registerName(api, NAME, bob.address, 5, bob);
  await signAndSendFinalized(api, api.tx.registry.setNodeKey(NAME, publicHex), bob);

  const signerDaemon = await Resolver.start({
    chainWs: node.wsUrl,
    serve: [NAME],
    extraArgs: ['--signer', 'node', '--bootnode', `/ip4/127.0.0.1/tcp/${resolver.p2pPort}/p2p/${resolver.key.peerId}`],
  });
  try {
    // The daemon's own key is not the node key: only the node could have signed.
    assert.notEqual(signerDaemon.key.nodeKey, publicHex);
    const { body } = await until('the node-signed endpoint to resolve on the other daemon', async () => {
      const r = await resolver.get(`/resolve?name=${NAME}`);
      return r.body.endpoints?.length === 1 ? r : null;
    });
    assert.equal(body.endpoints[0].peerId, signerDaemon.key.peerId);
    assert.equal(body.endpoints[0].epoch, body.view.epoch);
  } finally {
    await signerDaemon.cleanup();
  }
});

test('DNS and HTTP: a lapsed name disappears', async () => {
  const port = resolver.dnsPort;
  await until(
    `${SHORT} to lapse into Grace`,
    async () => {
      const r = await api.call.registryApi.resolve(SHORT);
      return r.isOk && r.asOk.state.toString() === 'Grace';
    },
    240_000,
  );
  await until('NXDOMAIN for the lapsed name', async () => (await dig(port, SHORT, 'TXT')).status === 'NXDOMAIN');
  const { status, body } = await resolver.get(`/resolve?name=${SHORT}`);
  assert.equal(status, 200);
  assert.equal(body.resolves, false);
  assert.equal(body.view.state, 'Grace');
});
