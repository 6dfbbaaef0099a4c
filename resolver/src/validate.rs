//! Whether an endpoint record is valid right now: the one rule every daemon applies before it
//! stores a record, returns one, or answers from one.

use crate::chain::View;
use ddns_primitives::endpoint::{Endpoint, EndpointError};
use ddns_registry_runtime_api::Lifecycle;

/// Why a record was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reject {
	/// Not a well-formed record (size, version, encoding, name, PeerId, multiaddrs).
	Form(EndpointError),
	/// Stored under another name's key.
	WrongKey,
	/// Nobody holds the name, or it is not Active.
	NotActive,
	/// The name has no node key on chain.
	NoNodeKey,
	/// Signed under another epoch than the chain's current one (an old key, or before a
	/// transfer or re-registration).
	StaleEpoch,
	/// Its validity ended before the finalized head.
	Expired,
	/// It claims validity past the name's expiry.
	PastExpiry,
	/// The signature is not the node key's for this chain, by the strict rule (RFC 8032 §5.1.7
	/// with canonical `s`, and no small-order `R`). A record signed for another chain (another
	/// genesis hash) fails here.
	BadSignature,
	/// The node key on chain is a small-order point: anyone could sign for it.
	WeakKey,
	/// A record of the same epoch with a sequence number at least as high is already stored.
	Replay,
}

impl Reject {
	/// Whether an honest peer could not have sent it: a record that never was valid on this
	/// chain. Records that stopped validating (a new epoch, a lapse, a newer copy) race with
	/// the chain and are no one's fault; so are records that validate at a head we have not
	/// reached (`past_expiry` right after a renewal) and records of a newer version.
	pub fn is_misbehaviour(&self) -> bool {
		match self {
			Self::Form(EndpointError::UnknownVersion(_)) => false,
			Self::Form(_) | Self::WrongKey | Self::BadSignature => true,
			_ => false,
		}
	}

	/// A short stable word, used as the `reason` label of the rejection metric.
	pub fn code(&self) -> &'static str {
		match self {
			Self::Form(e) => e.code(),
			Self::WrongKey => "wrong_key",
			Self::NotActive => "not_active",
			Self::NoNodeKey => "no_node_key",
			Self::StaleEpoch => "stale_epoch",
			Self::Expired => "expired",
			Self::PastExpiry => "past_expiry",
			Self::BadSignature => "bad_signature",
			Self::WeakKey => "weak_key",
			Self::Replay => "replay",
		}
	}
}

impl std::fmt::Display for Reject {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		f.write_str(self.code())
	}
}

/// The checks that need neither the chain nor a signature check: the form, the name the key is
/// for, and the validity against the finalized head. Made before any call to the node.
pub fn precheck(bytes: &[u8], name: &str, head: u32) -> Result<(), Reject> {
	let (endpoint, _) = Endpoint::from_wire(bytes).map_err(Reject::Form)?;
	if endpoint.name != name.as_bytes() {
		return Err(Reject::WrongKey);
	}
	if endpoint.valid_until < head {
		return Err(Reject::Expired);
	}
	Ok(())
}

/// Checks `bytes`, found under the DHT key of `name`, against the name's view at a finalized
/// block `head` of the chain whose genesis hash is `genesis`. On success returns the record's
/// content.
pub fn check(
	bytes: &[u8],
	name: &str,
	view: Option<&View>,
	head: u32,
	genesis: &[u8; 32],
) -> Result<Endpoint, Reject> {
	let (endpoint, signature) = Endpoint::from_wire(bytes).map_err(Reject::Form)?;
	if endpoint.name != name.as_bytes() {
		return Err(Reject::WrongKey);
	}
	let view = view.filter(|v| v.state == Lifecycle::Active).ok_or(Reject::NotActive)?;
	let node_key = view.node_key.ok_or(Reject::NoNodeKey)?;
	if endpoint.epoch != view.epoch {
		return Err(Reject::StaleEpoch);
	}
	if endpoint.valid_until < head {
		return Err(Reject::Expired);
	}
	if endpoint.valid_until > view.expires_at {
		return Err(Reject::PastExpiry);
	}
	// Strict verification: the lax one accepts, for a small-order key, a signature anyone can
	// make (R the identity, s zero), and more than one signature per message.
	let key =
		ed25519_dalek::VerifyingKey::from_bytes(&node_key).map_err(|_| Reject::BadSignature)?;
	if key.is_weak() {
		return Err(Reject::WeakKey);
	}
	key.verify_strict(
		&endpoint.signing_payload(genesis),
		&ed25519_dalek::Signature::from_bytes(&signature),
	)
	.map_err(|_| Reject::BadSignature)?;
	Ok(endpoint)
}

