//! Options: command line first, then the TOML config file (`--config`), then defaults that work
//! on loopback beside `scripts/dev.sh`. The file uses the long option names as keys
//! (`chain-rpc = "ws://..."`, `serve = ["example.ddns"]`).

use anyhow::Context;
use clap::Parser;
use libp2p::{identity::Keypair, Multiaddr};
use serde::Deserialize;
use std::{net::SocketAddr, path::PathBuf, time::Duration};

#[derive(Parser, Debug, Default, Deserialize)]
#[command(
	name = "ddns-resolver",
	version,
	about = "ddns companion daemon: endpoint DHT, HTTP and DNS faces"
)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct Options {
	/// TOML file with any of these options (long names as keys); the command line wins.
	#[arg(long)]
	#[serde(skip)]
	pub config: Option<PathBuf>,
	/// WebSocket RPC of the ddns-node to follow [default: ws://127.0.0.1:9944].
	#[arg(long)]
	pub chain_rpc: Option<String>,
	/// Follow the chain with an embedded light client (smoldot) from this raw chain spec
	/// instead of trusting a node's RPC: answers rest on GRANDPA and the spec alone
	/// (`docs/proofs.md`). Not with `--signer node`, `--probe` or `--chain-rpc`.
	#[arg(long, value_name = "RAW_SPEC")]
	pub light: Option<PathBuf>,
	/// Full nodes the light client connects to (`/ip4/.../tcp/N/p2p/<PeerId>`), repeatable
	/// [default: the spec's bootNodes].
	#[arg(long)]
	pub light_bootnode: Vec<String>,
	/// The ed25519 node key (32-byte secret seed, hex), created if missing. Its public half is
	/// what a name's owner sets on chain with `registry.setNodeKey`
	/// [default: $HOME/.local/share/ddns/resolver/node.key].
	#[arg(long)]
	pub key_file: Option<PathBuf>,
	/// Who signs endpoint records: `local` (this daemon, with --key-file) or `node` (the node's
	/// offchain worker, with a `ddns` ed25519 key in the node's keystore; needs the node's
	/// unsafe RPC methods on loopback, and `--offchain-worker always` on a non-validator)
	/// [default: local].
	#[arg(long)]
	pub signer: Option<String>,
	/// Print this daemon's node key and PeerId as JSON, and exit.
	#[arg(long)]
	#[serde(skip)]
	pub print_key: bool,
	/// Sign the registration of the service whose key is `--key-file` (a daemon's hex key, or
	/// a `ddns-node` network key: `.../network/secret_ed25519`) as a paid operator service:
	/// `KIND:ACCOUNT` (`seed`, `relay` or `resolver`, and the SS58 account that registers it).
	/// Prints the arguments of `operators.registerService` as JSON and exits; the genesis hash
	/// comes from `--chain-rpc`.
	#[arg(long, value_name = "KIND:ACCOUNT")]
	#[serde(skip)]
	pub sign_registration: Option<String>,
	/// libp2p listen addresses, repeatable
	/// [default: /ip4/127.0.0.1/tcp/30433 and /ip4/127.0.0.1/udp/30433/quic-v1].
	#[arg(long)]
	pub listen: Vec<String>,
	/// Seed daemons to bootstrap from (`/ip4/.../tcp/N/p2p/<PeerId>`), repeatable [default: none].
	#[arg(long)]
	pub bootnode: Vec<String>,
	/// Addresses that reach this daemon from the internet (a port forward, a DNS name),
	/// repeatable: external addresses from the start, published in endpoint records and
	/// identify [default: none; AutoNAT and UPnP find them].
	#[arg(long)]
	pub announce: Vec<String>,
	/// Take non-global addresses (loopback, private networks, link-local) like global ones: in
	/// the routing table, in records, and the daemon's own listen addresses as reachable. For
	/// labs and loopback tests [default: off].
	#[arg(long)]
	pub allow_private_addrs: bool,
	/// Serve Circuit Relay v2 to daemons behind NATs, within the `--relay-*` limits. A relay
	/// needs a public address (`--announce`, or AutoNAT's) [default: off].
	#[arg(long)]
	pub relay: bool,
	/// Relay: reservations held at once [default: 128].
	#[arg(long)]
	pub relay_max_reservations: Option<usize>,
	/// Relay: reservations per peer [default: 4].
	#[arg(long)]
	pub relay_max_reservations_per_peer: Option<usize>,
	/// Relay: seconds a reservation lasts before its holder renews it [default: 3600].
	#[arg(long)]
	pub relay_reservation_duration: Option<u64>,
	/// Relay: circuits open at once [default: 16].
	#[arg(long)]
	pub relay_max_circuits: Option<usize>,
	/// Relay: circuits per peer [default: 4].
	#[arg(long)]
	pub relay_max_circuits_per_peer: Option<usize>,
	/// Relay: seconds one circuit may stay open [default: 120].
	#[arg(long)]
	pub relay_max_circuit_duration: Option<u64>,
	/// Relay: bytes one circuit may carry each way [default: 131072].
	#[arg(long)]
	pub relay_max_circuit_bytes: Option<u64>,
	/// A relay to keep a reservation on while this daemon is not reachable
	/// (`/ip4/.../p2p/<PeerId>`), repeatable [default: none; relays met in the DHT are used].
	#[arg(long)]
	pub relay_via: Vec<String>,
	/// Do not ask the LAN's router (UPnP IGD) to map the listen ports [default: ask].
	#[arg(long)]
	pub no_upnp: bool,
	/// A name whose endpoint record this daemon publishes, repeatable [default: none].
	#[arg(long)]
	pub serve: Vec<String>,
	/// HTTP face address [default: 127.0.0.1:8053].
	#[arg(long)]
	pub http: Option<SocketAddr>,
	/// DNS face address, UDP and TCP [default: 127.0.0.1:5353].
	#[arg(long)]
	pub dns: Option<SocketAddr>,
	/// Resolver to forward queries outside `ddns.` to [default: none, such queries are REFUSED].
	#[arg(long)]
	pub dns_upstream: Option<SocketAddr>,
	/// Who may have queries forwarded to `--dns-upstream`: an address or a CIDR block,
	/// repeatable; anyone else gets REFUSED for other zones [default: 127.0.0.0/8 and ::1].
	#[arg(long)]
	pub dns_forward_allow: Vec<String>,
	/// Most seconds a DNS answer may be cached; never past the name's expiry [default: 60].
	#[arg(long)]
	pub dns_ttl: Option<u32>,
	/// Response-rate limiting: UDP answers a second to one source prefix (a /24 or a /56),
	/// past which they are dropped or slipped; 0 turns it off. TCP, clients with a valid DNS
	/// server cookie and `--dns-rrl-exempt` are not limited [default: 200].
	#[arg(long)]
	pub dns_rrl_rate: Option<u32>,
	/// Every this many answers over the rate, one goes out as an empty truncated reply (so a
	/// real client retries over TCP) or, to a client with a cookie, BADCOOKIE; the others are
	/// dropped. 0 drops them all, 1 slips them all [default: 2].
	#[arg(long)]
	pub dns_rrl_slip: Option<u32>,
	/// Clients never rate-limited: an address or a CIDR block, repeatable
	/// [default: 127.0.0.0/8 and ::1, which cannot be forged from outside the host].
	#[arg(long)]
	pub dns_rrl_exempt: Vec<String>,
	/// DNS-over-TCP connections one address may hold open, within the total of 512; 0: no cap
	/// but the total [default: 16].
	#[arg(long)]
	pub dns_tcp_connections_per_ip: Option<usize>,
	/// HTTP connections one address may hold open, within the total of 512; 0: no cap but the
	/// total. Raise it behind a reverse proxy on the same host, whose connections all come
	/// from one address [default: 16].
	#[arg(long)]
	pub http_connections_per_ip: Option<usize>,
	/// Seconds per block, to turn blocks left before expiry into a TTL [default: 6].
	#[arg(long)]
	pub block_seconds: Option<u32>,
	/// Blocks a published endpoint record stays valid [default: 600].
	#[arg(long)]
	pub validity_blocks: Option<u32>,
	/// `/health` reports `finality_stalled` (503) when no block was finalized for this many
	/// seconds [default: 60].
	#[arg(long)]
	pub max_finality_age: Option<u64>,
	/// Seconds a DHT query may run [default: 10].
	#[arg(long)]
	pub query_timeout: Option<u64>,
	/// A lookup answers once this many copies of its best valid record came [default: 2].
	#[arg(long)]
	pub lookup_quorum: Option<usize>,
	/// ... or this many milliseconds after the first valid one came (at most 10,000)
	/// [default: 100].
	#[arg(long)]
	pub lookup_wait: Option<u64>,
	/// Ban a peer that sends this many never-valid records within a minute; 0 never bans
	/// [default: 8].
	#[arg(long)]
	pub ban_after: Option<u32>,
	/// Seconds a ban lasts (at most a day) [default: 600].
	#[arg(long)]
	pub ban_time: Option<u64>,
	/// Established libp2p connections in all [default: 512].
	#[arg(long)]
	pub max_connections: Option<u32>,
	/// Inbound libp2p connections from one IP address, pending or established; loopback is
	/// exempt [default: 8].
	#[arg(long)]
	pub max_connections_per_ip: Option<u32>,
	/// No new libp2p connection while the process uses more memory than this [default: 1024].
	#[arg(long)]
	pub max_memory_mb: Option<usize>,
	/// Probe the operators' services every round and hand the results to the node, whose
	/// offchain worker reports them (run beside a validator's node; `docs/operators.md`).
	#[arg(long)]
	pub probe: bool,
	/// The name resolvers are challenged on [default: canary.ddns].
	#[arg(long)]
	pub probe_canary: Option<String>,
	/// Test networks only: report every service up whatever the probes saw (a lying
	/// validator, for tests that show one cannot flip a result).
	#[arg(long, hide = true)]
	pub probe_lie_all_up: bool,
}

