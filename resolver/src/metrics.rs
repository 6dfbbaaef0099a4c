//! Prometheus metrics, served as text at `GET /metrics`.

use prometheus_client::{
	encoding::text::encode,
	metrics::{counter::Counter, family::Family, gauge::Gauge, histogram::Histogram},
	registry::Registry,
};

type Labels = Vec<(&'static str, &'static str)>;

pub struct Metrics {
	registry: Registry,
	/// Endpoint lookups by result: `found`, `none`, `error`.
	pub lookups: Family<Labels, Counter>,
	/// Seconds per endpoint lookup that went to the DHT.
	pub lookup_seconds: Histogram,
	/// Records refused, by reason (see `validate::Reject::code`).
	pub rejected: Family<Labels, Counter>,
	/// Records accepted from peers and stored.
	pub stored: Counter,
	/// Records this daemon signed and published, and publications no peer took.
	pub published: Counter,
	pub publish_failures: Counter,
	/// The finalized block the daemon answers from.
	pub finalized: Gauge,
	pub peers: Gauge,
	/// HTTP requests by status class, DNS queries by response code.
	pub http: Family<Labels, Counter>,
	pub dns: Family<Labels, Counter>,
	/// DNS queries over UDP left unanswered by the daemon, by reason: `in_flight` (the cap on
	/// queries answered at once), `receive` (a socket error on reading), `send` (the answer
	/// could not be sent). Datagrams the kernel drops before the daemon reads them are not
	/// here (see `ss -uamn`, `d` in `skmem`). `rate_limit`: dropped by RRL.
	pub dns_dropped: Family<Labels, Counter>,
	/// UDP answers over `--dns-rrl-rate`, by action: `slipped` (sent as an empty truncated
	/// reply, or BADCOOKIE) or `dropped`; their sum is the answers limited.
	pub dns_rate_limited: Family<Labels, Counter>,
	/// TCP connections closed at once because their address had its cap open already, by
	/// face: `dns` (`--dns-tcp-connections-per-ip`), `http` (`--http-connections-per-ip`).
	pub connections_refused: Family<Labels, Counter>,
	/// Reachability, relays and hole punching (see [`NetMetrics`]).
	pub net: NetMetrics,
	/// Resolver challenges (`/ddns/probe/1.0.0`) by result: `answered`, `dropped` (the queue
	/// was full, or the chain could not say).
	pub challenges: Family<Labels, Counter>,
	/// What `--probe` saw (see [`ProbeMetrics`]).
	pub probe: ProbeMetrics,
}

/// What the prober (`--probe`) saw.
#[derive(Clone, Debug, Default)]
pub struct ProbeMetrics {
	/// Probes by service kind (`seed`, `relay`, `resolver`) and verdict (`up`, `down`, `wrong`).
	pub results: Family<Labels, Counter>,
	/// Rounds whose results were handed to the node.
	pub rounds: Counter,
}

impl ProbeMetrics {
	pub fn result(
		&self,
		kind: ddns_operators_runtime_api::ServiceKind,
		verdict: ddns_operators_runtime_api::Verdict,
	) {
		use ddns_operators_runtime_api::{ServiceKind as K, Verdict as V};
		let kind = match kind {
			K::Seed => "seed",
			K::Relay => "relay",
			K::Resolver => "resolver",
		};
		let verdict = match verdict {
			V::Up => "up",
			V::Down => "down",
			V::Wrong => "wrong",
		};
		self.results.get_or_create(&vec![("kind", kind), ("verdict", verdict)]).inc();
	}
}

/// What the swarm reports about reachability (`docs/endpoints.md`).
#[derive(Clone, Debug, Default)]
pub struct NetMetrics {
	/// AutoNAT's verdict: 0 unknown, 1 public, 2 private.
	pub reachability: Gauge,
	/// 1 while Kademlia serves other peers (server mode), 0 as a client.
	pub kad_server: Gauge,
	/// Reservations this daemon holds on relays, and reservations refused or lost.
	pub reservations: Gauge,
	pub reservation_failures: Counter,
	/// As a relay (`--relay`): reservations by event (`accepted`, `renewed`, `denied`,
	/// `timed_out`) and circuits by event (`accepted`, `denied`, `closed`).
	pub relay_reservations: Family<Labels, Counter>,
	pub relay_circuits: Family<Labels, Counter>,
	/// Hole punches (DCUtR) by result: `success`, `failure`.
	pub hole_punches: Family<Labels, Counter>,
	/// UPnP port mapping by event: `mapped`, `expired`, `no_gateway`, `non_routable_gateway`.
	pub upnp: Family<Labels, Counter>,
	/// Inbound connections refused for coming from an IP that has its share.
	pub refused_per_ip: Counter,
	/// Peers banned for sending invalid records.
	pub banned: Counter,
	/// Inbound records dropped because their sender's queue was full.
	pub inbound_dropped: Counter,
	/// Lookups that joined one already running for the same name.
	pub lookups_merged: Counter,
}

