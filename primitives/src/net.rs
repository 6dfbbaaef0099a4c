//! Which IP addresses the whole internet can reach.
//!
//! The daemon publishes and dials only these, and the operators pallet registers services only
//! at these, so both sides share one definition.

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Whether `ip` is reachable from the whole internet: not loopback, private (RFC 1918, IPv6
/// ULA), link-local, shared (RFC 6598), documentation, benchmarking, reserved or multicast.
/// An IPv4-mapped IPv6 address is judged as its IPv4 address.
pub fn global_ip(ip: IpAddr) -> bool {
	match ip {
		IpAddr::V4(a) => global_v4(a),
		IpAddr::V6(a) => match a.to_ipv4_mapped() {
			Some(v4) => global_v4(v4),
			None => global_v6(a),
		},
	}
}

/// [`global_ip`] for an IPv4 address.
pub fn global_v4(a: Ipv4Addr) -> bool {
	let [o0, o1, o2, _] = a.octets();
	!(a.is_private()
		|| a.is_loopback()
		|| a.is_link_local()
		|| a.is_broadcast()
		|| a.is_documentation()
		|| a.is_multicast()
		|| o0 == 0
		|| (o0 == 100 && (o1 & 0xc0) == 64)
		|| (o0 == 192 && o1 == 0 && o2 == 0)
		|| (o0 == 198 && (o1 & 0xfe) == 18)
		|| o0 >= 240)
}

/// [`global_ip`] for an IPv6 address that is not IPv4-mapped.
pub fn global_v6(a: Ipv6Addr) -> bool {
	let s0 = a.segments()[0];
	!(a.is_loopback()
		|| a.is_unspecified()
		|| a.is_multicast()
		|| (s0 & 0xfe00) == 0xfc00
		|| (s0 & 0xffc0) == 0xfe80
		|| (s0 == 0x2001 && a.segments()[1] == 0xdb8))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn global_and_not() {
		for ip in ["1.1.1.1", "203.0.114.1", "2a00:1450::1", "::ffff:8.8.8.8"] {
			assert!(global_ip(ip.parse().unwrap()), "{ip}");
		}
		for ip in [
			"10.0.0.1",
			"192.168.1.1",
			"172.16.0.1",
			"127.0.0.1",
			"100.64.0.1",
			"169.254.0.1",
			"203.0.113.1",
			"198.18.0.1",
			"240.0.0.1",
			"0.1.2.3",
			"::1",
			"fd00::1",
			"fe80::1",
			"2001:db8::1",
			"::ffff:10.0.0.1",
			"ff02::1",
		] {
			assert!(!global_ip(ip.parse().unwrap()), "{ip}");
		}
	}
}
