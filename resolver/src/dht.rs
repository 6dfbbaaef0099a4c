//! The libp2p side: one swarm (Kademlia, identify, ping over TCP and QUIC, or over the memory
//! transport in tests) driven by one task, which the rest of the daemon talks to by messages.
//!
//! Kademlia runs with [`kad::StoreInserts::FilterBoth`]: a record another peer asks us to store
//! is not stored by libp2p but handed to the daemon ([`Inbound`]), which validates it against
//! the chain and only then stores it with [`Dht::store_if`].

use futures::{channel::oneshot, StreamExt};
use libp2p::{
	core::{transport::MemoryTransport, upgrade, Transport as _},
	identify, identity,
	kad::{self, store::RecordStore},
	multiaddr::Protocol,
	noise, ping,
	swarm::{NetworkBehaviour, SwarmEvent},
	tcp, yamux, Multiaddr, PeerId, StreamProtocol, Swarm,
};
use std::{collections::HashMap, num::NonZeroUsize, time::Duration};
use tokio::sync::mpsc;

/// The Kademlia protocol of ddns; peers of other DHTs (IPFS, Substrate's) do not mix in.
pub const KAD_PROTOCOL: StreamProtocol = StreamProtocol::new("/ddns/kad/1.0.0");
const IDENTIFY_PROTOCOL: &str = "/ddns/id/1.0.0";
/// Addresses taken from one identify message.
const MAX_ADDRS_PER_PEER: usize = 8;

/// How the swarm is built.
#[derive(Clone, Debug)]
pub struct DhtConfig {
	/// Where to listen (`/ip4/.../tcp/N`, `/ip4/.../udp/N/quic-v1`, or `/memory/N`).
	pub listen: Vec<Multiaddr>,
	/// Peers to bootstrap from; each must end in `/p2p/<PeerId>`.
	pub bootnodes: Vec<Multiaddr>,
	/// The memory transport instead of TCP and QUIC (in-process tests).
	pub memory: bool,
	/// How long one DHT query may run.
	pub query_timeout: Duration,
}

#[derive(NetworkBehaviour)]
struct Behaviour {
	kad: kad::Behaviour<kad::store::MemoryStore>,
	identify: identify::Behaviour,
	ping: ping::Behaviour,
}

/// What the swarm task reports without being asked.
#[derive(Debug)]
pub enum Inbound {
	/// A peer asks us to store a record: validate it, then [`Dht::store_if`].
	Put { key: Vec<u8>, value: Vec<u8>, from: PeerId },
}

/// A snapshot of the swarm.
#[derive(Clone, Debug, Default)]
pub struct Info {
	pub peer_id: Option<PeerId>,
	pub listen: Vec<Multiaddr>,
	pub connected_peers: usize,
	pub routing_table: usize,
	pub stored_records: usize,
}

/// Decides whether a validated record replaces the stored one (`None` when nothing is stored).
pub type Supersedes = Box<dyn FnOnce(Option<&[u8]>) -> bool + Send>;

enum Command {
	Put { key: Vec<u8>, value: Vec<u8>, reply: oneshot::Sender<Result<(), String>> },
	Get { key: Vec<u8>, reply: oneshot::Sender<Vec<Vec<u8>>> },
	Local { key: Vec<u8>, reply: oneshot::Sender<Option<Vec<u8>>> },
	StoreIf { key: Vec<u8>, value: Vec<u8>, keep: Supersedes, reply: oneshot::Sender<bool> },
	Remove { key: Vec<u8> },
	Keys { reply: oneshot::Sender<Vec<Vec<u8>>> },
	Info { reply: oneshot::Sender<Info> },
	Dial { addr: Multiaddr },
}

/// A handle to the swarm task. Cheap to clone; the task stops when every handle is dropped.
#[derive(Clone)]
pub struct Dht {
	commands: mpsc::Sender<Command>,
	peer_id: PeerId,
	task: tokio::task::AbortHandle,
}

