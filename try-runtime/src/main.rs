//! `ddns-try-runtime ws://HOST:PORT`: checks this runtime's migrations against the state of a live chain,
//! the way `try-runtime on-runtime-upgrade` does, with the runtime compiled natively.
//!
//! 1. Downloads the whole state at the node's finalized head (`frame-remote-externalities`;
//!    the download is checked against the header's state root).
//! 2. Checks it as it is: every pallet's `try_state`.
//! 3. When the chain's registry is already at the version in the code (a chain started from
//!    this code), puts it back in the layout of the oldest storage version a live chain may
//!    still have (v1: `Commitments` keyed by the hash as it is, no epoch counter), so that the
//!    migrations have something to do. A chain at an older version is migrated as it is.
//! 4. Runs every migration (`Executive::try_runtime_upgrade`) with their `pre_upgrade` and
//!    `post_upgrade` checks and every pallet's `try_state`, and checks that the commitments came
//!    back exactly as the live chain holds them and that the weight fits in a block.
//! 5. Runs them again and checks that nothing changes (idempotency: the same state root).
//!
//! Exit code 0 when every check passed; 1 with the failed check on stderr otherwise.
//! `scripts/try-runtime.sh` starts a dev chain, gives it names, commitments and subdomains, and
//! runs this against it; `scripts/test.sh` runs that script.

use ddns_runtime::{configs::RuntimeBlockWeights, Block, Executive, Runtime};
use frame_remote_externalities::{Builder, Mode, OnlineConfig};
use frame_support::{
	storage::{unhashed, StoragePrefixedMap},
	traits::{GetStorageVersion, StorageVersion, TryState, TryStateSelect},
};
use frame_try_runtime::UpgradeCheckSelect;
use sp_runtime::{traits::Header, StateVersion};

type Registry = pallet_ddns_registry::Pallet<Runtime>;

/// The prefix every commitment's key starts with, as the pallet's own storage type has it.
fn commitments_prefix() -> [u8; 32] {
	<pallet_ddns_registry::Commitments<Runtime> as StoragePrefixedMap<_>>::final_prefix()
}

/// Every key and value under `prefix`.
fn pairs(prefix: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
	let mut out = Vec::new();
	let mut key = prefix.to_vec();
	while let Some(next) = sp_io::storage::next_key(&key) {
		if !next.starts_with(prefix) {
			break;
		}
		let value = unhashed::get_raw(&next).unwrap_or_default();
		out.push((next.clone(), value));
		key = next;
	}
	out
}

/// Rewrites the registry into its v1 layout: each commitment under `prefix ++ hash` instead of
/// `prefix ++ blake2_128(hash) ++ hash`, no `LastEpoch`, storage version 1. Returns how many
/// commitments it moved.
fn registry_back_to_v1() -> Result<usize, String> {
	let prefix = commitments_prefix();
	let entries = pairs(&prefix);
	for (key, value) in &entries {
		let suffix = &key[prefix.len()..];
		if suffix.len() != 16 + 32 {
			return Err(format!(
				"a commitment key of {} bytes is not Blake2_128Concat",
				suffix.len()
			));
		}
		unhashed::kill(key);
		unhashed::put_raw(&[&prefix[..], &suffix[16..]].concat(), value);
	}
	pallet_ddns_registry::LastEpoch::<Runtime>::kill();
	StorageVersion::new(1).put::<Registry>();
	Ok(entries.len())
}

fn check(what: &str, ok: bool) -> Result<(), String> {
	if ok {
		println!("  ok  {what}");
		Ok(())
	} else {
		Err(format!("FAILED: {what}"))
	}
}

async fn run(uri: String) -> Result<(), String> {
	let mut ext = Builder::<Block>::new()
		.mode(Mode::Online(OnlineConfig {
			transport_uris: vec![uri.clone()],
			..Default::default()
		}))
		.build()
		.await
		.map_err(|e| format!("downloading the state from {uri}: {e}"))?;
	let number = *ext.header.number();
	println!("state of {uri} at finalized block #{number} (checked against its state root)");

	ext.execute_with(|| -> Result<(), String> {
		let live_version = Registry::on_chain_storage_version();
		println!(
			"registry storage version on chain: {live_version:?}, in code: {:?}",
			Registry::in_code_storage_version()
		);
		<ddns_runtime::AllPalletsWithSystem as TryState<_>>::try_state(number, TryStateSelect::All)
			.map_err(|e| format!("FAILED: try_state of the live state: {e:?}"))?;
		check("every pallet's try_state holds on the live state", true)?;

		let current = live_version == Registry::in_code_storage_version();
		let live_commitments = pairs(&commitments_prefix());
		if current {
			let moved = registry_back_to_v1()?;
			println!(
				"registry put back to v1: {moved} commitments re-keyed, epoch counter removed"
			);
		} else {
			println!("registry at {live_version:?}: migrating the live state as it is");
		}

		let weight = Executive::try_runtime_upgrade(UpgradeCheckSelect::All).map_err(|e| {
			format!("FAILED: on-runtime-upgrade (pre/post checks, try_state): {e:?}")
		})?;
		check("every migration's pre_upgrade and post_upgrade, then every try_state", true)?;
		let max = RuntimeBlockWeights::get().max_block;
		println!(
			"  migration weight: {} ps ref time, {} B proof ({:.2} % of a block)",
			weight.ref_time(),
			weight.proof_size(),
			weight.ref_time() as f64 * 100.0 / max.ref_time() as f64
		);
		check("the migrations fit in one block", weight.all_lte(max))?;
		check(
			"the registry is at its in-code storage version",
			Registry::on_chain_storage_version() == Registry::in_code_storage_version(),
		)?;
		let migrated = pairs(&commitments_prefix());
		if current {
			check(
				&format!(
					"all {} commitments are back under their live keys, unchanged",
					live_commitments.len()
				),
				migrated == live_commitments,
			)?;
		} else {
			check(
				&format!("as many commitments as before ({})", live_commitments.len()),
				migrated.len() == live_commitments.len(),
			)?;
		}

		let before = sp_io::storage::root(StateVersion::V1);
		Executive::try_runtime_upgrade(UpgradeCheckSelect::All)
			.map_err(|e| format!("FAILED: second on-runtime-upgrade: {e:?}"))?;
		let after = sp_io::storage::root(StateVersion::V1);
		check("running the migrations again changes nothing (same state root)", before == after)
	})
}

#[tokio::main]
async fn main() {
	let uri = std::env::args().nth(1).unwrap_or_else(|| "ws://127.0.0.1:9944".into());
	match run(uri).await {
		Ok(()) => println!("try-runtime: every check passed"),
		Err(e) => {
			eprintln!("try-runtime: {e}");
			std::process::exit(1);
		},
	}
}
