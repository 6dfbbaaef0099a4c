//! Multiaddrs and PeerIds in text: the binary multiaddrs the record rule takes
//! ([`check_multiaddr`]) to and from their text form, and base58, libp2p's text form of a
//! PeerId. The JSON-RPC prints records with them, and the web app's rule module reads them.

use crate::record::{check_multiaddr, read_varint};
use alloc::{format, string::String, vec::Vec};
use core::net::{Ipv4Addr, Ipv6Addr};

/// The Bitcoin alphabet of base58, libp2p's text form of a PeerId.
const BASE58: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/// Decodes base58 (at most 128 characters).
pub fn base58_decode(s: &str) -> Option<Vec<u8>> {
	if s.is_empty() || s.len() > 128 {
		return None;
	}
	let mut out: Vec<u8> = Vec::new(); // little-endian base-256 digits
	for c in s.bytes() {
		let mut carry = BASE58.iter().position(|&a| a == c)? as u32;
		for digit in out.iter_mut() {
			carry += u32::from(*digit) * 58;
			*digit = carry as u8;
			carry >>= 8;
		}
		while carry > 0 {
			out.push(carry as u8);
			carry >>= 8;
		}
	}
	let zeros = s.bytes().take_while(|&c| c == b'1').count();
	out.extend(core::iter::repeat_n(0, zeros));
	out.reverse();
	Some(out)
}

/// Encodes base58.
pub fn base58_encode(bytes: &[u8]) -> String {
	let mut digits: Vec<u8> = Vec::new(); // little-endian base-58 digits
	for &b in bytes {
		let mut carry = u32::from(b);
		for d in digits.iter_mut() {
			carry += u32::from(*d) << 8;
			*d = (carry % 58) as u8;
			carry /= 58;
		}
		while carry > 0 {
			digits.push((carry % 58) as u8);
			carry /= 58;
		}
	}
	let zeros = bytes.iter().take_while(|&&b| b == 0).count();
	let mut out = String::with_capacity(zeros + digits.len());
	out.extend(core::iter::repeat_n('1', zeros));
	out.extend(digits.iter().rev().map(|&d| BASE58[d as usize] as char));
	out
}

/// A binary multiaddr, of the protocols [`check_multiaddr`] takes, in its text form
/// (`/ip4/127.0.0.1/tcp/4001`, as libp2p prints it); `None` for any other.
pub fn to_text(mut bytes: &[u8]) -> Option<String> {
	check_multiaddr(bytes).ok()?;
	let mut out = String::new();
	while !bytes.is_empty() {
		let (code, rest) = read_varint(bytes)?;
		bytes = rest;
		let mut take = |n: usize| split(&mut bytes, n);
		match code {
			4 => out
				.push_str(&format!("/ip4/{}", Ipv4Addr::from(<[u8; 4]>::try_from(take(4)?).ok()?))),
			41 => out.push_str(&format!(
				"/ip6/{}",
				Ipv6Addr::from(<[u8; 16]>::try_from(take(16)?).ok()?)
			)),
			6 | 273 => {
				let port = u16::from_be_bytes(take(2)?.try_into().ok()?);
				out.push_str(&format!("/{}/{port}", if code == 6 { "tcp" } else { "udp" }));
			},
			460 => out.push_str("/quic"),
			461 => out.push_str("/quic-v1"),
			477 => out.push_str("/ws"),
			478 => out.push_str("/wss"),
			290 => out.push_str("/p2p-circuit"),
			53 | 54 | 55 | 421 => {
				let (len, rest) = read_varint(bytes)?;
				bytes = rest;
				let value = split(&mut bytes, usize::try_from(len).ok()?)?;
				let (protocol, text) = match code {
					53 => ("dns", String::from_utf8(value.to_vec()).ok()?),
					54 => ("dns4", String::from_utf8(value.to_vec()).ok()?),
					55 => ("dns6", String::from_utf8(value.to_vec()).ok()?),
					_ => ("p2p", base58_encode(value)),
				};
				out.push_str(&format!("/{protocol}/{text}"));
			},
			_ => return None,
		}
	}
	Some(out)
}

/// The first `n` bytes of `bytes`, which moves past them.
fn split<'a>(bytes: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
	let (value, rest) = (bytes.get(..n)?, bytes.get(n..)?);
	*bytes = rest;
	Some(value)
}

fn varint(mut n: u64, out: &mut Vec<u8>) {
	loop {
		let byte = (n & 0x7f) as u8;
		n >>= 7;
		if n == 0 {
			out.push(byte);
			return;
		}
		out.push(byte | 0x80);
	}
}

/// A multiaddr's text form in binary, for the protocols [`check_multiaddr`] takes; `None` for
/// any other.
pub fn from_text(text: &str) -> Option<Vec<u8>> {
	let mut parts = text.strip_prefix('/')?.split('/');
	let mut out = Vec::new();
	while let Some(protocol) = parts.next() {
		match protocol {
			"ip4" => {
				let ip: Ipv4Addr = parts.next()?.parse().ok()?;
				varint(4, &mut out);
				out.extend(ip.octets());
			},
			"ip6" => {
				let ip: Ipv6Addr = parts.next()?.parse().ok()?;
				varint(41, &mut out);
				out.extend(ip.octets());
			},
			"tcp" | "udp" => {
				let port: u16 = parts.next()?.parse().ok()?;
				varint(if protocol == "tcp" { 6 } else { 273 }, &mut out);
				out.extend(port.to_be_bytes());
			},
			"dns" | "dns4" | "dns6" | "p2p" => {
				let value = parts.next()?;
				let bytes = if protocol == "p2p" {
					base58_decode(value)?
				} else {
					value.as_bytes().to_vec()
				};
				let code = match protocol {
					"dns" => 53,
					"dns4" => 54,
					"dns6" => 55,
					_ => 421,
				};
				varint(code, &mut out);
				varint(bytes.len() as u64, &mut out);
				out.extend(bytes);
			},
			"quic" => varint(460, &mut out),
			"quic-v1" => varint(461, &mut out),
			"ws" => varint(477, &mut out),
			"wss" => varint(478, &mut out),
			"p2p-circuit" => varint(290, &mut out),
			_ => return None,
		}
	}
	check_multiaddr(&out).ok()?;
	Some(out)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn base58_round_trips_with_leading_zeros() {
		for bytes in [&[][..], &[0], &[0, 0, 1], &[0, 0x24, 0xff, 0], &[0xff; 40]] {
			let text = base58_encode(bytes);
			if bytes.is_empty() {
				assert_eq!(text, "");
			} else {
				assert_eq!(base58_decode(&text).unwrap(), bytes, "{text}");
			}
		}
	}

	#[test]
	fn text_round_trips_for_every_protocol_taken() {
		for text in [
			"/ip4/192.0.2.1/tcp/4001",
			"/ip6/2001:db8::1/udp/4001/quic-v1",
			"/dns/x.example.com/tcp/443/wss",
			"/dns6/a.example/tcp/1/ws",
			"/dns4/a.example/tcp/1/p2p/12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA/p2p-circuit",
			"/ip6/::ffff:192.0.2.1/udp/9/quic",
		] {
			let bytes = from_text(text).unwrap();
			assert_eq!(to_text(&bytes).unwrap(), text);
		}
		assert_eq!(from_text("/ip4/1.2.3.4/sctp/1"), None);
		assert_eq!(to_text(&[0x99, 0x01]), None);
	}
}