/// Options with every default filled in and every value parsed.
#[derive(Debug, Clone)]
pub struct Resolved {
	pub chain_rpc: String,
	/// `--light`: the raw chain spec the light client starts from.
	pub light: Option<PathBuf>,
	pub light_bootnodes: Vec<String>,
	pub signer: crate::daemon::Signer,
	pub key_file: PathBuf,
	pub listen: Vec<Multiaddr>,
	pub bootnodes: Vec<Multiaddr>,
	pub announce: Vec<Multiaddr>,
	pub allow_private_addrs: bool,
	pub relay: Option<crate::dht::RelayLimits>,
	pub relay_via: Vec<Multiaddr>,
	pub upnp: bool,
	pub serve: Vec<String>,
	pub http: SocketAddr,
	pub dns: SocketAddr,
	pub dns_upstream: Option<SocketAddr>,
	pub dns_forward_allow: Vec<crate::dns::Cidr>,
	pub dns_ttl: u32,
	pub dns_rrl_rate: u32,
	pub dns_rrl_slip: u32,
	pub dns_rrl_exempt: Vec<crate::dns::Cidr>,
	pub dns_tcp_per_ip: usize,
	pub http_per_ip: usize,
	pub block_seconds: u32,
	pub validity_blocks: u32,
	/// `Some` with `--probe`.
	pub probe: Option<crate::probe::ProbeConfig>,
	pub query_timeout: Duration,
	pub max_finality_age: Duration,
	pub lookup_quorum: usize,
	pub lookup_wait: Duration,
	pub ban_after: u32,
	pub ban_time: Duration,
	pub limits: crate::dht::ConnectionCaps,
}

