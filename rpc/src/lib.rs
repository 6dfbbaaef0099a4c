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
//! | `ddns_price(name, periods, at?)` | rent, premium, deposit, total; the same in the next block |
//! | `ddns_params(at?)` | the registry's parameters |
//! | `ddns_subscribeName(name)` | the view at every finalized block where it changed |
//! | `ddns_resolveWithProof(name, at?)` | the view at a justified block, with header, justification and read proof ([`proof`]) |
//!
//! `at` is a block hash, `"best"` (the default) or `"finalized"`; an empty string or `"0x"` is
//! the default too, and the selector may also come hex-encoded (`"0x62657374"` is `"best"`), which
//! is how polkadot.js sends it when `at` is declared `Bytes` (see `examples/rpc-definitions.js`).
//! Every answer carries `at: { number, hash, finalized }`. `ddns_price` also quotes the block
//! after `at` (`next`), the block a registration sent now is included in at the earliest.
//!
//! What each call costs the node:
//! - every method runs on a blocking thread (jsonrpsee's `blocking`, i.e. `spawn_blocking`),
//!   never on the async workers that serve connections;
//! - every answer, found or not, is kept per block in one [`cache::Cache`] shared by all
//!   connections and subscriptions, bounded by [`CACHE_BYTES`]; concurrent askers of the same
//!   question share one runtime call;
//! - `ddns_subscribeName` asks that same cache, so N subscriptions of a name cost one runtime
//!   call per finalized block, and at most [`MAX_WATCHED_NAMES`] distinct names are watched
//!   at a time, [`MAX_WATCHED_NAMES_PER_CONNECTION`] by one connection (jsonrpsee bounds
//!   subscriptions per connection, 1024 by default).

pub mod cache;
pub mod json;
pub mod operators;
pub mod proof;

use std::{collections::HashMap, marker::PhantomData, sync::Arc};

use cache::{Answer, Cache, Weigh};

use codec::Decode;
use ddns_primitives::name::{self as rule, MAX_NAME_LEN};
use ddns_registry_runtime_api::{LookupError, Price, RegistryApi};
use futures::StreamExt;
use jsonrpsee::{
	core::{async_trait, RpcResult, SubscriptionResult},
	proc_macros::rpc,
	types::ErrorObjectOwned,
	ConnectionId, PendingSubscriptionSink, SubscriptionMessage,
};
use parking_lot::Mutex;
use sc_client_api::BlockchainEvents;
use serde::{de, Deserialize, Deserializer};
use serde_json::{json, Value};
use sp_api::Core;
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
	/// Too many distinct names are watched already (`ddns_subscribeName`).
	pub const BUSY: i32 = 4029;
	/// The runtime call failed.
	pub const RUNTIME: i32 = 4500;
}

/// Log target; at `debug` every runtime call this crate makes is logged (`-l ddns_rpc=debug`).
const LOG_TARGET: &str = "ddns_rpc";

/// Longest account string accepted (SS58 of a 32-byte key is 47–48 characters).
pub(crate) const MAX_ACCOUNT_LEN: usize = 64;
/// Longest block selector accepted (`0x` + 64 hex digits).
const MAX_AT_LEN: usize = 66;
/// Most periods a price may be asked for.
const MAX_PERIODS: u32 = 1_000;
/// Bytes of answers kept (views, prices, not-found answers... by block), as
/// [`cache::weight`] counts them: about the heap they hold.
pub const CACHE_BYTES: usize = 16 << 20;
/// Distinct names `ddns_subscribeName` watches at a time, over all connections. Each costs
/// at most one runtime call per finalized block, however many subscribe to it.
pub const MAX_WATCHED_NAMES: usize = 1_024;
/// Distinct names one connection's subscriptions watch at a time, so that one connection cannot
/// take every slot of [`MAX_WATCHED_NAMES`].
pub const MAX_WATCHED_NAMES_PER_CONNECTION: usize = 32;
/// Most characters of a caller's input that an error message repeats.
const MAX_ECHO: usize = 80;

