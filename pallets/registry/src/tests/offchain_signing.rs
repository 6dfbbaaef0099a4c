//! The offchain worker that signs endpoint records for names whose key the node holds.

use super::*;
use crate::offchain::KEY_TYPE;
use codec::Encode;
use ddns_primitives::endpoint::{ocw_signed_key, Endpoint, EndpointRequest, OCW_REQUEST_KEY};
use sp_core::{
	ed25519,
	offchain::{testing::TestOffchainExt, OffchainDbExt, OffchainWorkerExt, StorageKind},
	Pair,
};
use sp_keystore::{testing::MemoryKeystore, Keystore, KeystoreExt};
use std::sync::Arc;

const PEER: [u8; 38] = {
	let mut p = [7u8; 38];
	(p[0], p[1], p[2], p[3], p[4], p[5]) = (0x00, 36, 0x08, 0x01, 0x12, 0x20);
	p
};

fn request(names: &[&str]) -> Vec<u8> {
	EndpointRequest {
		peer_id: PEER.to_vec(),
		addrs: vec![vec![4, 127, 0, 0, 1, 6, 0x0f, 0xa1]],
		names: names.iter().map(|n| n.as_bytes().to_vec()).collect(),
		validity_blocks: 20,
	}
	.encode()
}

/// The test externalities with an offchain worker's extensions, and the node key (type `ddns`)
/// its keystore holds.
fn offchain_ext() -> (sp_io::TestExternalities, ed25519::Public) {
	let mut ext = new_test_ext();
	let (offchain, _) = TestOffchainExt::new();
	let keystore = Arc::new(MemoryKeystore::new());
	let public = keystore.ed25519_generate_new(KEY_TYPE, None).unwrap();
	ext.register_extension(OffchainDbExt::new(offchain.clone()));
	ext.register_extension(OffchainWorkerExt::new(offchain));
	ext.register_extension(KeystoreExt(keystore));
	(ext, public)
}

fn signed(name: &str) -> Option<Vec<u8>> {
	sp_io::offchain::local_storage_get(StorageKind::PERSISTENT, &ocw_signed_key(name.as_bytes()))
}

#[test]
fn the_worker_signs_with_the_keystore_key_and_only_for_its_names() {
	let (mut ext, public) = offchain_ext();
	ext.execute_with(|| {
		// What block 1 records as its parent's hash.
		frame_system::BlockHash::<Test>::insert(0, sp_core::H256::repeat_byte(0x47));
		register(ALICE, "keyed.ddns", BOB, 1);
		register(ALICE, "other.ddns", BOB, 1);
		assert_ok!(Registry::set_node_key(
			RuntimeOrigin::signed(BOB),
			n("keyed.ddns"),
			Some(public.0)
		));
		// A key the keystore does not hold.
		assert_ok!(Registry::set_node_key(
			RuntimeOrigin::signed(BOB),
			n("other.ddns"),
			Some([9; 32])
		));

		// No request: nothing is signed.
		Registry::offchain_worker(now());
		assert_eq!(signed("keyed.ddns"), None);

		sp_io::offchain::local_storage_set(
			StorageKind::PERSISTENT,
			OCW_REQUEST_KEY,
			&request(&["keyed.ddns", "other.ddns", "nobody.ddns"]),
		);
		Registry::offchain_worker(now());
		let wire = signed("keyed.ddns").expect("a signed record");
		let (endpoint, signature) = Endpoint::from_wire(&wire).unwrap();
		assert!(<ed25519::Pair as Pair>::verify(
			&ed25519::Signature::from_raw(signature),
			endpoint.signing_payload(&[0x47; 32]),
			&public,
		));
		// Signed for this chain only.
		assert!(!<ed25519::Pair as Pair>::verify(
			&ed25519::Signature::from_raw(signature),
			endpoint.signing_payload(&[0; 32]),
			&public,
		));
		// The block, not a clock, numbers it.
		assert_eq!(endpoint.seq, u64::from(now() as u32) << 32);
		let view = Registry::resolve(b"keyed.ddns").unwrap();
		assert_eq!(endpoint.epoch, view.epoch);
		assert_eq!(endpoint.peer_id, PEER.to_vec());
		assert!(endpoint.valid_until <= view.expires_at as u32);
		assert_eq!(signed("other.ddns"), None);
		assert_eq!(signed("nobody.ddns"), None);

		// Nothing changed: the record is kept as it is.
		Registry::offchain_worker(now());
		assert_eq!(signed("keyed.ddns"), Some(wire.clone()));

		// A new epoch (the key set again) makes it sign anew, with a higher sequence number.
		assert_ok!(Registry::set_node_key(
			RuntimeOrigin::signed(BOB),
			n("keyed.ddns"),
			Some(public.0)
		));
		Registry::offchain_worker(now());
		let (again, _) = Endpoint::from_wire(&signed("keyed.ddns").unwrap()).unwrap();
		assert_eq!(again.epoch, Registry::resolve(b"keyed.ddns").unwrap().epoch);
		assert!(again.epoch > endpoint.epoch && again.seq > endpoint.seq);

		// Garbage in the request slot is ignored, not trusted.
		sp_io::offchain::local_storage_set(StorageKind::PERSISTENT, OCW_REQUEST_KEY, b"\xff\xff");
		Registry::offchain_worker(now());
	});
}

/// The two consents a signature needs (see `offchain.rs`): the operator's request, and the
/// current owner's node key, which every change of owner clears.
#[test]
fn the_worker_signs_only_with_the_operators_request_and_the_current_owners_key() {
	let (mut ext, public) = offchain_ext();
	ext.execute_with(|| {
		register(ALICE, "served.ddns", BOB, 1);
		register(ALICE, "squat.ddns", CHARLIE, 1);
		let set_key = |who, name: &str| {
			assert_ok!(Registry::set_node_key(RuntimeOrigin::signed(who), n(name), Some(public.0)));
		};
		set_key(BOB, "served.ddns");
		// Anyone may point a name at the node's (public) key; the operator did not ask for it.
		set_key(CHARLIE, "squat.ddns");
		sp_io::offchain::local_storage_set(
			StorageKind::PERSISTENT,
			OCW_REQUEST_KEY,
			&request(&["served.ddns"]),
		);
		Registry::offchain_worker(now());
		assert_eq!(signed("squat.ddns"), None);
		let first = signed("served.ddns").expect("signed for the requested name");

		// The name changes hands: the key is gone, so nothing new is signed, and the record
		// signed for BOB is of an epoch that no longer validates.
		assert_ok!(Registry::transfer(RuntimeOrigin::signed(BOB), n("served.ddns"), CHARLIE));
		Registry::offchain_worker(now());
		assert_eq!(signed("served.ddns"), Some(first.clone()));
		let (old, _) = Endpoint::from_wire(&first).unwrap();
		assert!(old.epoch < Registry::resolve(b"served.ddns").unwrap().epoch);
	});
}
