//! The validator set's rules: who may change it, its bounds, and what the session pallet sees.

use crate::{mock::*, Changed, Error, Event};
use frame_support::{assert_noop, assert_ok};
use pallet_session::SessionManager;
use sp_runtime::DispatchError;

fn set() -> Vec<AccountId> {
	crate::Validators::<Test>::get().into_inner()
}

#[test]
fn the_session_pallet_gets_the_whole_set_at_every_rotation() {
	new_test_ext().execute_with(|| {
		assert_eq!(set(), vec![1, 2]);
		assert_eq!(Validators::new_session(1), Some(vec![1, 2]));
		assert_eq!(Validators::new_session(2), Some(vec![1, 2]));
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
