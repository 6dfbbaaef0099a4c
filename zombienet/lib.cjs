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

/**
 * Commits to `name` for `owner`, waits the chain's minimum commitment age, registers it for one
 * period and sets `records`. Returns the block number of the commit.
 */
async function registerName(api, owner, name, records) {
  const secret = randomAsU8a(32);
  const commitment = await api.call.registryApi.commitment(name, owner.address, secret);
  const { blockHash } = await finalized(api, api.tx.registry.commit(commitment), owner);
  const committedAt = (await api.rpc.chain.getHeader(blockHash)).number.toNumber();
  const params = await api.call.registryApi.params();
  const age = (params.isSome ? params.unwrap() : params).minCommitmentAge.toNumber();
  await until('the commitment to age', async () => {
    const best = (await api.rpc.chain.getHeader()).number.toNumber();
    return best >= committedAt + age;
  }, (age + 5) * 6000 * 2);
  await finalized(api, api.tx.registry.register(name, owner.address, secret, 1), owner);
  await finalized(api, api.tx.registry.setRecords(name, records), owner);
  return committedAt;
}

module.exports = { connect, keyring, finalized, finalizedNumber, rpc, until, sleep, randomAsU8a, registerName };
