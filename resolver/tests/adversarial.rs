//! Hostile peers against real daemons (real Kademlia, identify, noise, yamux): a peer that floods
//! the routing table with addresses, one that floods records, one that floods connections, and
//! records of another chain. Each test says what a daemon must keep doing meanwhile.

mod common;

use common::eventually;
use ddns_primitives::endpoint::dht_key;
use ddns_resolver::{
	dht::{kad_protocol, ConnectionCaps, MAX_ADDRS_PER_PEER},
	testing::{sign, sign_for, view_for, GENESIS},
	Daemon, DhtConfig, MemChain, Settings,
};
use futures::StreamExt;
use libp2p::{
	core::{transport::MemoryTransport, upgrade, Transport as _},
	identify,
	identity::Keypair,
	kad,
	multiaddr::Protocol,
	noise,
	swarm::NetworkBehaviour,
	yamux, Multiaddr, PeerId, Swarm,
};
use std::{sync::Arc, time::Duration};

const NAME: &str = "alpha.ddns";

struct Net {
	chain: Arc<MemChain>,
	daemons: Vec<Arc<Daemon>>,
	keys: Vec<Keypair>,
	boot: Multiaddr,
}

/// `n` daemons over the memory transport, all serving `NAME`, bootstrapping from the first.
async fn network(n: usize, genesis: [u8; 32]) -> Net {
	let chain = MemChain::new();
	let mut daemons: Vec<Arc<Daemon>> = Vec::new();
	let mut keys = Vec::new();
	let mut boot: Option<Multiaddr> = None;
	for i in 0..n {
		let key = Keypair::generate_ed25519();
		keys.push(key.clone());
		let daemon = Daemon::start(
			key,
			chain.clone(),
			config(genesis, boot.iter().cloned().collect(), 4000 + i),
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
	}
	Net { chain, daemons, keys, boot: boot.unwrap() }
}

fn config(genesis: [u8; 32], bootnodes: Vec<Multiaddr>, port: usize) -> DhtConfig {
	DhtConfig {
		listen: vec!["/memory/0".parse().unwrap()],
		bootnodes,
		memory: true,
		query_timeout: Duration::from_secs(5),
		announce: vec![format!("/ip4/127.0.0.1/tcp/{port}").parse().unwrap()],
		allow_private: true,
		genesis,
		..Default::default()
	}
}

async fn resolves_to(d: &Daemon, peer: PeerId) -> bool {
	let r = d.resolve(NAME).await.unwrap();
	r.endpoint.as_ref().map(|e| PeerId::from_bytes(&e.peer_id).unwrap()) == Some(peer)
}

fn metric(d: &Daemon, needle: &str) -> u64 {
	d.metrics
		.render()
		.lines()
		.find(|l| l.starts_with(needle))
		.and_then(|l| l[needle.len()..].trim().parse().ok())
		.unwrap_or(0)
}

#[derive(NetworkBehaviour)]
struct Attacker {
	kad: kad::Behaviour<kad::store::MemoryStore>,
	identify: identify::Behaviour,
}

/// A peer that speaks the daemons' protocols, with `key`, over the memory transport.
fn attacker(key: Keypair, genesis: [u8; 32]) -> Swarm<Attacker> {
	let noise = noise::Config::new(&key).unwrap();
	libp2p::SwarmBuilder::with_existing_identity(key)
		.with_tokio()
		.with_other_transport(|_| {
			MemoryTransport::default()
				.upgrade(upgrade::Version::V1)
				.authenticate(noise)
				.multiplex(yamux::Config::default())
				.boxed()
		})
		.unwrap()
		.with_behaviour(|key| {
			let id = key.public().to_peer_id();
			let mut config = kad::Config::new(kad_protocol(&genesis));
			config.set_max_packet_size(1 << 20);
			let mut kad = kad::Behaviour::with_config(id, kad::store::MemoryStore::new(id), config);
			kad.set_mode(Some(kad::Mode::Server));
			Attacker {
				kad,
				identify: identify::Behaviour::new(identify::Config::new(
					format!("/ddns/{}/id/1.0.0", ddns_resolver::chain::hex(&genesis)),
					key.public(),
				)),
			}
		})
		.unwrap()
		.with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(60)))
		.build()
}

/// A key whose PeerId shares its first `bits` bits (of the Kademlia key, SHA-256) with `key`'s.
fn ground_next_to(key: &[u8], bits: u32) -> Keypair {
	let target = kad::KBucketKey::new(key.to_vec());
	loop {
		let candidate = Keypair::generate_ed25519();
		let peer = kad::KBucketKey::from(candidate.public().to_peer_id());
		if peer.distance(&target).ilog2().is_none_or(|d| d < 256 - bits) {
			return candidate;
		}
	}
}

