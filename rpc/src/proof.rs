//! `ddns_resolveWithProof(name, at?)`: an answer anyone can check without trusting this node.
//!
//! For a block B that GRANDPA finalized, the answer carries B's header, a justification that
//! finalizes B, and a storage read proof of every key the answer depends on (the name, its
//! records, each ancestor of a subdomain up to its registered one, the registry's parameters,
//! B's timestamp). A name nobody holds comes with the proof of that. `ddns-verify` checks it all
//! from a pinned genesis (see `docs/proofs.md`).
//!
//! B is the newest block this node holds a justification for (GRANDPA makes one per round, so
//! B trails the finalized head by at most a round), or `at`: a block among the last
//! [`RECENT_JUSTIFICATIONS`] justified ones, or one whose justification the database keeps (the
//! last block of each authority set, and one block in every `justification_generation_period`).

use std::{collections::VecDeque, marker::PhantomData, sync::Arc};

use codec::{Decode, Encode};
use ddns_primitives::{
	name as rule,
	registry::{keys, lifecycle_and_expiry, Lifecycle, NameInfo, Params},
};
use ddns_registry_runtime_api::RegistryApi;
use jsonrpsee::{core::RpcResult, proc_macros::rpc, types::ErrorObjectOwned};
use parking_lot::Mutex;
use sc_client_api::{Backend, BlockBackend, ProofProvider, StorageProvider};
use serde_json::{json, Value};
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_core::{crypto::AccountId32, storage::StorageKey, H256};
use sp_runtime::traits::{Block as BlockT, Header as HeaderT, NumberFor};

use crate::{bounded_name, code, error, invalid_name, json as form, selector, Selector};

/// Justifications kept in memory, newest last.
pub const RECENT_JUSTIFICATIONS: usize = 64;

/// GRANDPA's engine id in justifications and digests.
const GRANDPA_ENGINE_ID: [u8; 4] = *b"FRNK";

/// The justifications this node saw last (the node feeds [`Justifications::note`] from
/// GRANDPA's justification stream).
pub struct Justifications<Hash> {
	recent: Mutex<VecDeque<(Hash, u32, Arc<Vec<u8>>)>>,
}

impl<Hash: PartialEq + Copy> Default for Justifications<Hash> {
	fn default() -> Self {
		Self { recent: Mutex::new(VecDeque::with_capacity(RECENT_JUSTIFICATIONS)) }
	}
}

impl<Hash: PartialEq + Copy> Justifications<Hash> {
	/// Keeps the SCALE-encoded justification of block `number`, `hash`.
	pub fn note(&self, hash: Hash, number: u32, encoded: Vec<u8>) {
		let mut recent = self.recent.lock();
		if recent.back().is_some_and(|(_, n, _)| *n >= number) {
			return;
		}
		if recent.len() == RECENT_JUSTIFICATIONS {
			recent.pop_front();
		}
		recent.push_back((hash, number, Arc::new(encoded)));
	}

	fn latest(&self) -> Option<(Hash, Arc<Vec<u8>>)> {
		self.recent.lock().back().map(|(h, _, j)| (*h, j.clone()))
	}

	fn of(&self, hash: Hash) -> Option<Arc<Vec<u8>>> {
		self.recent.lock().iter().find(|(h, _, _)| *h == hash).map(|(_, _, j)| j.clone())
	}
}

#[rpc(server, namespace = "ddns")]
pub trait DdnsProofApi {
	/// A name's answer at a finalized block, with what proves it: header, GRANDPA
	/// justification, storage read proof. `at`: a block hash, or `"finalized"` / nothing for
	/// the newest block this node has a justification for.
	#[method(name = "resolveWithProof", blocking)]
	fn resolve_with_proof(&self, name: String, at: Option<String>) -> RpcResult<Value>;
}

/// The authority sets that ended, as `(set id, its last block)`, oldest first (the node reads
/// them from GRANDPA's shared authority set).
pub type SetEnds = Arc<dyn Fn() -> Vec<(u64, u32)> + Send + Sync>;

/// Bundles kept, by block and name (a bundle is a few KB).
pub const CACHED_BUNDLES: u32 = 512;

/// Most set ends a bundle lists (the newest); a verifier further behind starts again from
/// `init`... or a newer chain spec.
pub const MAX_SET_ENDS: usize = 1_024;

/// The proving resolver over a full client and its backend `BE`.
pub struct DdnsProof<C, Block: BlockT, BE> {
	client: Arc<C>,
	justifications: Arc<Justifications<Block::Hash>>,
	set_ends: SetEnds,
	/// Finished bundles: asking again at the same block costs no reads.
	cache: Mutex<schnellru::LruMap<(Block::Hash, String), Arc<Value>>>,
	_backend: PhantomData<BE>,
}

impl<C, Block: BlockT, BE> DdnsProof<C, Block, BE> {
	pub fn new(
		client: Arc<C>,
		justifications: Arc<Justifications<Block::Hash>>,
		set_ends: SetEnds,
	) -> Self {
		let cache = Mutex::new(schnellru::LruMap::new(schnellru::ByLength::new(CACHED_BUNDLES)));
		Self { client, justifications, set_ends, cache, _backend: PhantomData }
	}
}

fn internal(e: impl std::fmt::Display) -> ErrorObjectOwned {
	error(code::RUNTIME, e.to_string(), None)
}

type Info = NameInfo<AccountId32, u128, u32>;

