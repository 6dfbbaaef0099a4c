//! Genesis presets: `development` (one validator, for `--dev`), `local_testnet` (four
//! validators, for a local multi-node network) and `production` (the template of a public
//! network: no sudo, no funded development accounts, realistic periods; its launchers fill in
//! the validators, balances and governing bodies, see `docs/operators.md`).

use crate::{
	AccountId, Balance, BalancesConfig, BlockNumber, CouncilConfig, OperatorsConfig,
	RegistryConfig, RuntimeGenesisConfig, SessionConfig, SessionKeys, SudoConfig,
	TechnicalCommitteeConfig, ValidatorsConfig, DAYS, MILLI_UNIT, MINUTES, UNIT,
};
use alloc::{vec, vec::Vec};
use frame_support::build_struct_json_patch;
use pallet_ddns_operators::crypto::ProberId;
use pallet_ddns_registry::Params;
use serde_json::Value;
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_consensus_grandpa::AuthorityId as GrandpaId;
use sp_genesis_builder::{self, PresetId};
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};
use sp_runtime::Perbill;

/// What each well-known development account starts with: one million DDNS.
pub const ENDOWMENT: crate::Balance = 1_000_000 * UNIT;

/// The block reward every preset starts with: 1 DDNS a block, 5.26 M DDNS a year (about 5 %
/// a year of a 100 M DDNS supply). Governance changes it (`validators.setBlockReward`).
pub const BLOCK_REWARD: crate::Balance = UNIT;

/// The name of the production template preset.
pub const PRODUCTION_PRESET: &str = "production";

/// A genesis validator: its account and session keys.
pub type Authority = (AccountId, AuraId, GrandpaId, ProberId);

/// A genesis validator: its account, and session keys from the same well-known seed (Aura and
/// the probe key on sr25519, GRANDPA on ed25519).
fn authority(who: Sr25519Keyring, grandpa: Ed25519Keyring) -> Authority {
	(who.to_account_id(), who.public().into(), grandpa.public().into(), who.public().into())
}

/// Every well-known development account (Alice..Ferdie and their stashes).
fn dev_accounts() -> Vec<AccountId> {
	Sr25519Keyring::iter()
		.filter(|k| *k != Sr25519Keyring::One && *k != Sr25519Keyring::Two)
		.map(|k| k.to_account_id())
		.collect()
}

/// Registry figures shared by both presets: prices, the burn share and deposits.
fn registry_params(
	period: BlockNumber,
	grace: BlockNumber,
	premium_window: BlockNumber,
	premium_halving: BlockNumber,
	min_commitment_age: BlockNumber,
	max_commitment_age: BlockNumber,
) -> Params<Balance, BlockNumber> {
	Params {
		period,
		max_periods: 10,
		grace,
		premium_window,
		premium_halving,
		premium_start: 10_000 * UNIT,
		rent: [640 * UNIT, 160 * UNIT, 5 * UNIT],
		burn: Perbill::from_percent(50),
		deposit_base: 100 * MILLI_UNIT,
		deposit_per_byte: MILLI_UNIT,
		commitment_deposit: 100 * MILLI_UNIT,
		min_commitment_age,
		max_commitment_age,
	}
}

/// `development`: a lifecycle measured in minutes, so a test can walk through all of it.
/// Period 2 min, grace 1 min, premium window 1 min halving every 2 blocks; a commitment may be
/// revealed from the next block to 10 minutes after.
pub fn development_registry_params() -> Params<Balance, BlockNumber> {
	registry_params(2 * MINUTES, MINUTES, MINUTES, 2, 1, 10 * MINUTES)
}

/// `local_testnet`: realistic figures. Period one year, 90 days of grace, a 21-day premium
/// window halving daily; reveal from one minute to one day after committing.
pub fn local_registry_params() -> Params<Balance, BlockNumber> {
	registry_params(365 * DAYS, 90 * DAYS, 21 * DAYS, DAYS, MINUTES, DAYS)
}

