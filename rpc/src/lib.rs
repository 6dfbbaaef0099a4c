//! The ddns JSON-RPC resolver.
//!
//! Every method translates one call of the registry's runtime API (`RegistryApi`) at one block
//! and says which block that was. Nothing here re-implements a registry rule: the name rule is
//! only used to refuse oversize input before any runtime call and to word the runtime's verdict.
//!
//! | method | answer |
//! |---|---|
//! | `ddns_resolve(name, at?)` | the name's view, or error 4004 if nobody holds it |
//! | `ddns_reverse(account, at?)` | `{ "name": ... }` (null when the account has no primary name) |
//! | `ddns_price(name, periods, at?)` | rent, premium, deposit, total |
//! | `ddns_params(at?)` | the registry's parameters |
//! | `ddns_subscribeName(name)` | the view at every finalized block where it changed |
//!
//! `at` is a block hash, `"best"` (the default) or `"finalized"`. Every answer carries
//! `at: { number, hash, finalized }`.

pub mod json;

use std::{marker::PhantomData, sync::Arc};

use codec::Decode;
use ddns_primitives::name::{self as rule, MAX_NAME_LEN};
use ddns_registry_runtime_api::{LookupError, RegistryApi};
use futures::StreamExt;
use jsonrpsee::{
	core::{async_trait, RpcResult, SubscriptionResult},
	proc_macros::rpc,
	types::ErrorObjectOwned,
	PendingSubscriptionSink, SubscriptionMessage,
};
use parking_lot::Mutex;
use sc_client_api::BlockchainEvents;
use schnellru::{ByLength, LruMap};
use serde_json::{json, Value};
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_core::crypto::{AccountId32, Ss58Codec};
use sp_runtime::traits::{Block as BlockT, Header as HeaderT, NumberFor};

pub use json::At;

/// Stable JSON-RPC error codes.
pub mod code {
	/// The name breaks the name rule; `data.rule` says which.
	pub const INVALID_NAME: i32 = 4001;
	/// A parameter other than the name is malformed (account, periods, block selector).
	pub const INVALID_PARAMS: i32 = 4002;
	/// Nobody holds the name.
	pub const NOT_FOUND: i32 = 4004;
	/// The block asked for is not known to this node.
	pub const UNKNOWN_BLOCK: i32 = 4005;
	/// The runtime call failed.
	pub const RUNTIME: i32 = 4500;
}

/// Longest account string accepted (SS58 of a 32-byte key is 47–48 characters).
const MAX_ACCOUNT_LEN: usize = 64;
/// Longest block selector accepted (`0x` + 64 hex digits).
const MAX_AT_LEN: usize = 66;
/// Most periods a price may be asked for.
const MAX_PERIODS: u32 = 1_000;
/// Resolve answers kept per (block, name).
const CACHE_ENTRIES: u32 = 4_096;

fn error(code: i32, message: impl Into<String>, data: Option<Value>) -> ErrorObjectOwned {
	ErrorObjectOwned::owned(code, message.into(), data)
}

fn invalid_name(name: &str) -> ErrorObjectOwned {
	match rule::validate(name.as_bytes()) {
		Err(e) => error(
			code::INVALID_NAME,
			format!("invalid name {name:?}: {e}"),
			Some(json!({ "rule": e.code() })),
		),
		Ok(()) => error(code::INVALID_NAME, format!("invalid name {name:?}"), None),
	}
}

fn lookup_error(name: &str, e: LookupError) -> ErrorObjectOwned {
	match e {
		LookupError::NotFound => error(
			code::NOT_FOUND,
			format!("{name} is not registered (or has lapsed past grace)"),
			None,
		),
		LookupError::InvalidName(rule) => {
			let rule = String::from_utf8_lossy(&rule).into_owned();
			let mut e = invalid_name(name);
			if e.data().is_none() {
				e = error(
					code::INVALID_NAME,
					e.message().to_owned(),
					Some(json!({ "rule": rule })),
				);
			}
			e
		},
	}
}

/// Refuses a name that cannot be one before any runtime call.
fn bounded_name(name: &str) -> RpcResult<()> {
	if name.is_empty() || name.len() > MAX_NAME_LEN {
		return Err(invalid_name(name));
	}
	Ok(())
}

#[rpc(server, namespace = "ddns")]
pub trait DdnsApi<Hash> {
	/// Resolves a name at block `at` (a hash, `"best"` or `"finalized"`; default `"best"`).
	#[method(name = "resolve")]
	fn resolve(&self, name: String, at: Option<String>) -> RpcResult<Value>;

