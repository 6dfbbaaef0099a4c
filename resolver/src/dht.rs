//! The libp2p side: one swarm driven by one task, which the rest of the daemon talks to by
//! messages. Kademlia, identify and ping over TCP and QUIC (or the memory transport in tests),
//! and what makes a daemon reachable from behind a NAT: AutoNAT, Circuit Relay v2 (client, and
//! server with `--relay`), DCUtR hole punching and UPnP port mapping.
//!
//! Kademlia runs with [`kad::StoreInserts::FilterBoth`]: a record another peer asks us to store
//! is not stored by libp2p but handed to the daemon ([`Inbound`]), which validates it against
//! the chain and only then stores it with [`Dht::store_if`].
//!
//! Reachability (see `docs/endpoints.md`):
//! - AutoNAT (v1) asks peers to dial back; its verdict is [`Reachability`]. Addresses it
//!   confirms, `--announce` addresses and UPnP mappings are the swarm's external addresses.
//! - Kademlia serves (server mode) only while the daemon has a direct external address;
//!   otherwise it is a client, and keeps reservations on up to [`MAX_RESERVATIONS`] relays
//!   (`--relay-via`, or relays met in the DHT), whose `/p2p-circuit` addresses it publishes.
//! - Non-global addresses (loopback, private, link-local, shared, documentation) never enter
//!   the routing table nor the records, unless [`DhtConfig::allow_private`] (labs, loopback
//!   tests), which also takes the daemon's own non-global listen addresses as reachable.

use crate::{
	metrics::NetMetrics,
	probe::{Answer, Challenge, ChallengeCodec, CHALLENGE_PROTOCOL},
};
use futures::future::Either;
use futures::{channel::oneshot, StreamExt};
use libp2p::{
	autonat,
	core::{
		muxing::StreamMuxerBox,
		transport::{global_only, MemoryTransport, PortUse},
		upgrade, ConnectedPoint, Endpoint, Transport as _,
	},
	dcutr, identify, identity,
	kad::{self, store::RecordStore},
	multiaddr::Protocol,
	noise, ping, quic, relay, request_response,
	swarm::{
		behaviour::toggle::Toggle, dial_opts::DialOpts, ConnectionDenied, ConnectionId, FromSwarm,
		NetworkBehaviour, SwarmEvent, THandler, THandlerInEvent, THandlerOutEvent, ToSwarm,
	},
	tcp, upnp, yamux, Multiaddr, PeerId, StreamProtocol, Swarm,
};
use std::{
	collections::{HashMap, HashSet},
	net::IpAddr,
	num::NonZeroUsize,
	time::{Duration, Instant},
};
use tokio::sync::mpsc;

/// The Kademlia protocol of ddns on the chain whose genesis hash is `genesis`: peers of other
/// DHTs (IPFS, Substrate's) and daemons of other ddns chains (a testnet) do not mix in.
pub fn kad_protocol(genesis: &[u8; 32]) -> StreamProtocol {
	StreamProtocol::try_from_owned(format!("/ddns/{}/kad/1.0.0", crate::chain::hex(genesis)))
		.expect("starts with a slash")
}

/// The identify protocol version of ddns on that chain.
fn identify_protocol(genesis: &[u8; 32]) -> String {
	format!("/ddns/{}/id/1.0.0", crate::chain::hex(genesis))
}

/// Addresses of one peer in the routing table, and so in every FIND_NODE and GET_VALUE answer
/// that names it. With [`MAX_ADDR_BYTES`], `K_VALUE` peers always fit well inside the 16 KiB
/// message limit (see the test `a_full_answer_fits_one_message`), whatever a peer claims.
pub const MAX_ADDRS_PER_PEER: usize = 4;
/// Longest address (binary form) taken from a peer; `/dns/<253 bytes>/tcp/N` is about 260.
pub const MAX_ADDR_BYTES: usize = 64;
/// Relays a daemon that is not reachable keeps reservations on.
pub const MAX_RESERVATIONS: usize = 2;
/// Relays met in the DHT remembered as candidates.
const MAX_RELAY_CANDIDATES: usize = 16;
/// How often reservations, pending connects and the reachability gauges are looked after.
const TICK: Duration = Duration::from_secs(1);
/// The first wait before asking a relay again after a reservation failed or was lost; it
/// doubles up to [`RESERVATION_BACKOFF_MAX`].
const RESERVATION_BACKOFF: Duration = Duration::from_secs(2);
const RESERVATION_BACKOFF_MAX: Duration = Duration::from_secs(30);
/// How long a granted reservation may go without a relayed address before another relay is
/// tried.
const RESERVATION_ADDRESS_WAIT: Duration = Duration::from_secs(5);
/// How long a daemon whose reachability AutoNAT could not settle waits before it reserves on
/// relays anyway (a private verdict reserves at once).
const UNKNOWN_REACHABILITY_WAIT: Duration = Duration::from_secs(30);
/// Relayed addresses taken from one relay's reservation.
const MAX_ADDRS_PER_RELAY: usize = 4;
/// Direct external addresses used at once.
const MAX_EXTERNAL: usize = 8;
/// Observers remembered: each peer network (/24, /48) counts once, with the address it last
/// saw us at. An address AutoNAT confirms counts only while AutoNAT says public and if it is
/// one we listen on, or two observer networks saw us there last (or we announce it, or UPnP
/// mapped it): one hostile AutoNAT server cannot make us publish an address of its choice.
const MAX_OBSERVERS: usize = 64;
const MIN_OBSERVERS: usize = 2;
/// A reservation that lasted this long clears its relay's failures.
const RESERVATION_PROVEN: Duration = Duration::from_secs(10 * 60);
/// While the routing table holds fewer peers than this, Kademlia bootstraps every
/// [`BOOTSTRAP_EVERY`] (a seed that was a client when we met it is asked again).
const ROUTING_TABLE_LOW: usize = 20;
const BOOTSTRAP_EVERY: Duration = Duration::from_secs(10);
/// Kademlia servers remembered as met (each one new triggers a bootstrap).
const MAX_KNOWN_SERVERS: usize = 256;
/// [`Dht::connect`]s waiting in the swarm task at once.
const MAX_PENDING_CONNECTS: usize = 8;

/// What AutoNAT concluded about this daemon.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Reachability {
	/// Not tested yet, or no peer could test it.
	#[default]
	Unknown,
	/// A peer dialled one of our addresses back.
	Public,
	/// Peers tried and could not dial back: behind a NAT or a firewall.
	Private,
}

impl Reachability {
	pub fn as_str(self) -> &'static str {
		match self {
			Self::Unknown => "unknown",
			Self::Public => "public",
			Self::Private => "private",
		}
	}
}

/// What a `--relay` daemon grants. Defaults are libp2p's, which suit a relay used to set up
/// direct connections (hole punching) and to carry small exchanges, not bulk traffic.
#[derive(Clone, Debug)]
pub struct RelayLimits {
	/// Reservations held at once, over all peers, and per peer.
	pub max_reservations: usize,
	pub max_reservations_per_peer: usize,
	/// How long a reservation lasts before the client must renew it.
	pub reservation_duration: Duration,
	/// Circuits open at once, over all peers, and per peer.
	pub max_circuits: usize,
	pub max_circuits_per_peer: usize,
	/// How long one circuit may stay open, and how many bytes it may carry each way.
	pub max_circuit_duration: Duration,
	pub max_circuit_bytes: u64,
}

impl Default for RelayLimits {
	fn default() -> Self {
		Self {
			max_reservations: 128,
			max_reservations_per_peer: 4,
			reservation_duration: Duration::from_secs(60 * 60),
			max_circuits: 16,
			max_circuits_per_peer: 4,
			max_circuit_duration: Duration::from_secs(2 * 60),
			max_circuit_bytes: 1 << 17,
		}
	}
}

impl RelayLimits {
	fn config(&self) -> relay::Config {
		// libp2p's default rate limits (reservations and circuits per peer and per IP) stay.
		relay::Config {
			max_reservations: self.max_reservations,
			max_reservations_per_peer: self.max_reservations_per_peer,
			reservation_duration: self.reservation_duration,
			max_circuits: self.max_circuits,
			max_circuits_per_peer: self.max_circuits_per_peer,
			max_circuit_duration: self.max_circuit_duration,
			max_circuit_bytes: self.max_circuit_bytes,
			..Default::default()
		}
	}
}

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
	/// Addresses the operator says reach this daemon (`--announce`): external addresses from
	/// the start, without AutoNAT's word.
	pub announce: Vec<Multiaddr>,
	/// Take non-global addresses (loopback, private networks) as any other (`--allow-private-addrs`).
	pub allow_private: bool,
	/// Serve Circuit Relay v2 with these limits (`--relay`).
	pub relay: Option<RelayLimits>,
	/// Relays to keep reservations on when not reachable (`--relay-via`), each ending in
	/// `/p2p/<PeerId>`; relays met in the DHT are used as well.
	pub relay_via: Vec<Multiaddr>,
	/// Ask the LAN's UPnP IGD router to map the listen ports (`--upnp`).
	pub upnp: bool,
	/// How long AutoNAT waits after start before its first probe, and between probes while the
	/// verdict is unknown or not yet certain.
	pub autonat_boot_delay: Duration,
	pub autonat_retry: Duration,
	/// The chain's genesis hash: in the protocol names, so that each chain has its own DHT.
	pub genesis: [u8; 32],
	/// Connection limits.
	pub limits: ConnectionCaps,
}

/// How many connections the swarm keeps; past these, new ones are refused (see
/// `docs/endpoints.md`, "Limits").
#[derive(Clone, Debug)]
pub struct ConnectionCaps {
	/// Established connections in all (`--max-connections`).
	pub established: u32,
	/// Inbound connections still in their handshake.
	pub pending_incoming: u32,
	/// Established connections with one peer (a relayed one and a hole-punched one, a few
	/// spare).
	pub per_peer: u32,
	/// Inbound connections (pending or established) from one IPv4 address or IPv6 /64
	/// (`--max-connections-per-ip`); circuits through one relay are capped at 64.
	pub per_ip: u32,
	/// Whether loopback is exempt from `per_ip` (daemons of one machine, a dev network).
	pub per_ip_loopback_exempt: bool,
	/// New connections are refused while the process uses more memory than this
	/// (`--max-memory-mb`).
	pub max_memory: usize,
}