impl<C, Block, BE> DdnsProofApiServer for DdnsProof<C, Block, BE>
where
	Block: BlockT<Hash = H256>,
	NumberFor<Block>: Into<u64>,
	BE: Backend<Block> + Send + Sync + 'static,
	C: HeaderBackend<Block>
		+ BlockBackend<Block>
		+ StorageProvider<Block, BE>
		+ ProofProvider<Block>
		+ ProvideRuntimeApi<Block>
		+ Send
		+ Sync
		+ 'static,
	C::Api: RegistryApi<Block, AccountId32, u128, u32>,
{
	fn resolve_with_proof(&self, name: String, at: Option<String>) -> RpcResult<Value> {
		bounded_name(&name)?;
		rule::validate(name.as_bytes()).map_err(|_| invalid_name(&name))?;
		if matches!(at.as_deref(), Some("best" | "0x62657374")) {
			return Err(error(
				code::INVALID_PARAMS,
				"a proof is of a finalized block: omit `at`, or pass \"finalized\" or a block hash",
				None,
			));
		}
		let (hash, justification) = match selector(at.as_deref())? {
			Selector::Best | Selector::Finalized => self.justifications.latest().ok_or_else(|| {
				error(
					code::UNKNOWN_BLOCK,
					"no block has been justified since this node started; ask again after the next finalized block",
					None,
				)
			})?,
			Selector::Hash(bytes) => {
				let hash = H256(bytes);
				let stored = || {
					self.client
						.justifications(hash)
						.ok()
						.flatten()
						.and_then(|j| j.into_justification(GRANDPA_ENGINE_ID))
						.map(Arc::new)
				};
				let justification = self.justifications.of(hash).or_else(stored).ok_or_else(|| {
					error(
						code::UNKNOWN_BLOCK,
						format!("this node keeps no GRANDPA justification of {hash:?}; omit `at` for the newest"),
						None,
					)
				})?;
				(hash, justification)
			},
		};
		if let Some(bundle) = self.cache.lock().get(&(hash, name.clone())) {
			return Ok((**bundle).clone());
		}
		let header =
			self.client.header(hash).map_err(internal)?.ok_or_else(|| {
				error(code::UNKNOWN_BLOCK, format!("unknown block {hash:?}"), None)
			})?;
		let number: u64 = (*header.number()).into();
		let number = number as u32;

		// Every key the answer reads, found by running the registry's rule over this block's
		// state, as the verifier will run it over the proof.
		let storage = |key: &[u8]| -> RpcResult<Option<Vec<u8>>> {
			Ok(self.client.storage(hash, &StorageKey(key.to_vec())).map_err(internal)?.map(|d| d.0))
		};
		fn decode<T: Decode>(bytes: Option<Vec<u8>>) -> RpcResult<Option<T>> {
			bytes.map(|b| T::decode(&mut &b[..]).map_err(internal)).transpose()
		}
		let mut keys = ddns_verify::keys_for(name.as_bytes());
		let params: Option<Params<u128, u32>> = decode(storage(&keys::params())?)?;
		let entry: Option<Info> = decode(storage(&keys::name(name.as_bytes()))?)?;
		let mut found = None;
		if let (Some(info), Some(params)) = (&entry, &params) {
			found = Some(lifecycle_and_expiry(name.as_bytes(), info, number, params, |n| {
				let key = keys::name(n);
				let info = decode::<Info>(storage(&key)?);
				keys.push(key);
				info
			})?);
		}
		let proof = self
			.client
			.read_proof(hash, &mut keys.iter().map(|k| k.as_slice()))
			.map_err(internal)?;

		// The convenience view is the runtime API's answer, which the verifier compares with
		// the proof's.
		let view = match found {
			Some((state, _)) if state != Lifecycle::Free => {
				let view = self
					.client
					.runtime_api()
					.resolve(hash, name.clone().into_bytes())
					.map_err(internal)?
					.map_err(|e| internal(format!("{e:?}")))?;
				form::name_view(&view)
			},
			_ => Value::Null,
		};

		// The set that finalized B: the runtime's set id at B, less one if B itself schedules
		// a change (B is then the last block of the old set, which the old set finalizes).
		let set_id: u64 = decode(storage(&keys::grandpa_set_id())?)?.unwrap_or(0);
		let changes = header.digest().logs().iter().any(|log| {
			log.consensus_try_to::<sp_consensus_grandpa::ConsensusLog<NumberFor<Block>>>(
				&GRANDPA_ENGINE_ID,
			)
			.is_some_and(|l| {
				matches!(
					l,
					sp_consensus_grandpa::ConsensusLog::ScheduledChange(_)
						| sp_consensus_grandpa::ConsensusLog::ForcedChange(..)
				)
			})
		});
		let set_id = if changes { set_id.saturating_sub(1) } else { set_id };

		let genesis = self.client.hash(0u32.into()).map_err(internal)?.unwrap_or_default();
		let mut set_ends: Vec<(u64, u32)> =
			(self.set_ends)().into_iter().filter(|(id, _)| *id < set_id).collect();
		let skip = set_ends.len().saturating_sub(MAX_SET_ENDS);
		set_ends.drain(..skip);
		let bundle = json!({
			"name": name,
			"genesis": format!("{genesis:?}"),
			"block": { "number": number, "hash": format!("{hash:?}") },
			"setId": set_id,
			"header": format!("0x{}", form::hex(&header.encode())),
			"justification": format!("0x{}", form::hex(&justification)),
			"proof": proof.into_iter_nodes().map(|n| format!("0x{}", form::hex(&n))).collect::<Vec<_>>(),
			"view": view,
			"setEnds": set_ends,
		});
		self.cache.lock().insert((hash, name), Arc::new(bundle.clone()));
		Ok(bundle)
	}
}