/// The operators' figures. Rates are per era, so they are chosen with the era's length:
/// - a seed or a relay earns 20 DDNS and a resolver 10 DDNS for an era fully up; seeds and
///   relays get 40 % of the budget each, resolvers 20 %;
/// - an era's budget is at most 10 % of the pot above its 1,000 DDNS minimum (and never above
///   10,000 DDNS), so a pot that stops being fed lasts; no emission until governance sets one;
/// - the bond is 1,000 DDNS: 50 fully-up eras of a seed, dear enough that a host's slot is not
///   free to fill, cheap enough for an honest operator;
/// - below 50 % of the counted rounds up an era earns nothing and is a strike; three strikes in
///   a row suspend.
fn operators_params(
	round_length: u32,
	rounds_per_era: u32,
	unbonding_eras: u32,
	allow_private: bool,
) -> pallet_ddns_operators::Params<Balance> {
	pallet_ddns_operators::Params {
		bond: 1_000 * UNIT,
		max_per_kind: 100,
		round_length,
		rounds_per_era,
		unbonding_eras,
		rates: [20 * UNIT, 20 * UNIT, 10 * UNIT],
		shares: [Perbill::from_percent(40), Perbill::from_percent(40), Perbill::from_percent(20)],
		budget_cap: 10_000 * UNIT,
		pot_share: Perbill::from_percent(10),
		pot_minimum: 1_000 * UNIT,
		emission: 0,
		min_score: Perbill::from_percent(50),
		max_strikes: 3,
		allow_private,
	}
}

/// `development` (and the zombienet network): rounds of 10 blocks (one minute), eras of 6
/// rounds (six minutes), so a test sees eras close; unbonding takes 2 eras; services may sit
/// on loopback and private addresses.
pub fn development_operators_params() -> pallet_ddns_operators::Params<Balance> {
	operators_params(10, 6, 2, true)
}

/// `local_testnet`: rounds of 100 blocks (10 minutes, time to probe 300 services at a random
/// moment each), eras of 144 rounds (a day), unbonding over 7 eras (a week: long enough to
/// slash a fraud found after the fact). Private addresses are allowed: a local network runs
/// on one host or a LAN.
pub fn local_operators_params() -> pallet_ddns_operators::Params<Balance> {
	operators_params(100, 144, 7, true)
}

/// `production`: the `local_testnet` figures, with global addresses only.
pub fn production_operators_params() -> pallet_ddns_operators::Params<Balance> {
	operators_params(100, 144, 7, false)
}

/// The genesis of a chain: its validators (with session keys), funded accounts, sudo key (none
/// on a public network), council and technical committee, and registry and operators figures.
fn genesis(
	initial_authorities: Vec<Authority>,
	endowed_accounts: Vec<AccountId>,
	root: Option<AccountId>,
	council: Vec<AccountId>,
	technical_committee: Vec<AccountId>,
	registry: Params<Balance, BlockNumber>,
	operators: pallet_ddns_operators::Params<Balance>,
) -> Value {
	build_struct_json_patch!(RuntimeGenesisConfig {
		balances: BalancesConfig {
			balances: endowed_accounts.into_iter().map(|k| (k, ENDOWMENT)).collect::<Vec<_>>(),
		},
		// Aura and GRANDPA get their authorities from the session keys below.
		validators: ValidatorsConfig {
			initial: initial_authorities.iter().map(|x| x.0.clone()).collect::<Vec<_>>(),
			block_reward: BLOCK_REWARD,
		},
		session: SessionConfig {
			keys: initial_authorities
				.iter()
				.map(|(who, aura, grandpa, probe)| {
					(
						who.clone(),
						who.clone(),
						SessionKeys {
							aura: aura.clone(),
							grandpa: grandpa.clone(),
							probe: probe.clone(),
						},
					)
				})
				.collect::<Vec<_>>(),
		},
		sudo: SudoConfig { key: root },
		council: CouncilConfig { members: council },
		technical_committee: TechnicalCommitteeConfig { members: technical_committee },
		registry: RegistryConfig { params: Some(registry) },
		operators: OperatorsConfig { params: Some(operators) },
	})
}

/// A test network: every well-known development account funded, Alice sudo, Alice, Bob and
/// Charlie the council, Alice and Bob the technical committee.
fn testnet_genesis(
	initial_authorities: Vec<Authority>,
	registry: Params<Balance, BlockNumber>,
	operators: pallet_ddns_operators::Params<Balance>,
) -> Value {
	use Sr25519Keyring::{Alice, Bob, Charlie};
	genesis(
		initial_authorities,
		dev_accounts(),
		Some(Alice.to_account_id()),
		vec![Alice.to_account_id(), Bob.to_account_id(), Charlie.to_account_id()],
		vec![Alice.to_account_id(), Bob.to_account_id()],
		registry,
		operators,
	)
}

