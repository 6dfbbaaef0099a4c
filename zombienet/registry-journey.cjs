// A name registered through one node resolves over JSON-RPC on a second node and over DNS on a
// third node's resolver daemon.   with "<register node>,<rpc node>,<dns port>"
const { execFileSync } = require('node:child_process');
const { connect, keyring, rpc, until, registerName } = require('./lib.cjs');

async function run(_nodeName, networkInfo, args) {
  const [registerNode, rpcNode, dnsPort] = args;
  const name = `zombie-${Date.now() % 100000}.ddns`;
  const api = await connect(networkInfo.nodesByName[registerNode].wsUri);
  try {
    const bob = (await keyring()).addFromUri('//Bob');
    await registerName(api, bob, name, [{ A: [192, 0, 2, 77] }]);
    console.log(`registered ${name} through ${registerNode}`);

    // JSON-RPC on another node.
    const view = await until(`ddns_resolve of ${name} on ${rpcNode}`, async () => {
      const result = await rpc(networkInfo.nodesByName[rpcNode].wsUri, 'ddns_resolve', [name, 'finalized']).catch(() => null);
      return result?.records?.length ? result : null;
    }, 60_000);
    if (view.owner !== bob.address || view.records[0].value !== '192.0.2.77') {
      throw new Error(`unexpected view on ${rpcNode}: ${JSON.stringify(view)}`);
    }
    console.log(`${name} resolves over RPC on ${rpcNode}`);

    // DNS on a third node's daemon.
    await until(`${name} over DNS on port ${dnsPort}`, async () => {
      try {
        const out = execFileSync('dig', ['@127.0.0.1', '-p', dnsPort, name, 'A', '+short', '+time=2', '+tries=1']);
        return out.toString().split('\n').includes('192.0.2.77');
      } catch {
        return false; // dig timed out: ask again
      }
    }, 60_000);
    console.log(`${name} resolves over DNS on port ${dnsPort}`);
    return 1;
  } finally {
    await api.disconnect();
  }
}

module.exports = { run };
