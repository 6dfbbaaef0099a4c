//! Ownership: transfer, release, the node key and the primary name.

use crate::{pallet::*, Lifecycle, Name, NodeKey, Tenure};
use frame_support::{
	pallet_prelude::*,
	traits::{fungible::MutateHold, tokens::Precision},
};
use sp_runtime::traits::Zero;

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
		Self::hand_over(&name, info, &to, true)?;
		Self::deposit_event(Event::Transferred { name, from: who, to });
		Ok(())
	}

	/// Gives `name` to `to` (a transfer or a take-back): the owner index and the old owner's
	/// primary name follow; the node key goes (the old owner holds its secret) and the epoch
	/// moves on. The deposits are handed over held (see [`Self::hand_over_deposits`]); the
	/// records stay when `keep_records`, else they go and their deposit returns to its payer.
	///
	/// Fails with `NoRecipientAccount` if `to` has no account. Calls are transactional, so a
	/// failure changes nothing.
	pub(crate) fn hand_over(
		name: &Name,
		mut info: NameInfoOf<T>,
		to: &T::AccountId,
		keep_records: bool,
	) -> DispatchResult {
		Self::hand_over_deposits(name, &mut info, to, keep_records)?;
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

	/// Makes `to` the holder of the name's deposits, without touching `to`'s free balance: the
	/// held amounts themselves move from whoever paid them to `to`, still held
	/// (`transfer_on_hold`). A name and its deposit go together, the way a sale hands over
	/// what is paid into a property; `to` gets them back by clearing the records or releasing
	/// the name. Nobody can put a hold on someone else's funds by giving them a name, and the
	/// previous holder is never left paying for a name they have no say over.
	///
	/// When not `keep_records`, the records are removed and their deposit released to its
	/// payer instead (a take-back returns an empty subdomain, so a child's owner cannot make
	/// the take-back costlier by filling its records first).
	fn hand_over_deposits(
		name: &Name,
		info: &mut NameInfoOf<T>,
		to: &T::AccountId,
		keep_records: bool,
	) -> DispatchResult {
		use frame_support::traits::{
			fungible::Inspect,
			tokens::{Fortitude, Restriction},
		};
		ensure!(!T::Currency::total_balance(to).is_zero(), Error::<T>::NoRecipientAccount);
		let reason = HoldReason::NameDeposit.into();
		let hand = |from: &T::AccountId, amount: BalanceOf<T>| -> DispatchResult {
			if from == to || amount.is_zero() {
				return Ok(());
			}
			T::Currency::transfer_on_hold(
				&reason,
				from,
				to,
				amount,
				Precision::Exact,
				Restriction::OnHold,
				Fortitude::Polite,
			)?;
			Ok(())
		};
		hand(&info.depositor, info.deposit)?;
		info.depositor = to.clone();
		if keep_records {
			if let Some(mut records) = Records::<T>::get(name).filter(|r| r.depositor != *to) {
				hand(&records.depositor, records.deposit)?;
				records.depositor = to.clone();
				Records::<T>::insert(name, records);
			}
		} else {
			Self::clear_records(name)?;
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
		if let Some(k) = &key {
			ensure!(!ddns_primitives::endpoint::is_weak_key(k), Error::<T>::WeakNodeKey);
		}
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
