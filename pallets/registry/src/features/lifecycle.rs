//! Lifecycle: deriving a name's state, moving it through the timeline, and removing it.

use crate::{pallet::*, Lifecycle, Name, Tenure, WeightInfo};
use alloc::vec::Vec;
use ddns_primitives::name as rule;
use frame_support::{
	pallet_prelude::*,
	storage::with_storage_layer,
	traits::{fungible::MutateHold, tokens::Precision},
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::traits::{Saturating, Zero};

impl<T: Config> Pallet<T> {
	/// The state of a registered name at `now` (subdomains: see [`Self::lifecycle`]).
	pub(crate) fn state_of(
		info: &NameInfoOf<T>,
		now: BlockNumberFor<T>,
		params: &ParamsOf<T>,
	) -> Lifecycle {
		info.state_at(now, params)
	}

	/// The block at which a registered name in `phase` reaches its next state.
	fn next_wake(
		expires_at: BlockNumberFor<T>,
		phase: Lifecycle,
		params: &ParamsOf<T>,
	) -> BlockNumberFor<T> {
		let grace_end = expires_at.saturating_add(params.grace);
		match phase {
			Lifecycle::Active => expires_at,
			Lifecycle::Grace => grace_end,
			Lifecycle::Premium | Lifecycle::Free => grace_end.saturating_add(params.premium_window),
		}
	}

	/// The premium due at `now` for a name in its premium window: `premium_start` halved once
	/// per `premium_halving` blocks since grace ended.
	pub(crate) fn premium_at(
		info: &NameInfoOf<T>,
		now: BlockNumberFor<T>,
		params: &ParamsOf<T>,
	) -> BalanceOf<T> {
		let Tenure::Registered { expires_at } = info.tenure else { return Zero::zero() };
		let start = expires_at.saturating_add(params.grace);
		let elapsed = now.saturating_sub(start);
		let halvings: u32 = (elapsed / params.premium_halving).try_into().unwrap_or(u32::MAX);
		let mut premium = params.premium_start;
		for _ in 0..halvings.min(128) {
			premium /= 2u32.into();
		}
		premium
	}

	fn rank(state: Lifecycle) -> u8 {
		match state {
			Lifecycle::Active => 0,
			Lifecycle::Grace => 1,
			Lifecycle::Premium => 2,
			Lifecycle::Free => 3,
		}
	}

	/// The name one level up, if `name` is a subdomain.
	pub(crate) fn parent_name(name: &[u8]) -> Option<Name> {
		rule::parent(name).and_then(|p| p.to_vec().try_into().ok())
	}

	/// Whether `child` was made in the current term of the name `parent`.
	pub(crate) fn is_live_child(child: &NameInfoOf<T>, parent: &NameInfoOf<T>) -> bool {
		matches!(child.tenure, Tenure::Sub { parent_term, .. } if parent_term == parent.term)
	}

	/// The state of any name now, and the expiry it lives by (its registered ancestor's).
	///
	/// A subdomain is Active or in Grace with its registered ancestor; it is Free once any link
	/// of its chain is gone or was registered anew.
	pub(crate) fn lifecycle_and_expiry(
		name: &[u8],
		info: &NameInfoOf<T>,
	) -> (Lifecycle, BlockNumberFor<T>) {
		let Some(params) = RegistryParams::<T>::get() else {
			return (Lifecycle::Free, Zero::zero());
		};
		let now = frame_system::Pallet::<T>::block_number();
		let names = |name: &[u8]| {
			let key: Option<Name> = name.to_vec().try_into().ok();
			Ok::<_, core::convert::Infallible>(key.and_then(Names::<T>::get))
		};
		match ddns_primitives::registry::lifecycle_and_expiry(name, info, now, &params, names) {
			Ok(found) => found,
			Err(never) => match never {},
		}
	}

	/// The state of any name now.
	pub(crate) fn lifecycle(name: &[u8], info: &NameInfoOf<T>) -> Lifecycle {
		Self::lifecycle_and_expiry(name, info).0
	}

	/// Removes a name: its entry, records, indexes and schedule; returns every deposit; sends
	/// its subdomains to the purge queue. Emits nothing (callers say why it went).
	///
	/// All or nothing: it runs in a storage layer of its own, so a release that fails changes
	/// nothing, also in the lifecycle hooks, where no call's transaction wraps it.
	pub(crate) fn evict(name: &Name, info: NameInfoOf<T>) -> DispatchResult {
		with_storage_layer(|| Self::evict_in_layer(name, info))
	}

	fn evict_in_layer(name: &Name, info: NameInfoOf<T>) -> DispatchResult {
		// The fallible releases first, then the writes that cannot fail.
		Self::clear_records(name)?;
		T::Currency::release(
			&HoldReason::NameDeposit.into(),
			&info.depositor,
			info.deposit,
			Precision::BestEffort,
		)?;
		Names::<T>::remove(name);
		Self::unqueue_purge(name);
		OwnedNames::<T>::remove(&info.owner, name);
		if Primary::<T>::get(&info.owner).as_ref() == Some(name) {
			Primary::<T>::remove(&info.owner);
		}
		match info.tenure {
			Tenure::Registered { .. } => Timeline::<T>::remove(info.wake_at, name),
			Tenure::Sub { .. } => {
				if let Some(parent) = Self::parent_name(name) {
					if Subdomains::<T>::take(&parent, name).is_some() {
						Names::<T>::mutate(&parent, |p| {
							if let Some(p) = p {
								p.children = p.children.saturating_sub(1);
							}
						});
					}
				}
			},
		}
		// At most `MaxSubdomains` children.
		let children: Vec<Name> =
			Subdomains::<T>::drain_prefix(name).map(|(child, ())| child).collect();
		for child in children {
			if !PurgeQueue::<T>::contains_key(&child) {
				PurgeQueue::<T>::insert(&child, ());
				PurgeQueueLen::<T>::mutate(|n| *n = n.saturating_add(1));
			}
		}
		Ok(())
	}

	pub(crate) fn unqueue_purge(name: &Name) {
		if PurgeQueue::<T>::take(name).is_some() {
			PurgeQueueLen::<T>::mutate(|n| *n = n.saturating_sub(1));
		}
	}

	/// One operation of the purge queue: removes the first queued name after the `failed` ones
	/// whose removal failed in this block (counting a new failure there). Returns whether there
	/// was one to try.
	pub(crate) fn purge_next(failed: &mut usize) -> bool {
		if PurgeQueueLen::<T>::get() == 0 {
			return false;
		}
		let Some(name) = PurgeQueue::<T>::iter_keys().nth(*failed) else {
			if *failed == 0 {
				// The counter disagrees with the queue: trust the queue.
				PurgeQueueLen::<T>::kill();
			}
			return false;
		};
		match Names::<T>::get(&name) {
			// `evict` takes the name off the queue too.
			Some(info) => match Self::evict(&name, info) {
				Ok(()) => Self::deposit_event(Event::Freed { name }),
				Err(e) => {
					log::error!(target: "ddns", "purging a name failed: {e:?}");
					*failed += 1;
				},
			},
			None => Self::unqueue_purge(&name),
		}
		true
	}

	/// Runs lifecycle operations while the next one, costed at the dearest kind, fits
	/// `LifecycleWeight` and at most `MaxLifecycleOps` of them: subdomains of removed names
	/// first (with half the room at most, so that the purge queue cannot starve the timeline),
	/// then the timeline up to `now`. Returns the weight used.
	pub(crate) fn process_lifecycle(now: BlockNumberFor<T>) -> Weight {
		let ops = T::MaxLifecycleOps::get();
		let limit = T::LifecycleWeight::get();
		let (purge, transition, skip) = (
			T::WeightInfo::lifecycle_purge(),
			T::WeightInfo::lifecycle_transition(),
			T::WeightInfo::lifecycle_skip(),
		);
		let dearest = purge.max(transition).max(skip);
		let mut used = T::WeightInfo::lifecycle_base();
		let fits = |used: Weight, cap: Weight| used.saturating_add(dearest).all_lte(cap);
		let (mut purged, mut moved, mut skipped) = (0u32, 0u32, 0u32);

		let half = limit.saturating_sub(used);
		let purge_cap =
			used.saturating_add(Weight::from_parts(half.ref_time() / 2, half.proof_size() / 2));
		// Names whose removal failed in this block (which changed nothing) are stepped over, so
		// that they do not block the queue; the next block tries them again.
		let mut failed = 0usize;
		while purged < ops.div_ceil(2) && fits(used, purge_cap) && Self::purge_next(&mut failed) {
			purged += 1;
			used.saturating_accrue(purge);
		}

		let Some(params) = RegistryParams::<T>::get() else {
			return used;
		};
		let mut cursor = TimelineCursor::<T>::get();
		while purged + moved + skipped < ops && fits(used, limit) && cursor <= now {
			// The names due that fit, read in one pass: a fresh iteration per name would walk
			// past every key this block already removed, one database lookup each.
			let room = Self::room(used, limit, dearest).min(ops - purged - moved - skipped);
			let due: Vec<Name> =
				Timeline::<T>::iter_key_prefix(cursor).take(room as usize).collect();
			if due.is_empty() {
				cursor.saturating_inc();
				skipped += 1;
				used.saturating_accrue(skip);
				continue;
			}
			// `wake` schedules each name at a later block, never at `cursor`.
			for name in due {
				Timeline::<T>::remove(cursor, &name);
				Self::wake(cursor, name, &params);
				moved += 1;
				used.saturating_accrue(transition);
			}
		}
		TimelineCursor::<T>::put(cursor);
		used
	}

	/// How many more operations costing `dearest` fit between `used` and `limit` (at least 1
	/// when one fits).
	fn room(used: Weight, limit: Weight, dearest: Weight) -> u32 {
		let left = limit.saturating_sub(used);
		let by = |left: u64, each: u64| left.checked_div(each).unwrap_or(u64::MAX);
		let n = by(left.ref_time(), dearest.ref_time())
			.min(by(left.proof_size(), dearest.proof_size()));
		n.min(u64::from(u32::MAX)) as u32
	}

	/// A registered name's timeline entry came due at block `at`: announce every state it
	/// entered since the last announcement, then schedule the next one or remove the name.
	fn wake(at: BlockNumberFor<T>, name: Name, params: &ParamsOf<T>) {
		let Some(mut info) = Names::<T>::get(&name) else { return };
		let Tenure::Registered { expires_at } = info.tenure else { return };
		let state = Self::state_of(&info, at, params);
		// Root lengthened grace or the premium window: the name is back in an earlier state.
		if Self::rank(state) < Self::rank(info.phase) {
			info.phase = state;
		}
		// Each step moves one state forward, so this runs at most three times.
		while info.phase != state {
			info.phase = match info.phase {
				Lifecycle::Active => {
					info.epoch = Self::next_epoch(info.epoch);
					Self::deposit_event(Event::EnteredGrace {
						name: name.clone(),
						owner: info.owner.clone(),
					});
					Lifecycle::Grace
				},
				Lifecycle::Grace => {
					Self::deposit_event(Event::EnteredPremium { name: name.clone() });
					Lifecycle::Premium
				},
				Lifecycle::Premium | Lifecycle::Free => {
					info.wake_at = at;
					match Self::evict(&name, info.clone()) {
						Ok(()) => {
							Self::deposit_event(Event::Freed { name });
							return;
						},
						// It changed nothing: the name stays, and is tried again next block.
						Err(e) => {
							log::error!(target: "ddns", "freeing a name failed: {e:?}");
							break;
						},
					}
				},
			};
		}
		info.wake_at =
			Self::next_wake(expires_at, info.phase, params).max(at.saturating_add(1u32.into()));
		Timeline::<T>::insert(info.wake_at, &name, ());
		Names::<T>::insert(&name, info);
	}
}
