//! What clients read: a name's view, reverse lookups, prices, an owner's names.

use crate::{pallet::*, Lifecycle, LookupError, Name, NameView, Price};
use alloc::vec::Vec;
use ddns_primitives::name as rule;
use sp_runtime::traits::Zero;

impl<T: Config> Pallet<T> {
	/// A name as clients see it, at the current block.
	pub fn resolve(name: &[u8]) -> Result<NameViewOf<T>, LookupError> {
		rule::validate(name).map_err(|e| LookupError::InvalidName(e.code().as_bytes().to_vec()))?;
		let key: Name = name.to_vec().try_into().map_err(|_| LookupError::NotFound)?;
		let info = Names::<T>::get(&key).ok_or(LookupError::NotFound)?;
		let found = Self::lifecycle_and_expiry(name, &info);
		if found.0 == Lifecycle::Free {
			return Err(LookupError::NotFound);
		}
		let records = Records::<T>::get(&key).map(|r| r.records.into_inner()).unwrap_or_default();
		Ok(NameView::new(name, info, records, found))
	}

	/// The primary name of `who`, if they still own it and it is Active.
	pub fn reverse(who: &T::AccountId) -> Option<Vec<u8>> {
		let name = Primary::<T>::get(who)?;
		let info = Names::<T>::get(&name)?;
		(&info.owner == who && Self::lifecycle(&name, &info) == Lifecycle::Active)
			.then(|| name.into_inner())
	}

	/// What registering `name` for `periods` periods costs now.
	pub fn price(name: &[u8], periods: u32) -> Result<Price<BalanceOf<T>>, LookupError> {
		rule::validate_registrable(name)
			.map_err(|e| LookupError::InvalidName(e.code().as_bytes().to_vec()))?;
		let params = RegistryParams::<T>::get().ok_or(LookupError::NotFound)?;
		let rent = Self::rent_for(&params, name, periods).map_err(|_| LookupError::NotFound)?;
		let now = frame_system::Pallet::<T>::block_number();
		let premium = name
			.to_vec()
			.try_into()
			.ok()
			.and_then(|key: Name| Names::<T>::get(&key))
			.filter(|info| Self::state_of(info, now, &params) == Lifecycle::Premium)
			.map_or(Zero::zero(), |info| Self::premium_at(&info, now, &params));
		let deposit = Self::deposit_for(&params, Self::entry_bytes(name));
		Ok(Price { rent, premium, deposit })
	}

	/// Names owned by `who`, in storage order, after `start_after`, at most `limit` (≤ 1000).
	pub fn names_of(who: &T::AccountId, start_after: Option<Vec<u8>>, limit: u32) -> Vec<Vec<u8>> {
		let limit = limit.min(1000) as usize;
		let iter = match start_after.and_then(|n| Name::try_from(n).ok()) {
			Some(after) => {
				let key = OwnedNames::<T>::hashed_key_for(who, &after);
				OwnedNames::<T>::iter_key_prefix_from(who, key)
			},
			None => OwnedNames::<T>::iter_key_prefix(who),
		};
		iter.take(limit).map(|n| n.into_inner()).collect()
	}
}
