//! Storage migrations: each moves the old layout to the new one once, and only once.

use super::*;
use crate::{
	migrations::{v2, v3},
	Commitment,
};
use frame_support::traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion};
use sp_core::{Get, H256};

/// Commitments made through the call, then moved back under their v1 (`Identity`) keys.
fn v1_commitments() -> Vec<(H256, Commitment<AccountId, Balance, u64>)> {
	for (who, name) in [(ALICE, "one.ddns"), (BOB, "two.ddns"), (CHARLIE, "three.ddns")] {
		commit(who, name, who);
	}
	let made: Vec<_> = Commitments::<Test>::drain().collect();
	for (hash, c) in &made {
		v2::v1::Commitments::<Test>::insert(hash, c);
	}
	StorageVersion::new(1).put::<Registry>();
	made
}

#[test]
fn commitments_are_rekeyed_once() {
	build_and_execute(|| {
		let made = v1_commitments();
		let (hash, _) = &made[0];
		let old_key = v2::v1::Commitments::<Test>::hashed_key_for(hash);
		// Under v1 keys the v2 map finds nothing.
		assert_eq!(Commitments::<Test>::get(hash), None);

		let weight = v2::MigrateV1ToV2::<Test>::on_runtime_upgrade();
		let db: frame_support::weights::RuntimeDbWeight =
			<Test as frame_system::Config>::DbWeight::get();
		// Three commitments (one read, two writes each), plus the version read and written.
		assert_eq!(weight, db.reads_writes(3, 6).saturating_add(db.reads_writes(1, 1)));
		assert_eq!(Registry::on_chain_storage_version(), 2);
		assert_eq!(Commitments::<Test>::iter().count(), made.len());
		for (hash, c) in &made {
			assert_eq!(Commitments::<Test>::get(hash).as_ref(), Some(c));
			let key = Commitments::<Test>::hashed_key_for(hash);
			let hashed =
				[sp_io::hashing::blake2_128(hash.as_bytes()).as_slice(), hash.as_bytes()].concat();
			assert!(key.ends_with(&hashed), "keyed by Blake2_128Concat");
		}
		assert_eq!(sp_io::storage::get(&old_key), None, "the v1 key is gone");

		// Run again: it does nothing.
		let root = sp_io::storage::root(sp_runtime::StateVersion::V1);
		assert_eq!(v2::MigrateV1ToV2::<Test>::on_runtime_upgrade(), db.reads(1));
		assert_eq!(sp_io::storage::root(sp_runtime::StateVersion::V1), root);

		// The commitments still work: one is revealed, one is cleared.
		run_to(now() + test_params().min_commitment_age);
		assert_ok!(Registry::register(
			RuntimeOrigin::signed(ALICE),
			n("one.ddns"),
			ALICE,
			SECRET,
			1
		));
		run_to(now() + test_params().max_commitment_age);
		let stale = Registry::commitment_of(b"two.ddns", &BOB, &SECRET);
		assert_ok!(Registry::clear_commitment(RuntimeOrigin::signed(ALICE), stale));
	});
}

#[cfg(feature = "try-runtime")]
#[test]
fn the_rekeying_checks_count_and_contents() {
	build_and_execute(|| {
		v1_commitments();
		let state = v2::MigrateV1ToV2::<Test>::pre_upgrade().unwrap();
		v2::MigrateV1ToV2::<Test>::on_runtime_upgrade();
		assert_ok!(v2::MigrateV1ToV2::<Test>::post_upgrade(state.clone()));
		// A commitment lost on the way is caught.
		let (lost, _) = Commitments::<Test>::iter().next().unwrap();
		let c = Commitments::<Test>::take(lost).unwrap();
		assert!(v2::MigrateV1ToV2::<Test>::post_upgrade(state).is_err());
		Commitments::<Test>::insert(lost, c);
	});
}

#[test]
fn the_epoch_counter_starts_above_every_old_epoch_once() {
	build_and_execute(|| {
		register(ALICE, "old.ddns", ALICE, 1);
		StorageVersion::new(2).put::<Registry>();
		v3::MigrateV2ToV3::<Test>::on_runtime_upgrade();
		assert_eq!(Registry::on_chain_storage_version(), 3);
		assert_eq!(LastEpoch::<Test>::get(), v3::EPOCH_FLOOR);
		assert_ok!(Registry::set_node_key(
			RuntimeOrigin::signed(ALICE),
			n("old.ddns"),
			Some([1; 32])
		));
		assert_eq!(Names::<Test>::get(key("old.ddns")).unwrap().epoch, v3::EPOCH_FLOOR + 1);
		// Run again: it does nothing.
		v3::MigrateV2ToV3::<Test>::on_runtime_upgrade();
		assert_eq!(LastEpoch::<Test>::get(), v3::EPOCH_FLOOR + 1);
	});
}
