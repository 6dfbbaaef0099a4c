// Returns 1 if the node's finalized block advances by at least `blocks` within `seconds`.
//   with "<blocks>,<seconds>"
const { connect, finalizedNumber, until } = require('./lib.cjs');

async function run(nodeName, networkInfo, args) {
  const [blocks, seconds] = args.map(Number);
  const api = await connect(networkInfo.nodesByName[nodeName].wsUri);
  try {
    const start = await finalizedNumber(api);
    await until(`finality on ${nodeName} to pass #${start + blocks}`, async () =>
      (await finalizedNumber(api)) >= start + blocks, seconds * 1000);
    console.log(`${nodeName}: finalized #${start} -> #${await finalizedNumber(api)}`);
    return 1;
  } finally {
    await api.disconnect();
  }
}

module.exports = { run };
