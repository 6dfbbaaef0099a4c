//! Benchmarks of the validator-set calls, at their worst case: a set one short of full (add)
//! and a full set with the account last (remove, which checks every remaining account's keys).
//! The runtime's `HasSessionKeys` reads `pallet_session::NextKeys` and, in benchmark builds,
//! counts every account as keyed after the read, so the reads are measured and the calls pass.

use super::*;
use frame_benchmarking::v2::*;
use frame_support::traits::{EnsureOrigin, Get};

fn fill<T: Config>(n: u32) {
	let set: alloc::vec::Vec<T::AccountId> = (0..n).map(|i| account("validator", i, 0)).collect();
	Validators::<T>::put(frame_support::BoundedVec::try_from(set).expect("n ≤ MaxValidators"));
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn add_validator() -> Result<(), BenchmarkError> {
		fill::<T>(T::MaxValidators::get() - 1);
		let origin =
			T::AddRemoveOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let who: T::AccountId = account("new", 0, 0);
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, who.clone());
		assert!(Validators::<T>::get().contains(&who));
		Ok(())
	}

	#[benchmark]
	fn remove_validator() -> Result<(), BenchmarkError> {
		let max = T::MaxValidators::get();
		fill::<T>(max);
		let origin =
			T::AddRemoveOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let who: T::AccountId = account("validator", max - 1, 0);
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, who.clone());
		assert!(!Validators::<T>::get().contains(&who));
		Ok(())
	}

	#[benchmark]
	fn set_block_reward() -> Result<(), BenchmarkError> {
		let origin =
			T::RewardOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let reward = T::MaxBlockReward::get();
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, reward);
		assert!(BlockReward::<T>::get() == reward);
		Ok(())
	}

	/// The hook with a reward to mint and an author to find: an Aura pre-runtime digest for
	/// slot 0 (the runtime's `FindAuthor` maps it to the first session validator; other
	/// `FindAuthor`s ignore it).
	#[benchmark]
	fn reward_author() {
		use codec::Encode;
		BlockReward::<T>::put(T::MaxBlockReward::get());
		frame_system::Pallet::<T>::deposit_log(sp_runtime::DigestItem::PreRuntime(
			*b"aura",
			0u64.encode(),
		));
		#[block]
		{
			Pallet::<T>::reward_author();
		}
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
