//! Checks a ddns answer without trusting whoever gave it.
//!
//! A [`Bundle`] carries, for one name at one finalized block B: B's header, a GRANDPA
//! justification that finalizes B, and a storage read proof of every key the answer depends on.
//! [`verify`] checks them against a [`Trust`]: the genesis hash and the GRANDPA authority set,
//! pinned from a chain spec ([`genesis`]) and carried across authority-set changes
//! ([`grandpa::follow_change`]). What it returns was decided by the chain's validators, not by
//! the node, the daemon or the proxy that served it.
//!
//! The checks, in order, each with its own [`Failure`]:
//! 1. the bundle is of our chain (genesis, proven from `System::BlockHash(0)` at B too) and for
//!    the name asked;
//! 2. the header is B's (its hash);
//! 3. the justification's target is B, every signature in it is an authority's of the pinned
//!    set for its round, the signers hold more than two thirds of the set's weight, and every
//!    vote is on B or a descendant of it through the headers it carries;
//! 4. the read proof reaches B's state root and holds every key the answer needs (the name, its
//!    records, each ancestor of a subdomain up to the registered one, the registry's parameters
//!    and the block's timestamp); a key that is absent is proven absent;
//! 5. the name's state at B is recomputed with the pallet's own rule
//!    ([`ddns_primitives::registry::lifecycle_and_expiry`]);
//! 6. B's timestamp is no older than the caller's limit, and B is not below a block verified
//!    before;
//! 7. the bundle's convenience view, if any, is what the proof says;
//! 8. a daemon's endpoint record, if any, is signed by the proven node key, in the proven
//!    epoch, for this chain, and valid at B.

pub mod endpoint;
pub mod genesis;
pub mod grandpa;
pub mod http;
pub mod json;

use codec::Decode;
use ddns_primitives::{
	name as rule,
	registry::{
		keys, lifecycle_and_expiry, Lifecycle, NameInfo, NameView, Params, RecordsInfo,
		STORAGE_VERSION,
	},
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sp_core::{crypto::AccountId32, H256};
use sp_runtime::traits::{BlakeTwo256, Header as _};
use sp_trie::StorageProof;

/// The chain's header type.
pub type Header = sp_runtime::generic::Header<u32, BlakeTwo256>;
type Info = NameInfo<AccountId32, u128, u32>;

/// What a client must already hold to check answers: the chain (its genesis hash) and the
/// GRANDPA authority set that finalizes its blocks now, as far as the client has followed it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Trust {
	/// The genesis block's hash.
	pub genesis: H256,
	/// The authority set's id: 0 at genesis, one more at each change.
	pub set_id: u64,
	/// The set's authorities (ed25519 keys, hex) and their weights.
	pub authorities: Vec<(String, u64)>,
	/// The block whose finality enacted this set (0 for the genesis set).
	pub set_since: u32,
	/// The highest block verified so far: an answer from below it is refused as a rollback.
	pub last_block: u32,
}

impl Trust {
	/// The authorities as GRANDPA's types.
	pub fn authority_list(&self) -> Result<sp_consensus_grandpa::AuthorityList, Failure> {
		self.authorities
			.iter()
			.map(|(key, weight)| {
				let bytes: [u8; 32] =
					json::unhex(key).and_then(|b| b.try_into().ok()).ok_or_else(|| {
						Failure::Trust(format!("authority key {key:?} is not 32 hex bytes"))
					})?;
				Ok((sp_core::ed25519::Public::from_raw(bytes).into(), *weight))
			})
			.collect()
	}

	/// The set as stored: keys in hex.
	pub fn authorities_of(list: &sp_consensus_grandpa::AuthorityList) -> Vec<(String, u64)> {
		list.iter().map(|(id, w)| (format!("0x{}", json::hex(id.as_ref())), *w)).collect()
	}
}