/// `development`: Alice validates alone; every dev account is funded; Alice is sudo.
pub fn development_config_genesis() -> Value {
	testnet_genesis(
		vec![authority(Sr25519Keyring::Alice, Ed25519Keyring::Alice)],
		development_registry_params(),
		development_operators_params(),
	)
}

/// `local_testnet`: Alice, Bob, Charlie and Dave validate; every dev account is funded.
pub fn local_config_genesis() -> Value {
	testnet_genesis(
		vec![
			authority(Sr25519Keyring::Alice, Ed25519Keyring::Alice),
			authority(Sr25519Keyring::Bob, Ed25519Keyring::Bob),
			authority(Sr25519Keyring::Charlie, Ed25519Keyring::Charlie),
			authority(Sr25519Keyring::Dave, Ed25519Keyring::Dave),
		],
		local_registry_params(),
		local_operators_params(),
	)
}

/// `production`: the template of a public network. No sudo (root is reached only through
/// referenda), no funded account, no validator, empty governing bodies, and the realistic
/// registry figures of `local_testnet`. A chain spec made from it does not start as it is:
/// its launchers add the genesis validators (`validators.initial` and their `session.keys`),
/// the initial balances and the council and technical committee, then build the raw spec
/// (`docs/operators.md`, "Launching a public network").
pub fn production_config_genesis() -> Value {
	genesis(
		vec![],
		vec![],
		None,
		vec![],
		vec![],
		local_registry_params(),
		production_operators_params(),
	)
}

/// The JSON patch of the preset named `id`, if there is one.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
	let patch = match id.as_ref() {
		sp_genesis_builder::DEV_RUNTIME_PRESET => development_config_genesis(),
		sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET => local_config_genesis(),
		PRODUCTION_PRESET => production_config_genesis(),
		_ => return None,
	};
	// A `serde_json::Value` built above always serializes.
	serde_json::to_vec(&patch).ok()
}

/// Names of the presets this runtime ships.
pub fn preset_names() -> Vec<PresetId> {
	vec![
		PresetId::from(sp_genesis_builder::DEV_RUNTIME_PRESET),
		PresetId::from(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET),
		PresetId::from(PRODUCTION_PRESET),
	]
}

#[cfg(test)]
pub(crate) mod tests {
	use super::*;
	use crate::{Runtime, MILLI_SECS_PER_BLOCK};
	use sp_runtime::BuildStorage;

	/// The genesis state of `preset`, built the way the node builds it.
	pub(crate) fn build(preset: &str) -> sp_io::TestExternalities {
		build_patched(preset, Value::Null)
	}

	/// The genesis state of `preset` with `patch` merged over it (what a chain spec's editor
	/// does).
	pub(crate) fn build_patched(preset: &str, patch: Value) -> sp_io::TestExternalities {
		let json = get_preset(&PresetId::from(preset)).expect("preset exists");
		let mut config: serde_json::Value = serde_json::from_slice(&json).unwrap();
		// Presets are patches over the default config: merge them like the node does.
		let mut full = serde_json::to_value(RuntimeGenesisConfig::default()).unwrap();
		merge(&mut full, config.take());
		if !patch.is_null() {
			merge(&mut full, patch);
		}
		let config: RuntimeGenesisConfig = serde_json::from_value(full).unwrap();
		config.build_storage().unwrap().into()
	}

	fn merge(a: &mut Value, b: Value) {
		match (a, b) {
			(Value::Object(a), Value::Object(b)) => {
				for (k, v) in b {
					merge(a.entry(k).or_insert(Value::Null), v);
				}
			},
			(a, b) => *a = b,
		}
	}

	#[test]
	fn presets_build_with_valid_registry_params() {
		for preset in [
			sp_genesis_builder::DEV_RUNTIME_PRESET,
			sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET,
		] {
			build(preset).execute_with(|| {
				let params = pallet_ddns_registry::RegistryParams::<Runtime>::get().unwrap();
				assert!(pallet_ddns_registry::Pallet::<Runtime>::params_valid(&params));
				let ops = pallet_ddns_operators::OperatorParams::<Runtime>::get().unwrap();
				assert!(pallet_ddns_operators::Pallet::<Runtime>::params_valid(&ops));
				assert!(
					pallet_balances::Pallet::<Runtime>::free_balance(
						pallet_ddns_registry::Pallet::<Runtime>::reward_pot()
					) > 0
				);
			});
		}
	}

