//! Pins a chain from its raw chain spec: the genesis hash, computed from the genesis storage,
//! and the GRANDPA authorities that storage names.

use crate::{decode_all, json, Failure, Header, Trust};
use ddns_primitives::registry::keys;
use serde_json::Value;
use sp_core::storage::well_known_keys;
use sp_runtime::{
	traits::{BlakeTwo256, Hash as _, Header as _},
	StateVersion,
};
use std::collections::BTreeMap;

/// The trust a raw chain spec pins: its genesis block's hash and the GRANDPA set of genesis.
///
/// The genesis state root is the trie root of the spec's storage under the runtime's state
/// version (ddns: version 1), and the genesis header is that root with empty extrinsics, no
/// parent and no digest. A spec with child tries is refused (ddns has none at genesis).
pub fn trust_from_spec(spec: &str) -> Result<Trust, Failure> {
	let spec: Value =
		serde_json::from_str(spec).map_err(|e| Failure::Trust(format!("not JSON: {e}")))?;
	let raw = &spec["genesis"]["raw"];
	let top = raw["top"].as_object().ok_or_else(|| {
		Failure::Trust("no genesis.raw.top: pass a raw spec (build-spec --raw)".into())
	})?;
	if raw["childrenDefault"].as_object().is_some_and(|c| !c.is_empty()) {
		return Err(Failure::Trust("the spec has child tries at genesis".into()));
	}
	let mut storage = BTreeMap::new();
	for (k, v) in top {
		let key = json::unhex(k).ok_or_else(|| Failure::Trust(format!("key {k:?} is not hex")))?;
		let value = v
			.as_str()
			.and_then(json::unhex)
			.ok_or_else(|| Failure::Trust(format!("the value of {k} is not hex")))?;
		storage.insert(key, value);
	}
	let version = match storage.get(well_known_keys::CODE) {
		Some(_) => StateVersion::V1,
		None => return Err(Failure::Trust("the spec has no runtime code".into())),
	};
	let authorities = storage
		.get(&keys::grandpa_authorities())
		.ok_or_else(|| Failure::Trust("the spec names no GRANDPA authorities".into()))?;
	let authorities: sp_consensus_grandpa::AuthorityList =
		decode_all("the GRANDPA authorities", authorities).map_err(Failure::Trust)?;

	let state_root = BlakeTwo256::trie_root(storage.into_iter().collect(), version);
	let extrinsics_root = BlakeTwo256::trie_root(Vec::new(), version);
	let header =
		Header::new(0, extrinsics_root, state_root, Default::default(), Default::default());
	Ok(Trust {
		genesis: header.hash(),
		set_id: 0,
		authorities: Trust::authorities_of(&authorities),
		set_since: 0,
		last_block: 0,
	})
}