/// Address blocks from `list`, or `default` when it is empty.
fn cidrs(
	list: &[String],
	what: &str,
	default: Vec<crate::dns::Cidr>,
) -> anyhow::Result<Vec<crate::dns::Cidr>> {
	if list.is_empty() {
		return Ok(default);
	}
	list.iter().map(|c| c.parse().map_err(|e| anyhow::anyhow!("{what} {c:?}: {e}"))).collect()
}

fn addrs(list: &[String], what: &str) -> anyhow::Result<Vec<Multiaddr>> {
	list.iter()
		.map(|a| a.parse().with_context(|| format!("{what}: {a:?} is not a multiaddr")))
		.collect()
}

impl Options {
	/// Reads `--config` (if any) under the command line, fills defaults and parses.
	pub fn resolve(mut self) -> anyhow::Result<Resolved> {
		if let Some(path) = &self.config {
			let text = std::fs::read_to_string(path)
				.with_context(|| format!("cannot read config {}", path.display()))?;
			let file: Options =
				toml::from_str(&text).with_context(|| format!("bad config {}", path.display()))?;
			self.merge(file);
		}
		let default_key = std::env::var_os("HOME")
			.map(PathBuf::from)
			.unwrap_or_default()
			.join(".local/share/ddns/resolver/node.key");
		let listen = if self.listen.is_empty() {
			vec!["/ip4/127.0.0.1/tcp/30433".into(), "/ip4/127.0.0.1/udp/30433/quic-v1".into()]
		} else {
			self.listen
		};
		for name in &self.serve {
			ddns_primitives::name::validate(name.as_bytes()).map_err(|e| {
				anyhow::anyhow!("--serve {name:?} is not a canonical ddns name ({})", e.code())
			})?;
		}
		let validity_blocks = self.validity_blocks.unwrap_or(600);
		if validity_blocks == 0 {
			anyhow::bail!("--validity-blocks must be at least 1");
		}
		let signer = match self.signer.as_deref().unwrap_or("local") {
			"local" => crate::daemon::Signer::Local,
			"node" => crate::daemon::Signer::Node,
			other => anyhow::bail!("--signer must be `local` or `node`, not {other:?}"),
		};
		let relay = self.relay.then(|| {
			let d = crate::dht::RelayLimits::default();
			crate::dht::RelayLimits {
				max_reservations: self.relay_max_reservations.unwrap_or(d.max_reservations),
				max_reservations_per_peer: self
					.relay_max_reservations_per_peer
					.unwrap_or(d.max_reservations_per_peer),
				reservation_duration: self
					.relay_reservation_duration
					.map_or(d.reservation_duration, Duration::from_secs),
				max_circuits: self.relay_max_circuits.unwrap_or(d.max_circuits),
				max_circuits_per_peer: self
					.relay_max_circuits_per_peer
					.unwrap_or(d.max_circuits_per_peer),
				max_circuit_duration: self
					.relay_max_circuit_duration
					.map_or(d.max_circuit_duration, Duration::from_secs),
				max_circuit_bytes: self.relay_max_circuit_bytes.unwrap_or(d.max_circuit_bytes),
			}
		});
		if let Some(r) = &relay {
			const DAY: Duration = Duration::from_secs(24 * 60 * 60);
			if r.reservation_duration > DAY || r.max_circuit_duration > DAY {
				anyhow::bail!("relay durations are at most a day (86400 seconds)");
			}
			if r.reservation_duration.is_zero() || r.max_reservations == 0 {
				anyhow::bail!("a relay grants at least one reservation for at least a second");
			}
		}
		if self.light.is_some() {
			if self.chain_rpc.is_some() {
				anyhow::bail!("--light follows the chain without a node: drop --chain-rpc");
			}
			if signer == crate::daemon::Signer::Node {
				anyhow::bail!(
					"--signer node needs a node's RPC; a --light daemon signs with --key-file"
				);
			}
			if self.probe {
				anyhow::bail!("--probe hands results to a node; it cannot run with --light");
			}
		}
		let relay_via = addrs(&self.relay_via, "--relay-via")?;
		if let Some(bad) = relay_via
			.iter()
			.find(|a| !matches!(a.iter().last(), Some(libp2p::multiaddr::Protocol::P2p(_))))
		{
			anyhow::bail!("--relay-via {bad} does not end in /p2p/<PeerId>");
		}
		Ok(Resolved {
			signer,
			allow_private_addrs: self.allow_private_addrs,
			relay,
			relay_via,
			upnp: !self.no_upnp,
			chain_rpc: self.chain_rpc.unwrap_or_else(|| "ws://127.0.0.1:9944".into()),
			light: self.light,
			light_bootnodes: self.light_bootnode,
			key_file: self.key_file.unwrap_or(default_key),
			listen: addrs(&listen, "--listen")?,
			bootnodes: addrs(&self.bootnode, "--bootnode")?,
			announce: addrs(&self.announce, "--announce")?,
			serve: self.serve,
			http: self.http.unwrap_or(([127, 0, 0, 1], 8053).into()),
			dns: self.dns.unwrap_or(([127, 0, 0, 1], 5353).into()),
			dns_upstream: self.dns_upstream,
			dns_forward_allow: cidrs(
				&self.dns_forward_allow,
				"--dns-forward-allow",
				crate::dns::Cidr::loopback(),
			)?,
			dns_ttl: self.dns_ttl.unwrap_or(60),
			dns_rrl_rate: self.dns_rrl_rate.unwrap_or(crate::dns::DEFAULT_RRL_RATE),
			dns_rrl_slip: self.dns_rrl_slip.unwrap_or(crate::dns::DEFAULT_RRL_SLIP),
			dns_rrl_exempt: cidrs(
				&self.dns_rrl_exempt,
				"--dns-rrl-exempt",
				crate::dns::Cidr::loopback(),
			)?,
			dns_tcp_per_ip: self.dns_tcp_connections_per_ip.unwrap_or(crate::dns::DEFAULT_PER_IP),
			http_per_ip: self.http_connections_per_ip.unwrap_or(crate::dns::DEFAULT_PER_IP),
			block_seconds: self.block_seconds.unwrap_or(6).max(1),
			validity_blocks,
			query_timeout: Duration::from_secs(self.query_timeout.unwrap_or(10).max(1)),
			max_finality_age: Duration::from_secs(self.max_finality_age.unwrap_or(60).max(1)),
			lookup_quorum: self.lookup_quorum.unwrap_or(2).max(1),
			lookup_wait: Duration::from_millis(self.lookup_wait.unwrap_or(100).min(10_000)),
			ban_after: self.ban_after.unwrap_or(8),
			ban_time: Duration::from_secs(self.ban_time.unwrap_or(600).min(86_400)),
			limits: {
				let d = crate::dht::ConnectionCaps::default();
				crate::dht::ConnectionCaps {
					established: self.max_connections.unwrap_or(d.established).max(1),
					per_ip: self.max_connections_per_ip.unwrap_or(d.per_ip).max(1),
					max_memory: self.max_memory_mb.map_or(d.max_memory, |mb| mb.max(64) << 20),
					..d
				}
			},
			probe: self.probe.then(|| crate::probe::ProbeConfig {
				block_time: Duration::from_secs(self.block_seconds.unwrap_or(6).max(1).into()),
				canary: self.probe_canary.clone().unwrap_or_else(|| "canary.ddns".into()),
				lie_all_up: self.probe_lie_all_up,
				..Default::default()
			}),
		})
	}