impl Default for ConnectionCaps {
	fn default() -> Self {
		Self {
			established: 512,
			pending_incoming: 64,
			per_peer: 4,
			per_ip: 8,
			per_ip_loopback_exempt: true,
			max_memory: 1024 << 20,
		}
	}
}

impl Default for DhtConfig {
	fn default() -> Self {
		Self {
			listen: Vec::new(),
			bootnodes: Vec::new(),
			memory: false,
			query_timeout: Duration::from_secs(10),
			announce: Vec::new(),
			allow_private: false,
			relay: None,
			relay_via: Vec::new(),
			upnp: false,
			autonat_boot_delay: Duration::from_secs(2),
			autonat_retry: Duration::from_secs(20),
			genesis: [0; 32],
			limits: ConnectionCaps::default(),
		}
	}
}

pub use ddns_primitives::net::global_ip;
use ddns_primitives::net::global_v4;

/// Whether `addr` may be published or taken into the routing table: it starts with a global
/// IP or a DNS name (a `/p2p-circuit` address starts with its relay's), or private addresses
/// are allowed.
pub fn usable(addr: &Multiaddr, allow_private: bool) -> bool {
	match addr.iter().next() {
		Some(Protocol::Ip4(a)) => allow_private || global_v4(a),
		Some(Protocol::Ip6(a)) => allow_private || global_ip(a.into()),
		Some(Protocol::Dns(_) | Protocol::Dns4(_) | Protocol::Dns6(_) | Protocol::Dnsaddr(_)) => {
			true
		},
		Some(Protocol::Memory(_)) => allow_private,
		_ => false,
	}
}

fn relayed(addr: &Multiaddr) -> bool {
	addr.iter().any(|p| matches!(p, Protocol::P2pCircuit))
}

/// A behaviour that never hears of relayed listen addresses. For UPnP: libp2p-upnp 0.3 maps
/// the first IP and port of any listen address, and a relay chooses the addresses of a
/// reservation, so without this a hostile relay could have our router open a port to any host
/// of the LAN.
struct DirectOnly<B>(B);

impl<B: NetworkBehaviour> NetworkBehaviour for DirectOnly<B> {
	type ConnectionHandler = B::ConnectionHandler;
	type ToSwarm = B::ToSwarm;

	fn handle_pending_inbound_connection(
		&mut self,
		id: ConnectionId,
		local: &Multiaddr,
		remote: &Multiaddr,
	) -> Result<(), ConnectionDenied> {
		self.0.handle_pending_inbound_connection(id, local, remote)
	}

	fn handle_established_inbound_connection(
		&mut self,
		id: ConnectionId,
		peer: PeerId,
		local: &Multiaddr,
		remote: &Multiaddr,
	) -> Result<THandler<Self>, ConnectionDenied> {
		self.0.handle_established_inbound_connection(id, peer, local, remote)
	}

	fn handle_pending_outbound_connection(
		&mut self,
		id: ConnectionId,
		peer: Option<PeerId>,
		addresses: &[Multiaddr],
		role: Endpoint,
	) -> Result<Vec<Multiaddr>, ConnectionDenied> {
		self.0.handle_pending_outbound_connection(id, peer, addresses, role)
	}

	fn handle_established_outbound_connection(
		&mut self,
		id: ConnectionId,
		peer: PeerId,
		addr: &Multiaddr,
		role: Endpoint,
		port_use: PortUse,
	) -> Result<THandler<Self>, ConnectionDenied> {
		self.0.handle_established_outbound_connection(id, peer, addr, role, port_use)
	}

	fn on_swarm_event(&mut self, event: FromSwarm) {
		match &event {
			FromSwarm::NewListenAddr(e) if relayed(e.addr) => {},
			FromSwarm::ExpiredListenAddr(e) if relayed(e.addr) => {},
			_ => self.0.on_swarm_event(event),
		}
	}

	fn on_connection_handler_event(
		&mut self,
		peer: PeerId,
		id: ConnectionId,
		event: THandlerOutEvent<Self>,
	) {
		self.0.on_connection_handler_event(peer, id, event)
	}

	fn poll(
		&mut self,
		cx: &mut std::task::Context<'_>,
	) -> std::task::Poll<ToSwarm<Self::ToSwarm, THandlerInEvent<Self>>> {
		self.0.poll(cx)
	}
}

/// Caps the inbound connections from one IP address, pending and established: libp2p's
/// connection limits count per peer, and PeerIds cost nothing to make.
struct PerIp {
	cap: u32,
	loopback_exempt: bool,
	/// The source of every inbound connection let in, until it closes or fails.
	open: HashMap<ConnectionId, Source>,
	count: HashMap<Source, u32>,
	refused: prometheus_client::metrics::counter::Counter,
}

/// Where an inbound connection comes from, as [`PerIp`] counts: an IPv4 address, an IPv6 /64
/// (what one subscriber gets), or the relay a circuit comes through.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Source {
	V4(std::net::Ipv4Addr),
	V6([u8; 8]),
	Relay(PeerId),
}

/// Circuits one relay may bring us: a daemon behind a NAT gets all its inbound connections
/// through its two relays.
const PER_RELAY: u32 = 64;

impl PerIp {
	fn release(&mut self, id: ConnectionId) {
		if let Some(ip) = self.open.remove(&id) {
			if let Some(n) = self.count.get_mut(&ip) {
				*n -= 1;
				if *n == 0 {
					self.count.remove(&ip);
				}
			}
		}
	}
}

#[derive(Debug)]
struct TooManyFromIp(Source);

impl std::fmt::Display for TooManyFromIp {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		write!(f, "too many connections from {:?}", self.0)
	}
}

impl std::error::Error for TooManyFromIp {}

impl NetworkBehaviour for PerIp {
	type ConnectionHandler = libp2p::swarm::dummy::ConnectionHandler;
	type ToSwarm = std::convert::Infallible;

	fn handle_pending_inbound_connection(
		&mut self,
		id: ConnectionId,
		local: &Multiaddr,
		remote: &Multiaddr,
	) -> Result<(), ConnectionDenied> {
		let exempt = |ip: &IpAddr| self.loopback_exempt && ip.is_loopback();
		// A circuit's remote address is only `/p2p/<source>`; our side names the relay.
		let (source, cap) = if relayed(local) || relayed(remote) {
			match relay_of(local) {
				Some(relay) => (Source::Relay(relay), PER_RELAY),
				None => return Ok(()),
			}
		} else {
			match ip_of(remote).filter(|ip| !exempt(ip)) {
				Some(IpAddr::V4(v4)) => (Source::V4(v4), self.cap),
				Some(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
					Some(v4) => (Source::V4(v4), self.cap),
					None => {
						let mut net = [0u8; 8];
						net.copy_from_slice(&v6.octets()[..8]);
						(Source::V6(net), self.cap)
					},
				},
				None => return Ok(()),
			}
		};
		let n = self.count.entry(source).or_default();
		if *n >= cap {
			self.refused.inc();
			return Err(ConnectionDenied::new(TooManyFromIp(source)));
		}
		*n += 1;
		self.open.insert(id, source);
		Ok(())
	}

	fn handle_established_inbound_connection(
		&mut self,
		_: ConnectionId,
		_: PeerId,
		_: &Multiaddr,
		_: &Multiaddr,
	) -> Result<THandler<Self>, ConnectionDenied> {
		Ok(libp2p::swarm::dummy::ConnectionHandler)
	}

	fn handle_established_outbound_connection(
		&mut self,
		_: ConnectionId,
		_: PeerId,
		_: &Multiaddr,
		_: Endpoint,
		_: PortUse,
	) -> Result<THandler<Self>, ConnectionDenied> {
		Ok(libp2p::swarm::dummy::ConnectionHandler)
	}

	fn on_swarm_event(&mut self, event: FromSwarm) {
		match event {
			FromSwarm::ConnectionClosed(e) => self.release(e.connection_id),
			FromSwarm::ListenFailure(e) => self.release(e.connection_id),
			_ => {},
		}
	}

	fn on_connection_handler_event(
		&mut self,
		_: PeerId,
		_: ConnectionId,
		event: THandlerOutEvent<Self>,
	) {
		match event {}
	}

	fn poll(
		&mut self,
		_: &mut std::task::Context<'_>,
	) -> std::task::Poll<ToSwarm<Self::ToSwarm, THandlerInEvent<Self>>> {
		std::task::Poll::Pending
	}
}

#[derive(NetworkBehaviour)]
struct Behaviour {
	/// First: a connection over a limit is refused before any other behaviour hears of it.
	limits: libp2p::connection_limits::Behaviour,
	memory: libp2p::memory_connection_limits::Behaviour,
	per_ip: PerIp,
	banned: libp2p::allow_block_list::Behaviour<libp2p::allow_block_list::BlockedPeers>,
	kad: kad::Behaviour<kad::store::MemoryStore>,
	identify: identify::Behaviour,
	ping: ping::Behaviour,
	autonat: autonat::Behaviour,
	relay_client: Toggle<relay::client::Behaviour>,
	relay: Toggle<relay::Behaviour>,
	dcutr: dcutr::Behaviour,
	upnp: Toggle<DirectOnly<upnp::tokio::Behaviour>>,
	/// The resolver challenge of the operators' probes (`crate::probe`).
	challenge: request_response::Behaviour<ChallengeCodec>,
}

/// Challenges this daemon sends at once (`--probe`); more are refused.
const MAX_CHALLENGES: usize = 64;
/// The shortest time between two challenges of one peer that are answered.
const CHALLENGE_INTERVAL: Duration = Duration::from_secs(1);
/// Peers whose last challenge is remembered; past it, challenges go unanswered until old ones
/// expire.
const MAX_CHALLENGERS: usize = 1024;

