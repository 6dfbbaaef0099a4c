use crate::{mock::*, pallet::*, types::*, Event};
use codec::Encode;
use ddns_primitives::operator::registration_payload;
use frame_support::{
	assert_noop, assert_ok,
	pallet_prelude::{InvalidTransaction, TransactionSource, TransactionValidityError},
	traits::{
		fungible::{Inspect, InspectHold},
		Authorize,
	},
	BoundedVec,
};
use sp_core::Pair;
use sp_runtime::{testing::UintAuthorityId, DispatchError, Perbill, RuntimeAppPublic};

fn addr(s: &str) -> AddrOf {
	s.as_bytes().to_vec().try_into().unwrap()
}

fn sign_registration(seed: u8, kind: ServiceKind, owner: AccountId) -> [u8; 64] {
	let payload = registration_payload(&Operators::genesis(), kind, &owner.encode());
	service_pair(seed).sign(&payload).0
}

fn register(owner: AccountId, kind: ServiceKind, seed: u8, at: &str) -> ServiceId {
	let id = NextServiceId::<Test>::get();
	assert_ok!(Operators::register_service(
		RuntimeOrigin::signed(owner),
		kind,
		service_pair(seed).public().0,
		addr(at),
		sign_registration(seed, kind, owner),
	));
	id
}

fn try_register(
	owner: AccountId,
	kind: ServiceKind,
	seed: u8,
	at: &str,
) -> Result<(), DispatchError> {
	Operators::register_service(
		RuntimeOrigin::signed(owner),
		kind,
		service_pair(seed).public().0,
		addr(at),
		sign_registration(seed, kind, owner),
	)
}

/// The first block of round `round` of era `era`.
fn block_of(era: u32, round: u32) -> u64 {
	1 + (era as u64 * ROUNDS as u64 + round as u64) * ROUND
}

fn make_report(
	validator: AccountId,
	era: EraIndex,
	round: u32,
	results: Vec<(ServiceId, Verdict)>,
) -> (ReportOf<Test>, <UintAuthorityId as RuntimeAppPublic>::Signature) {
	let report = Report {
		era,
		round,
		prober: UintAuthorityId(validator),
		results: BoundedVec::truncate_from(results),
	};
	let signature = report.prober.sign(&Operators::report_payload(&report)).unwrap();
	(report, signature)
}

fn submit(
	validator: AccountId,
	era: EraIndex,
	round: u32,
	results: Vec<(ServiceId, Verdict)>,
) -> Result<(), DispatchError> {
	let (report, signature) = make_report(validator, era, round, results);
	Operators::report(frame_system::RawOrigin::Authorized.into(), report, signature)
}

/// Runs era `era` to its close, with `verdict(validator, round, service)` deciding each
/// report's contents and `reporting(validator, round)` who reports. Returns at the block where
/// the era is settled.
fn run_era(
	era: EraIndex,
	services: &[ServiceId],
	reporting: impl Fn(AccountId, u32) -> bool,
	verdict: impl Fn(AccountId, u32, ServiceId) -> Verdict,
) {
	for round in 0..ROUNDS {
		// Reports for `round` are taken during the next round.
		run_to(block_of(era, round + 1));
		for v in VALIDATORS {
			if reporting(v, round) {
				let results = services.iter().map(|s| (*s, verdict(v, round, *s))).collect();
				assert_ok!(submit(v, era, round, results));
			}
		}
	}
	run_to(block_of(era + 1, 1));
	assert!(Eras::<Test>::get(era).unwrap().settled);
}

fn all_up(_: AccountId, _: u32, _: ServiceId) -> Verdict {
	Verdict::Up
}

fn everyone(_: AccountId, _: u32) -> bool {
	true
}

fn three_services() -> [ServiceId; 3] {
	[
		register(ALICE, ServiceKind::Seed, 1, "/ip4/8.8.8.1/tcp/30333"),
		register(BOB, ServiceKind::Resolver, 2, "/ip4/8.8.8.2/tcp/4001"),
		register(CHARLIE, ServiceKind::Relay, 3, "/ip6/2a00:1450::1/udp/4001/quic-v1"),
	]
}

fn last_events(n: usize) -> Vec<Event<Test>> {
	let events: Vec<_> = System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Operators(e) => Some(e),
			_ => None,
		})
		.collect();
	events[events.len().saturating_sub(n)..].to_vec()
}

#[test]
fn register_holds_the_bond_and_starts_next_era() {
	new_test_ext().execute_with(|| {
		let id = register(ALICE, ServiceKind::Seed, 1, "/ip4/8.8.8.1/tcp/30333");
		let svc = Services::<Test>::get(id).unwrap();
		assert_eq!(svc.owner, ALICE);
		assert_eq!(svc.active_from, 1);
		assert_eq!(svc.status, Status::Active);
		assert_eq!(Balances::balance_on_hold(&HoldReason::ServiceBond.into(), &ALICE), BOND);
		assert_eq!(ServiceCount::<Test>::get(ServiceKind::Seed), 1);
		assert_eq!(
			last_events(1),
			vec![Event::ServiceRegistered {
				id,
				owner: ALICE,
				kind: ServiceKind::Seed,
				active_from: 1
			}]
		);
		// Not probed in the current era.
		assert!(Operators::probe_targets().is_empty());
		run_to(block_of(1, 0));
		assert_eq!(Operators::probe_targets().len(), 1);
		crate::try_state::check::<Test>().unwrap();
	});
}

