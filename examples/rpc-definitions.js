// What @polkadot/api needs to call ddns's own JSON-RPC methods: pass it as `rpc:` when creating
// the API, e.g. `ApiPromise.create({ provider, rpc: ddnsRpc })`, then call `api.rpc.ddns.resolve`.
// Answers are JSON (`Json` type): read them with `.toJSON()`.
//
// `at` (which block to read) is a block hash (a `0x` string or a hash object such as
// `await api.rpc.chain.getFinalizedHead()`), 'best' or 'finalized', or left out for 'best'.
// It is declared `Bytes` because that is the one type polkadot.js sends a hash through as it
// is: `Text` would turn '0x…' into the characters those bytes spell. A word is sent as its
// bytes in hex ('best' as '0x62657374'), which the node reads as the word; an explicit
// `undefined` is sent as '0x', which the node reads as left out.
const at = { name: 'at', type: 'Bytes', isOptional: true };

export const ddnsRpc = {
  ddns: {
    resolve: {
      description: 'Resolve a name at a block ("best" by default, "finalized", or a hash)',
      params: [{ name: 'name', type: 'Text' }, at],
      type: 'Json',
    },
    reverse: {
      description: 'The primary name of an SS58 account',
      params: [{ name: 'account', type: 'Text' }, at],
      type: 'Json',
    },
    price: {
      description: 'What registering a name for some periods costs at a block, and in the block after it (`next`)',
      params: [{ name: 'name', type: 'Text' }, { name: 'periods', type: 'u32' }, at],
      type: 'Json',
    },
    params: {
      description: 'The registry parameters',
      params: [at],
      type: 'Json',
    },
    operator: {
      description: 'The services of an account (or one service by id), their scores and payouts per era',
      params: [{ name: 'who', type: 'Text' }, at],
      type: 'Json',
    },
    subscribeName: {
      description: 'The view of a name now and at every finalized block where it changed',
      params: [{ name: 'name', type: 'Text' }],
      pubsub: ['nameChanged', 'subscribeName', 'unsubscribeName'],
      type: 'Json',
    },
  },
};
