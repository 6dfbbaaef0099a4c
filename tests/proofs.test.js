// Proof bundles checked by `ddns-verify` against a real dev node, and a lying JSON-RPC proxy in
// front of it: a client that trusts the node takes the lie, `ddns-verify` refuses it.
//
// Set DDNS_WRITE_PROOF_FIXTURES=<dir> to write the bundles and the pinned trust this test makes
// (verify/tests/fixtures holds a set: the Rust tests mutate them offline).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { blake2AsHex } from '@polkadot/util-crypto';
import {
  DevNode, devPairs, registerName, releaseBinary, rpcCall, runBinary, signAndSendFinalized, waitForHeads,
} from './lib/node.js';
import { ddnsRpc } from '../examples/rpc-definitions.js';
import { Resolver, dig } from './lib/resolver.js';
import { WebSocket, WebSocketServer } from 'ws';

const MINUTE = 60_000;
const NAME = 'proof-alice.ddns';
const SUB = 'www.proof-alice.ddns';
const MISSING = 'nobody-holds-this.ddns';

let node;
let api;
let dir;
let state;
const verifyBin = () => releaseBinary('ddns-verify', 'DDNS_VERIFY_BIN');

function verify(args) {
  return runBinary(['--state', state, ...args], { bin: verifyBin(), timeoutMs: MINUTE });
}

/** `ddns-verify resolve` against a JSON-RPC URL; the parsed JSON it prints, and its exit code. */
async function resolveVerified(name, from) {
  const r = await verify(['resolve', name, '--from', from]);
  let out = null;
  try {
    out = JSON.parse(r.stdout);
  } catch {}
  return { code: r.code, out, stderr: r.stderr };
}

/** A JSON-RPC proxy over HTTP that passes calls to the node, rewriting results with `lie`. */
async function lyingProxy(target, lie) {
  const server = http.createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const call = JSON.parse(body);
    const reply = await rpcCall(target, call.method, call.params ?? []);
    if (reply.result !== undefined) reply.result = await lie(call.method, reply.result, call.params ?? []);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(reply));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) };
}

/**
 * A WebSocket JSON-RPC proxy in front of the node that passes everything through both ways,
 * and replaces `from` with `to` in the answers to `state_call` (only: the proof bundles pass
 * untouched, so what catches the lie is the comparison of the daemon's answer with the proof).
 */