/// A peer ground next to the name's key keeps pushing identify with new addresses. Its entry
/// stays within the cap at every daemon, and the name resolves at every daemon.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_address_flooding_peer_next_to_the_key_does_not_stop_the_name() {
	let net = network(8, GENESIS).await;
	let key = ground_next_to(&dht_key(NAME.as_bytes()), 8);
	let bad = key.public().to_peer_id();
	let mut swarm = attacker(key, GENESIS);
	swarm.listen_on("/memory/0".parse().unwrap()).unwrap();
	for d in &net.daemons {
		let info = d.dht.info().await;
		swarm.dial(info.listen[0].clone().with(Protocol::P2p(d.dht.peer_id()))).unwrap();
	}
	let peers: Vec<PeerId> = net.daemons.iter().map(|d| d.dht.peer_id()).collect();
	// Fifty pushes of eight new addresses of 60 bytes each: without a cap, 400 addresses, some
	// 40 KB in every answer that names this peer, against a 16 KiB message limit.
	let flood = tokio::spawn(async move {
		let mut pushes = 0;
		let mut tick = tokio::time::interval(Duration::from_millis(20));
		loop {
			tokio::select! {
				_ = swarm.select_next_some() => {},
				_ = tick.tick(), if pushes < 50 => {
					for i in 0..8 {
						let host = format!("{:0>40}.example", pushes * 8 + i);
						let addr: Multiaddr = format!("/dns/{host}/tcp/4001").parse().unwrap();
						assert!(addr.len() <= ddns_resolver::dht::MAX_ADDR_BYTES);
						swarm.add_external_address(addr);
					}
					swarm.behaviour_mut().identify.push(peers.clone());
					pushes += 1;
				},
			}
		}
	});
	tokio::time::sleep(Duration::from_secs(3)).await;

	let publisher = 3;
	net.chain.set(NAME, Some(view_for(NAME, &net.keys[publisher], 1, 100_000)));
	net.chain.finalize();
	let peer = net.daemons[publisher].dht.peer_id();
	for (i, d) in net.daemons.iter().enumerate() {
		eventually(&format!("daemon {i} resolves the name"), || async {
			resolves_to(d, peer).await.then_some(())
		})
		.await;
		let held = d.dht.routed(bad).await;
		assert!(held.len() <= MAX_ADDRS_PER_PEER, "daemon {i} holds {} addresses", held.len());
	}
	// Some daemon did take the attacker in (else the test shows nothing).
	let mut routed = 0;
	for d in &net.daemons {
		routed += usize::from(!d.dht.routed(bad).await.is_empty());
	}
	assert!(routed > 0, "no daemon routes the attacker");
	flood.abort();
	for d in &net.daemons {
		d.stop();
	}
}

/// One peer sends thousands of records (for names nobody holds: not a ban, just work) while an
/// honest daemon publishes. The target still stores and serves the honest record; the flood
/// only fills the flooder's own queue.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_put_flood_from_one_peer_leaves_room_for_honest_records() {
	let net = network(4, GENESIS).await;
	let target = net.daemons[0].clone();
	let mut swarm = attacker(Keypair::generate_ed25519(), GENESIS);
	swarm.dial(net.boot.clone()).unwrap();
	let forger = Keypair::generate_ed25519();
	let junk: Vec<kad::Record> = (0..3000)
		.map(|i| {
			let name = format!("flood{i}.ddns");
			kad::Record::new(dht_key(name.as_bytes()), sign(&forger, &name, 1, 1, 90_000))
		})
		.collect();
	let target_id = target.dht.peer_id();
	let flood = tokio::spawn(async move {
		let mut junk = junk.into_iter();
		let mut tick = tokio::time::interval(Duration::from_millis(5));
		loop {
			tokio::select! {
				_ = swarm.select_next_some() => {},
				_ = tick.tick() => {
					for record in junk.by_ref().take(50) {
						swarm.behaviour_mut().kad.put_record_to(
							record,
							std::iter::once(target_id),
							kad::Quorum::One,
						);
					}
				},
			}
		}
	});
	tokio::time::sleep(Duration::from_millis(300)).await;
	let publisher = 2;
	net.chain.set(NAME, Some(view_for(NAME, &net.keys[publisher], 1, 100_000)));
	net.chain.finalize();
	let peer = net.daemons[publisher].dht.peer_id();
	let key = dht_key(NAME.as_bytes());
	eventually("the target stores the honest record during the flood", || async {
		target.dht.local(key.clone()).await.map(|_| ())
	})
	.await;
	eventually("the target resolves the name", || async {
		resolves_to(&target, peer).await.then_some(())
	})
	.await;
	eventually("the flood reached the target", || async {
		(metric(&target, "ddns_resolver_records_rejected_total{reason=\"not_active\"} ") > 100)
			.then_some(())
	})
	.await;
	// Nothing of the flood was stored, and it was not a ban offence.
	assert_eq!(target.dht.keys().await, vec![key]);
	assert_eq!(metric(&target, "ddns_resolver_peers_banned_total "), 0);
	flood.abort();
	for d in &net.daemons {
		d.stop();
	}
}

