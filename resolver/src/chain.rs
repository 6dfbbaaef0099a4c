//! What the daemon knows of the chain: the finalized head, and each name's view at it.
//!
//! [`RpcChain`] follows a `ddns-node` over JSON-RPC (WebSocket): it subscribes to finalized
//! heads and reads names with `state_call` of the registry's runtime API at the finalized hash,
//! decoding the same SCALE types the runtime returns. [`MemChain`] is a chain held in memory,
//! for swarm tests and benchmarks that run many daemons without a node.

use codec::{Decode, Encode};
use ddns_registry_runtime_api::{LookupError, NameView};
pub use ddns_rpc::json::{hex, unhex};
use futures::future::BoxFuture;
use jsonrpsee::{
	core::client::{ClientT, SubscriptionClientT},
	rpc_params,
	ws_client::{WsClient, WsClientBuilder},
};
use serde_json::Value;
use sp_core::crypto::AccountId32;
use std::{
	collections::HashMap,
	sync::{Arc, Mutex},
	time::Duration,
};
use tokio::sync::watch;

/// A name as the chain sees it (the runtime API's view).
pub type View = NameView<AccountId32, u128, u32>;

/// A finalized block.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Head {
	pub number: u32,
	pub hash: [u8; 32],
}

impl Head {
	pub fn hash_hex(&self) -> String {
		format!("0x{}", hex(&self.hash))
	}
}

/// Why the chain could not answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainError {
	/// No connection to the node, or the node failed the call.
	Unavailable(String),
	/// The name is not a canonical ddns name (the rule that failed).
	InvalidName(String),
}

impl std::fmt::Display for ChainError {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		match self {
			Self::Unavailable(e) => write!(f, "chain unavailable: {e}"),
			Self::InvalidName(rule) => write!(f, "invalid name ({rule})"),
		}
	}
}

/// The chain, as far as the daemon needs it.
pub trait Chain: Send + Sync + 'static {
	/// The latest finalized head; changes are announced on the channel. Number 0 with a zero
	/// hash means no head is known yet.
	fn heads(&self) -> watch::Receiver<Head>;

	/// Whether the chain is followed right now (a node that went away leaves the last head in
	/// place; `/health` reports it).
	fn connected(&self) -> bool {
		true
	}
	/// The name's view at `at`, `None` if nobody holds it.
	fn view(&self, name: &str, at: Head) -> BoxFuture<'_, Result<Option<View>, ChainError>>;

	/// A value of the node's offchain local storage (PERSISTENT), where its offchain worker
	/// leaves signed records.
	/// Whether the node is still catching up with its network (`system_health`'s
	/// `isSyncing`): its finalized head is then behind the network's.
	fn syncing(&self) -> BoxFuture<'_, Result<bool, ChainError>> {
		Box::pin(async { Ok(false) })
	}

	fn offchain_get(&self, _key: &[u8]) -> BoxFuture<'_, Result<Option<Vec<u8>>, ChainError>> {
		Box::pin(async {
			Err(ChainError::Unavailable("this chain has no offchain storage".into()))
		})
	}

	/// Sets a value of the node's offchain local storage (PERSISTENT).
	fn offchain_set(&self, _key: &[u8], _value: &[u8]) -> BoxFuture<'_, Result<(), ChainError>> {
		Box::pin(async {
			Err(ChainError::Unavailable("this chain has no offchain storage".into()))
		})
	}

	/// A proof bundle of the name at a finalized block (`ddns_resolveWithProof`; the fields
	/// of `ddns_verify::Bundle`).
	fn proof(&self, _name: &str) -> BoxFuture<'_, Result<serde_json::Value, ChainError>> {
		Box::pin(async { Err(ChainError::Unavailable("this chain gives no proofs".into())) })
	}
}

fn lookup(result: Result<View, LookupError>) -> Result<Option<View>, ChainError> {
	match result {
		Ok(view) => Ok(Some(view)),
		Err(LookupError::NotFound) => Ok(None),
		Err(LookupError::InvalidName(rule)) => {
			Err(ChainError::InvalidName(String::from_utf8_lossy(&rule).into_owned()))
		},
	}
}

/// A chain followed through a node's JSON-RPC.
pub struct RpcChain {
	url: String,
	following: std::sync::atomic::AtomicBool,
	client: tokio::sync::RwLock<Option<Arc<WsClient>>>,
	heads: watch::Sender<Head>,
}

impl RpcChain {
	/// Connects to `url` (for example `ws://127.0.0.1:9944`) and keeps following finalized
	/// heads, reconnecting with back-off if the node goes away.
	pub fn start(url: String) -> Arc<Self> {
		let (heads, _) = watch::channel(Head::default());
		let chain = Arc::new(Self {
			url,
			following: Default::default(),
			client: Default::default(),
			heads,
		});
		tokio::spawn(chain.clone().follow());
		chain
	}

