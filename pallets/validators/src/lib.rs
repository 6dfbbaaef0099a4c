//! The validator set of ddns.
//!
//! Root (or whatever governance origin the runtime configures) adds and removes validators.
//! `pallet-session` asks this pallet for the next set at each session rotation
//! ([`pallet_session::SessionManager`]); a change made during session `n` is planned at the end
//! of `n` and takes effect at the start of session `n + 2`, the way `pallet-session` queues keys.
//! A validator must have set its session keys (`session.setKeys`) before it is added, and a
//! removal must leave at least `MinValidators` validators with keys, so the authority set can
//! never be emptied. The whole set is handed to the session pallet at every rotation, so a
//! validator that sets its keys again after purging them is picked up without another call.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod weights;
pub use weights::WeightInfo;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use alloc::vec::Vec;
	use frame_support::{
		pallet_prelude::*,
		traits::{BuildGenesisConfig, Contains},
	};
	use frame_system::pallet_prelude::*;

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// Who may add and remove validators.
		type AddRemoveOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Most validators in the set.
		#[pallet::constant]
		type MaxValidators: Get<u32>;

		/// Fewest validators with session keys; removals below it are refused.
		#[pallet::constant]
		type MinValidators: Get<u32>;

		/// Accounts that have session keys set (in the runtime: `pallet_session::NextKeys`).
		type HasSessionKeys: Contains<Self::AccountId>;

		type WeightInfo: WeightInfo;
	}

	/// The validator set the next session rotation plans.
	#[pallet::storage]
	pub type Validators<T: Config> =
		StorageValue<_, BoundedVec<T::AccountId, T::MaxValidators>, ValueQuery>;

	/// Whether the set changed since the session pallet last asked for it (for clients: the
	/// session pallet gets the whole set at every rotation).
	#[pallet::storage]
	pub type Changed<T: Config> = StorageValue<_, bool, ValueQuery>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// The validators from the first block (they also need session keys in
		/// `pallet-session`'s genesis).
		pub initial: Vec<T::AccountId>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			let set: BoundedVec<_, _> = self
				.initial
				.clone()
				.try_into()
				.expect("genesis: more validators than MaxValidators");
			Validators::<T>::put(set);
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// `who` joins the set from the session after next.
		ValidatorAdded { who: T::AccountId },
		/// `who` leaves the set from the session after next.
		ValidatorRemoved { who: T::AccountId },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The account is already in the set.
		AlreadyValidator,
		/// The account is not in the set.
		NotValidator,
		/// The set is full.
		TooManyValidators,
		/// The set would fall below the minimum of validators with session keys.
		TooFewValidators,
		/// The account has not set session keys (`session.setKeys`).
		NoSessionKeys,
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Adds `who` to the validator set. `who` must have set session keys.
		///
		/// Emits `ValidatorAdded`. Errors: `NoSessionKeys`, `AlreadyValidator`,
		/// `TooManyValidators`.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::add_validator())]
		pub fn add_validator(origin: OriginFor<T>, who: T::AccountId) -> DispatchResult {
			T::AddRemoveOrigin::ensure_origin(origin)?;
			ensure!(T::HasSessionKeys::contains(&who), Error::<T>::NoSessionKeys);
			Validators::<T>::try_mutate(|set| {
				ensure!(!set.contains(&who), Error::<T>::AlreadyValidator);
				set.try_push(who.clone()).map_err(|_| Error::<T>::TooManyValidators)
			})?;
			Changed::<T>::put(true);
			Self::deposit_event(Event::ValidatorAdded { who });
			Ok(())
		}

		/// Removes `who` from the validator set.
		///
		/// Emits `ValidatorRemoved`. Errors: `NotValidator`, `TooFewValidators`.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::remove_validator())]
		pub fn remove_validator(origin: OriginFor<T>, who: T::AccountId) -> DispatchResult {
			T::AddRemoveOrigin::ensure_origin(origin)?;
			Validators::<T>::try_mutate(|set| {
				let at = set.iter().position(|v| *v == who).ok_or(Error::<T>::NotValidator)?;
				set.remove(at);
				let keyed = set.iter().filter(|v| T::HasSessionKeys::contains(v)).count();
				ensure!(keyed as u32 >= T::MinValidators::get(), Error::<T>::TooFewValidators);
				Ok::<_, DispatchError>(())
			})?;
			Changed::<T>::put(true);
			Self::deposit_event(Event::ValidatorRemoved { who });
			Ok(())
		}
	}
}

impl<T: Config> pallet_session::SessionManager<T::AccountId> for Pallet<T> {
	/// The whole set, at every rotation: the session pallet leaves out accounts without keys,
	/// so one that sets its keys later is included from then on.
	fn new_session(_index: u32) -> Option<alloc::vec::Vec<T::AccountId>> {
		Changed::<T>::kill();
		Some(Validators::<T>::get().into_inner())
	}

	fn end_session(_index: u32) {}

	fn start_session(_index: u32) {}
}