#[test]
fn registration_needs_the_service_keys_signature_for_this_account_and_kind() {
	new_test_ext().execute_with(|| {
		let peer = service_pair(1).public().0;
		let at = addr("/ip4/8.8.8.1/tcp/30333");
		let call = |sig: [u8; 64]| {
			Operators::register_service(
				RuntimeOrigin::signed(ALICE),
				ServiceKind::Seed,
				peer,
				at.clone(),
				sig,
			)
		};
		// Signed by another key, for another account, for another kind, garbage.
		for sig in [
			sign_registration(2, ServiceKind::Seed, ALICE),
			sign_registration(1, ServiceKind::Seed, BOB),
			sign_registration(1, ServiceKind::Relay, ALICE),
			[0u8; 64],
		] {
			assert_noop!(call(sig), Error::<Test>::BadServiceSignature);
		}
		// For another chain.
		let other = registration_payload(&[7; 32], ServiceKind::Seed, &ALICE.encode());
		assert_noop!(call(service_pair(1).sign(&other).0), Error::<Test>::BadServiceSignature);
		assert_ok!(call(sign_registration(1, ServiceKind::Seed, ALICE)));
	});
}

#[test]
fn a_small_order_service_key_is_refused() {
	new_test_ext().execute_with(|| {
		// The identity point, and the signature anyone can make for it (R the identity, s 0),
		// which the runtime's lax verification would take.
		let mut weak = [0u8; 32];
		weak[0] = 1;
		let mut anyones = [0u8; 64];
		anyones[0] = 1;
		assert_noop!(
			Operators::register_service(
				RuntimeOrigin::signed(ALICE),
				ServiceKind::Seed,
				weak,
				addr("/ip4/8.8.8.1/tcp/30333"),
				anyones,
			),
			Error::<Test>::WeakServiceKey
		);
	});
}

#[test]
fn bad_addresses_are_refused() {
	new_test_ext().execute_with(|| {
		for (at, err) in [
			("/dns4/seed.example/tcp/1", Error::<Test>::BadAddress),
			("/ip4/8.8.8.1/tcp/1/p2p/x", Error::<Test>::BadAddress),
			("8.8.8.1:30333", Error::<Test>::BadAddress),
			("/ip4/8.8.8.01/tcp/1", Error::<Test>::BadAddress),
			("/ip4/8.8.8.1/tcp/01", Error::<Test>::NonCanonicalAddress),
			("/ip4/10.1.2.3/tcp/1", Error::<Test>::PrivateAddress),
			("/ip4/127.0.0.1/tcp/1", Error::<Test>::PrivateAddress),
			("/ip6/fd00::1/tcp/1", Error::<Test>::PrivateAddress),
			("/ip4/8.8.8.1/tcp/0", Error::<Test>::BadPort),
		] {
			assert_eq!(try_register(ALICE, ServiceKind::Seed, 1, at), Err(err.into()), "{at}");
		}
		assert_eq!(Balances::balance_on_hold(&HoldReason::ServiceBond.into(), &ALICE), 0);
		// A development chain may allow private addresses.
		let mut params = test_params();
		params.allow_private = true;
		assert_ok!(Operators::set_params(RuntimeOrigin::root(), params));
		assert_ok!(try_register(ALICE, ServiceKind::Seed, 1, "/ip4/127.0.0.1/tcp/30333"));
	});
}

#[test]
fn one_service_per_kind_per_host_and_identity() {
	new_test_ext().execute_with(|| {
		register(ALICE, ServiceKind::Seed, 1, "/ip4/8.8.8.1/tcp/30333");
		// Same IPv4, another port.
		assert_eq!(
			try_register(BOB, ServiceKind::Seed, 2, "/ip4/8.8.8.1/tcp/30334"),
			Err(Error::<Test>::HostTaken.into())
		);
		// Same identity elsewhere.
		assert_eq!(
			try_register(BOB, ServiceKind::Seed, 1, "/ip4/8.8.8.2/tcp/30333"),
			Err(Error::<Test>::PeerTaken.into())
		);
		// Another kind on the same host is fine.
		register(BOB, ServiceKind::Relay, 2, "/ip4/8.8.8.1/tcp/4001");
		// One IPv6 /64.
		register(ALICE, ServiceKind::Resolver, 3, "/ip6/2a00:1450::1/tcp/1");
		assert_eq!(
			try_register(BOB, ServiceKind::Resolver, 4, "/ip6/2a00:1450::2/tcp/1"),
			Err(Error::<Test>::HostTaken.into())
		);
		register(BOB, ServiceKind::Resolver, 4, "/ip6/2a00:1450:0:1::2/tcp/1");
		// At most `max_per_kind` (3) per kind.
		register(CHARLIE, ServiceKind::Seed, 5, "/ip4/8.8.8.3/tcp/1");
		register(CHARLIE, ServiceKind::Seed, 6, "/ip4/8.8.8.4/tcp/1");
		assert_eq!(
			try_register(CHARLIE, ServiceKind::Seed, 7, "/ip4/8.8.8.5/tcp/1"),
			Err(Error::<Test>::TooManyServices.into())
		);
	});
}