	/// The primary name of an SS58 account.
	#[method(name = "reverse")]
	fn reverse(&self, account: String, at: Option<String>) -> RpcResult<Value>;

	/// What registering `name` for `periods` periods costs.
	#[method(name = "price")]
	fn price(&self, name: String, periods: u32, at: Option<String>) -> RpcResult<Value>;

	/// The registry's parameters.
	#[method(name = "params")]
	fn params(&self, at: Option<String>) -> RpcResult<Value>;

	/// Sends the name's view now and again at every finalized block where it changed.
	#[subscription(name = "subscribeName" => "nameChanged", unsubscribe = "unsubscribeName", item = Value)]
	async fn subscribe_name(&self, name: String) -> SubscriptionResult;
}

/// Resolve answers by (block, name), shared by every connection.
type ViewCache<Hash> = Arc<Mutex<LruMap<(Hash, String), Value>>>;

/// The resolver over a client of the chain.
pub struct Ddns<C, Block: BlockT> {
	client: Arc<C>,
	cache: ViewCache<Block::Hash>,
	_block: PhantomData<Block>,
}

impl<C, Block: BlockT> Ddns<C, Block> {
	pub fn new(client: Arc<C>) -> Self {
		Self {
			client,
			cache: Arc::new(Mutex::new(LruMap::new(ByLength::new(CACHE_ENTRIES)))),
			_block: PhantomData,
		}
	}
}

impl<C, Block> Ddns<C, Block>
where
	Block: BlockT,
	NumberFor<Block>: Into<u64>,
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: RegistryApi<Block, AccountId32, u128, u32>,
{
	/// The block `at` names, and where it stands.
	fn block(&self, at: Option<&str>) -> RpcResult<(Block::Hash, At)> {
		let info = self.client.info();
		let hash = match at {
			None | Some("best") => info.best_hash,
			Some("finalized") => info.finalized_hash,
			Some(s) if s.len() <= MAX_AT_LEN && s.starts_with("0x") => {
				let bytes = json::unhex(s).filter(|b| b.len() == 32).ok_or_else(|| bad_at(s))?;
				Block::Hash::decode(&mut &bytes[..]).map_err(|_| bad_at(s))?
			},
			Some(s) => return Err(bad_at(s)),
		};
		let header = self
			.client
			.header(hash)
			.map_err(|e| error(code::RUNTIME, e.to_string(), None))?
			.ok_or_else(|| error(code::UNKNOWN_BLOCK, format!("unknown block {hash:?}"), None))?;
		let number: u64 = (*header.number()).into();
		let finalized = number <= info.finalized_number.into()
			&& self.client.hash(*header.number()).ok().flatten() == Some(hash);
		Ok((hash, At { number: number as u32, hash: format!("{hash:?}"), finalized }))
	}

	fn runtime_error(e: impl std::fmt::Display) -> ErrorObjectOwned {
		error(code::RUNTIME, format!("runtime call failed: {e}"), None)
	}

	/// The view of `name` at `hash` without `at`, cached per block.
	fn view_at(&self, name: &str, hash: Block::Hash) -> RpcResult<Value> {
		let key = (hash, name.to_owned());
		if let Some(v) = self.cache.lock().get(&key) {
			return Ok(v.clone());
		}
		let view = self
			.client
			.runtime_api()
			.resolve(hash, name.as_bytes().to_vec())
			.map_err(Self::runtime_error)?
			.map_err(|e| lookup_error(name, e))?;
		let value = json::name_view(&view);
		self.cache.lock().insert(key, value.clone());
		Ok(value)
	}

	/// `view` with `at` added.
	fn with_at(mut value: Value, at: &At) -> Value {
		if let Value::Object(map) = &mut value {
			map.insert("at".into(), json!(at));
		}
		value
	}
}

fn bad_at(s: &str) -> ErrorObjectOwned {
	error(
		code::INVALID_PARAMS,
		format!(
			"invalid block selector {:?}: use a 0x-prefixed 32-byte hash, \"best\" or \"finalized\"",
			s.chars().take(80).collect::<String>()
		),
		None,
	)
}

