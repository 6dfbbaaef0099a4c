//! Whether an endpoint record is valid right now: the one rule every daemon applies before it
//! stores a record, returns one, or answers from one.

use crate::chain::View;
use ddns_primitives::endpoint::{Endpoint, EndpointError};
use ddns_registry_runtime_api::Lifecycle;
use libp2p::identity::ed25519;

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
	/// The signature is not the node key's.
	BadSignature,
	/// A record of the same epoch with a sequence number at least as high is already stored.
	Replay,
}

impl Reject {
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
			Self::Replay => "replay",
		}
	}
}

impl std::fmt::Display for Reject {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		f.write_str(self.code())
	}
}

/// Checks `bytes`, found under the DHT key of `name`, against the name's view at a finalized
/// block `head`. On success returns the record's content.
pub fn check(bytes: &[u8], name: &str, view: Option<&View>, head: u32) -> Result<Endpoint, Reject> {
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
	let key = ed25519::PublicKey::try_from_bytes(&node_key).map_err(|_| Reject::BadSignature)?;
	if !key.verify(&endpoint.signing_payload(), &signature) {
		return Err(Reject::BadSignature);
	}
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
	use crate::testing::{sign, view_for};
	use libp2p::identity::Keypair;

	#[test]
	fn each_rule_is_enforced() {
		let owner = Keypair::generate_ed25519();
		let view = view_for("alpha.ddns", &owner, 4, 1000);
		let good = sign(&owner, "alpha.ddns", 4, 10, 500);
		assert!(check(&good, "alpha.ddns", Some(&view), 100).is_ok());

		// another name's key
		assert_eq!(check(&good, "beta.ddns", Some(&view), 100), Err(Reject::WrongKey));
		// not held, or not Active
		assert_eq!(check(&good, "alpha.ddns", None, 100), Err(Reject::NotActive));
		let mut grace = view.clone();
		grace.state = Lifecycle::Grace;
		assert_eq!(check(&good, "alpha.ddns", Some(&grace), 100), Err(Reject::NotActive));
		// node key removed
		let mut keyless = view.clone();
		keyless.node_key = None;
		assert_eq!(check(&good, "alpha.ddns", Some(&keyless), 100), Err(Reject::NoNodeKey));
		// epoch moved on
		let mut rotated = view.clone();
		rotated.epoch = 5;
		assert_eq!(check(&good, "alpha.ddns", Some(&rotated), 100), Err(Reject::StaleEpoch));
		// validity over
		assert_eq!(check(&good, "alpha.ddns", Some(&view), 501), Err(Reject::Expired));
		// validity past the name's expiry
		let long = sign(&owner, "alpha.ddns", 4, 10, 1001);
		assert_eq!(check(&long, "alpha.ddns", Some(&view), 100), Err(Reject::PastExpiry));
		// signed by someone else
		let forger = Keypair::generate_ed25519();
		let forged = sign(&forger, "alpha.ddns", 4, 10, 500);
		assert_eq!(check(&forged, "alpha.ddns", Some(&view), 100), Err(Reject::BadSignature));
		// a flipped bit anywhere in the signed part
		let mut flipped = good.clone();
		flipped[3] ^= 1;
		assert!(check(&flipped, "alpha.ddns", Some(&view), 100).is_err());
		// oversize
		let mut big = good.clone();
		big.resize(2000, 0);
		assert!(matches!(
			check(&big, "alpha.ddns", Some(&view), 100),
			Err(Reject::Form(EndpointError::TooLong { .. }))
		));
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