async function lyingWsProxy(target, from, to) {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  server.on('connection', (client) => {
    const upstream = new WebSocket(target);
    const queue = [];
    const calls = new Set();
    const pass = (m) => {
      try {
        const msg = JSON.parse(m);
        if (msg.method === 'state_call') calls.add(msg.id);
      } catch {}
      if (upstream.readyState === WebSocket.OPEN) upstream.send(m);
      else queue.push(m);
    };
    upstream.on('open', () => queue.splice(0).forEach((m) => upstream.send(m)));
    client.on('message', (m) => pass(m.toString()));
    upstream.on('message', (m) => {
      let text = m.toString();
      try {
        const msg = JSON.parse(text);
        if (calls.delete(msg.id)) text = text.replaceAll(from, to);
      } catch {}
      client.send(text);
    });
    client.on('close', () => upstream.close());
    upstream.on('close', () => client.close());
    upstream.on('error', () => client.close());
  });
  await new Promise((r) => server.on('listening', r));
  return { url: `ws://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) };
}

let alicePair;
before(async () => {
  const { alice, bob } = await devPairs();
  alicePair = alice;
  node = await DevNode.start();
  api = await ApiPromise.create({ provider: new WsProvider(node.wsUrl), rpc: ddnsRpc, noInitWarn: true });
  await waitForHeads(api, { best: 1, finalized: 1 });
  await registerName(api, NAME, alice.address, 1, alice);
  await signAndSendFinalized(api, api.tx.utility.batchAll([
    api.tx.registry.setRecords(NAME, [{ A: [192, 0, 2, 44] }, { Txt: 'proven' }]),
    api.tx.registry.createSubdomain(NAME, 'www', bob.address),
  ]), alice);
  await signAndSendFinalized(api, api.tx.registry.setRecords(SUB, [{ Aaaa: [0x20, 0x01, 0x0d, 0xb8, ...new Array(11).fill(0), 7] }]), bob);

  dir = await mkdtemp(path.join(os.tmpdir(), 'ddns-proofs-'));
  state = path.join(dir, 'trust.json');
  const spec = await runBinary(['build-spec', '--chain', 'dev', '--raw', '--disable-default-bootnode'], { timeoutMs: 2 * MINUTE });
  assert.equal(spec.code, 0, spec.stderr);
  await writeFile(path.join(dir, 'dev-raw.json'), spec.stdout);
});

after(async () => {
  await api?.disconnect().catch(() => {});
  await node?.cleanup();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('init pins the genesis the node has, from the raw spec alone', { timeout: 2 * MINUTE }, async () => {
  const r = await verify(['init', '--chain-spec', path.join(dir, 'dev-raw.json')]);
  assert.equal(r.code, 0, r.stderr);
  const pinned = JSON.parse(r.stdout);
  const genesis = (await rpcCall(node.rpcPort, 'chain_getBlockHash', [0])).result;
  assert.equal(pinned.genesis, genesis, 'the genesis hash computed from the spec is the chain\'s');
  assert.equal(pinned.authorities.length, 1, 'the dev chain has one GRANDPA authority');
});

test('names, subdomains and absent names verify against the node\'s own answers', { timeout: 3 * MINUTE }, async () => {
  const from = `http://127.0.0.1:${node.rpcPort}`;
  for (const name of [NAME, SUB]) {
    const { code, out, stderr } = await resolveVerified(name, from);
    assert.equal(code, 0, `${name}: ${stderr}`);
    const plain = (await rpcCall(node.rpcPort, 'ddns_resolve', [name, out.block.hash])).result;
    const { at, ...view } = plain;
    assert.deepEqual(out.view, view, `${name}: the verified view is the node's view at the same block`);
  }
  const sub = (await resolveVerified(SUB, from)).out.view;
  assert.deepEqual(sub.records, [{ type: 'AAAA', value: '2001:db8::7' }]);
  assert.equal(sub.parent, NAME);

  const { code, out, stderr } = await resolveVerified(MISSING, from);
  assert.equal(code, 0, stderr);
  assert.equal(out.view, null, 'a proof of absence is a verified NXDOMAIN');

  if (process.env.DDNS_WRITE_PROOF_FIXTURES) {
    const to = process.env.DDNS_WRITE_PROOF_FIXTURES;
    for (const [file, name] of [['name', NAME], ['subdomain', SUB], ['absent', MISSING]]) {
      const bundle = (await rpcCall(node.rpcPort, 'ddns_resolveWithProof', [name])).result;
      await writeFile(path.join(to, `${file}.json`), JSON.stringify(bundle, null, 1));
    }
    const trust = JSON.parse(await readFile(state, 'utf8'));
    await writeFile(path.join(to, 'trust.json'), JSON.stringify({ ...trust, lastBlock: 0 }, null, 1));
  }
});

test('a lying node is believed by a plain client and refused by ddns-verify', { timeout: 3 * MINUTE }, async () => {
  const lie = (method, result) => {
    if (method === 'ddns_resolve' && result?.name === NAME) {
      return { ...result, records: [{ type: 'A', value: '203.0.113.66' }] };
    }
    if (method === 'ddns_resolveWithProof' && result?.view) {
      return { ...result, view: { ...result.view, records: [{ type: 'A', value: '203.0.113.66' }] } };
    }
    return result;
  };
  const proxy = await lyingProxy(node.rpcPort, lie);
  try {
    const port = Number(new URL(proxy.url).port);
    const plain = (await rpcCall(port, 'ddns_resolve', [NAME])).result;
    assert.deepEqual(plain.records, [{ type: 'A', value: '203.0.113.66' }], 'the plain client takes the lie');

    const { code, out } = await resolveVerified(NAME, proxy.url);
    assert.equal(code, 40, 'the view does not match the proof');
    assert.equal(out.check, 'view');
  } finally {
    await proxy.close();
  }

  // A proxy that drops a trie node, or hands out another block's justification.
  const dropOne = async (b) => {
    const { stateRoot } = (await rpcCall(node.rpcPort, 'chain_getHeader', [b.block.hash])).result;
    // A leaf: a node that points at no other (without one of its parents, its children would
    // hang under nothing, which is `proof_tampered`).
    const hashes = b.proof.map((n) => blake2AsHex(n, 256));
    const victim = b.proof.findIndex((n, i) => hashes[i] !== stateRoot && !hashes.some((h) => n.includes(h.slice(2))));
    return { ...b, proof: b.proof.filter((_, i) => i !== victim) };
  };
  const cases = [
    ['proof_incomplete', 21, dropOne],
    ['target', 13, (b, other) => ({ ...b, justification: other.justification })],
  ];
  const other = (await rpcCall(node.rpcPort, 'ddns_resolveWithProof', [MISSING])).result;
  await waitForHeads(api, { finalized: other.block.number + 2 });
  for (const [check, exit, mutate] of cases) {
    const proxy = await lyingProxy(node.rpcPort, (method, result) => {
      if (method !== 'ddns_resolveWithProof' || result.block.hash === other.block.hash) return result;
      return mutate(result, other);
    });
    try {
      const { code, out } = await resolveVerified(NAME, proxy.url);
      assert.equal(out?.check, check, JSON.stringify(out));
      assert.equal(code, exit);
    } finally {
      await proxy.close();
    }
  }
});