/// Whether a new valid record replaces a stored one: a later epoch always does; within an
/// epoch, only a strictly higher sequence number.
pub fn supersedes(new: &Endpoint, old: &Endpoint) -> bool {
	(new.epoch, new.seq) > (old.epoch, old.seq)
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::testing::{sign, sign_for, view_for, GENESIS};
	use libp2p::identity::Keypair;

	#[test]
	fn each_rule_is_enforced() {
		let owner = Keypair::generate_ed25519();
		let view = view_for("alpha.ddns", &owner, 4, 1000);
		let good = sign(&owner, "alpha.ddns", 4, 10, 500);
		assert!(check(&good, "alpha.ddns", Some(&view), 100, &GENESIS).is_ok());

		// another name's key
		assert_eq!(check(&good, "beta.ddns", Some(&view), 100, &GENESIS), Err(Reject::WrongKey));
		// not held, or not Active
		assert_eq!(check(&good, "alpha.ddns", None, 100, &GENESIS), Err(Reject::NotActive));
		let mut grace = view.clone();
		grace.state = Lifecycle::Grace;
		assert_eq!(check(&good, "alpha.ddns", Some(&grace), 100, &GENESIS), Err(Reject::NotActive));
		// node key removed
		let mut keyless = view.clone();
		keyless.node_key = None;
		assert_eq!(
			check(&good, "alpha.ddns", Some(&keyless), 100, &GENESIS),
			Err(Reject::NoNodeKey)
		);
		// epoch moved on
		let mut rotated = view.clone();
		rotated.epoch = 5;
		assert_eq!(
			check(&good, "alpha.ddns", Some(&rotated), 100, &GENESIS),
			Err(Reject::StaleEpoch)
		);
		// validity over
		assert_eq!(check(&good, "alpha.ddns", Some(&view), 501, &GENESIS), Err(Reject::Expired));
		// validity past the name's expiry
		let long = sign(&owner, "alpha.ddns", 4, 10, 1001);
		assert_eq!(check(&long, "alpha.ddns", Some(&view), 100, &GENESIS), Err(Reject::PastExpiry));
		// signed by someone else
		let forger = Keypair::generate_ed25519();
		let forged = sign(&forger, "alpha.ddns", 4, 10, 500);
		assert_eq!(
			check(&forged, "alpha.ddns", Some(&view), 100, &GENESIS),
			Err(Reject::BadSignature)
		);
		// signed by the right key for another chain (a testnet that shares the key)
		let testnet = sign_for(&[7; 32], &owner, "alpha.ddns", 4, 10, 500);
		assert_eq!(
			check(&testnet, "alpha.ddns", Some(&view), 100, &GENESIS),
			Err(Reject::BadSignature)
		);
		assert!(check(&testnet, "alpha.ddns", Some(&view), 100, &[7; 32]).is_ok());
		assert!(Reject::BadSignature.is_misbehaviour() && !Reject::StaleEpoch.is_misbehaviour());
		assert!(!Reject::PastExpiry.is_misbehaviour());
		assert!(!Reject::Form(EndpointError::UnknownVersion(3)).is_misbehaviour());
		// the cheap checks, before any call to the node
		assert_eq!(precheck(&good, "alpha.ddns", 100), Ok(()));
		assert_eq!(precheck(&good, "beta.ddns", 100), Err(Reject::WrongKey));
		assert_eq!(precheck(&good, "alpha.ddns", 501), Err(Reject::Expired));
		assert!(matches!(precheck(&good[..10], "alpha.ddns", 100), Err(Reject::Form(_))));
		// a flipped bit anywhere in the signed part
		let mut flipped = good.clone();
		flipped[3] ^= 1;
		assert!(check(&flipped, "alpha.ddns", Some(&view), 100, &GENESIS).is_err());
		// a small-order node key on chain, and the signature anyone can make for it (R the
		// identity point, s zero), which lax verification accepts for any message
		let mut weak = view.clone();
		let mut identity = [0u8; 32];
		identity[0] = 1;
		weak.node_key = Some(identity);
		let (endpoint, _) = Endpoint::from_wire(&good).unwrap();
		let mut anyones = [0u8; 64];
		anyones[0] = 1;
		let lax = libp2p::identity::ed25519::PublicKey::try_from_bytes(&identity).unwrap();
		assert!(lax.verify(&endpoint.signing_payload(&GENESIS), &anyones), "the forgery is real");
		let forged = endpoint.to_wire(&anyones).unwrap();
		assert_eq!(check(&forged, "alpha.ddns", Some(&weak), 100, &GENESIS), Err(Reject::WeakKey));
		// a non-canonical s (s + L) on a good signature: lax verification reduces it, strict
		// refuses it (one signature per message)
		let (_, sig) = Endpoint::from_wire(&good).unwrap();
		let malleated = endpoint.to_wire(&add_l(&sig)).unwrap();
		assert_eq!(
			check(&malleated, "alpha.ddns", Some(&view), 100, &GENESIS),
			Err(Reject::BadSignature)
		);
		// oversize
		let mut big = good.clone();
		big.resize(2000, 0);
		assert!(matches!(
			check(&big, "alpha.ddns", Some(&view), 100, &GENESIS),
			Err(Reject::Form(EndpointError::TooLong { .. }))
		));
	}

	/// `sig` with `L` (the group order) added to its `s` half (little-endian).
	fn add_l(sig: &[u8; 64]) -> [u8; 64] {
		const L: [u8; 32] = [
			0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9,
			0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
		];
		let mut out = *sig;
		let mut carry = 0u16;
		for i in 0..32 {
			let sum = u16::from(sig[32 + i]) + u16::from(L[i]) + carry;
			out[32 + i] = sum as u8;
			carry = sum >> 8;
		}
		out
	}

	#[test]
	fn ordering() {
		let owner = Keypair::generate_ed25519();
		let rec =
			|epoch, seq| Endpoint::from_wire(&sign(&owner, "alpha.ddns", epoch, seq, 9)).unwrap().0;
		assert!(supersedes(&rec(1, 2), &rec(1, 1)));
		assert!(!supersedes(&rec(1, 1), &rec(1, 1)));
		assert!(!supersedes(&rec(1, 1), &rec(1, 2)));
		assert!(supersedes(&rec(2, 1), &rec(1, 9)));
	}
}
