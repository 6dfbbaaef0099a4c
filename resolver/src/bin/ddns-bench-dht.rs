//! `ddns-bench-dht`, the DHT benchmark: lookup latency, lookup success and the propagation of a node-key rotation,
//! measured on 100 real daemons in one process. They talk real libp2p (TCP, noise, yamux,
//! Kademlia) over loopback and follow one chain held in memory ([`MemChain`]).
//!
//! How:
//! - 100 daemons listen on `/ip4/127.0.0.1/tcp/0` and all bootstrap from daemon 0's actual
//!   listen address. They start spread over one bootstrap period (30 s), as daemons of a real
//!   network do, so that their periodic bootstraps are spread too; daemons started together
//!   would bootstrap in lockstep every 30 s. The measurements start once every routing table
//!   holds at least 20 peers.
//! - 50 names are served by 50 different daemons (1 to 50), and 12 more, used for rotations,
//!   by others. One finalized block makes them all effective; the run waits until each
//!   resolves.
//! - Lookups, in two passes of 2,500: first one lookup at a time, then 8 at a time. In each of
//!   a pass's 5 rounds a new block is finalized (answers are cached per block, so every
//!   measured lookup is a real DHT query), then each name is resolved once by each of 10
//!   random daemons other than its server. A lookup succeeds when it resolves to the server's
//!   PeerId. Reported: p50 and p99 of the time `Daemon::resolve` takes, and the success rate.
//! - Propagation: in each of 12 trials one name's node key moves to another daemon (epoch + 1)
//!   in a new finalized block; a third daemon, one of the last 10 (which cache "not found" for
//!   0 ms instead of 500 ms), polls `resolve` every 5 ms until it gets the new PeerId.
//!   Reported: p50 and max of the time from `finalize()` until then, in ms and in 6 s blocks.
//! - Then a fifth of the network (20 daemons that neither serve a name nor measure) freezes:
//!   each swarm stops being polled with its connections open, as a SIGSTOPped process or one
//!   that accepts and never answers. Both lookup passes run again from the live daemons; then
//!   the 20 are killed (connections closed) and both passes run once more. Targets there:
//!   p50 <= 50 ms, p99 <= 500 ms, success >= 99.9 %. The run ends with the table of all six.
//!
//! Every daemon shares the machine's cores, so the figures include CPU contention that a real
//! deployment (one daemon per host) does not have, and lack the network round trips it does
//! have: a lookup waits for the 20 peers closest to the key, asked 3 at a time, so over a
//! network it takes at least 7 round trips. The first pass shows what one lookup costs when
//! it has the machine to itself; the second, the latency once the cores are saturated. The
//! run also prints how busy other processes kept the cores, which skews every figure.
//!
//! Run with `scripts/bench-dht.sh`, which raises the open-file limit: 100 daemons that all
//! know each other hold about 10,000 sockets.

use ddns_resolver::{testing::view_for, Daemon, DhtConfig, Head, MemChain, Settings};
use libp2p::{identity::Keypair, multiaddr::Protocol, Multiaddr, PeerId};
use std::{
	future::Future,
	sync::Arc,
	time::{Duration, Instant},
};

/// Daemons in the network.
const DAEMONS: usize = 100;
/// Names measured by lookups, served by daemons 1..=NAMES.
const NAMES: usize = 50;
/// Lookup rounds per pass, one finalized block each.
const ROUNDS: usize = 5;
/// Daemons resolving each name per round (distinct, never the server).
const RESOLVERS: usize = 10;
/// Lookups in flight at a time in the second pass.
const IN_FLIGHT: usize = 8;
/// Node-key rotations measured.
const TRIALS: usize = 12;
/// The last daemons, which never serve a name and never cache "not found".
const OBSERVERS: usize = 10;
/// How often an observer asks again while waiting for a rotation.
const POLL: Duration = Duration::from_millis(5);
/// How long a rotation may take before it counts as never seen.
const ROTATION_TIMEOUT: Duration = Duration::from_secs(60);
/// Peers every routing table must hold before the measurements start.
const MIN_ROUTING_TABLE: usize = 20;
/// How long one DHT query may run (the daemon's default).
const QUERY_TIMEOUT: Duration = Duration::from_secs(10);
/// How often each daemon's swarm task bootstraps (`Task::run` in src/dht.rs).
const BOOTSTRAP_INTERVAL: Duration = Duration::from_secs(30);
/// Block time, to express propagation in blocks.
const BLOCK: Duration = Duration::from_secs(6);
/// Names expire far beyond the blocks this run finalizes.
const EXPIRES_AT: u32 = 1_000_000;

