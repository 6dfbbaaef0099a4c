//! Ownership: transfer, release, the node key and the primary name.

use crate::{pallet::*, Lifecycle, Name, NodeKey, Tenure};
use frame_support::{
	pallet_prelude::*,
	traits::{fungible::MutateHold, tokens::Precision},
};
use sp_runtime::traits::{Saturating, Zero};

impl<T: Config> Pallet<T> {
	/// The entry of an Active name owned by `who`.
	pub(crate) fn owned_active(
		who: &T::AccountId,
		name: &Name,
	) -> Result<NameInfoOf<T>, DispatchError> {
		let info = Names::<T>::get(name).ok_or(Error::<T>::NameNotFound)?;
		ensure!(&info.owner == who, Error::<T>::NotOwner);
		ensure!(Self::lifecycle(name, &info) == Lifecycle::Active, Error::<T>::NotActive);
		Ok(info)
	}

	pub(crate) fn do_transfer(who: T::AccountId, name: Name, to: T::AccountId) -> DispatchResult {
		let info = Self::owned_active(&who, &name)?;
		ensure!(who != to, Error::<T>::AlreadyOwner);
		Self::hand_over(&name, info, &to)?;
		Self::deposit_event(Event::Transferred { name, from: who, to });
		Ok(())
	}

	/// Gives `name` to `to` (a transfer or a take-back): the owner index and the old owner's
	/// primary name follow; the node key goes (the old owner holds its secret) and the epoch
	/// moves on; the deposits of the entry and of the records move to `to`.
	///
	/// Fails with `NewOwnerCannotPayDeposits`, before anything changed, if `to` cannot pay them.
	pub(crate) fn hand_over(
		name: &Name,
		mut info: NameInfoOf<T>,
		to: &T::AccountId,
	) -> DispatchResult {
		Self::move_deposits(name, &mut info, to)?;
		let from = core::mem::replace(&mut info.owner, to.clone());
		if from != *to {
			OwnedNames::<T>::remove(&from, name);
			OwnedNames::<T>::insert(to, name, ());
			if Primary::<T>::get(&from).as_ref() == Some(name) {
				Primary::<T>::remove(&from);
			}
		}
		info.node_key = None;
		info.epoch = Self::next_epoch(info.epoch);
		Names::<T>::insert(name, info);
		Ok(())
	}

	/// Makes `to` the holder of the name's deposits: holds the same amounts from `to`, then
	/// releases them to whoever paid them. The amounts stay those taken at the time (a change
	/// of `deposit_per_byte` since does not reprice them). The records stay.
	///
	/// Without this the old holder would be left paying for a name they have no say over, with
	/// no call to get their deposit back.
	fn move_deposits(name: &Name, info: &mut NameInfoOf<T>, to: &T::AccountId) -> DispatchResult {
		let reason = HoldReason::NameDeposit.into();
		let mut records = Records::<T>::get(name).filter(|r| r.depositor != *to);
		let entry_moves = info.depositor != *to;
		let mut owed: BalanceOf<T> = Zero::zero();
		if entry_moves {
			owed = owed.saturating_add(info.deposit);
		}
		if let Some(r) = &records {
			owed = owed.saturating_add(r.deposit);
		}
		if owed.is_zero() {
			return Ok(());
		}
		// The new holder's hold first: if they cannot pay, nothing has moved.
		T::Currency::hold(&reason, to, owed).map_err(|_| Error::<T>::NewOwnerCannotPayDeposits)?;
		if entry_moves {
			T::Currency::release(&reason, &info.depositor, info.deposit, Precision::BestEffort)?;
			info.depositor = to.clone();
		}
		if let Some(r) = records.as_mut() {
			T::Currency::release(&reason, &r.depositor, r.deposit, Precision::BestEffort)?;
			r.depositor = to.clone();
		}
		if let Some(r) = records {
			Records::<T>::insert(name, r);
		}
		Ok(())
	}

	pub(crate) fn do_release(who: T::AccountId, name: Name) -> DispatchResult {
		let info = Names::<T>::get(&name).ok_or(Error::<T>::NameNotFound)?;
		ensure!(info.owner == who, Error::<T>::NotOwner);
		// A registered name in Grace or Premium: releasing would free it at once and let an
		// accomplice take it back without the premium; the lifecycle frees it in its own time.
		// (Subdomains pay no premium: their owners may release them, even once dead.)
		if matches!(info.tenure, Tenure::Registered { .. }) {
			ensure!(Self::lifecycle(&name, &info) == Lifecycle::Active, Error::<T>::NotActive);
		}
		Self::evict(&name, info)?;
		Self::deposit_event(Event::Freed { name });
		Ok(())
	}

	pub(crate) fn do_set_node_key(
		who: T::AccountId,
		name: Name,
		key: Option<NodeKey>,
	) -> DispatchResult {
		let mut info = Self::owned_active(&who, &name)?;
		info.node_key = key;
		info.epoch = Self::next_epoch(info.epoch);
		let epoch = info.epoch;
		Names::<T>::insert(&name, info);
		Self::deposit_event(Event::NodeKeySet { name, node_key: key, epoch });
		Ok(())
	}

	pub(crate) fn do_set_primary(who: T::AccountId, name: Option<Name>) -> DispatchResult {
		match &name {
			Some(n) => {
				Self::owned_active(&who, n)?;
				Primary::<T>::insert(&who, n);
			},
			None => Primary::<T>::remove(&who),
		}
		Self::deposit_event(Event::PrimarySet { who, name });
		Ok(())
	}
}
