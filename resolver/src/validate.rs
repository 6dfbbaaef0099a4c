//! Whether an endpoint record is valid right now: the rule lives in [`ddns_verify::endpoint`],
//! shared with the verifier of proof bundles.

#[cfg(test)]
use ddns_primitives::{
	endpoint::{Endpoint, EndpointError},
	registry::Lifecycle,
};
pub use ddns_verify::endpoint::{check, precheck, supersedes, Reject};

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
