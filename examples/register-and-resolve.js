// Registers a name on a running ddns chain and resolves it, with nothing but @polkadot/api.
//
//   node examples/register-and-resolve.js [ws://127.0.0.1:9944] [name.ddns]
//
// Run from the repository root after `scripts/dev.sh` (it uses the npm packages of tests/).
// Each step waits for finality, so the whole flow takes about a minute on the dev chain.
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady, randomAsU8a } from '@polkadot/util-crypto';
import { ddnsRpc } from './rpc-definitions.js';

/** Signs and sends `tx`, resolving with its events once it is in a finalized block. */
export function send(api, tx, signer) {
  return new Promise((resolve, reject) => {
    tx.signAndSend(signer, ({ status, dispatchError, events }) => {
      if (dispatchError) {
        const why = dispatchError.isModule
          ? (({ section, name }) => `${section}.${name}`)(api.registry.findMetaError(dispatchError.asModule))
          : dispatchError.toString();
        reject(new Error(why));
      } else if (status.isFinalized) {
        resolve(events);
      }
    }).catch(reject);
  });
}

export async function registerAndResolve(endpoint, name) {
  await cryptoWaitReady();
  const api = await ApiPromise.create({ provider: new WsProvider(endpoint), rpc: ddnsRpc, noInitWarn: true });
  try {
    const keyring = new Keyring({ type: 'sr25519' });
    const alice = keyring.addFromUri('//Alice');

    // 1. What will it cost? (rent, premium if the name lapsed recently, storage deposit)
    //    A registration pays the price of the block that includes it: `price.next` is the price
    //    in the block after the best one, the earliest that can include it (`price.next.total`).
    const price = (await api.rpc.ddns.price(name, 1)).toJSON();

    // 2. Commit to (name, owner, secret) first, so nobody can front-run the registration.
    const secret = randomAsU8a(32);
    const commitment = await api.call.registryApi.commitment(name, alice.address, secret);
    await send(api, api.tx.registry.commit(commitment), alice);

    // 3. Reveal: register for one period (the commitment must be at least one block old).
    await send(api, api.tx.registry.register(name, alice.address, secret, 1), alice);

    // 4. Point the name somewhere, and bind the key that will sign its DHT endpoint records.
    await send(api, api.tx.registry.setRecords(name, [{ A: [192, 0, 2, 1] }, { Txt: 'hello' }]), alice);
    await send(api, api.tx.registry.setNodeKey(name, `0x${'ab'.repeat(32)}`), alice);

    // 5. Resolve it over JSON-RPC, from a finalized block.
    const view = (await api.rpc.ddns.resolve(name, 'finalized')).toJSON();
    return { price, view };
  } finally {
    await api.disconnect();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [endpoint = 'ws://127.0.0.1:9944', name = `example-${Date.now()}.ddns`] = process.argv.slice(2);
  const { price, view } = await registerAndResolve(endpoint, name);
  console.log(JSON.stringify({ price, view }, null, 2));
}