#[test]
fn registration_needs_parameters_and_a_bond() {
	new_test_ext().execute_with(|| {
		assert_eq!(
			try_register(42, ServiceKind::Seed, 1, "/ip4/8.8.8.1/tcp/1").is_err(),
			true,
			"an account without funds cannot hold the bond"
		);
		OperatorParams::<Test>::kill();
		assert_eq!(
			try_register(ALICE, ServiceKind::Seed, 1, "/ip4/8.8.8.1/tcp/1"),
			Err(Error::<Test>::NotConfigured.into())
		);
	});
}

#[test]
fn set_address_moves_the_host() {
	new_test_ext().execute_with(|| {
		let a = register(ALICE, ServiceKind::Seed, 1, "/ip4/8.8.8.1/tcp/30333");
		register(BOB, ServiceKind::Seed, 2, "/ip4/8.8.8.2/tcp/30333");
		assert_noop!(
			Operators::set_address(RuntimeOrigin::signed(BOB), a, addr("/ip4/8.8.8.3/tcp/1")),
			Error::<Test>::NotOwner
		);
		assert_noop!(
			Operators::set_address(RuntimeOrigin::signed(ALICE), a, addr("/ip4/8.8.8.2/tcp/1")),
			Error::<Test>::HostTaken
		);
		assert_noop!(
			Operators::set_address(RuntimeOrigin::signed(ALICE), a, addr("/ip4/192.168.0.1/tcp/1")),
			Error::<Test>::PrivateAddress
		);
		assert_noop!(
			Operators::set_address(RuntimeOrigin::signed(ALICE), 77, addr("/ip4/8.8.8.3/tcp/1")),
			Error::<Test>::UnknownService
		);
		// Same host, other port.
		assert_ok!(Operators::set_address(
			RuntimeOrigin::signed(ALICE),
			a,
			addr("/ip4/8.8.8.1/tcp/1")
		));
		assert_ok!(Operators::set_address(
			RuntimeOrigin::signed(ALICE),
			a,
			addr("/ip4/8.8.8.3/tcp/1")
		));
		assert_eq!(Services::<Test>::get(a).unwrap().addr, addr("/ip4/8.8.8.3/tcp/1"));
		// The old host is free again.
		register(CHARLIE, ServiceKind::Seed, 3, "/ip4/8.8.8.1/tcp/30333");
		crate::try_state::check::<Test>().unwrap();
	});
}

#[test]
fn unbond_then_withdraw_after_the_delay() {
	new_test_ext().execute_with(|| {
		let a = register(ALICE, ServiceKind::Seed, 1, "/ip4/8.8.8.1/tcp/30333");
		assert_noop!(
			Operators::withdraw(RuntimeOrigin::signed(ALICE), a),
			Error::<Test>::NotUnbonding
		);
		assert_noop!(Operators::unbond(RuntimeOrigin::signed(BOB), a), Error::<Test>::NotOwner);
		assert_ok!(Operators::unbond(RuntimeOrigin::signed(ALICE), a));
		// Era 0 now; the bond is released at era 0 + 2 + 1.
		assert_eq!(Services::<Test>::get(a).unwrap().status, Status::Unbonding { until: 3 });
		assert_noop!(Operators::unbond(RuntimeOrigin::signed(ALICE), a), Error::<Test>::Unbonding);
		assert_noop!(
			Operators::set_address(RuntimeOrigin::signed(ALICE), a, addr("/ip4/8.8.8.3/tcp/1")),
			Error::<Test>::Unbonding
		);
		// Its host and identity are free at once; its slot in the kind is not.
		register(BOB, ServiceKind::Seed, 1, "/ip4/8.8.8.1/tcp/30333");
		assert_eq!(ServiceCount::<Test>::get(ServiceKind::Seed), 2);
		assert!(Operators::probe_targets().iter().all(|(id, _)| *id != a));
		run_to(block_of(2, 5));
		assert_noop!(
			Operators::withdraw(RuntimeOrigin::signed(ALICE), a),
			Error::<Test>::StillBonded
		);
		run_to(block_of(3, 0));
		let free = Balances::balance(&ALICE);
		assert_ok!(Operators::withdraw(RuntimeOrigin::signed(ALICE), a));
		assert_eq!(Balances::balance(&ALICE), free + BOND);
		assert_eq!(Balances::balance_on_hold(&HoldReason::ServiceBond.into(), &ALICE), 0);
		assert!(Services::<Test>::get(a).is_none());
		assert_eq!(ServiceCount::<Test>::get(ServiceKind::Seed), 1);
		crate::try_state::check::<Test>().unwrap();
	});
}

