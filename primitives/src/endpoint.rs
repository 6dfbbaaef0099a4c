//! Endpoint records: where a name's service can be reached right now.
//!
//! They live in the DHT, not on chain, and are signed by the name's on-chain node key (ed25519).
//! On the wire a record is
//!
//! ```text
//! version (1 byte, = 2) | SCALE(Endpoint) | ed25519 signature (64 bytes)
//! ```
//!
//! and the signature covers `DOMAIN | version | genesis hash | SCALE(Endpoint)`, so a signature
//! made for anything else (another protocol, another version, another chain) never validates as
//! an endpoint record here. The genesis hash is not on the wire: every reader knows its chain's.
//! Version 1 had no genesis hash; a key reused on a testnet could have its records replayed on
//! another chain.
//! A whole record is at most [`MAX_ENDPOINT_LEN`] bytes.
//!
//! This crate only checks the form. Whether a record is *valid* also depends on the chain (the
//! name's current node key, epoch and expiry) and on the signature; the resolver daemon checks
//! those.

use crate::{
	name,
	record::{check_multiaddr, check_peer_id, MAX_MULTIADDRS},
	NameError,
};
use alloc::vec::Vec;
use codec::{Decode, Encode};

/// The encoding version this crate writes and reads.
pub const VERSION: u8 = 2;
/// Signature domain: a node key's signature over anything else is never an endpoint record.
pub const DOMAIN: &[u8] = b"ddns-endpoint";
/// Largest record on the wire, signature included.
pub const MAX_ENDPOINT_LEN: usize = 1024;
/// Length of the ed25519 signature at the end of a record.
pub const SIGNATURE_LEN: usize = 64;
/// Prefix of the DHT key of a name's endpoint record; the name follows.
pub const DHT_KEY_PREFIX: &[u8] = b"/ddns/endpoint/1/";

/// Offchain local storage key (PERSISTENT) under which a resolver daemon asks its node's
/// offchain worker to sign endpoint records ([`EndpointRequest`], SCALE-encoded).
pub const OCW_REQUEST_KEY: &[u8] = b"ddns::endpoint::request";
/// Prefix of the offchain local storage keys where the offchain worker leaves signed records
/// (wire form); the name follows.
pub const OCW_SIGNED_PREFIX: &[u8] = b"ddns::endpoint::signed::";
/// Most names one request may ask the offchain worker to sign for.
pub const MAX_REQUEST_NAMES: usize = 64;

/// What a daemon asks the offchain worker to sign: records for `names` pointing at this
/// PeerId and these addresses, each valid for `validity_blocks` (capped by the expiry).
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct EndpointRequest {
	pub peer_id: Vec<u8>,
	pub addrs: Vec<Vec<u8>>,
	pub names: Vec<Vec<u8>>,
	pub validity_blocks: u32,
}

/// The encodings of the Ed25519 points of small order (1, 2, 4 or 8), the sign bit aside: the
/// identity, the point of order 2, those of order 4 and 8, and the non-canonical encodings
/// (y ≥ p) of y = 0 and 1 (libsodium's `has_small_order` list). A signature "by" such a key
/// can be made by anyone (R the identity, s zero), so none may be a name's node key.
const SMALL_ORDER: [[u8; 32]; 7] = [
	[0; 32],
	[
		1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0,
	],
	[
		0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98,
		0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53,
		0xfc, 0x05,
	],
	[
		0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67,
		0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac,
		0x03, 0x7a,
	],
	[
		0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0x7f,
	],
	[
		0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0x7f,
	],
	[
		0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0x7f,
	],
];

/// Whether `key` encodes an Ed25519 point of small order (a weak key: see [`SMALL_ORDER`]).
pub fn is_weak_key(key: &[u8; 32]) -> bool {
	let mut unsigned = *key;
	unsigned[31] &= 0x7f;
	SMALL_ORDER.contains(&unsigned)
}

/// The offchain local storage key of `name`'s record signed by the offchain worker.
pub fn ocw_signed_key(name: &[u8]) -> Vec<u8> {
	let mut key = OCW_SIGNED_PREFIX.to_vec();
	key.extend_from_slice(name);
	key
}

/// What an endpoint record says (everything but the signature).
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct Endpoint {
	/// The canonical name the record is for.
	pub name: Vec<u8>,
	/// The name's node-key epoch on chain when the record was signed. A new node key, a transfer
	/// or a re-registration moves the epoch on, and every older record stops validating.
	pub epoch: u64,
	/// Higher wins; a record with a sequence number at or below a stored one is a replay.
	/// Publishers take it from the chain, not a clock ([`next_seq`]).
	pub seq: u64,
	/// Last finalized block number at which the record is valid; never past the name's expiry.
	pub valid_until: u32,
	/// The serving libp2p PeerId (multihash bytes).
	pub peer_id: Vec<u8>,
	/// Its multiaddrs (binary form), at most [`MAX_MULTIADDRS`].
	pub addrs: Vec<Vec<u8>>,
}

