//! Benchmarks of the operators' calls and hooks, each at its worst case: full kinds, a full
//! set of probers each reporting on every service, every score of an era to settle.

use super::*;
use alloc::vec::Vec;
use codec::Encode;
use ddns_primitives::operator::registration_payload;
use frame_benchmarking::v2::*;
use frame_support::{
	pallet_prelude::TransactionSource,
	traits::{
		fungible::{Inspect, Mutate},
		Authorize, EnsureOrigin, Get,
	},
	BoundedVec,
};
use frame_system::RawOrigin;
use sp_runtime::{traits::Bounded, Perbill, RuntimeAppPublic};

const KEYS: sp_core::crypto::KeyTypeId = sp_core::crypto::KeyTypeId(*b"dbnc");

fn params<T: Config>() -> ParamsOf<T> {
	let unit: BalanceOf<T> = 1_000_000u32.into();
	Params {
		bond: unit,
		max_per_kind: T::MaxServicesPerKind::get(),
		round_length: 10,
		rounds_per_era: MAX_ROUNDS_PER_ERA,
		unbonding_eras: 1,
		rates: [unit, unit, unit],
		shares: [Perbill::from_percent(30); 3],
		budget_cap: BalanceOf::<T>::max_value() / 4u32.into(),
		pot_share: Perbill::from_percent(50),
		pot_minimum: unit,
		emission: unit,
		min_score: Perbill::from_percent(50),
		max_strikes: 3,
		allow_private: false,
	}
}

fn funded<T: Config>(name: &'static str, index: u32) -> T::AccountId {
	let who: T::AccountId = account(name, index, 0);
	let _ = T::Currency::set_balance(&who, BalanceOf::<T>::max_value() / 1024u32.into());
	who
}

/// The address of service `i`: a distinct global IPv4 address.
fn addr_of(i: u32) -> AddrOf {
	let [_, a, b, c] = i.to_be_bytes();
	alloc::format!("/ip4/8.{a}.{b}.{c}/tcp/30333").into_bytes().try_into().unwrap()
}

/// Registers a service through the call, with a key from the keystore.
fn register<T: Config>(owner: &T::AccountId, kind: ServiceKind, i: u32) -> ServiceId {
	let peer = sp_io::crypto::ed25519_generate(KEYS, None);
	let payload = registration_payload(&Pallet::<T>::genesis(), kind, &owner.encode());
	let sig = sp_io::crypto::ed25519_sign(KEYS, &peer, &payload).unwrap();
	let id = NextServiceId::<T>::get();
	Pallet::<T>::register_service(
		RawOrigin::Signed(owner.clone()).into(),
		kind,
		peer.0,
		addr_of(i),
		sig.0,
	)
	.unwrap();
	id
}

/// `n` services of all kinds, each owned by its own account, active from era 0.
fn services<T: Config>(n: u32) -> Vec<ServiceId> {
	(0..n)
		.map(|i| {
			let owner = funded::<T>("operator", i);
			let id = register::<T>(&owner, ServiceKind::ALL[(i % 3) as usize], i);
			Services::<T>::mutate(id, |s| s.as_mut().unwrap().active_from = 0);
			id
		})
		.collect()
}

/// `n` probers with keys in the keystore.
fn probers<T: Config>(n: u32) -> Vec<T::ProberId> {
	let set: Vec<_> = (0..n)
		.map(|i| (account::<T::AccountId>("prober", i, 0), T::ProberId::generate_pair(None)))
		.collect();
	let keys = set.iter().map(|(_, k)| k.clone()).collect();
	Probers::<T>::put(BoundedVec::truncate_from(set));
	keys
}

fn setup<T: Config>() {
	OperatorParams::<T>::put(params::<T>());
	let pot = T::Pot::get();
	let _ = T::Currency::set_balance(&pot, BalanceOf::<T>::max_value() / 1024u32.into());
	let round = RoundRef {
		era: 1,
		round: 1,
		start: 1u32.into(),
		end: 100u32.into(),
		rounds: MAX_ROUNDS_PER_ERA,
	};
	CurrentRound::<T>::put(round);
	PreviousRound::<T>::put(RoundRef { round: 0, ..round });
	Eras::<T>::insert(1, EraSummary { rounds: MAX_ROUNDS_PER_ERA, ..Default::default() });
}

