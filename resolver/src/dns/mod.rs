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

mod forward;
mod transport;
mod zone;

pub use transport::{serve, Server};
pub use zone::DNSADDR_LABEL;

use crate::config::Resolved;
use std::net::SocketAddr;

#[derive(Clone, Debug)]
pub struct DnsConfig {
	pub listen: SocketAddr,
	pub upstream: Option<SocketAddr>,
	pub ttl: u32,
	pub block_seconds: u32,
}

impl From<&Resolved> for DnsConfig {
	fn from(c: &Resolved) -> Self {
		Self {
			listen: c.dns,
			upstream: c.dns_upstream,
			ttl: c.dns_ttl,
			block_seconds: c.block_seconds,
		}
	}
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Transport {
	Udp,
	Tcp,
}
