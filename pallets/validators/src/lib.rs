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
//!
//! Validators are paid a block reward: `BlockReward` is minted to the author of every block at
//! its initialization (on top of the author's share of the fees, which the runtime pays). The
//! reward is the chain's emission; governance sets it (`set_block_reward`, at most
//! `MaxBlockReward`), and it may be zero.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

use frame_support::{
	traits::{fungible, Contains, Get},
	BoundedVec,
};

/// The balance type of the token rewards are minted in.
pub type BalanceOf<T> =
	<<T as Config>::Currency as fungible::Inspect<<T as frame_system::Config>::AccountId>>::Balance;

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
		traits::{BuildGenesisConfig, Contains, FindAuthor},
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

		/// The token block rewards are minted in.
		type Currency: fungible::Mutate<Self::AccountId>;

		/// Who authored the block being built (in the runtime: Aura's slot author, mapped to
		/// its account through the session's validator list).
		type FindAuthor: FindAuthor<Self::AccountId>;

		/// Who may change the block reward (governance).
		type RewardOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// The highest block reward governance may set: a bound on emission that a mistaken or
		/// hostile motion cannot exceed.
		#[pallet::constant]
		type MaxBlockReward: Get<BalanceOf<Self>>;

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

	/// Minted to the author of every block: the chain's emission.
	#[pallet::storage]
	pub type BlockReward<T: Config> = StorageValue<_, BalanceOf<T>, ValueQuery>;

	/// The author of the block being built, found at its initialization (before a session
	/// rotation in the same block changes the validator list) and removed at its finalization.
	/// The runtime pays the block's fee share to it.
	#[pallet::storage]
	pub type Author<T: Config> = StorageValue<_, T::AccountId, OptionQuery>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// The validators from the first block (they also need session keys in
		/// `pallet-session`'s genesis).
		pub initial: Vec<T::AccountId>,
		/// The block reward from the first block.
		pub block_reward: BalanceOf<T>,
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
			assert!(
				self.block_reward <= T::MaxBlockReward::get(),
				"genesis: block reward above MaxBlockReward"
			);
			BlockReward::<T>::put(self.block_reward);
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(_n: BlockNumberFor<T>) -> Weight {
			Self::reward_author();
			// And the removal of `Author` at finalization.
			T::WeightInfo::reward_author().saturating_add(T::DbWeight::get().writes(1))
		}

		fn on_finalize(_n: BlockNumberFor<T>) {
			Author::<T>::kill();
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// `who` joins the set from the session after next.
		ValidatorAdded { who: T::AccountId },
		/// `who` leaves the set from the session after next.
		ValidatorRemoved { who: T::AccountId },
		/// From the next block, `reward` is minted to each block's author.
		BlockRewardSet { reward: BalanceOf<T> },
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
		/// The block reward asked for is above `MaxBlockReward`.
		RewardTooHigh,
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

		/// Sets the reward minted to every block's author from the next block on (zero stops
		/// emission).
		///
		/// Emits `BlockRewardSet`. Errors: `RewardTooHigh`.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::set_block_reward())]
		pub fn set_block_reward(origin: OriginFor<T>, reward: BalanceOf<T>) -> DispatchResult {
			T::RewardOrigin::ensure_origin(origin)?;
			ensure!(reward <= T::MaxBlockReward::get(), Error::<T>::RewardTooHigh);
			BlockReward::<T>::put(reward);
			Self::deposit_event(Event::BlockRewardSet { reward });
			Ok(())
		}
	}
}

impl<T: Config> Pallet<T> {
	/// Notes the author of the block being built ([`Author`]) and mints the block reward to
	/// it. Nothing is minted when the reward is zero, the author cannot be told, or the mint
	/// fails (a reward below the existential deposit to an account that does not exist).
	pub(crate) fn reward_author() {
		use frame_support::traits::FindAuthor;
		use sp_runtime::traits::Zero;
		let digest = frame_system::Pallet::<T>::digest();
		let pre_runtime = digest.logs().iter().filter_map(|d| d.as_pre_runtime());
		let Some(author) = T::FindAuthor::find_author(pre_runtime) else { return };
		Author::<T>::put(&author);
		let reward = BlockReward::<T>::get();
		if reward.is_zero() {
			return;
		}
		if let Err(e) = <T::Currency as fungible::Mutate<_>>::mint_into(&author, reward) {
			log::warn!(target: "runtime::validators", "block reward not minted: {e:?}");
		}
	}

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