/// A proof bundle, as `ddns_resolveWithProof` and the daemon's `/resolve?proof=1` give it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Bundle {
	/// The name asked for.
	pub name: String,
	/// The chain's genesis hash.
	pub genesis: H256,
	/// B: its number and hash.
	pub block: BlockRef,
	/// The authority set that finalized B, as the server believes (a hint: a wrong one fails
	/// the signature check).
	pub set_id: u64,
	/// B's header, SCALE-encoded, hex.
	pub header: String,
	/// A GRANDPA justification finalizing B, SCALE-encoded, hex.
	pub justification: String,
	/// Trie nodes: a read proof of the answer's keys at B's state root, hex.
	pub proof: Vec<String>,
	/// Where each authority set before B's ended, as `(set id, last block)`: a hint for
	/// following set changes (each is proven by its justification).
	#[serde(default)]
	pub set_ends: Vec<(u64, u32)>,
	/// The server's reading of the proof, for convenience: the name's view, or `null` when
	/// nobody holds it. Checked against the proof.
	pub view: Option<Value>,
	/// From a daemon: the signed endpoint record it answers from (wire form, hex). Checked
	/// against the proven node key, epoch and expiry, for this chain.
	#[serde(default, skip_serializing_if = "Option::is_none")]
	pub endpoint: Option<String>,
}

/// A block by number and hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockRef {
	pub number: u32,
	pub hash: H256,
}

/// A verified answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Verified {
	/// The block it holds at.
	pub block: BlockRef,
	/// Its time, in milliseconds since the Unix epoch.
	pub timestamp: u64,
	/// The name's view, or `None` (NXDOMAIN) when nobody holds it at B: never registered,
	/// lapsed past grace, or a subdomain whose chain is broken.
	pub view: Option<NameView<AccountId32, u128, u32>>,
	/// The endpoint record the bundle carried, valid for the proven view.
	pub endpoint: Option<ddns_primitives::endpoint::Endpoint>,
}

impl Verified {
	/// The answer as JSON: the view (or `null`) and the block.
	pub fn to_json(&self) -> Value {
		serde_json::json!({
			"verified": true,
			"block": { "number": self.block.number, "hash": format!("{:?}", self.block.hash) },
			"timestamp": self.timestamp,
			"view": self.view.as_ref().map(json::name_view),
			"endpoint": self.endpoint.as_ref().map(|e| serde_json::json!({
				"peerId": bs58::encode(&e.peer_id).into_string(),
				"multiaddrs": e.addrs.iter().filter_map(|a| ddns_primitives::multiaddr::to_text(a)).collect::<Vec<_>>(),
				"epoch": e.epoch,
				"seq": e.seq,
				"validUntil": e.valid_until,
			})),
		})
	}
}

/// Why an answer was refused. Each kind has its own exit code ([`Failure::code`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
	/// The pinned trust is unusable (a malformed key, a missing file).
	Trust(String),
	/// The bundle could not be fetched or read.
	Fetch(String),
	/// The bundle is malformed (bad hex, an undecodable header or justification).
	Malformed(String),
	/// The bundle is of another chain.
	Genesis { ours: H256, theirs: H256 },
	/// The bundle answers another name than the one asked.
	OtherName { asked: String, answered: String },
	/// The header is not B's.
	Header(String),
	/// The justification finalizes another block than B.
	Target(String),
	/// A signature in the justification is not the pinned set's for its round.
	Signature(String),
	/// The valid signatures hold two thirds of the set's weight or less.
	TooFewSignatures { weight: u64, needed: u64 },
	/// A vote is not on B or a descendant of B through the justification's headers.
	Ancestry(String),
	/// Following the authority set from the pinned one failed (a forced change, a missing
	/// change, a bad proof of the old set's last block).
	SetChange(String),
	/// The read proof does not reach B's state root.
	ProofRoot,
	/// The read proof lacks the trie nodes of a key the answer needs.
	ProofIncomplete(String),
	/// A proof node (its index) hangs under no other: altered, or foreign.
	ProofTampered(usize),
	/// A proven value does not decode as what the registry stores there.
	Value(String),
	/// The registry's proven storage version is not the one this verifier reads.
	Version { proven: Option<u16>, known: u16 },
	/// B is older than the caller accepts.
	Stale { age_ms: u64, max_ms: u64 },
	/// B is below a block verified before.
	Rollback { block: u32, last: u32 },
	/// The bundle's view is not what its proof says.
	View { claimed: Value, proven: Value },
	/// The endpoint record is not valid for the proven view (its code: `bad_signature`,
	/// `stale_epoch`, `not_active`...).
	Endpoint(&'static str),
}