impl Dht {
	/// Builds the swarm, starts listening and bootstrapping, and spawns its task.
	pub fn spawn(
		key: identity::Keypair,
		config: DhtConfig,
	) -> anyhow::Result<(Self, mpsc::Receiver<Inbound>)> {
		let peer_id = key.public().to_peer_id();
		let behaviour = |key: &identity::Keypair| {
			let id = key.public().to_peer_id();
			let mut kad_config = kad::Config::new(KAD_PROTOCOL);
			kad_config
				.set_record_filtering(kad::StoreInserts::FilterBoth)
				.set_query_timeout(config.query_timeout)
				// Records are republished by their publishers, who know when they change.
				.set_publication_interval(None)
				.set_replication_factor(NonZeroUsize::new(20).expect("20 > 0"))
				.set_max_packet_size(16 * 1024);
			let store = kad::store::MemoryStore::with_config(
				id,
				kad::store::MemoryStoreConfig {
					max_records: 65_536,
					max_value_bytes: ddns_primitives::endpoint::MAX_ENDPOINT_LEN,
					..Default::default()
				},
			);
			let mut kad = kad::Behaviour::with_config(id, store, kad_config);
			// Serve the DHT even before an external address is confirmed (loopback, tests).
			kad.set_mode(Some(kad::Mode::Server));
			Behaviour {
				kad,
				identify: identify::Behaviour::new(identify::Config::new(
					IDENTIFY_PROTOCOL.into(),
					key.public(),
				)),
				ping: ping::Behaviour::new(ping::Config::new()),
			}
		};
		let idle =
			|c: libp2p::swarm::Config| c.with_idle_connection_timeout(Duration::from_secs(60));
		let memory_noise = noise::Config::new(&key)?;
		let builder = libp2p::SwarmBuilder::with_existing_identity(key).with_tokio();
		let mut swarm = if config.memory {
			builder
				.with_other_transport(|_| {
					MemoryTransport::default()
						.upgrade(upgrade::Version::V1)
						.authenticate(memory_noise)
						.multiplex(yamux::Config::default())
						.boxed()
				})?
				.with_behaviour(|key| behaviour(key))?
				.with_swarm_config(idle)
				.build()
		} else {
			builder
				.with_tcp(
					tcp::Config::default().nodelay(true),
					noise::Config::new,
					yamux::Config::default,
				)?
				.with_quic()
				.with_dns()?
				.with_behaviour(|key| behaviour(key))?
				.with_swarm_config(idle)
				.build()
		};
		for addr in &config.listen {
			swarm.listen_on(addr.clone())?;
		}
		for addr in &config.bootnodes {
			let Some(Protocol::P2p(peer)) = addr.iter().last() else {
				anyhow::bail!("bootnode {addr} does not end in /p2p/<PeerId>");
			};
			swarm.behaviour_mut().kad.add_address(&peer, addr.clone());
			if let Err(e) = swarm.dial(addr.clone()) {
				tracing::warn!(target: "ddns::dht", "cannot dial bootnode {addr}: {e}");
			}
		}
		let (commands, rx) = mpsc::channel(1024);
		let (inbound, inbound_rx) = mpsc::channel(1024);
		let task = Task {
			swarm,
			inbound,
			gets: HashMap::new(),
			puts: HashMap::new(),
			peers: 0,
			listen: Vec::new(),
		};
		let task = tokio::spawn(task.run(rx)).abort_handle();
		Ok((Self { commands, peer_id, task }, inbound_rx))
	}

	/// Stops the swarm task at once, closing every connection.
	pub fn stop(&self) {
		self.task.abort();
	}

	pub fn peer_id(&self) -> PeerId {
		self.peer_id
	}

	async fn ask<T>(&self, make: impl FnOnce(oneshot::Sender<T>) -> Command) -> Option<T> {
		let (tx, rx) = oneshot::channel();
		self.commands.send(make(tx)).await.ok()?;
		rx.await.ok()
	}

