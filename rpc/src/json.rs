//! How registry answers look in JSON: names as strings, accounts in SS58, records typed
//! ([`ddns_verify::json`]), prices and parameters.

use ddns_registry_runtime_api::{Params, Price};
use serde::Serialize;
use serde_json::{json, Value};

// The view's form is shared with `ddns-verify`, which recomputes it from a proof.
pub use ddns_verify::json::{account, hex, multiaddr, name_view, record, text, unhex};

/// Which block an answer reflects.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct At {
	pub number: u32,
	pub hash: String,
	pub finalized: bool,
}

pub fn price(p: &Price<u128>) -> Value {
	json!({
		"rent": p.rent.to_string(),
		"premium": p.premium.to_string(),
		"deposit": p.deposit.to_string(),
		"total": p.rent.saturating_add(p.premium).saturating_add(p.deposit).to_string(),
	})
}

pub fn params(p: &Params<u128, u32>) -> Value {
	json!({
		"period": p.period,
		"maxPeriods": p.max_periods,
		"grace": p.grace,
		"premiumWindow": p.premium_window,
		"premiumHalving": p.premium_halving,
		"premiumStart": p.premium_start.to_string(),
		"rent": p.rent.iter().map(|r| r.to_string()).collect::<Vec<_>>(),
		"burnPerBillion": p.burn.deconstruct(),
		"depositBase": p.deposit_base.to_string(),
		"depositPerByte": p.deposit_per_byte.to_string(),
		"commitmentDeposit": p.commitment_deposit.to_string(),
		"minCommitmentAge": p.min_commitment_age,
		"maxCommitmentAge": p.max_commitment_age,
	})
}