#[test]
fn a_full_era_all_up_pays_each_exactly_its_rate() {
	new_test_ext().execute_with(|| {
		let ids = three_services();
		run_to(block_of(1, 0));
		run_era(1, &ids, everyone, all_up);
		let era = Eras::<Test>::get(1).unwrap();
		assert_eq!((era.rounds, era.counted), (ROUNDS, ROUNDS));
		let pot_before = Balances::balance(&POT);
		let rates = test_params().rates;
		let mut sum = 0;
		for (id, owner) in ids.iter().zip([ALICE, BOB, CHARLIE]) {
			let score = Scores::<Test>::get(1, id).unwrap();
			assert_eq!((score.up, score.counted), (ROUNDS, ROUNDS));
			let before = Balances::balance(&owner);
			// Anyone may trigger it.
			assert_ok!(Operators::claim(RuntimeOrigin::signed(42), *id, 1));
			let rate = rates[score.kind.index()];
			assert_eq!(Balances::balance(&owner), before + rate);
			sum += rate;
			assert_noop!(
				Operators::claim(RuntimeOrigin::signed(42), *id, 1),
				Error::<Test>::AlreadyPaid
			);
		}
		assert_eq!(Balances::balance(&POT), pot_before - sum);
		assert_eq!(Owed::<Test>::get(), 0);
		assert!(Services::<Test>::iter().all(|(_, s)| s.strikes == 0));
	});
}

#[test]
fn a_dead_service_earns_nothing_gets_strikes_and_is_suspended() {
	new_test_ext().execute_with(|| {
		let ids = three_services();
		let dead = ids[1];
		let verdict = |_, _, s| if s == dead { Verdict::Down } else { Verdict::Up };
		run_to(block_of(1, 0));
		run_era(1, &ids, everyone, verdict);
		assert_eq!(Scores::<Test>::get(1, dead).unwrap().up, 0);
		assert_noop!(
			Operators::claim(RuntimeOrigin::signed(1), dead, 1),
			Error::<Test>::NothingDue
		);
		assert_eq!(Services::<Test>::get(dead).unwrap().strikes, 1);
		assert_eq!(Services::<Test>::get(dead).unwrap().status, Status::Active);
		// The others are unaffected.
		assert_ok!(Operators::claim(RuntimeOrigin::signed(1), ids[0], 1));
		let before = Balances::balance(&CHARLIE);
		assert_ok!(Operators::claim(RuntimeOrigin::signed(1), ids[2], 1));
		assert_eq!(Balances::balance(&CHARLIE), before + test_params().rates[1]);
		// A second bad era suspends it (max_strikes = 2).
		run_era(2, &ids, everyone, verdict);
		let svc = Services::<Test>::get(dead).unwrap();
		assert_eq!((svc.strikes, svc.status), (2, Status::Suspended));
		assert!(System::events()
			.iter()
			.any(|r| r.event == RuntimeEvent::Operators(Event::Suspended { id: dead })));
		assert!(Operators::probe_targets().iter().all(|(id, _)| *id != dead));
		// Resumed from the next era, strikes cleared.
		assert_noop!(
			Operators::resume(RuntimeOrigin::signed(ALICE), ids[0]),
			Error::<Test>::NotSuspended
		);
		assert_ok!(Operators::resume(RuntimeOrigin::signed(BOB), dead));
		let svc = Services::<Test>::get(dead).unwrap();
		assert_eq!((svc.strikes, svc.status, svc.active_from), (0, Status::Active, 4));
	});
}

#[test]
fn a_service_up_part_of_the_era_earns_rate_times_up_over_counted() {
	new_test_ext().execute_with(|| {
		let ids = three_services();
		let flaky = ids[0];
		// Down in rounds 0 and 1, up in the other four.
		let verdict =
			|_, round, s| if s == flaky && round < 2 { Verdict::Down } else { Verdict::Up };
		run_to(block_of(1, 0));
		run_era(1, &ids, everyone, verdict);
		let score = Scores::<Test>::get(1, flaky).unwrap();
		assert_eq!((score.up, score.counted), (4, 6));
		assert_eq!(score.up_rounds[0], 0b111100);
		let before = Balances::balance(&ALICE);
		assert_ok!(Operators::claim(RuntimeOrigin::signed(ALICE), flaky, 1));
		assert_eq!(Balances::balance(&ALICE), before + 600 * 4 / 6);
	});
}