const P50_TARGET_MS: f64 = 50.0;
const P99_TARGET_MS: f64 = 200.0;
/// With a fifth of the daemons frozen or killed.
const P99_DEGRADED_TARGET_MS: f64 = 500.0;
/// The longest one pass of lookups may take; a pass whose lookups wait for whole queries
/// (10 s each, with frozen peers) stops starting lookups then.
const PASS_BUDGET: Duration = Duration::from_secs(60);
/// Daemons frozen, then killed.
const LOST: usize = DAEMONS / 5;
const SUCCESS_TARGET: f64 = 99.9;
const PROPAGATION_TARGET_BLOCKS: f64 = 1.0;

fn main() {
	if std::env::var_os("RUST_LOG").is_some() {
		tracing_subscriber::fmt()
			.with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
			.with_writer(std::io::stderr)
			.init();
	}
	let runtime =
		tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a tokio runtime");
	runtime.block_on(run());
	runtime.shutdown_timeout(Duration::from_secs(5));
}

struct Net {
	chain: Arc<MemChain>,
	daemons: Vec<Arc<Daemon>>,
	keys: Vec<Keypair>,
}

impl Net {
	fn peer(&self, i: usize) -> PeerId {
		self.daemons[i].dht.peer_id()
	}

	/// Puts `name` under daemon `server`'s node key at `epoch` (effective at the next block).
	fn assign(&self, name: &str, server: usize, epoch: u64) {
		self.chain.set(name, Some(view_for(name, &self.keys[server], epoch, EXPIRES_AT)));
	}
}

fn lookup_name(i: usize) -> String {
	format!("lookup{i:02}.ddns")
}

fn rotate_name(i: usize) -> String {
	format!("rotate{i:02}.ddns")
}

/// The daemon serving lookup name `i`.
fn lookup_server(i: usize) -> usize {
	1 + i
}