	fn merge(&mut self, file: Options) {
		fn vec(cli: &mut Vec<String>, file: Vec<String>) {
			if cli.is_empty() {
				*cli = file;
			}
		}
		self.chain_rpc = self.chain_rpc.take().or(file.chain_rpc);
		self.key_file = self.key_file.take().or(file.key_file);
		self.signer = self.signer.take().or(file.signer);
		vec(&mut self.listen, file.listen);
		vec(&mut self.bootnode, file.bootnode);
		vec(&mut self.announce, file.announce);
		vec(&mut self.relay_via, file.relay_via);
		self.allow_private_addrs |= file.allow_private_addrs;
		self.relay |= file.relay;
		self.no_upnp |= file.no_upnp;
		self.probe |= file.probe;
		self.probe_canary = self.probe_canary.take().or(file.probe_canary);
		self.relay_max_reservations = self.relay_max_reservations.or(file.relay_max_reservations);
		self.relay_max_reservations_per_peer =
			self.relay_max_reservations_per_peer.or(file.relay_max_reservations_per_peer);
		self.relay_reservation_duration =
			self.relay_reservation_duration.or(file.relay_reservation_duration);
		self.relay_max_circuits = self.relay_max_circuits.or(file.relay_max_circuits);
		self.relay_max_circuits_per_peer =
			self.relay_max_circuits_per_peer.or(file.relay_max_circuits_per_peer);
		self.relay_max_circuit_duration =
			self.relay_max_circuit_duration.or(file.relay_max_circuit_duration);
		self.relay_max_circuit_bytes =
			self.relay_max_circuit_bytes.or(file.relay_max_circuit_bytes);
		vec(&mut self.serve, file.serve);
		vec(&mut self.dns_forward_allow, file.dns_forward_allow);
		vec(&mut self.dns_rrl_exempt, file.dns_rrl_exempt);
		self.dns_rrl_rate = self.dns_rrl_rate.or(file.dns_rrl_rate);
		self.dns_rrl_slip = self.dns_rrl_slip.or(file.dns_rrl_slip);
		self.dns_tcp_connections_per_ip =
			self.dns_tcp_connections_per_ip.or(file.dns_tcp_connections_per_ip);
		self.http_connections_per_ip =
			self.http_connections_per_ip.or(file.http_connections_per_ip);
		self.http = self.http.or(file.http);
		self.dns = self.dns.or(file.dns);
		self.dns_upstream = self.dns_upstream.or(file.dns_upstream);
		self.dns_ttl = self.dns_ttl.or(file.dns_ttl);
		self.block_seconds = self.block_seconds.or(file.block_seconds);
		self.validity_blocks = self.validity_blocks.or(file.validity_blocks);
		self.query_timeout = self.query_timeout.or(file.query_timeout);
		self.max_finality_age = self.max_finality_age.or(file.max_finality_age);
		self.lookup_quorum = self.lookup_quorum.or(file.lookup_quorum);
		self.lookup_wait = self.lookup_wait.or(file.lookup_wait);
		self.ban_after = self.ban_after.or(file.ban_after);
		self.ban_time = self.ban_time.or(file.ban_time);
		self.max_connections = self.max_connections.or(file.max_connections);
		self.max_connections_per_ip = self.max_connections_per_ip.or(file.max_connections_per_ip);
		self.max_memory_mb = self.max_memory_mb.or(file.max_memory_mb);
	}
}

