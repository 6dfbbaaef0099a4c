//! The validator set's rules: who may change it, its bounds, and what the session pallet sees.

use crate::{mock::*, Changed, Error, Event};
use frame_support::{assert_noop, assert_ok};
use pallet_session::SessionManager;
use sp_runtime::DispatchError;

fn set() -> Vec<AccountId> {
	crate::Validators::<Test>::get().into_inner()
}

#[test]
fn genesis_set_is_kept_until_it_changes() {
	new_test_ext().execute_with(|| {
		assert_eq!(set(), vec![1, 2]);
		// Nothing changed: the session pallet keeps its set.
		assert_eq!(Validators::new_session(1), None);
	});
}

#[test]
fn root_adds_and_removes_and_the_next_session_gets_the_new_set() {
	new_test_ext().execute_with(|| {
		assert_ok!(Validators::add_validator(RuntimeOrigin::root(), 3));
		System::assert_last_event(Event::ValidatorAdded { who: 3 }.into());
		assert!(Changed::<Test>::get());
		assert_eq!(Validators::new_session(1), Some(vec![1, 2, 3]));
		// Reported once: the next rotation keeps it.
		assert_eq!(Validators::new_session(2), None);

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