	async fn connect(&self) -> Result<Arc<WsClient>, ChainError> {
		let client = WsClientBuilder::default()
			.request_timeout(Duration::from_secs(10))
			.build(&self.url)
			.await
			.map_err(|e| ChainError::Unavailable(format!("{}: {e}", self.url)))?;
		let client = Arc::new(client);
		*self.client.write().await = Some(client.clone());
		Ok(client)
	}

	async fn follow(self: Arc<Self>) {
		let mut backoff = Duration::from_millis(250);
		loop {
			let result = self.follow_once().await;
			self.following.store(false, std::sync::atomic::Ordering::Relaxed);
			match result {
				Ok(()) => backoff = Duration::from_millis(250),
				Err(e) => tracing::warn!(target: "ddns::chain", "{e}; retrying in {backoff:?}"),
			}
			*self.client.write().await = None;
			tokio::time::sleep(backoff).await;
			backoff = (backoff * 2).min(Duration::from_secs(5));
		}
	}

	async fn follow_once(&self) -> Result<(), ChainError> {
		let client = self.connect().await?;
		let unavailable = |e: jsonrpsee::core::ClientError| ChainError::Unavailable(e.to_string());
		let mut sub = client
			.subscribe::<Value, _>(
				"chain_subscribeFinalizedHeads",
				rpc_params![],
				"chain_unsubscribeFinalizedHeads",
			)
			.await
			.map_err(unavailable)?;
		tracing::info!(target: "ddns::chain", "following finalized heads of {}", self.url);
		self.following.store(true, std::sync::atomic::Ordering::Relaxed);
		while let Some(header) = sub.next().await {
			let header = header.map_err(|e| ChainError::Unavailable(e.to_string()))?;
			let number = header
				.get("number")
				.and_then(Value::as_str)
				.and_then(|n| u32::from_str_radix(n.trim_start_matches("0x"), 16).ok())
				.ok_or_else(|| ChainError::Unavailable(format!("bad header {header}")))?;
			let hash: String = client
				.request("chain_getBlockHash", rpc_params![number])
				.await
				.map_err(unavailable)?;
			let hash = unhex(&hash)
				.and_then(|h| <[u8; 32]>::try_from(h).ok())
				.ok_or_else(|| ChainError::Unavailable(format!("bad block hash {hash}")))?;
			self.heads.send_replace(Head { number, hash });
		}
		Err(ChainError::Unavailable("finalized-head subscription ended".into()))
	}
}

impl RpcChain {
	async fn client(&self) -> Result<Arc<WsClient>, ChainError> {
		self.client
			.read()
			.await
			.clone()
			.ok_or_else(|| ChainError::Unavailable(format!("not connected to {}", self.url)))
	}
}

impl RpcChain {
	/// A runtime API call (`state_call`) at `at` (the best block with `None`): the SCALE
	/// answer.
	pub async fn state_call(
		&self,
		method: &str,
		args: &[u8],
		at: Option<Head>,
	) -> Result<Vec<u8>, ChainError> {
		let args = format!("0x{}", hex(args));
		let at = at.map(|h| h.hash_hex());
		let out: String = self
			.client()
			.await?
			.request("state_call", rpc_params![method, args, at])
			.await
			.map_err(|e| ChainError::Unavailable(e.to_string()))?;
		unhex(&out).ok_or_else(|| ChainError::Unavailable("state_call answer is not hex".into()))
	}

	/// The hash of block `number` of the node's chain, if it has one.
	pub async fn block_hash(&self, number: u32) -> Result<Option<[u8; 32]>, ChainError> {
		let hash: Option<String> = self
			.client()
			.await?
			.request("chain_getBlockHash", rpc_params![number])
			.await
			.map_err(|e| ChainError::Unavailable(e.to_string()))?;
		Ok(hash.and_then(|h| unhex(&h)).and_then(|h| <[u8; 32]>::try_from(h).ok()))
	}

	/// The chain's genesis hash.
	pub async fn genesis(&self) -> Result<[u8; 32], ChainError> {
		let hash: String = self
			.client()
			.await?
			.request("chain_getBlockHash", rpc_params![0])
			.await
			.map_err(|e| ChainError::Unavailable(e.to_string()))?;
		unhex(&hash)
			.and_then(|h| <[u8; 32]>::try_from(h).ok())
			.ok_or_else(|| ChainError::Unavailable(format!("bad genesis hash {hash}")))
	}
}

impl Chain for RpcChain {
	fn heads(&self) -> watch::Receiver<Head> {
		self.heads.subscribe()
	}

	fn connected(&self) -> bool {
		self.following.load(std::sync::atomic::Ordering::Relaxed)
	}

