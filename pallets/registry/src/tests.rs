//! One test per rule of the registry, and per bad input. Every test ends with the invariant
//! check (`build_and_execute`).

use crate::{mock::*, pallet::*, Error, Lifecycle, LookupError, Name, RecordSet, Tenure};
use ddns_primitives::Record;
use frame_support::{
	assert_noop, assert_ok,
	traits::{fungible::InspectHold, Hooks},
};
use sp_runtime::{DispatchError, TokenError};

fn n(s: &str) -> Name {
	s.as_bytes().to_vec().try_into().unwrap()
}

const SECRET: [u8; 32] = [7; 32];

fn events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Registry(e) => Some(e),
			_ => None,
		})
		.collect()
}

fn now() -> u64 {
	System::block_number()
}

/// Moves to block `to`, running the registry's `on_initialize` for each block on the way.
fn run_to(to: u64) {
	while now() < to {
		let next = now() + 1;
		System::set_block_number(next);
		Registry::on_initialize(next);
	}
}

fn commit(who: AccountId, name: &str, owner: AccountId) {
	let c = Registry::commitment_of(name.as_bytes(), &owner, &SECRET);
	assert_ok!(Registry::commit(RuntimeOrigin::signed(who), c));
}

/// Commit, wait the minimum age, register.
fn register(who: AccountId, name: &str, owner: AccountId, periods: u32) {
	commit(who, name, owner);
	run_to(now() + test_params().min_commitment_age);
	assert_ok!(Registry::register(RuntimeOrigin::signed(who), n(name), owner, SECRET, periods));
}

fn expiry(name: &str) -> u64 {
	match Names::<Test>::get(n(name)).unwrap().tenure {
		Tenure::Registered { expires_at } => expires_at,
		Tenure::Sub { .. } => panic!("not registered"),
	}
}

fn state(name: &str) -> Result<Lifecycle, LookupError> {
	Registry::resolve(name.as_bytes()).map(|v| v.state)
}

fn records(list: Vec<Record>) -> RecordSet {
	list.try_into().unwrap()
}

fn held(who: AccountId) -> Balance {
	Balances::balance_on_hold(&RuntimeHoldReason::Registry(HoldReason::NameDeposit), &who)
}

mod names {
	use super::*;

	#[test]
	fn non_canonical_names_are_refused_with_their_rule() {
		build_and_execute(|| {
			let cases: [(&str, Error<Test>); 9] = [
				("Example.ddns", Error::Uppercase),
				("example.ddns.", Error::TrailingDot),
				("ex_ample.ddns", Error::InvalidCharacter),
				("-example.ddns", Error::LeadingHyphen),
				("example-.ddns", Error::TrailingHyphen),
				("ab--cd.ddns", Error::ReservedHyphens),
				("example.com", Error::WrongTld),
				("ab.ddns", Error::NameTooShort),
				("api.example.ddns", Error::WrongTld),
			];
			for (name, error) in cases {
				commit(ALICE, name, ALICE);
				assert_noop!(
					Registry::register(RuntimeOrigin::signed(ALICE), n(name), ALICE, SECRET, 1),
					error
				);
			}
			let long_label = format!("{}.ddns", "a".repeat(64));
			assert_noop!(
				Registry::register(RuntimeOrigin::signed(ALICE), n(&long_label), ALICE, SECRET, 1),
				Error::<Test>::LabelTooLong
			);
			assert_eq!(Names::<Test>::iter().count(), 0);
		});
	}

	#[test]
	fn resolve_reports_invalid_names_and_unknown_ones() {
		build_and_execute(|| {
			assert_eq!(
				Registry::resolve(b"Example.ddns"),
				Err(LookupError::InvalidName(b"uppercase".to_vec()))
			);
			assert_eq!(Registry::resolve(b"nobody.ddns"), Err(LookupError::NotFound));
		});
	}
}

mod registering {
	use super::*;

