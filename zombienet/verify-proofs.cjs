// ddns-verify checks answers from this node against the chain spec alone, after Eve joined the
// validators: the pinned genesis set (id 0) must be followed to the current one with the
// node's finality proofs. Registers a name, verifies it from this node and through bob's
// daemon, and a name nobody holds, and checks the verified view is the node's own answer at the
// same block. Returns 1.
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { connect, keyring, rpc, registerName } = require('./lib.cjs');

function ddnsVerify(state, args) {
  const bin = process.env.DDNS_VERIFY_BIN;
  const out = spawnSync(bin, ['--state', state, ...args], { encoding: 'utf8', timeout: 120_000 });
  let json = null;
  try {
    json = JSON.parse(out.stdout);
  } catch {}
  return { code: out.status, json, stderr: out.stderr };
}

async function run(nodeName, networkInfo) {
  const { wsUri } = networkInfo.nodesByName[nodeName];
  const http = wsUri.replace(/^ws:/, 'http:');
  const api = await connect(wsUri);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ddns-verify-'));
  const state = path.join(dir, 'trust.json');
  try {
    const setId = (await api.query.grandpa.currentSetId()).toNumber();
    if (setId < 1) throw new Error(`the authority set is still ${setId}: Eve's join did not change it`);

    const ring = await keyring();
    const alice = ring.addFromUri('//Alice');
    const name = `proof-${Date.now() % 100000}.ddns`;
    await registerName(api, alice, name, [{ A: [192, 0, 2, 99] }]);

    const init = ddnsVerify(state, ['init', '--chain-spec', process.env.DDNS_CHAIN_SPEC]);
    if (init.code !== 0) throw new Error(`init: ${init.stderr}`);
    const genesis = await rpc(wsUri, 'chain_getBlockHash', [0]);
    if (init.json.genesis !== genesis) throw new Error(`init pinned ${init.json.genesis}, the chain is ${genesis}`);

    const held = ddnsVerify(state, ['resolve', name, '--from', http]);
    if (held.code !== 0) throw new Error(`resolve ${name}: exit ${held.code}: ${held.stderr}`);
    const pinned = JSON.parse(fs.readFileSync(state, 'utf8'));
    console.log(`[verify] ${name} verified at #${held.json.block.number}; followed to set ${pinned.setId}: ${held.stderr.trim()}`);
    if (pinned.setId < 1) throw new Error(`the verifier is still at set ${pinned.setId}`);
    const { at, ...view } = await rpc(wsUri, 'ddns_resolve', [name, held.json.block.hash]);
    if (JSON.stringify(held.json.view) !== JSON.stringify(view)) {
      throw new Error(`verified ${JSON.stringify(held.json.view)}, the node says ${JSON.stringify(view)}`);
    }
    // Through bob's daemon (HTTP 28054): its own answer, checked against the proof.
    const viaDaemon = ddnsVerify(state, ['resolve', name, '--daemon', 'http://127.0.0.1:28054', '--from', http]);
    if (viaDaemon.code !== 0) throw new Error(`resolve ${name} through bob's daemon: exit ${viaDaemon.code}: ${viaDaemon.stderr}`);
    if (JSON.stringify(viaDaemon.json.view.records) !== JSON.stringify(view.records)) {
      throw new Error(`the daemon's verified records ${JSON.stringify(viaDaemon.json.view.records)}`);
    }
    const absent = ddnsVerify(state, ['resolve', 'nobody-holds-this.ddns', '--from', http]);
    if (absent.code !== 0 || absent.json.view !== null) throw new Error(`absent name: ${absent.stderr}`);
    return 1;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    await api.disconnect();
  }
}

module.exports = { run };