fn report_of<T: Config>(key: &T::ProberId, ids: &[ServiceId]) -> (ReportOf<T>, SignatureOf<T>) {
	let results = ids.iter().map(|id| (*id, Verdict::Up)).collect();
	let signed = Report {
		era: 1,
		round: 0,
		prober: key.clone(),
		results: BoundedVec::truncate_from(results),
	};
	let signature = key.sign(&Pallet::<T>::report_payload(&signed)).unwrap();
	(signed, signature)
}

fn max_services<T: Config>() -> u32 {
	MaxServicesOf::<T>::get()
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn register_service() {
		setup::<T>();
		// The kind one short of full.
		let full = T::MaxServicesPerKind::get();
		for i in 0..full - 1 {
			let owner = funded::<T>("operator", i);
			register::<T>(&owner, ServiceKind::Seed, i);
		}
		let owner = funded::<T>("new", 0);
		let peer = sp_io::crypto::ed25519_generate(KEYS, None);
		let payload =
			registration_payload(&Pallet::<T>::genesis(), ServiceKind::Seed, &owner.encode());
		let sig = sp_io::crypto::ed25519_sign(KEYS, &peer, &payload).unwrap();
		let at: AddrOf =
			b"/ip6/2a00:1450:4001:81a::200e/udp/65535/quic-v1".to_vec().try_into().unwrap();
		#[extrinsic_call]
		_(RawOrigin::Signed(owner), ServiceKind::Seed, peer.0, at, sig.0);
		assert_eq!(ServiceCount::<T>::get(ServiceKind::Seed), full);
	}

	#[benchmark]
	fn set_address() {
		setup::<T>();
		let owner = funded::<T>("operator", 0);
		let id = register::<T>(&owner, ServiceKind::Relay, 0);
		let at = addr_of(7);
		#[extrinsic_call]
		_(RawOrigin::Signed(owner), id, at.clone());
		assert_eq!(Services::<T>::get(id).unwrap().addr, at);
	}

	#[benchmark]
	fn unbond() {
		setup::<T>();
		let owner = funded::<T>("operator", 0);
		let id = register::<T>(&owner, ServiceKind::Relay, 0);
		#[extrinsic_call]
		_(RawOrigin::Signed(owner), id);
		assert!(matches!(Services::<T>::get(id).unwrap().status, Status::Unbonding { .. }));
	}

	#[benchmark]
	fn withdraw() {
		setup::<T>();
		let owner = funded::<T>("operator", 0);
		let id = register::<T>(&owner, ServiceKind::Relay, 0);
		Pallet::<T>::unbond(RawOrigin::Signed(owner.clone()).into(), id).unwrap();
		CurrentRound::<T>::mutate(|r| r.as_mut().unwrap().era = 10);
		#[extrinsic_call]
		_(RawOrigin::Signed(owner), id);
		assert!(Services::<T>::get(id).is_none());
	}

	#[benchmark]
	fn resume() {
		setup::<T>();
		let owner = funded::<T>("operator", 0);
		let id = register::<T>(&owner, ServiceKind::Relay, 0);
		// A slashed (so suspended) bond is topped up: the worst case.
		let root = T::SlashOrigin::try_successful_origin().unwrap();
		Pallet::<T>::slash(root, id, 1u32.into()).unwrap();
		#[extrinsic_call]
		_(RawOrigin::Signed(owner), id);
		assert_eq!(Services::<T>::get(id).unwrap().status, Status::Active);
	}

	#[benchmark]
	fn report(n: Linear<1, { max_services::<T>() }>) {
		setup::<T>();
		let keys = probers::<T>(T::MaxProbers::get());
		let ids: Vec<ServiceId> = (0..n).collect();
		let (signed, signature) = report_of::<T>(&keys[keys.len() - 1], &ids);
		#[extrinsic_call]
		_(RawOrigin::Authorized, signed, signature);
		assert_eq!(Reports::<T>::iter().count(), 1);
	}

	#[benchmark]
	fn authorize_report(n: Linear<1, { max_services::<T>() }>) -> Result<(), BenchmarkError> {
		setup::<T>();
		let keys = probers::<T>(T::MaxProbers::get());
		let ids: Vec<ServiceId> = (0..n).collect();
		let (signed, signature) = report_of::<T>(&keys[keys.len() - 1], &ids);
		let call = Call::<T>::report { report: signed, signature };
		#[block]
		{
			call.authorize(TransactionSource::External)
				.ok_or("not authorized")?
				.map_err(|_| "invalid")?;
		}
		Ok(())
	}

	#[benchmark]
	fn claim() {
		setup::<T>();
		let ids = services::<T>(1);
		let payee = Services::<T>::get(ids[0]).unwrap().owner;
		let unit: BalanceOf<T> = 1_000_000u32.into();
		Eras::<T>::insert(
			1,
			EraSummary {
				rounds: 1,
				counted: 1,
				settled: true,
				budget: unit,
				demand: [unit; 3],
				available: [unit; 3],
				promised: unit,
				..Default::default()
			},
		);
		Owed::<T>::put(unit);
		Scores::<T>::insert(
			1,
			ids[0],
			Score {
				kind: ServiceKind::Seed,
				payee: payee.clone(),
				up: 1,
				counted: 1,
				up_rounds: [1; 32],
				due: unit,
				paid: false,
			},
		);
		let before = T::Currency::balance(&payee);
		#[extrinsic_call]
		_(RawOrigin::Signed(payee.clone()), ids[0], 1);
		assert_eq!(T::Currency::balance(&payee), before + unit);
	}

	#[benchmark]
	fn slash() -> Result<(), BenchmarkError> {
		setup::<T>();
		let ids = services::<T>(1);
		let origin =
			T::SlashOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, ids[0], 1u32.into());
		assert_eq!(Services::<T>::get(ids[0]).unwrap().status, Status::Suspended);
		Ok(())
	}

	#[benchmark]
	fn set_params() -> Result<(), BenchmarkError> {
		let origin =
			T::ParamsOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, params::<T>());
		assert!(OperatorParams::<T>::get().is_some());
		Ok(())
	}

	/// A round boundary whose tally and settlement are costed apart: nothing to tally.
	#[benchmark]
	fn advance() {
		setup::<T>();
		PreviousRound::<T>::kill();
		let now: frame_system::pallet_prelude::BlockNumberFor<T> = 100u32.into();
		#[block]
		{
			Pallet::<T>::advance(now);
		}
		assert_eq!(CurrentRound::<T>::get().unwrap().round, 2);
	}

	/// Tallies a round of `s` services (all participating) with `p` reports on each.
	#[benchmark]
	fn tally(s: Linear<0, { max_services::<T>() }>, p: Linear<1, { T::MaxProbers::get() }>) {
		setup::<T>();
		let ids = services::<T>(s);
		let keys = probers::<T>(p);
		for (i, key) in keys.iter().enumerate() {
			let (signed, _) = report_of::<T>(key, &ids);
			Reports::<T>::insert(
				(1, 0),
				account::<T::AccountId>("prober", i as u32, 0),
				signed.results,
			);
		}
		let prev = PreviousRound::<T>::get().unwrap();
		#[block]
		{
			Pallet::<T>::tally(&prev);
		}
		assert_eq!(Eras::<T>::get(1).unwrap().counted, 1);
	}

	/// Closes an era with `s` scores, striking every one below the minimum, and forgets the
	/// era that leaves the window with as many.
	#[benchmark]
	fn settle(s: Linear<0, { max_services::<T>() }>) {
		setup::<T>();
		let ids = services::<T>(s);
		let era = T::HistoryDepth::get() + 1;
		Eras::<T>::insert(era, EraSummary { rounds: 2, counted: 2, ..Default::default() });
		Eras::<T>::insert(
			1,
			EraSummary { rounds: 2, counted: 2, settled: true, ..Default::default() },
		);
		for (i, id) in ids.iter().enumerate() {
			let score = Score {
				kind: ServiceKind::ALL[i % 3],
				payee: account::<T::AccountId>("operator", i as u32, 0),
				up: (i % 3) as u32,
				counted: 2,
				up_rounds: [0; 32],
				due: 0u32.into(),
				paid: false,
			};
			Scores::<T>::insert(era, id, score.clone());
			Scores::<T>::insert(1, id, score);
		}
		let p = params::<T>();
		// The era leaving the window has its round logs too.
		for round in 0..MAX_ROUNDS_PER_ERA {
			Rounds::<T>::insert(1, round, RoundLog::default());
		}
		#[block]
		{
			Pallet::<T>::settle(era, &p);
		}
		assert!(Eras::<T>::get(era).unwrap().settled);
		assert!(Eras::<T>::get(1).is_none());
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
