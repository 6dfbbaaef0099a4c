//! The runtime API through which clients (the JSON-RPC resolver, the resolver daemon, wallets via
//! `state_call`) read the name registry. Every answer reflects the state of the block it is
//! called at.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use alloc::vec::Vec;
use codec::Codec;
pub use pallet_ddns_registry::{Lifecycle, LookupError, NameView, Params, Price};

sp_api::decl_runtime_apis! {
	/// Reads of the ddns name registry.
	pub trait RegistryApi<AccountId, Balance, BlockNumber>
	where
		AccountId: Codec,
		Balance: Codec,
		BlockNumber: Codec,
	{
		/// Everything about a name: owner, lifecycle state, expiry, epoch, node key, records,
		/// parent. `NotFound` for a name nobody holds (never registered, or Free).
		fn resolve(name: Vec<u8>) -> Result<NameView<AccountId, Balance, BlockNumber>, LookupError>;

		/// The primary name of an account, while the account owns it and it is Active.
		fn reverse(account: AccountId) -> Option<Vec<u8>>;

		/// What registering a second-level name for `periods` periods costs now.
		fn price(name: Vec<u8>, periods: u32) -> Result<Price<Balance>, LookupError>;

		/// The registry's parameters (durations, prices, commitment ages).
		fn params() -> Option<Params<Balance, BlockNumber>>;

		/// Names owned by `owner`, after `start_after` in storage order, at most `limit`
		/// (capped at 1000).
		fn names_of(owner: AccountId, start_after: Option<Vec<u8>>, limit: u32) -> Vec<Vec<u8>>;

		/// The hash to pass to `commit` for registering `name` to `owner` with `secret`.
		fn commitment(name: Vec<u8>, owner: AccountId, secret: [u8; 32]) -> [u8; 32];
	}
}
