//! `--light`: the chain followed by an embedded light client (smoldot) instead of a trusted
//! node. Headers are checked against Aura and finality against GRANDPA from the chain spec's
//! genesis; every storage value read comes with a proof against a finalized state root. The
//! daemon's DNS and HTTP answers then rest on the chain spec and two thirds of the validators,
//! not on any one node (the model of Handshake's hnsd).
//!
//! A name's view is computed here from proven storage (the name's entry, its records, the
//! ancestors of a subdomain, the registry's parameters) with the pallet's own rule
//! ([`ddns_primitives::registry::lifecycle_and_expiry`]): no runtime call per lookup (smoldot
//! still fetches and compiles the runtime once per runtime upgrade, to follow the chain). The
//! registry's storage version is checked at every head: a layout this daemon does not know is
//! refused, not misread. What a light daemon cannot do: `--signer node` and `--probe` (both
//! need a node's RPC), and proof bundles (`/resolve?proof=1`).

use crate::chain::{hex, unhex, Chain, ChainError, Head, View};
use codec::Decode;
use ddns_primitives::{
	name as rule,
	registry::{
		keys, lifecycle_and_expiry, Lifecycle, NameInfo, NameView, Params, RecordsInfo,
		STORAGE_VERSION,
	},
};
use ddns_verify::Header;
use futures::future::BoxFuture;
use serde_json::{json, Value};
use smoldot_light::{
	platform::DefaultPlatform, AddChainConfig, AddChainConfigJsonRpc, ChainId, Client,
};
use sp_core::crypto::AccountId32;
use sp_runtime::traits::Header as _;
use std::{
	collections::HashMap,
	iter,
	num::NonZero,
	sync::{
		atomic::{AtomicBool, AtomicU64, Ordering},
		Arc, Mutex,
	},
	time::Duration,
};
use tokio::sync::{oneshot, watch};

/// How long one request to the light client may take (it may have to ask the network).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Requests to the light client at once. smoldot queues without bound, and a request it was
/// sent runs to its end even when its caller gave up; so this bounds the network reads a
/// flood of lookups of distinct names can start.
const MAX_REQUESTS: usize = 64;

type Pending = Arc<Mutex<HashMap<u64, oneshot::Sender<Value>>>>;
type Info = NameInfo<AccountId32, u128, u32>;

/// A chain followed by smoldot from a raw chain spec.
pub struct LightChain {
	client: Mutex<Client<Arc<DefaultPlatform>, ()>>,
	chain: ChainId,
	pending: Pending,
	next_id: AtomicU64,
	heads: watch::Sender<Head>,
	following: AtomicBool,
	/// [`MAX_REQUESTS`].
	slots: tokio::sync::Semaphore,
	/// The registry's parameters at the last head read (`None`: not configured), read once per
	/// head with its storage version.
	registry: tokio::sync::Mutex<Option<(Head, Option<Params<u128, u32>>)>>,
}

