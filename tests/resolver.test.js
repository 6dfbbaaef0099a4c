// The resolver daemon beside a real dev node: names registered with @polkadot/api extrinsics,
// endpoints published by the daemon under the node key set on chain, answers read over HTTP
// and over DNS with dig, and compared with NSD serving a zone file made from the same state.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
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

// The face on the open internet (docs/dns.md, "Abuse").
test('DNS: ANY over UDP gets one HINFO (RFC 8482), over TCP every record', async (t) => {
  const port = resolver.dnsPort;
  // dig asks ANY over TCP unless told otherwise.
  const udp = await dig(port, WEB, 'ANY', ['+notcp']);
  assert.equal(udp.status, 'NOERROR', udp.raw);
  assert.deepEqual(udp.answer.map((a) => `${a.type} ${a.data}`), ['HINFO "RFC8482" ""']);
  const tcp = await dig(port, WEB, 'ANY', ['+tcp']);
  for (const type of ['A', 'AAAA', 'TXT', 'MX', 'CAA']) assert.ok(data(tcp, type).length > 0, `${type}\n${tcp.raw}`);
  // A CNAME name: its CNAME alone.
  const alias = await dig(port, ALIAS, 'ANY', ['+notcp']);
  assert.deepEqual(alias.answer.map((a) => a.type), ['CNAME']);
  const size = (r) => Number(r.raw.match(/MSG SIZE\s+rcvd: (\d+)/)[1]);
  // The query: header 12, question (name + 4), OPT with dig's cookie 11 + 12.
  const query = 12 + WEB.length + 2 + 4 + 11 + 12;
  const [short, big] = [await dig(port, SHORT, 'ANY', ['+notcp']), await dig(port, SHORT, 'ANY', ['+tcp'])];
  t.diagnostic(
    `ANY ${WEB}: ~${query}-byte query, ${size(udp)} bytes over UDP, ${size(tcp)} over TCP; ` +
      `ANY ${SHORT} (2 TXT of 400 bytes): ${size(short)} over UDP, ${size(big)} over TCP ` +
      `(${(size(big) / query).toFixed(0)}x before RFC 8482, ${(size(short) / query).toFixed(1)}x now)`,
  );
  assert.ok(size(udp) < 100 && size(short) < 100, `${size(udp)}, ${size(short)}`);
});

test('DNS: a query with a cookie gets a server cookie back (RFC 7873, RFC 9018)', async () => {
  const port = resolver.dnsPort;
  const r = await dig(resolver.dnsPort, WEB, 'A', ['+cookie']);
  const cookie = r.raw.match(/; COOKIE: ([0-9a-f]+)(.*)/);
  assert.ok(cookie, r.raw);
  // 8 bytes of client cookie, 16 of server cookie: version 1, reserved 0, the time, the hash.
  assert.equal(cookie[1].length, 48, cookie[0]);
  assert.equal(cookie[1].slice(16, 24), '01000000');
  const stamp = parseInt(cookie[1].slice(24, 32), 16);
  assert.ok(Math.abs(stamp - Date.now() / 1000) < 60, `timestamp ${stamp}`);
  assert.match(cookie[2], /good/, 'dig saw its client cookie echoed');
  // Sent back, it is accepted: a normal answer (and a fresh cookie).
  const again = await dig(port, WEB, 'A', [`+cookie=${cookie[1]}`]);
  assert.equal(again.status, 'NOERROR', again.raw);
  assert.match(again.raw, /; COOKIE: [0-9a-f]{48} \(good\)/);
  // A COOKIE option no cookie can be (5 bytes): FORMERR.
  const bad = await dig(port, WEB, 'A', ['+ednsopt=10:0102030405']);
  assert.equal(bad.status, 'FORMERR', bad.raw);
});

/** A `ddns. SOA` query, id `id`, without EDNS. */
function soaQuery(id) {
  return Buffer.from([id >> 8, id & 0xff, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 4, ...Buffer.from('ddns'), 0, 0, 6, 0, 1]);
}

/**
 * Sends `n` queries from `from` to the DNS face on `port`, 50 every 5 ms (so that the replies
 * are read before they overflow this socket's buffer, 256 small datagrams by Linux's default),
 * and counts the replies that came within a second of the last: `{ answered, truncated }`.
 */
async function flood(port, from, n) {
  const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 1 << 20 });
  await new Promise((resolve) => socket.bind(0, from, resolve));
  const got = { answered: 0, truncated: 0 };
  socket.on('message', (m) => {
    if (m[2] & 0x02) got.truncated++;
    else got.answered++;
  });
  for (let id = 0; id < n; id++) {
    socket.send(soaQuery(id), port, '127.0.0.1');
    if (id % 50 === 49) await sleep(5);
  }
  await sleep(1000);
  socket.close();
  return got;
}

test('DNS: a flood from one source prefix is rate-limited while another is answered', async (t) => {
  // Loopback is exempt by default: the suite's own bursts, and a flood from 127.0.0.2, are all
  // answered.
  const unlimited = await flood(resolver.dnsPort, '127.0.0.2', 300);
  assert.deepEqual(unlimited, { answered: 300, truncated: 0 });
  // With only 127.0.0.1 exempt, 127.0.0.2 is limited to 20 answers a second.
  const limited = await Resolver.start({
    chainWs: node.wsUrl,
    extraArgs: ['--dns-rrl-rate', '20', '--dns-rrl-exempt', '127.0.0.1'],
  });
  try {
    const FLOOD = 1000;
    const flooding = flood(limited.dnsPort, '127.0.0.2', FLOOD);
    // In the same moment another /24 asks, and is answered every time.
    const others = [];
    for (let i = 0; i < 5; i++) others.push(await dig(limited.dnsPort, 'ddns', 'SOA', ['-b', '127.0.1.3']));
    const { answered, truncated } = await flooding;
    const dropped = FLOOD - answered - truncated;
    t.diagnostic(`flood of ${FLOOD} from 127.0.0.2 at 20/s: ${answered} answered, ${truncated} slipped (TC=1), ${dropped} dropped`);
    for (const o of others) assert.equal(o.answer.length, 1, o.raw);
    assert.ok(answered >= 20 && answered <= 60, `${answered} answered`);
    // Every second limited answer slips: about as many truncated as dropped.
    assert.ok(Math.abs(truncated - dropped) <= FLOOD / 20, `${truncated} truncated, ${dropped} dropped`);
    const slipped = await limited.metric('ddns_resolver_dns_rate_limited_total{action="slipped"}');
    assert.ok(slipped >= truncated, `${slipped} slipped in the metrics`);
    // 127.0.0.1 is still exempt, and dig's retry over TCP after a TC=1 is never limited.
    assert.equal((await dig(limited.dnsPort, 'ddns', 'SOA')).answer.length, 1);
  } finally {
    await limited.cleanup();
  }
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