/// Records signed with the name's own key for another chain (a testnet where the operator
/// reused the key) are refused, count against their sender, and get it banned; and a daemon of
/// the other chain never enters this chain's DHT.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_and_daemons_of_another_chain_are_kept_out() {
	let net = network(3, GENESIS).await;
	let target = net.daemons[0].clone();
	let publisher = 1;
	net.chain.set(NAME, Some(view_for(NAME, &net.keys[publisher], 1, 100_000)));
	net.chain.finalize();
	let peer = net.daemons[publisher].dht.peer_id();
	eventually("the target resolves the name", || async {
		resolves_to(&target, peer).await.then_some(())
	})
	.await;
	let honest = eventually("the target holds the record", || async {
		target.dht.local(dht_key(NAME.as_bytes())).await
	})
	.await;

	// The same key, epoch and name, a higher sequence number, signed for another genesis.
	let testnet = [9u8; 32];
	let replayed = sign_for(&testnet, &net.keys[publisher], NAME, 1, u64::MAX - 1, 90_000);
	let key = Keypair::generate_ed25519();
	let replayer = key.public().to_peer_id();
	let mut swarm = attacker(key, GENESIS);
	swarm.dial(net.boot.clone()).unwrap();
	let target_id = target.dht.peer_id();
	let sender = tokio::spawn(async move {
		let mut sent = 0;
		let mut tick = tokio::time::interval(Duration::from_millis(100));
		loop {
			tokio::select! {
				_ = swarm.select_next_some() => {},
				_ = tick.tick(), if sent < 20 => {
					swarm.behaviour_mut().kad.put_record_to(
						kad::Record::new(dht_key(NAME.as_bytes()), replayed.clone()),
						std::iter::once(target_id),
						kad::Quorum::One,
					);
					sent += 1;
				},
			}
		}
	});
	eventually("the replayer is banned", || async {
		(metric(&target, "ddns_resolver_peers_banned_total ") >= 1).then_some(())
	})
	.await;
	assert!(
		metric(&target, "ddns_resolver_records_rejected_total{reason=\"bad_signature\"} ") >= 8
	);
	assert_eq!(target.dht.local(dht_key(NAME.as_bytes())).await, Some(honest));
	assert!(resolves_to(&target, peer).await);
	// Banned: out of the routing table, and not let back in.
	tokio::time::sleep(Duration::from_millis(500)).await;
	assert!(target.dht.routed(replayer).await.is_empty());
	sender.abort();

	// A daemon of the other chain, bootstrapping from this one, finds nobody to talk to.
	let stranger = Daemon::start(
		Keypair::generate_ed25519(),
		MemChain::new(),
		config(testnet, vec![net.boot.clone()], 4999),
		Settings::default(),
	)
	.unwrap();
	tokio::time::sleep(Duration::from_secs(3)).await;
	// Only the bootnode it was given, which never answers it.
	assert!(stranger.dht.info().await.routing_table <= 1);
	assert!(target.dht.routed(stranger.dht.peer_id()).await.is_empty());
	stranger.stop();
	for d in &net.daemons {
		d.stop();
	}
}

/// Connections of the flood (the test process's descriptors are limited).
const FLOOD: usize = 600;

