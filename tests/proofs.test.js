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

before(async () => {
  const { alice, bob } = await devPairs();
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
    const victim = b.proof.findIndex((n) => blake2AsHex(n, 256) !== stateRoot);
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