#[async_trait]
impl<C, Block> DdnsApiServer<Block::Hash> for Ddns<C, Block>
where
	Block: BlockT,
	NumberFor<Block>: Into<u64>,
	C: ProvideRuntimeApi<Block>
		+ HeaderBackend<Block>
		+ BlockchainEvents<Block>
		+ Send
		+ Sync
		+ 'static,
	C::Api: RegistryApi<Block, AccountId32, u128, u32>,
{
	fn resolve(&self, name: String, at: Option<String>) -> RpcResult<Value> {
		bounded_name(&name)?;
		let (hash, at) = self.block(at.as_deref())?;
		Ok(Self::with_at(self.view_at(&name, hash)?, &at))
	}

	fn reverse(&self, account: String, at: Option<String>) -> RpcResult<Value> {
		if account.len() > MAX_ACCOUNT_LEN {
			return Err(error(code::INVALID_PARAMS, "account is too long for SS58", None));
		}
		let who = AccountId32::from_ss58check(&account).map_err(|e| {
			error(code::INVALID_PARAMS, format!("invalid SS58 account {account:?}: {e:?}"), None)
		})?;
		let (hash, at) = self.block(at.as_deref())?;
		let name = self.client.runtime_api().reverse(hash, who).map_err(Self::runtime_error)?;
		Ok(json!({ "account": account, "name": name.as_deref().map(json::text), "at": at }))
	}

	fn price(&self, name: String, periods: u32, at: Option<String>) -> RpcResult<Value> {
		bounded_name(&name)?;
		if periods == 0 || periods > MAX_PERIODS {
			return Err(error(
				code::INVALID_PARAMS,
				format!("periods must be from 1 to {MAX_PERIODS}"),
				None,
			));
		}
		let (hash, at) = self.block(at.as_deref())?;
		let price = self
			.client
			.runtime_api()
			.price(hash, name.as_bytes().to_vec(), periods)
			.map_err(Self::runtime_error)?
			.map_err(|e| lookup_error(&name, e))?;
		Ok(Self::with_at(json::price(&price), &at))
	}

	fn params(&self, at: Option<String>) -> RpcResult<Value> {
		let (hash, at) = self.block(at.as_deref())?;
		let params = self.client.runtime_api().params(hash).map_err(Self::runtime_error)?;
		Ok(json!({ "params": params.as_ref().map(json::params), "at": at }))
	}

	async fn subscribe_name(
		&self,
		pending: PendingSubscriptionSink,
		name: String,
	) -> SubscriptionResult {
		if let Err(e) = bounded_name(&name) {
			pending.reject(e).await;
			return Ok(());
		}
		let this = Ddns::<C, Block> {
			client: self.client.clone(),
			cache: self.cache.clone(),
			_block: PhantomData,
		};
		// A name nobody holds is a view too: `null`, with the error's message.
		let view_or_null = |hash: Block::Hash| -> Result<Value, ErrorObjectOwned> {
			match this.view_at(&name, hash) {
				Ok(v) => Ok(v),
				Err(e) if e.code() == code::NOT_FOUND => Ok(Value::Null),
				Err(e) => Err(e),
			}
		};
		let finalized = this.client.info().finalized_hash;
		let first = match view_or_null(finalized) {
			Ok(v) => v,
			Err(e) => {
				pending.reject(e).await;
				return Ok(());
			},
		};
		let mut stream = this.client.finality_notification_stream();
		let sink = pending.accept().await?;
		let send =
			|view: &Value, hash: Block::Hash| -> Result<SubscriptionMessage, serde_json::Error> {
				let at = this.block(Some(&format!("{hash:?}"))).map(|(_, at)| at).ok();
				SubscriptionMessage::from_json(&json!({ "name": name, "view": view, "at": at }))
			};
		sink.send(send(&first, finalized)?).await?;
		let mut last = first;
		loop {
			let notification = next_or_closed(&sink, stream.next()).await;
			let Some(notification) = notification else { break };
			// GRANDPA finalizes blocks in batches: look at each block of the batch, in order, so
			// that a change undone within the batch is still sent.
			let route = notification.tree_route.iter().copied().chain([notification.hash]);
			for hash in route {
				let view = view_or_null(hash).map_err(|e| e.message().to_owned())?;
				if view != last {
					sink.send(send(&view, hash)?).await?;
					last = view;
				}
			}
		}
		Ok(())
	}
}

/// Waits for the next item of `next`, or `None` when the subscriber went away.
async fn next_or_closed<T>(
	sink: &jsonrpsee::SubscriptionSink,
	next: impl std::future::Future<Output = Option<T>>,
) -> Option<T> {
	futures::pin_mut!(next);
	let closed = sink.closed();
	futures::pin_mut!(closed);
	match futures::future::select(next, closed).await {
		futures::future::Either::Left((item, _)) => item,
		futures::future::Either::Right(_) => None,
	}
}
