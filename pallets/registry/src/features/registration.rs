//! Registering: commit and reveal, rent and deposits, renewal.

use crate::{pallet::*, Commitment, Lifecycle, Name, NameInfo, Tenure};
use ddns_primitives::name as rule;
use frame_support::{
	pallet_prelude::*,
	traits::{
		fungible::{Inspect, Mutate, MutateHold},
		tokens::{Fortitude, Precision, Preservation},
	},
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_core::H256;
use sp_runtime::traits::{CheckedAdd, CheckedMul, Saturating, Zero};

impl<T: Config> Pallet<T> {
	pub(crate) fn do_commit(who: T::AccountId, commitment: H256) -> DispatchResult {
		let params = Self::params()?;
		ensure!(!Commitments::<T>::contains_key(commitment), Error::<T>::CommitmentExists);
		T::Currency::hold(&HoldReason::Commitment.into(), &who, params.commitment_deposit)?;
		let at = frame_system::Pallet::<T>::block_number();
		Commitments::<T>::insert(
			commitment,
			Commitment { who: who.clone(), at, deposit: params.commitment_deposit },
		);
		Self::deposit_event(Event::Committed { commitment, who });
		Ok(())
	}

	pub(crate) fn do_clear_commitment(commitment: H256) -> DispatchResult {
		let params = Self::params()?;
		let c = Commitments::<T>::get(commitment).ok_or(Error::<T>::CommitmentNotFound)?;
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(
			now.saturating_sub(c.at) > params.max_commitment_age,
			Error::<T>::CommitmentNotStale
		);
		Self::take_commitment(commitment, c)?;
		Self::deposit_event(Event::CommitmentCleared { commitment });
		Ok(())
	}

	pub(crate) fn take_commitment(
		commitment: H256,
		c: Commitment<T::AccountId, BalanceOf<T>, BlockNumberFor<T>>,
	) -> DispatchResult {
		Commitments::<T>::remove(commitment);
		T::Currency::release(
			&HoldReason::Commitment.into(),
			&c.who,
			c.deposit,
			Precision::BestEffort,
		)?;
		Ok(())
	}

	/// The storage deposit for an entry of `bytes` stored bytes.
	pub(crate) fn deposit_for(params: &ParamsOf<T>, bytes: usize) -> BalanceOf<T> {
		let bytes: BalanceOf<T> = (bytes as u32).into();
		params.deposit_base.saturating_add(params.deposit_per_byte.saturating_mul(bytes))
	}

	/// Bytes a name entry stores: the key, and the entry itself.
	pub(crate) fn entry_bytes(name: &[u8]) -> usize {
		name.len() + NameInfoOf::<T>::max_encoded_len()
	}

	/// Rent for `periods` periods of the second-level label of `name`.
	pub(crate) fn rent_for(
		params: &ParamsOf<T>,
		name: &[u8],
		periods: u32,
	) -> Result<BalanceOf<T>, DispatchError> {
		let tier = match rule::label_chars(rule::first_label(name)) {
			0..=3 => 0,
			4 => 1,
			_ => 2,
		};
		params.rent[tier].checked_mul(&periods.into()).ok_or_else(|| Error::<T>::Overflow.into())
	}

	/// Splits rent between burning and the reward pot, taking it from `payer`.
	pub(crate) fn pay_rent(
		params: &ParamsOf<T>,
		payer: &T::AccountId,
		amount: BalanceOf<T>,
	) -> DispatchResult {
		if amount.is_zero() {
			return Ok(());
		}
		let burned = params.burn.mul_floor(amount);
		let to_pot = amount.saturating_sub(burned);
		// Check the whole amount first, so that nothing moves if the payer cannot pay it all.
		let spendable =
			T::Currency::reducible_balance(payer, Preservation::Preserve, Fortitude::Polite);
		ensure!(spendable >= amount, sp_runtime::TokenError::FundsUnavailable);
		if !to_pot.is_zero() {
			T::Currency::transfer(payer, &Self::reward_pot(), to_pot, Preservation::Preserve)?;
		}
		if !burned.is_zero() {
			T::Currency::burn_from(
				payer,
				burned,
				Preservation::Preserve,
				Precision::Exact,
				Fortitude::Polite,
			)?;
		}
		Ok(())
	}

	/// Number of blocks `periods` periods last, checked.
	pub(crate) fn periods_len(
		params: &ParamsOf<T>,
		periods: u32,
	) -> Result<BlockNumberFor<T>, DispatchError> {
		params.period.checked_mul(&periods.into()).ok_or_else(|| Error::<T>::Overflow.into())
	}

	pub(crate) fn do_register(
		payer: T::AccountId,
		name: Name,
		owner: T::AccountId,
		secret: [u8; 32],
		periods: u32,
	) -> Result<bool, DispatchError> {
		rule::validate_registrable(&name).map_err(Error::<T>::from)?;
		let params = Self::params()?;
		ensure!((1..=params.max_periods).contains(&periods), Error::<T>::InvalidPeriods);
		let now = frame_system::Pallet::<T>::block_number();

		let commitment = Self::commitment_of(&name, &owner, &secret);
		let c = Commitments::<T>::get(commitment).ok_or(Error::<T>::CommitmentNotFound)?;
		let age = now.saturating_sub(c.at);
		ensure!(age >= params.min_commitment_age, Error::<T>::CommitmentTooNew);
		ensure!(age <= params.max_commitment_age, Error::<T>::CommitmentTooOld);

		let (previous, premium) = match Names::<T>::get(&name) {
			None => (None, Zero::zero()),
			Some(info) => match Self::state_of(&info, now, &params) {
				Lifecycle::Active | Lifecycle::Grace => return Err(Error::<T>::NameTaken.into()),
				Lifecycle::Premium => {
					let premium = Self::premium_at(&info, now, &params);
					(Some(info), premium)
				},
				Lifecycle::Free => (Some(info), Zero::zero()),
			},
		};

		let rent = Self::rent_for(&params, &name, periods)?;
		let total = rent.checked_add(&premium).ok_or(Error::<T>::Overflow)?;
		let deposit = Self::deposit_for(&params, Self::entry_bytes(&name));
		let expires_at =
			now.checked_add(&Self::periods_len(&params, periods)?).ok_or(Error::<T>::Overflow)?;

		// Everything that can fail on funds happens before any state changes, and the call
		// is transactional: a failure changes nothing.
		Self::pay_rent(&params, &payer, total)?;
		T::Currency::hold(&HoldReason::NameDeposit.into(), &payer, deposit)?;
		Self::take_commitment(commitment, c)?;

		let evicted = previous.is_some();
		let epoch = match previous {
			Some(old) => {
				let next = Self::next_epoch(old.epoch);
				Self::evict(&name, old)?;
				next
			},
			None => Self::next_epoch(0),
		};
		let term = Self::new_term(now);

		let info = NameInfo {
			owner: owner.clone(),
			tenure: Tenure::Registered { expires_at },
			node_key: None,
			epoch,
			term,
			registered_at: now,
			depositor: payer.clone(),
			deposit,
			children: 0,
			phase: Lifecycle::Active,
			wake_at: expires_at,
		};
		Names::<T>::insert(&name, info);
		OwnedNames::<T>::insert(&owner, &name, ());
		Timeline::<T>::insert(expires_at, &name, ());
		Self::deposit_event(Event::Registered { name, owner, payer, expires_at, rent, premium });
		Ok(evicted)
	}

	pub(crate) fn do_renew(payer: T::AccountId, name: Name, periods: u32) -> DispatchResult {
		let params = Self::params()?;
		let mut info = Names::<T>::get(&name).ok_or(Error::<T>::NameNotFound)?;
		let Tenure::Registered { expires_at } = info.tenure else {
			return Err(Error::<T>::WrongTenure.into());
		};
		let now = frame_system::Pallet::<T>::block_number();
		match Self::state_of(&info, now, &params) {
			Lifecycle::Active => {},
			Lifecycle::Grace => ensure!(payer == info.owner, Error::<T>::NotOwner),
			Lifecycle::Premium | Lifecycle::Free => return Err(Error::<T>::PastGrace.into()),
		}
		ensure!(periods >= 1, Error::<T>::InvalidPeriods);
		let new_expiry = expires_at
			.checked_add(&Self::periods_len(&params, periods)?)
			.ok_or(Error::<T>::Overflow)?;
		let horizon = now
			.checked_add(&Self::periods_len(&params, params.max_periods)?)
			.ok_or(Error::<T>::Overflow)?;
		ensure!(new_expiry <= horizon, Error::<T>::InvalidPeriods);
		// A renewal out of grace must bring the name back to Active.
		ensure!(new_expiry > now, Error::<T>::InvalidPeriods);

		let rent = Self::rent_for(&params, &name, periods)?;
		Self::pay_rent(&params, &payer, rent)?;

		Timeline::<T>::remove(info.wake_at, &name);
		info.tenure = Tenure::Registered { expires_at: new_expiry };
		info.phase = Lifecycle::Active;
		info.wake_at = new_expiry;
		Timeline::<T>::insert(new_expiry, &name, ());
		Names::<T>::insert(&name, info);
		Self::deposit_event(Event::Renewed { name, payer, expires_at: new_expiry, rent });
		Ok(())
	}
}