test('a daemon\'s bundle carries its answer and endpoint record; a daemon behind a lying node is caught', { timeout: 5 * MINUTE }, async () => {
  const from = `http://127.0.0.1:${node.rpcPort}`;
  const honest = await Resolver.start({ chainWs: node.wsUrl, serve: [NAME] });
  // A [192, 0, 2, 44] record as SCALE: variant 0, then the four bytes.
  const proxy = await lyingWsProxy(node.wsUrl, '00c000022c', '00cb007142');
  const fooled = await Resolver.start({ chainWs: proxy.url });
  try {
    await signAndSendFinalized(api, api.tx.registry.setNodeKey(NAME, honest.key.nodeKey), alicePair);
    const deadline = Date.now() + 2 * MINUTE;
    while ((await honest.get(`/resolve?name=${NAME}`)).body.endpoints?.length !== 1) {
      assert.ok(Date.now() < deadline, `${NAME}'s endpoint was not published: ${honest.logTail()}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    const ok = await verify(['resolve', NAME, '--daemon', `http://127.0.0.1:${honest.httpPort}`, '--from', from]);
    assert.equal(ok.code, 0, ok.stderr);
    const out = JSON.parse(ok.stdout);
    assert.equal(out.endpoint.peerId, honest.key.peerId, 'the endpoint record verified against the proven node key');
    assert.deepEqual(out.view.records[0], { type: 'A', value: '192.0.2.44' });

    // The daemon behind the lying node answers the lie over HTTP and DNS...
    const lie = await fooled.get(`/resolve?name=${NAME}`);
    assert.deepEqual(lie.body.view.records[0], { type: 'A', value: '203.0.113.66' }, JSON.stringify(lie.body));
    const answer = await dig(fooled.dnsPort, NAME, 'A');
    assert.deepEqual(answer.answer.map((a) => a.data), ['203.0.113.66']);
    // ...and ddns-verify refuses its bundle.
    const caught = await verify(['resolve', NAME, '--daemon', `http://127.0.0.1:${fooled.httpPort}`]);
    assert.equal(caught.code, 40, caught.stdout + caught.stderr);
    assert.equal(JSON.parse(caught.stdout).check, 'view');
  } finally {
    await fooled.cleanup();
    await proxy.close();
    await honest.cleanup();
  }
});

test('a --light daemon answers dig from GRANDPA and the spec, and a record change within two finalized blocks', { timeout: 5 * MINUTE }, async () => {
  const peerId = (await rpcCall(node.rpcPort, 'system_localPeerId')).result;
  const bootnode = `/ip4/127.0.0.1/tcp/${node.p2pPort}/p2p/${peerId}`;
  const light = await Resolver.start({
    extraArgs: ['--light', path.join(dir, 'dev-raw.json'), '--light-bootnode', bootnode],
  });
  try {
    const a = async () => (await dig(light.dnsPort, NAME, 'A')).answer.map((r) => r.data);
    const until = async (what, f, ms = 2 * MINUTE) => {
      const deadline = Date.now() + ms;
      for (;;) {
        const v = await f().catch(() => null);
        if (v) return v;
        assert.ok(Date.now() < deadline, `${what}; log:\n${light.logTail()}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    };
    await until('the light daemon answers the name', async () => (await a()).includes('192.0.2.44'));
    const sub = await light.get(`/resolve?name=${SUB}`);
    assert.deepEqual(sub.body.view.records, [{ type: 'AAAA', value: '2001:db8::7' }], 'a subdomain, by its ancestors');
    const missing = await dig(light.dnsPort, MISSING, 'A');
    assert.equal(missing.status, 'NXDOMAIN');

    // A record change: answered from the finalized block that includes it, or the next.
    const { blockHash } = await signAndSendFinalized(api, api.tx.registry.setRecords(NAME, [{ A: [192, 0, 2, 45] }]), alicePair);
    const included = (await api.rpc.chain.getHeader(blockHash)).number.toNumber();
    await until('the light daemon answers the new record', async () => (await a()).includes('192.0.2.45'), MINUTE);
    const finalized = (await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead())).number.toNumber();
    assert.ok(finalized <= included + 2, `answered by #${finalized}, the change is in #${included}`);
  } finally {
    await light.cleanup();
  }
});
