//! The runtime API through which operators, wallets and the probing daemon read the operators
//! pallet: the services, the rounds, and why each service earned what it earned.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use alloc::vec::Vec;
use codec::Codec;
pub use pallet_ddns_operators::{
	EraIndex, EraSummary, Params, RoundLog, RoundRef, Score, Service, ServiceId, ServiceKind,
	Status, Verdict,
};

sp_api::decl_runtime_apis! {
	/// Reads of the ddns operators pallet.
	pub trait OperatorsApi<AccountId, Balance, BlockNumber>
	where
		AccountId: Codec,
		Balance: Codec,
		BlockNumber: Codec,
	{
		/// The parameters.
		fn params() -> Option<Params<Balance>>;

		/// Every service (withdrawn ones excepted), by id.
		fn services() -> Vec<(ServiceId, Service<AccountId, Balance>)>;

		/// The services the validators probe in the current era, by id.
		fn probe_targets() -> Vec<(ServiceId, Service<AccountId, Balance>)>;

		/// The round in progress and the one that just ended (reports are taken for it).
		fn rounds() -> (Option<RoundRef<BlockNumber>>, Option<RoundRef<BlockNumber>>);

		/// The validators that probe.
		fn probers() -> Vec<AccountId>;

		/// An era's budget and payouts (within the history window).
		fn era(era: EraIndex) -> Option<EraSummary<Balance>>;

		/// How each tallied round of an era went.
		fn round_logs(era: EraIndex) -> Vec<(u32, RoundLog)>;

		/// A service's tally in each era of the window, with what it is (or was) paid.
		fn scores(id: ServiceId) -> Vec<(EraIndex, Score<AccountId, Balance>, Balance)>;
	}
}