/// Why bytes are not a well-formed endpoint record.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum EndpointError {
	/// Longer than [`MAX_ENDPOINT_LEN`].
	TooLong { len: usize },
	/// An encoding version this crate does not read.
	UnknownVersion(u8),
	/// The bytes do not decode (or have bytes left over).
	Malformed,
	/// The name inside is not a canonical ddns name.
	BadName(NameError),
	/// The PeerId is not a multihash of the admitted kinds.
	BadPeerId,
	/// A multiaddr is malformed, or there are too many.
	BadMultiaddr,
}

impl EndpointError {
	/// A short stable word for logs, metrics and error messages.
	pub fn code(&self) -> &'static str {
		match self {
			Self::TooLong { .. } => "too_long",
			Self::UnknownVersion(_) => "unknown_version",
			Self::Malformed => "malformed",
			Self::BadName(_) => "bad_name",
			Self::BadPeerId => "bad_peer_id",
			Self::BadMultiaddr => "bad_multiaddr",
		}
	}
}

/// The sequence number of a record signed at block `block`, after one numbered `last` (0 when
/// none): the block number in the high 32 bits and a counter in the low ones, so it grows with
/// the chain, several records can be signed within one block, and a clock stepped back changes
/// nothing (wall-clock milliseconds, version 1's rule, silenced a publisher whose clock went
/// back until it caught up).
pub fn next_seq(block: u32, last: u64) -> u64 {
	(u64::from(block) << 32).max(last.saturating_add(1))
}

/// The DHT key under which `name`'s endpoint record is stored.
pub fn dht_key(name: &[u8]) -> Vec<u8> {
	let mut key = Vec::with_capacity(DHT_KEY_PREFIX.len() + name.len());
	key.extend_from_slice(DHT_KEY_PREFIX);
	key.extend_from_slice(name);
	key
}

/// The name a DHT key is for, if it is an endpoint key at all.
pub fn name_of_key(key: &[u8]) -> Option<&[u8]> {
	key.strip_prefix(DHT_KEY_PREFIX)
}

impl Endpoint {
	/// Checks the form: canonical name, well-formed PeerId and multiaddrs, bounded counts.
	pub fn check(&self) -> Result<(), EndpointError> {
		name::validate(&self.name).map_err(EndpointError::BadName)?;
		check_peer_id(&self.peer_id).map_err(|_| EndpointError::BadPeerId)?;
		if self.addrs.len() > MAX_MULTIADDRS as usize {
			return Err(EndpointError::BadMultiaddr);
		}
		for addr in &self.addrs {
			check_multiaddr(addr).map_err(|_| EndpointError::BadMultiaddr)?;
		}
		Ok(())
	}

	/// The bytes the node key signs for the chain whose genesis hash is `genesis`.
	pub fn signing_payload(&self, genesis: &[u8; 32]) -> Vec<u8> {
		let mut out = Vec::with_capacity(DOMAIN.len() + 1 + 32 + self.encoded_size());
		out.extend_from_slice(DOMAIN);
		out.push(VERSION);
		out.extend_from_slice(genesis);
		self.encode_to(&mut out);
		out
	}

	/// The record on the wire, with its signature; fails if the result would be oversize or
	/// the content is malformed, so a publisher cannot emit what others reject for form.
	pub fn to_wire(&self, signature: &[u8; SIGNATURE_LEN]) -> Result<Vec<u8>, EndpointError> {
		self.check()?;
		let mut out = Vec::with_capacity(1 + self.encoded_size() + SIGNATURE_LEN);
		out.push(VERSION);
		self.encode_to(&mut out);
		out.extend_from_slice(signature);
		if out.len() > MAX_ENDPOINT_LEN {
			return Err(EndpointError::TooLong { len: out.len() });
		}
		Ok(out)
	}

	/// Reads a record off the wire and checks its form. The signature is returned, not checked.
	pub fn from_wire(bytes: &[u8]) -> Result<(Self, [u8; SIGNATURE_LEN]), EndpointError> {
		if bytes.len() > MAX_ENDPOINT_LEN {
			return Err(EndpointError::TooLong { len: bytes.len() });
		}
		let (&version, rest) = bytes.split_first().ok_or(EndpointError::Malformed)?;
		if version != VERSION {
			return Err(EndpointError::UnknownVersion(version));
		}
		let body_len = rest.len().checked_sub(SIGNATURE_LEN).ok_or(EndpointError::Malformed)?;
		let (mut body, signature) = rest.split_at(body_len);
		let endpoint = Self::decode(&mut body).map_err(|_| EndpointError::Malformed)?;
		if !body.is_empty() {
			return Err(EndpointError::Malformed);
		}
		endpoint.check()?;
		let mut sig = [0u8; SIGNATURE_LEN];
		sig.copy_from_slice(signature);
		Ok((endpoint, sig))
	}
}

#[cfg(test)]
mod tests {

