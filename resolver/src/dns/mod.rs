//! The DNS face: an authoritative server for `ddns.` over UDP and TCP, built on hickory-proto's
//! message codec. As hickory's server keeps its transport (`server_future.rs`) apart from the
//! answering (`RequestHandler`, `Catalog`), the face is three parts:
//!
//! - `transport.rs`: the sockets, DNS-over-TCP framing, EDNS0 and truncation, the limits on
//!   queries in flight and connections, the metrics, and [`Server::answer`], the seam from one
//!   packet to its response.
//! - `zone.rs`: the zone itself, the mapping from chain and DHT to DNS that `docs/dns.md`
//!   describes: answers, CNAME chasing, the apex's SOA and NS, negative answers.
//! - `forward.rs`: queries for other zones, to `--dns-upstream`.
//!
//! The listener tasks belong to the daemon: [`Daemon::stop`](crate::Daemon::stop) ends them, and
//! with them every query and connection they serve.

mod cookie;
mod forward;
mod limit;
mod transport;
mod zone;

pub use limit::{Admitted, ConnectionsPerIp, MAX_BUCKETS};
pub use transport::{serve, Server, ACCEPT_BACKOFF, MAX_TCP_CONNECTIONS};
pub use zone::DNSADDR_LABEL;

use crate::config::Resolved;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

#[derive(Clone, Debug)]
pub struct DnsConfig {
	pub listen: SocketAddr,
	pub upstream: Option<SocketAddr>,
	/// Who may have queries for other zones forwarded (the others get REFUSED).
	pub forward_allow: Vec<Cidr>,
	pub ttl: u32,
	pub block_seconds: u32,
	/// Response-rate limiting of UDP answers (`limit.rs`).
	pub rrl: RrlConfig,
	/// Most DNS-over-TCP connections open at once from one address (0: no cap but the total,
	/// [`MAX_TCP_CONNECTIONS`]).
	pub tcp_per_ip: usize,
}

/// `--dns-rrl-rate`: UDP answers a second per source prefix. NSD's default: far above what one
/// recursive resolver asks of a zone whose answers it caches for a minute, far below what
/// makes the face worth reflecting off.
pub const DEFAULT_RRL_RATE: u32 = 200;
/// `--dns-rrl-slip`: every second limited answer goes out truncated (NSD, Knot and BIND).
pub const DEFAULT_RRL_SLIP: u32 = 2;
/// `--dns-tcp-connections-per-ip` and `--http-connections-per-ip`: connections one address may
/// hold open. Enough for a resolver's pipelining or a browser's six; a thirty-second of the
/// total (512), so that one address cannot take the face from everyone else.
pub const DEFAULT_PER_IP: usize = 16;

/// Response-rate limiting: `rate` UDP answers a second per /24 or /56 (0: off), every
/// `slip`-th answer over it sent truncated (0: none), and the clients in `exempt` (and any
/// with a valid server cookie) never limited.
#[derive(Clone, Debug)]
pub struct RrlConfig {
	pub rate: u32,
	pub slip: u32,
	pub exempt: Vec<Cidr>,
}

impl Default for RrlConfig {
	/// Loopback is exempt: a packet from 127.0.0.0/8 or ::1 that arrives on another interface
	/// is dropped by the kernel as a martian, so such a source is this host, which cannot be
	/// a victim of reflection, and local stubs and benchmarks ask at any rate.
	fn default() -> Self {
		Self { rate: DEFAULT_RRL_RATE, slip: DEFAULT_RRL_SLIP, exempt: Cidr::loopback() }
	}
}

impl Default for DnsConfig {
	/// The daemon's defaults (`config.rs`), on `127.0.0.1:5353` without an upstream.
	fn default() -> Self {
		Self {
			listen: ([127, 0, 0, 1], 5353).into(),
			upstream: None,
			forward_allow: Cidr::loopback(),
			ttl: 60,
			block_seconds: 6,
			rrl: RrlConfig::default(),
			tcp_per_ip: DEFAULT_PER_IP,
		}
	}
}