/// Hundreds of TCP connections that never finish their handshake, all from one address,
/// while the faces are asked: DNS and HTTP keep answering, the process stays under its memory
/// cap, and a daemon at another address still connects.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_flood_leaves_the_faces_answering() {
	let chain = MemChain::new();
	let caps = ConnectionCaps { per_ip: 8, per_ip_loopback_exempt: false, ..Default::default() };
	let target = Daemon::start(
		Keypair::generate_ed25519(),
		chain.clone(),
		DhtConfig {
			listen: vec!["/ip4/127.0.0.1/tcp/0".parse().unwrap()],
			allow_private: true,
			limits: caps,
			..Default::default()
		},
		Settings::default(),
	)
	.unwrap();
	let listen = eventually("the target listens", || {
		let d = target.clone();
		async move { d.dht.info().await.listen.first().cloned() }
	})
	.await;
	let Some(Protocol::Tcp(port)) = listen.iter().nth(1) else { panic!("{listen}") };
	let http =
		ddns_resolver::http::serve(target.clone(), "127.0.0.1:0".parse().unwrap()).await.unwrap();
	let dns = ddns_resolver::dns::serve(
		target.clone(),
		ddns_resolver::dns::DnsConfig {
			listen: "127.0.0.1:0".parse().unwrap(),
			..Default::default()
		},
	)
	.await
	.unwrap();
	let rss = || {
		let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
		statm.split(' ').nth(1).unwrap().parse::<u64>().unwrap() * 4096
	};
	let before = rss();

	// From 127.0.0.3; the daemon that connects later comes from 127.0.0.1 or .2.
	let mut held = Vec::new();
	let mut refused = 0;
	for _ in 0..FLOOD {
		let socket = tokio::net::TcpSocket::new_v4().unwrap();
		socket.bind("127.0.0.3:0".parse().unwrap()).unwrap();
		match socket.connect(([127, 0, 0, 1], port).into()).await {
			Ok(s) => held.push(s),
			Err(_) => refused += 1,
		}
	}
	// The daemon closes what it refuses: count the connections still open after a moment.
	tokio::time::sleep(Duration::from_millis(500)).await;
	let mut open = 0;
	for s in &held {
		let mut buf = [0u8; 1];
		match tokio::time::timeout(Duration::from_millis(5), s.peek(&mut buf)).await {
			Err(_) => open += 1,
			Ok(Ok(n)) if n > 0 => open += 1,
			_ => {},
		}
	}
	assert!(open <= 8, "{open} connections from one address still open ({refused} refused)");
	let refused_metric = metric(&target, "ddns_resolver_connections_refused_per_ip_total ");
	assert!(refused_metric >= FLOOD as u64 - 16, "{refused_metric} refused by the per-IP cap");

	// The HTTP face answers during the flood.
	let started = std::time::Instant::now();
	let mut stream = tokio::net::TcpStream::connect(http).await.unwrap();
	use tokio::io::{AsyncReadExt, AsyncWriteExt};
	stream
		.write_all(b"GET /health HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
		.await
		.unwrap();
	let mut reply = Vec::new();
	stream.read_to_end(&mut reply).await.unwrap();
	assert!(reply.starts_with(b"HTTP/1.1 "), "{}", String::from_utf8_lossy(&reply));
	assert!(started.elapsed() < Duration::from_secs(2));
	// So does the DNS face.
	let started = std::time::Instant::now();
	let socket = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
	let mut query = hickory_proto::op::Message::new();
	query.set_id(7).add_query(hickory_proto::op::Query::query(
		hickory_proto::rr::Name::from_ascii("ddns.").unwrap(),
		hickory_proto::rr::RecordType::SOA,
	));
	socket.send_to(&query.to_vec().unwrap(), dns).await.unwrap();
	let mut buf = vec![0u8; 4096];
	let (len, _) = tokio::time::timeout(Duration::from_secs(2), socket.recv_from(&mut buf))
		.await
		.expect("the DNS face answers during the flood")
		.unwrap();
	let answer = hickory_proto::op::Message::from_vec(&buf[..len]).unwrap();
	assert_eq!((answer.id(), answer.answers().len()), (7, 1));
	assert!(started.elapsed() < Duration::from_secs(2));
	let grown = rss().saturating_sub(before);
	assert!(grown < 64 << 20, "the flood took {} MiB", grown >> 20);

	// A daemon at another address still gets in.
	let other = Daemon::start(
		Keypair::generate_ed25519(),
		chain.clone(),
		DhtConfig {
			listen: vec!["/ip4/127.0.0.2/tcp/0".parse().unwrap()],
			bootnodes: vec![listen.clone().with(Protocol::P2p(target.dht.peer_id()))],
			allow_private: true,
			..Default::default()
		},
		Settings::default(),
	)
	.unwrap();
	// Its listening port may be the ephemeral port of one of the flood's sockets on 127.0.0.3:
	// its dials then go out from a fresh port (`ddns_resolver::tcp`).
	eventually("a daemon at another address connects", || {
		let target = target.clone();
		async move { (target.dht.info().await.connected_peers >= 1).then_some(()) }
	})
	.await;
	drop(held);
	other.stop();
	target.stop();
}
