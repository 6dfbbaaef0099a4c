//! The registry's tests, one file per journey, each regression beside the rule it guards. One
//! test per rule and per bad input; every test ends with the invariant check
//! (`build_and_execute`). The helpers every journey shares are here.

use crate::{mock::*, pallet::*, Error, Lifecycle, LookupError, Name, Tenure};
use ddns_primitives::{record::RecordInput, Record};
use frame_support::{
	assert_noop, assert_ok,
	traits::{fungible::InspectHold, Hooks},
};
use sp_runtime::{DispatchError, TokenError};

/// A name as calls take it.
fn n(s: &str) -> Vec<u8> {
	s.as_bytes().to_vec()
}

/// A name as storage keys it.
fn key(s: &str) -> Name {
	n(s).try_into().unwrap()
}

const SECRET: [u8; 32] = [7; 32];

fn events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Registry(e) => Some(e),
			_ => None,
		})
		.collect()
}

fn now() -> u64 {
	System::block_number()
}

/// Moves to block `to`, running the registry's `on_initialize` for each block on the way.
fn run_to(to: u64) {
	while now() < to {
		let next = now() + 1;
		System::set_block_number(next);
		Registry::on_initialize(next);
	}
}

fn commit(who: AccountId, name: &str, owner: AccountId) {
	let c = Registry::commitment_of(name.as_bytes(), &owner, &SECRET);
	assert_ok!(Registry::commit(RuntimeOrigin::signed(who), c));
}

/// Commit, wait the minimum age, register.
fn register(who: AccountId, name: &str, owner: AccountId, periods: u32) {
	commit(who, name, owner);
	run_to(now() + test_params().min_commitment_age);
	assert_ok!(Registry::register(RuntimeOrigin::signed(who), n(name), owner, SECRET, periods));
}

fn expiry(name: &str) -> u64 {
	match Names::<Test>::get(key(name)).unwrap().tenure {
		Tenure::Registered { expires_at } => expires_at,
		Tenure::Sub { .. } => panic!("not registered"),
	}
}

fn state(name: &str) -> Result<Lifecycle, LookupError> {
	Registry::resolve(name.as_bytes()).map(|v| v.state)
}

/// Records as `set_records` takes them.
fn records(list: Vec<Record>) -> Vec<RecordInput> {
	list.into_iter().map(Into::into).collect()
}

fn held(who: AccountId) -> Balance {
	Balances::balance_on_hold(&RuntimeHoldReason::Registry(HoldReason::NameDeposit), &who)
}

/// Makes every release of a hold from `who` fail: their free and reserved balance add up to the
/// largest balance, so no released amount fits (a state only a bug could reach).
fn jam_releases(who: AccountId) {
	frame_system::Account::<Test>::mutate(who, |a| a.data.free = Balance::MAX - a.data.reserved);
}

/// Undoes [`jam_releases`], leaving `who` with `free`.
fn unjam_releases(who: AccountId, free: Balance) {
	frame_system::Account::<Test>::mutate(who, |a| a.data.free = free);
}

/// `who` makes `label.parent` for `owner`.
fn sub(who: AccountId, parent: &str, label: &str, owner: AccountId) -> sp_runtime::DispatchResult {
	Registry::create_subdomain(RuntimeOrigin::signed(who), n(parent), n(label), owner)
}

mod lifecycle;
mod migrations;
mod names;
mod offchain_signing;
mod ownership;
mod params;
mod records;
mod registering;
mod subdomains;
mod synthetic;
mod weights;
