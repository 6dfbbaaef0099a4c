//! The validator set's rules: who may change it, its bounds, and what the session pallet sees.

use crate::{mock::*, Changed, Error, Event};
use frame_support::{assert_noop, assert_ok};
use pallet_session::SessionManager;
use sp_runtime::{traits::OpaqueKeys, DispatchError};

fn set() -> Vec<AccountId> {
	crate::Validators::<Test>::get().into_inner()
}

#[test]
fn a_new_set_is_planned_only_when_the_keyed_set_changes() {
	new_test_ext().execute_with(|| {
		assert_eq!(set(), vec![1, 2]);
		assert_eq!(Validators::new_session(1), Some(vec![1, 2]));
		// Nothing changed: no new set, so GRANDPA keeps its authority set id.
		assert_eq!(Validators::new_session(2), None);
		assert_eq!(Validators::new_session(3), None);
	});
}

#[test]
fn purged_keys_leave_the_set_and_come_back_with_new_keys() {
	new_test_ext().execute_with(|| {
		assert_eq!(Validators::new_session(1), Some(vec![1, 2]));
		purge_keys(1, true);
		assert_eq!(Validators::new_session(2), Some(vec![2]));
		assert_eq!(Validators::new_session(3), None);
		purge_keys(1, false);
		assert_eq!(Validators::new_session(4), Some(vec![1, 2]));
	});
}

#[test]
fn when_every_validator_purges_its_keys_no_empty_set_is_planned() {
	new_test_ext().execute_with(|| {
		assert_eq!(Validators::new_session(1), Some(vec![1, 2]));
		purge_keys(1, true);
		purge_keys(2, true);
		assert_eq!(Validators::new_session(2), None);
		assert_eq!(Validators::new_session(3), None);
		// The first validator to set keys again is planned at once.
		purge_keys(2, false);
		assert_eq!(Validators::new_session(4), Some(vec![2]));
	});
}

frame_support::parameter_types! {
	/// The size of each validator set handed to the consensus engines.
	pub storage Seen: Vec<u32> = vec![];
}

/// Stands for Aura and GRANDPA: records what reaches them.
pub struct Recorder;
impl pallet_session::SessionHandler<AccountId> for Recorder {
	const KEY_TYPE_IDS: &'static [sp_runtime::KeyTypeId] = &[sp_runtime::key_types::DUMMY];

	fn on_genesis_session<Ks: OpaqueKeys>(_validators: &[(AccountId, Ks)]) {}

	fn on_new_session<Ks: OpaqueKeys>(
		_changed: bool,
		validators: &[(AccountId, Ks)],
		_queued: &[(AccountId, Ks)],
	) {
		let mut seen = Seen::get();
		seen.push(validators.len() as u32);
		Seen::set(&seen);
	}

	fn on_disabled(_validator_index: u32) {}
}

#[test]
fn an_empty_set_never_reaches_the_consensus_engines() {
	use pallet_session::SessionHandler;
	use sp_runtime::testing::UintAuthorityId;
	type Guarded = crate::KeepAuthoritiesWhenEmpty<Recorder>;
	new_test_ext().execute_with(|| {
		let one = [(1u64, UintAuthorityId(1))];
		Guarded::on_new_session(true, &one, &one);
		assert_eq!(Seen::get(), vec![1]);
		Guarded::on_new_session::<UintAuthorityId>(true, &[], &[]);
		assert_eq!(Seen::get(), vec![1], "an empty set was passed on");
		Guarded::on_new_session(false, &one, &[]);
		assert_eq!(Seen::get(), vec![1, 1]);
	});
}

#[test]
fn root_adds_and_removes_and_the_next_session_gets_the_new_set() {
	new_test_ext().execute_with(|| {
		assert_ok!(Validators::add_validator(RuntimeOrigin::root(), 3));
		System::assert_last_event(Event::ValidatorAdded { who: 3 }.into());
		assert!(Changed::<Test>::get());
		assert_eq!(Validators::new_session(1), Some(vec![1, 2, 3]));
		assert!(!Changed::<Test>::get());

		assert_ok!(Validators::remove_validator(RuntimeOrigin::root(), 1));
		System::assert_last_event(Event::ValidatorRemoved { who: 1 }.into());
		assert_eq!(Validators::new_session(3), Some(vec![2, 3]));
	});
}

