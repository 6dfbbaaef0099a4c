//! Records: replacing a name's record set and its deposit.

use crate::{pallet::*, Name, RecordSet, RecordsInfo};
use ddns_primitives::record;
use frame_support::{
	pallet_prelude::*,
	traits::{fungible::MutateHold, tokens::Precision},
};

impl<T: Config> Pallet<T> {
	pub(crate) fn do_set_records(
		who: T::AccountId,
		name: Name,
		records: RecordSet,
	) -> DispatchResult {
		Self::owned_active(&who, &name)?;
		record::validate_set(&records).map_err(Error::<T>::from)?;
		let params = Self::params()?;
		let count = records.len() as u32;
		// Release the old deposit, then hold the new one: both on success, neither on error.
		Self::clear_records(&name)?;
		if !records.is_empty() {
			let bytes = name.len() + records.encoded_size();
			let deposit = Self::deposit_for(&params, bytes);
			T::Currency::hold(&HoldReason::NameDeposit.into(), &who, deposit)?;
			Records::<T>::insert(&name, RecordsInfo { records, depositor: who, deposit });
		}
		Self::deposit_event(Event::RecordsSet { name, count });
		Ok(())
	}

	/// Removes the name's records, if it has any, and releases their deposit to whoever paid
	/// it.
	pub(crate) fn clear_records(name: &Name) -> DispatchResult {
		if let Some(old) = Records::<T>::take(name) {
			T::Currency::release(
				&HoldReason::NameDeposit.into(),
				&old.depositor,
				old.deposit,
				Precision::BestEffort,
			)?;
		}
		Ok(())
	}
}
