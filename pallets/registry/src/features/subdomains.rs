//! Subdomains: creating, taking back and locking them.

use crate::{pallet::*, Lifecycle, Name, NameInfo, Tenure};
use ddns_primitives::name as rule;
use frame_support::{pallet_prelude::*, traits::fungible::MutateHold};
use sp_runtime::traits::Zero;

impl<T: Config> Pallet<T> {
	pub(crate) fn do_create_subdomain(
		who: T::AccountId,
		parent: Name,
		label: LabelOf,
		owner: T::AccountId,
	) -> DispatchResult {
		let mut parent_info = Self::owned_active(&who, &parent)?;
		// One label: a dot would skip a level of the tree.
		ensure!(!label.contains(&b'.'), Error::<T>::InvalidCharacter);
		let mut full = label.into_inner();
		full.push(b'.');
		full.extend_from_slice(&parent);
		rule::validate(&full).map_err(Error::<T>::from)?;
		ensure!(rule::depth(&full) <= MAX_DEPTH, Error::<T>::TooDeep);
		let name: Name = full.try_into().map_err(|_| Error::<T>::NameTooLong)?;
		ensure!(parent_info.children < T::MaxSubdomains::get(), Error::<T>::TooManySubdomains);
		let mut last_epoch = 0;
		if let Some(existing) = Names::<T>::get(&name) {
			// A child of an earlier term of the parent is dead: clear it out of the way.
			ensure!(!Self::is_live_child(&existing, &parent_info), Error::<T>::NameTaken);
			last_epoch = existing.epoch;
			Self::evict(&name, existing)?;
			parent_info = Names::<T>::get(&parent).ok_or(Error::<T>::NameNotFound)?;
		}
		let params = Self::params()?;
		let deposit = Self::deposit_for(&params, Self::entry_bytes(&name));
		T::Currency::hold(&HoldReason::NameDeposit.into(), &who, deposit)?;
		let now = frame_system::Pallet::<T>::block_number();
		let info = NameInfo {
			owner: owner.clone(),
			tenure: Tenure::Sub { parent_term: parent_info.term, locked: false },
			node_key: None,
			epoch: Self::next_epoch(last_epoch),
			term: Self::new_term(now),
			registered_at: now,
			depositor: who,
			deposit,
			children: 0,
			phase: Lifecycle::Active,
			wake_at: Zero::zero(),
		};
		parent_info.children = parent_info.children.saturating_add(1);
		Names::<T>::insert(&parent, parent_info);
		Names::<T>::insert(&name, info);
		Subdomains::<T>::insert(&parent, &name, ());
		OwnedNames::<T>::insert(&owner, &name, ());
		Self::deposit_event(Event::SubdomainCreated { name, parent, owner });
		Ok(())
	}

	/// The entry of a subdomain whose parent is Active and owned by `who`.
	pub(crate) fn child_of_owner(
		who: &T::AccountId,
		name: &Name,
	) -> Result<NameInfoOf<T>, DispatchError> {
		let info = Names::<T>::get(name).ok_or(Error::<T>::NameNotFound)?;
		ensure!(matches!(info.tenure, Tenure::Sub { .. }), Error::<T>::WrongTenure);
		let parent = Self::parent_name(name).ok_or(Error::<T>::WrongTenure)?;
		Self::owned_active(who, &parent)?;
		ensure!(Self::lifecycle(name, &info) == Lifecycle::Active, Error::<T>::NotActive);
		Ok(info)
	}

	pub(crate) fn do_take_back(who: T::AccountId, name: Name) -> DispatchResult {
		let info = Self::child_of_owner(&who, &name)?;
		let Tenure::Sub { locked, .. } = info.tenure else {
			return Err(Error::<T>::WrongTenure.into());
		};
		ensure!(!locked, Error::<T>::SubdomainLocked);
		let from = info.owner.clone();
		Self::hand_over(&name, info, &who, false)?;
		Self::deposit_event(Event::SubdomainTakenBack { name, from });
		Ok(())
	}

	pub(crate) fn do_lock(who: T::AccountId, name: Name) -> DispatchResult {
		let mut info = Self::child_of_owner(&who, &name)?;
		if let Tenure::Sub { parent_term, .. } = info.tenure {
			info.tenure = Tenure::Sub { parent_term, locked: true };
		}
		Names::<T>::insert(&name, info);
		Self::deposit_event(Event::SubdomainLocked { name });
		Ok(())
	}
}