/// What the swarm task reports without being asked.
#[derive(Debug)]
pub enum Inbound {
	/// A peer asks us to store a record: validate it, then [`Dht::store_if`].
	Put { key: Vec<u8>, value: Vec<u8>, from: PeerId },
	/// A prober challenges us: answer with [`Dht::respond`].
	Challenge {
		from: PeerId,
		challenge: Challenge,
		channel: request_response::ResponseChannel<Answer>,
	},
}

/// A snapshot of the swarm.
#[derive(Clone, Debug, Default)]
pub struct Info {
	pub peer_id: Option<PeerId>,
	pub listen: Vec<Multiaddr>,
	pub connected_peers: usize,
	pub routing_table: usize,
	pub stored_records: usize,
	pub reachability: Reachability,
	/// Whether Kademlia answers other peers' queries (it does only with a direct external
	/// address).
	pub kad_server: bool,
	/// Direct addresses that reach this daemon: `--announce`, confirmed by AutoNAT, mapped by
	/// UPnP (and, with `allow_private`, non-global listen addresses).
	pub external: Vec<Multiaddr>,
	/// `/p2p-circuit` addresses of the relays this daemon holds reservations on.
	pub relayed: Vec<Multiaddr>,
}

impl Info {
	/// What to publish in endpoint records: the direct addresses when there are any, else the
	/// relayed ones.
	pub fn publishable(&self) -> &[Multiaddr] {
		if self.external.is_empty() {
			&self.relayed
		} else {
			&self.external
		}
	}
}

/// How a connection to a peer ended up, for [`Dht::connect`].
#[derive(Clone, Debug)]
pub struct Connected {
	/// The address of the direct connection, if there is one (dialled, or hole-punched).
	pub direct: Option<Multiaddr>,
	/// The relayed address a connection went through, if one did.
	pub relayed: Option<Multiaddr>,
	/// Whether the direct connection came from a hole punch (DCUtR) after a relayed one.
	pub hole_punched: bool,
	pub elapsed: Duration,
}

/// Decides whether a validated record replaces the stored one (`None` when nothing is stored).
pub type Supersedes = Box<dyn FnOnce(Option<&[u8]>) -> bool + Send>;

