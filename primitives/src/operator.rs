//! What the operators pallet and the probing daemon agree on: service kinds, the one address
//! form a service may declare, and the payload a service key signs to be registered.

use alloc::{format, string::String, vec::Vec};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use scale_info::TypeInfo;

/// Longest declared address, in bytes (`/ip6/` with a full address, `/udp/65535/quic-v1` fits).
pub const MAX_ADDR_LEN: u32 = 64;

/// Domain separation of the registration signature.
pub const REGISTRATION_CONTEXT: &[u8] = b"ddns/operator/register/v1";

/// What a service does for the network.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
pub enum ServiceKind {
	/// A `ddns-node` others bootstrap from: probed by dialling it and asking its Kademlia.
	Seed,
	/// A `ddns-resolver --relay`: probed by a reservation and a circuit through it.
	Relay,
	/// A `ddns-resolver` that answers lookups: probed by a signed challenge.
	Resolver,
}

impl ServiceKind {
	/// Every kind, in index order.
	pub const ALL: [ServiceKind; 3] =
		[ServiceKind::Seed, ServiceKind::Relay, ServiceKind::Resolver];

	/// The kind's index in per-kind tables.
	pub fn index(self) -> usize {
		self as usize
	}
}

/// The transport of a declared address.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Transport {
	/// `/tcp/PORT`
	Tcp,
	/// `/udp/PORT/quic-v1`
	QuicV1,
}

/// A declared address: one literal IP, a port and a transport.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct ServiceAddr {
	pub ip: IpAddr,
	pub port: u16,
	pub transport: Transport,
}

/// Where at most one service of each kind may be: an IPv4 address or an IPv6 /64.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub enum HostKey {
	V4([u8; 4]),
	V6([u8; 8]),
}

/// Why a declared address is refused.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum AddrError {
	/// Not `/ip4|ip6/IP/tcp/PORT` or `/ip4|ip6/IP/udp/PORT/quic-v1`.
	Syntax,
	/// The IP is not reachable from the whole internet (private, loopback, ...).
	NotGlobal,
	/// The spelling is not the canonical one (leading zeros, uppercase, a compressible IPv6).
	NotCanonical,
	/// Port 0.
	BadPort,
}

impl ServiceAddr {
	/// Parses a declared address. Only the canonical spelling is accepted, so one address has
	/// one form on chain; `allow_private` admits non-global IPs (development chains only).
	pub fn parse(text: &[u8], allow_private: bool) -> Result<Self, AddrError> {
		let text = core::str::from_utf8(text).map_err(|_| AddrError::Syntax)?;
		let mut parts = text.split('/');
		if parts.next() != Some("") {
			return Err(AddrError::Syntax);
		}
		let ip: IpAddr = match (parts.next(), parts.next()) {
			(Some("ip4"), Some(ip)) => {
				IpAddr::V4(ip.parse::<Ipv4Addr>().map_err(|_| AddrError::Syntax)?)
			},
			(Some("ip6"), Some(ip)) => {
				IpAddr::V6(ip.parse::<Ipv6Addr>().map_err(|_| AddrError::Syntax)?)
			},
			_ => return Err(AddrError::Syntax),
		};
		let (transport, port) = match (parts.next(), parts.next(), parts.next(), parts.next()) {
			(Some("tcp"), Some(port), None, None) => (Transport::Tcp, port),
			(Some("udp"), Some(port), Some("quic-v1"), None) => (Transport::QuicV1, port),
			_ => return Err(AddrError::Syntax),
		};
		if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
			return Err(AddrError::Syntax);
		}
		let port: u16 = port.parse().map_err(|_| AddrError::Syntax)?;
		if port == 0 {
			return Err(AddrError::BadPort);
		}
		let addr = ServiceAddr { ip, port, transport };
		if addr.render().as_bytes() != text.as_bytes() {
			return Err(AddrError::NotCanonical);
		}
		if !allow_private && !crate::net::global_ip(ip) {
			return Err(AddrError::NotGlobal);
		}
		Ok(addr)
	}

	/// The canonical text form (a multiaddr).
	pub fn render(&self) -> String {
		let ip = match self.ip {
			IpAddr::V4(a) => format!("/ip4/{a}"),
			IpAddr::V6(a) => format!("/ip6/{a}"),
		};
		match self.transport {
			Transport::Tcp => format!("{ip}/tcp/{}", self.port),
			Transport::QuicV1 => format!("{ip}/udp/{}/quic-v1", self.port),
		}
	}

	/// The host this address counts against: the IPv4 address, or the IPv6 /64.
	pub fn host_key(&self) -> HostKey {
		match self.ip {
			IpAddr::V4(a) => HostKey::V4(a.octets()),
			IpAddr::V6(a) => match a.to_ipv4_mapped() {
				Some(v4) => HostKey::V4(v4.octets()),
				None => {
					let o = a.octets();
					HostKey::V6([o[0], o[1], o[2], o[3], o[4], o[5], o[6], o[7]])
				},
			},
		}
	}
}

