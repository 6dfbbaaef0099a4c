//! The lifecycle: Active, Grace, Premium, Free, renewals, and the bounded clean-up.

use super::*;

#[test]
fn active_grace_premium_free_with_events() {
	build_and_execute(|| {
		register(ALICE, "cycle.ddns", ALICE, 1);
		let e = expiry("cycle.ddns");
		let epoch = Names::<Test>::get(key("cycle.ddns")).unwrap().epoch;
		run_to(e - 1);
		assert_eq!(state("cycle.ddns"), Ok(Lifecycle::Active));
		run_to(e);
		assert_eq!(state("cycle.ddns"), Ok(Lifecycle::Grace));
		assert!(events().contains(&Event::EnteredGrace { name: key("cycle.ddns"), owner: ALICE }));
		// A lapse bumps the epoch: endpoint records signed before stop validating.
		assert_eq!(Names::<Test>::get(key("cycle.ddns")).unwrap().epoch, epoch + 1);
		run_to(e + 20);
		assert_eq!(state("cycle.ddns"), Ok(Lifecycle::Premium));
		assert!(events().contains(&Event::EnteredPremium { name: key("cycle.ddns") }));
		let deposit = held(ALICE);
		assert!(deposit > 0);
		run_to(e + 60);
		assert_eq!(state("cycle.ddns"), Err(LookupError::NotFound));
		assert!(events().contains(&Event::Freed { name: key("cycle.ddns") }));
		assert!(Names::<Test>::get(key("cycle.ddns")).is_none());
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
		let epoch = Names::<Test>::get(key("hot.ddns")).unwrap().epoch;
		let bob_before = Balances::free_balance(BOB);
		commit(BOB, "hot.ddns", BOB);
		run_to(now() + 2); // e + 47: still one halving of 10 since e + 40.
		assert_ok!(Registry::register(RuntimeOrigin::signed(BOB), n("hot.ddns"), BOB, SECRET, 1));
		let info = Names::<Test>::get(key("hot.ddns")).unwrap();
		assert_eq!(info.owner, BOB);
		assert!(info.epoch > epoch);
		assert_eq!(bob_before - Balances::free_balance(BOB), 2_000 + 5_000 + info.deposit);
		// Alice got her deposit back when Bob took the name.
		assert_eq!(held(ALICE), 0);
		assert!(!OwnedNames::<Test>::contains_key(ALICE, key("hot.ddns")));
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
			assert_ok!(Registry::register(RuntimeOrigin::signed(ALICE), n(name), ALICE, SECRET, 1));
		}
		let e = expiry(&names[0]);
		run_to(e);
		let graced = || events().iter().filter(|e| matches!(e, Event::EnteredGrace { .. })).count();
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
fn a_removal_that_fails_in_the_lifecycle_changes_nothing_and_is_retried() {
	build_and_execute(|| {
		register(ALICE, "stuck.ddns", ALICE, 1);
		assert_ok!(sub(ALICE, "stuck.ddns", "www", ALICE));
		assert_ok!(Registry::set_records(
			RuntimeOrigin::signed(ALICE),
			n("stuck.ddns"),
			records(vec![Record::A([192, 0, 2, 1])])
		));
		let e = expiry("stuck.ddns");
		run_to(e + 59);
		let free = Balances::free_balance(ALICE);
		let deposits = held(ALICE);
		// The hold cannot be released when the name comes due: the removal fails...
		jam_releases(ALICE);
		run_to(e + 60);
		// ...and leaves everything as it was, the name still scheduled.
		assert!(Names::<Test>::contains_key(key("stuck.ddns")));
		assert!(Records::<Test>::contains_key(key("stuck.ddns")));
		assert!(Subdomains::<Test>::contains_key(key("stuck.ddns"), key("www.stuck.ddns")));
		assert_eq!(held(ALICE), deposits);
		assert!(!events().contains(&Event::Freed { name: key("stuck.ddns") }));
		Registry::do_try_state().expect("a failed removal leaves the registry consistent");
		// Once releases work again, a later block removes it.
		unjam_releases(ALICE, free);
		run_to(e + 62);
		assert!(events().contains(&Event::Freed { name: key("stuck.ddns") }));
		assert!(!Names::<Test>::contains_key(key("stuck.ddns")));
		run_to(e + 64);
		assert_eq!(held(ALICE), 0);
	});
}

#[test]
fn a_purge_that_fails_changes_nothing_and_does_not_block_the_queue() {
	build_and_execute(|| {
		register(ALICE, "purga.ddns", ALICE, 1);
		register(BOB, "purgb.ddns", BOB, 1);
		assert_ok!(sub(ALICE, "purga.ddns", "www", ALICE));
		assert_ok!(sub(BOB, "purgb.ddns", "www", BOB));
		assert_ok!(Registry::release(RuntimeOrigin::signed(ALICE), n("purga.ddns")));
		assert_ok!(Registry::release(RuntimeOrigin::signed(BOB), n("purgb.ddns")));
		assert_eq!(PurgeQueueLen::<Test>::get(), 2);
		// In the purge queue, where nothing is transactional, the removal of ALICE's child fails...
		let free = Balances::free_balance(ALICE);
		jam_releases(ALICE);
		run_to(now() + 1);
		// ...and changes nothing: the child, its deposit and its place in the queue stay.
		assert!(Names::<Test>::contains_key(key("www.purga.ddns")));
		assert!(PurgeQueue::<Test>::contains_key(key("www.purga.ddns")));
		assert!(held(ALICE) > 0);
		Registry::do_try_state().expect("a failed purge leaves the registry consistent");
		// BOB's child is removed all the same: the failed one does not block the queue.
		assert!(!Names::<Test>::contains_key(key("www.purgb.ddns")));
		unjam_releases(ALICE, free);
		run_to(now() + 1);
		assert!(!Names::<Test>::contains_key(key("www.purga.ddns")));
		assert_eq!(PurgeQueueLen::<Test>::get(), 0);
		assert_eq!(held(ALICE), 0);
	});
}