impl Failure {
	/// The process exit code for this failure (0 is a verified answer, NXDOMAIN included).
	pub fn code(&self) -> i32 {
		match self {
			Failure::Trust(_) => 2,
			Failure::Fetch(_) => 3,
			Failure::Malformed(_) => 4,
			Failure::Genesis { .. } => 10,
			Failure::OtherName { .. } => 11,
			Failure::Header(_) => 12,
			Failure::Target(_) => 13,
			Failure::Signature(_) => 14,
			Failure::TooFewSignatures { .. } => 15,
			Failure::Ancestry(_) => 16,
			Failure::SetChange(_) => 17,
			Failure::ProofRoot => 20,
			Failure::ProofIncomplete(_) => 21,
			Failure::ProofTampered(_) => 24,
			Failure::Value(_) => 22,
			Failure::Version { .. } => 23,
			Failure::Stale { .. } => 30,
			Failure::Rollback { .. } => 31,
			Failure::View { .. } => 40,
			Failure::Endpoint(_) => 41,
		}
	}

	/// A short stable name for the check that failed.
	pub fn kind(&self) -> &'static str {
		match self {
			Failure::Trust(_) => "trust",
			Failure::Fetch(_) => "fetch",
			Failure::Malformed(_) => "malformed",
			Failure::Genesis { .. } => "genesis",
			Failure::OtherName { .. } => "other_name",
			Failure::Header(_) => "header",
			Failure::Target(_) => "target",
			Failure::Signature(_) => "signature",
			Failure::TooFewSignatures { .. } => "too_few_signatures",
			Failure::Ancestry(_) => "ancestry",
			Failure::SetChange(_) => "set_change",
			Failure::ProofRoot => "proof_root",
			Failure::ProofIncomplete(_) => "proof_incomplete",
			Failure::ProofTampered(_) => "proof_tampered",
			Failure::Value(_) => "value",
			Failure::Version { .. } => "registry_version",
			Failure::Stale { .. } => "stale",
			Failure::Rollback { .. } => "rollback",
			Failure::View { .. } => "view",
			Failure::Endpoint(_) => "endpoint",
		}
	}
}

impl std::fmt::Display for Failure {
	fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
		match self {
			Failure::Trust(e) => write!(f, "pinned trust unusable: {e}"),
			Failure::Fetch(e) => write!(f, "could not fetch the bundle: {e}"),
			Failure::Malformed(e) => write!(f, "malformed bundle: {e}"),
			Failure::Genesis { ours, theirs } => {
				write!(f, "the bundle is of chain {theirs:?}, not of the pinned {ours:?}")
			},
			Failure::OtherName { asked, answered } => {
				write!(f, "asked for {asked:?}, the bundle answers {answered:?}")
			},
			Failure::Header(e) => write!(f, "header: {e}"),
			Failure::Target(e) => write!(f, "justification target: {e}"),
			Failure::Signature(e) => write!(f, "justification signature: {e}"),
			Failure::TooFewSignatures { weight, needed } => write!(
				f,
				"justification signed by weight {weight}, more than two thirds needs {needed}"
			),
			Failure::Ancestry(e) => write!(f, "justification ancestry: {e}"),
			Failure::SetChange(e) => write!(f, "authority set change: {e}"),
			Failure::ProofRoot => {
				write!(f, "the read proof does not reach the header's state root")
			},
			Failure::ProofIncomplete(e) => write!(f, "the read proof lacks {e}"),
			Failure::ProofTampered(i) => {
				write!(f, "proof node {i} hangs under no other node: altered, or not of this state")
			},
			Failure::Value(e) => write!(f, "proven value: {e}"),
			Failure::Version { proven, known } => write!(
				f,
				"the registry's storage is at version {proven:?}; this verifier reads version {known} (update it)"
			),
			Failure::Stale { age_ms, max_ms } => {
				write!(
					f,
					"block is {} s old, more than the {} s allowed",
					age_ms / 1000,
					max_ms / 1000
				)
			},
			Failure::Rollback { block, last } => {
				write!(f, "block #{block} is below #{last}, verified before")
			},
			Failure::View { claimed, proven } => {
				write!(f, "the bundle's view {claimed} is not the proven {proven}")
			},
			Failure::Endpoint(code) => {
				write!(f, "the endpoint record is not valid for the proven name: {code}")
			},
		}
	}
}