/// What a service's ed25519 key signs so that `account` may register it as a `kind` on the
/// chain with `genesis` hash: the context, the genesis hash, the kind's index, then the
/// SCALE-encoded account.
pub fn registration_payload(genesis: &[u8; 32], kind: ServiceKind, account: &[u8]) -> Vec<u8> {
	let mut out = Vec::with_capacity(REGISTRATION_CONTEXT.len() + 33 + account.len());
	out.extend_from_slice(REGISTRATION_CONTEXT);
	out.extend_from_slice(genesis);
	out.push(kind as u8);
	out.extend_from_slice(account);
	out
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn canonical_addresses_parse() {
		for (text, host) in [
			("/ip4/8.8.8.8/tcp/30333", HostKey::V4([8, 8, 8, 8])),
			("/ip4/1.2.3.4/udp/443/quic-v1", HostKey::V4([1, 2, 3, 4])),
			("/ip6/2a00:1450::1/tcp/1", HostKey::V6([0x2a, 0, 0x14, 0x50, 0, 0, 0, 0])),
		] {
			let addr = ServiceAddr::parse(text.as_bytes(), false).unwrap();
			assert_eq!(addr.render(), text);
			assert_eq!(addr.host_key(), host);
		}
	}

	#[test]
	fn bad_addresses_are_refused() {
		use AddrError::*;
		for (text, err) in [
			("", Syntax),
			("/ip4/8.8.8.8", Syntax),
			("/dns4/example.com/tcp/1", Syntax),
			("/ip4/8.8.8.8/tcp/1/p2p/x", Syntax),
			("/ip4/8.8.8.8/udp/1", Syntax),
			("/ip4/8.8.8.8/tcp/+1", Syntax),
			("/ip4/8.8.8.8/tcp/65536", Syntax),
			("/ip4/8.8.8.8/tcp/0", BadPort),
			("/ip4/8.8.8.8/tcp/01", NotCanonical),
			("/ip6/2A00:1450::1/tcp/1", NotCanonical),
			("/ip6/2a00:1450:0:0:0:0:0:1/tcp/1", NotCanonical),
			("/ip4/10.0.0.1/tcp/1", NotGlobal),
			("/ip6/::1/tcp/1", NotGlobal),
			("ip4/8.8.8.8/tcp/1", Syntax),
		] {
			assert_eq!(ServiceAddr::parse(text.as_bytes(), false), Err(err), "{text}");
		}
		assert!(ServiceAddr::parse(b"/ip4/127.0.0.1/tcp/30333", true).is_ok());
		assert_eq!(ServiceAddr::parse(&[0xff, b'/'], false), Err(AddrError::Syntax));
	}

	#[test]
	fn one_v6_host_per_64() {
		let a = ServiceAddr::parse(b"/ip6/2a00:1450::1/tcp/1", false).unwrap();
		let b = ServiceAddr::parse(b"/ip6/2a00:1450::ffff:1/tcp/2", false).unwrap();
		let c = ServiceAddr::parse(b"/ip6/2a00:1450:0:1::1/tcp/1", false).unwrap();
		assert_eq!(a.host_key(), b.host_key());
		assert_ne!(a.host_key(), c.host_key());
	}
}