enum Command {
	Put {
		key: Vec<u8>,
		value: Vec<u8>,
		reply: oneshot::Sender<Result<(), String>>,
	},
	Get {
		key: Vec<u8>,
		values: mpsc::Sender<Vec<u8>>,
	},
	Ban {
		peer: PeerId,
		time: Duration,
	},
	Routed {
		peer: PeerId,
		reply: oneshot::Sender<Vec<Multiaddr>>,
	},
	Freeze,
	Local {
		key: Vec<u8>,
		reply: oneshot::Sender<Option<Vec<u8>>>,
	},
	StoreIf {
		key: Vec<u8>,
		value: Vec<u8>,
		keep: Supersedes,
		reply: oneshot::Sender<bool>,
	},
	Remove {
		key: Vec<u8>,
	},
	Keys {
		reply: oneshot::Sender<Vec<Vec<u8>>>,
	},
	Info {
		reply: oneshot::Sender<Info>,
	},
	Dial {
		addr: Multiaddr,
	},
	Connect {
		peer: PeerId,
		addrs: Vec<Multiaddr>,
		fresh: bool,
		wait: Duration,
		reply: oneshot::Sender<Result<Connected, String>>,
	},
	Challenge {
		peer: PeerId,
		addr: Multiaddr,
		challenge: Challenge,
		reply: oneshot::Sender<Result<Answer, String>>,
	},
	Respond {
		channel: request_response::ResponseChannel<Answer>,
		answer: Answer,
	},
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
		metrics: NetMetrics,
	) -> anyhow::Result<(Self, mpsc::Receiver<Inbound>)> {
		let peer_id = key.public().to_peer_id();
		let behaviour = |key: &identity::Keypair,
		                 relay_client: Option<relay::client::Behaviour>| {
			let id = key.public().to_peer_id();
			let mut kad_config = kad::Config::new(kad_protocol(&config.genesis));
			kad_config
				.set_record_filtering(kad::StoreInserts::FilterBoth)
				.set_query_timeout(config.query_timeout)
				// Records are republished by their publishers, who know when they change.
				.set_publication_interval(None)
				.set_replication_factor(NonZeroUsize::new(20).expect("20 > 0"))
				// Kademlia 0.46 waits 10 s for a peer that does not answer, and a query stalls
				// while all its requests in flight wait: with 5 in flight instead of 3, a fifth
				// of the network frozen stalls a query only when 5 of them come up at once.
				.set_parallelism(NonZeroUsize::new(5).expect("5 > 0"))
				.set_max_packet_size(16 * 1024)
				// Peers enter the routing table through `Task::route`, which drops
				// non-global addresses.
				.set_kbucket_inserts(kad::BucketInserts::Manual);
			let store = kad::store::MemoryStore::with_config(
				id,
				kad::store::MemoryStoreConfig {
					max_records: 65_536,
					max_value_bytes: ddns_primitives::endpoint::MAX_ENDPOINT_LEN,
					..Default::default()
				},
			);
			let mut kad = kad::Behaviour::with_config(id, store, kad_config);
			// A client until the daemon has a direct external address (`Task::set_kad_mode`);
			// libp2p's own rule would also count relayed addresses.
			kad.set_mode(Some(kad::Mode::Client));
			let autonat = autonat::Behaviour::new(
				id,
				autonat::Config {
					boot_delay: config.autonat_boot_delay,
					retry_interval: config.autonat_retry,
					throttle_server_period: config.autonat_retry,
					only_global_ips: !config.allow_private,
					..Default::default()
				},
			);
			let caps = &config.limits;
			Behaviour {
				limits: libp2p::connection_limits::Behaviour::new(
					libp2p::connection_limits::ConnectionLimits::default()
						.with_max_established(Some(caps.established))
						// A quarter kept for our own dials: lookups need them.
						.with_max_established_incoming(Some(caps.established - caps.established / 4))
						.with_max_pending_incoming(Some(caps.pending_incoming))
						.with_max_established_per_peer(Some(caps.per_peer)),
				),
				memory: libp2p::memory_connection_limits::Behaviour::with_max_bytes(
					caps.max_memory,
				),
				per_ip: PerIp {
					cap: caps.per_ip,
					loopback_exempt: caps.per_ip_loopback_exempt,
					open: HashMap::new(),
					count: HashMap::new(),
					refused: metrics.refused_per_ip.clone(),
				},
				banned: Default::default(),
				kad,
				identify: identify::Behaviour::new(identify::Config::new(
					identify_protocol(&config.genesis),
					key.public(),
				)),
				ping: ping::Behaviour::new(ping::Config::new()),
				autonat,
				relay_client: relay_client.into(),
				relay: config.relay.as_ref().map(|l| relay::Behaviour::new(id, l.config())).into(),
				dcutr: dcutr::Behaviour::new(id),
				upnp: (config.upnp && !config.memory)
					.then(|| DirectOnly(upnp::tokio::Behaviour::default()))
					.into(),
				challenge: request_response::Behaviour::new(
					[(CHALLENGE_PROTOCOL, request_response::ProtocolSupport::Full)],
					request_response::Config::default()
						.with_request_timeout(Duration::from_secs(10))
						.with_max_concurrent_streams(16),
				),
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
				.with_behaviour(|key| behaviour(key, None))?
				.with_swarm_config(idle)
				.build()
		} else {
			let allow_private = config.allow_private;
			builder
				.with_other_transport(|key| {
					let tcp = crate::tcp::Transport::new(tcp::Config::default().nodelay(true))
						.upgrade(upgrade::Version::V1Lazy)
						.authenticate(noise::Config::new(key)?)
						.multiplex(yamux::Config::default());
					let quic = quic::tokio::Transport::new(quic::Config::new(key));
					let both = quic.or_transport(tcp).map(|either, _| match either {
						Either::Left((peer, muxer)) => (peer, StreamMuxerBox::new(muxer)),
						Either::Right((peer, muxer)) => (peer, StreamMuxerBox::new(muxer)),
					});
					// Whatever the address came from (a peer's identify, a FIND_NODE answer, a
					// hole punch, a DNS name), no dial goes to a non-global IP outside a lab.
					Ok::<_, Box<dyn std::error::Error + Send + Sync>>(if allow_private {
						both.boxed()
					} else {
						global_only::Transport::new(both).boxed()
					})
				})?
				.with_dns()?
				.with_relay_client(noise::Config::new, yamux::Config::default)?
				.with_behaviour(|key, relay_client| behaviour(key, Some(relay_client)))?
				.with_swarm_config(idle)
				.build()
		};
		for addr in &config.listen {
			swarm.listen_on(addr.clone())?;
		}
		for addr in &config.announce {
			swarm.add_external_address(addr.clone());
		}
		for addr in config.bootnodes.iter().chain(&config.relay_via) {
			let Some(Protocol::P2p(peer)) = addr.iter().last() else {
				anyhow::bail!("{addr} does not end in /p2p/<PeerId>");
			};
			if config.bootnodes.contains(addr) {
				swarm.behaviour_mut().kad.add_address(&peer, addr.clone());
			}
			if let Err(e) = swarm.dial(addr.clone()) {
				tracing::warn!(target: "ddns::dht", "cannot dial {addr}: {e}");
			}
		}
		let (commands, rx) = mpsc::channel(1024);
		let (inbound, inbound_rx) = mpsc::channel(INBOUND_CHANNEL);
		let protected =
			config.bootnodes.iter().chain(&config.relay_via).filter_map(peer_of).collect();
		let relays = config
			.relay_via
			.iter()
			.filter_map(|a| match a.iter().last() {
				Some(Protocol::P2p(peer)) => Some((peer, Relay::new(a.clone(), true))),
				_ => None,
			})
			.collect();
		let mut task = Task {
			kad_protocol: kad_protocol(&config.genesis),
			identify_version: identify_protocol(&config.genesis),
			swarm,
			inbound,
			gets: HashMap::new(),
			queues: HashMap::new(),
			max_queued_peers: config.limits.established as usize,
			turn: Default::default(),
			banned: HashMap::new(),
			challenges_waiting: Default::default(),
			puts: HashMap::new(),
			peers: 0,
			listen: Vec::new(),
			allow_private: config.allow_private,
			announce: config.announce,
			metrics,
			reachability: Reachability::Unknown,
			kad_server: false,
			relays,
			protected,
			connections: HashMap::new(),
			connects: Vec::new(),
			observed: HashMap::new(),
			upnp_mapped: HashSet::new(),
			started: Instant::now(),
			next_bootstrap: Instant::now(),
			known_servers: HashSet::new(),
			challenges: HashMap::new(),
			challenged: HashMap::new(),
		};
		task.set_kad_mode();
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
		let mut values = self.get_stream(key).await;
		let mut out = Vec::new();
		while let Some(value) = values.recv().await {
			out.push(value);
		}
		out
	}

	/// The values found under `key`, as they come (the local one first, if any); the stream
	/// ends with the query. Dropping it ends the query: a lookup that has its answer does not
	/// wait for the slowest peers.
	pub async fn get_stream(&self, key: Vec<u8>) -> mpsc::Receiver<Vec<u8>> {
		let (values, rx) = mpsc::channel(32);
		let _ = self.commands.send(Command::Get { key, values }).await;
		rx
	}

	#[doc(hidden)]
	/// Stops the swarm task without closing anything: connections stay open and nothing on them
	/// is answered, as with a stopped (SIGSTOP) or wedged process. For the benchmark's frozen
	/// peers and for tests; there is no way back.
	pub async fn freeze(&self) {
		let _ = self.commands.send(Command::Freeze).await;
	}

	/// The addresses of `peer` in the routing table.
	pub async fn routed(&self, peer: PeerId) -> Vec<Multiaddr> {
		self.ask(|reply| Command::Routed { peer, reply }).await.unwrap_or_default()
	}

	/// Disconnects `peer`, refuses its connections and drops its queued records for `time`.
	pub async fn ban(&self, peer: PeerId, time: Duration) {
		let _ = self.commands.send(Command::Ban { peer, time }).await;
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

	/// Connects to `peer` at `addrs` (direct or `/p2p-circuit`), then waits up to `wait` for a
	/// direct connection (a hole punch) if the first one is relayed. With `fresh`, existing
	/// connections to the peer are closed first.
	pub async fn connect(
		&self,
		peer: PeerId,
		addrs: Vec<Multiaddr>,
		fresh: bool,
		wait: Duration,
	) -> Result<Connected, String> {
		self.ask(|reply| Command::Connect { peer, addrs, fresh, wait, reply })
			.await
			.unwrap_or_else(|| Err("the DHT task has stopped".into()))
	}

	/// Sends a resolver challenge to `peer` at `addr` and waits for its answer.
	pub async fn challenge(
		&self,
		peer: PeerId,
		addr: Multiaddr,
		challenge: Challenge,
	) -> Result<Answer, String> {
		self.ask(|reply| Command::Challenge { peer, addr, challenge, reply })
			.await
			.unwrap_or_else(|| Err("the DHT task has stopped".into()))
	}

	/// Answers a challenge [`Inbound::Challenge`] brought.
	pub async fn respond(
		&self,
		channel: request_response::ResponseChannel<Answer>,
		answer: Answer,
	) {
		let _ = self.commands.send(Command::Respond { channel, answer }).await;
	}
}

/// A lookup in progress: the values found so far, and who waits for them.
/// Records a peer may have waiting for validation; more are dropped.
const PEER_QUEUE: usize = 16;
/// Peers banned at once; past it, the ban that ends first is lifted.
const MAX_BANNED: usize = 4096;
/// Challenges waiting for the daemon; more go unanswered.
const MAX_CHALLENGES_WAITING: usize = 16;
/// Records handed to the daemon's validation ahead of the fair queues.
const INBOUND_CHANNEL: usize = 8;

/// A relay this daemon may hold a reservation on.
struct Relay {
	/// Its address, ending in `/p2p/<PeerId>`.
	addr: Multiaddr,
	/// Given with `--relay-via` (kept), or met in the DHT (forgotten when it fails).
	configured: bool,
	/// The relay listener while a reservation is asked for or held.
	listener: Option<libp2p::core::transport::ListenerId>,
	held: bool,
	/// When the reservation was granted (a relay that gives no address is left after a while).
	held_since: Option<Instant>,
	failures: u32,
	retry_at: Instant,
}

impl Relay {
	fn new(addr: Multiaddr, configured: bool) -> Self {
		Self {
			addr,
			configured,
			listener: None,
			held: false,
			held_since: None,
			failures: 0,
			retry_at: Instant::now(),
		}
	}
}

/// A [`Dht::connect`] waiting for its connections.
struct PendingConnect {
	peer: PeerId,
	/// The dial this connect made (a failed dial of another part of the daemon does not count).
	dial: ConnectionId,
	started: Instant,
	deadline: Instant,
	relayed: Option<Multiaddr>,
	error: Option<String>,
	reply: oneshot::Sender<Result<Connected, String>>,
}

struct Task {
	swarm: Swarm<Behaviour>,
	/// This chain's Kademlia protocol, and identify's protocol version.
	kad_protocol: StreamProtocol,
	identify_version: String,
	inbound: mpsc::Sender<Inbound>,
	gets: HashMap<kad::QueryId, mpsc::Sender<Vec<u8>>>,
	/// Inbound records waiting for validation, per sending peer, served round-robin: a peer
	/// that floods fills only its own queue.
	queues: HashMap<PeerId, std::collections::VecDeque<(Vec<u8>, Vec<u8>)>>,
	/// At most one queue per connected peer (the established-connection cap).
	max_queued_peers: usize,
	/// Peers with queued records, in turn.
	turn: std::collections::VecDeque<PeerId>,
	/// Challenges waiting for the daemon.
	challenges_waiting: std::collections::VecDeque<Inbound>,
	/// Banned peers and when their ban ends.
	banned: HashMap<PeerId, Instant>,
	puts: HashMap<kad::QueryId, oneshot::Sender<Result<(), String>>>,
	peers: usize,
	/// Addresses we listen on, as the transports report them (interfaces expanded).
	listen: Vec<Multiaddr>,
	allow_private: bool,
	announce: Vec<Multiaddr>,
	metrics: NetMetrics,
	reachability: Reachability,
	/// The mode Kademlia was last set to.
	kad_server: bool,
	relays: HashMap<PeerId, Relay>,
	/// Bootnodes and `--relay-via` relays: `/connect?fresh=1` does not cut them off.
	protected: HashSet<PeerId>,
	/// Open connections per peer: the remote address, and whether it is relayed.
	connections: HashMap<PeerId, Vec<(ConnectionId, Multiaddr, bool)>>,
	connects: Vec<PendingConnect>,
	/// Where peers last observed us (identify), by the observer's network, and when.
	observed: HashMap<IpNet, (Multiaddr, Instant)>,
	/// Addresses the LAN's router mapped for us (UPnP).
	upnp_mapped: HashSet<Multiaddr>,
	started: Instant,
	/// When Kademlia bootstraps next while the routing table is short of peers.
	next_bootstrap: Instant,
	/// Kademlia servers met through identify (for [`Task::bootstrap_soon`]; bounded).
	known_servers: HashSet<PeerId>,
	/// Challenges sent, waiting for their answers.
	challenges:
		HashMap<request_response::OutboundRequestId, oneshot::Sender<Result<Answer, String>>>,
	/// When each peer last challenged us (bounded by [`MAX_CHALLENGERS`]).
	challenged: HashMap<PeerId, Instant>,
}

/// The PeerId an address ends with.
fn peer_of(addr: &Multiaddr) -> Option<PeerId> {
	match addr.iter().last() {
		Some(Protocol::P2p(peer)) => Some(peer),
		_ => None,
	}
}

/// `addr` without a trailing `/p2p/<peer>`.
fn without_peer(addr: &Multiaddr) -> Multiaddr {
	let mut addr = addr.clone();
	if matches!(addr.iter().last(), Some(Protocol::P2p(_))) {
		addr.pop();
	}
	addr
}

/// The IP an address starts with.
fn ip_of(addr: &Multiaddr) -> Option<IpAddr> {
	match addr.iter().next() {
		Some(Protocol::Ip4(a)) => Some(a.into()),
		Some(Protocol::Ip6(a)) => Some(a.into()),
		_ => None,
	}
}

/// A peer's network for counting independent observers and relays: an IPv4 /24 or an IPv6 /48.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct IpNet([u8; 6]);

fn net_of(ip: IpAddr) -> IpNet {
	match ip {
		IpAddr::V4(a) => {
			let [a, b, c, _] = a.octets();
			IpNet([4, a, b, c, 0, 0])
		},
		IpAddr::V6(a) => {
			let o = a.octets();
			IpNet([o[0], o[1], o[2], o[3], o[4], o[5]])
		},
	}
}

/// The relay a `/p2p-circuit` address goes through (the PeerId just before `/p2p-circuit`).
fn relay_of(addr: &Multiaddr) -> Option<PeerId> {
	let mut last = None;
	for p in addr.iter() {
		match p {
			Protocol::P2p(peer) => last = Some(peer),
			Protocol::P2pCircuit => return last,
			_ => {},
		}
	}
	None
}

impl Task {
	async fn run(mut self, mut commands: mpsc::Receiver<Command>) {
		// Kademlia bootstraps itself on its own schedule (every 5 minutes, and whenever the
		// routing table is short of peers); a timer of ours would make daemons started together
		// bootstrap in lockstep.
		let mut tick = tokio::time::interval(TICK);
		tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
		loop {
			tokio::select! {
				command = commands.recv() => match command {
					Some(Command::Freeze) => {
						// Holds the swarm, and with it every connection, unpolled.
						std::future::pending::<()>().await;
					},
					Some(command) => self.command(command),
					None => return,
				},
				event = self.swarm.select_next_some() => self.event(event),
				permit = self.inbound.clone().reserve_owned(),
					if !self.turn.is_empty() || !self.challenges_waiting.is_empty() =>
				{
					if let (Ok(permit), Some(next)) = (permit, self.next_inbound()) {
						permit.send(next);
					}
				},
				_ = tick.tick() => self.tick(),
			}
		}
	}

	/// What the daemon handles next: a challenge, else the oldest record of the peer whose turn
	/// it is.
	fn next_inbound(&mut self) -> Option<Inbound> {
		if let Some(challenge) = self.challenges_waiting.pop_front() {
			return Some(challenge);
		}
		let peer = self.turn.pop_front()?;
		let queue = self.queues.get_mut(&peer)?;
		let (key, value) = queue.pop_front()?;
		if queue.is_empty() {
			self.queues.remove(&peer);
		} else {
			self.turn.push_back(peer);
		}
		Some(Inbound::Put { key, value, from: peer })
	}

	/// Queues a record a peer asked us to store, in that peer's own queue.
	fn queue_inbound(&mut self, from: PeerId, key: Vec<u8>, value: Vec<u8>) {
		if self.banned.contains_key(&from) {
			return;
		}
		// Larger than any record (the key is the prefix and a name of at most 253 bytes): junk.
		let key_max = ddns_primitives::endpoint::DHT_KEY_PREFIX.len() + 253;
		if value.len() > ddns_primitives::endpoint::MAX_ENDPOINT_LEN || key.len() > key_max {
			self.metrics.inbound_dropped.inc();
			return;
		}
		if !self.queues.contains_key(&from) && self.queues.len() >= self.max_queued_peers {
			self.metrics.inbound_dropped.inc();
			return;
		}
		let queue = self.queues.entry(from).or_default();
		if queue.len() >= PEER_QUEUE {
			self.metrics.inbound_dropped.inc();
			return;
		}
		if queue.is_empty() {
			self.turn.push_back(from);
		}
		queue.push_back((key, value));
	}

	fn ban(&mut self, peer: PeerId, time: Duration) {
		if self.protected.contains(&peer) {
			return;
		}
		if self.banned.len() >= MAX_BANNED && !self.banned.contains_key(&peer) {
			if let Some(first) = self.banned.iter().min_by_key(|(_, t)| **t).map(|(p, _)| *p) {
				self.banned.remove(&first);
				self.swarm.behaviour_mut().banned.unblock_peer(first);
			}
		}
		tracing::info!(target: "ddns::dht", "banned {peer} for {time:?}: invalid records");
		self.metrics.banned.inc();
		self.banned.insert(peer, Instant::now() + time);
		self.swarm.behaviour_mut().banned.block_peer(peer);
		self.kad().remove_peer(&peer);
		self.queues.remove(&peer);
		self.turn.retain(|p| *p != peer);
	}

	fn kad(&mut self) -> &mut kad::Behaviour<kad::store::MemoryStore> {
		&mut self.swarm.behaviour_mut().kad
	}

	/// Whether an address of a peer may enter the routing table: direct, usable, and short.
	fn routable(&self, addr: &Multiaddr) -> bool {
		!relayed(addr) && usable(addr, self.allow_private) && addr.len() <= MAX_ADDR_BYTES
	}

	/// The peer's addresses in the routing table (without their `/p2p/<peer>`).
	fn routed(&mut self, peer: PeerId) -> Vec<Multiaddr> {
		let Some(bucket) = self.kad().kbucket(peer) else { return Vec::new() };
		let held: Option<Vec<Multiaddr>> = bucket
			.iter()
			.find(|e| *e.node.key.preimage() == peer)
			.map(|e| e.node.value.iter().map(without_peer).collect());
		held.unwrap_or_default()
	}

	/// Keeps the newest [`MAX_ADDRS_PER_PEER`] routable addresses of `peer`'s entry, whoever
	/// added the others.
	fn trim(&mut self, peer: PeerId) {
		let held = self.routed(peer);
		let (keep, drop): (Vec<Multiaddr>, Vec<Multiaddr>) =
			held.into_iter().partition(|a| self.routable(a));
		let surplus = keep.len().saturating_sub(MAX_ADDRS_PER_PEER);
		// Oldest first: the first ones go. An entry left with nothing is dropped, as it should.
		for addr in drop.iter().chain(&keep[..surplus]) {
			self.kad().remove_address(&peer, addr);
		}
	}

	/// Puts routable addresses of `peer` in the routing table, never more than
	/// [`MAX_ADDRS_PER_PEER`] in all: a peer whose id sits next to a name's key cannot grow its
	/// entry until the answers that carry it pass the message limit and the name stops
	/// resolving. With `replace` (the peer's identify), the list given replaces the one held;
	/// otherwise (an address we reached it at) it is added only where there is room.
	fn route(&mut self, peer: PeerId, addrs: &[Multiaddr], replace: bool) {
		let given: Vec<Multiaddr> = addrs
			.iter()
			.map(without_peer)
			.filter(|a| self.routable(a))
			.take(MAX_ADDRS_PER_PEER)
			.collect();
		if given.is_empty() {
			return;
		}
		// A peer waiting in a full bucket shows no addresses here, so its pending entry may
		// gather a few per message until it is applied (and trimmed, `Task::trim`) or dropped
		// (after a minute). Starting it over instead would make each message dial the bucket's
		// oldest peer.
		let held = self.routed(peer);
		let mut room = MAX_ADDRS_PER_PEER.saturating_sub(held.len());
		for addr in given.iter().filter(|a| !held.contains(a)) {
			if !replace && room == 0 {
				break;
			}
			room = room.saturating_sub(1);
			self.kad().add_address(&peer, addr.clone());
		}
		// Added first, removed after: removing a peer's last address drops it from its bucket.
		if replace {
			for old in held.iter().filter(|a| !given.contains(a)) {
				self.kad().remove_address(&peer, old);
			}
		}
	}

	/// Direct external addresses we trust (relayed ones are the relay's, not ours), without
	/// a trailing `/p2p/<us>`.
	fn external(&self) -> Vec<Multiaddr> {
		let mut out: Vec<Multiaddr> = Vec::new();
		for addr in self.swarm.external_addresses() {
			let addr = without_peer(addr);
			if !relayed(&addr)
				&& usable(&addr, self.allow_private)
				&& self.trusted(&addr)
				&& !out.contains(&addr)
			{
				out.push(addr);
			}
		}
		// The operator's first, then a stable order (records change only when the set does).
		out.sort_by_key(|a| (!self.announce.contains(a), a.to_vec()));
		out.truncate(MAX_EXTERNAL);
		out
	}

	/// Whether a direct address confirmed as external is ours to use: announced, listened on,
	/// mapped by UPnP, a lab address in a lab, or observed by peers at two different IPs.
	fn trusted(&self, addr: &Multiaddr) -> bool {
		let confirmed_by_autonat = self.reachability == Reachability::Public
			&& (self.listen.contains(addr)
				|| self.observed.values().filter(|(a, _)| a == addr).count() >= MIN_OBSERVERS);
		self.announce.iter().any(|a| without_peer(a) == *addr)
			|| self.upnp_mapped.contains(addr)
			|| (self.allow_private && !global(addr))
			|| confirmed_by_autonat
	}

	/// The `/p2p-circuit` addresses of the relays we hold reservations on (a few per relay),
	/// without a trailing `/p2p/<us>`.
	fn relayed_addrs(&self) -> Vec<Multiaddr> {
		let mut out: Vec<Multiaddr> = Vec::new();
		for (peer, relay) in &self.relays {
			if !relay.held {
				continue;
			}
			let mine = self
				.listen
				.iter()
				.filter(|a| relay_of(a) == Some(*peer) && usable(a, self.allow_private))
				.map(without_peer)
				.take(MAX_ADDRS_PER_RELAY);
			for addr in mine {
				if !out.contains(&addr) {
					out.push(addr);
				}
			}
		}
		out
	}

	/// Drops external addresses we do not trust from the swarm, so that identify and the relay
	/// (which hands its external addresses to its clients) do not spread them.
	fn prune_external(&mut self) {
		let untrusted: Vec<Multiaddr> = self
			.swarm
			.external_addresses()
			.filter(|a| {
				if relayed(a) {
					relay_of(a).is_none_or(|r| !self.relays.get(&r).is_some_and(|r| r.held))
				} else {
					!self.trusted(&without_peer(a))
				}
			})
			.cloned()
			.collect();
		for addr in untrusted {
			self.swarm.remove_external_address(&addr);
		}
	}

	/// Kademlia serves only with a direct external address: a peer that others cannot dial
	/// would only slow their queries down.
	fn set_kad_mode(&mut self) {
		let server = !self.external().is_empty();
		if server != self.kad_server {
			let mode = if server { kad::Mode::Server } else { kad::Mode::Client };
			tracing::info!(target: "ddns::dht", "Kademlia {mode} mode");
			self.kad().set_mode(Some(mode));
			self.kad_server = server;
		}
		self.metrics.kad_server.set(server as i64);
	}

	fn tick(&mut self) {
		self.prune_external();
		self.set_kad_mode();
		self.maintain_reservations();
		let now = Instant::now();
		if self.peers > 0 && now >= self.next_bootstrap {
			let routing_table: usize = self.kad().kbuckets().map(|b| b.num_entries()).sum();
			self.next_bootstrap = now + BOOTSTRAP_EVERY;
			if routing_table < ROUTING_TABLE_LOW {
				let _ = self.kad().bootstrap();
			}
		}
		// Whoever asked is gone: stop waiting for them.
		self.connects.retain(|c| !c.reply.is_canceled());
		let abandoned: Vec<kad::QueryId> =
			self.gets.iter().filter(|(_, v)| v.is_closed()).map(|(id, _)| *id).collect();
		for id in abandoned {
			self.gets.remove(&id);
			if let Some(mut query) = self.kad().query_mut(&id) {
				query.finish();
			}
		}
		let ended: Vec<PeerId> =
			self.banned.iter().filter(|(_, until)| **until <= now).map(|(p, _)| *p).collect();
		for peer in ended {
			self.banned.remove(&peer);
			self.swarm.behaviour_mut().banned.unblock_peer(peer);
		}
		let mut i = 0;
		while i < self.connects.len() {
			if self.connects[i].deadline <= now {
				let c = self.connects.swap_remove(i);
				let result = match c.relayed {
					Some(relayed) => Ok(Connected {
						direct: None,
						relayed: Some(relayed),
						hole_punched: false,
						elapsed: c.started.elapsed(),
					}),
					None => Err(c.error.unwrap_or_else(|| "no connection in time".into())),
				};
				let _ = c.reply.send(result);
			} else {
				i += 1;
			}
		}
	}

	/// Not reachable: keep reservations on up to [`MAX_RESERVATIONS`] relays. Reachable: none.
	fn maintain_reservations(&mut self) {
		// A relay that knows no address of its own grants reservations nobody can use.
		let useless: Vec<PeerId> = self
			.relays
			.iter()
			.filter(|(peer, r)| {
				r.held_since.is_some_and(|t| t.elapsed() > RESERVATION_ADDRESS_WAIT)
					&& !self
						.listen
						.iter()
						.any(|a| relay_of(a) == Some(**peer) && usable(a, self.allow_private))
			})
			.map(|(p, _)| *p)
			.collect();
		for peer in useless {
			tracing::info!(target: "ddns::dht", "relay {peer} gave no address; trying others");
			self.relay_failed(peer);
		}
		let reachable = !self.external().is_empty();
		let unreachable = !reachable
			&& (self.reachability == Reachability::Private
				|| self.started.elapsed() >= UNKNOWN_REACHABILITY_WAIT);
		if reachable {
			let peers: Vec<PeerId> = self.relays.keys().copied().collect();
			for peer in peers {
				self.drop_reservation(peer);
			}
		} else if unreachable {
			let now = Instant::now();
			let mut active = self.relays.values().filter(|r| r.listener.is_some()).count();
			let mut wanted: Vec<PeerId> = self
				.relays
				.iter()
				.filter(|(_, r)| r.listener.is_none() && r.retry_at <= now)
				.map(|(p, _)| *p)
				.collect();
			// Relays given by the operator first; one of them waiting displaces a relay met in
			// the DHT.
			wanted.sort_by_key(|p| !self.relays[p].configured);
			for peer in wanted {
				if active >= MAX_RESERVATIONS && self.relays[&peer].configured {
					let displaced = self
						.relays
						.iter()
						.find(|(_, r)| !r.configured && r.listener.is_some())
						.map(|(p, _)| *p);
					if let Some(other) = displaced {
						self.drop_reservation(other);
						active -= 1;
					}
				}
				if active >= MAX_RESERVATIONS {
					break;
				}
				let addr = self.relays[&peer].addr.clone().with(Protocol::P2pCircuit);
				match self.swarm.listen_on(addr.clone()) {
					Ok(id) => {
						tracing::info!(target: "ddns::dht", "asking {addr} for a reservation");
						if let Some(r) = self.relays.get_mut(&peer) {
							r.listener = Some(id);
						}
						active += 1;
					},
					Err(e) => {
						tracing::debug!(target: "ddns::dht", "cannot listen on {addr}: {e}");
						self.relay_failed(peer);
					},
				}
			}
		}
		let held = self.relays.values().filter(|r| r.held).count();
		self.metrics.reservations.set(held as i64);
	}

	/// Gives up the reservation on `peer` (or the request for one), if any.
	fn drop_reservation(&mut self, peer: PeerId) {
		let Some(relay) = self.relays.get_mut(&peer) else { return };
		relay.held = false;
		relay.held_since = None;
		if let Some(id) = relay.listener.take() {
			// False for a listener that closed by itself: nothing left to remove.
			self.swarm.remove_listener(id);
		}
	}

	/// A reservation was refused or lost: drop it, back off, and forget a relay met in the DHT
	/// after a few failures.
	fn relay_failed(&mut self, peer: PeerId) {
		self.drop_reservation(peer);
		let Some(relay) = self.relays.get_mut(&peer) else { return };
		relay.failures += 1;
		let backoff = RESERVATION_BACKOFF
			.saturating_mul(1 << (relay.failures - 1).min(5))
			.min(RESERVATION_BACKOFF_MAX);
		relay.retry_at = Instant::now() + backoff;
		if !relay.configured && relay.failures >= 3 {
			self.relays.remove(&peer);
		}
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
			Command::Get { key, values } => {
				let id = self.kad().get_record(kad::RecordKey::new(&key));
				self.gets.insert(id, values);
			},
			Command::Ban { peer, time } => self.ban(peer, time),
			Command::Freeze => {},
			Command::Routed { peer, reply } => {
				let _ = reply.send(self.routed(peer));
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
				let kad_server = self.kad_server;
				let _ = reply.send(Info {
					peer_id: Some(*self.swarm.local_peer_id()),
					listen: self.listen.clone(),
					connected_peers: self.peers,
					routing_table,
					stored_records,
					reachability: self.reachability,
					kad_server,
					external: self.external(),
					relayed: self.relayed_addrs(),
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
			Command::Challenge { peer, addr, challenge, reply } => {
				if self.challenges.len() >= MAX_CHALLENGES {
					let _ = reply.send(Err("too many challenges in flight".into()));
					return;
				}
				// Already connected or dialling: the request goes over that connection.
				let dial = DialOpts::peer_id(peer).addresses(vec![addr]).build();
				match self.swarm.dial(dial) {
					Ok(()) | Err(libp2p::swarm::DialError::DialPeerConditionFalse(_)) => {},
					Err(e) => {
						let _ = reply.send(Err(format!("dial: {e}")));
						return;
					},
				}
				let id = self.swarm.behaviour_mut().challenge.send_request(&peer, challenge);
				self.challenges.insert(id, reply);
			},
			Command::Respond { channel, answer } => {
				let _ = self.swarm.behaviour_mut().challenge.send_response(channel, answer);
			},
			Command::Connect { peer, addrs, fresh, wait, reply } => {
				if peer == *self.swarm.local_peer_id() {
					let _ = reply.send(Err("that is this daemon".into()));
					return;
				}
				if self.connects.len() >= MAX_PENDING_CONNECTS {
					let _ = reply.send(Err("too many connects in progress".into()));
					return;
				}
				if fresh && (self.protected.contains(&peer) || self.relays.contains_key(&peer)) {
					let _ =
						reply.send(Err("a bootnode or relay of this daemon is not cut off".into()));
					return;
				}
				if fresh {
					let _ = self.swarm.disconnect_peer_id(peer);
					self.connections.remove(&peer);
				} else if let Some(direct) = self.direct_connection(&peer) {
					let _ = reply.send(Ok(Connected {
						direct: Some(direct),
						relayed: None,
						hole_punched: false,
						elapsed: Duration::ZERO,
					}));
					return;
				}
				let addrs: Vec<Multiaddr> =
					addrs.into_iter().filter(|a| usable(a, self.allow_private)).collect();
				if addrs.is_empty() {
					let _ = reply.send(Err("no address this daemon may dial".into()));
					return;
				}
				let opts = DialOpts::peer_id(peer)
					.addresses(addrs)
					.condition(libp2p::swarm::dial_opts::PeerCondition::Always)
					.build();
				let dial = opts.connection_id();
				if let Err(e) = self.swarm.dial(opts) {
					let _ = reply.send(Err(e.to_string()));
					return;
				}
				let now = Instant::now();
				self.connects.push(PendingConnect {
					peer,
					dial,
					started: now,
					deadline: now + wait,
					relayed: None,
					error: None,
					reply,
				});
			},
		}
	}

	fn direct_connection(&self, peer: &PeerId) -> Option<Multiaddr> {
		self.connections
			.get(peer)?
			.iter()
			.find_map(|(_, addr, is_relayed)| (!is_relayed).then(|| addr.clone()))
	}

	/// A connection to `peer` is up: answer the connects waiting for it.
	fn connected(&mut self, peer: PeerId, addr: Multiaddr, is_relayed: bool) {
		let mut i = 0;
		while i < self.connects.len() {
			if self.connects[i].peer != peer {
				i += 1;
				continue;
			}
			if is_relayed {
				self.connects[i].relayed.get_or_insert(addr.clone());
				i += 1;
				continue;
			}
			let c = self.connects.swap_remove(i);
			let _ = c.reply.send(Ok(Connected {
				direct: Some(addr.clone()),
				hole_punched: c.relayed.is_some(),
				relayed: c.relayed,
				elapsed: c.started.elapsed(),
			}));
		}
	}

	fn event(&mut self, event: SwarmEvent<BehaviourEvent>) {
		match event {
			SwarmEvent::NewListenAddr { address, listener_id } => {
				// A relay repeats its addresses at every renewal.
				if self.listen.contains(&address) {
					return;
				}
				// A relay names the addresses of its reservation: they must be its own, usable,
				// and few; a relay that sends others is left.
				if relayed(&address) {
					let relay = self
						.relays
						.iter()
						.find(|(_, r)| r.listener == Some(listener_id))
						.map(|(p, _)| *p);
					let count = |relay: PeerId| {
						self.listen.iter().filter(|a| relay_of(a) == Some(relay)).count()
					};
					let fine = relay.is_some_and(|r| {
						relay_of(&address) == Some(r)
							&& usable(&address, self.allow_private)
							&& count(r) < MAX_ADDRS_PER_RELAY
					});
					if !fine {
						tracing::info!(target: "ddns::dht", "relay address {address} refused; leaving that relay");
						match relay {
							Some(r) => self.relay_failed(r),
							None => {
								self.swarm.remove_listener(listener_id);
							},
						}
						return;
					}
				}
				tracing::info!(target: "ddns::dht", "listening on {address}");
				// In a lab every address counts as reachable; AutoNAT would say so after a
				// while, and tests should not wait for it.
				if self.allow_private && !relayed(&address) && !global(&address) {
					self.swarm.add_external_address(address.clone());
				}
				self.listen.push(address);
			},
			SwarmEvent::ExpiredListenAddr { address, .. } => {
				if self.allow_private && !self.announce.contains(&address) {
					self.swarm.remove_external_address(&address);
				}
				self.listen.retain(|a| *a != address);
			},
			SwarmEvent::ListenerClosed { listener_id, reason, addresses } => {
				self.listen.retain(|a| !addresses.contains(a));
				let lost = self
					.relays
					.iter()
					.find(|(_, r)| r.listener == Some(listener_id))
					.map(|(p, _)| *p);
				if let Some(peer) = lost {
					tracing::info!(target: "ddns::dht", "reservation on relay {peer} ended: {reason:?}");
					self.metrics.reservation_failures.inc();
					self.relay_failed(peer);
				}
			},
			SwarmEvent::ExternalAddrConfirmed { address } => {
				tracing::info!(target: "ddns::dht", "external address {address}");
				self.set_kad_mode();
			},
			SwarmEvent::ExternalAddrExpired { address } => {
				tracing::info!(target: "ddns::dht", "external address {address} expired");
				self.set_kad_mode();
			},
			SwarmEvent::ConnectionEstablished {
				peer_id,
				connection_id,
				endpoint,
				num_established,
				..
			} => {
				let addr = match &endpoint {
					ConnectedPoint::Dialer { address, .. } => address.clone(),
					ConnectedPoint::Listener { send_back_addr, .. } => send_back_addr.clone(),
				};
				let is_relayed = endpoint.is_relayed();
				self.connections.entry(peer_id).or_default().push((
					connection_id,
					addr.clone(),
					is_relayed,
				));
				self.connected(peer_id, addr, is_relayed);
				if num_established.get() == 1 {
					self.peers += 1;
					if self.peers == 1 {
						let _ = self.kad().bootstrap();
					}
				}
			},
			SwarmEvent::ConnectionClosed { peer_id, connection_id, num_established, .. } => {
				if let Some(list) = self.connections.get_mut(&peer_id) {
					list.retain(|(id, _, _)| *id != connection_id);
					if list.is_empty() {
						self.connections.remove(&peer_id);
					}
				}
				if num_established == 0 {
					self.peers = self.peers.saturating_sub(1);
					// Its records go with it: queues are only for connected peers.
					if self.queues.remove(&peer_id).is_some() {
						self.turn.retain(|p| *p != peer_id);
					}
				}
			},
			SwarmEvent::OutgoingConnectionError { connection_id, error, .. } => {
				// The dial of a connect failed: nothing got through (a later hole punch is a
				// dial of its own).
				if let Some(i) = self.connects.iter().position(|c| c.dial == connection_id) {
					if self.connects[i].relayed.is_none() {
						let c = self.connects.swap_remove(i);
						let _ = c.reply.send(Err(error.to_string()));
					}
				}
			},
			// A peer's own word on where it listens: a few short usable addresses, never private
			// ones; each message replaces what the last one said (`Task::route`).
			SwarmEvent::Behaviour(BehaviourEvent::Identify(identify::Event::Received {
				peer_id,
				connection_id,
				info,
			})) => {
				// Where the peer is, as our side of the connection sees it.
				let seen_at = self
					.connections
					.get(&peer_id)
					.and_then(|l| l.iter().find(|(id, _, _)| *id == connection_id))
					.filter(|(_, _, is_relayed)| !is_relayed)
					.and_then(|(_, addr, _)| ip_of(addr));
				if let Some(ip) = seen_at {
					self.observe(without_peer(&info.observed_addr), ip);
				}
				let addrs: Vec<Multiaddr> = info
					.listen_addrs
					.into_iter()
					.filter(|a| self.routable(a))
					.take(MAX_ADDRS_PER_PEER)
					.collect();
				if info.protocols.contains(&self.kad_protocol) {
					self.route(peer_id, &addrs, true);
					let new = !addrs.is_empty() && !self.known_servers.contains(&peer_id);
					// A server we did not know (a seed that was still a client when we met it):
					// look around again now, not at the next round; that is how a daemon behind
					// a NAT meets relays.
					if new && self.known_servers.len() < MAX_KNOWN_SERVERS {
						self.known_servers.insert(peer_id);
						self.bootstrap_soon();
					}
				}
				// A relay of another ddns chain would do, but it is not ours to use up.
				if info.protocols.contains(&relay::HOP_PROTOCOL_NAME)
					&& info.protocol_version == self.identify_version
				{
					if let Some(ip) = seen_at {
						self.relay_met(peer_id, ip, addrs);
					}
				}
			},
			SwarmEvent::Behaviour(BehaviourEvent::Kad(event)) => self.kad_event(event),
			SwarmEvent::Behaviour(BehaviourEvent::Autonat(autonat::Event::StatusChanged {
				old,
				new,
			})) => {
				tracing::info!(target: "ddns::dht", "reachability: {old:?} -> {new:?}");
				self.reachability = match new {
					autonat::NatStatus::Public(_) => Reachability::Public,
					autonat::NatStatus::Private => Reachability::Private,
					autonat::NatStatus::Unknown => Reachability::Unknown,
				};
				self.metrics.reachability.set(match self.reachability {
					Reachability::Unknown => 0,
					Reachability::Public => 1,
					Reachability::Private => 2,
				});
				// Addresses confirmed before no longer reach us (a move behind a NAT); the
				// operator's own and UPnP's stay until they expire.
				if self.reachability == Reachability::Private {
					let stale: Vec<Multiaddr> = self
						.swarm
						.external_addresses()
						.filter(|a| {
							let bare = without_peer(a);
							!relayed(a)
								&& global(a) && !self.announce.iter().any(|x| without_peer(x) == bare)
								&& !self.upnp_mapped.contains(&bare)
						})
						.cloned()
						.collect();
					for addr in stale {
						self.swarm.remove_external_address(&addr);
					}
				}
				self.set_kad_mode();
				self.maintain_reservations();
			},
			SwarmEvent::Behaviour(BehaviourEvent::RelayClient(
				relay::client::Event::ReservationReqAccepted { relay_peer_id, renewal, .. },
			)) => {
				if let Some(relay) = self.relays.get_mut(&relay_peer_id) {
					relay.held = true;
					if renewal {
						// Only a reservation that lasted clears the relay's record.
						if relay.held_since.is_some_and(|t| t.elapsed() >= RESERVATION_PROVEN) {
							relay.failures = 0;
						}
					} else {
						relay.held_since = Some(Instant::now());
					}
				}
				if !renewal {
					tracing::info!(target: "ddns::dht", "reservation on relay {relay_peer_id}");
				}
				let held = self.relays.values().filter(|r| r.held).count();
				self.metrics.reservations.set(held as i64);
			},
			SwarmEvent::Behaviour(BehaviourEvent::Relay(event)) => self.relay_event(event),
			SwarmEvent::Behaviour(BehaviourEvent::Challenge(event)) => self.challenge_event(event),
			SwarmEvent::Behaviour(BehaviourEvent::Dcutr(dcutr::Event {
				remote_peer_id,
				result,
			})) => {
				let outcome = if result.is_ok() { "success" } else { "failure" };
				tracing::info!(target: "ddns::dht", "hole punch to {remote_peer_id}: {result:?}");
				self.metrics.hole_punches.get_or_create(&vec![("result", outcome)]).inc();
			},
			SwarmEvent::Behaviour(BehaviourEvent::Upnp(event)) => {
				let what = match &event {
					upnp::Event::NewExternalAddr(_) => "mapped",
					upnp::Event::ExpiredExternalAddr(_) => "expired",
					upnp::Event::GatewayNotFound => "no_gateway",
					upnp::Event::NonRoutableGateway => "non_routable_gateway",
				};
				tracing::info!(target: "ddns::dht", "UPnP: {event:?}");
				match event {
					upnp::Event::NewExternalAddr(addr) => {
						self.upnp_mapped.insert(without_peer(&addr));
						self.set_kad_mode();
					},
					upnp::Event::ExpiredExternalAddr(addr) => {
						self.upnp_mapped.remove(&without_peer(&addr));
						self.set_kad_mode();
					},
					_ => {},
				}
				self.metrics.upnp.get_or_create(&vec![("event", what)]).inc();
			},
			_ => {},
		}
	}

	/// Bootstraps within a second (at the next tick), at most once a second.
	fn bootstrap_soon(&mut self) {
		self.next_bootstrap = self.next_bootstrap.min(Instant::now());
	}

	/// Remembers that a peer at `ip` observed us at `addr` (its network's latest word).
	fn observe(&mut self, addr: Multiaddr, ip: IpAddr) {
		if relayed(&addr) || !usable(&addr, self.allow_private) {
			return;
		}
		let net = net_of(ip);
		if !self.observed.contains_key(&net) && self.observed.len() >= MAX_OBSERVERS {
			let oldest = self.observed.iter().min_by_key(|(_, (_, at))| *at).map(|(n, _)| *n);
			if let Some(oldest) = oldest {
				self.observed.remove(&oldest);
			}
		}
		self.observed.insert(net, (addr, Instant::now()));
	}

	/// A peer that serves Circuit Relay v2, at an address whose IP is the one its connection
	/// comes from, becomes a relay candidate (one per IP, [`MAX_RELAY_CANDIDATES`] at most).
	fn relay_met(&mut self, peer: PeerId, seen_at: IpAddr, addrs: Vec<Multiaddr>) {
		if self.relays.contains_key(&peer) || self.relays.len() >= MAX_RELAY_CANDIDATES {
			return;
		}
		if self.relays.values().any(|r| ip_of(&r.addr).map(net_of) == Some(net_of(seen_at))) {
			return;
		}
		if let Some(addr) = addrs.into_iter().find(|a| ip_of(a) == Some(seen_at)) {
			tracing::info!(target: "ddns::dht", "relay candidate {peer} at {addr}");
			self.relays.insert(peer, Relay::new(addr.with(Protocol::P2p(peer)), false));
		}
	}

	fn challenge_event(&mut self, event: request_response::Event<Challenge, Answer>) {
		use request_response::{Event, Message};
		match event {
			Event::Message { peer, message: Message::Request { request, channel, .. } } => {
				// One challenge per peer per `CHALLENGE_INTERVAL` (a prober sends one a round);
				// more, or a full queue, go unanswered.
				let now = Instant::now();
				if self.challenged.len() >= MAX_CHALLENGERS {
					self.challenged.retain(|_, at| now.duration_since(*at) < CHALLENGE_INTERVAL);
				}
				let recent = self
					.challenged
					.get(&peer)
					.is_some_and(|at| now.duration_since(*at) < CHALLENGE_INTERVAL);
				if recent || self.challenged.len() >= MAX_CHALLENGERS {
					return;
				}
				self.challenged.insert(peer, now);
				// Ahead of the records, so that a flood of them cannot fail our probes.
				if self.challenges_waiting.len() < MAX_CHALLENGES_WAITING {
					self.challenges_waiting.push_back(Inbound::Challenge {
						from: peer,
						challenge: request,
						channel,
					});
				}
			},
			Event::Message { message: Message::Response { request_id, response }, .. } => {
				if let Some(reply) = self.challenges.remove(&request_id) {
					let _ = reply.send(Ok(response));
				}
			},
			Event::OutboundFailure { request_id, error, .. } => {
				if let Some(reply) = self.challenges.remove(&request_id) {
					let _ = reply.send(Err(format!("challenge: {error}")));
				}
			},
			Event::InboundFailure { .. } | Event::ResponseSent { .. } => {},
		}
	}

	fn relay_event(&mut self, event: relay::Event) {
		let (family, what) = match event {
			relay::Event::ReservationReqAccepted { renewed: false, .. } => {
				("reservations", "accepted")
			},
			relay::Event::ReservationReqAccepted { renewed: true, .. } => {
				("reservations", "renewed")
			},
			relay::Event::ReservationReqDenied { src_peer_id } => {
				tracing::info!(target: "ddns::relay", "reservation of {src_peer_id} denied");
				("reservations", "denied")
			},
			relay::Event::ReservationTimedOut { .. } => ("reservations", "timed_out"),
			relay::Event::CircuitReqAccepted { .. } => ("circuits", "accepted"),
			relay::Event::CircuitReqDenied { .. } => ("circuits", "denied"),
			relay::Event::CircuitClosed { .. } => ("circuits", "closed"),
			_ => return,
		};
		let family = if family == "reservations" {
			&self.metrics.relay_reservations
		} else {
			&self.metrics.relay_circuits
		};
		family.get_or_create(&vec![("event", what)]).inc();
	}

	fn kad_event(&mut self, event: kad::Event) {
		match event {
			kad::Event::RoutablePeer { peer, address }
			| kad::Event::PendingRoutablePeer { peer, address } => {
				self.route(peer, &[address], false);
			},
			// Kademlia adds addresses on its own too: the one it dialed a peer at (which any
			// FIND_NODE answer may have named), and a pending entry's when it is applied.
			kad::Event::RoutingUpdated { peer, .. } => self.trim(peer),
			kad::Event::InboundRequest {
				request: kad::InboundRequest::PutRecord { source, record: Some(record), .. },
			} => {
				self.queue_inbound(source, record.key.to_vec(), record.value);
			},
			kad::Event::OutboundQueryProgressed { id, result, step, .. } => match result {
				kad::QueryResult::GetRecord(result) => {
					let mut done = step.last;
					if let (Ok(kad::GetRecordOk::FoundRecord(found)), Some(values)) =
						(result, self.gets.get(&id))
					{
						// A full stream drops the value: the reader has more than it needs.
						if let Err(mpsc::error::TrySendError::Closed(_)) =
							values.try_send(found.record.value)
						{
							done = true;
						}
					}
					if done {
						self.gets.remove(&id);
						if !step.last {
							if let Some(mut query) = self.kad().query_mut(&id) {
								query.finish();
							}
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

/// Whether `addr` starts with a global IP (not a lab address).
fn global(addr: &Multiaddr) -> bool {
	usable(addr, false)
}

#[cfg(test)]
mod tests {
	use super::*;

	/// The largest GET_VALUE answer a daemon can send: the record and the 20 closest peers,
	/// each with as many addresses as long as the routing table keeps, encoded as Kademlia's
	/// protobuf does (`dht.proto`: a length-delimited field is its tag, a varint length and
	/// the bytes). It must fit the 16 KiB message limit with room to spare.
	#[test]
	fn a_full_answer_fits_one_message() {
		fn field(len: usize) -> usize {
			let mut varint = 1;
			while len >> (7 * varint) != 0 {
				varint += 1;
			}
			1 + varint + len
		}
		let peer = PeerId::from(identity::Keypair::generate_ed25519().public());
		// The longest address the table takes, with the `/p2p/<peer>` Kademlia appends.
		let with_peer = MAX_ADDR_BYTES + Multiaddr::empty().with(Protocol::P2p(peer)).len();
		let one_peer = field(peer.to_bytes().len()) + MAX_ADDRS_PER_PEER * field(with_peer) + 2;
		let key = ddns_primitives::endpoint::dht_key(&[b'a'; 253]);
		let record = field(field(key.len()) + field(ddns_primitives::endpoint::MAX_ENDPOINT_LEN));
		let message = 2 + field(key.len()) + record + 20 * field(one_peer) + 4;
		assert!(message < 12 * 1024, "{message} bytes");
		// Without the cap, one peer pushing identify every few seconds would pass the limit
		// alone within minutes: 8 addresses per message, 150 messages.
		assert!(150 * 8 * field(with_peer) > 16 * 1024);
	}

	#[test]
	fn only_global_addresses_are_usable_unless_private_ones_are_allowed() {
		let private = [
			"/ip4/127.0.0.1/tcp/1",
			"/ip4/10.1.2.3/tcp/1",
			"/ip4/172.17.0.2/tcp/1",
			"/ip4/192.168.1.2/udp/1/quic-v1",
			"/ip4/169.254.1.1/tcp/1",
			"/ip4/100.64.0.1/tcp/1",
			"/ip4/192.0.2.1/tcp/1",
			"/ip4/198.18.0.1/tcp/1",
			"/ip4/0.0.0.0/tcp/1",
			"/ip6/::1/tcp/1",
			"/ip6/fd00::1/tcp/1",
			"/ip6/fe80::1/tcp/1",
			"/ip6/2001:db8::1/tcp/1",
			"/ip6/::ffff:192.168.0.1/tcp/1",
			"/memory/5",
		];
		for a in private {
			let a: Multiaddr = a.parse().unwrap();
			assert!(!usable(&a, false), "{a} is not global");
			assert!(usable(&a, true), "{a} is allowed in a lab");
		}
		let public = [
			"/ip4/11.0.0.2/tcp/4001",
			"/ip4/1.1.1.1/udp/4001/quic-v1",
			"/ip6/2a00:1450::1/tcp/1",
			"/dns4/seed.example.org/tcp/1",
			"/ip4/11.0.0.3/udp/4001/quic-v1/p2p/12D3KooWPjceQrSwdWXPyLLeABRXmuqt69Rg3sBYbU1Nft9HyQ6X/p2p-circuit",
		];
		for a in public {
			let a: Multiaddr = a.parse().unwrap();
			assert!(usable(&a, false), "{a} is global");
		}
	}

	#[test]
	fn circuit_addresses_name_their_relay_and_observers_count_by_network() {
		let relay: PeerId = "12D3KooWPjceQrSwdWXPyLLeABRXmuqt69Rg3sBYbU1Nft9HyQ6X".parse().unwrap();
		let me = PeerId::random();
		let circuit: Multiaddr =
			format!("/ip4/11.0.0.3/udp/4001/quic-v1/p2p/{relay}/p2p-circuit/p2p/{me}")
				.parse()
				.unwrap();
		assert_eq!(relay_of(&circuit), Some(relay));
		assert_eq!(peer_of(&circuit), Some(me));
		assert_eq!(without_peer(&circuit).iter().last(), Some(Protocol::P2pCircuit));
		let direct: Multiaddr = format!("/ip4/11.0.0.3/tcp/4001/p2p/{relay}").parse().unwrap();
		assert_eq!(relay_of(&direct), None);
		// Two hosts of one /24 (or /48) are one observer.
		let ip = |s: &str| s.parse::<IpAddr>().unwrap();
		assert_eq!(net_of(ip("11.0.0.2")), net_of(ip("11.0.0.3")));
		assert_ne!(net_of(ip("11.0.0.2")), net_of(ip("11.0.1.2")));
		assert_eq!(net_of(ip("2a00:1450:1:1::1")), net_of(ip("2a00:1450:1:2::1")));
		assert_ne!(net_of(ip("2a00:1450:1::1")), net_of(ip("2a00:1450:2::1")));
	}

	#[test]
	fn records_carry_direct_addresses_else_relayed_ones() {
		let direct: Multiaddr = "/ip4/11.0.0.2/udp/4001/quic-v1".parse().unwrap();
		let circuit: Multiaddr = "/ip4/11.0.0.3/udp/4001/quic-v1/p2p/12D3KooWPjceQrSwdWXPyLLeABRXmuqt69Rg3sBYbU1Nft9HyQ6X/p2p-circuit".parse().unwrap();
		let mut info = Info { relayed: vec![circuit.clone()], ..Default::default() };
		assert_eq!(info.publishable(), &[circuit]);
		info.external = vec![direct.clone()];
		assert_eq!(info.publishable(), &[direct]);
	}
}