	/// Stores the record locally and at the closest peers; `Ok` once at least one peer took it.
	pub async fn put(&self, key: Vec<u8>, value: Vec<u8>) -> Result<(), String> {
		self.ask(|reply| Command::Put { key, value, reply })
			.await
			.unwrap_or_else(|| Err("the DHT task has stopped".into()))
	}

	/// Every value found under `key`, the local one first, unvalidated.
	pub async fn get(&self, key: Vec<u8>) -> Vec<Vec<u8>> {
		self.ask(|reply| Command::Get { key, reply }).await.unwrap_or_default()
	}

	/// The locally stored value under `key`.
	pub async fn local(&self, key: Vec<u8>) -> Option<Vec<u8>> {
		self.ask(|reply| Command::Local { key, reply }).await.flatten()
	}

	/// Stores a validated value if `keep` says it supersedes what is stored; says whether it did.
	pub async fn store_if(&self, key: Vec<u8>, value: Vec<u8>, keep: Supersedes) -> bool {
		self.ask(|reply| Command::StoreIf { key, value, keep, reply }).await.unwrap_or(false)
	}

	pub async fn remove(&self, key: Vec<u8>) {
		let _ = self.commands.send(Command::Remove { key }).await;
	}

	/// Keys of every locally stored record.
	pub async fn keys(&self) -> Vec<Vec<u8>> {
		self.ask(|reply| Command::Keys { reply }).await.unwrap_or_default()
	}

	pub async fn info(&self) -> Info {
		self.ask(|reply| Command::Info { reply }).await.unwrap_or_default()
	}

	pub async fn dial(&self, addr: Multiaddr) {
		let _ = self.commands.send(Command::Dial { addr }).await;
	}
}

/// A lookup in progress: the values found so far, and who waits for them.
type PendingGet = (Vec<Vec<u8>>, oneshot::Sender<Vec<Vec<u8>>>);

struct Task {
	swarm: Swarm<Behaviour>,
	inbound: mpsc::Sender<Inbound>,
	gets: HashMap<kad::QueryId, PendingGet>,
	puts: HashMap<kad::QueryId, oneshot::Sender<Result<(), String>>>,
	peers: usize,
	/// Addresses we listen on, as the transports report them (interfaces expanded).
	listen: Vec<Multiaddr>,
}

impl Task {
	async fn run(mut self, mut commands: mpsc::Receiver<Command>) {
		// Kademlia bootstraps itself on its own schedule (every 5 minutes, and whenever the
		// routing table is short of peers); a timer of ours would make daemons started together
		// bootstrap in lockstep.
		loop {
			tokio::select! {
				command = commands.recv() => match command {
					Some(command) => self.command(command),
					None => return,
				},
				event = self.swarm.select_next_some() => self.event(event),
			}
		}
	}

	fn kad(&mut self) -> &mut kad::Behaviour<kad::store::MemoryStore> {
		&mut self.swarm.behaviour_mut().kad
	}