impl std::error::Error for Failure {}

fn unhex(what: &str, s: &str) -> Result<Vec<u8>, Failure> {
	json::unhex(s).ok_or_else(|| Failure::Malformed(format!("{what} is not hex")))
}

/// Decodes all of `bytes` as `T`, refusing trailing bytes.
pub fn decode_all<T: Decode>(what: &str, bytes: &[u8]) -> Result<T, String> {
	let mut input = bytes;
	let value = T::decode(&mut input).map_err(|e| format!("{what} does not decode: {e}"))?;
	if !input.is_empty() {
		return Err(format!("{what} has {} trailing bytes", input.len()));
	}
	Ok(value)
}

/// Most trie nodes a bundle may carry (an honest one has about 20; a subdomain 6 levels down
/// about 40).
pub const MAX_PROOF_NODES: usize = 512;

/// The first proof node (other than the root) that no other node references by hash: one that
/// was altered (its hash changed, so its parent no longer points at it) or does not belong. A
/// read proof records only the nodes a read went through, each under its parent.
fn unreferenced(nodes: &[Vec<u8>], root: H256) -> Option<usize> {
	use sp_runtime::traits::Hash as _;
	let windows: std::collections::HashSet<&[u8]> =
		nodes.iter().flat_map(|n| n.windows(32)).collect();
	nodes.iter().position(|n| {
		let hash = BlakeTwo256::hash(n);
		hash != root && !windows.contains(hash.as_bytes())
	})
}

/// The keys a name's answer reads first (ancestors of a subdomain follow as needed).
pub fn keys_for(name: &[u8]) -> Vec<Vec<u8>> {
	vec![
		keys::genesis_hash(),
		keys::storage_version(),
		keys::params(),
		keys::timestamp(),
		keys::name(name),
		keys::records(name),
	]
}

