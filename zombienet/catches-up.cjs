// After a restart: returns 1 once this node has imported up to what `<reference node>` had
// finalized when the script started, and finalizes new blocks itself.   with "<reference node>"
const { connect, finalizedNumber, until } = require('./lib.cjs');

async function run(nodeName, networkInfo, args) {
  const [reference] = args;
  const ref = await connect(networkInfo.nodesByName[reference].wsUri);
  const api = await connect(networkInfo.nodesByName[nodeName].wsUri);
  try {
    const target = await finalizedNumber(ref);
    await until(`${nodeName} to import #${target}`, async () =>
      (await api.rpc.chain.getHeader()).number.toNumber() >= target, 240_000);
    await until(`${nodeName} to finalize past #${target}`, async () =>
      (await finalizedNumber(api)) > target, 240_000);
    console.log(`${nodeName} caught up with ${reference} at #${target}`);
    return 1;
  } finally {
    await api.disconnect();
    await ref.disconnect();
  }
}

module.exports = { run };