	#[test]
	fn commit_reveal_registers_and_charges() {
		build_and_execute(|| {
			let pot = Registry::reward_pot();
			let pot_before = Balances::free_balance(pot);
			let issuance = Balances::total_issuance();
			register(ALICE, "example.ddns", BOB, 2);
			let rent = 2 * 1_000; // 7 characters: the 5+ tier.
			let info = Names::<Test>::get(n("example.ddns")).unwrap();
			assert_eq!(info.owner, BOB);
			assert_eq!(info.depositor, ALICE);
			assert_eq!(expiry("example.ddns"), now() + 200);
			assert_eq!(held(ALICE), info.deposit);
			assert_eq!(Balances::free_balance(ALICE), ENDOWMENT - rent - info.deposit);
			// 40% burned, 60% to the reward pot.
			assert_eq!(Balances::free_balance(pot) - pot_before, 1_200);
			assert_eq!(issuance - Balances::total_issuance(), 800);
			assert_eq!(state("example.ddns"), Ok(Lifecycle::Active));
			assert!(OwnedNames::<Test>::contains_key(BOB, n("example.ddns")));
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
				Registry::register(
					RuntimeOrigin::signed(CHARLIE),
					n("bound.ddns"),
					CHARLIE,
					SECRET,
					1
				),
				Error::<Test>::CommitmentNotFound
			);
			assert_noop!(
				Registry::register(
					RuntimeOrigin::signed(ALICE),
					n("bound.ddns"),
					ALICE,
					[8; 32],
					1
				),
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
}

mod lifecycle {
	use super::*;

	#[test]
	fn active_grace_premium_free_with_events() {
		build_and_execute(|| {
			register(ALICE, "cycle.ddns", ALICE, 1);
			let e = expiry("cycle.ddns");
			let epoch = Names::<Test>::get(n("cycle.ddns")).unwrap().epoch;
			run_to(e - 1);
			assert_eq!(state("cycle.ddns"), Ok(Lifecycle::Active));
			run_to(e);
			assert_eq!(state("cycle.ddns"), Ok(Lifecycle::Grace));
			assert!(events().contains(&Event::EnteredGrace { name: n("cycle.ddns"), owner: ALICE }));
			// A lapse bumps the epoch: endpoint records signed before stop validating.
			assert_eq!(Names::<Test>::get(n("cycle.ddns")).unwrap().epoch, epoch + 1);
			run_to(e + 20);
			assert_eq!(state("cycle.ddns"), Ok(Lifecycle::Premium));
			assert!(events().contains(&Event::EnteredPremium { name: n("cycle.ddns") }));
			let deposit = held(ALICE);
			assert!(deposit > 0);
			run_to(e + 60);
			assert_eq!(state("cycle.ddns"), Err(LookupError::NotFound));
			assert!(events().contains(&Event::Freed { name: n("cycle.ddns") }));
			assert!(Names::<Test>::get(n("cycle.ddns")).is_none());
			// The deposit went back to whoever paid it.
			assert_eq!(held(ALICE), 0);
		});
	}

	#[test]
	fn only_the_owner_renews_in_grace() {
		build_and_execute(|| {
			register(ALICE, "grace.ddns", BOB, 1);
			// While Active, anyone may pay.
			assert_ok!(Registry::renew(RuntimeOrigin::signed(CHARLIE), n("grace.ddns"), 1));
			let e = expiry("grace.ddns");
			run_to(e + 1);
			assert_noop!(
				Registry::renew(RuntimeOrigin::signed(CHARLIE), n("grace.ddns"), 1),
				Error::<Test>::NotOwner
			);
			assert_ok!(Registry::renew(RuntimeOrigin::signed(BOB), n("grace.ddns"), 1));
			assert_eq!(expiry("grace.ddns"), e + 100);
			assert_eq!(state("grace.ddns"), Ok(Lifecycle::Active));
			// The old schedule is gone: nothing happens at the old grace end.
			run_to(e + 25);
			assert_eq!(state("grace.ddns"), Ok(Lifecycle::Active));
			run_to(e + 100 + 20);
			assert_noop!(
				Registry::renew(RuntimeOrigin::signed(BOB), n("grace.ddns"), 1),
				Error::<Test>::PastGrace
			);
		});
	}

	#[test]
	fn renewal_cannot_pass_max_periods() {
		build_and_execute(|| {
			register(ALICE, "horizon.ddns", ALICE, 5);
			assert_noop!(
				Registry::renew(RuntimeOrigin::signed(ALICE), n("horizon.ddns"), 1),
				Error::<Test>::InvalidPeriods
			);
			run_to(now() + 100);
			assert_ok!(Registry::renew(RuntimeOrigin::signed(ALICE), n("horizon.ddns"), 1));
		});
	}

	#[test]
	fn premium_halves_and_a_newcomer_pays_it() {
		build_and_execute(|| {
			register(ALICE, "hot.ddns", ALICE, 1);
			let e = expiry("hot.ddns");
			run_to(e + 20);
			assert_eq!(Registry::price(b"hot.ddns", 1).unwrap().premium, 8_000);
			run_to(e + 30);
			assert_eq!(Registry::price(b"hot.ddns", 1).unwrap().premium, 4_000);
			run_to(e + 45);
			assert_eq!(Registry::price(b"hot.ddns", 1).unwrap().premium, 2_000);
			let epoch = Names::<Test>::get(n("hot.ddns")).unwrap().epoch;
			let bob_before = Balances::free_balance(BOB);
			commit(BOB, "hot.ddns", BOB);
			run_to(now() + 2); // e + 47: still one halving of 10 since e + 40.
			assert_ok!(Registry::register(
				RuntimeOrigin::signed(BOB),
				n("hot.ddns"),
				BOB,
				SECRET,
				1
			));
			let info = Names::<Test>::get(n("hot.ddns")).unwrap();
			assert_eq!(info.owner, BOB);
			assert!(info.epoch > epoch);
			assert_eq!(bob_before - Balances::free_balance(BOB), 2_000 + 5_000 + info.deposit);
			// Alice got her deposit back when Bob took the name.
			assert_eq!(held(ALICE), 0);
			assert!(!OwnedNames::<Test>::contains_key(ALICE, n("hot.ddns")));
		});
	}

	#[test]
	fn cleanup_is_bounded_per_block() {
		build_and_execute(|| {
			// More names expire in one block than the per-block budget (8).
			let names: Vec<String> = (0..20).map(|i| format!("bulk{i:02}.ddns")).collect();
			for name in &names {
				commit(ALICE, name, ALICE);
			}
			run_to(now() + 2);
			for name in &names {
				assert_ok!(Registry::register(
					RuntimeOrigin::signed(ALICE),
					n(name),
					ALICE,
					SECRET,
					1
				));
			}
			let e = expiry(&names[0]);
			run_to(e);
			let graced =
				|| events().iter().filter(|e| matches!(e, Event::EnteredGrace { .. })).count();
			// Block e had room for 8 operations (one of them the step onto block e).
			assert!(graced() <= 8, "{} transitions in one block", graced());
			run_to(e + 1);
			assert!(graced() <= 16);
			run_to(e + 3);
			assert_eq!(graced(), 20);
			// Lazy state is right regardless of the backlog.
			assert!(names.iter().all(|n| state(n) == Ok(Lifecycle::Grace)));
			run_to(e + 100);
			assert_eq!(Names::<Test>::iter().count(), 0);
		});
	}
}

mod ownership {
	use super::*;

	#[test]
	fn transfer_moves_the_name_and_bumps_the_epoch() {
		build_and_execute(|| {
			register(ALICE, "moving.ddns", ALICE, 1);
			let epoch = Names::<Test>::get(n("moving.ddns")).unwrap().epoch;
			assert_noop!(
				Registry::transfer(RuntimeOrigin::signed(BOB), n("moving.ddns"), BOB),
				Error::<Test>::NotOwner
			);
			assert_ok!(Registry::transfer(RuntimeOrigin::signed(ALICE), n("moving.ddns"), BOB));
			let info = Names::<Test>::get(n("moving.ddns")).unwrap();
			assert_eq!((info.owner, info.epoch), (BOB, epoch + 1));
			assert!(OwnedNames::<Test>::contains_key(BOB, n("moving.ddns")));
			assert!(!OwnedNames::<Test>::contains_key(ALICE, n("moving.ddns")));
			assert_eq!(Registry::names_of(&BOB, None, 10), vec![b"moving.ddns".to_vec()]);
		});
	}

	#[test]
	fn release_frees_the_name_and_returns_deposits() {
		build_and_execute(|| {
			register(ALICE, "gone.ddns", ALICE, 1);
			assert_ok!(Registry::set_records(
				RuntimeOrigin::signed(ALICE),
				n("gone.ddns"),
				records(vec![Record::A([192, 0, 2, 1])])
			));
			assert!(held(ALICE) > 0);
			assert_ok!(Registry::release(RuntimeOrigin::signed(ALICE), n("gone.ddns")));
			assert_eq!(held(ALICE), 0);
			assert_eq!(state("gone.ddns"), Err(LookupError::NotFound));
			assert!(Records::<Test>::get(n("gone.ddns")).is_none());
			// It is free: anyone registers it at the plain rent.
			register(BOB, "gone.ddns", BOB, 1);
		});
	}

	#[test]
	fn node_key_changes_bump_the_epoch() {
		build_and_execute(|| {
			register(ALICE, "keyed.ddns", ALICE, 1);
			let epoch = Names::<Test>::get(n("keyed.ddns")).unwrap().epoch;
			assert_noop!(
				Registry::set_node_key(RuntimeOrigin::signed(BOB), n("keyed.ddns"), Some([1; 32])),
				Error::<Test>::NotOwner
			);
			assert_ok!(Registry::set_node_key(
				RuntimeOrigin::signed(ALICE),
				n("keyed.ddns"),
				Some([1; 32])
			));
			let view = Registry::resolve(b"keyed.ddns").unwrap();
			assert_eq!((view.node_key, view.epoch), (Some([1; 32]), epoch + 1));
		});
	}

	#[test]
	fn reverse_only_while_owned() {
		build_and_execute(|| {
			register(ALICE, "primary.ddns", ALICE, 1);
			assert_noop!(
				Registry::set_primary(RuntimeOrigin::signed(BOB), Some(n("primary.ddns"))),
				Error::<Test>::NotOwner
			);
			assert_ok!(Registry::set_primary(
				RuntimeOrigin::signed(ALICE),
				Some(n("primary.ddns"))
			));
			assert_eq!(Registry::reverse(&ALICE), Some(b"primary.ddns".to_vec()));
			assert_ok!(Registry::transfer(RuntimeOrigin::signed(ALICE), n("primary.ddns"), BOB));
			assert_eq!(Registry::reverse(&ALICE), None);
			assert_eq!(Registry::reverse(&BOB), None);
		});
	}
}

mod records {
	use super::*;

	fn cname(to: &str) -> Record {
		Record::Cname(to.as_bytes().to_vec().try_into().unwrap())
	}

	#[test]
	fn records_are_stored_with_a_deposit_per_byte() {
		build_and_execute(|| {
			register(ALICE, "rec.ddns", ALICE, 1);
			let name_deposit = held(ALICE);
			let set = records(vec![Record::A([192, 0, 2, 1]), Record::Aaaa([0; 16])]);
			assert_ok!(Registry::set_records(
				RuntimeOrigin::signed(ALICE),
				n("rec.ddns"),
				set.clone()
			));
			let stored = Records::<Test>::get(n("rec.ddns")).unwrap();
			let bytes = "rec.ddns".len() as u64 + codec::Encode::encoded_size(&set) as u64;
			assert_eq!(stored.deposit, 10 + bytes);
			assert_eq!(held(ALICE), name_deposit + stored.deposit);
			assert_eq!(Registry::resolve(b"rec.ddns").unwrap().records, set.into_inner());
			// Clearing returns the records deposit.
			assert_ok!(Registry::set_records(
				RuntimeOrigin::signed(ALICE),
				n("rec.ddns"),
				records(vec![])
			));
			assert_eq!(held(ALICE), name_deposit);
		});
	}

	#[test]
	fn cname_conflicts_are_refused() {
		build_and_execute(|| {
			register(ALICE, "alias.ddns", ALICE, 1);
			assert_noop!(
				Registry::set_records(
					RuntimeOrigin::signed(ALICE),
					n("alias.ddns"),
					records(vec![cname("target.ddns"), Record::A([1, 2, 3, 4])])
				),
				Error::<Test>::CnameConflict
			);
			assert_ok!(Registry::set_records(
				RuntimeOrigin::signed(ALICE),
				n("alias.ddns"),
				records(vec![cname("target.ddns")])
			));
		});
	}

	#[test]
	fn bad_and_oversize_records_are_refused() {
		build_and_execute(|| {
			register(ALICE, "bad.ddns", ALICE, 1);
			let set = |r: Record| records(vec![r]);
			assert_noop!(
				Registry::set_records(
					RuntimeOrigin::signed(ALICE),
					n("bad.ddns"),
					set(cname("Upper.ddns"))
				),
				Error::<Test>::InvalidRecordTarget
			);
			assert_noop!(
				Registry::set_records(
					RuntimeOrigin::signed(ALICE),
					n("bad.ddns"),
					set(Record::Txt(Default::default()))
				),
				Error::<Test>::InvalidRecord
			);
			let dup = records(vec![Record::A([1, 1, 1, 1]), Record::A([1, 1, 1, 1])]);
			assert_noop!(
				Registry::set_records(RuntimeOrigin::signed(ALICE), n("bad.ddns"), dup),
				Error::<Test>::DuplicateRecord
			);
			// More than 32 records do not even decode into a `RecordSet`.
			let many: Vec<Record> = (0..33u8).map(|i| Record::A([10, 0, 0, i])).collect();
			assert!(RecordSet::try_from(many).is_err());
			// A TXT over 480 bytes does not fit its type either.
			assert!(ddns_primitives::record::HostName::try_from(vec![b'a'; 254]).is_err());
			assert_noop!(
				Registry::set_records(
					RuntimeOrigin::signed(BOB),
					n("bad.ddns"),
					set(Record::A([1, 1, 1, 1]))
				),
				Error::<Test>::NotOwner
			);
		});
	}
}

mod subdomains {
	use super::*;

	fn sub(parent: &str, label: &str, owner: AccountId) -> sp_runtime::DispatchResult {
		Registry::create_subdomain(
			RuntimeOrigin::signed(ALICE),
			n(parent),
			label.as_bytes().to_vec().try_into().unwrap(),
			owner,
		)
	}

	#[test]
	fn children_pay_deposits_not_rent() {
		build_and_execute(|| {
			register(ALICE, "parent.ddns", ALICE, 1);
			let free = Balances::free_balance(ALICE);
			let pot = Balances::free_balance(Registry::reward_pot());
			assert_ok!(sub("parent.ddns", "api", BOB));
			let child = Names::<Test>::get(n("api.parent.ddns")).unwrap();
			assert_eq!(child.owner, BOB);
			assert_eq!(free - Balances::free_balance(ALICE), child.deposit);
			assert_eq!(Balances::free_balance(Registry::reward_pot()), pot);
			let view = Registry::resolve(b"api.parent.ddns").unwrap();
			assert_eq!(view.parent, Some(b"parent.ddns".to_vec()));
			assert_eq!(view.expires_at, expiry("parent.ddns"));
			// Grandchildren are made by the child's owner.
			assert_ok!(Registry::create_subdomain(
				RuntimeOrigin::signed(BOB),
				n("api.parent.ddns"),
				b"v1".to_vec().try_into().unwrap(),
				BOB
			));
			assert_eq!(state("v1.api.parent.ddns"), Ok(Lifecycle::Active));
		});
	}

	#[test]
	fn bad_children_are_refused() {
		build_and_execute(|| {
			register(ALICE, "kids.ddns", ALICE, 1);
			assert_noop!(sub("kids.ddns", "Bad", BOB), Error::<Test>::Uppercase);
			assert_noop!(sub("kids.ddns", "a.b", BOB), Error::<Test>::InvalidCharacter);
			assert_noop!(
				Registry::create_subdomain(
					RuntimeOrigin::signed(BOB),
					n("kids.ddns"),
					b"x".to_vec().try_into().unwrap(),
					BOB
				),
				Error::<Test>::NotOwner
			);
			for label in ["a", "b", "c", "d"] {
				assert_ok!(sub("kids.ddns", label, BOB));
			}
			assert_noop!(sub("kids.ddns", "e", BOB), Error::<Test>::TooManySubdomains);
			assert_noop!(sub("kids.ddns", "a", CHARLIE), Error::<Test>::TooManySubdomains);
		});
	}

	#[test]
	fn take_back_unless_locked() {
		build_and_execute(|| {
			register(ALICE, "owner.ddns", ALICE, 1);
			assert_ok!(sub("owner.ddns", "one", BOB));
			assert_ok!(sub("owner.ddns", "two", BOB));
			assert_noop!(
				Registry::take_back_subdomain(RuntimeOrigin::signed(BOB), n("one.owner.ddns")),
				Error::<Test>::NotOwner
			);
			assert_ok!(Registry::take_back_subdomain(
				RuntimeOrigin::signed(ALICE),
				n("one.owner.ddns")
			));
			assert_eq!(Names::<Test>::get(n("one.owner.ddns")).unwrap().owner, ALICE);
			assert_ok!(Registry::lock_subdomain(RuntimeOrigin::signed(ALICE), n("two.owner.ddns")));
			assert_noop!(
				Registry::take_back_subdomain(RuntimeOrigin::signed(ALICE), n("two.owner.ddns")),
				Error::<Test>::SubdomainLocked
			);
			assert!(Registry::resolve(b"two.owner.ddns").unwrap().locked);
			// Only registered names' subdomains can be locked; a registered name is no subdomain.
			assert_noop!(
				Registry::lock_subdomain(RuntimeOrigin::signed(ALICE), n("owner.ddns")),
				Error::<Test>::WrongTenure
			);
		});
	}

	#[test]
	fn no_child_outlives_its_parent() {
		build_and_execute(|| {
			register(ALICE, "tree.ddns", ALICE, 1);
			assert_ok!(sub("tree.ddns", "leaf", BOB));
			assert_ok!(Registry::lock_subdomain(RuntimeOrigin::signed(ALICE), n("leaf.tree.ddns")));
			let e = expiry("tree.ddns");
			// In the parent's grace the whole subtree stops resolving as Active...
			run_to(e);
			assert_eq!(state("leaf.tree.ddns"), Ok(Lifecycle::Grace));
			assert_noop!(
				Registry::set_records(
					RuntimeOrigin::signed(BOB),
					n("leaf.tree.ddns"),
					records(vec![Record::A([1, 1, 1, 1])])
				),
				Error::<Test>::NotActive
			);
			// ...and once the parent is in premium, the child is gone for good.
			run_to(e + 20);
			assert_eq!(state("leaf.tree.ddns"), Err(LookupError::NotFound));
			run_to(e + 61);
			assert!(Names::<Test>::get(n("leaf.tree.ddns")).is_none());
			assert_eq!(held(ALICE), 0);
		});
	}

	#[test]
	fn a_new_registrant_does_not_inherit_old_children() {
		build_and_execute(|| {
			register(ALICE, "inherit.ddns", ALICE, 1);
			assert_ok!(sub("inherit.ddns", "old", ALICE));
			assert_ok!(Registry::release(RuntimeOrigin::signed(ALICE), n("inherit.ddns")));
			// The child is queued for removal and no longer resolves.
			assert_eq!(state("old.inherit.ddns"), Err(LookupError::NotFound));
			register(BOB, "inherit.ddns", BOB, 1);
			assert_eq!(state("old.inherit.ddns"), Err(LookupError::NotFound));
			assert!(Names::<Test>::get(n("old.inherit.ddns")).is_none());
		});
	}
}

mod review_regressions {
	use super::*;

	fn sub(who: AccountId, parent: &str, label: &str, owner: AccountId) {
		assert_ok!(Registry::create_subdomain(
			RuntimeOrigin::signed(who),
			n(parent),
			label.as_bytes().to_vec().try_into().unwrap(),
			owner
		));
	}

	#[test]
	fn a_reregistered_parent_never_revives_old_children() {
		build_and_execute(|| {
			register(CHARLIE, "target.ddns", CHARLIE, 1);
			sub(CHARLIE, "target.ddns", "www", CHARLIE);
			assert_ok!(Registry::lock_subdomain(
				RuntimeOrigin::signed(CHARLIE),
				n("www.target.ddns")
			));
			// The victim commits first, so release and registration land in the same block,
			// before any purge runs.
			commit(BOB, "target.ddns", BOB);
			run_to(now() + 2);
			assert_ok!(Registry::release(RuntimeOrigin::signed(CHARLIE), n("target.ddns")));
			assert_ok!(Registry::register(
				RuntimeOrigin::signed(BOB),
				n("target.ddns"),
				BOB,
				SECRET,
				1
			));
			assert_eq!(state("www.target.ddns"), Err(LookupError::NotFound));
			assert_noop!(
				Registry::set_records(
					RuntimeOrigin::signed(CHARLIE),
					n("www.target.ddns"),
					records(vec![Record::A([6, 6, 6, 6])])
				),
				Error::<Test>::NotActive
			);
			// The new owner can make `www` at once; the dead child is cleared out of the way.
			sub(BOB, "target.ddns", "www", BOB);
			assert_eq!(Names::<Test>::get(n("www.target.ddns")).unwrap().owner, BOB);
		});
	}

	#[test]
	fn a_queued_child_released_and_remade_survives_the_purge() {
		build_and_execute(|| {
			register(ALICE, "pone.ddns", ALICE, 1);
			sub(ALICE, "pone.ddns", "www", BOB);
			commit(ALICE, "pone.ddns", ALICE);
			run_to(now() + 2);
			assert_ok!(Registry::release(RuntimeOrigin::signed(ALICE), n("pone.ddns")));
			assert_eq!(PurgeQueueLen::<Test>::get(), 1);
			// The child's owner releases it while it waits in the queue.
			assert_ok!(Registry::release(RuntimeOrigin::signed(BOB), n("www.pone.ddns")));
			assert_eq!(PurgeQueueLen::<Test>::get(), 0);
			assert_ok!(Registry::register(
				RuntimeOrigin::signed(ALICE),
				n("pone.ddns"),
				ALICE,
				SECRET,
				1
			));
			sub(ALICE, "pone.ddns", "www", ALICE);
			run_to(now() + 3);
			assert_eq!(state("www.pone.ddns"), Ok(Lifecycle::Active));
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
			assert!(Names::<Test>::get(n("slow.ddns")).is_some());
			assert_ok!(Registry::renew(RuntimeOrigin::signed(ALICE), n("slow.ddns"), 1));
			assert_eq!(state("slow.ddns"), Ok(Lifecycle::Active));
		});
	}

	#[test]
	fn a_renewal_that_leaves_the_name_expired_is_refused() {
		build_and_execute(|| {
			register(ALICE, "short.ddns", ALICE, 1);
			let e = expiry("short.ddns");
			let mut p = test_params();
			p.period = 5;
			assert_ok!(Registry::set_params(RuntimeOrigin::root(), p));
			run_to(e + 10);
			assert_noop!(
				Registry::renew(RuntimeOrigin::signed(ALICE), n("short.ddns"), 1),
				Error::<Test>::InvalidPeriods
			);
			assert_ok!(Registry::renew(RuntimeOrigin::signed(ALICE), n("short.ddns"), 3));
			assert_eq!(state("short.ddns"), Ok(Lifecycle::Active));
		});
	}

	#[test]
	fn transfer_drops_the_old_owners_node_key_and_primary() {
		build_and_execute(|| {
			register(ALICE, "handover.ddns", ALICE, 1);
			assert_ok!(Registry::set_node_key(
				RuntimeOrigin::signed(ALICE),
				n("handover.ddns"),
				Some([9; 32])
			));
			assert_ok!(Registry::set_primary(
				RuntimeOrigin::signed(ALICE),
				Some(n("handover.ddns"))
			));
			assert_ok!(Registry::transfer(RuntimeOrigin::signed(ALICE), n("handover.ddns"), BOB));
			assert_eq!(Registry::resolve(b"handover.ddns").unwrap().node_key, None);
			assert!(Primary::<Test>::get(ALICE).is_none());
		});
	}

	#[test]
	fn subdomains_are_at_most_six_labels_deep() {
		build_and_execute(|| {
			register(ALICE, "deep.ddns", ALICE, 1);
			let mut parent = "deep.ddns".to_string();
			for label in ["a", "b", "c", "d"] {
				sub(ALICE, &parent, label, ALICE);
				parent = format!("{label}.{parent}");
			}
			assert_noop!(
				Registry::create_subdomain(
					RuntimeOrigin::signed(ALICE),
					n(&parent),
					b"e".to_vec().try_into().unwrap(),
					ALICE
				),
				Error::<Test>::TooDeep
			);
		});
	}
}

mod params {
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
			assert_ok!(Registry::set_params(RuntimeOrigin::root(), p.clone()));
			assert_eq!(RegistryParams::<Test>::get(), Some(p));
		});
	}
}

