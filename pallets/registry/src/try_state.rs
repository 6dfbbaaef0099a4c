//! The registry's invariants, checked by `try-runtime` and after every test.

use crate::{pallet::*, Lifecycle, Tenure};
use alloc::collections::btree_map::BTreeMap;
use frame_support::{ensure, traits::fungible::InspectHold};
use sp_runtime::{traits::Zero, Saturating, TryRuntimeError};

impl<T: Config> Pallet<T> {
	/// Checks that:
	/// - names and the owner index agree both ways;
	/// - subdomain links and child counts agree, and every live child's parent exists in the
	///   child's term (no child outlives its parent);
	/// - every registered name has exactly its one timeline entry;
	/// - the purge queue's counter is its length;
	/// - every primary name is owned by its account (it is cleared whenever the name leaves it);
	/// - what each account has on hold equals the deposits recorded for it.
	pub fn do_try_state() -> Result<(), TryRuntimeError> {
		let mut held: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		let mut add = |who: &T::AccountId, amount: BalanceOf<T>| {
			let entry = held.entry(who.clone()).or_insert_with(Zero::zero);
			*entry = entry.saturating_add(amount);
		};
		let mut registered = 0u32;
		for (name, info) in Names::<T>::iter() {
			ensure!(OwnedNames::<T>::contains_key(&info.owner, &name), "owner index misses a name");
			add(&info.depositor, info.deposit);
			let children = Subdomains::<T>::iter_key_prefix(&name).count() as u32;
			ensure!(children == info.children, "child count disagrees with the subdomain links");
			match info.tenure {
				Tenure::Registered { .. } => {
					registered += 1;
					ensure!(
						Timeline::<T>::contains_key(info.wake_at, &name),
						"a registered name has no timeline entry"
					);
				},
				Tenure::Sub { parent_term, .. } => {
					ensure!(info.phase == Lifecycle::Active, "a subdomain has a phase");
					if !PurgeQueue::<T>::contains_key(&name) {
						let parent = Self::parent_name(&name).ok_or("a subdomain has no parent")?;
						let p = Names::<T>::get(&parent)
							.ok_or("a live subdomain outlived its parent")?;
						ensure!(
							p.term == parent_term,
							"a live subdomain outlived its parent's term"
						);
						ensure!(
							Subdomains::<T>::contains_key(&parent, &name),
							"a live subdomain is not linked from its parent"
						);
					}
				},
			}
		}
		for (owner, name, ()) in OwnedNames::<T>::iter() {
			let info = Names::<T>::get(&name).ok_or("owner index names a missing name")?;
			ensure!(info.owner == owner, "owner index disagrees with the name's owner");
		}
		for (who, name) in Primary::<T>::iter() {
			let info = Names::<T>::get(&name).ok_or("a primary name that does not exist")?;
			ensure!(info.owner == who, "a primary name its account does not own");
		}
		for (parent, child, ()) in Subdomains::<T>::iter() {
			ensure!(Names::<T>::contains_key(&parent), "a subdomain link from a missing parent");
			ensure!(Names::<T>::contains_key(&child), "a subdomain link to a missing child");
		}
		ensure!(
			Timeline::<T>::iter().count() as u32 == registered,
			"timeline entries disagree with the registered names"
		);
		ensure!(
			PurgeQueue::<T>::iter().count() as u32 == PurgeQueueLen::<T>::get(),
			"purge queue counter is off"
		);
		for (name, records) in Records::<T>::iter() {
			ensure!(Names::<T>::contains_key(&name), "records of a missing name");
			add(&records.depositor, records.deposit);
		}
		let name_reason = HoldReason::NameDeposit.into();
		for (who, amount) in &held {
			ensure!(
				T::Currency::balance_on_hold(&name_reason, who) == *amount,
				"held name deposits disagree with the recorded deposits"
			);
		}
		let mut commitments: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		for (_, c) in Commitments::<T>::iter() {
			let e = commitments.entry(c.who.clone()).or_insert_with(Zero::zero);
			*e = e.saturating_add(c.deposit);
		}
		let commit_reason = HoldReason::Commitment.into();
		for (who, amount) in &commitments {
			ensure!(
				T::Currency::balance_on_hold(&commit_reason, who) == *amount,
				"held commitment deposits disagree with the commitments"
			);
		}
		Ok(())
	}
}
