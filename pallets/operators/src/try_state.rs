//! The operators' invariants, checked by `try-runtime` and after every test.

use crate::{pallet::*, types::*};
use alloc::collections::btree_map::BTreeMap;
use frame_support::{
	ensure,
	traits::{
		fungible::{Inspect, InspectHold},
		Get,
	},
};
use sp_runtime::{traits::Zero, Saturating, TryRuntimeError};

/// Checks that:
/// - the per-kind counts are the services of each kind, within the bounds;
/// - the host and identity indices point exactly at the active services;
/// - what each owner has on hold for bonds is the sum of its services' bonds;
/// - `Owed` is what the closed eras in the window promised and have not paid, and the pot holds
///   at least that (the pot covers what was promised);
/// - reports wait only for the round that just ended;
/// - no era older than the window is kept.
pub fn check<T: Config>() -> Result<(), TryRuntimeError> {
	let mut count: BTreeMap<ServiceKind, u32> = BTreeMap::new();
	let mut bonds: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
	let mut indexed = 0usize;
	for (id, svc) in Services::<T>::iter() {
		*count.entry(svc.kind).or_default() += 1;
		let bond = bonds.entry(svc.owner.clone()).or_insert_with(Zero::zero);
		*bond = bond.saturating_add(svc.bond);
		ensure!(id < NextServiceId::<T>::get(), "a service id at or above the next id");
		if svc.status != Status::Active {
			ensure!(
				Hosts::<T>::get(svc.kind, svc.host) != Some(id),
				"an unbonding or suspended service holds its host"
			);
		} else {
			indexed += 1;
			ensure!(Hosts::<T>::get(svc.kind, svc.host) == Some(id), "host index misses a service");
			ensure!(Peers::<T>::get(svc.kind, svc.peer) == Some(id), "peer index misses a service");
		}
	}
	ensure!(Hosts::<T>::iter().count() == indexed, "host index has stale entries");
	ensure!(Peers::<T>::iter().count() == indexed, "peer index has stale entries");
	for kind in ServiceKind::ALL {
		let n = count.get(&kind).copied().unwrap_or(0);
		ensure!(ServiceCount::<T>::get(kind) == n, "service count disagrees with the services");
		ensure!(n <= T::MaxServicesPerKind::get(), "more services of a kind than the bound");
	}
	for (owner, bond) in bonds {
		let held = T::Currency::balance_on_hold(&HoldReason::ServiceBond.into(), &owner);
		ensure!(held == bond, "held bonds disagree with the services' bonds");
	}
	let mut owed: BalanceOf<T> = Zero::zero();
	let current = CurrentRound::<T>::get().map_or(0, |r| r.era);
	for (era, summary) in Eras::<T>::iter() {
		ensure!(era <= current, "an era from the future");
		// An era is forgotten when the era `HistoryDepth` after it closes, one round into the
		// era after that.
		ensure!(
			era.saturating_add(T::HistoryDepth::get()).saturating_add(1) >= current,
			"an era older than the window is kept"
		);
		ensure!(summary.paid <= summary.promised, "an era paid more than it promised");
		if summary.settled {
			owed = owed.saturating_add(summary.promised.saturating_sub(summary.paid));
		} else {
			ensure!(summary.promised.is_zero(), "an open era promised something");
		}
	}
	ensure!(owed == Owed::<T>::get(), "owed disagrees with the eras");
	let pot = T::Currency::balance(&T::Pot::get());
	ensure!(pot >= owed, "the pot does not cover what was promised");
	let prev = PreviousRound::<T>::get().map(|r| (r.era, r.round));
	for (key, _, _) in Reports::<T>::iter() {
		ensure!(Some(key) == prev, "reports kept for a round other than the previous one");
	}
	ensure!(
		Probers::<T>::get().len() as u32 <= T::MaxProbers::get(),
		"more probers than the bound"
	);
	Ok(())
}
