// The connection to a ddns node: polkadot.js with ddns's RPC methods, the accounts that can sign
// (an injected wallet such as the polkadot.js extension, and on a development chain the
// well-known development accounts), transactions with their progress, and errors in words.

import { ApiPromise, WsProvider } from '@polkadot/api';
import { web3Accounts, web3Enable, web3FromAddress } from '@polkadot/extension-dapp';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';

import { ddnsRpc } from '../../examples/rpc-definitions.js';

const DEV_ACCOUNTS = ['Alice', 'Bob', 'Charlie', 'Dave', 'Eve', 'Ferdie'];

/** Connects (throws after `timeoutMs` when the node cannot be reached). */
export async function connect(url, timeoutMs = 15_000) {
  // Reconnects by itself (every 2.5 s) if the node goes away later; the first connection is
  // bounded by `timeoutMs`.
  const provider = new WsProvider(url, 2500);
  const api = new ApiPromise({ provider, rpc: ddnsRpc, throwOnConnect: true, noInitWarn: true });
  const ready = api.isReadyOrError;
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from ${url} within ${timeoutMs / 1000} s`)), timeoutMs);
  });
  try {
    await Promise.race([ready, timeout]);
  } catch (e) {
    await api.disconnect().catch(() => {});
    // A refused socket rejects with a bare Event: say what it means.
    throw e instanceof Error ? e : new Error(`no WebSocket connection to ${url} (is the node running, and does its --rpc-cors allow this page?)`);
  } finally {
    clearTimeout(timer);
  }
  return api;
}

/**
 * The accounts that can sign: `{ address, name, source, pair? }`. `source` is the wallet's
 * name, or 'development' for the well-known keys (offered only on a development or local chain,
 * whose type the node reports).
 */
export async function loadAccounts(api) {
  const accounts = [];
  try {
    const wallets = await Promise.race([web3Enable('ddns'), new Promise((r) => setTimeout(() => r([]), 3000))]);
    if (wallets.length) {
      for (const a of await web3Accounts({ ss58Format: api.registry.chainSS58 })) {
        accounts.push({ address: a.address, name: a.meta.name ?? a.address.slice(0, 8), source: a.meta.source });
      }
    }
  } catch {
    // no wallet: development accounts only, or read-only
  }
  const type = await api.rpc.system.chainType();
  if (type.isDevelopment || type.isLocal) {
    await cryptoWaitReady();
    const keyring = new Keyring({ type: 'sr25519', ss58Format: api.registry.chainSS58 });
    for (const who of DEV_ACCOUNTS) {
      const pair = keyring.addFromUri(`//${who}`, { name: who });
      accounts.push({ address: pair.address, name: who, source: 'development', pair });
    }
  }
  return accounts;
}

/** A module error (or any dispatch error) in words: `registry.NameTaken: The name is taken.` */
export function dispatchErrorText(api, err) {
  if (err.isModule) {
    try {
      const meta = api.registry.findMetaError(err.asModule);
      const docs = meta.docs.join(' ').trim();
      return `${meta.section}.${meta.name}${docs ? `: ${docs}` : ''}`;
    } catch {
      // fall through
    }
  }
  if (err.isToken) return `token error: ${err.asToken.type}`;
  if (err.isArithmetic) return `arithmetic error: ${err.asArithmetic.type}`;
  return err.type ?? String(err);
}

/** An error thrown by polkadot.js or the node, in words. */
export function errorText(e) {
  const msg = e?.message ?? String(e);
  // "1010: Invalid Transaction: Inability to pay some fees (e.g. account balance too low)"
  return msg.replace(/^\d+:\s*/, '');
}

/**
 * Signs and sends `tx` as `account`; `onStatus(text)` follows it. Resolves with
 * `{ blockHash, blockNumber, events }` once it is in a block and succeeded; rejects with the
 * reason in words otherwise.
 */
export async function send(api, tx, account, onStatus = () => {}) {
  let signer;
  let from = account.address;
  if (account.pair) {
    from = account.pair;
  } else {
    signer = (await web3FromAddress(account.address)).signer;
  }
  onStatus('waiting for the signature');
  return new Promise((resolve, reject) => {
    let unsub;
    let settled = false;
    const lost = () => done(reject, new Error('the connection to the node was lost before the transaction was included'));
    const done = (fn, v) => {
      if (settled) return;
      settled = true;
      api.off('disconnected', lost);
      unsub?.();
      fn(v);
    };
    // A subscription is not failed when the socket closes: stop waiting for it then.
    api.once('disconnected', lost);
    tx.signAndSend(from, { signer, nonce: -1 }, async (result) => {
      const { status, dispatchError, events } = result;
      if (status.isReady) onStatus('in the transaction pool');
      else if (status.isBroadcast) onStatus('sent to peers');
      else if (status.isRetracted) onStatus('its block was retracted; waiting for another');
      else if (status.isInBlock || status.isFinalized) {
        const blockHash = status.isInBlock ? status.asInBlock : status.asFinalized;
        if (dispatchError) return done(reject, new Error(dispatchErrorText(api, dispatchError)));
        try {
          const header = await api.rpc.chain.getHeader(blockHash);
          const blockNumber = header.number.toNumber();
          onStatus(`in block #${blockNumber}`);
          done(resolve, { blockHash, blockNumber, events });
        } catch (e) {
          done(reject, new Error(errorText(e)));
        }
      } else if (status.isInvalid || status.isDropped || status.isUsurped || status.isFinalityTimeout) {
        done(reject, new Error(`the transaction was ${status.type.toLowerCase()}`));
      }
    })
      .then((u) => {
        unsub = u;
        if (settled) u();
      })
      .catch((e) => done(reject, new Error(errorText(e))));
  });
}

/** `planck` (bigint, BN or string) as `1.2345 DDNS`. */
export function formatBalance(api, planck, digits = 4) {
  const decimals = api.registry.chainDecimals[0] ?? 12;
  const unit = api.registry.chainTokens[0] ?? 'DDNS';
  const v = BigInt(planck.toString());
  const base = 10n ** BigInt(decimals);
  const whole = v / base;
  const frac = (v % base).toString().padStart(decimals, '0').slice(0, digits).replace(/0+$/, '');
  return `${whole.toLocaleString('en-US')}${frac ? `.${frac}` : ''} ${unit}`;
}