	fn syncing(&self) -> BoxFuture<'_, Result<bool, ChainError>> {
		Box::pin(async move {
			let health: serde_json::Value = self
				.client()
				.await?
				.request("system_health", rpc_params![])
				.await
				.map_err(|e| ChainError::Unavailable(e.to_string()))?;
			health["isSyncing"].as_bool().ok_or_else(|| {
				ChainError::Unavailable(format!("system_health without isSyncing: {health}"))
			})
		})
	}

	fn offchain_get(&self, key: &[u8]) -> BoxFuture<'_, Result<Option<Vec<u8>>, ChainError>> {
		let key = format!("0x{}", hex(key));
		Box::pin(async move {
			let value: Option<String> = self
				.client()
				.await?
				.request("offchain_localStorageGet", rpc_params!["PERSISTENT", key])
				.await
				.map_err(|e| ChainError::Unavailable(e.to_string()))?;
			Ok(value.and_then(|v| unhex(&v)))
		})
	}

	fn offchain_set(&self, key: &[u8], value: &[u8]) -> BoxFuture<'_, Result<(), ChainError>> {
		let (key, value) = (format!("0x{}", hex(key)), format!("0x{}", hex(value)));
		Box::pin(async move {
			let _: Option<()> = self
				.client()
				.await?
				.request("offchain_localStorageSet", rpc_params!["PERSISTENT", key, value])
				.await
				.map_err(|e| ChainError::Unavailable(e.to_string()))?;
			Ok(())
		})
	}

	fn proof(&self, name: &str) -> BoxFuture<'_, Result<serde_json::Value, ChainError>> {
		let name = name.to_owned();
		Box::pin(async move {
			self.client()
				.await?
				.request("ddns_resolveWithProof", rpc_params![name])
				.await
				.map_err(|e| ChainError::Unavailable(e.to_string()))
		})
	}

	fn view(&self, name: &str, at: Head) -> BoxFuture<'_, Result<Option<View>, ChainError>> {
		let args = format!("0x{}", hex(&name.as_bytes().to_vec().encode()));
		Box::pin(async move {
			let client =
				self.client.read().await.clone().ok_or_else(|| {
					ChainError::Unavailable(format!("not connected to {}", self.url))
				})?;
			let out: String = client
				.request("state_call", rpc_params!["RegistryApi_resolve", args, at.hash_hex()])
				.await
				.map_err(|e| ChainError::Unavailable(e.to_string()))?;
			let bytes = unhex(&out)
				.ok_or_else(|| ChainError::Unavailable("state_call answer is not hex".into()))?;
			let result = Result::<View, LookupError>::decode(&mut &bytes[..])
				.map_err(|e| ChainError::Unavailable(format!("undecodable view: {e}")))?;
			lookup(result)
		})
	}
}

/// A chain in memory: tests set views and finalize blocks by hand.
pub struct MemChain {
	heads: watch::Sender<Head>,
	/// Views as of the latest finalized head.
	names: Mutex<HashMap<String, View>>,
	/// What [`Chain::syncing`] says.
	syncing: std::sync::atomic::AtomicBool,
	/// Changes waiting for the next finalized block.
	pending: Mutex<Vec<(String, Option<View>)>>,
}

impl MemChain {
	pub fn new() -> Arc<Self> {
		let (heads, _) = watch::channel(Self::head(1));
		Arc::new(Self {
			heads,
			names: Default::default(),
			pending: Default::default(),
			syncing: Default::default(),
		})
	}

	fn head(number: u32) -> Head {
		let mut hash = [0u8; 32];
		hash[..4].copy_from_slice(&number.to_be_bytes());
		hash[31] = 1;
		Head { number, hash }
	}

	/// Sets (or, with `None`, removes) a name's view. It takes effect at the next
	/// [`Self::finalize`], as a finalized extrinsic would.
	pub fn set(&self, name: &str, view: Option<View>) {
		self.pending.lock().expect("not poisoned").push((name.to_owned(), view));
	}

	/// Finalizes the next block; returns its head.
	pub fn finalize(&self) -> Head {
		let mut names = self.names.lock().expect("not poisoned");
		for (name, view) in self.pending.lock().expect("not poisoned").drain(..) {
			match view {
				Some(v) => names.insert(name, v),
				None => names.remove(&name),
			};
		}
		drop(names);
		let next = Self::head(self.heads.borrow().number + 1);
		self.heads.send_replace(next);
		next
	}

	/// Makes the chain say it is syncing (or not).
	pub fn set_syncing(&self, syncing: bool) {
		self.syncing.store(syncing, std::sync::atomic::Ordering::Relaxed);
	}

	pub fn current(&self) -> Head {
		*self.heads.borrow()
	}

	/// The name's view as of the latest finalized head.
	pub fn get(&self, name: &str) -> Option<View> {
		self.names.lock().expect("not poisoned").get(name).cloned()
	}
}

impl Chain for MemChain {
	fn heads(&self) -> watch::Receiver<Head> {
		self.heads.subscribe()
	}

	fn syncing(&self) -> BoxFuture<'_, Result<bool, ChainError>> {
		let syncing = self.syncing.load(std::sync::atomic::Ordering::Relaxed);
		Box::pin(async move { Ok(syncing) })
	}

	fn view(&self, name: &str, _at: Head) -> BoxFuture<'_, Result<Option<View>, ChainError>> {
		let result = match ddns_primitives::name::validate(name.as_bytes()) {
			Err(e) => Err(ChainError::InvalidName(e.code().to_owned())),
			Ok(()) => Ok(self.get(name)),
		};
		Box::pin(async move { result })
	}
}
