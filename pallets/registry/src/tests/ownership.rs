//! Ownership: transfer, release, node keys and the primary name.

use super::*;

#[test]
fn weak_node_keys_are_refused() {
	build_and_execute(|| {
		register(ALICE, "keyed.ddns", ALICE, 1);
		let epoch = Names::<Test>::get(key("keyed.ddns")).unwrap().epoch;
		let mut identity = [0u8; 32];
		identity[0] = 1;
		let mut order_two = [0xff; 32];
		order_two[0] = 0xec;
		for weak in [[0; 32], identity, order_two, {
			identity[31] |= 0x80;
			identity
		}] {
			assert_noop!(
				Registry::set_node_key(RuntimeOrigin::signed(ALICE), n("keyed.ddns"), Some(weak)),
				Error::<Test>::WeakNodeKey
			);
		}
		assert_eq!(Names::<Test>::get(key("keyed.ddns")).unwrap().epoch, epoch);
		assert_ok!(Registry::set_node_key(
			RuntimeOrigin::signed(ALICE),
			n("keyed.ddns"),
			Some([7; 32])
		));
	});
}

#[test]
fn transfer_moves_the_name_and_bumps_the_epoch() {
	build_and_execute(|| {
		register(ALICE, "moving.ddns", ALICE, 1);
		let epoch = Names::<Test>::get(key("moving.ddns")).unwrap().epoch;
		assert_noop!(
			Registry::transfer(RuntimeOrigin::signed(BOB), n("moving.ddns"), BOB),
			Error::<Test>::NotOwner
		);
		assert_ok!(Registry::transfer(RuntimeOrigin::signed(ALICE), n("moving.ddns"), BOB));
		let info = Names::<Test>::get(key("moving.ddns")).unwrap();
		assert_eq!((info.owner, info.epoch), (BOB, epoch + 1));
		assert!(OwnedNames::<Test>::contains_key(BOB, key("moving.ddns")));
		assert!(!OwnedNames::<Test>::contains_key(ALICE, key("moving.ddns")));
		assert_eq!(Registry::names_of(&BOB, None, 10), vec![b"moving.ddns".to_vec()]);
	});
}

#[test]
fn release_is_refused_in_grace_and_premium() {
	build_and_execute(|| {
		register(ALICE, "late.ddns", ALICE, 1);
		let e = expiry("late.ddns");
		run_to(e + 1);
		assert_eq!(state("late.ddns"), Ok(Lifecycle::Grace));
		// Releasing now would free it at once, skipping the premium a newcomer must pay.
		assert_noop!(
			Registry::release(RuntimeOrigin::signed(ALICE), n("late.ddns")),
			Error::<Test>::NotActive
		);
		run_to(e + test_params().grace + 1);
		assert_eq!(state("late.ddns"), Ok(Lifecycle::Premium));
		assert_noop!(
			Registry::release(RuntimeOrigin::signed(ALICE), n("late.ddns")),
			Error::<Test>::NotActive
		);
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
		assert!(Records::<Test>::get(key("gone.ddns")).is_none());
		// It is free: anyone registers it at the plain rent.
		register(BOB, "gone.ddns", BOB, 1);
	});
}

#[test]
fn node_key_changes_bump_the_epoch() {
	build_and_execute(|| {
		register(ALICE, "keyed.ddns", ALICE, 1);
		let epoch = Names::<Test>::get(key("keyed.ddns")).unwrap().epoch;
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
		assert_ok!(Registry::set_primary(RuntimeOrigin::signed(ALICE), Some(n("primary.ddns"))));
		assert_eq!(Registry::reverse(&ALICE), Some(b"primary.ddns".to_vec()));
		assert_ok!(Registry::transfer(RuntimeOrigin::signed(ALICE), n("primary.ddns"), BOB));
		assert_eq!(Registry::reverse(&ALICE), None);
		assert_eq!(Registry::reverse(&BOB), None);
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
		assert_ok!(Registry::set_primary(RuntimeOrigin::signed(ALICE), Some(n("handover.ddns"))));
		assert_ok!(Registry::transfer(RuntimeOrigin::signed(ALICE), n("handover.ddns"), BOB));
		assert_eq!(Registry::resolve(b"handover.ddns").unwrap().node_key, None);
		assert!(Primary::<Test>::get(ALICE).is_none());
	});
}

