// Helpers shared by the zombienet js-scripts (loaded with require() by zombienet, so CommonJS).
const { ApiPromise, WsProvider, Keyring } = require('@polkadot/api');
const { cryptoWaitReady, randomAsU8a } = require('@polkadot/util-crypto');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function connect(wsUri) {
  const api = await ApiPromise.create({ provider: new WsProvider(wsUri), noInitWarn: true });
  await api.isReady;
  return api;
}

async function keyring() {
  await cryptoWaitReady();
  return new Keyring({ type: 'sr25519' });
}

/** Submits `tx` and resolves once it is in a finalized block; rejects on a dispatch error. */
function finalized(api, tx, signer) {
  return new Promise((resolve, reject) => {
    tx.signAndSend(signer, ({ status, dispatchError, events }) => {
      if (dispatchError) {
        const e = dispatchError.isModule ? api.registry.findMetaError(dispatchError.asModule) : dispatchError;
        reject(new Error(`dispatch error: ${e.section ? `${e.section}.${e.name}` : e.toString()}`));
      } else if (status.isFinalized) {
        resolve({ blockHash: status.asFinalized, events });
      } else if (status.isInvalid || status.isDropped || status.isUsurped) {
        reject(new Error(`extrinsic ${status.type}`));
      }
    }).catch(reject);
  });
}

async function finalizedNumber(api) {
  const hash = await api.rpc.chain.getFinalizedHead();
  return (await api.rpc.chain.getHeader(hash)).number.toNumber();
}

/** One JSON-RPC call over HTTP to the node behind `wsUri` (same port); resolves with `result`. */
async function rpc(wsUri, method, params = []) {
  const res = await fetch(wsUri.replace(/^ws/, 'http'), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const body = await res.json();
  if (body.error) throw new Error(`${method}: ${JSON.stringify(body.error)}`);
  return body.result;
}

/** Polls `f` until it returns a truthy value, for at most `ms`. */
async function until(what, f, ms) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const v = await f();
    if (v) return v;
    await sleep(1000);
  }
  throw new Error(`timed out: ${what}`);
}

module.exports = { connect, keyring, finalized, finalizedNumber, rpc, until, sleep, randomAsU8a };
