//! Subdomains: creating, taking back and locking them, and how they die with their parent.

use super::*;

#[test]
fn children_pay_deposits_not_rent() {
	build_and_execute(|| {
		register(ALICE, "parent.ddns", ALICE, 1);
		let free = Balances::free_balance(ALICE);
		let pot = Balances::free_balance(Registry::reward_pot());
		assert_ok!(sub(ALICE, "parent.ddns", "api", BOB));
		let child = Names::<Test>::get(key("api.parent.ddns")).unwrap();
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
			b"v1".to_vec(),
			BOB
		));
		assert_eq!(state("v1.api.parent.ddns"), Ok(Lifecycle::Active));
	});
}

#[test]
fn bad_children_are_refused() {
	build_and_execute(|| {
		register(ALICE, "kids.ddns", ALICE, 1);
		assert_noop!(sub(ALICE, "kids.ddns", "Bad", BOB), Error::<Test>::Uppercase);
		assert_noop!(sub(ALICE, "kids.ddns", "a.b", BOB), Error::<Test>::InvalidCharacter);
		assert_noop!(
			Registry::create_subdomain(
				RuntimeOrigin::signed(BOB),
				n("kids.ddns"),
				b"x".to_vec(),
				BOB
			),
			Error::<Test>::NotOwner
		);
		for label in ["a", "b", "c", "d"] {
			assert_ok!(sub(ALICE, "kids.ddns", label, BOB));
		}
		assert_noop!(sub(ALICE, "kids.ddns", "e", BOB), Error::<Test>::TooManySubdomains);
		assert_noop!(sub(ALICE, "kids.ddns", "a", CHARLIE), Error::<Test>::TooManySubdomains);
	});
}

#[test]
fn take_back_unless_locked() {
	build_and_execute(|| {
		register(ALICE, "owner.ddns", ALICE, 1);
		assert_ok!(sub(ALICE, "owner.ddns", "one", BOB));
		assert_ok!(sub(ALICE, "owner.ddns", "two", BOB));
		assert_noop!(
			Registry::take_back_subdomain(RuntimeOrigin::signed(BOB), n("one.owner.ddns")),
			Error::<Test>::NotOwner
		);
		assert_ok!(Registry::take_back_subdomain(
			RuntimeOrigin::signed(ALICE),
			n("one.owner.ddns")
		));
		assert_eq!(Names::<Test>::get(key("one.owner.ddns")).unwrap().owner, ALICE);
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
		assert_ok!(sub(ALICE, "tree.ddns", "leaf", BOB));
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
		assert!(Names::<Test>::get(key("leaf.tree.ddns")).is_none());
		assert_eq!(held(ALICE), 0);
	});
}

#[test]
fn a_new_registrant_does_not_inherit_old_children() {
	build_and_execute(|| {
		register(ALICE, "inherit.ddns", ALICE, 1);
		assert_ok!(sub(ALICE, "inherit.ddns", "old", ALICE));
		assert_ok!(Registry::release(RuntimeOrigin::signed(ALICE), n("inherit.ddns")));
		// The child is queued for removal and no longer resolves.
		assert_eq!(state("old.inherit.ddns"), Err(LookupError::NotFound));
		register(BOB, "inherit.ddns", BOB, 1);
		assert_eq!(state("old.inherit.ddns"), Err(LookupError::NotFound));
		assert!(Names::<Test>::get(key("old.inherit.ddns")).is_none());
	});
}

#[test]
fn a_reregistered_parent_never_revives_old_children() {
	build_and_execute(|| {
		register(CHARLIE, "target.ddns", CHARLIE, 1);
		assert_ok!(sub(CHARLIE, "target.ddns", "www", CHARLIE));
		assert_ok!(Registry::lock_subdomain(RuntimeOrigin::signed(CHARLIE), n("www.target.ddns")));
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
		assert_ok!(sub(BOB, "target.ddns", "www", BOB));
		assert_eq!(Names::<Test>::get(key("www.target.ddns")).unwrap().owner, BOB);
	});
}

#[test]
fn a_queued_child_released_and_remade_survives_the_purge() {
	build_and_execute(|| {
		register(ALICE, "pone.ddns", ALICE, 1);
		assert_ok!(sub(ALICE, "pone.ddns", "www", BOB));
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
		assert_ok!(sub(ALICE, "pone.ddns", "www", ALICE));
		run_to(now() + 3);
		assert_eq!(state("www.pone.ddns"), Ok(Lifecycle::Active));
	});
}