	#[test]
	fn genesis_validators_author_and_vote_through_their_session_keys() {
		for (preset, n) in [
			(sp_genesis_builder::DEV_RUNTIME_PRESET, 1),
			(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET, 4),
		] {
			build(preset).execute_with(|| {
				let validators = pallet_ddns_validators::Validators::<Runtime>::get();
				assert_eq!(validators.len(), n, "{preset}");
				assert_eq!(pallet_session::Validators::<Runtime>::get(), validators.to_vec());
				let aura = pallet_aura::Authorities::<Runtime>::get();
				assert_eq!(aura.len(), n, "{preset}: Aura authorities from session keys");
				assert_eq!(pallet_grandpa::Pallet::<Runtime>::grandpa_authorities().len(), n);
				assert_eq!(pallet_ddns_operators::Probers::<Runtime>::get().len(), n, "probers");
				// Each validator's Aura key is the one its session keys hold.
				for (who, key) in validators.iter().zip(aura.iter()) {
					let keys = pallet_session::NextKeys::<Runtime>::get(who).expect("keys set");
					assert_eq!(&keys.aura, key);
				}
			});
		}
	}

	#[test]
	fn dev_lifecycle_runs_in_minutes_and_local_in_days() {
		let minutes = |blocks: BlockNumber| blocks as u64 * MILLI_SECS_PER_BLOCK / 60_000;
		let dev = development_registry_params();
		assert!(minutes(dev.period + dev.grace + dev.premium_window) <= 5);
		let local = local_registry_params();
		assert_eq!(local.period, 365 * DAYS);
		assert_eq!(local.grace, 90 * DAYS);
		assert_eq!(local.premium_window, 21 * DAYS);
	}

	#[test]
	fn production_has_no_sudo_no_dev_money_and_realistic_figures_and_starts_once_filled_in() {
		let dave = Sr25519Keyring::Dave;
		// What the launchers add: one validator with its keys, its money, a council.
		let (who, aura, grandpa, probe) = authority(dave, Ed25519Keyring::Dave);
		let patch = serde_json::json!({
			"validators": { "initial": [who.clone()] },
			"session": { "keys": [[who.clone(), who.clone(), { "aura": aura, "grandpa": grandpa, "probe": probe }]] },
			"balances": { "balances": [[who.clone(), 1_000 * UNIT]] },
			"council": { "members": [who.clone()] },
		});
		build_patched(PRODUCTION_PRESET, patch).execute_with(|| {
			assert_eq!(pallet_sudo::Key::<Runtime>::get(), None, "no sudo on a public network");
			for account in dev_accounts().into_iter().filter(|a| *a != who) {
				assert!(!frame_system::Account::<Runtime>::contains_key(&account), "{account}");
			}
			assert_eq!(
				pallet_ddns_registry::RegistryParams::<Runtime>::get(),
				Some(local_registry_params())
			);
			assert_eq!(pallet_ddns_validators::BlockReward::<Runtime>::get(), BLOCK_REWARD);
			assert_eq!(
				pallet_collective::Members::<Runtime, crate::configs::CouncilCollective>::get(),
				vec![who]
			);
			assert!(
				pallet_collective::Members::<Runtime, crate::configs::TechnicalCollective>::get()
					.is_empty()
			);
			assert_eq!(pallet_aura::Authorities::<Runtime>::get().len(), 1);
		});
		// The test networks keep their sudo and their governing bodies.
		build(sp_genesis_builder::DEV_RUNTIME_PRESET).execute_with(|| {
			assert!(pallet_sudo::Key::<Runtime>::get().is_some());
			assert_eq!(
				pallet_collective::Members::<Runtime, crate::configs::CouncilCollective>::get()
					.len(),
				3
			);
			assert_eq!(
				pallet_collective::Members::<Runtime, crate::configs::TechnicalCollective>::get()
					.len(),
				2
			);
		});
	}
}