/// Loads the node key from `path`, or creates it (mode 0600) if the file does not exist.
pub fn load_or_create_key(path: &std::path::Path) -> anyhow::Result<Keypair> {
	match std::fs::read_to_string(path) {
		Ok(text) => {
			let mut seed = crate::chain::unhex(text.trim())
				.filter(|b| b.len() == 32)
				.with_context(|| format!("{}: expected 32 bytes of hex", path.display()))?;
			Keypair::ed25519_from_bytes(&mut seed)
				.with_context(|| format!("{}: not an ed25519 secret", path.display()))
		},
		Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
			let key = libp2p::identity::ed25519::Keypair::generate();
			if let Some(dir) = path.parent() {
				std::fs::create_dir_all(dir)?;
			}
			let seed = crate::chain::hex(key.secret().as_ref());
			write_private(path, &seed)?;
			tracing::info!(target: "ddns", "created node key {}", path.display());
			Ok(key.into())
		},
		Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
	}
}

fn write_private(path: &std::path::Path, text: &str) -> anyhow::Result<()> {
	use std::{io::Write, os::unix::fs::OpenOptionsExt};
	let mut file = std::fs::OpenOptions::new()
		.write(true)
		.create_new(true)
		.mode(0o600)
		.open(path)
		.with_context(|| format!("cannot create {}", path.display()))?;
	file.write_all(text.as_bytes())?;
	Ok(())
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn command_line_wins_over_file_and_defaults_fill_the_rest() {
		let dir = std::env::temp_dir().join(format!("ddns-config-{}", std::process::id()));
		std::fs::create_dir_all(&dir).unwrap();
		let file = dir.join("resolver.toml");
		std::fs::write(
			&file,
			"chain-rpc = \"ws://10.0.0.1:9944\"\ndns-ttl = 30\nserve = [\"a.ddns\"]\n",
		)
		.unwrap();
		let cli = Options::parse_from([
			"ddns-resolver",
			"--config",
			file.to_str().unwrap(),
			"--dns-ttl",
			"5",
		]);
		let r = cli.resolve().unwrap();
		assert_eq!(r.chain_rpc, "ws://10.0.0.1:9944");
		assert_eq!(r.dns_ttl, 5);
		assert_eq!(r.serve, vec!["a.ddns".to_owned()]);
		assert_eq!(r.dns, "127.0.0.1:5353".parse().unwrap());
		assert_eq!(r.listen.len(), 2);

		assert!(r.relay.is_none() && r.upnp && !r.allow_private_addrs);
		assert_eq!((r.dns_rrl_rate, r.dns_rrl_slip), (200, 2));
		assert_eq!((r.dns_tcp_per_ip, r.http_per_ip), (16, 16));
		assert_eq!(r.dns_rrl_exempt, crate::dns::Cidr::loopback());

		std::fs::write(
			&file,
			"dns-rrl-rate = 50\ndns-rrl-exempt = [\"192.0.2.0/24\"]\nhttp-connections-per-ip = 0\n",
		)
		.unwrap();
		let cli = Options::parse_from([
			"ddns-resolver",
			"--config",
			file.to_str().unwrap(),
			"--dns-rrl-slip",
			"0",
			"--dns-tcp-connections-per-ip",
			"4",
		]);
		let r = cli.resolve().unwrap();
		assert_eq!((r.dns_rrl_rate, r.dns_rrl_slip), (50, 0));
		assert_eq!((r.dns_tcp_per_ip, r.http_per_ip), (4, 0));
		assert_eq!(r.dns_rrl_exempt, vec!["192.0.2.0/24".parse().unwrap()]);
		let bad = Options::parse_from(["ddns-resolver", "--dns-rrl-exempt", "10.0.0.0/40"]);
		assert!(bad.resolve().unwrap_err().to_string().contains("--dns-rrl-exempt"));

		std::fs::write(&file, "relay = true\nrelay-max-reservations = 2\n").unwrap();
		let cli = Options::parse_from([
			"ddns-resolver",
			"--config",
			file.to_str().unwrap(),
			"--relay-max-circuits",
			"3",
		]);
		let relay = cli.resolve().unwrap().relay.expect("--relay from the file");
		assert_eq!((relay.max_reservations, relay.max_circuits), (2, 3));
		assert_eq!(relay.max_circuit_bytes, 1 << 17);
		let bad = Options::parse_from([
			"ddns-resolver",
			"--relay",
			"--relay-max-circuit-duration",
			"99999999999",
		]);
		assert!(bad.resolve().unwrap_err().to_string().contains("at most a day"));
		let bad = Options::parse_from(["ddns-resolver", "--relay-via", "/ip4/11.0.0.3/tcp/1"]);
		assert!(bad.resolve().unwrap_err().to_string().contains("/p2p/"));

		std::fs::write(&file, "no-such-option = 1\n").unwrap();
		let bad = Options::parse_from(["ddns-resolver", "--config", file.to_str().unwrap()]);
		assert!(bad.resolve().unwrap_err().to_string().contains("bad config"));
		let bad = Options::parse_from(["ddns-resolver", "--serve", "Bad.ddns"]);
		assert!(bad.resolve().unwrap_err().to_string().contains("not a canonical"));
		let bad = Options::parse_from(["ddns-resolver", "--bootnode", "nonsense"]);
		assert!(bad.resolve().is_err());
	}

	#[test]
	fn key_file_is_created_once_and_reloaded() {
		let dir = std::env::temp_dir().join(format!("ddns-key-{}", std::process::id()));
		let _ = std::fs::remove_dir_all(&dir);
		let path = dir.join("node.key");
		let first = load_or_create_key(&path).unwrap();
		let again = load_or_create_key(&path).unwrap();
		assert_eq!(first.public(), again.public());
		std::fs::write(&path, "00zz").unwrap();
		assert!(load_or_create_key(&path).is_err());
	}
}
