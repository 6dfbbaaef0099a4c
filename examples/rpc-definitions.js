// What @polkadot/api needs to call ddns's own JSON-RPC methods: pass it as `rpc:` when creating
// the API, e.g. `ApiPromise.create({ provider, rpc: ddnsRpc })`, then call `api.rpc.ddns.resolve`.
// Answers are JSON (`Json` type): read them with `.toJSON()`.
const at = { name: 'at', type: 'Text', isOptional: true };

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
      description: 'What registering a name for some periods costs',
      params: [{ name: 'name', type: 'Text' }, { name: 'periods', type: 'u32' }, at],
      type: 'Json',
    },
    params: {
      description: 'The registry parameters',
      params: [at],
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
