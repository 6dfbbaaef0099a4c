//! Benchmarks of every call and of the per-block lifecycle work, each in its worst case.

use super::*;
use crate::{Lifecycle, Name, Tenure};
use alloc::{format, vec, vec::Vec};
use ddns_primitives::record::{RecordInput, MAX_RECORDS};
use frame_benchmarking::v2::*;
use frame_support::traits::{
	fungible::{Inspect, Mutate, MutateHold},
	tokens::Precision,
	Get, Hooks,
};
use frame_system::{pallet_prelude::BlockNumberFor, RawOrigin};
use sp_runtime::traits::{Bounded, One, Saturating};

const SECRET: [u8; 32] = [42; 32];

/// An account with funds for any benchmark; a few of them fit in the total issuance.
fn funded<T: Config>(name: &'static str, index: u32) -> T::AccountId {
	let who: T::AccountId = account(name, index, 0);
	let _ = T::Currency::set_balance(&who, BalanceOf::<T>::max_value() / 32u32.into());
	who
}

/// The longest registrable name: one 63-byte label under `.ddns` (68 bytes).
fn long_name(tag: u32) -> Name {
	format!("{tag:0>63}.ddns").into_bytes().try_into().expect("68 bytes fit; qed")
}

fn bench_params<T: Config>() -> ParamsOf<T> {
	let params = RegistryParams::<T>::get().unwrap_or_else(|| Params {
		period: 100u32.into(),
		max_periods: 10,
		grace: 20u32.into(),
		premium_window: 40u32.into(),
		premium_halving: 10u32.into(),
		premium_start: 1_000_000u32.into(),
		rent: [100_000u32.into(), 10_000u32.into(), 1_000u32.into()],
		burn: sp_runtime::Perbill::from_percent(50),
		deposit_base: 100u32.into(),
		deposit_per_byte: 1u32.into(),
		commitment_deposit: 100u32.into(),
		min_commitment_age: 1u32.into(),
		max_commitment_age: 100u32.into(),
	});
	RegistryParams::<T>::put(&params);
	// The pot exists from genesis on a real chain.
	let _ = T::Currency::set_balance(&Pallet::<T>::reward_pot(), T::Currency::minimum_balance());
	params
}

fn advance<T: Config>(blocks: BlockNumberFor<T>) {
	let now = frame_system::Pallet::<T>::block_number();
	frame_system::Pallet::<T>::set_block_number(now.saturating_add(blocks));
}

/// Registers `name` to `owner` through commit and reveal.
fn register_name<T: Config>(owner: &T::AccountId, name: &Name) -> Result<(), BenchmarkError> {
	let params = bench_params::<T>();
	let c = Pallet::<T>::commitment_of(name, owner, &SECRET);
	Pallet::<T>::commit(RawOrigin::Signed(owner.clone()).into(), c)?;
	advance::<T>(params.min_commitment_age);
	Pallet::<T>::register(
		RawOrigin::Signed(owner.clone()).into(),
		name.to_vec(),
		owner.clone(),
		SECRET,
		1,
	)?;
	Ok(())
}

/// Registers `name` to `owner`, committed by a third account and paid by `payer`.
fn register_for<T: Config>(
	payer: &T::AccountId,
	owner: &T::AccountId,
	name: &Name,
) -> Result<(), BenchmarkError> {
	let params = bench_params::<T>();
	let committer = funded::<T>("committer", 1);
	let c = Pallet::<T>::commitment_of(name, owner, &SECRET);
	Pallet::<T>::commit(RawOrigin::Signed(committer).into(), c)?;
	advance::<T>(params.min_commitment_age);
	Pallet::<T>::register(
		RawOrigin::Signed(payer.clone()).into(),
		name.to_vec(),
		owner.clone(),
		SECRET,
		1,
	)?;
	Ok(())
}

