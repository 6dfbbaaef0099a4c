// The node this runs on joins the validator set while the chain runs: new session keys made in
// its keystore (author_rotateKeysWithOwner, which also signs a proof that the account owns them),
// session.setKeys from its account, and root (sudo) adds it with validators.addValidator.
// Returns 1 once a block it authored is finalized.
//   with "<account seed name, e.g. Eve>"
const { connect, keyring, finalized, rpc, until } = require('./lib.cjs');

async function run(nodeName, networkInfo, args) {
  const [who] = args;
  const { wsUri } = networkInfo.nodesByName[nodeName];
  const api = await connect(wsUri);
  try {
    const ring = await keyring();
    const account = ring.addFromUri(`//${who}`);
    const alice = ring.addFromUri('//Alice');
    const owner = api.createType('AccountId', account.address).toHex();
    const { keys, proof } = await rpc(wsUri, 'author_rotateKeysWithOwner', [owner]);
    await finalized(api, api.tx.session.setKeys(keys, proof ?? '0x'), account);
    await finalized(api, api.tx.sudo.sudo(api.tx.validators.addValidator(account.address)), alice);
    console.log(`${who} set keys and was added; waiting for the set to change`);

    await until(`${who} in session.validators`, async () =>
      (await api.query.session.validators()).some((v) => v.eq(account.address)), 360_000);
    // A block Eve authored: its Aura slot picks her key out of the authorities it was made under.
    const auraKey = `0x${keys.slice(2, 66)}`; // SessionKeys encode Aura first, 32 bytes
    const authored = await until(`a block authored by ${who}`, async () => {
      const header = await api.rpc.chain.getHeader();
      const preRuntime = header.digest.logs.find(
        (log) => log.isPreRuntime && log.asPreRuntime[0].toString() === 'aura',
      );
      if (!preRuntime) return null;
      const slot = api.createType('u64', preRuntime.asPreRuntime[1]).toBigInt();
      const authorities = await (await api.at(header.parentHash)).query.aura.authorities();
      const author = authorities[Number(slot % BigInt(authorities.length))];
      return author.toHex() === auraKey ? header.number.toNumber() : null;
    }, 240_000);
    await until(`#${authored} to be finalized`, async () => {
      const hash = await api.rpc.chain.getFinalizedHead();
      return (await api.rpc.chain.getHeader(hash)).number.toNumber() >= authored;
    }, 120_000);
    console.log(`${who} authored #${authored}, now finalized`);
    return 1;
  } finally {
    await api.disconnect();
  }
}

module.exports = { run };