impl From<&Resolved> for DnsConfig {
	fn from(c: &Resolved) -> Self {
		Self {
			listen: c.dns,
			upstream: c.dns_upstream,
			forward_allow: c.dns_forward_allow.clone(),
			ttl: c.dns_ttl,
			block_seconds: c.block_seconds,
			rrl: RrlConfig {
				rate: c.dns_rrl_rate,
				slip: c.dns_rrl_slip,
				exempt: c.dns_rrl_exempt.clone(),
			},
			tcp_per_ip: c.dns_tcp_per_ip,
		}
	}
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
	Udp,
	Tcp,
}

/// An address block, `192.0.2.0/24` or `2001:db8::/32` (a bare address is one address).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
	addr: IpAddr,
	prefix: u8,
}

impl Cidr {
	/// Loopback: `127.0.0.0/8` and `::1`.
	pub fn loopback() -> Vec<Self> {
		vec![
			Self { addr: Ipv4Addr::new(127, 0, 0, 0).into(), prefix: 8 },
			Self { addr: Ipv6Addr::LOCALHOST.into(), prefix: 128 },
		]
	}

	pub fn contains(&self, ip: IpAddr) -> bool {
		// An IPv4 client over an IPv6 socket arrives as ::ffff:a.b.c.d.
		let ip = match ip {
			IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
			v4 => v4,
		};
		match (self.addr, ip) {
			(IpAddr::V4(net), IpAddr::V4(ip)) => {
				let mask = u32::MAX.checked_shl(32 - u32::from(self.prefix)).unwrap_or(0);
				u32::from(net) & mask == u32::from(ip) & mask
			},
			(IpAddr::V6(net), IpAddr::V6(ip)) => {
				let mask = u128::MAX.checked_shl(128 - u32::from(self.prefix)).unwrap_or(0);
				u128::from(net) & mask == u128::from(ip) & mask
			},
			_ => false,
		}
	}
}

impl std::str::FromStr for Cidr {
	type Err = String;

	fn from_str(s: &str) -> Result<Self, String> {
		let (addr, prefix) = match s.split_once('/') {
			Some((a, p)) => (a, Some(p)),
			None => (s, None),
		};
		let addr: IpAddr = addr.parse().map_err(|_| format!("{addr:?} is not an IP address"))?;
		let max = if addr.is_ipv4() { 32 } else { 128 };
		let prefix = match prefix {
			None => max,
			Some(p) => p
				.parse::<u8>()
				.ok()
				.filter(|&p| p <= max)
				.ok_or_else(|| format!("prefix {p:?} is not 0 to {max}"))?,
		};
		Ok(Self { addr, prefix })
	}
}

#[cfg(test)]
mod tests {
	use super::Cidr;

	#[test]
	fn cidr_blocks_hold_what_they_say() {
		let net: Cidr = "192.0.2.0/24".parse().unwrap();
		assert!(net.contains("192.0.2.200".parse().unwrap()));
		assert!(!net.contains("192.0.3.1".parse().unwrap()));
		assert!(net.contains("::ffff:192.0.2.9".parse().unwrap()));
		let one: Cidr = "2001:db8::1".parse().unwrap();
		assert!(one.contains("2001:db8::1".parse().unwrap()));
		assert!(!one.contains("2001:db8::2".parse().unwrap()));
		let all: Cidr = "0.0.0.0/0".parse().unwrap();
		assert!(all.contains("203.0.113.1".parse().unwrap()));
		assert!(!all.contains("2001:db8::1".parse().unwrap()));
		assert!(Cidr::loopback().iter().any(|c| c.contains("127.0.0.2".parse().unwrap())));
		for bad in ["192.0.2.0/33", "x/8", "::/129", "1.2.3.4/"] {
			assert!(bad.parse::<Cidr>().is_err(), "{bad}");
		}
	}
}
