//! `ddns-verify`: checks ddns answers against the chain itself, not against the node that gives
//! them.
//!
//! ```text
//! ddns-verify init --chain-spec raw.json          # pin the genesis hash and GRANDPA set
//! ddns-verify resolve alice.ddns --from http://127.0.0.1:9944
//! ddns-verify check bundle.json alice.ddns        # a bundle from a file, offline
//! ```
//!
//! Prints the verified answer as JSON (with `"view": null` for a verified NXDOMAIN) and exits 0,
//! or says which check failed and exits with that check's code (`ddns_verify::Failure::code`).

use clap::{Parser, Subcommand};
use ddns_verify::{genesis, grandpa, http, json, Bundle, Failure, Header, Trust};
use serde_json::{json, Value};
use sp_core::H256;
use std::{
	path::{Path, PathBuf},
	time::{SystemTime, UNIX_EPOCH},
};

#[derive(Parser)]
#[command(name = "ddns-verify", version, about)]
struct Cli {
	/// Where the pinned trust is kept (genesis, authority set, highest block verified).
	#[arg(long, global = true, default_value = "ddns-verify.json")]
	state: PathBuf,
	#[command(subcommand)]
	command: Command,
}

#[derive(Subcommand)]
enum Command {
	/// Pins a chain from its raw chain spec (`ddns-node build-spec --chain ... --raw`).
	Init {
		#[arg(long)]
		chain_spec: PathBuf,
	},
	/// Fetches a proof bundle for NAME from a node's JSON-RPC and verifies it.
	Resolve {
		name: String,
		/// The node's JSON-RPC endpoint (http:// or ws://; it is not trusted).
		#[arg(long)]
		from: String,
		/// The block to prove at (a hash; default: the newest the node has a justification for).
		#[arg(long)]
		at: Option<String>,
		/// Oldest block accepted, in seconds.
		#[arg(long, default_value_t = 600)]
		max_age: u64,
	},
	/// Verifies a bundle read from a file (`-` for stdin); set changes are not followed.
	Check {
		bundle: PathBuf,
		name: String,
		#[arg(long, default_value_t = 600)]
		max_age: u64,
		/// Checks freshness against this time (milliseconds since the Unix epoch), not now.
		#[arg(long)]
		now_ms: Option<u64>,
	},
}

fn load(path: &Path) -> Result<Trust, Failure> {
	let text = std::fs::read_to_string(path).map_err(|e| {
		Failure::Trust(format!("{}: {e} (run `ddns-verify init` first)", path.display()))
	})?;
	serde_json::from_str(&text).map_err(|e| Failure::Trust(format!("{}: {e}", path.display())))
}

fn save(path: &Path, trust: &Trust) -> Result<(), Failure> {
	let tmp = path.with_extension("tmp");
	let text = serde_json::to_string_pretty(trust).expect("a trust serializes");
	std::fs::write(&tmp, text)
		.and_then(|_| std::fs::rename(&tmp, path))
		.map_err(|e| Failure::Trust(format!("{}: {e}", path.display())))
}

fn now_ms() -> u64 {
	SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

fn fetch_header(url: &str, hash: H256) -> Result<Header, Failure> {
	let header =
		http::call(url, "chain_getHeader", json!([format!("{hash:?}")])).map_err(Failure::Fetch)?;
	serde_json::from_value(header).map_err(|e| Failure::Fetch(format!("a header: {e}")))
}

/// Follows the authority set from `trust` up to `set_id` with the node's finality proofs.
fn follow(url: &str, mut trust: Trust, set_id: u64) -> Result<Trust, Failure> {
	while trust.set_id < set_id {
		let proof = http::call(url, "grandpa_proveFinality", json!([trust.set_since + 1]))
			.map_err(Failure::Fetch)?;
		let proof = proof.as_str().and_then(json::unhex).ok_or_else(|| {
			Failure::SetChange(format!(
				"the node has no proof that set {} ended, yet says B is of set {set_id}",
				trust.set_id
			))
		})?;
		trust = grandpa::follow_change(&trust, &proof, |hash| fetch_header(url, hash))?;
		eprintln!("followed the authority set to {} (since #{})", trust.set_id, trust.set_since);
	}
	Ok(trust)
}

fn run(cli: Cli) -> Result<Value, Failure> {
	match cli.command {
		Command::Init { chain_spec } => {
			let spec = std::fs::read_to_string(&chain_spec)
				.map_err(|e| Failure::Trust(format!("{}: {e}", chain_spec.display())))?;
			let trust = genesis::trust_from_spec(&spec)?;
			save(&cli.state, &trust)?;
			Ok(
				json!({ "genesis": format!("{:?}", trust.genesis), "authorities": trust.authorities }),
			)
		},
		Command::Resolve { name, from, at, max_age } => {
			let trust = load(&cli.state)?;
			let bundle = http::call(&from, "ddns_resolveWithProof", json!([name, at]))
				.map_err(Failure::Fetch)?;
			let bundle: Bundle =
				serde_json::from_value(bundle).map_err(|e| Failure::Malformed(e.to_string()))?;
			let trust = if bundle.set_id > trust.set_id && bundle.genesis == trust.genesis {
				let followed = follow(&from, trust, bundle.set_id)?;
				save(&cli.state, &followed)?;
				followed
			} else {
				trust
			};
			let verified = ddns_verify::verify(&bundle, &name, &trust, now_ms(), max_age * 1000)?;
			save(
				&cli.state,
				&Trust { last_block: verified.block.number.max(trust.last_block), ..trust },
			)?;
			Ok(verified.to_json())
		},
		Command::Check { bundle, name, max_age, now_ms: at } => {
			let trust = load(&cli.state)?;
			let text = if bundle.as_os_str() == "-" {
				std::io::read_to_string(std::io::stdin())
			} else {
				std::fs::read_to_string(&bundle)
			}
			.map_err(|e| Failure::Fetch(format!("{}: {e}", bundle.display())))?;
			let bundle: Bundle =
				serde_json::from_str(&text).map_err(|e| Failure::Malformed(e.to_string()))?;
			let verified = ddns_verify::verify(
				&bundle,
				&name,
				&trust,
				at.unwrap_or_else(now_ms),
				max_age * 1000,
			)?;
			Ok(verified.to_json())
		},
	}
}

fn main() {
	let cli = Cli::parse();
	match run(cli) {
		Ok(answer) => println!("{answer}"),
		Err(failure) => {
			println!(
				"{}",
				json!({ "verified": false, "check": failure.kind(), "error": failure.to_string() })
			);
			eprintln!("ddns-verify: {failure}");
			std::process::exit(failure.code());
		},
	}
}
