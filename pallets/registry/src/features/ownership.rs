//! Ownership: transfer, release, the node key and the primary name.

use crate::{pallet::*, Lifecycle, Name, NodeKey, Tenure};
use frame_support::pallet_prelude::*;

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
		let mut info = Self::owned_active(&who, &name)?;
		ensure!(who != to, Error::<T>::AlreadyOwner);
		OwnedNames::<T>::remove(&who, &name);
		OwnedNames::<T>::insert(&to, &name, ());
		if Primary::<T>::get(&who).as_ref() == Some(&name) {
			Primary::<T>::remove(&who);
		}
		info.owner = to.clone();
		// The old owner holds the node key's secret: the new owner sets a key of their own.
		info.node_key = None;
		info.epoch = info.epoch.saturating_add(1);
		Names::<T>::insert(&name, info);
		Self::deposit_event(Event::Transferred { name, from: who, to });
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
		info.epoch = info.epoch.saturating_add(1);
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