#[test]
fn one_lying_validator_cannot_make_a_dead_service_up() {
	new_test_ext().execute_with(|| {
		let mut params = test_params();
		params.max_strikes = 5;
		assert_ok!(Operators::set_params(RuntimeOrigin::root(), params));
		let ids = three_services();
		let dead = ids[2];
		let verdict = |v, _, s| if s == dead && v != 11 { Verdict::Down } else { Verdict::Up };
		run_to(block_of(1, 0));
		run_era(1, &ids, everyone, verdict);
		assert_eq!(Scores::<Test>::get(1, dead).unwrap().up, 0);
		// Two of four saying up is not more than half either.
		let verdict = |v, _, s| if s == dead && v > 12 { Verdict::Down } else { Verdict::Up };
		run_era(2, &ids, everyone, verdict);
		assert_eq!(Scores::<Test>::get(2, dead).unwrap().up, 0);
		// Three of four is.
		let verdict = |v, _, s| if s == dead && v == 14 { Verdict::Down } else { Verdict::Up };
		run_era(3, &ids, everyone, verdict);
		assert_eq!(Scores::<Test>::get(3, dead).unwrap().up, ROUNDS);
	});
}

#[test]
fn wrong_answers_take_a_service_down_only_when_more_than_a_third_say_so() {
	new_test_ext().execute_with(|| {
		let ids = three_services();
		// Round 0: two of four say wrong; round 1: one does (the others say up).
		let verdict = |v, round, s| match (round, v) {
			(0, 12 | 13) | (1, 12) if s == ids[1] => Verdict::Wrong,
			_ => Verdict::Up,
		};
		run_to(block_of(1, 0));
		run_era(1, &ids, everyone, verdict);
		let score = Scores::<Test>::get(1, ids[1]).unwrap();
		assert_eq!(score.up, ROUNDS - 1);
		assert_eq!(score.up_rounds[0] & 0b11, 0b10, "down in round 0, up in round 1");
	});
}

#[test]
fn a_suspended_service_leaves_its_host_and_resumes_only_if_it_is_free() {
	new_test_ext().execute_with(|| {
		let a = register(ALICE, ServiceKind::Seed, 1, "/ip4/8.8.8.1/tcp/30333");
		assert_ok!(Operators::slash(RuntimeOrigin::root(), a, 0));
		assert_eq!(Services::<Test>::get(a).unwrap().status, Status::Suspended);
		// Someone else may now take the host (a squatter's address goes back to its owner).
		let b = register(BOB, ServiceKind::Seed, 2, "/ip4/8.8.8.1/tcp/30333");
		assert_noop!(Operators::resume(RuntimeOrigin::signed(ALICE), a), Error::<Test>::HostTaken);
		assert_ok!(Operators::unbond(RuntimeOrigin::signed(BOB), b));
		assert_ok!(Operators::resume(RuntimeOrigin::signed(ALICE), a));
		assert_eq!(
			Hosts::<Test>::get(ServiceKind::Seed, Services::<Test>::get(a).unwrap().host),
			Some(a)
		);
		crate::try_state::check::<Test>().unwrap();
	});
}

#[test]
fn a_validators_report_on_its_own_service_is_not_counted() {
	new_test_ext().execute_with(|| {
		// Validator 11 runs a seed that is dead; it says up, two others say down, one up.
		let own = register(11, ServiceKind::Seed, 9, "/ip4/8.8.8.9/tcp/1");
		let verdict = |v, _, _| if v == 11 || v == 12 { Verdict::Up } else { Verdict::Down };
		run_to(block_of(1, 0));
		run_era(1, &[own], everyone, verdict);
		// Counted: 12 up, 13 and 14 down: 1 of 3 is not more than half.
		assert_eq!(Scores::<Test>::get(1, own).unwrap().up, 0);
	});
}

#[test]
fn rounds_with_too_few_reports_are_voided_and_no_score_drops() {
	new_test_ext().execute_with(|| {
		let ids = three_services();
		run_to(block_of(1, 0));
		// Two of four report every round.
		run_era(1, &ids, |v, _| v <= 12, all_up);
		let era = Eras::<Test>::get(1).unwrap();
		assert_eq!(era.counted, 0);
		assert_eq!(
			Rounds::<Test>::get(1, 0).unwrap(),
			RoundLog { reporters: 2, probers: 4, counted: false }
		);
		for id in ids {
			assert!(Scores::<Test>::get(1, id).is_none());
			assert_eq!(Services::<Test>::get(id).unwrap().strikes, 0);
		}
		assert_eq!(era.promised, 0);
		// Three of four (two thirds) count.
		run_era(2, &ids, |v, _| v <= 13, all_up);
		assert_eq!(Eras::<Test>::get(2).unwrap().counted, ROUNDS);
	});
}