	fn command(&mut self, command: Command) {
		match command {
			Command::Put { key, value, reply } => {
				let record = kad::Record::new(key, value);
				match self.kad().put_record(record, kad::Quorum::One) {
					Ok(id) => {
						self.puts.insert(id, reply);
					},
					Err(e) => {
						let _ = reply.send(Err(format!("{e:?}")));
					},
				}
			},
			Command::Get { key, reply } => {
				let id = self.kad().get_record(kad::RecordKey::new(&key));
				self.gets.insert(id, (Vec::new(), reply));
			},
			Command::Local { key, reply } => {
				let value = self.kad().store_mut().get(&kad::RecordKey::new(&key));
				let _ = reply.send(value.map(|r| r.value.clone()));
			},
			Command::StoreIf { key, value, keep, reply } => {
				let key = kad::RecordKey::new(&key);
				let store = self.kad().store_mut();
				let stored = store.get(&key).map(|r| r.value.clone());
				let take = keep(stored.as_deref());
				if take {
					if let Err(e) = store.put(kad::Record::new(key, value)) {
						tracing::debug!(target: "ddns::dht", "store full: {e:?}");
						let _ = reply.send(false);
						return;
					}
				}
				let _ = reply.send(take);
			},
			Command::Remove { key } => self.kad().store_mut().remove(&kad::RecordKey::new(&key)),
			Command::Keys { reply } => {
				let keys = self.kad().store_mut().records().map(|r| r.key.to_vec()).collect();
				let _ = reply.send(keys);
			},
			Command::Info { reply } => {
				let routing_table = self.kad().kbuckets().map(|b| b.num_entries()).sum();
				let stored_records = self.kad().store_mut().records().count();
				let _ = reply.send(Info {
					peer_id: Some(*self.swarm.local_peer_id()),
					listen: self.listen.clone(),
					connected_peers: self.peers,
					routing_table,
					stored_records,
				});
			},
			Command::Dial { addr } => {
				if let Some(Protocol::P2p(peer)) = addr.iter().last() {
					self.kad().add_address(&peer, addr.clone());
				}
				if let Err(e) = self.swarm.dial(addr.clone()) {
					tracing::debug!(target: "ddns::dht", "cannot dial {addr}: {e}");
				}
			},
		}
	}

	fn event(&mut self, event: SwarmEvent<BehaviourEvent>) {
		match event {
			SwarmEvent::NewListenAddr { address, .. } => {
				tracing::info!(target: "ddns::dht", "listening on {address}");
				self.listen.push(address);
			},
			SwarmEvent::ExpiredListenAddr { address, .. } => self.listen.retain(|a| *a != address),
			SwarmEvent::ConnectionEstablished { num_established, .. }
				if num_established.get() == 1 =>
			{
				self.peers += 1;
				if self.peers == 1 {
					let _ = self.kad().bootstrap();
				}
			},
			SwarmEvent::ConnectionClosed { num_established: 0, .. } => {
				self.peers = self.peers.saturating_sub(1);
			},
			// A peer's own word on where it listens: a few addresses at most, so a peer
			// cannot grow our routing table's entries without bound.
			SwarmEvent::Behaviour(BehaviourEvent::Identify(identify::Event::Received {
				peer_id,
				info,
				..
			})) if info.protocols.contains(&KAD_PROTOCOL) => {
				for addr in info.listen_addrs.into_iter().take(MAX_ADDRS_PER_PEER) {
					self.kad().add_address(&peer_id, addr);
				}
			},
			SwarmEvent::Behaviour(BehaviourEvent::Kad(event)) => self.kad_event(event),
			_ => {},
		}
	}

	fn kad_event(&mut self, event: kad::Event) {
		match event {
			kad::Event::InboundRequest {
				request: kad::InboundRequest::PutRecord { source, record: Some(record), .. },
			} => {
				let inbound =
					Inbound::Put { key: record.key.to_vec(), value: record.value, from: source };
				if self.inbound.try_send(inbound).is_err() {
					tracing::debug!(target: "ddns::dht", "validation queue full; record from {source} dropped");
				}
			},
			kad::Event::OutboundQueryProgressed { id, result, step, .. } => match result {
				kad::QueryResult::GetRecord(result) => {
					if let Ok(kad::GetRecordOk::FoundRecord(found)) = result {
						if let Some((values, _)) = self.gets.get_mut(&id) {
							values.push(found.record.value);
						}
					}
					if step.last {
						if let Some((values, reply)) = self.gets.remove(&id) {
							let _ = reply.send(values);
						}
					}
				},
				kad::QueryResult::PutRecord(result) => {
					if let Some(reply) = self.puts.remove(&id) {
						let _ = reply.send(result.map(|_| ()).map_err(|e| format!("{e:?}")));
					}
				},
				_ => {},
			},
			_ => {},
		}
	}
}