async fn run() {
	let started = Instant::now();
	let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
	println!("DHT benchmark: {DAEMONS} daemons on loopback TCP in one process, {cores} cores");
	if let Some(limit) = open_file_limit() {
		if limit < 16_384 {
			println!("  warning: the open-file limit is {limit}; raise it (ulimit -n 65536)");
		}
	}
	let mut rng = Rng(0x00dd_5eed);

	// Rotation names are first served by the daemons after the lookup servers.
	let rotations: Vec<String> = (0..TRIALS).map(rotate_name).collect();
	let mut owners: Vec<usize> = (0..TRIALS).map(|t| NAMES + 1 + t).collect();
	let net = start(&rotations).await;
	let (min, median, max, connected) = routing_tables(&net).await;
	println!(
		"  network up in {:.1} s: routing tables min {min} / median {median} / max {max} \
		 peers, connected to a median {connected} peers, {} file descriptors open",
		started.elapsed().as_secs_f64(),
		open_files().map_or("?".to_owned(), |n| n.to_string()),
	);
	let idle = Cpu::start();
	tokio::time::sleep(Duration::from_secs(5)).await;
	let (idle, others) = (idle.cores(), idle.others());
	if let Some(busy) = idle {
		println!(
			"  idle network: {:.2} cores busy (ping, identify, bootstraps){}",
			busy,
			others.map(|o| format!("; other processes: {o:.2} cores")).unwrap_or_default()
		);
	}

	// Publish every name in one block, and wait until each resolves.
	let published = Instant::now();
	for i in 0..NAMES {
		net.assign(&lookup_name(i), lookup_server(i), 1);
	}
	for (t, name) in rotations.iter().enumerate() {
		net.assign(name, owners[t], 1);
	}
	net.chain.finalize();
	let observer = net.daemons[DAEMONS - 1].clone();
	let served = (0..NAMES)
		.map(|i| (lookup_name(i), lookup_server(i)))
		.chain(rotations.iter().cloned().zip(owners.iter().copied()));
	for (name, server) in served {
		if resolves_to(&observer, &name, net.peer(server), Duration::from_secs(60)).await.is_none()
		{
			panic!("{name} was never published");
		}
	}
	println!(
		"  {} names published and resolvable in {:.0} ms",
		NAMES + TRIALS,
		ms(published.elapsed())
	);

	let mut failures: Vec<String> = Vec::new();
	let live = vec![true; DAEMONS];
	let alone = lookups(&net, &live, &mut rng, 1, idle, &mut failures).await;
	let loaded = lookups(&net, &live, &mut rng, IN_FLIGHT, idle, &mut failures).await;

	// Propagation of node-key rotations.
	let mut propagation: Vec<Option<Duration>> = Vec::new();
	for (t, name) in rotations.iter().enumerate() {
		let old = owners[t];
		let new = loop {
			let d = 1 + rng.below(DAEMONS - OBSERVERS - 1);
			if d != old {
				break d;
			}
		};
		let measurer = DAEMONS - OBSERVERS + rng.below(OBSERVERS);
		let observer = net.daemons[measurer].clone();
		let epoch = net.chain.get(name).map_or(0, |v| v.epoch) + 1;
		// The name resolves to its old server before the rotation.
		if resolves_to(&observer, name, net.peer(old), Duration::from_secs(30)).await.is_none() {
			panic!("{name} does not resolve to daemon {old} before rotation {t}");
		}
		net.assign(name, new, epoch);
		let rotated = Instant::now();
		net.chain.finalize();
		let seen = resolves_to(&observer, name, net.peer(new), ROTATION_TIMEOUT).await;
		match seen {
			Some(_) => owners[t] = new,
			None => failures.push(format!(
				"rotation {t}: {name} to daemon {new} not seen by daemon {measurer} in {} s",
				ROTATION_TIMEOUT.as_secs()
			)),
		}
		propagation.push(seen.map(|_| rotated.elapsed()));
		tokio::time::sleep(Duration::from_millis(200)).await;
	}

	// A fifth of the network stops answering, then is gone. The lost daemons are neither
	// name servers nor observers, and never do the lookups; they hold records like any other.
	let mut candidates: Vec<usize> = (NAMES + 1..DAEMONS - OBSERVERS).collect();
	rng.shuffle(&mut candidates);
	let lost: Vec<usize> = candidates.into_iter().take(LOST).collect();
	let mut live = vec![true; DAEMONS];
	for &d in &lost {
		live[d] = false;
		net.daemons[d].dht.freeze().await;
	}
	let mut frozen_failures = Vec::new();
	let frozen_alone = lookups(&net, &live, &mut rng, 1, idle, &mut frozen_failures).await;
	let frozen_loaded = lookups(&net, &live, &mut rng, IN_FLIGHT, idle, &mut frozen_failures).await;
	for &d in &lost {
		net.daemons[d].stop();
	}
	let mut killed_failures = Vec::new();
	let killed_alone = lookups(&net, &live, &mut rng, 1, idle, &mut killed_failures).await;
	let killed_loaded = lookups(&net, &live, &mut rng, IN_FLIGHT, idle, &mut killed_failures).await;

	println!();
	alone.report("one at a time", P99_TARGET_MS);
	loaded.report(&format!("{IN_FLIGHT} at a time (the cores saturate)"), P99_TARGET_MS);
	report_propagation(&propagation);
	println!();
	println!("with {LOST} of the {DAEMONS} daemons frozen (connections open, nothing answered):");
	frozen_alone.report("one at a time", P99_DEGRADED_TARGET_MS);
	frozen_loaded.report(&format!("{IN_FLIGHT} at a time"), P99_DEGRADED_TARGET_MS);
	println!();
	println!("with those {LOST} daemons killed (connections closed):");
	killed_alone.report("one at a time", P99_DEGRADED_TARGET_MS);
	killed_loaded.report(&format!("{IN_FLIGHT} at a time"), P99_DEGRADED_TARGET_MS);
	println!();
	println!("| network | lookups | made | p50 ms | p99 ms | success % |");
	println!("|---|---|---|---|---|---|");
	for (what, how, l) in [
		("alive", "1 at a time", &alone),
		("alive", "8 at a time", &loaded),
		("20 % frozen", "1 at a time", &frozen_alone),
		("20 % frozen", "8 at a time", &frozen_loaded),
		("20 % killed", "1 at a time", &killed_alone),
		("20 % killed", "8 at a time", &killed_loaded),
	] {
		let (p50, p99, success) = l.figures();
		let made = l.latencies.len();
		println!("| {what} | {how} | {made} | {p50:.1} | {p99:.1} | {success:.2} |");
	}
	failures.extend(frozen_failures.into_iter().map(|f| format!("frozen: {f}")));
	failures.extend(killed_failures.into_iter().map(|f| format!("killed: {f}")));
	let stored: u64 = net.daemons.iter().map(|d| d.metrics.stored.get()).sum();
	let unpublished: u64 = net.daemons.iter().map(|d| d.metrics.publish_failures.get()).sum();
	println!();
	println!("records stored from peers {stored}, publications no peer took {unpublished}");
	if !failures.is_empty() {
		println!("failures ({}):", failures.len());
		for f in failures.iter().take(20) {
			println!("  {f}");
		}
		if failures.len() > 20 {
			println!("  ... and {} more", failures.len() - 20);
		}
	}
	for (i, d) in net.daemons.iter().enumerate() {
		if live[i] {
			d.stop();
		}
	}
	println!("total run time {:.1} s", started.elapsed().as_secs_f64());
}