impl LightChain {
	/// Starts the light client on `spec` (a raw chain spec: smoldot needs the genesis storage),
	/// with `bootnodes` (full nodes, `/ip4/.../tcp/N/p2p/<PeerId>`) in place of the spec's own
	/// when any are given, and follows finalized heads.
	pub async fn start(spec: &str, bootnodes: &[String]) -> anyhow::Result<Arc<Self>> {
		let mut spec: Value = serde_json::from_str(spec)
			.map_err(|e| anyhow::anyhow!("the light client's chain spec is not JSON: {e}"))?;
		if spec["genesis"]["raw"].is_null() {
			anyhow::bail!("--light needs a raw chain spec (`ddns-node build-spec --raw`)");
		}
		if spec["genesis"]["raw"]["childrenDefault"].as_object().is_some_and(|c| !c.is_empty()) {
			anyhow::bail!("the chain spec has child tries at genesis, which ddns never has");
		}
		if !bootnodes.is_empty() {
			spec["bootNodes"] = json!(bootnodes);
		}
		let spec = spec.to_string();
		let platform =
			DefaultPlatform::new("ddns-resolver".into(), env!("CARGO_PKG_VERSION").into());
		let mut client: Client<Arc<DefaultPlatform>, ()> = Client::new(platform);
		// Adding the chain runs the genesis runtime: off the async workers.
		let (client, chain, mut responses) = tokio::task::spawn_blocking(move || {
			let added = client
				.add_chain(AddChainConfig {
					user_data: (),
					specification: &spec,
					database_content: "",
					potential_relay_chains: iter::empty(),
					json_rpc: AddChainConfigJsonRpc::Enabled {
						max_pending_requests: NonZero::new(256).expect("not zero"),
						max_subscriptions: 4,
					},
					statement_protocol_config: None,
				})
				.map_err(|e| anyhow::anyhow!("the light client refused the chain spec: {e}"))?;
			let responses = added.json_rpc_responses.expect("JSON-RPC is enabled");
			anyhow::Ok((client, added.chain_id, responses))
		})
		.await??;

		let (heads, _) = watch::channel(Head::default());
		let this = Arc::new(Self {
			client: Mutex::new(client),
			chain,
			pending: Default::default(),
			next_id: AtomicU64::new(1),
			heads,
			following: AtomicBool::new(false),
			slots: tokio::sync::Semaphore::new(MAX_REQUESTS),
			registry: Default::default(),
		});
		// One task reads every answer and notification: answers go to their caller by id, new
		// finalized headers become heads.
		let reader = Arc::downgrade(&this);
		tokio::spawn(async move {
			while let Some(message) = responses.next().await {
				let Some(this) = reader.upgrade() else { return };
				let Ok(message) = serde_json::from_str::<Value>(&message) else { continue };
				if let Some(id) = message.get("id").and_then(Value::as_u64) {
					if let Some(caller) = this.pending.lock().expect("not poisoned").remove(&id) {
						let _ = caller.send(message);
					}
				} else if message["method"] == "chain_finalizedHead" {
					this.finalized(&message["params"]["result"]);
				}
			}
		});
		this.request("chain_subscribeFinalizedHeads", json!([])).await.map_err(|e| {
			anyhow::anyhow!("the light client would not follow finalized heads: {e}")
		})?;
		this.following.store(true, Ordering::Relaxed);
		Ok(this)
	}

	fn finalized(&self, header: &Value) {
		match serde_json::from_value::<Header>(header.clone()) {
			Ok(header) => {
				let head = Head { number: *header.number(), hash: header.hash().0 };
				if head.number > self.heads.borrow().number {
					self.heads.send_replace(head);
				}
			},
			Err(e) => {
				tracing::warn!(target: "ddns::light", "a finalized header that does not parse: {e}")
			},
		}
	}

