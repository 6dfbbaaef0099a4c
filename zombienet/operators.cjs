// The operators journey on the zombienet network (rounds of 4 blocks, eras of 2 rounds; see
// scripts/zombienet.sh): a seed (the `seed` node), a resolver (the daemon beside bob) and a relay
// (a `--relay` daemon beside charlie) are registered by Ferdie, Alice//stash and Bob//stash with
// their own keys' signatures, the pot is funded, and four probers (daemons with `--probe` beside
// alice..dave; dave's lies, reporting everything up) probe them. Then, era by era:
//   E1  all up: each payout is exactly the kind's rate, and the pot drops by exactly their sum;
//   E2  the resolver is killed for the whole era: it earns nothing and gets a strike, the others
//       are paid their rate, and dave's lie does not make it up;
//   E3  it is restarted in the middle of the era: it earns rate × up / counted from the on-chain
//       tally, with 0 < up < counted;
//   E4  two of the four probers are stopped: every round is voided, no score drops.
// Returns 1 when every check passed.
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const { connect, keyring, finalized, rpc, until } = require('./lib.cjs');
const { u8aConcat, u8aToHex, hexToU8a, stringToU8a } = require('@polkadot/util');
const { ed25519PairFromSeed, ed25519Sign, sha256AsU8a } = require('@polkadot/util-crypto');

const CONTEXT = stringToU8a('ddns/operator/register/v1');
const KIND = { Seed: 0, Relay: 1, Resolver: 2 };

function pidOf(tmp, node, tag) {
  return Number(fs.readFileSync(path.join(tmp, node, `${tag}.pid`), 'utf8').trim());
}

function kill(tmp, node, tag) {
  try {
    process.kill(pidOf(tmp, node, tag), 'SIGTERM');
  } catch (e) {
    throw new Error(`cannot stop ${node}/${tag}: ${e.message}`);
  }
}