#[test]
fn bad_reports_are_refused_and_change_nothing() {
	new_test_ext().execute_with(|| {
		let ids = three_services();
		run_to(block_of(1, 1));
		let results = vec![(ids[0], Verdict::Up), (ids[1], Verdict::Up)];
		// The current round, an old round, a future round.
		for (era, round) in [(1, 1), (0, 5), (1, 2)] {
			assert_eq!(
				submit(11, era, round, results.clone()),
				Err(Error::<Test>::WrongRound.into())
			);
		}
		// Not a validator's key.
		assert_eq!(submit(42, 1, 0, results.clone()), Err(Error::<Test>::NotProber.into()));
		// Unsorted, or a service twice.
		let unsorted = vec![(ids[1], Verdict::Up), (ids[0], Verdict::Up)];
		assert_eq!(submit(11, 1, 0, unsorted), Err(Error::<Test>::UnsortedResults.into()));
		let twice = vec![(ids[0], Verdict::Up), (ids[0], Verdict::Down)];
		assert_eq!(submit(11, 1, 0, twice), Err(Error::<Test>::UnsortedResults.into()));
		// Signed by another validator's key.
		let (report, _) = make_report(11, 1, 0, results.clone());
		let (_, other) = make_report(12, 1, 0, results.clone());
		assert_noop!(
			Operators::report(
				frame_system::RawOrigin::Authorized.into(),
				report.clone(),
				other.clone()
			),
			Error::<Test>::BadReportSignature
		);
		// A plain signed origin is not authorized.
		let (_, sig) = make_report(11, 1, 0, results.clone());
		assert_noop!(
			Operators::report(RuntimeOrigin::signed(11), report.clone(), sig.clone()),
			DispatchError::BadOrigin
		);
		// The transaction-pool view of the same.
		let call = Call::<Test>::report { report: report.clone(), signature: other };
		assert_eq!(
			call.authorize(TransactionSource::External).unwrap().map(|_| ()),
			Err(TransactionValidityError::Invalid(InvalidTransaction::BadProof))
		);
		let call = Call::<Test>::report { report: report.clone(), signature: sig.clone() };
		let (valid, _) = call.authorize(TransactionSource::External).unwrap().unwrap();
		assert_eq!(valid.longevity, block_of(1, 2) - block_of(1, 1));
		assert!(Reports::<Test>::iter().next().is_none());
		// A good one, then the same again.
		assert_ok!(submit(11, 1, 0, results.clone()));
		assert_eq!(submit(11, 1, 0, results.clone()), Err(Error::<Test>::AlreadyReported.into()));
		assert_eq!(
			call.authorize(TransactionSource::External).unwrap().map(|_| ()),
			Err(TransactionValidityError::Invalid(InvalidTransaction::Stale))
		);
		assert_eq!(last_events(1), vec![Event::Reported { prober: 11, era: 1, round: 0 }]);
	});
}

#[test]
fn a_short_budget_scales_every_service_of_the_kind_alike() {
	new_test_ext().execute_with(|| {
		let a = register(ALICE, ServiceKind::Seed, 1, "/ip4/8.8.8.1/tcp/1");
		let b = register(BOB, ServiceKind::Seed, 2, "/ip4/8.8.8.2/tcp/1");
		// Budget: 50% of (pot - minimum) = 50% of (100_000 - 1 ED - 1_000), capped at 1_000;
		// seeds get 50% of it: 500, against a demand of 1_200.
		let mut params = test_params();
		params.budget_cap = 1_000;
		assert_ok!(Operators::set_params(RuntimeOrigin::root(), params));
		run_to(block_of(1, 0));
		run_era(1, &[a, b], everyone, all_up);
		let era = Eras::<Test>::get(1).unwrap();
		assert_eq!(era.budget, 1_000);
		assert_eq!(era.demand[0], 1_200);
		assert_eq!(era.available[0], 500);
		assert_eq!(era.promised, 500);
		let (alice, bob) = (Balances::balance(&ALICE), Balances::balance(&BOB));
		assert_ok!(Operators::claim(RuntimeOrigin::signed(9), a, 1));
		assert_ok!(Operators::claim(RuntimeOrigin::signed(9), b, 1));
		assert_eq!(Balances::balance(&ALICE) - alice, 250);
		assert_eq!(Balances::balance(&BOB) - bob, 250);
	});
}

#[test]
fn the_pot_keeps_its_minimum_and_what_it_owes() {
	new_test_ext().execute_with(|| {
		let ids = three_services();
		// A pot barely above its minimum: the budget is half of what is above it.
		let ed = Balances::minimum_balance();
		let _ = <Balances as frame_support::traits::fungible::Mutate<_>>::burn_from(
			&POT,
			100_000 - 1_000 - ed - 200,
			frame_support::traits::tokens::Preservation::Preserve,
			frame_support::traits::tokens::Precision::Exact,
			frame_support::traits::tokens::Fortitude::Force,
		)
		.unwrap();
		run_to(block_of(1, 0));
		run_era(1, &ids, everyone, all_up);
		assert_eq!(Eras::<Test>::get(1).unwrap().budget, 100);
		let owed = Owed::<Test>::get();
		assert_eq!(owed, Eras::<Test>::get(1).unwrap().promised);
		// The next era's budget leaves what era 1 still owes.
		run_era(2, &ids, everyone, all_up);
		assert_eq!(Eras::<Test>::get(2).unwrap().budget, (200 - owed) / 2);
	});
}