mod weights {
	use super::*;
	use crate::WeightInfo;

	#[test]
	fn a_fresh_registration_pays_the_plain_weight_and_a_takeover_the_worst() {
		build_and_execute(|| {
			commit(ALICE, "cheap.ddns", ALICE);
			run_to(now() + 2);
			let info =
				Registry::register(RuntimeOrigin::signed(ALICE), n("cheap.ddns"), ALICE, SECRET, 1)
					.unwrap();
			assert_eq!(info.actual_weight, Some(<() as WeightInfo>::register()));
			run_to(expiry("cheap.ddns") + 20);
			commit(BOB, "cheap.ddns", BOB);
			run_to(now() + 2);
			let info =
				Registry::register(RuntimeOrigin::signed(BOB), n("cheap.ddns"), BOB, SECRET, 1)
					.unwrap();
			assert_eq!(info.actual_weight, Some(<() as WeightInfo>::register_lapsed()));
		});
	}
}

mod offchain_signing {
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

	fn signed(name: &str) -> Option<Vec<u8>> {
		sp_io::offchain::local_storage_get(
			StorageKind::PERSISTENT,
			&ocw_signed_key(name.as_bytes()),
		)
	}

	#[test]
	fn the_worker_signs_with_the_keystore_key_and_only_for_its_names() {
		let mut ext = new_test_ext();
		let (offchain, _) = TestOffchainExt::new();
		let keystore = Arc::new(MemoryKeystore::new());
		let public = keystore.ed25519_generate_new(KEY_TYPE, None).unwrap();
		ext.register_extension(OffchainDbExt::new(offchain.clone()));
		ext.register_extension(OffchainWorkerExt::new(offchain));
		ext.register_extension(KeystoreExt(keystore));
		ext.execute_with(|| {
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
				endpoint.signing_payload(),
				&public,
			));
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
			sp_io::offchain::local_storage_set(
				StorageKind::PERSISTENT,
				OCW_REQUEST_KEY,
				b"\xff\xff",
			);
			Registry::offchain_worker(now());
		});
	}
}