	/// One JSON-RPC request to the light client; its `result`.
	async fn request(&self, method: &str, params: Value) -> Result<Value, ChainError> {
		let _slot = tokio::time::timeout(REQUEST_TIMEOUT, self.slots.acquire())
			.await
			.map_err(|_| ChainError::Unavailable("the light client is busy".into()))?
			.map_err(|_| ChainError::Unavailable("the light client stopped".into()))?;
		let id = self.next_id.fetch_add(1, Ordering::Relaxed);
		let (tx, rx) = oneshot::channel();
		self.pending.lock().expect("not poisoned").insert(id, tx);
		let request = json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params });
		let sent = self
			.client
			.lock()
			.expect("not poisoned")
			.json_rpc_request(request.to_string(), self.chain);
		if sent.is_err() {
			self.pending.lock().expect("not poisoned").remove(&id);
			return Err(ChainError::Unavailable("the light client is busy".into()));
		}
		let answer = match tokio::time::timeout(REQUEST_TIMEOUT, rx).await {
			Ok(Ok(answer)) => answer,
			Ok(Err(_)) => return Err(ChainError::Unavailable("the light client stopped".into())),
			Err(_) => {
				self.pending.lock().expect("not poisoned").remove(&id);
				return Err(ChainError::Unavailable(format!("{method}: no answer in time")));
			},
		};
		match answer.get("error") {
			Some(error) => Err(ChainError::Unavailable(format!("{method}: {error}"))),
			None => Ok(answer.get("result").cloned().unwrap_or(Value::Null)),
		}
	}

	/// A proven storage value at `at`.
	async fn storage(&self, key: &[u8], at: Head) -> Result<Option<Vec<u8>>, ChainError> {
		let value = self
			.request("state_getStorage", json!([format!("0x{}", hex(key)), at.hash_hex()]))
			.await?;
		match value {
			Value::Null => Ok(None),
			Value::String(s) => unhex(&s)
				.map(Some)
				.ok_or_else(|| ChainError::Unavailable("a storage value that is not hex".into())),
			other => Err(ChainError::Unavailable(format!("a storage value {other}"))),
		}
	}

	async fn decoded<T: Decode>(&self, key: &[u8], at: Head) -> Result<Option<T>, ChainError> {
		self.storage(key, at)
			.await?
			.map(|v| {
				ddns_verify::decode_all("a storage value", &v).map_err(ChainError::Unavailable)
			})
			.transpose()
	}

	/// The registry's parameters at `at`, after checking its storage layout is the one this
	/// daemon reads; once per head.
	async fn params(&self, at: Head) -> Result<Option<Params<u128, u32>>, ChainError> {
		let mut registry = self.registry.lock().await;
		if let Some((head, params)) = &*registry {
			if *head == at {
				return Ok(params.clone());
			}
		}
		let version = self.decoded::<u16>(&keys::storage_version(), at).await?;
		if version != Some(STORAGE_VERSION) {
			return Err(ChainError::Unavailable(format!(
				"the registry's storage is at version {version:?}; this daemon reads {STORAGE_VERSION} (update it)"
			)));
		}
		let params = self.decoded::<Params<u128, u32>>(&keys::params(), at).await?;
		*registry = Some((at, params.clone()));
		Ok(params)
	}

	/// The chain's genesis hash.
	pub async fn genesis(&self) -> Result<[u8; 32], ChainError> {
		let hash = self.request("chain_getBlockHash", json!([0])).await?;
		hash.as_str()
			.and_then(unhex)
			.and_then(|h| <[u8; 32]>::try_from(h).ok())
			.ok_or_else(|| ChainError::Unavailable(format!("bad genesis hash {hash}")))
	}

	async fn read_view(&self, name: &str, at: Head) -> Result<Option<View>, ChainError> {
		rule::validate(name.as_bytes()).map_err(|e| ChainError::InvalidName(e.code().into()))?;
		if at.number == 0 {
			return Err(ChainError::Unavailable("no finalized block yet".into()));
		}
		let Some(params) = self.params(at).await? else { return Ok(None) };
		let Some(info) = self.decoded::<Info>(&keys::name(name.as_bytes()), at).await? else {
			return Ok(None);
		};
		// The ancestors a subdomain's state depends on, read before the rule runs (the rule's
		// reader is not async): at most one per label.
		let mut ancestors = HashMap::new();
		let mut child = (name.as_bytes(), info.clone());
		while let ddns_primitives::registry::Tenure::Sub { parent_term, .. } = child.1.tenure {
			let Some(parent) = rule::parent(child.0) else { break };
			let Some(p) = self.decoded::<Info>(&keys::name(parent), at).await? else { break };
			ancestors.insert(parent.to_vec(), p.clone());
			if p.term != parent_term {
				break;
			}
			child = (parent, p);
		}
		let found = lifecycle_and_expiry(name.as_bytes(), &info, at.number, &params, |n| {
			Ok::<_, std::convert::Infallible>(ancestors.get(n).cloned())
		});
		let Ok(found) = found;
		if found.0 == Lifecycle::Free {
			return Ok(None);
		}
		let records = self
			.decoded::<RecordsInfo<AccountId32, u128>>(&keys::records(name.as_bytes()), at)
			.await?
			.map(|r| r.records.into_inner())
			.unwrap_or_default();
		Ok(Some(NameView::new(name.as_bytes(), info, records, found)))
	}
}

impl Chain for LightChain {
	fn heads(&self) -> watch::Receiver<Head> {
		self.heads.subscribe()
	}

	fn connected(&self) -> bool {
		self.following.load(Ordering::Relaxed)
	}

	fn view(&self, name: &str, at: Head) -> BoxFuture<'_, Result<Option<View>, ChainError>> {
		let name = name.to_owned();
		Box::pin(async move { self.read_view(&name, at).await })
	}

	fn syncing(&self) -> BoxFuture<'_, Result<bool, ChainError>> {
		Box::pin(async move {
			let health = self.request("system_health", json!([])).await?;
			health["isSyncing"].as_bool().ok_or_else(|| {
				ChainError::Unavailable(format!("system_health without isSyncing: {health}"))
			})
		})
	}
}
