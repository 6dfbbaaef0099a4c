//! The chain specifications `ddns-node` knows by name.

use ddns_runtime::{SS58_PREFIX, TOKEN_DECIMALS, TOKEN_SYMBOL, WASM_BINARY};
use sc_service::{ChainType, Properties};

/// A chain spec over the ddns runtime's genesis config.
pub type ChainSpec = sc_service::GenericChainSpec;

/// Token symbol, decimals and address format, so wallets show `DDNS` amounts correctly.
fn properties() -> Properties {
	let mut p = Properties::new();
	p.insert("tokenSymbol".into(), TOKEN_SYMBOL.into());
	p.insert("tokenDecimals".into(), TOKEN_DECIMALS.into());
	p.insert("ss58Format".into(), SS58_PREFIX.into());
	p
}

fn builder(name: &str, id: &str, kind: ChainType, preset: &str) -> Result<ChainSpec, String> {
	let wasm = WASM_BINARY.ok_or_else(|| {
		"the runtime wasm was not built; rebuild without SKIP_WASM_BUILD".to_string()
	})?;
	Ok(ChainSpec::builder(wasm, None)
		.with_name(name)
		.with_id(id)
		.with_protocol_id("ddns")
		.with_chain_type(kind)
		.with_properties(properties())
		.with_genesis_config_preset_name(preset)
		.build())
}

/// `--dev` / `--chain dev`: Alice validates alone.
pub fn development_chain_spec() -> Result<ChainSpec, String> {
	builder(
		"ddns Development",
		"ddns_dev",
		ChainType::Development,
		sp_genesis_builder::DEV_RUNTIME_PRESET,
	)
}

/// `--chain local`: Alice, Bob, Charlie and Dave validate.
pub fn local_chain_spec() -> Result<ChainSpec, String> {
	builder(
		"ddns Local Testnet",
		"ddns_local_testnet",
		ChainType::Local,
		sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET,
	)
}

/// `--chain production`: the template of a public network (no sudo, no funded account, no
/// validator). Emit it with `build-spec --chain production`, fill in the genesis validators,
/// balances and governing bodies, then build the raw spec; see `docs/operators.md`.
pub fn production_chain_spec() -> Result<ChainSpec, String> {
	builder(
		"ddns",
		"ddns",
		ChainType::Live,
		ddns_runtime::genesis_config_presets::PRODUCTION_PRESET,
	)
}

/// The block at which the `scale-<N>` chains' expiry spike falls: four minutes in, time for a
/// benchmark to start the node and measure it before and after.
pub const SCALE_SPIKE_AT: u32 = 40;

/// `--chain scale-<N>`: the development chain (Alice validates alone, dev registry figures)
/// holding `names` registered names from genesis, made by the registry's synthetic genesis
/// (`pallet_ddns_registry::synthetic`): a quarter as many owners, subdomains to depth 3, and a
/// tenth of the names (at most 100,000) expiring together at block [`SCALE_SPIKE_AT`], the rest
/// spread over a year. Every node builds the same state from this small spec. For
/// `scripts/bench-scale.sh`; never a live network.
pub fn scale_chain_spec(names: u32) -> Result<ChainSpec, String> {
	let wasm = WASM_BINARY.ok_or_else(|| {
		"the runtime wasm was not built; rebuild without SKIP_WASM_BUILD".to_string()
	})?;
	let preset = sp_genesis_builder::PresetId::from(sp_genesis_builder::DEV_RUNTIME_PRESET);
	let dev = ddns_runtime::genesis_config_presets::get_preset(&preset)
		.ok_or("the runtime has no development preset")?;
	let mut patch: serde_json::Value =
		serde_json::from_slice(&dev).map_err(|e| format!("the development preset: {e}"))?;
	patch["registry"]["synthetic"] = serde_json::json!({
		"names": names,
		"spike": (names / 10).min(100_000),
		"spikeAt": SCALE_SPIKE_AT,
		"spread": 365 * ddns_runtime::DAYS,
		"owners": (names / 4).max(1),
	});
	Ok(ChainSpec::builder(wasm, None)
		.with_name(&format!("ddns Scale {names}"))
		.with_id(&format!("ddns_scale_{names}"))
		.with_protocol_id("ddns-scale")
		.with_chain_type(ChainType::Development)
		.with_properties(properties())
		.with_genesis_config_patch(patch)
		.build())
}