#[test]
fn transfer_hands_the_held_deposits_to_the_new_owner() {
	build_and_execute(|| {
		// CHARLIE pays for ALICE's name; ALICE sets records.
		register(CHARLIE, "sold.ddns", ALICE, 1);
		assert_ok!(Registry::set_records(
			RuntimeOrigin::signed(ALICE),
			n("sold.ddns"),
			records(vec![Record::A([192, 0, 2, 1])])
		));
		let entry = Names::<Test>::get(key("sold.ddns")).unwrap().deposit;
		let recs = Records::<Test>::get(key("sold.ddns")).unwrap().deposit;
		assert_eq!((held(CHARLIE), held(ALICE)), (entry, recs));
		let (alice_free, bob_free, charlie_free) = (
			Balances::free_balance(ALICE),
			Balances::free_balance(BOB),
			Balances::free_balance(CHARLIE),
		);
		assert_ok!(Registry::transfer(RuntimeOrigin::signed(ALICE), n("sold.ddns"), BOB));
		// The held amounts themselves moved: nobody is left holding a deposit for a name they
		// have no say over, and BOB's free balance was not touched.
		assert_eq!((held(CHARLIE), held(ALICE), held(BOB)), (0, 0, entry + recs));
		assert_eq!(Balances::free_balance(BOB), bob_free);
		assert_eq!(Balances::free_balance(ALICE), alice_free);
		assert_eq!(Balances::free_balance(CHARLIE), charlie_free);
		assert_eq!(Names::<Test>::get(key("sold.ddns")).unwrap().depositor, BOB);
		// The records stay, now on BOB's deposit.
		let kept = Records::<Test>::get(key("sold.ddns")).unwrap();
		assert_eq!((kept.depositor, kept.records.len()), (BOB, 1));
		// And BOB gets both when the name goes.
		assert_ok!(Registry::release(RuntimeOrigin::signed(BOB), n("sold.ddns")));
		assert_eq!((held(BOB), Balances::free_balance(BOB)), (0, bob_free + entry + recs));
	});
}

#[test]
fn giving_a_name_never_takes_from_the_recipients_free_balance() {
	build_and_execute(|| {
		// A name with a full deposit given to an account that could not pay it: nothing of
		// POOR's is held, so nobody can lock someone's funds by sending them names.
		register(ALICE, "gift.ddns", ALICE, 1);
		let big: Vec<Record> = (0..8u8).map(|i| Record::A([192, 0, 2, i])).collect();
		assert_ok!(Registry::set_records(
			RuntimeOrigin::signed(ALICE),
			n("gift.ddns"),
			records(big)
		));
		let deposits = held(ALICE);
		assert!(deposits > Balances::free_balance(POOR), "the deposits exceed what POOR has");
		assert_ok!(Registry::transfer(RuntimeOrigin::signed(ALICE), n("gift.ddns"), POOR));
		assert_eq!((Balances::free_balance(POOR), held(POOR), held(ALICE)), (100, deposits, 0));
	});
}

#[test]
fn transfer_to_an_account_that_does_not_exist_changes_nothing() {
	build_and_execute(|| {
		register(ALICE, "heavy.ddns", ALICE, 1);
		assert_noop!(
			Registry::transfer(RuntimeOrigin::signed(ALICE), n("heavy.ddns"), 999),
			Error::<Test>::NoRecipientAccount
		);
	});
}

#[test]
fn epochs_never_repeat_across_the_lives_of_a_name() {
	build_and_execute(|| {
		let keyed_epoch = |name: &str| {
			assert_ok!(Registry::set_node_key(
				RuntimeOrigin::signed(ALICE),
				n(name),
				Some([5; 32])
			));
			Names::<Test>::get(key(name)).unwrap().epoch
		};
		register(ALICE, "again.ddns", ALICE, 1);
		assert_ok!(sub(ALICE, "again.ddns", "www", ALICE));
		let (first, first_sub) = (keyed_epoch("again.ddns"), keyed_epoch("www.again.ddns"));
		// Released and made again, with the same node key: an endpoint record signed in the
		// first life must not validate in the second, so no epoch comes back.
		assert_ok!(Registry::release(RuntimeOrigin::signed(ALICE), n("www.again.ddns")));
		assert_ok!(sub(ALICE, "again.ddns", "www", ALICE));
		assert!(Names::<Test>::get(key("www.again.ddns")).unwrap().epoch > first_sub);
		assert!(keyed_epoch("www.again.ddns") > first_sub);
		assert_ok!(Registry::release(RuntimeOrigin::signed(ALICE), n("again.ddns")));
		register(ALICE, "again.ddns", ALICE, 1);
		assert!(Names::<Test>::get(key("again.ddns")).unwrap().epoch > first);
		assert!(keyed_epoch("again.ddns") > first);
		// Every epoch handed out is above every earlier one, whatever the name.
		register(BOB, "fresh.ddns", BOB, 1);
		assert!(Names::<Test>::get(key("fresh.ddns")).unwrap().epoch > first);
		assert_eq!(Names::<Test>::get(key("fresh.ddns")).unwrap().epoch, LastEpoch::<Test>::get());
	});
}