	/// The list is exactly the small-order points: each entry (either sign) is weak by
	/// ed25519-dalek's own test, where it decodes; and no ordinary key is.
	#[test]
	fn weak_keys_are_the_small_order_points() {
		for entry in SMALL_ORDER {
			for sign in [0u8, 0x80] {
				let mut key = entry;
				key[31] |= sign;
				assert!(is_weak_key(&key));
				if let Ok(point) = ed25519_dalek::VerifyingKey::from_bytes(&key) {
					assert!(point.is_weak(), "{key:02x?}");
				}
			}
		}
		for seed in 0..64u8 {
			let key = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]).verifying_key();
			assert!(!key.is_weak());
			assert!(!is_weak_key(key.as_bytes()));
		}
		// Every weak point that decodes is on the list: the multiples of the order-8 point.
		use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
		let eight = CompressedEdwardsY(SMALL_ORDER[2]).decompress().unwrap();
		let mut p = EdwardsPoint::default();
		for _ in 0..8 {
			p += eight;
			assert!(is_weak_key(&p.compress().to_bytes()));
		}
		assert_eq!(p, EdwardsPoint::default(), "of order 8");
	}

	use super::*;

	fn sample() -> Endpoint {
		Endpoint {
			name: b"example.ddns".to_vec(),
			epoch: 3,
			seq: 1_700_000_000_000,
			valid_until: 1200,
			// identity multihash of a 36-byte protobuf ed25519 public key
			peer_id: [&[0x00, 36, 0x08, 0x01, 0x12, 0x20][..], &[7u8; 32][..]].concat(),
			addrs: alloc::vec![alloc::vec![4, 127, 0, 0, 1, 6, 0x0f, 0xa1]],
		}
	}

	#[test]
	fn wire_round_trip() {
		let e = sample();
		let wire = e.to_wire(&[9; 64]).unwrap();
		assert_eq!(wire[0], VERSION);
		let (back, sig) = Endpoint::from_wire(&wire).unwrap();
		assert_eq!(back, e);
		assert_eq!(sig, [9; 64]);
	}

	#[test]
	fn malformed_records_are_refused() {
		let wire = sample().to_wire(&[9; 64]).unwrap();
		// every truncation fails
		for len in 0..wire.len() {
			assert!(Endpoint::from_wire(&wire[..len]).is_err(), "prefix of {len} bytes accepted");
		}
		// trailing bytes shift the signature: the body no longer decodes exactly
		let mut longer = wire.clone();
		longer.push(0);
		assert!(Endpoint::from_wire(&longer).is_err());
		for version in [1, 3] {
			let mut other = wire.clone();
			other[0] = version;
			assert_eq!(Endpoint::from_wire(&other), Err(EndpointError::UnknownVersion(version)));
		}
		assert_eq!(
			Endpoint::from_wire(&[1u8; MAX_ENDPOINT_LEN + 1]),
			Err(EndpointError::TooLong { len: MAX_ENDPOINT_LEN + 1 })
		);
	}

	#[test]
	fn bad_content_is_refused_both_ways() {
		let mut e = sample();
		e.name = b"Example.ddns".to_vec();
		assert!(matches!(e.to_wire(&[0; 64]), Err(EndpointError::BadName(_))));
		let mut e = sample();
		e.addrs = alloc::vec![alloc::vec![4, 127, 0, 0, 1, 6, 0x0f, 0xa1]; 7];
		assert_eq!(e.to_wire(&[0; 64]), Err(EndpointError::BadMultiaddr));
		let mut e = sample();
		e.peer_id = alloc::vec![1, 2, 3];
		assert_eq!(e.to_wire(&[0; 64]), Err(EndpointError::BadPeerId));
	}

	#[test]
	fn payload_is_domain_separated() {
		let e = sample();
		let payload = e.signing_payload(&[1; 32]);
		assert!(payload.starts_with(DOMAIN));
		let mut other = e.clone();
		other.seq += 1;
		assert_ne!(payload, other.signing_payload(&[1; 32]));
		// another chain, another payload
		assert_ne!(payload, e.signing_payload(&[2; 32]));
	}

	#[test]
	fn sequence_numbers_follow_the_chain() {
		assert_eq!(next_seq(10, 0), 10 << 32);
		// within a block, a counter
		assert_eq!(next_seq(10, 10 << 32), (10 << 32) + 1);
		// a later block jumps past any counter of an earlier one
		assert_eq!(next_seq(11, (10 << 32) + 5), 11 << 32);
		// never backwards, whatever the block says
		assert_eq!(next_seq(9, (10 << 32) + 5), (10 << 32) + 6);
		assert_eq!(next_seq(0, u64::MAX), u64::MAX);
	}

	#[test]
	fn dht_keys() {
		let key = dht_key(b"example.ddns");
		assert_eq!(name_of_key(&key), Some(&b"example.ddns"[..]));
		assert_eq!(name_of_key(b"/other/example.ddns"), None);
	}
}