/// Sets `who`'s primary name to `name`.
fn primary<T: Config>(who: &T::AccountId, name: &Name) -> Result<(), BenchmarkError> {
	Pallet::<T>::set_primary(RawOrigin::Signed(who.clone()).into(), Some(name.to_vec()))?;
	Ok(())
}

/// A full record set of the largest records, as `set_records` takes it.
fn full_records(n: u32) -> Vec<RecordInput> {
	let text = vec![b't'; ddns_primitives::record::MAX_TXT_LEN as usize];
	let records: Vec<RecordInput> = (0..n)
		.map(|i| {
			let mut t = text.clone();
			t[0] = b'a' + (i % 26) as u8;
			t[1] = b'a' + (i / 26) as u8;
			RecordInput::Txt(t)
		})
		.collect();
	records
}

/// Makes `api.<parent>` for `owner`, paid by `who`, and returns its name.
fn api_child<T: Config>(
	who: &T::AccountId,
	parent: &Name,
	owner: &T::AccountId,
) -> Result<Name, BenchmarkError> {
	Pallet::<T>::create_subdomain(
		RawOrigin::Signed(who.clone()).into(),
		parent.to_vec(),
		b"api".to_vec(),
		owner.clone(),
	)?;
	let mut child = b"api.".to_vec();
	child.extend_from_slice(parent);
	Ok(child.try_into().expect("a 68-byte parent leaves room; qed"))
}

/// Gives `name` the most subdomains, each with a full record set.
fn fill_children<T: Config>(owner: &T::AccountId, name: &Name) -> Result<(), BenchmarkError> {
	for i in 0..T::MaxSubdomains::get() {
		Pallet::<T>::create_subdomain(
			RawOrigin::Signed(owner.clone()).into(),
			name.to_vec(),
			format!("c{i}").into_bytes(),
			owner.clone(),
		)?;
	}
	Ok(())
}

/// Registers the longest name to `who` with a full record set and the most subdomains: the
/// costliest name to remove.
fn loaded_name<T: Config>(who: &T::AccountId) -> Result<Name, BenchmarkError> {
	let name = long_name(1);
	register_name::<T>(who, &name)?;
	Pallet::<T>::set_records(
		RawOrigin::Signed(who.clone()).into(),
		name.to_vec(),
		full_records(MAX_RECORDS),
	)?;
	fill_children::<T>(who, &name)?;
	Ok(name)
}

#[benchmarks]
mod benches {
	use super::*;

	#[benchmark]
	fn commit() {
		bench_params::<T>();
		let who = funded::<T>("who", 0);
		let c = Pallet::<T>::commitment_of(b"bench.ddns", &who, &SECRET);
		#[extrinsic_call]
		_(RawOrigin::Signed(who), c);
		assert!(Commitments::<T>::contains_key(c));
	}

	#[benchmark]
	fn clear_commitment() -> Result<(), BenchmarkError> {
		let params = bench_params::<T>();
		let who = funded::<T>("who", 0);
		let c = Pallet::<T>::commitment_of(b"bench.ddns", &who, &SECRET);
		Pallet::<T>::commit(RawOrigin::Signed(who.clone()).into(), c)?;
		advance::<T>(params.max_commitment_age.saturating_add(One::one()));
		#[extrinsic_call]
		_(RawOrigin::Signed(who), c);
		assert!(!Commitments::<T>::contains_key(c));
		Ok(())
	}

