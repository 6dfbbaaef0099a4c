//! Swarms of real daemons (real Kademlia, noise, yamux) over libp2p's in-process memory
//! transport, following a chain held in memory.

mod common;

use common::eventually;
use ddns_primitives::endpoint::{dht_key, Endpoint};
use ddns_resolver::{
	testing::{sign, view_for},
	Daemon, DhtConfig, MemChain, Settings,
};
use libp2p::{identity::Keypair, multiaddr::Protocol, Multiaddr, PeerId};
use std::{sync::Arc, time::Duration};

const NAME: &str = "alpha.ddns";

struct Net {
	chain: Arc<MemChain>,
	daemons: Vec<Arc<Daemon>>,
	keys: Vec<Keypair>,
}

/// How the daemons of a test network reach each other.
#[derive(Clone, Copy)]
enum Wire {
	/// libp2p's in-process memory transport; records announce made-up TCP addresses.
	Memory,
	/// QUIC on loopback; records announce the addresses the daemons listen on.
	Quic,
}

/// `n` daemons over the memory transport (see [`network_on`]).
async fn network(n: usize) -> Net {
	network_on(n, Wire::Memory).await
}

/// `n` daemons, all serving `NAME` (only the one whose key is on chain publishes), all
/// bootstrapping from the first.
async fn network_on(n: usize, wire: Wire) -> Net {
	let chain = MemChain::new();
	let mut daemons: Vec<Arc<Daemon>> = Vec::new();
	let mut keys = Vec::new();
	let mut boot: Option<Multiaddr> = None;
	for i in 0..n {
		let key = Keypair::generate_ed25519();
		keys.push(key.clone());
		let (listen, announce) = match wire {
			Wire::Memory => {
				("/memory/0", vec![format!("/ip4/127.0.0.1/tcp/{}", 4000 + i).parse().unwrap()])
			},
			Wire::Quic => ("/ip4/127.0.0.1/udp/0/quic-v1", vec![]),
		};
		let daemon = Daemon::start(
			key,
			chain.clone(),
			DhtConfig {
				listen: vec![listen.parse().unwrap()],
				bootnodes: boot.iter().cloned().collect(),
				memory: matches!(wire, Wire::Memory),
				query_timeout: Duration::from_secs(5),
				announce,
				allow_private: true,
				..Default::default()
			},
			Settings { serve: vec![NAME.into()], ..Default::default() },
		)
		.unwrap();
		let listen = eventually("the daemon listens", || {
			let d = daemon.clone();
			async move { d.dht.info().await.listen.first().cloned() }
		})
		.await;
		boot.get_or_insert(listen.with(Protocol::P2p(daemon.dht.peer_id())));
		daemons.push(daemon);
		// Over QUIC, the next daemon learns the others from the first one's routing table: wait
		// until this one is in it, or the next may bootstrap before it and never meet it (a
		// race that made the 3-daemon network fail now and then; the 20-daemon memory network
		// has enough peers that each table fills anyway).
		if i > 0 && matches!(wire, Wire::Quic) {
			let first = daemons[0].clone();
			eventually("the first daemon knows every daemon started so far", || {
				let first = first.clone();
				async move { (first.dht.info().await.routing_table >= i).then_some(()) }
			})
			.await;
		}
	}
	// Everyone has a routing table before the tests start.
	let peers = 3.min(n - 1);
	for d in &daemons {
		eventually("routing tables fill", || {
			let d = d.clone();
			async move { (d.dht.info().await.routing_table >= peers).then_some(()) }
		})
		.await;
	}
	Net { chain, daemons, keys }
}

/// The PeerId of the endpoint `d` resolves for `NAME`, if any.
async fn endpoint_of(d: &Daemon) -> Option<PeerId> {
	let r = d.resolve(NAME).await.unwrap();
	r.endpoint.as_ref().map(|e| PeerId::from_bytes(&e.peer_id).unwrap())
}

/// Waits until every daemon in `ds` resolves `NAME` to `peer`.
async fn all_resolve(ds: &[Arc<Daemon>], peer: PeerId) {
	for (i, d) in ds.iter().enumerate() {
		eventually(&format!("daemon {i} resolves to {peer}"), || async {
			(endpoint_of(d).await == Some(peer)).then_some(())
		})
		.await;
	}
}

fn publish_view(net: &Net, publisher: usize, epoch: u64) {
	net.chain.set(NAME, Some(view_for(NAME, &net.keys[publisher], epoch, 100_000)));
	net.chain.finalize();
}

fn stored_seq(value: &[u8]) -> (u64, u64) {
	let (e, _) = Endpoint::from_wire(value).unwrap();
	(e.epoch, e.seq)
}

