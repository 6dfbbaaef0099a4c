//! Whether an endpoint record is valid right now: the one rule every daemon applies before it
//! stores a record, returns one, or answers from one, and that `ddns-verify` applies to the
//! record a daemon's proof bundle carries, against the proven view.

use ddns_primitives::{
	endpoint::{Endpoint, EndpointError},
	registry::{Lifecycle, NameView},
};
use sp_core::crypto::AccountId32;

/// A name's view, as the chain gives it.
pub type View = NameView<AccountId32, u128, u32>;

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