#[test]
fn only_the_configured_origin_may_change_the_set() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			Validators::add_validator(RuntimeOrigin::signed(1), 3),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Validators::remove_validator(RuntimeOrigin::signed(1), 2),
			DispatchError::BadOrigin
		);
		assert_noop!(Validators::add_validator(RuntimeOrigin::none(), 3), DispatchError::BadOrigin);
	});
}

#[test]
fn accounts_without_session_keys_are_refused_and_never_count_towards_the_minimum() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			Validators::add_validator(RuntimeOrigin::root(), 10),
			Error::<Test>::NoSessionKeys
		);
		// A genesis validator without keys (11) does not keep the set alive on its own.
		crate::Validators::<Test>::put(frame_support::BoundedVec::try_from(vec![1, 11]).unwrap());
		assert_noop!(
			Validators::remove_validator(RuntimeOrigin::root(), 1),
			Error::<Test>::TooFewValidators
		);
		assert_ok!(Validators::remove_validator(RuntimeOrigin::root(), 11));
		assert_eq!(set(), vec![1]);
	});
}

#[test]
fn bounds_and_bad_input_change_nothing() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			Validators::add_validator(RuntimeOrigin::root(), 1),
			Error::<Test>::AlreadyValidator
		);
		assert_noop!(
			Validators::remove_validator(RuntimeOrigin::root(), 9),
			Error::<Test>::NotValidator
		);
		assert_ok!(Validators::add_validator(RuntimeOrigin::root(), 3));
		assert_ok!(Validators::add_validator(RuntimeOrigin::root(), 4));
		assert_noop!(
			Validators::add_validator(RuntimeOrigin::root(), 5),
			Error::<Test>::TooManyValidators
		);
		for who in [1, 2, 3] {
			assert_ok!(Validators::remove_validator(RuntimeOrigin::root(), who));
		}
		assert_noop!(
			Validators::remove_validator(RuntimeOrigin::root(), 4),
			Error::<Test>::TooFewValidators
		);
		assert_eq!(set(), vec![4]);
	});
}

#[test]
fn every_block_mints_the_reward_to_its_author() {
	use frame_support::traits::Hooks;
	new_test_ext().execute_with(|| {
		let issuance = Balances::total_issuance();
		<Validators as Hooks<u64>>::on_initialize(1);
		assert_eq!(Balances::free_balance(1), 110);
		// The author is noted for the block's fees, and forgotten at its end.
		assert_eq!(crate::Author::<Test>::get(), Some(1));
		<Validators as Hooks<u64>>::on_finalize(1);
		assert_eq!(crate::Author::<Test>::get(), None);
		Author::set(&Some(2));
		<Validators as Hooks<u64>>::on_initialize(2);
		// Account 2 did not exist: the reward is at least the existential deposit, so it is
		// created.
		assert_eq!(Balances::free_balance(2), 10);
		assert_eq!(Balances::total_issuance(), issuance + 20);
		// No author to be told: nothing is minted.
		Author::set(&None);
		<Validators as Hooks<u64>>::on_initialize(3);
		assert_eq!(Balances::total_issuance(), issuance + 20);
	});
}

#[test]
fn governance_sets_the_block_reward_within_its_bound() {
	use frame_support::traits::Hooks;
	new_test_ext().execute_with(|| {
		assert_noop!(
			Validators::set_block_reward(RuntimeOrigin::signed(1), 5),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Validators::set_block_reward(RuntimeOrigin::root(), MaxBlockReward::get() + 1),
			Error::<Test>::RewardTooHigh
		);
		assert_ok!(Validators::set_block_reward(RuntimeOrigin::root(), 0));
		System::assert_last_event(Event::BlockRewardSet { reward: 0 }.into());
		let issuance = Balances::total_issuance();
		<Validators as Hooks<u64>>::on_initialize(2);
		assert_eq!(Balances::total_issuance(), issuance, "zero reward: no emission");
		assert_ok!(Validators::set_block_reward(RuntimeOrigin::root(), MaxBlockReward::get()));
		<Validators as Hooks<u64>>::on_initialize(3);
		assert_eq!(Balances::total_issuance(), issuance + MaxBlockReward::get());
	});
}