#[test]
fn subdomains_are_at_most_six_labels_deep() {
	build_and_execute(|| {
		register(ALICE, "deep.ddns", ALICE, 1);
		let mut parent = "deep.ddns".to_string();
		for label in ["a", "b", "c", "d"] {
			assert_ok!(sub(ALICE, &parent, label, ALICE));
			parent = format!("{label}.{parent}");
		}
		assert_noop!(
			Registry::create_subdomain(
				RuntimeOrigin::signed(ALICE),
				n(&parent),
				b"e".to_vec(),
				ALICE
			),
			Error::<Test>::TooDeep
		);
	});
}

#[test]
fn a_name_made_twice_in_one_extrinsic_never_revives_the_first_ones_children() {
	build_and_execute(|| {
		// Two commitments, so one extrinsic (a batch) can register, release and register again.
		commit(ALICE, "twice.ddns", ALICE);
		let second = Registry::commitment_of(b"twice.ddns", &ALICE, &[9; 32]);
		assert_ok!(Registry::commit(RuntimeOrigin::signed(ALICE), second));
		run_to(now() + test_params().min_commitment_age);
		assert_ok!(Registry::register(
			RuntimeOrigin::signed(ALICE),
			n("twice.ddns"),
			ALICE,
			SECRET,
			1
		));
		assert_ok!(sub(ALICE, "twice.ddns", "old", BOB));
		assert_ok!(Registry::release(RuntimeOrigin::signed(ALICE), n("twice.ddns")));
		assert_ok!(Registry::register(
			RuntimeOrigin::signed(ALICE),
			n("twice.ddns"),
			ALICE,
			[9; 32],
			1
		));
		// The first registration's child waits in the purge queue; it is not the new one's.
		assert_eq!(state("old.twice.ddns"), Err(LookupError::NotFound));
		assert!(
			Names::<Test>::get(key("twice.ddns")).unwrap().term
				> Names::<Test>::get(key("old.twice.ddns"))
					.map(|c| match c.tenure {
						Tenure::Sub { parent_term, .. } => parent_term,
						_ => u64::MAX,
					})
					.unwrap()
		);
	});
}

#[test]
fn take_back_clears_the_old_owners_primary() {
	build_and_execute(|| {
		register(ALICE, "lend.ddns", ALICE, 1);
		assert_ok!(sub(ALICE, "lend.ddns", "bob", BOB));
		assert_ok!(Registry::set_primary(RuntimeOrigin::signed(BOB), Some(n("bob.lend.ddns"))));
		assert_ok!(Registry::take_back_subdomain(RuntimeOrigin::signed(ALICE), n("bob.lend.ddns")));
		// BOB's primary pointed at a name he no longer owns: it is gone, not left stale.
		assert_eq!(Primary::<Test>::get(BOB), None);
		assert_eq!(Registry::reverse(&BOB), None);
	});
}

#[test]
fn take_back_returns_an_empty_subdomain_and_hands_its_entry_deposit_to_the_taker() {
	build_and_execute(|| {
		register(ALICE, "host.ddns", ALICE, 1);
		register(ALICE, "other.ddns", ALICE, 1);
		let own = held(ALICE);
		assert_ok!(sub(ALICE, "host.ddns", "bob", BOB));
		let entry = Names::<Test>::get(key("bob.host.ddns")).unwrap().deposit;
		// The parent changes hands: its new owner takes the child back.
		assert_ok!(Registry::transfer(RuntimeOrigin::signed(ALICE), n("host.ddns"), CHARLIE));
		let parent = Names::<Test>::get(key("host.ddns")).unwrap().deposit;
		assert_ok!(Registry::set_records(
			RuntimeOrigin::signed(BOB),
			n("bob.host.ddns"),
			records(vec![Record::A([192, 0, 2, 1])])
		));
		let recs = Records::<Test>::get(key("bob.host.ddns")).unwrap().deposit;
		assert_eq!((held(ALICE), held(BOB)), (own - parent + entry, recs));
		let (bob_free, charlie_free) =
			(Balances::free_balance(BOB), Balances::free_balance(CHARLIE));
		assert_ok!(Registry::take_back_subdomain(
			RuntimeOrigin::signed(CHARLIE),
			n("bob.host.ddns")
		));
		// The records are gone and BOB has their deposit back; the entry's deposit is the
		// taker's, still held, and CHARLIE's free balance was not touched.
		assert!(Records::<Test>::get(key("bob.host.ddns")).is_none());
		assert_eq!((held(BOB), Balances::free_balance(BOB)), (0, bob_free + recs));
		assert_eq!((held(ALICE), held(CHARLIE)), (own - parent, parent + entry));
		assert_eq!(Balances::free_balance(CHARLIE), charlie_free);
	});
}
