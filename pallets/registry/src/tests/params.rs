//! Parameters: who sets them, which sets are consistent, and what a change does to names.

use super::*;

#[test]
fn only_root_sets_consistent_params() {
	build_and_execute(|| {
		let mut p = test_params();
		p.period = 7;
		assert_noop!(
			Registry::set_params(RuntimeOrigin::signed(ALICE), p.clone()),
			DispatchError::BadOrigin
		);
		let mut bad = p.clone();
		bad.min_commitment_age = bad.max_commitment_age;
		assert_noop!(
			Registry::set_params(RuntimeOrigin::root(), bad),
			Error::<Test>::InvalidParams
		);
		// A term so long that `period × max_periods` (or the life after it) overflows a block
		// number would make every renewal fail: refused.
		let mut endless = p.clone();
		endless.period = u64::MAX / 4;
		assert_noop!(
			Registry::set_params(RuntimeOrigin::root(), endless),
			Error::<Test>::InvalidParams
		);
		let mut late = p.clone();
		late.premium_window = u64::MAX - 1_000;
		assert_noop!(
			Registry::set_params(RuntimeOrigin::root(), late),
			Error::<Test>::InvalidParams
		);
		assert_ok!(Registry::set_params(RuntimeOrigin::root(), p.clone()));
		assert_eq!(RegistryParams::<Test>::get(), Some(p));
	});
}

#[test]
fn lengthening_grace_brings_a_premium_name_back_to_grace() {
	build_and_execute(|| {
		register(ALICE, "slow.ddns", ALICE, 1);
		let e = expiry("slow.ddns");
		run_to(e + 25);
		assert_eq!(state("slow.ddns"), Ok(Lifecycle::Premium));
		let mut p = test_params();
		p.grace = 100;
		assert_ok!(Registry::set_params(RuntimeOrigin::root(), p));
		run_to(e + 70);
		assert_eq!(state("slow.ddns"), Ok(Lifecycle::Grace));
		assert!(Names::<Test>::get(key("slow.ddns")).is_some());
		assert_ok!(Registry::renew(RuntimeOrigin::signed(ALICE), n("slow.ddns"), 1));
		assert_eq!(state("slow.ddns"), Ok(Lifecycle::Active));
	});
}
