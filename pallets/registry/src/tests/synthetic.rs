//! A registry made at genesis for the scale benchmarks: consistent, resolvable, and its expiry
//! spike worked through within the lifecycle's weight per block.

use super::*;
use crate::{
	synthetic::{synthetic_name, synthetic_owner, synthetic_width, Synthetic},
	WeightInfo,
};
use frame_support::weights::Weight;

const SPEC: Synthetic<u64> =
	Synthetic { names: 1_000, spike: 100, spike_at: 5, spread: 2_000, owners: 50 };

fn name(index: u32) -> Vec<u8> {
	synthetic_name(index, synthetic_width(SPEC.names))
}

#[test]
fn synthetic_names_follow_the_name_rule_and_never_repeat() {
	assert_eq!(synthetic_width(1_000_000), 4);
	assert_eq!(synthetic_width(2_000_000), 5);
	let mut seen = std::collections::BTreeSet::new();
	for index in (0..1_679_616).step_by(97).chain([1, 35, 36, 1_679_615]) {
		let name = synthetic_name(index, 4);
		ddns_primitives::name::validate_registrable(&name)
			.unwrap_or_else(|e| panic!("{}: {e:?}", String::from_utf8_lossy(&name)));
		assert!(name.len() <= 4 + 12 + 5, "{}", String::from_utf8_lossy(&name));
		assert!(seen.insert(name[..4].to_vec()), "index {index} repeats a prefix");
	}
	assert_eq!(&synthetic_name(0, 4)[..4], b"0000");
	assert_eq!(&synthetic_name(36, 4)[..4], b"0010");
}

#[test]
fn a_synthetic_registry_holds_every_name_resolves_them_and_keeps_its_invariants() {
	test_ext_with(Some(SPEC)).execute_with(|| {
		Registry::do_try_state().expect("the synthetic state keeps every invariant");
		// 1000 names, 50 `www`, 10 × (`api`, `v1.api`, `eu.v1.api`).
		assert_eq!(Names::<Test>::iter().count(), 1_000 + 50 + 30);
		assert_eq!(Timeline::<Test>::iter_prefix(SPEC.spike_at).count(), 100);
		assert_eq!(Primary::<Test>::iter().count(), 50);
		assert_eq!(LastEpoch::<Test>::get(), 1_080);
		let with_records = Records::<Test>::iter().count();
		assert!((800..=1_000).contains(&with_records), "{with_records} record sets");
		let keyed = Names::<Test>::iter().filter(|(_, i)| i.node_key.is_some()).count();
		assert!((50..=160).contains(&keyed), "{keyed} node keys");

		let first = Registry::resolve(&name(0)).expect("the first name resolves");
		assert_eq!(first.state, Lifecycle::Active);
		assert_eq!(first.expires_at, SPEC.spike_at);
		assert_eq!(first.owner, synthetic_owner::<AccountId>(0));
		let later = Registry::resolve(&name(500)).expect("a name after the spike resolves");
		assert!(later.expires_at > SPEC.spike_at && later.expires_at <= SPEC.spike_at + 2_000);
		let mut deep = b"eu.v1.api.".to_vec();
		deep.extend_from_slice(&name(100));
		let deep = Registry::resolve(&deep).expect("a subdomain three levels down resolves");
		assert_eq!(deep.records, vec![Record::A([10, 255, 255, 255])]);
		assert_eq!(deep.expires_at, later_expiry(100));
	});
}

fn later_expiry(index: u32) -> u64 {
	let info = Names::<Test>::get(key(core::str::from_utf8(&name(index)).unwrap())).unwrap();
	match info.tenure {
		Tenure::Registered { expires_at } => expires_at,
		Tenure::Sub { .. } => panic!("not registered"),
	}
}

#[test]
fn the_expiry_spike_is_worked_through_within_the_lifecycle_weight() {
	test_ext_with(Some(SPEC)).execute_with(|| {
		let base = <() as WeightInfo>::lifecycle_base();
		let dearest = <() as WeightInfo>::lifecycle_purge()
			.max(<() as WeightInfo>::lifecycle_transition())
			.max(<() as WeightInfo>::lifecycle_skip());
		// Room for about five operations: fewer than the operation cap (8).
		let limit = base.saturating_add(dearest.saturating_mul(5));
		LifecycleWeight::set(limit);
		let in_grace =
			|| Names::<Test>::iter().filter(|(_, i)| i.phase == Lifecycle::Grace).count();
		run_to(SPEC.spike_at - 1);
		let mut blocks = 0;
		let mut last = 0;
		while in_grace() < 100 {
			let next = now() + 1;
			System::set_block_number(next);
			let used = Registry::on_initialize(next);
			assert!(used.all_lte(limit), "block {next} used {used:?} of {limit:?}");
			let moved = in_grace() - last;
			assert!((1..8).contains(&moved), "block {next} moved {moved}");
			last = in_grace();
			blocks += 1;
			assert!(blocks < 60, "the spike is not worked through");
		}
		// Unbounded by weight, the same spike takes 100 / 8 blocks.
		assert!(blocks > 13, "{blocks} blocks");
		Registry::do_try_state().expect("invariants hold through the spike");
		LifecycleWeight::set(Weight::MAX);
	});
}
