//! The validator set of ddns.
//!
//! Root (or whatever governance origin the runtime configures) adds and removes validators.
//! `pallet-session` asks this pallet for the next set at each session rotation
//! ([`pallet_session::SessionManager`]); a change made during session `n` is planned at the end
//! of `n` and takes effect at the start of session `n + 2`, the way `pallet-session` queues keys.
//!
//! The authority set can never be emptied:
//! - A validator must have set its session keys (`session.setKeys`) before it is added, and a
//!   removal must leave at least `MinValidators` validators with keys.
//! - A validator may still purge its keys (`session.purgeKeys`) while listed. At each rotation
//!   the set handed to the session pallet is the listed validators that have keys; when fewer
//!   than `MinValidators` have, no new set is planned, and [`KeepAuthoritiesWhenEmpty`] keeps
//!   Aura and GRANDPA on their last authorities if the session pallet's own set runs empty. The
//!   chain goes on with the keys its validators still hold, until governance adds a keyed one.
//! - A new set is planned only when the keyed set differs from the last one planned, so GRANDPA
//!   moves to a new authority set only when something changed (a key rotation is still seen by
//!   the session pallet itself).

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

use frame_support::{
	traits::{Contains, Get},
	BoundedVec,
};

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

	/// Whether the set changed since the session pallet last asked for it.
	#[pallet::storage]
	pub type Changed<T: Config> = StorageValue<_, bool, ValueQuery>;

	/// The keyed set last handed to the session pallet (empty after a rotation that found too
	/// few keyed validators, so that the next one with enough plans them again).
	#[pallet::storage]
	pub type Planned<T: Config> =
		StorageValue<_, BoundedVec<T::AccountId, T::MaxValidators>, ValueQuery>;

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

impl<T: Config> Pallet<T> {
	/// The listed validators that have session keys, in list order.
	pub fn keyed() -> BoundedVec<T::AccountId, T::MaxValidators> {
		let mut set = Validators::<T>::get();
		set.retain(T::HasSessionKeys::contains);
		set
	}
}

impl<T: Config> pallet_session::SessionManager<T::AccountId> for Pallet<T> {
	/// The listed validators with keys, when they are enough and differ from the last set
	/// planned; otherwise `None`, and the session pallet keeps its current set.
	fn new_session(index: u32) -> Option<alloc::vec::Vec<T::AccountId>> {
		Changed::<T>::kill();
		let keyed = Self::keyed();
		if (keyed.len() as u32) < T::MinValidators::get().max(1) {
			log::warn!(
				target: "runtime::validators",
				"session {index}: only {} listed validators have session keys; keeping the set",
				keyed.len(),
			);
			Planned::<T>::kill();
			return None;
		}
		if keyed == Planned::<T>::get() {
			return None;
		}
		Planned::<T>::put(&keyed);
		Some(keyed.into_inner())
	}

	fn end_session(_index: u32) {}

	fn start_session(_index: u32) {}
}

/// Passes every session event to `Inner` (the runtime's Aura and GRANDPA handlers), except a
/// rotation to an empty validator set: that would leave Aura with nobody to author and make
/// GRANDPA schedule an empty authority set, which the client refuses to import, halting the
/// chain for good. Such a rotation is skipped, and the consensus engines keep their last
/// authorities until a non-empty set arrives.
pub struct KeepAuthoritiesWhenEmpty<Inner>(core::marker::PhantomData<Inner>);

impl<V, Inner: pallet_session::SessionHandler<V>> pallet_session::SessionHandler<V>
	for KeepAuthoritiesWhenEmpty<Inner>
{
	const KEY_TYPE_IDS: &'static [sp_runtime::KeyTypeId] = Inner::KEY_TYPE_IDS;

	fn on_genesis_session<Ks: sp_runtime::traits::OpaqueKeys>(validators: &[(V, Ks)]) {
		Inner::on_genesis_session(validators)
	}

	fn on_new_session<Ks: sp_runtime::traits::OpaqueKeys>(
		changed: bool,
		validators: &[(V, Ks)],
		queued_validators: &[(V, Ks)],
	) {
		if validators.is_empty() {
			log::warn!(
				target: "runtime::validators",
				"the session's validator set is empty; the consensus authorities stay as they are",
			);
			return;
		}
		Inner::on_new_session(changed, validators, queued_validators)
	}

	fn on_before_session_ending() {
		Inner::on_before_session_ending()
	}

	fn on_disabled(validator_index: u32) {
		Inner::on_disabled(validator_index)
	}
}