/// Starts the daemons, spread over one bootstrap period: 0 first, then the others
/// bootstrapping from its listen address.
async fn start(rotations: &[String]) -> Net {
	let chain = MemChain::new();
	let mut daemons: Vec<Arc<Daemon>> = Vec::new();
	let mut keys = Vec::new();
	let mut boot: Option<Multiaddr> = None;
	for i in 0..DAEMONS {
		let key = Keypair::generate_ed25519();
		keys.push(key.clone());
		// A daemon publishes only the names whose node key on chain is its own.
		let mut serve: Vec<String> = rotations.to_vec();
		if (1..=NAMES).contains(&i) {
			serve.push(lookup_name(i - 1));
		}
		let negative_cache = if i >= DAEMONS - OBSERVERS {
			Duration::ZERO
		} else {
			Settings::default().negative_cache
		};
		let daemon = Daemon::start(
			key,
			chain.clone(),
			DhtConfig {
				listen: vec!["/ip4/127.0.0.1/tcp/0".parse().expect("a multiaddr")],
				bootnodes: boot.iter().cloned().collect(),
				memory: false,
				query_timeout: QUERY_TIMEOUT,
				allow_private: true,
				..Default::default()
			},
			Settings { serve, negative_cache, ..Default::default() },
		)
		.expect("the daemon starts");
		if boot.is_none() {
			let listen = eventually("daemon 0 listens", || {
				let d = daemon.clone();
				async move { d.dht.info().await.listen.first().cloned() }
			})
			.await;
			boot = Some(listen.with(Protocol::P2p(daemon.dht.peer_id())));
		}
		daemons.push(daemon);
		tokio::time::sleep(BOOTSTRAP_INTERVAL / DAEMONS as u32).await;
	}
	// Records announce the addresses a daemon listens on.
	for (i, d) in daemons.iter().enumerate() {
		eventually(&format!("daemon {i} listens"), || {
			let d = d.clone();
			async move { (!d.dht.info().await.listen.is_empty()).then_some(()) }
		})
		.await;
	}
	Net { chain, daemons, keys }
}

/// Waits (up to 60 s) until every routing table holds [`MIN_ROUTING_TABLE`] peers; returns
/// the min, median and max routing table, and the median number of connected peers.
async fn routing_tables(net: &Net) -> (usize, usize, usize, usize) {
	let deadline = Instant::now() + Duration::from_secs(60);
	loop {
		let mut tables = Vec::new();
		let mut peers = Vec::new();
		for d in &net.daemons {
			let info = d.dht.info().await;
			tables.push(info.routing_table);
			peers.push(info.connected_peers);
		}
		tables.sort_unstable();
		peers.sort_unstable();
		let done = tables[0] >= MIN_ROUTING_TABLE;
		if done || Instant::now() >= deadline {
			if !done {
				println!(
					"  warning: some routing tables hold fewer than {MIN_ROUTING_TABLE} peers \
					 after 60 s"
				);
			}
			let n = tables.len();
			return (tables[0], tables[n / 2], tables[n - 1], peers[n / 2]);
		}
		tokio::time::sleep(Duration::from_millis(250)).await;
	}
}