pub(crate) fn error(
	code: i32,
	message: impl Into<String>,
	data: Option<Value>,
) -> ErrorObjectOwned {
	ErrorObjectOwned::owned(code, message.into(), data)
}

/// A caller's input as an error message repeats it: quoted, and cut after [`MAX_ECHO`]
/// characters (saying how long it was), so that a huge input never makes a huge answer.
pub(crate) fn echo(input: &str) -> String {
	match input.char_indices().nth(MAX_ECHO) {
		None => format!("{input:?}"),
		Some((cut, _)) => format!("{:?}... ({} bytes)", &input[..cut], input.len()),
	}
}

fn invalid_name(name: &str) -> ErrorObjectOwned {
	match rule::validate(name.as_bytes()) {
		Err(e) => error(
			code::INVALID_NAME,
			format!("invalid name {}: {e}", echo(name)),
			Some(json!({ "rule": e.code() })),
		),
		Ok(()) => error(code::INVALID_NAME, format!("invalid name {}", echo(name)), None),
	}
}

fn lookup_error(name: &str, e: LookupError) -> ErrorObjectOwned {
	match e {
		LookupError::NotFound => error(
			code::NOT_FOUND,
			format!("{} is not registered (or has lapsed past grace)", echo(name)),
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

/// A number of periods as a caller sends it: like `u32`, but a string in its place is refused
/// with an error that repeats it as [`echo`] does, not whole.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Periods(pub u32);

impl<'de> Deserialize<'de> for Periods {
	fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
		struct Visitor;
		impl de::Visitor<'_> for Visitor {
			type Value = Periods;

			fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
				f.write_str("a number of periods (u32)")
			}

			fn visit_u64<E: de::Error>(self, v: u64) -> Result<Periods, E> {
				u32::try_from(v)
					.map(Periods)
					.map_err(|_| E::invalid_value(de::Unexpected::Unsigned(v), &self))
			}

			fn visit_i64<E: de::Error>(self, v: i64) -> Result<Periods, E> {
				u32::try_from(v)
					.map(Periods)
					.map_err(|_| E::invalid_value(de::Unexpected::Signed(v), &self))
			}

			fn visit_str<E: de::Error>(self, v: &str) -> Result<Periods, E> {
				Err(E::invalid_type(de::Unexpected::Other(&format!("string {}", echo(v))), &self))
			}
		}
		// `deserialize_u32` would refuse a string itself, quoting all of it.
		deserializer.deserialize_any(Visitor)
	}
}

/// What a block selector names, before the block is looked up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Selector {
	Best,
	Finalized,
	Hash([u8; 32]),
}