fn rejected(ds: &[Arc<Daemon>], reason: &str) -> u64 {
	let needle = format!("ddns_resolver_records_rejected_total{{reason=\"{reason}\"}} ");
	ds.iter()
		.filter_map(|d| {
			let text = d.metrics.render();
			let line = text.lines().find(|l| l.starts_with(&needle))?;
			line[needle.len()..].trim().parse::<u64>().ok()
		})
		.sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_resolve_everywhere_and_survive_half_the_network() {
	let net = network(20).await;
	let publisher = 3;
	publish_view(&net, publisher, 1);
	let peer = net.daemons[publisher].dht.peer_id();
	all_resolve(&net.daemons, peer).await;

	// The answer carries what the publisher announced.
	let r = net.daemons[12].resolve(NAME).await.unwrap();
	let e = r.endpoint.as_ref().unwrap();
	let addr = Multiaddr::try_from(e.addrs[0].clone()).unwrap();
	assert_eq!(addr.to_string(), "/ip4/127.0.0.1/tcp/4003");

	// Kill half, the publisher and the bootstrap node among them.
	let (dead, alive): (Vec<_>, Vec<_>) =
		net.daemons.iter().cloned().enumerate().partition(|(i, _)| i % 2 == 1 || *i == 0);
	assert_eq!(dead.len(), 11);
	for (_, d) in &dead {
		d.stop();
	}
	let alive: Vec<_> = alive.into_iter().map(|(_, d)| d).collect();
	// A new finalized block empties every answer cache, so these are fresh DHT lookups.
	net.chain.finalize();
	all_resolve(&alive, peer).await;
	for d in &net.daemons {
		d.stop();
	}
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_replayed_and_stale_records_are_rejected_everywhere() {
	let net = network(20).await;
	let (publisher, attacker, successor) = (2, 19, 7);
	let key = dht_key(NAME.as_bytes());
	publish_view(&net, publisher, 1);
	let peer = net.daemons[publisher].dht.peer_id();
	all_resolve(&net.daemons, peer).await;
	let first = net.daemons[publisher].dht.local(key.clone()).await.unwrap();

	// A renewal (new expiry) makes the publisher sign again with a higher sequence number.
	net.chain.set(NAME, Some(view_for(NAME, &net.keys[publisher], 1, 100_001)));
	net.chain.finalize();
	let second = eventually("the publisher re-signs", || async {
		let v = net.daemons[publisher].dht.local(key.clone()).await?;
		(v != first).then_some(v)
	})
	.await;
	assert!(stored_seq(&second) > stored_seq(&first));
	// How many daemons other than the attacker hold `value`.
	let holders = |value: Vec<u8>| {
		let ds = net.daemons.clone();
		let key = key.clone();
		async move {
			let mut n = 0;
			for (_, d) in ds.iter().enumerate().filter(|(i, _)| *i != attacker) {
				if d.dht.local(key.clone()).await == Some(value.clone()) {
					n += 1;
				}
			}
			n
		}
	};
	eventually("the new record replaces the old at its holders", || async {
		let mut stale = 0;
		for d in &net.daemons {
			if d.dht.local(key.clone()).await == Some(first.clone()) {
				stale += 1;
			}
		}
		(stale == 0).then_some(())
	})
	.await;
	let legit_holders = holders(second.clone()).await;
	assert!(legit_holders >= 2, "only {legit_holders} daemons hold the record");

	// Forged: right name and epoch, signed by the attacker's key.
	let forged = sign(&net.keys[attacker], NAME, 1, u64::MAX - 1, 99_000);
	let _ = net.daemons[attacker].dht.put(key.clone(), forged.clone()).await;
	// Replayed: the publisher's own older record.
	let _ = net.daemons[attacker].dht.put(key.clone(), first.clone()).await;
	eventually("forgeries and replays are counted as rejected", || async {
		(rejected(&net.daemons, "bad_signature") >= 1 && rejected(&net.daemons, "replay") >= 1)
			.then_some(())
	})
	.await;
	for (i, d) in net.daemons.iter().enumerate() {
		if i == attacker {
			continue;
		}
		let stored = d.dht.local(key.clone()).await;
		assert_ne!(stored.as_ref(), Some(&forged), "daemon {i} stored the forgery");
		assert_ne!(stored.as_ref(), Some(&first), "daemon {i} went back to the replayed record");
	}
	assert_eq!(holders(second.clone()).await, legit_holders);
	// Every daemon still resolves the publisher, the attacker too (it validates what it finds).
	net.chain.finalize();
	all_resolve(&net.daemons, peer).await;

	// Node-key rotation on chain: the old record stops resolving at the very next finalized
	// block, everywhere, before any new record exists.
	net.chain.set(NAME, Some(view_for(NAME, &net.keys[successor], 2, 100_001)));
	net.daemons[successor].stop(); // so that no new record can hide the old one
	net.chain.finalize();
	for (i, d) in net.daemons.iter().enumerate() {
		if i == successor {
			continue;
		}
		assert_eq!(endpoint_of(d).await, None, "daemon {i} still resolves the rotated-out key");
	}
	// A stale-epoch record is refused when stored anew.
	let before = rejected(&net.daemons, "stale_epoch");
	let _ = net.daemons[attacker].dht.put(key.clone(), second.clone()).await;
	eventually("stale-epoch stores are rejected", || async {
		(rejected(&net.daemons, "stale_epoch") > before).then_some(())
	})
	.await;

	// Transfer: the chain clears the node key and moves the epoch; nothing resolves.
	let mut transferred = view_for(NAME, &net.keys[publisher], 3, 100_001);
	transferred.node_key = None;
	net.chain.set(NAME, Some(transferred));
	net.chain.finalize();
	for d in &net.daemons {
		assert_eq!(endpoint_of(d).await, None);
	}
	for d in &net.daemons {
		d.stop();
	}
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_node_key_publishes_and_resolves_within_a_block() {
	let net = network(20).await;
	publish_view(&net, 4, 1);
	all_resolve(&net.daemons, net.daemons[4].dht.peer_id()).await;
	// Rotate to daemon 9: it notices at the finalized block and publishes; others find it.
	publish_view(&net, 9, 2);
	all_resolve(&net.daemons, net.daemons[9].dht.peer_id()).await;
	let r = net.daemons[0].resolve(NAME).await.unwrap();
	assert_eq!(r.endpoint.as_ref().unwrap().epoch, 2);
	for d in &net.daemons {
		d.stop();
	}
}

/// The same DHT over real sockets: QUIC on loopback (the memory transport above skips it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quic_on_loopback_carries_publish_and_resolve() {
	let net = network_on(3, Wire::Quic).await;
	for d in &net.daemons {
		let listen = d.dht.info().await.listen;
		assert!(listen[0].iter().any(|p| matches!(p, Protocol::QuicV1)), "{}", listen[0]);
	}
	publish_view(&net, 1, 1);
	all_resolve(&net.daemons, net.daemons[1].dht.peer_id()).await;
	// The record announces the QUIC address it was published from.
	let r = net.daemons[2].resolve(NAME).await.unwrap();
	let addr = Multiaddr::try_from(r.endpoint.as_ref().unwrap().addrs[0].clone()).unwrap();
	assert!(addr.iter().any(|p| matches!(p, Protocol::QuicV1)), "{addr}");
	for d in &net.daemons {
		d.stop();
	}
}

/// A prober's challenge (`/ddns/probe/1.0.0`) gets an answer signed by the daemon's key, from
/// the finalized block it follows, with the hash of its view of the canary name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_daemon_answers_a_probers_challenge_with_its_signed_view() {
	use ddns_resolver::probe::{view_hash, Answer, Challenge};
	let net = network(2).await;
	let key = &net.keys[0];
	let canary = "canary.ddns";
	let view = view_for(canary, key, 1, 1_000);
	net.chain.set(canary, Some(view.clone()));
	let head = net.chain.finalize();
	let target = net.daemons[0].dht.info().await.listen[0].clone();
	let peer = net.daemons[0].dht.peer_id();
	let prober = &net.daemons[1];
	for (name, expected) in [(canary, Some(view)), ("not a name", None), ("free-name.ddns", None)] {
		// A daemon answers one challenge per peer a second.
		tokio::time::sleep(Duration::from_millis(1100)).await;
		let nonce = [7u8; 32];
		let challenge = Challenge { nonce, name: name.as_bytes().to_vec() };
		let answer = eventually("an answer", || {
			let (prober, target, challenge) = (prober.clone(), target.clone(), challenge.clone());
			async move { prober.dht.challenge(peer, target, challenge).await.ok() }
		})
		.await;
		assert_eq!(answer.nonce, nonce);
		assert_eq!((answer.number, answer.hash), (head.number, head.hash), "{name}");
		assert_eq!(answer.view, view_hash(&expected), "{name}");
		let payload =
			Answer::payload(&nonce, name.as_bytes(), answer.number, &answer.hash, &answer.view);
		assert!(key.public().verify(&payload, &answer.signature), "{name}: signed by the daemon");
		assert!(!net.keys[1].public().verify(&payload, &answer.signature));
	}
	assert!(net.daemons[0]
		.metrics
		.render()
		.contains("ddns_resolver_challenges_total{result=\"answered\"} 3"));
}