impl Metrics {
	pub fn new() -> Self {
		let mut registry = Registry::with_prefix("ddns_resolver");
		let lookups = Family::<Labels, Counter>::default();
		let lookup_seconds = Histogram::new(
			[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1.0, 2.5].into_iter(),
		);
		let rejected = Family::<Labels, Counter>::default();
		let (stored, published, publish_failures) = Default::default();
		let (finalized, peers) = Default::default();
		let (http, dns, dns_dropped) = Default::default();
		let (dns_rate_limited, connections_refused) = Default::default();
		registry.register("lookups", "Endpoint lookups by result", lookups.clone());
		registry.register(
			"lookup_seconds",
			"Seconds per endpoint lookup in the DHT",
			lookup_seconds.clone(),
		);
		registry.register(
			"records_rejected",
			"Endpoint records refused, by reason",
			rejected.clone(),
		);
		registry.register(
			"records_stored",
			"Endpoint records accepted from peers",
			Counter::clone(&stored),
		);
		registry.register(
			"records_published",
			"Endpoint records signed and published",
			Counter::clone(&published),
		);
		registry.register(
			"publish_failures",
			"Publications no peer accepted",
			Counter::clone(&publish_failures),
		);
		registry.register(
			"finalized_block",
			"Finalized block the answers reflect",
			Gauge::clone(&finalized),
		);
		registry.register("peers", "Connected DHT peers", Gauge::clone(&peers));
		registry.register("http_requests", "HTTP requests by status", Family::clone(&http));
		registry.register("dns_queries", "DNS queries by response code", Family::clone(&dns));
		registry.register(
			"dns_dropped",
			"DNS queries over UDP left unanswered, by reason",
			Family::clone(&dns_dropped),
		);
		registry.register(
			"dns_rate_limited",
			"UDP answers over the rate limit, by action (slipped or dropped)",
			Family::clone(&dns_rate_limited),
		);
		registry.register(
			"connections_refused",
			"TCP connections closed at once for their address's cap, by face",
			Family::clone(&connections_refused),
		);
		let net = NetMetrics::default();
		registry.register(
			"reachability",
			"AutoNAT's verdict: 0 unknown, 1 public, 2 private",
			net.reachability.clone(),
		);
		registry.register(
			"kad_server",
			"1 while Kademlia serves other peers",
			net.kad_server.clone(),
		);
		registry.register(
			"relay_reservations_held",
			"Reservations held on relays",
			net.reservations.clone(),
		);
		registry.register(
			"relay_reservation_failures",
			"Reservations refused or lost",
			net.reservation_failures.clone(),
		);
		registry.register(
			"relay_served_reservations",
			"As a relay: reservations by event",
			net.relay_reservations.clone(),
		);
		registry.register(
			"relay_served_circuits",
			"As a relay: circuits by event",
			net.relay_circuits.clone(),
		);
		registry.register(
			"hole_punches",
			"Hole punches (DCUtR) by result",
			net.hole_punches.clone(),
		);
		registry.register("upnp", "UPnP port mapping events", net.upnp.clone());
		registry.register(
			"connections_refused_per_ip",
			"Inbound connections refused: their IP had its share",
			net.refused_per_ip.clone(),
		);
		registry.register(
			"peers_banned",
			"Peers banned for a while for sending invalid records",
			net.banned.clone(),
		);
		registry.register(
			"records_inbound_dropped",
			"Inbound records dropped: their sender's queue was full",
			net.inbound_dropped.clone(),
		);
		registry.register(
			"lookups_merged",
			"Lookups that joined one already running for the same name",
			net.lookups_merged.clone(),
		);
		let challenges = Family::<Labels, Counter>::default();
		registry.register(
			"challenges",
			"Resolver challenges by result",
			Family::clone(&challenges),
		);
		let probe = ProbeMetrics::default();
		registry.register(
			"probes",
			"Probes of the operators' services by kind and verdict",
			probe.results.clone(),
		);
		registry.register(
			"probe_rounds_reported",
			"Rounds whose results were handed to the node",
			probe.rounds.clone(),
		);
		Self {
			challenges,
			probe,
			net,
			registry,
			lookups,
			lookup_seconds,
			rejected,
			stored,
			published,
			publish_failures,
			finalized,
			peers,
			http,
			dns,
			dns_dropped,
			dns_rate_limited,
			connections_refused,
		}
	}

	/// One TCP connection to `face` closed for its address's cap.
	pub fn refused_connection(&self, face: &'static str) {
		self.connections_refused.get_or_create(&vec![("face", face)]).inc();
	}

	pub fn reject(&self, reason: &'static str) {
		self.rejected.get_or_create(&vec![("reason", reason)]).inc();
	}

	pub fn render(&self) -> String {
		let mut out = String::new();
		// Writing into a String cannot fail.
		let _ = encode(&mut out, &self.registry);
		out
	}
}

impl Default for Metrics {
	fn default() -> Self {
		Self::new()
	}
}