/// One pass of lookups: [`ROUNDS`] blocks, each name resolved by [`RESOLVERS`] random
/// daemons per block, `in_flight` lookups at a time.
async fn lookups(
	net: &Net,
	live: &[bool],
	rng: &mut Rng,
	in_flight: usize,
	idle: Option<f64>,
	failures: &mut Vec<String>,
) -> Lookups {
	let mut latencies = Vec::new();
	let mut failed = 0;
	let cpu = Cpu::start();
	let started = Instant::now();
	let deadline = started + PASS_BUDGET;
	let mut cut = false;
	for round in 0..ROUNDS {
		if Instant::now() >= deadline {
			cut = true;
			break;
		}
		let head = net.chain.finalize();
		// Let every daemon take the block in (its publishing checks) first.
		tokio::time::sleep(Duration::from_millis(200)).await;
		let mut pairs = Vec::new();
		for i in 0..NAMES {
			let server = lookup_server(i);
			let mut resolvers: Vec<usize> =
				(0..DAEMONS).filter(|&d| d != server && live[d]).collect();
			rng.shuffle(&mut resolvers);
			pairs.extend(resolvers.into_iter().take(RESOLVERS).map(|d| (i, d)));
		}
		rng.shuffle(&mut pairs);
		let planned = pairs.len();
		let mut started_here = 0;
		let lookups = pairs.into_iter().take_while(|_| Instant::now() < deadline).map(|(i, d)| {
			started_here += 1;
			let daemon = net.daemons[d].clone();
			let expected = net.peer(lookup_server(i));
			async move {
				let name = lookup_name(i);
				let started = Instant::now();
				let answer = daemon.resolve(&name).await;
				let took = started.elapsed();
				(
					took,
					judge(answer, head, expected)
						.map_err(|e| format!("{name} from daemon {d}: {e}")),
				)
			}
		});
		let outcomes = at_most(in_flight, lookups).await;
		cut |= started_here < planned;
		for (took, outcome) in outcomes {
			latencies.push(took);
			if let Err(e) = outcome {
				failed += 1;
				failures.push(format!(
					"{in_flight} at a time, round {round}: {e} ({:.0} ms)",
					ms(took)
				));
			}
		}
	}
	let elapsed = started.elapsed();
	// The pauses after each block are not lookup time.
	let wall = elapsed.saturating_sub(Duration::from_millis(200) * ROUNDS as u32);
	// CPU beyond what the network uses when idle.
	let others = cpu.others();
	let cpu = cpu.seconds().zip(idle).map(|(cpu, idle)| cpu - idle * elapsed.as_secs_f64());
	Lookups { latencies, failed, wall, cpu, others, cut }
}

/// Whether an answer names `expected` at `head`.
fn judge(
	answer: Result<Arc<ddns_resolver::Resolution>, ddns_resolver::chain::ChainError>,
	head: Head,
	expected: PeerId,
) -> Result<(), String> {
	let answer = answer.map_err(|e| e.to_string())?;
	if answer.head != head {
		return Err(format!("answered at block {}", answer.head.number));
	}
	let endpoint = answer.endpoint.as_ref().ok_or("not found")?;
	match PeerId::from_bytes(&endpoint.peer_id) {
		Ok(peer) if peer == expected => Ok(()),
		Ok(peer) => Err(format!("wrong peer {peer}")),
		Err(_) => Err("bad PeerId".into()),
	}
}

struct Lookups {
	latencies: Vec<Duration>,
	failed: usize,
	/// Time spent looking up.
	wall: Duration,
	/// CPU seconds the process used meanwhile beyond its idle load, if known.
	cpu: Option<f64>,
	/// Cores other processes kept busy meanwhile, if known.
	others: Option<f64>,
	/// Whether the pass ran out of [`PASS_BUDGET`] before its last lookup.
	cut: bool,
}

impl Lookups {
	/// p50 and p99 in ms, and the success rate in %.
	fn figures(&self) -> (f64, f64, f64) {
		let mut sorted: Vec<f64> = self.latencies.iter().map(|&d| ms(d)).collect();
		sorted.sort_by(f64::total_cmp);
		let n = sorted.len();
		let success = 100.0 * (n - self.failed) as f64 / n.max(1) as f64;
		(percentile(&sorted, 0.50), percentile(&sorted, 0.99), success)
	}