function startResolver(tmp, node, args) {
  const out = spawnSync('bash', ['./resolver.sh', ...args], { cwd: path.join(tmp, node), encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`resolver.sh ${args.join(',')}: ${out.stderr}`);
}

async function run(nodeName, networkInfo) {
  const tmp = networkInfo.tmpDir;
  const { wsUri } = networkInfo.nodesByName[nodeName];
  const api = await connect(wsUri);
  const ring = await keyring();
  const log = (...a) => console.log('[operators]', ...a);
  try {
    const alice = ring.addFromUri('//Alice');
    const genesis = api.genesisHash.toU8a();
    const params = (await api.query.operators.operatorParams()).unwrap();
    const rates = params.rates.map((r) => r.toBigInt());

    // The pot: the registry's `ddns/pot` account; 10,000 DDNS so the budget covers every rate.
    const pot = u8aConcat(stringToU8a('modl'), stringToU8a('ddns/pot'), new Uint8Array(20));
    await finalized(api, api.tx.balances.transferKeepAlive(pot, 10_000n * 10n ** 12n), alice);

    // Each service's key signs (context, genesis hash, kind, owner) for its owner.
    const services = [
      { kind: 'Seed', owner: ring.addFromUri('//Ferdie'), seed: sha256AsU8a(stringToU8a('seed')), addr: '/ip4/127.0.0.1/tcp/31400' },
      {
        kind: 'Resolver', owner: ring.addFromUri('//Alice//stash'),
        seed: hexToU8a(fs.readFileSync(path.join(tmp, 'bob', 'resolver.key'), 'utf8').trim()), addr: '/ip4/127.0.0.1/tcp/31334',
      },
      {
        kind: 'Relay', owner: ring.addFromUri('//Bob//stash'),
        seed: hexToU8a(fs.readFileSync(path.join(tmp, 'charlie', 'relay.key'), 'utf8').trim()), addr: '/ip4/127.0.0.1/tcp/31337',
      },
    ];
    // A signature for another account is refused, and nothing is held.
    {
      const s = services[0];
      const pair = ed25519PairFromSeed(s.seed);
      const wrong = ed25519Sign(u8aConcat(CONTEXT, genesis, [KIND.Seed], alice.publicKey), pair);
      const tx = api.tx.operators.registerService(s.kind, pair.publicKey, s.addr, wrong);
      const err = await finalized(api, tx, s.owner).then(() => null, (e) => e.message);
      if (!/BadServiceSignature/.test(err)) throw new Error(`a forged registration: ${err}`);
    }
    for (const s of services) {
      const pair = ed25519PairFromSeed(s.seed);
      const sig = ed25519Sign(u8aConcat(CONTEXT, genesis, [KIND[s.kind]], s.owner.publicKey), pair);
      const { events } = await finalized(api, api.tx.operators.registerService(s.kind, pair.publicKey, s.addr, sig), s.owner);
      const ev = events.find(({ event }) => api.events.operators.ServiceRegistered.is(event));
      s.id = ev.event.data.id.toNumber();
      s.from = ev.event.data.activeFrom.toNumber();
      s.rate = rates[KIND[s.kind]];
      log(`${s.kind} #${s.id} registered by ${s.owner.address}, active from era ${s.from}`);
    }
    const e1 = Math.max(...services.map((s) => s.from));
    const [seed, resolver, relay] = services;

    const rounds = async () => {
      const cur = (await api.query.operators.currentRound()).unwrap();
      return { era: cur.era.toNumber(), round: cur.round.toNumber(), start: cur.start.toNumber(), end: cur.end.toNumber(), rounds: cur.rounds.toNumber() };
    };
    const best = async () => (await api.rpc.chain.getHeader()).number.toNumber();
    const settled = (era) => until(`era ${era} closed`, async () => {
      const e = await api.query.operators.eras(era);
      return e.isSome && e.unwrap().settled.isTrue ? e.unwrap() : null;
    }, 600_000);
    // The second half of round `round` of era `era`: its probes are done, the next round's not begun.
    const secondHalf = (era, round) => until(`era ${era} round ${round}, second half`, async () => {
      const r = await rounds();
      if (r.era > era || (r.era === era && r.round > round)) throw new Error(`missed era ${era} round ${round}`);
      return r.era === era && r.round === round && (await best()) >= r.start + Math.ceil((r.end - r.start) / 2) + 1 && r;
    }, 600_000);
    const score = async (era, s) => {
      const sc = await api.query.operators.scores(era, s.id);
      return sc.isSome ? sc.unwrap() : null;
    };
    const claim = async (era, s) => {
      const before = (await api.query.system.account(s.owner.address)).data.free.toBigInt();
      const { events } = await finalized(api, api.tx.operators.claim(s.id, era), alice);
      const paid = events.find(({ event }) => api.events.operators.Paid.is(event)).event.data.amount.toBigInt();
      const after = (await api.query.system.account(s.owner.address)).data.free.toBigInt();
      if (after - before !== paid) throw new Error(`${s.kind}: balance moved by ${after - before}, paid ${paid}`);
      return paid;
    };
    const potBalance = async () => (await api.query.system.account(pot)).data.free.toBigInt();
    const strikes = async (s) => (await api.query.operators.services(s.id)).unwrap().strikes.toNumber();

    // The schedule, at the best block: the resolver is stopped in the second half of E1's last
    // round (after that round's probes) and stays down through E2; it is restarted in the
    // second half of E3's first round; alice's and bob's probers stop once they reported E3's
    // last round. An era is closed one round after it ends, so the checks come afterwards.
    const last = (await rounds()).rounds - 1;
    const [e2, e3, e4] = [e1 + 1, e1 + 2, e1 + 3];
    await secondHalf(e1, last);
    kill(tmp, 'bob', 'resolver');
    log(`resolver stopped before era ${e2}`);
    // Era 2 closes in the block that starts era 3's second round.
    const e2ClosedIn = (await secondHalf(e3, 0)).end;
    startResolver(tmp, 'bob', ['bob', '25354', '28054', '31334']);
    log(`resolver restarted in era ${e3}`);
    await secondHalf(e3, last);
    const probers = [alice.address, ring.addFromUri('//Bob').address];
    await until(`alice's and bob's reports for era ${e3} round ${last}`, async () => {
      const r = await rounds();
      if (r.era > e4 || (r.era === e4 && r.round > 0)) throw new Error('the reports never came');
      const done = await Promise.all(probers.map((a) => api.query.operators.reports([e3, last], a)));
      return done.every((x) => x.isSome);
    }, 120_000);
    kill(tmp, 'alice', 'probe');
    kill(tmp, 'bob', 'probe');
    log(`alice's and bob's probers stopped in era ${e4}`);

    // (1) E1: all up.
    const era1 = await settled(e1);
    if (era1.counted.toNumber() !== era1.rounds.toNumber()) throw new Error(`era ${e1}: a round was voided`);
    const potBefore = await potBalance();
    let sum = 0n;
    for (const s of services) {
      const paid = await claim(e1, s);
      if (paid !== s.rate) throw new Error(`era ${e1}: ${s.kind} paid ${paid}, rate ${s.rate}`);
      sum += paid;
    }
    const potAfter = await potBalance();
    if (potBefore - potAfter !== sum) throw new Error(`era ${e1}: the pot dropped by ${potBefore - potAfter}, paid ${sum}`);
    log(`(1) era ${e1}: ${era1.counted} of ${era1.rounds} rounds counted; paid ${services.map((s) => s.rate).join(', ')}; the pot dropped by exactly ${sum}`);

    // (2, 4) E2: the resolver was down all era; dave's prober reported it up all the same.
    const era2 = await settled(e2);
    const s2 = await score(e2, resolver);
    if (!s2 || s2.up.toNumber() !== 0 || s2.counted.toNumber() !== era2.counted.toNumber() || era2.counted.toNumber() === 0) {
      throw new Error(`era ${e2}: the dead resolver scored ${s2 && s2.up} of ${era2.counted}`);
    }
    const nothing = await finalized(api, api.tx.operators.claim(resolver.id, e2), alice).then(() => null, (e) => e.message);
    if (!/NothingDue/.test(nothing)) throw new Error(`era ${e2}: the dead resolver's claim: ${nothing}`);
    for (const s of [seed, relay]) {
      const paid = await claim(e2, s);
      if (paid !== s.rate) throw new Error(`era ${e2}: ${s.kind} paid ${paid}, rate ${s.rate}`);
    }
    const atClose = await api.at(await api.rpc.chain.getBlockHash(e2ClosedIn));
    const struck = (await atClose.query.operators.services(resolver.id)).unwrap().strikes.toNumber();
    if (struck !== 1) throw new Error(`era ${e2}: the dead resolver has ${struck} strikes`);
    log(`(2, 4) era ${e2}: the dead resolver earned 0 and a strike though dave reported it up; seed and relay paid their rates`);

    // (3) E3: restarted in the middle of the era.
    const era3 = await settled(e3);
    const s3 = await score(e3, resolver);
    const [up, counted] = [s3.up.toBigInt(), era3.counted.toBigInt()];
    if (!(up > 0n && up < counted)) throw new Error(`era ${e3}: restarted resolver up ${up} of ${counted}`);
    const paid3 = await claim(e3, resolver);
    if (paid3 !== (resolver.rate * up) / counted) throw new Error(`era ${e3}: paid ${paid3}, expected ${resolver.rate} × ${up} / ${counted}`);
    log(`(3) era ${e3}: the restarted resolver was up ${up} of ${counted} rounds and paid ${paid3} = ${resolver.rate} × ${up} / ${counted}`);

    // (5) E4: two of four probers: every round voided, no score dropped.
    const strikesBefore = await Promise.all(services.map(strikes));
    const era4 = await settled(e4);
    if (era4.counted.toNumber() !== 0) throw new Error(`era ${e4}: ${era4.counted} rounds counted with two probers`);
    const logs = await api.query.operators.rounds.entries(e4);
    if (logs.length !== era4.rounds.toNumber() || logs.some(([, l]) => l.unwrap().counted.isTrue)) {
      throw new Error(`era ${e4}: round logs ${JSON.stringify(logs.map(([, l]) => l.toHuman()))}`);
    }
    for (const s of services) {
      if (await score(e4, s)) throw new Error(`era ${e4}: ${s.kind} was scored`);
    }
    const strikesAfter = await Promise.all(services.map(strikes));
    if (JSON.stringify(strikesBefore) !== JSON.stringify(strikesAfter)) {
      throw new Error(`era ${e4}: strikes went from ${strikesBefore} to ${strikesAfter}`);
    }
    log(`(5) era ${e4}: ${logs.length} rounds voided (2 of 4 probers), no score dropped, strikes ${strikesAfter}`);

    // ddns_operator tells the same story.
    const view = await rpc(wsUri, 'ddns_operator', [relay.owner.address]);
    const e1Score = view.services[0].scores.find((x) => x.era === e1);
    if (!e1Score || e1Score.payout !== relay.rate.toString() || !e1Score.paid || e1Score.upRounds.length !== era1.rounds.toNumber()) {
      throw new Error(`ddns_operator: ${JSON.stringify(view.services[0])}`);
    }
    log(`ddns_operator: the relay's era ${e1}: ${JSON.stringify(e1Score)}`);
    return 1;
  } finally {
    await api.disconnect();
  }
}

module.exports = { run };