#[test]
fn emission_is_minted_into_the_pot_and_budgeted() {
	new_test_ext().execute_with(|| {
		let ids = three_services();
		let mut params = test_params();
		params.emission = 5_000;
		params.budget_cap = 0;
		assert_ok!(Operators::set_params(RuntimeOrigin::root(), params));
		run_to(block_of(1, 0));
		let pot = Balances::balance(&POT);
		run_era(1, &ids, everyone, all_up);
		let era = Eras::<Test>::get(1).unwrap();
		assert_eq!((era.minted, era.budget), (5_000, 5_000));
		assert_eq!(Balances::balance(&POT), pot + 5_000);
	});
}

#[test]
fn claims_are_taken_only_for_closed_eras_in_the_window() {
	new_test_ext().execute_with(|| {
		let ids = three_services();
		run_to(block_of(1, 0));
		assert_noop!(
			Operators::claim(RuntimeOrigin::signed(1), ids[0], 1),
			Error::<Test>::EraNotClosed
		);
		assert_noop!(
			Operators::claim(RuntimeOrigin::signed(1), ids[0], 7),
			Error::<Test>::EraOutOfWindow
		);
		run_era(1, &ids, everyone, all_up);
		assert_noop!(Operators::claim(RuntimeOrigin::signed(1), 77, 1), Error::<Test>::NoScore);
		let promised = Eras::<Test>::get(1).unwrap().promised;
		assert_eq!(Owed::<Test>::get(), promised);
		let pot = Balances::balance(&POT);
		// HistoryDepth = 3: era 1 is forgotten when era 4 closes.
		for era in 2..=4 {
			run_era(era, &[], everyone, all_up);
		}
		assert!(Eras::<Test>::get(1).is_none());
		assert!(Scores::<Test>::get(1, ids[0]).is_none());
		assert!(Rounds::<Test>::get(1, 0).is_none());
		assert_noop!(
			Operators::claim(RuntimeOrigin::signed(1), ids[0], 1),
			Error::<Test>::EraOutOfWindow
		);
		// Unclaimed stays in the pot and is no longer owed.
		assert_eq!(Balances::balance(&POT), pot);
		assert_eq!(Owed::<Test>::get(), 0);
		assert!(System::events().iter().any(|r| r.event
			== RuntimeEvent::Operators(Event::EraExpired { era: 1, unclaimed: promised })));
	});
}

#[test]
fn root_slashes_into_the_pot_and_suspends() {
	new_test_ext().execute_with(|| {
		let a = register(ALICE, ServiceKind::Resolver, 1, "/ip4/8.8.8.1/tcp/1");
		assert_noop!(Operators::slash(RuntimeOrigin::signed(BOB), a, 10), DispatchError::BadOrigin);
		let pot = Balances::balance(&POT);
		assert_ok!(Operators::slash(RuntimeOrigin::root(), a, 400));
		assert_eq!(Balances::balance(&POT), pot + 400);
		let svc = Services::<Test>::get(a).unwrap();
		assert_eq!((svc.bond, svc.status), (BOND - 400, Status::Suspended));
		assert_eq!(Balances::balance_on_hold(&HoldReason::ServiceBond.into(), &ALICE), BOND - 400);
		// More than the bond takes the bond.
		assert_ok!(Operators::slash(RuntimeOrigin::root(), a, 10 * BOND));
		assert_eq!(Services::<Test>::get(a).unwrap().bond, 0);
		// Resuming tops the bond up.
		assert_ok!(Operators::resume(RuntimeOrigin::signed(ALICE), a));
		assert_eq!(Services::<Test>::get(a).unwrap().bond, BOND);
		assert_eq!(Balances::balance_on_hold(&HoldReason::ServiceBond.into(), &ALICE), BOND);
		crate::try_state::check::<Test>().unwrap();
	});
}

#[test]
fn parameters_are_checked_and_root_only() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			Operators::set_params(RuntimeOrigin::signed(ALICE), test_params()),
			DispatchError::BadOrigin
		);
		let bad = [
			|p: &mut Params<Balance>| p.round_length = 0,
			|p: &mut Params<Balance>| p.rounds_per_era = 0,
			|p: &mut Params<Balance>| p.rounds_per_era = MAX_ROUNDS_PER_ERA + 1,
			|p: &mut Params<Balance>| p.max_per_kind = 5,
			|p: &mut Params<Balance>| p.shares[0] = Perbill::from_percent(60),
			|p: &mut Params<Balance>| p.max_strikes = 0,
			|p: &mut Params<Balance>| p.bond = 0,
		];
		for change in bad {
			let mut p = test_params();
			change(&mut p);
			assert_noop!(
				Operators::set_params(RuntimeOrigin::root(), p),
				Error::<Test>::InvalidParams
			);
		}
	});
}