/// Checks `bundle` as the answer for `name` against `trust`, at wall-clock time `now_ms`,
/// accepting a block at most `max_age_ms` old. `trust` must already be the set that finalized
/// B ([`grandpa::follow_change`] moves it forward).
pub fn verify(
	bundle: &Bundle,
	name: &str,
	trust: &Trust,
	now_ms: u64,
	max_age_ms: u64,
) -> Result<Verified, Failure> {
	// 1. Our chain, the name asked.
	if bundle.genesis != trust.genesis {
		return Err(Failure::Genesis { ours: trust.genesis, theirs: bundle.genesis });
	}
	if bundle.name != name {
		return Err(Failure::OtherName { asked: name.into(), answered: bundle.name.clone() });
	}
	rule::validate(name.as_bytes())
		.map_err(|e| Failure::Malformed(format!("{name:?} is not a name: {e}")))?;

	// 2. B's header.
	let header: Header =
		decode_all("header", &unhex("header", &bundle.header)?).map_err(Failure::Malformed)?;
	let hash = header.hash();
	if hash != bundle.block.hash || *header.number() != bundle.block.number {
		return Err(Failure::Header(format!(
			"the header is #{} {hash:?}, the bundle says #{} {:?}",
			header.number(),
			bundle.block.number,
			bundle.block.hash
		)));
	}

	// 3. Finalized by the pinned set.
	if bundle.set_id != trust.set_id {
		return Err(Failure::SetChange(format!(
			"the bundle says set {}, the pinned set is {} (follow the changes first)",
			bundle.set_id, trust.set_id
		)));
	}
	let justification = unhex("justification", &bundle.justification)?;
	grandpa::check_justification(
		&justification,
		(hash, *header.number()),
		trust.set_id,
		&trust.authority_list()?,
	)?;

	// 4. The proof, against B's state root.
	let nodes =
		bundle.proof.iter().map(|n| unhex("a proof node", n)).collect::<Result<Vec<_>, _>>()?;
	if nodes.len() > MAX_PROOF_NODES {
		return Err(Failure::Malformed(format!("{} proof nodes", nodes.len())));
	}
	let root = *header.state_root();
	let proof = StorageProof::new(nodes.clone());
	let backend = sp_state_machine::create_proof_check_backend::<BlakeTwo256>(root, proof)
		.map_err(|_| Failure::ProofRoot)?;
	if let Some(stray) = unreferenced(&nodes, root) {
		return Err(Failure::ProofTampered(stray));
	}
	let read = |what: &str, key: &[u8]| {
		sp_state_machine::read_proof_check_on_proving_backend(&backend, key)
			.map_err(|e| Failure::ProofIncomplete(format!("{what} ({e})")))
	};

	// The state is our chain's (the genesis field above is only the server's word), and laid
	// out as this verifier reads it.
	let genesis: Option<H256> = read("the genesis hash", &keys::genesis_hash())?
		.map(|v| decode_all("the genesis hash", &v))
		.transpose()
		.map_err(Failure::Value)?;
	if genesis != Some(trust.genesis) && bundle.block.number > 0 {
		return Err(Failure::Genesis { ours: trust.genesis, theirs: genesis.unwrap_or_default() });
	}
	let version: Option<u16> = read("the registry's storage version", &keys::storage_version())?
		.map(|v| decode_all("the storage version", &v))
		.transpose()
		.map_err(Failure::Value)?;
	if version != Some(STORAGE_VERSION) {
		return Err(Failure::Version { proven: version, known: STORAGE_VERSION });
	}
	let timestamp: u64 = match read("the block's timestamp", &keys::timestamp())? {
		Some(v) => decode_all("the timestamp", &v).map_err(Failure::Value)?,
		None => return Err(Failure::Value("the block has no timestamp".into())),
	};
	let params: Option<Params<u128, u32>> = read("the registry's parameters", &keys::params())?
		.map(|v| decode_all("the parameters", &v))
		.transpose()
		.map_err(Failure::Value)?;
	let entry = |n: &[u8]| -> Result<Option<Info>, Failure> {
		let what = format!("the entry of {}", json::text(n));
		read(&what, &keys::name(n))?
			.map(|v| decode_all(&what, &v))
			.transpose()
			.map_err(Failure::Value)
	};
	let records = read("the records", &keys::records(name.as_bytes()))?
		.map(|v| decode_all::<RecordsInfo<AccountId32, u128>>("the records", &v))
		.transpose()
		.map_err(Failure::Value)?;

	// 5. The state at B, by the pallet's rule.
	let view = match (entry(name.as_bytes())?, params) {
		(Some(info), Some(params)) => {
			let found =
				lifecycle_and_expiry(name.as_bytes(), &info, bundle.block.number, &params, entry)?;
			(found.0 != Lifecycle::Free).then(|| {
				let records = records.map(|r| r.records.into_inner()).unwrap_or_default();
				NameView::new(name.as_bytes(), info, records, found)
			})
		},
		// No parameters: the registry resolves nothing.
		_ => None,
	};

	// 6. Fresh, and not behind.
	let age_ms = now_ms.saturating_sub(timestamp);
	if age_ms > max_age_ms {
		return Err(Failure::Stale { age_ms, max_ms: max_age_ms });
	}
	if bundle.block.number < trust.last_block {
		return Err(Failure::Rollback { block: bundle.block.number, last: trust.last_block });
	}

	// 7. The convenience view says what the proof says.
	let proven = view.as_ref().map(json::name_view).unwrap_or(Value::Null);
	let claimed = bundle.view.clone().unwrap_or(Value::Null);
	if claimed != proven {
		return Err(Failure::View { claimed, proven });
	}

	// 8. The endpoint record, signed by the proven node key in the proven epoch.
	let endpoint = match &bundle.endpoint {
		None => None,
		Some(record) => Some(
			endpoint::check(
				&unhex("the endpoint record", record)?,
				name,
				view.as_ref(),
				bundle.block.number,
				&trust.genesis.0,
			)
			.map_err(|e| Failure::Endpoint(e.code()))?,
		),
	};
	Ok(Verified { block: bundle.block, timestamp, view, endpoint })
}
