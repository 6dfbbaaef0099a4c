//! Registering: commit and reveal, rent, deposits, and what a failed registration leaves.

use super::*;

#[test]
fn commit_reveal_registers_and_charges() {
	build_and_execute(|| {
		let pot = Registry::reward_pot();
		let pot_before = Balances::free_balance(pot);
		let issuance = Balances::total_issuance();
		register(ALICE, "example.ddns", BOB, 2);
		let rent = 2 * 1_000; // 7 characters: the 5+ tier.
		let info = Names::<Test>::get(key("example.ddns")).unwrap();
		assert_eq!(info.owner, BOB);
		assert_eq!(info.depositor, ALICE);
		assert_eq!(expiry("example.ddns"), now() + 200);
		assert_eq!(held(ALICE), info.deposit);
		assert_eq!(Balances::free_balance(ALICE), ENDOWMENT - rent - info.deposit);
		// 40% burned, 60% to the reward pot.
		assert_eq!(Balances::free_balance(pot) - pot_before, 1_200);
		assert_eq!(issuance - Balances::total_issuance(), 800);
		assert_eq!(state("example.ddns"), Ok(Lifecycle::Active));
		assert!(OwnedNames::<Test>::contains_key(BOB, key("example.ddns")));
		assert!(events()
			.iter()
			.any(|e| matches!(e, Event::Registered { rent: 2_000, premium: 0, .. })));
	});
}

#[test]
fn rent_tiers_by_label_length() {
	build_and_execute(|| {
		let p = |s: &str| Registry::price(s.as_bytes(), 1).unwrap().rent;
		assert_eq!(p("abc.ddns"), 5_000);
		assert_eq!(p("abcd.ddns"), 2_000);
		assert_eq!(p("abcde.ddns"), 1_000);
		// Three Unicode characters: the 3-character tier, whatever the Punycode length.
		let idn = ddns_primitives::name::normalize("äöü.ddns").unwrap();
		assert_eq!(p(&idn), 5_000);
		assert_eq!(Registry::price(b"abc.ddns", 3).unwrap().rent, 15_000);
	});
}

#[test]
fn commitment_too_early_too_late_and_reused() {
	build_and_execute(|| {
		commit(ALICE, "early.ddns", ALICE);
		run_to(now() + 1);
		assert_noop!(
			Registry::register(RuntimeOrigin::signed(ALICE), n("early.ddns"), ALICE, SECRET, 1),
			Error::<Test>::CommitmentTooNew
		);
		run_to(now() + 11);
		assert_noop!(
			Registry::register(RuntimeOrigin::signed(ALICE), n("early.ddns"), ALICE, SECRET, 1),
			Error::<Test>::CommitmentTooOld
		);
		// Reused: once revealed, the commitment is gone.
		register(BOB, "reused.ddns", BOB, 1);
		assert_noop!(
			Registry::register(RuntimeOrigin::signed(BOB), n("reused.ddns"), BOB, SECRET, 1),
			Error::<Test>::CommitmentNotFound
		);
	});
}

#[test]
fn commitment_binds_name_owner_and_secret() {
	build_and_execute(|| {
		commit(ALICE, "bound.ddns", ALICE);
		run_to(now() + 2);
		// A front-runner who saw the commitment cannot use it for another owner.
		assert_noop!(
			Registry::register(RuntimeOrigin::signed(CHARLIE), n("bound.ddns"), CHARLIE, SECRET, 1),
			Error::<Test>::CommitmentNotFound
		);
		assert_noop!(
			Registry::register(RuntimeOrigin::signed(ALICE), n("bound.ddns"), ALICE, [8; 32], 1),
			Error::<Test>::CommitmentNotFound
		);
	});
}

#[test]
fn stale_commitments_are_cleared_and_refunded() {
	build_and_execute(|| {
		let c = Registry::commitment_of(b"stale.ddns", &ALICE, &SECRET);
		assert_ok!(Registry::commit(RuntimeOrigin::signed(ALICE), c));
		assert_noop!(
			Registry::commit(RuntimeOrigin::signed(ALICE), c),
			Error::<Test>::CommitmentExists
		);
		assert_eq!(Balances::free_balance(ALICE), ENDOWMENT - 50);
		assert_noop!(
			Registry::clear_commitment(RuntimeOrigin::signed(BOB), c),
			Error::<Test>::CommitmentNotStale
		);
		run_to(now() + 11);
		assert_ok!(Registry::clear_commitment(RuntimeOrigin::signed(BOB), c));
		assert_eq!(Balances::free_balance(ALICE), ENDOWMENT);
		assert!(Commitments::<Test>::get(c).is_none());
	});
}

#[test]
fn periods_must_be_between_one_and_max() {
	build_and_execute(|| {
		commit(ALICE, "periods.ddns", ALICE);
		run_to(now() + 2);
		for bad in [0, 6] {
			assert_noop!(
				Registry::register(
					RuntimeOrigin::signed(ALICE),
					n("periods.ddns"),
					ALICE,
					SECRET,
					bad
				),
				Error::<Test>::InvalidPeriods
			);
		}
	});
}

#[test]
fn insufficient_balance_changes_nothing() {
	build_and_execute(|| {
		let c = Registry::commitment_of(b"costly.ddns", &POOR, &SECRET);
		assert_ok!(Registry::commit(RuntimeOrigin::signed(POOR), c));
		run_to(now() + 2);
		let before = Balances::free_balance(POOR);
		assert_noop!(
			Registry::register(RuntimeOrigin::signed(POOR), n("costly.ddns"), POOR, SECRET, 1),
			DispatchError::Token(TokenError::FundsUnavailable)
		);
		assert_eq!(Balances::free_balance(POOR), before);
		assert!(Commitments::<Test>::get(c).is_some());
	});
}

#[test]
fn an_active_name_cannot_be_registered_again() {
	build_and_execute(|| {
		register(ALICE, "taken.ddns", ALICE, 1);
		commit(BOB, "taken.ddns", BOB);
		run_to(now() + 2);
		assert_noop!(
			Registry::register(RuntimeOrigin::signed(BOB), n("taken.ddns"), BOB, SECRET, 1),
			Error::<Test>::NameTaken
		);
	});
}