	fn report(&self, how: &str, p99_target: f64) {
		let mut sorted: Vec<f64> = self.latencies.iter().map(|&d| ms(d)).collect();
		sorted.sort_by(f64::total_cmp);
		let n = sorted.len();
		let ok = n - self.failed;
		let success = 100.0 * ok as f64 / n.max(1) as f64;
		let (p50, p90, p99) =
			(percentile(&sorted, 0.50), percentile(&sorted, 0.90), percentile(&sorted, 0.99));
		let max = sorted.last().copied().unwrap_or(f64::NAN);
		let rate = n as f64 / self.wall.as_secs_f64();
		let cpu = self
			.cpu
			.map(|s| format!(", {:.1} ms of CPU each (all daemons)", s * 1e3 / n.max(1) as f64))
			.unwrap_or_default();
		let plan = if self.cut {
			format!("stopped after {} s of {ROUNDS} blocks", PASS_BUDGET.as_secs())
		} else {
			format!("{ROUNDS} blocks")
		};
		println!(
			"lookups, {how}: {n} ({plan} x {NAMES} names x {RESOLVERS} daemons), \
			 {rate:.0} lookups/s{cpu}"
		);
		println!(
			"  p50      {p50:>8.1} ms       target <= {P50_TARGET_MS} ms    {}",
			verdict(p50 <= P50_TARGET_MS)
		);
		println!(
			"  p99      {p99:>8.1} ms       target <= {p99_target} ms   {}",
			verdict(p99 <= p99_target)
		);
		println!(
			"  success  {success:>8.2} %        target >= {SUCCESS_TARGET} %   {}  ({ok}/{n})",
			verdict(success >= SUCCESS_TARGET)
		);
		let others = self
			.others
			.map(|o| format!(", other processes kept {o:.2} cores busy"))
			.unwrap_or_default();
		println!("  (p90 {p90:.1} ms, max {max:.1} ms{others})");
	}
}

fn report_propagation(propagation: &[Option<Duration>]) {
	let mut sorted: Vec<f64> = propagation.iter().flatten().map(|&d| ms(d)).collect();
	sorted.sort_by(f64::total_cmp);
	let seen = sorted.len();
	let p50 = percentile(&sorted, 0.50);
	// A rotation never seen took forever.
	let max = if seen < propagation.len() {
		f64::INFINITY
	} else {
		sorted.last().copied().unwrap_or(0.0)
	};
	let blocks = |ms: f64| ms / BLOCK.as_secs_f64() / 1e3;
	let target = format!("target <= {PROPAGATION_TARGET_BLOCKS} block ({} ms)", BLOCK.as_millis());
	println!(
		"propagation of a node-key rotation: {} trials, {seen} seen (polled every {} ms)",
		propagation.len(),
		POLL.as_millis()
	);
	for (what, v) in [("p50", p50), ("max", max)] {
		println!(
			"  {what}      {v:>8.1} ms = {:.4} blocks    {target}   {}",
			blocks(v),
			verdict(blocks(v) <= PROPAGATION_TARGET_BLOCKS)
		);
	}
	let each: Vec<String> = propagation
		.iter()
		.map(|d| d.map_or("never".to_owned(), |d| format!("{:.0}", ms(d))))
		.collect();
	println!("  (each, ms: {})", each.join(" "));
}

/// Polls `d.resolve(name)` every [`POLL`] until it gives `peer`; returns how long that took,
/// or `None` after `timeout`. A daemon that caches "not found" answers from its cache
/// meanwhile.
async fn resolves_to(d: &Daemon, name: &str, peer: PeerId, timeout: Duration) -> Option<Duration> {
	let started = Instant::now();
	let peer = peer.to_bytes();
	loop {
		if let Ok(r) = d.resolve(name).await {
			if r.endpoint.as_ref().is_some_and(|e| e.peer_id == peer) {
				return Some(started.elapsed());
			}
		}
		if started.elapsed() >= timeout {
			return None;
		}
		tokio::time::sleep(POLL).await;
	}
}

/// Polls `f` every 50 ms until it returns `Some`; panics after 30 s.
async fn eventually<T, F, Fut>(what: &str, mut f: F) -> T
where
	F: FnMut() -> Fut,
	Fut: Future<Output = Option<T>>,
{
	let deadline = Instant::now() + Duration::from_secs(30);
	loop {
		if let Some(v) = f().await {
			return v;
		}
		assert!(Instant::now() < deadline, "timed out waiting until {what}");
		tokio::time::sleep(Duration::from_millis(50)).await;
	}
}