#[test]
fn era_length_changes_apply_from_the_next_era() {
	new_test_ext().execute_with(|| {
		let mut params = test_params();
		params.rounds_per_era = 2;
		assert_ok!(Operators::set_params(RuntimeOrigin::root(), params));
		assert_eq!(CurrentRound::<Test>::get().unwrap().rounds, ROUNDS);
		run_to(block_of(1, 0));
		assert_eq!(CurrentRound::<Test>::get().unwrap().rounds, 2);
		assert_eq!(Eras::<Test>::get(1).unwrap().rounds, 2);
	});
}

#[test]
fn probers_follow_the_session() {
	new_test_ext().execute_with(|| {
		use frame_support::traits::OneSessionHandler;
		let next: Vec<_> = [11u64, 12].iter().map(|v| (v, UintAuthorityId(*v))).collect();
		<Operators as OneSessionHandler<AccountId>>::on_new_session(
			true,
			next.clone().into_iter(),
			next.into_iter(),
		);
		assert_eq!(Probers::<Test>::get().len(), 2);
		let ids = three_services();
		run_to(block_of(1, 1));
		assert_eq!(
			submit(13, 1, 0, vec![(ids[0], Verdict::Up)]),
			Err(Error::<Test>::NotProber.into())
		);
	});
}

mod offchain_worker {
	use super::*;
	use crate::offchain::{submit_report, Outcome, ProbeResults, RESULTS_KEY};
	use codec::Decode;
	use sp_core::offchain::{
		testing::{TestOffchainExt, TestTransactionPoolExt},
		OffchainDbExt, OffchainWorkerExt, TransactionPoolExt,
	};

	fn with_offchain(
		test: impl FnOnce(&std::sync::Arc<parking_lot::RwLock<sp_core::offchain::testing::PoolState>>),
	) {
		let mut ext = new_test_ext();
		let (offchain, _) = TestOffchainExt::new();
		let (pool, pool_state) = TestTransactionPoolExt::new();
		ext.register_extension(OffchainDbExt::new(offchain.clone()));
		ext.register_extension(OffchainWorkerExt::new(offchain));
		ext.register_extension(TransactionPoolExt::new(pool));
		ext.execute_with(|| test(&pool_state));
	}

	fn leave_results(era: EraIndex, round: u32, results: Vec<(ServiceId, Verdict)>) {
		sp_io::offchain::local_storage_set(
			sp_core::offchain::StorageKind::PERSISTENT,
			RESULTS_KEY,
			&ProbeResults { era, round, results }.encode(),
		);
	}

	#[test]
	fn the_daemons_results_become_one_signed_report() {
		with_offchain(|pool| {
			let ids = three_services();
			run_to(block_of(1, 1));
			UintAuthorityId::set_all_keys(vec![12u64]);
			// Nothing left yet; then results for another round.
			assert_eq!(submit_report::<Test>(block_of(1, 1)), Outcome::Nothing);
			leave_results(1, 1, vec![(ids[0], Verdict::Up)]);
			assert_eq!(submit_report::<Test>(block_of(1, 1)), Outcome::Nothing);
			// Unsorted, with a duplicate: sorted and deduplicated before signing.
			leave_results(
				1,
				0,
				vec![(ids[2], Verdict::Down), (ids[0], Verdict::Up), (ids[0], Verdict::Up)],
			);
			let now = block_of(1, 1);
			assert_eq!(submit_report::<Test>(now), Outcome::Submitted);
			assert_eq!(pool.read().transactions.len(), 1);
			// Not again while it may still be included.
			assert_eq!(submit_report::<Test>(now + 1), Outcome::Done);
			assert_eq!(pool.read().transactions.len(), 1);
			let xt = Extrinsic::decode(&mut &pool.read().transactions[0][..]).unwrap();
			let RuntimeCall::Operators(Call::report { report, signature }) = xt.function else {
				panic!("not a report")
			};
			assert_eq!(report.prober, UintAuthorityId(12));
			assert_eq!(
				report.results.to_vec(),
				vec![(ids[0], Verdict::Up), (ids[2], Verdict::Down)]
			);
			// It is a valid report: the chain takes it.
			assert_ok!(Operators::report(
				frame_system::RawOrigin::Authorized.into(),
				report,
				signature
			));
			assert_eq!(submit_report::<Test>(now + 5), Outcome::Done);
			// A node without a probing validator's key submits nothing.
			UintAuthorityId::set_all_keys(vec![42u64]);
			assert_eq!(submit_report::<Test>(now + 5), Outcome::NotProber);
		});
	}

	#[test]
	fn a_report_not_included_is_submitted_again() {
		with_offchain(|pool| {
			let ids = three_services();
			run_to(block_of(1, 1));
			UintAuthorityId::set_all_keys(vec![11u64]);
			leave_results(1, 0, vec![(ids[0], Verdict::Up)]);
			let now = block_of(1, 1);
			assert_eq!(submit_report::<Test>(now), Outcome::Submitted);
			assert_eq!(submit_report::<Test>(now + 2), Outcome::Done);
			assert_eq!(submit_report::<Test>(now + 3), Outcome::Submitted);
			assert_eq!(pool.read().transactions.len(), 2);
		});
	}
}
