//! `ddns-verify`: checks ddns answers against the chain itself, not against the node that gives
//! them.
//!
//! ```text
//! ddns-verify init --chain-spec raw.json          # pin the genesis hash and GRANDPA set
//! ddns-verify resolve alice.ddns --from http://127.0.0.1:9944
//! ddns-verify resolve alice.ddns --daemon http://127.0.0.1:8053 --from http://127.0.0.1:9944
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
	/// Fetches a proof bundle for NAME from a node's JSON-RPC (`--from`) or a daemon's HTTP
	/// face (`--daemon`), and verifies it.
	Resolve {
		name: String,
		/// A node's JSON-RPC endpoint (http:// or ws://; it is not trusted).
		#[arg(long, required_unless_present = "daemon")]
		from: Option<String>,
		/// A ddns-resolver's HTTP face (http://host:port): its answer and endpoint record are
		/// checked too. Authority-set changes are followed through `--from`.
		#[arg(long)]
		daemon: Option<String>,
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
		/// Verifies this many times and prints the time per verification to stderr (a
		/// benchmark: scripts/bench-verify.sh).
		#[arg(long, default_value_t = 1, hide = true)]
		repeat: u32,
	},
}

fn load(path: &Path) -> Result<Trust, Failure> {
	let text = std::fs::read_to_string(path).map_err(|e| {
		Failure::Trust(format!("{}: {e} (run `ddns-verify init` first)", path.display()))
	})?;
	serde_json::from_str(&text).map_err(|e| Failure::Trust(format!("{}: {e}", path.display())))
}

fn save(path: &Path, trust: &Trust) -> Result<(), Failure> {
	let tmp = path.with_extension(format!("{}.tmp", std::process::id()));
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

/// Follows the authority set from `trust` up to `set_id` with the node's finality proofs: for
/// each set, the proof of its last block, which `ends` names (the server's hint; the proof's
/// justification is what counts).
fn follow(url: &str, mut trust: Trust, set_id: u64, ends: &[(u64, u32)]) -> Result<Trust, Failure> {
	while trust.set_id < set_id {
		let end =
			ends.iter().find(|(id, _)| *id == trust.set_id).map(|(_, n)| *n).ok_or_else(|| {
				Failure::SetChange(format!(
					"B is of set {set_id}, and the bundle does not say where set {} ended",
					trust.set_id
				))
			})?;
		let proof =
			http::call(url, "grandpa_proveFinality", json!([end])).map_err(Failure::Fetch)?;
		let proof = proof.as_str().and_then(json::unhex).ok_or_else(|| {
			Failure::SetChange(format!("the node has no proof that set {} ended", trust.set_id))
		})?;
		trust = grandpa::follow_change(&trust, &proof, |hash| fetch_header(url, hash))?;
		eprintln!("followed the authority set to {} (since #{})", trust.set_id, trust.set_since);
	}
	Ok(trust)
}

/// A daemon's bundle: `GET /resolve?name=<name>&proof=1`.
fn from_daemon(url: &str, name: &str) -> Result<Value, Failure> {
	let url = format!("{}/resolve?name={name}&proof=1", url.trim_end_matches('/'));
	let (status, body) = http::request("GET", &url, None).map_err(Failure::Fetch)?;
	let body: Value = serde_json::from_slice(&body)
		.map_err(|e| Failure::Fetch(format!("{url}: HTTP {status}, not JSON: {e}")))?;
	if status != 200 {
		return Err(Failure::Fetch(format!("{url}: HTTP {status}: {body}")));
	}
	Ok(body)
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
		Command::Resolve { name, from, daemon, at, max_age } => {
			let trust = load(&cli.state)?;
			let bundle = match (&daemon, &from) {
				(Some(daemon), _) => from_daemon(daemon, &name)?,
				(None, Some(from)) => http::call(from, "ddns_resolveWithProof", json!([name, at]))
					.map_err(Failure::Fetch)?,
				(None, None) => return Err(Failure::Fetch("pass --from or --daemon".into())),
			};
			let bundle: Bundle =
				serde_json::from_value(bundle).map_err(|e| Failure::Malformed(e.to_string()))?;
			let trust = if bundle.set_id > trust.set_id && bundle.genesis == trust.genesis {
				let from = from.as_deref().ok_or_else(|| {
					Failure::SetChange(format!(
						"B is of set {}, the pinned set is {}: pass --from <node> to follow the change",
						bundle.set_id, trust.set_id
					))
				})?;
				let followed = follow(from, trust, bundle.set_id, &bundle.set_ends)?;
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
		Command::Check { bundle, name, max_age, now_ms: at, repeat } => {
			let trust = load(&cli.state)?;
			let text = if bundle.as_os_str() == "-" {
				std::io::read_to_string(std::io::stdin())
			} else {
				std::fs::read_to_string(&bundle)
			}
			.map_err(|e| Failure::Fetch(format!("{}: {e}", bundle.display())))?;
			let bundle: Bundle =
				serde_json::from_str(&text).map_err(|e| Failure::Malformed(e.to_string()))?;
			let now = at.unwrap_or_else(now_ms);
			let started = std::time::Instant::now();
			let mut verified = ddns_verify::verify(&bundle, &name, &trust, now, max_age * 1000)?;
			for _ in 1..repeat {
				verified = ddns_verify::verify(&bundle, &name, &trust, now, max_age * 1000)?;
			}
			if repeat > 1 {
				let micros = started.elapsed().as_secs_f64() * 1e6 / repeat as f64;
				eprintln!("{}", json!({ "runs": repeat, "microsPerVerify": micros.round() }));
			}
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