/// Runs the futures as tasks, at most `n` at a time; returns their outputs in order.
async fn at_most<F>(n: usize, futures: impl Iterator<Item = F>) -> Vec<F::Output>
where
	F: Future + Send + 'static,
	F::Output: Send + 'static,
{
	let slots = Arc::new(tokio::sync::Semaphore::new(n));
	let mut tasks = Vec::new();
	for future in futures {
		let slot = slots.clone().acquire_owned().await.expect("the semaphore stays open");
		tasks.push(tokio::spawn(async move {
			let output = future.await;
			drop(slot);
			output
		}));
	}
	let mut outputs = Vec::with_capacity(tasks.len());
	for task in tasks {
		outputs.push(task.await.expect("a lookup does not panic"));
	}
	outputs
}

fn verdict(met: bool) -> &'static str {
	if met {
		"ok"
	} else {
		"MISSED"
	}
}

fn ms(d: Duration) -> f64 {
	d.as_secs_f64() * 1e3
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[f64], p: f64) -> f64 {
	if sorted.is_empty() {
		return f64::NAN;
	}
	let rank = (p * sorted.len() as f64).ceil() as usize;
	sorted[rank.clamp(1, sorted.len()) - 1]
}

/// The soft limit on open files (Linux).
fn open_file_limit() -> Option<u64> {
	let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
	let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
	line.split_whitespace().nth(3)?.parse().ok()
}

/// File descriptors this process holds (Linux).
fn open_files() -> Option<usize> {
	Some(std::fs::read_dir("/proc/self/fd").ok()?.count())
}

/// CPU time used over a span, by this process and by the whole machine (Linux).
struct Cpu {
	wall: Instant,
	ours: Option<f64>,
	machine: Option<f64>,
}

/// Clock ticks per second in /proc (`CLK_TCK`, 100 on Linux).
const TICKS: f64 = 100.0;

impl Cpu {
	fn start() -> Self {
		Self { wall: Instant::now(), ours: Self::ours(), machine: Self::machine() }
	}

	/// This process's user and system seconds so far, from /proc/self/stat.
	fn ours() -> Option<f64> {
		let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
		// Fields after the command name, which is in parentheses and may hold spaces.
		let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
		let ticks = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
		Some(ticks as f64 / TICKS)
	}

	/// Busy seconds of every core together so far, from /proc/stat.
	fn machine() -> Option<f64> {
		let stat = std::fs::read_to_string("/proc/stat").ok()?;
		let line = stat.lines().next()?.strip_prefix("cpu ")?;
		let ticks: Vec<u64> =
			line.split_whitespace().map(|t| t.parse().ok()).collect::<Option<_>>()?;
		// user nice system idle iowait irq softirq steal: all but idle and iowait are busy.
		let busy = ticks.iter().take(8).enumerate().filter(|(i, _)| *i != 3 && *i != 4);
		Some(busy.map(|(_, t)| t).sum::<u64>() as f64 / TICKS)
	}

	/// CPU seconds this process used since the start.
	fn seconds(&self) -> Option<f64> {
		Some(Self::ours()? - self.ours?)
	}

	/// Cores this process kept busy on average since the start.
	fn cores(&self) -> Option<f64> {
		Some(self.seconds()? / self.wall.elapsed().as_secs_f64())
	}

	/// Cores other processes kept busy on average since the start.
	fn others(&self) -> Option<f64> {
		let machine = Self::machine()? - self.machine?;
		Some(((machine - self.seconds()?) / self.wall.elapsed().as_secs_f64()).max(0.0))
	}
}

/// SplitMix64: a small deterministic generator, so that runs pick the same daemons.
struct Rng(u64);

impl Rng {
	fn next(&mut self) -> u64 {
		self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
		let mut z = self.0;
		z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
		z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
		z ^ (z >> 31)
	}

	fn below(&mut self, n: usize) -> usize {
		(self.next() % n as u64) as usize
	}

	fn shuffle<T>(&mut self, items: &mut [T]) {
		for i in (1..items.len()).rev() {
			items.swap(i, self.below(i + 1));
		}
	}
}