/// Reads a block selector: a 32-byte hash in `0x` hex, `"best"`, `"finalized"`, or nothing
/// (`None`, `""` or `"0x"`) for the default, best. The words may also come hex-encoded
/// (`"0x62657374"` is `"best"`): that is how polkadot.js sends a parameter declared `Bytes`,
/// the only type it passes both a hash and a word through (see `examples/rpc-definitions.js`).
fn selector(at: Option<&str>) -> RpcResult<Selector> {
	let s = match at {
		None | Some("" | "best") => return Ok(Selector::Best),
		Some("finalized") => return Ok(Selector::Finalized),
		Some(s) => s,
	};
	let bytes = Some(s)
		.filter(|s| s.len() <= MAX_AT_LEN && s.starts_with("0x"))
		.and_then(json::unhex)
		.ok_or_else(|| bad_at(s))?;
	match bytes.as_slice() {
		b"" | b"best" => Ok(Selector::Best),
		b"finalized" => Ok(Selector::Finalized),
		hash => hash.try_into().map(Selector::Hash).map_err(|_| bad_at(s)),
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
	#[method(name = "resolve", blocking)]
	fn resolve(&self, name: String, at: Option<String>) -> RpcResult<Value>;

	/// The primary name of an SS58 account.
	#[method(name = "reverse", blocking)]
	fn reverse(&self, account: String, at: Option<String>) -> RpcResult<Value>;

	/// What registering `name` for `periods` periods costs.
	///
	/// The answer is the price at `at`, plus `next`: the price in a block built on `at`, which
	/// is what a registration sent now pays if the next block includes it.
	#[method(name = "price", blocking)]
	fn price(&self, name: String, periods: Periods, at: Option<String>) -> RpcResult<Value>;

	/// The registry's parameters.
	#[method(name = "params", blocking)]
	fn params(&self, at: Option<String>) -> RpcResult<Value>;

	/// Sends the name's view now and again at every finalized block where it changed.
	#[subscription(name = "subscribeName" => "nameChanged", unsubscribe = "unsubscribeName", item = Value)]
	async fn subscribe_name(&self, name: String) -> SubscriptionResult;
}

/// What a cached answer answers: one runtime call (or, for a price, two) at one block.
#[derive(Clone, PartialEq, Eq, Hash)]
enum Key<Hash> {
	View(Hash, String),
	Price(Hash, String, u32),
	Reverse(Hash, AccountId32),
	Params(Hash),
}

impl<Hash> Weigh for Key<Hash> {
	fn weigh(&self) -> usize {
		size_of::<Self>()
			+ match self {
				Key::View(_, name) | Key::Price(_, name, _) => name.len(),
				Key::Reverse(..) | Key::Params(_) => 0,
			}
	}
}

/// An answer, and whether the cache may keep it: all but a failed runtime call.
fn keep(answer: Answer) -> (Arc<Answer>, bool) {
	let keep = !matches!(&answer, Err(e) if e.code() == code::RUNTIME);
	(Arc::new(answer), keep)
}

/// The names `ddns_subscribeName` watches, with how many subscriptions watch each, over all
/// connections and per connection.
#[derive(Clone)]
struct Watched {
	state: Arc<Mutex<WatchedState>>,
	max: usize,
	max_per_connection: usize,
}

#[derive(Default)]
struct WatchedState {
	/// Subscriptions per name, over all connections.
	names: HashMap<String, usize>,
	/// Subscriptions per name, per connection.
	connections: HashMap<ConnectionId, HashMap<String, usize>>,
}

/// One subscription's hold on a watched name; released when dropped.
struct Watching {
	state: Arc<Mutex<WatchedState>>,
	connection: ConnectionId,
	name: String,
}

impl Watched {
	fn new(max: usize, max_per_connection: usize) -> Self {
		Self { state: Default::default(), max, max_per_connection }
	}

	/// Watches `name` once more for `connection`, unless it is a new name and `max` are
	/// watched already, or a name new to the connection and it watches `max_per_connection`
	/// (so that one connection cannot take every slot from the others).
	fn watch(&self, connection: ConnectionId, name: &str) -> Option<Watching> {
		let mut state = self.state.lock();
		let WatchedState { names, connections } = &mut *state;
		if !names.contains_key(name) && names.len() >= self.max {
			return None;
		}
		let mine = connections.entry(connection).or_default();
		if !mine.contains_key(name) && mine.len() >= self.max_per_connection {
			if mine.is_empty() {
				connections.remove(&connection);
			}
			return None;
		}
		*mine.entry(name.to_owned()).or_default() += 1;
		*names.entry(name.to_owned()).or_default() += 1;
		Some(Watching { state: self.state.clone(), connection, name: name.to_owned() })
	}
}

/// One less subscription of `name` in `counts`; the entry goes at zero.
fn release(counts: &mut HashMap<String, usize>, name: &str) {
	if let Some(n) = counts.get_mut(name) {
		*n -= 1;
		if *n == 0 {
			counts.remove(name);
		}
	}
}

impl Drop for Watching {
	fn drop(&mut self) {
		let mut state = self.state.lock();
		release(&mut state.names, &self.name);
		if let Some(mine) = state.connections.get_mut(&self.connection) {
			release(mine, &self.name);
			if mine.is_empty() {
				state.connections.remove(&self.connection);
			}
		}
	}
}

/// The resolver over a client of the chain.
pub struct Ddns<C, Block: BlockT> {
	client: Arc<C>,
	cache: Arc<Cache<Key<Block::Hash>>>,
	watched: Watched,
	_block: PhantomData<Block>,
}

impl<C, Block: BlockT> Clone for Ddns<C, Block> {
	fn clone(&self) -> Self {
		Self {
			client: self.client.clone(),
			cache: self.cache.clone(),
			watched: self.watched.clone(),
			_block: PhantomData,
		}
	}
}

impl<C, Block: BlockT> Ddns<C, Block> {
	pub fn new(client: Arc<C>) -> Self {
		Self {
			client,
			cache: Arc::new(Cache::new(CACHE_BYTES)),
			watched: Watched::new(MAX_WATCHED_NAMES, MAX_WATCHED_NAMES_PER_CONNECTION),
			_block: PhantomData,
		}
	}
}

/// The block `at` names, and where it stands.
pub(crate) fn block_at<Block: BlockT, C: HeaderBackend<Block>>(
	client: &C,
	at: Option<&str>,
) -> RpcResult<(Block::Hash, At)>
where
	NumberFor<Block>: Into<u64>,
{
	let info = client.info();
	let hash = match selector(at)? {
		Selector::Best => info.best_hash,
		Selector::Finalized => info.finalized_hash,
		Selector::Hash(bytes) => {
			Block::Hash::decode(&mut &bytes[..]).map_err(|_| bad_at(at.unwrap_or_default()))?
		},
	};
	Ok((hash, where_is(client, hash)?))
}

/// Where block `hash` stands: its number, and whether it is finalized.
pub(crate) fn where_is<Block: BlockT, C: HeaderBackend<Block>>(
	client: &C,
	hash: Block::Hash,
) -> RpcResult<At>
where
	NumberFor<Block>: Into<u64>,
{
	let info = client.info();
	let header = client
		.header(hash)
		.map_err(|e| error(code::RUNTIME, e.to_string(), None))?
		.ok_or_else(|| error(code::UNKNOWN_BLOCK, format!("unknown block {hash:?}"), None))?;
	let number: u64 = (*header.number()).into();
	let finalized = number <= info.finalized_number.into()
		&& client.hash(*header.number()).ok().flatten() == Some(hash);
	Ok(At { number: number as u32, hash: format!("{hash:?}"), finalized })
}

/// A view as a subscription sends it: `null` while nobody holds the name.
fn view_or_null(answer: &Answer) -> Result<&Value, &ErrorObjectOwned> {
	static NULL: Value = Value::Null;
	match answer {
		Ok(view) => Ok(view),
		Err(e) if e.code() == code::NOT_FOUND => Ok(&NULL),
		Err(e) => Err(e),
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
		block_at(&*self.client, at)
	}

	/// Where block `hash` stands: its number, and whether it is finalized.
	fn at_of(&self, hash: Block::Hash) -> RpcResult<At> {
		where_is(&*self.client, hash)
	}

	fn runtime_error(e: impl std::fmt::Display) -> ErrorObjectOwned {
		error(code::RUNTIME, format!("runtime call failed: {e}"), None)
	}

	/// The view of `name` at `hash` without `at`, or why there is none; cached per block,
	/// found or not. Runs the runtime (or waits for a concurrent caller that does): call from
	/// a blocking thread. An answer equal to `previous` is returned as `previous` itself.
	fn view_at(
		&self,
		name: &str,
		hash: Block::Hash,
		previous: Option<&Arc<Answer>>,
	) -> Arc<Answer> {
		self.cache.get_or_compute(Key::View(hash, name.to_owned()), || {
			log::debug!(target: LOG_TARGET, "runtime call: resolve {} at {hash:?}", echo(name));
			let answer = match self.client.runtime_api().resolve(hash, name.as_bytes().to_vec()) {
				Err(e) => Err(Self::runtime_error(e)),
				Ok(Err(e)) => Err(lookup_error(name, e)),
				Ok(Ok(view)) => Ok(json::name_view(&view)),
			};
			match previous {
				Some(previous) if **previous == answer => (previous.clone(), true),
				_ => keep(answer),
			}
		})
	}

	/// [`Self::view_at`] from async code: a kept answer is read in place, anything else is
	/// computed on a blocking thread.
	async fn view_at_async(
		&self,
		name: &str,
		hash: Block::Hash,
		previous: Option<Arc<Answer>>,
	) -> Result<Arc<Answer>, String> {
		if let Some(answer) = self.cache.get(&Key::View(hash, name.to_owned())) {
			return Ok(answer);
		}
		let (this, name) = (self.clone(), name.to_owned());
		jsonrpsee::tokio::task::spawn_blocking(move || this.view_at(&name, hash, previous.as_ref()))
			.await
			.map_err(|e| format!("resolver task failed: {e}"))
	}

	/// Where block `hash` stands, from async code.
	async fn at_async(&self, hash: Block::Hash) -> Option<At> {
		let this = self.clone();
		jsonrpsee::tokio::task::spawn_blocking(move || this.at_of(hash).ok()).await.ok().flatten()
	}

	/// What registering `name` costs in a block built on `parent` (number `number`): the new
	/// block's hooks run first, as when a block is built, then `price` reads the chain as an
	/// extrinsic of that block would (the premium at that block's number). Nothing is stored.
	fn price_in_block_after(
		&self,
		parent: Block::Hash,
		number: u32,
		name: &str,
		periods: u32,
	) -> RpcResult<Price<u128>> {
		let header = <Block::Header as HeaderT>::new(
			number.into(),
			Default::default(),
			Default::default(),
			parent,
			Default::default(),
		);
		let api = self.client.runtime_api();
		api.initialize_block(parent, &header).map_err(Self::runtime_error)?;
		api.price(parent, name.as_bytes().to_vec(), periods)
			.map_err(Self::runtime_error)?
			.map_err(|e| lookup_error(name, e))
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
			"invalid block selector {}: use a 0x-prefixed 32-byte hash, \"best\" or \"finalized\"",
			echo(s)
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
		let view = (*self.view_at(&name, hash, None)).clone()?;
		Ok(Self::with_at(view, &at))
	}

	fn reverse(&self, account: String, at: Option<String>) -> RpcResult<Value> {
		if account.len() > MAX_ACCOUNT_LEN {
			return Err(error(code::INVALID_PARAMS, "account is too long for SS58", None));
		}
		let who = AccountId32::from_ss58check(&account).map_err(|e| {
			let message = format!("invalid SS58 account {}: {e:?}", echo(&account));
			error(code::INVALID_PARAMS, message, None)
		})?;
		let (hash, at) = self.block(at.as_deref())?;
		let name = self.cache.get_or_compute(Key::Reverse(hash, who.clone()), || {
			log::debug!(target: LOG_TARGET, "runtime call: reverse {who} at {hash:?}");
			let name = self.client.runtime_api().reverse(hash, who).map_err(Self::runtime_error);
			keep(name.map(|name| json!(name.as_deref().map(json::text))))
		});
		let name = (*name).clone()?;
		Ok(json!({ "account": account, "name": name, "at": at }))
	}

	fn price(&self, name: String, periods: Periods, at: Option<String>) -> RpcResult<Value> {
		let Periods(periods) = periods;
		bounded_name(&name)?;
		if periods == 0 || periods > MAX_PERIODS {
			return Err(error(
				code::INVALID_PARAMS,
				format!("periods must be from 1 to {MAX_PERIODS}"),
				None,
			));
		}
		let (hash, at) = self.block(at.as_deref())?;
		let number = at.number.saturating_add(1);
		// Both quotes, the one at `hash` and the one in the block after, are kept per (block,
		// name, periods): `initialize_block` runs once per parent block and question.
		let quote = self.cache.get_or_compute(Key::Price(hash, name.clone(), periods), || {
			log::debug!(target: LOG_TARGET, "runtime call: price {} at {hash:?}", echo(&name));
			keep((|| {
				let price = self
					.client
					.runtime_api()
					.price(hash, name.as_bytes().to_vec(), periods)
					.map_err(Self::runtime_error)?
					.map_err(|e| lookup_error(&name, e))?;
				let next = self.price_in_block_after(hash, number, &name, periods)?;
				let mut value = json::price(&price);
				let mut next = json::price(&next);
				next["number"] = json!(number);
				value["next"] = next;
				Ok(value)
			})())
		});
		Ok(Self::with_at((*quote).clone()?, &at))
	}

	fn params(&self, at: Option<String>) -> RpcResult<Value> {
		let (hash, at) = self.block(at.as_deref())?;
		let params = self.cache.get_or_compute(Key::Params(hash), || {
			log::debug!(target: LOG_TARGET, "runtime call: params at {hash:?}");
			let params = self.client.runtime_api().params(hash).map_err(Self::runtime_error);
			keep(params.map(|params| json!(params.as_ref().map(json::params))))
		});
		let params = (*params).clone()?;
		Ok(json!({ "params": params, "at": at }))
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
		// Held until the subscription ends.
		let Some(_watching) = self.watched.watch(pending.connection_id(), &name) else {
			let message = format!(
				"{} distinct names are watched already ({} per connection); subscribe to one of \
				 them or try later",
				self.watched.max, self.watched.max_per_connection,
			);
			pending.reject(error(code::BUSY, message, None)).await;
			return Ok(());
		};
		let this = self.clone();
		// Every block's view comes from the shared cache: the first subscription to ask for a
		// block makes the runtime call, the others read (or wait for) its answer.
		let finalized = this.client.info().finalized_hash;
		let first = this.view_at_async(&name, finalized, None).await?;
		if let Err(e) = view_or_null(&first) {
			pending.reject(e.clone()).await;
			return Ok(());
		}
		let mut stream = this.client.finality_notification_stream();
		let sink = pending.accept().await?;
		let message = |view: &Value, at: Option<At>| {
			SubscriptionMessage::from_json(&json!({ "name": name, "view": view, "at": at }))
		};
		let view = view_or_null(&first).map_err(|e| e.message().to_owned())?;
		sink.send(message(view, this.at_async(finalized).await)?).await?;
		let mut last = first;
		loop {
			let notification = next_or_closed(&sink, stream.next()).await;
			let Some(notification) = notification else { break };
			// GRANDPA finalizes blocks in batches: look at each block of the batch, in order, so
			// that a change undone within the batch is still sent.
			let route = notification.tree_route.iter().copied().chain([notification.hash]);
			for hash in route {
				let answer = this.view_at_async(&name, hash, Some(last.clone())).await?;
				// An unchanged view is the same `Arc` as the last one (see `view_at`).
				if Arc::ptr_eq(&answer, &last) {
					continue;
				}
				let view = view_or_null(&answer).map_err(|e| e.message().to_owned())?;
				let before = view_or_null(&last).map_err(|e| e.message().to_owned())?;
				if view != before {
					sink.send(message(view, this.at_async(hash).await)?).await?;
				}
				last = answer;
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

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn selectors_read_as_raw_json_and_polkadot_js_send_them() {
		let hash = format!("0x{}", "ab".repeat(32));
		for (at, want) in [
			(None, Selector::Best),
			(Some("best"), Selector::Best),
			(Some("finalized"), Selector::Finalized),
			(Some(hash.as_str()), Selector::Hash([0xab; 32])),
			// What polkadot.js sends for `at` declared `Bytes`: the words hex-encoded, and for an
			// explicit `undefined` empty bytes (or, declared `Text`, an empty string).
			(Some("0x62657374"), Selector::Best),
			(Some("0x66696e616c697a6564"), Selector::Finalized),
			(Some("0x"), Selector::Best),
			(Some(""), Selector::Best),
		] {
			assert_eq!(selector(at).unwrap(), want, "{at:?}");
		}
		for bad in ["yesterday", "0x1234", "0xzz", "0x6265737", "Best", "0x42657374"] {
			let e = selector(Some(bad)).unwrap_err();
			assert_eq!(e.code(), code::INVALID_PARAMS, "{bad}");
		}
		let long = format!("0x{}", "ab".repeat(33));
		assert_eq!(selector(Some(&long)).unwrap_err().code(), code::INVALID_PARAMS);
	}

	#[test]
	fn watched_names_are_bounded_not_their_subscriptions() {
		let one = ConnectionId(1);
		let watched = Watched::new(2, 10);
		let a = watched.watch(one, "a.ddns").unwrap();
		let a_again: Vec<_> = (0..100).map(|_| watched.watch(one, "a.ddns").unwrap()).collect();
		let b = watched.watch(one, "b.ddns").unwrap();
		// A third distinct name is refused; more subscriptions of a watched one are not.
		assert!(watched.watch(one, "c.ddns").is_none());
		assert!(watched.watch(one, "b.ddns").is_some());
		drop(b);
		let c = watched.watch(one, "c.ddns").unwrap();
		// "a.ddns" stays watched while any of its subscriptions lives.
		drop(a);
		assert!(watched.watch(one, "d.ddns").is_none());
		drop(a_again);
		assert!(watched.watch(one, "d.ddns").is_some());
		drop(c);
		let state = watched.state.lock();
		assert!(state.names.is_empty() && state.connections.is_empty());
	}

	#[test]
	fn one_connection_cannot_take_every_watched_name() {
		let (greedy, other) = (ConnectionId(1), ConnectionId(2));
		let watched = Watched::new(100, 3);
		let held: Vec<_> =
			(0..3).map(|i| watched.watch(greedy, &format!("n{i}.ddns")).unwrap()).collect();
		// A fourth name is refused to this connection only; its watched names stay open to it.
		assert!(watched.watch(greedy, "n3.ddns").is_none());
		assert!(watched.watch(greedy, "n0.ddns").is_some());
		let theirs = watched.watch(other, "n3.ddns").unwrap();
		assert!(watched.watch(other, "n0.ddns").is_some());
		drop(held);
		assert!(watched.watch(greedy, "n4.ddns").is_some());
		drop(theirs);
	}

	#[test]
	fn echoed_input_is_cut_the_same_everywhere() {
		let huge = "a".repeat(1 << 20);
		assert_eq!(echo("short.ddns"), "\"short.ddns\"");
		let cut = echo(&huge);
		assert!(cut.len() < 120, "{cut}");
		assert!(cut.ends_with(&format!("... ({} bytes)", 1 << 20)), "{cut}");
		// Multi-byte characters are cut on a character boundary.
		assert!(echo(&"é".repeat(1000)).starts_with(&format!("\"{}\"...", "é".repeat(MAX_ECHO))));

		for e in [
			invalid_name(&huge),
			lookup_error(&huge, LookupError::NotFound),
			lookup_error(&huge, LookupError::InvalidName(b"too_long".to_vec())),
			bad_at(&huge),
		] {
			assert!(e.message().len() < 300, "{} bytes: {}", e.message().len(), e.message());
			assert!(e.message().contains(&cut), "{}", e.message());
		}
		// Parsed from text, as the server parses parameters.
		let periods = |text: &str| serde_json::from_str::<Periods>(text);
		let refused = periods(&json!(huge).to_string()).unwrap_err().to_string();
		assert!(refused.len() < 300 && refused.contains(&cut), "{refused}");
		assert_eq!(periods("3").unwrap(), Periods(3));
		for bad in ["-1", "4294967296", "1.5", "[1]", "null"] {
			assert!(periods(bad).is_err(), "{bad}");
		}
	}
}