	/// A name nobody held: what nearly every registration costs. The commitment was made by
	/// another account, whose deposit is released (one more account touched).
	#[benchmark]
	fn register() -> Result<(), BenchmarkError> {
		let params = bench_params::<T>();
		let who = funded::<T>("who", 0);
		let committer = funded::<T>("committer", 0);
		let name = long_name(1);
		let c = Pallet::<T>::commitment_of(&name, &who, &SECRET);
		Pallet::<T>::commit(RawOrigin::Signed(committer).into(), c)?;
		advance::<T>(params.min_commitment_age);
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), name.to_vec(), who.clone(), SECRET, 1);
		assert_eq!(Names::<T>::get(&name).map(|i| i.owner), Some(who));
		Ok(())
	}

	/// Worst case: the name is in its premium window with a full record set, the most
	/// subdomains and its owner's primary name, so the old holder is evicted and premium is
	/// computed; the commitment was made by another account.
	#[benchmark]
	fn register_lapsed() -> Result<(), BenchmarkError> {
		let params = bench_params::<T>();
		let old = funded::<T>("old", 0);
		let name = loaded_name::<T>(&old)?;
		primary::<T>(&old, &name)?;
		// Into the premium window.
		advance::<T>(params.period.saturating_add(params.grace).saturating_add(One::one()));
		let who = funded::<T>("who", 0);
		let committer = funded::<T>("committer", 0);
		let c = Pallet::<T>::commitment_of(&name, &who, &SECRET);
		Pallet::<T>::commit(RawOrigin::Signed(committer).into(), c)?;
		advance::<T>(params.min_commitment_age);
		#[extrinsic_call]
		register(RawOrigin::Signed(who.clone()), name.to_vec(), who.clone(), SECRET, 1);
		assert_eq!(Names::<T>::get(&name).map(|i| i.owner), Some(who));
		Ok(())
	}

	#[benchmark]
	fn renew() -> Result<(), BenchmarkError> {
		let who = funded::<T>("who", 0);
		let name = long_name(1);
		register_name::<T>(&who, &name)?;
		#[extrinsic_call]
		_(RawOrigin::Signed(who), name.to_vec(), 1);
		Ok(())
	}

	/// Worst case: the entry's deposit was paid by another account and the owner holds a full
	/// record set's, so both move; the owner's primary name goes.
	#[benchmark]
	fn transfer() -> Result<(), BenchmarkError> {
		let who = funded::<T>("who", 0);
		let payer = funded::<T>("payer", 0);
		let to = funded::<T>("to", 0);
		let name = long_name(1);
		register_for::<T>(&payer, &who, &name)?;
		Pallet::<T>::set_records(
			RawOrigin::Signed(who.clone()).into(),
			name.to_vec(),
			full_records(MAX_RECORDS),
		)?;
		primary::<T>(&who, &name)?;
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), name.to_vec(), to.clone());
		assert_eq!(Names::<T>::get(&name).map(|i| i.depositor), Some(to.clone()));
		assert_eq!(Records::<T>::get(&name).map(|r| r.depositor), Some(to));
		assert!(!Primary::<T>::contains_key(&who));
		Ok(())
	}

	/// Worst case: full records and the most subdomains to queue.
	#[benchmark]
	fn release() -> Result<(), BenchmarkError> {
		let who = funded::<T>("who", 0);
		let name = loaded_name::<T>(&who)?;
		#[extrinsic_call]
		_(RawOrigin::Signed(who), name.to_vec());
		assert!(!Names::<T>::contains_key(&name));
		Ok(())
	}

	#[benchmark]
	fn set_node_key() -> Result<(), BenchmarkError> {
		let who = funded::<T>("who", 0);
		let name = long_name(1);
		register_name::<T>(&who, &name)?;
		#[extrinsic_call]
		_(RawOrigin::Signed(who), name.to_vec(), Some([7u8; 32]));
		Ok(())
	}

	/// Replacing a full set held by another depositor with `n` records. (Deposits now move
	/// with the name, but records set before they did may still be held by an earlier owner.)
	#[benchmark]
	fn set_records(n: Linear<1, MAX_RECORDS>) -> Result<(), BenchmarkError> {
		let who = funded::<T>("who", 0);
		let other = funded::<T>("other", 0);
		let name = long_name(1);
		register_name::<T>(&who, &name)?;
		Pallet::<T>::set_records(
			RawOrigin::Signed(who.clone()).into(),
			name.to_vec(),
			full_records(MAX_RECORDS),
		)?;
		// The deposit becomes another account's.
		let mut old = Records::<T>::get(&name).ok_or(BenchmarkError::Weightless)?;
		let reason = HoldReason::NameDeposit.into();
		T::Currency::release(&reason, &who, old.deposit, Precision::Exact)?;
		T::Currency::hold(&reason, &other, old.deposit)?;
		old.depositor = other;
		Records::<T>::insert(&name, old);
		let mut records = full_records(n);
		if let Some(RecordInput::Txt(t)) = records.get_mut(0) {
			t[2] = b'x';
		}
		#[extrinsic_call]
		_(RawOrigin::Signed(who), name.to_vec(), records);
		assert!(Records::<T>::contains_key(&name));
		Ok(())
	}

	/// Worst case: a dead child of the same name is evicted in place (a full record set, the
	/// most children to queue, deposits of two other accounts, its owner's primary name), under
	/// the deepest parent such a child can have (4 labels, so the child's children fit under
	/// `MAX_DEPTH`), whose lookup walks up two levels.
	#[benchmark]
	fn create_subdomain() -> Result<(), BenchmarkError> {
		let who = funded::<T>("who", 0);
		let other = funded::<T>("other", 0);
		let top = long_name(1);
		register_name::<T>(&who, &top)?;
		let mid = api_child::<T>(&who, &top, &who)?;
		let parent = api_child::<T>(&who, &mid, &who)?;
		let label = vec![b'l'; 63];
		let mut child = label.clone();
		child.push(b'.');
		child.extend_from_slice(&parent);
		let child: Name = child.try_into().map_err(|_| BenchmarkError::Weightless)?;
		// The child, loaded, and owned by another account who set its records.
		Pallet::<T>::create_subdomain(
			RawOrigin::Signed(who.clone()).into(),
			parent.to_vec(),
			label.clone(),
			other.clone(),
		)?;
		Pallet::<T>::set_records(
			RawOrigin::Signed(other.clone()).into(),
			child.to_vec(),
			full_records(MAX_RECORDS),
		)?;
		fill_children::<T>(&other, &child)?;
		primary::<T>(&other, &child)?;
		// The parent is made again: the child belongs to its earlier term and is dead.
		Pallet::<T>::release(RawOrigin::Signed(who.clone()).into(), parent.to_vec())?;
		api_child::<T>(&who, &mid, &who)?;
		assert!(PurgeQueue::<T>::contains_key(&child));
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), parent.to_vec(), label, who.clone());
		assert_eq!(Names::<T>::get(&child).map(|i| i.owner), Some(who));
		assert!(!Primary::<T>::contains_key(&other));
		Ok(())
	}

	/// Worst case: the child's deposit was paid by the parent's previous owner, its owner holds
	/// a full record set's, so both move; its owner's primary name goes.
	#[benchmark]
	fn take_back_subdomain() -> Result<(), BenchmarkError> {
		let who = funded::<T>("who", 0);
		let maker = funded::<T>("maker", 0);
		let other = funded::<T>("other", 0);
		let name = long_name(1);
		register_name::<T>(&maker, &name)?;
		let child = api_child::<T>(&maker, &name, &other)?;
		Pallet::<T>::transfer(RawOrigin::Signed(maker).into(), name.to_vec(), who.clone())?;
		Pallet::<T>::set_records(
			RawOrigin::Signed(other.clone()).into(),
			child.to_vec(),
			full_records(MAX_RECORDS),
		)?;
		primary::<T>(&other, &child)?;
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), child.to_vec());
		assert_eq!(Names::<T>::get(&child).map(|i| i.owner), Some(who));
		Ok(())
	}

	#[benchmark]
	fn lock_subdomain() -> Result<(), BenchmarkError> {
		let who = funded::<T>("who", 0);
		let name = long_name(1);
		register_name::<T>(&who, &name)?;
		let child = api_child::<T>(&who, &name, &who)?;
		#[extrinsic_call]
		_(RawOrigin::Signed(who), child.to_vec());
		assert!(matches!(
			Names::<T>::get(&child).map(|i| i.tenure),
			Some(Tenure::Sub { locked: true, .. })
		));
		Ok(())
	}

	#[benchmark]
	fn set_primary() -> Result<(), BenchmarkError> {
		let who = funded::<T>("who", 0);
		let name = long_name(1);
		register_name::<T>(&who, &name)?;
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), Some(name.to_vec()));
		assert!(Primary::<T>::contains_key(&who));
		Ok(())
	}

	#[benchmark]
	fn set_params() {
		let params = bench_params::<T>();
		#[extrinsic_call]
		_(RawOrigin::Root, params);
	}

	/// `on_initialize` with nothing to do but the fixed reads.
	#[benchmark]
	fn lifecycle_base() {
		bench_params::<T>();
		let now = frame_system::Pallet::<T>::block_number();
		TimelineCursor::<T>::put(now.saturating_add(One::one()));
		#[block]
		{
			Pallet::<T>::on_initialize(now);
		}
	}

	/// One subdomain removed from the purge queue, with full records and a full set of its own
	/// children to queue. Exactly one: the children it queues are purges of their own, charged
	/// each as they come (run through `on_initialize`, the block went on to purge them too).
	#[benchmark]
	fn lifecycle_purge() -> Result<(), BenchmarkError> {
		let who = funded::<T>("who", 0);
		let name = long_name(1);
		register_name::<T>(&who, &name)?;
		let child = api_child::<T>(&who, &name, &who)?;
		Pallet::<T>::set_records(
			RawOrigin::Signed(who.clone()).into(),
			child.to_vec(),
			full_records(MAX_RECORDS),
		)?;
		fill_children::<T>(&who, &child)?;
		Pallet::<T>::release(RawOrigin::Signed(who).into(), name.to_vec())?;
		assert_eq!(PurgeQueueLen::<T>::get(), 1);
		#[block]
		{
			Pallet::<T>::purge_next(&mut 0);
		}
		assert!(!Names::<T>::contains_key(&child));
		assert_eq!(PurgeQueueLen::<T>::get(), T::MaxSubdomains::get());
		Ok(())
	}

	/// One timeline entry that frees a name with full records and the most subdomains.
	#[benchmark]
	fn lifecycle_transition() -> Result<(), BenchmarkError> {
		let params = bench_params::<T>();
		let who = funded::<T>("who", 0);
		let name = loaded_name::<T>(&who)?;
		let mut info = Names::<T>::get(&name).ok_or(BenchmarkError::Weightless)?;
		let Tenure::Registered { expires_at } = info.tenure else {
			return Err(BenchmarkError::Weightless);
		};
		let free_at = expires_at.saturating_add(params.grace).saturating_add(params.premium_window);
		// Announced up to Premium; the entry that frees it comes due now.
		Timeline::<T>::remove(info.wake_at, &name);
		info.phase = Lifecycle::Premium;
		info.wake_at = free_at;
		Names::<T>::insert(&name, info);
		Timeline::<T>::insert(free_at, &name, ());
		TimelineCursor::<T>::put(free_at);
		frame_system::Pallet::<T>::set_block_number(free_at);
		#[block]
		{
			Pallet::<T>::on_initialize(free_at);
		}
		assert!(!Names::<T>::contains_key(&name));
		Ok(())
	}

	/// Empty blocks of the timeline stepped over.
	#[benchmark]
	fn lifecycle_skip() {
		bench_params::<T>();
		let now = frame_system::Pallet::<T>::block_number();
		TimelineCursor::<T>::put(now);
		#[block]
		{
			Pallet::<T>::on_initialize(now);
		}
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
