//! The daemon: a DHT node that validates every endpoint record against the chain, publishes
//! the records of the names it serves, and answers lookups for the HTTP and DNS faces.

use crate::{
	chain::{Chain, ChainError, Head, View},
	dht::{Dht, DhtConfig, Inbound},
	metrics::Metrics,
	validate::{check, precheck, supersedes, Reject},
};
use codec::Encode;
use ddns_primitives::{
	endpoint::{
		dht_key, name_of_key, next_seq, ocw_signed_key, Endpoint, EndpointRequest, OCW_REQUEST_KEY,
	},
	record::check_multiaddr,
};
use ddns_registry_runtime_api::Lifecycle;
use libp2p::{identity::Keypair, Multiaddr};
use std::{
	collections::HashMap,
	sync::{Arc, Mutex},
	time::{Duration, Instant},
};
use tokio::sync::{mpsc, watch};

/// The 32 raw bytes of an ed25519 keypair's public key (what the chain stores as node key).
/// Panics for another kind of key; [`Daemon::start`] refuses those.
pub fn node_key(key: &Keypair) -> [u8; 32] {
	key.clone().try_into_ed25519().expect("an ed25519 keypair").public().to_bytes()
}

/// Who signs the endpoint records of served names.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Signer {
	/// The daemon, with its own key (`--key-file`).
	#[default]
	Local,
	/// The node's offchain worker, with a `ddns` key in the node's keystore.
	Node,
}

/// How the daemon publishes.
#[derive(Clone, Debug)]
pub struct Settings {
	/// Who signs.
	pub signer: Signer,
	/// Names whose endpoint records this daemon signs and publishes (their on-chain node key
	/// must be this daemon's key).
	pub serve: Vec<String>,
	/// Blocks a fresh record stays valid (capped by the name's expiry).
	pub validity_blocks: u32,
	/// How long a lookup that found no endpoint is remembered (a found one is remembered until
	/// the next finalized block).
	pub negative_cache: Duration,
	/// `/health` says finality has stalled when no new finalized block came for this long.
	pub max_finality_age: Duration,
	/// A lookup answers once this many copies of the best valid record came (`--lookup-quorum`)
	pub lookup_quorum: usize,
	/// ... or this long after the first valid one came (`--lookup-wait`), without waiting for
	/// the rest of the query.
	pub lookup_wait: Duration,
	/// A peer that sends this many records that were never valid (a forged signature, another
	/// chain's, a malformed one) within [`STRIKE_WINDOW`] is banned (`--ban-after`, 0: never)
	pub ban_after: u32,
	/// ... for this long (`--ban-time`).
	pub ban_time: Duration,
}

/// Whether a record was signed no longer ago than a quarter of its validity (and two blocks
/// of slack): publishers sign again every quarter (see `Daemon::publish`), so a newer record
/// than such a one exists only if its publisher changed something since.
fn recent(e: &Endpoint, head: u32) -> bool {
	let signed = u32::try_from(e.seq >> 32).unwrap_or(u32::MAX);
	let validity = e.valid_until.saturating_sub(signed);
	head.saturating_sub(signed) <= validity / 4 + 2
}

/// The time over which a peer's invalid records are counted.
pub const STRIKE_WINDOW: Duration = Duration::from_secs(60);
/// Peers whose invalid records are counted at once; past it the oldest counts are forgotten.
const MAX_STRIKERS: usize = 4096;

impl Default for Settings {
	fn default() -> Self {
		Self {
			signer: Signer::Local,
			serve: Vec::new(),
			validity_blocks: 600,
			negative_cache: Duration::from_millis(500),
			max_finality_age: Duration::from_secs(60),
			lookup_quorum: 2,
			lookup_wait: Duration::from_millis(100),
			ban_after: 8,
			ban_time: Duration::from_secs(600),
		}
	}
}

/// The answer to a lookup: the name's on-chain view and its valid endpoint, at one block.
#[derive(Clone, Debug)]
pub struct Resolution {
	pub head: Head,
	pub view: Option<View>,
	/// The valid record with the highest (epoch, sequence), if any.
	pub endpoint: Option<Endpoint>,
	/// That record as signed (its wire form), for proof bundles.
	pub record: Option<Vec<u8>>,
}

/// A valid record found in the DHT, and its wire form.
type Found = (Endpoint, Vec<u8>);

impl Resolution {
	/// Whether the name resolves: held and Active.
	pub fn active(&self) -> bool {
		self.view.as_ref().is_some_and(|v| v.state == Lifecycle::Active)
	}
}

/// What was last published for a served name.
#[derive(Clone, Debug)]
struct Published {
	epoch: u64,
	expires_at: u32,
	valid_until: u32,
	refresh_at: u32,
	addrs: Vec<Vec<u8>>,
	seq: u64,
	/// Blocks left in which to put the record again: peers whose node is a block or two behind
	/// refuse a record signed for a newer epoch, and a put is acknowledged before peers check.
	repeats: u8,
}

/// Finalized blocks between two sweeps of the store for records that stopped validating.
const PRUNE_EVERY: u32 = 10;
/// Blocks after a change in which a new record is put again.
const REPEATS_AFTER_CHANGE: u8 = 3;

/// Per finalized block: views read from the chain and endpoint lookups made.
#[derive(Default)]
struct Cache {
	head: Head,
	views: HashMap<String, Option<View>>,
	answers: HashMap<String, (Instant, Arc<Resolution>)>,
}

/// [`Daemon::connect`]s served at once; more are refused.
const MAX_CONNECTS: usize = 4;

/// `/resolve?proof=1` requests made at once; more get 503.
pub const MAX_PROOFS: usize = 8;
/// Proof bundles kept (a bundle is a few KB); the cache starts over when full.
pub const PROOF_CACHE_ENTRIES: usize = 1_024;

/// Entries a cache holds before it starts over (it also starts over at every finalized block).
const CACHE_ENTRIES: usize = 100_000;

pub struct Daemon {
	pub chain: Arc<dyn Chain>,
	pub dht: Dht,
	pub metrics: Metrics,
	key: Keypair,
	settings: Settings,
	cache: Mutex<Cache>,
	published: Mutex<HashMap<String, Published>>,
	last_seq: Mutex<u64>,
	/// The chain's genesis hash, which every record's signature covers.
	genesis: [u8; 32],
	/// Lookups running, by name and block: a lookup for the same name at the same block waits
	/// for the running one's answer instead of asking the DHT again.
	lookups: Mutex<HashMap<(String, u32), watch::Receiver<Option<Option<Found>>>>>,
	/// Invalid records per peer: how many, since when.
	strikes: Mutex<HashMap<libp2p::PeerId, (u32, Instant)>>,
	/// The last request written for the node's offchain worker.
	requested: Mutex<Option<Vec<u8>>>,
	/// [`Self::connect`]s in progress.
	connects: tokio::sync::Semaphore,
	/// Prober challenges being answered.
	challenge_slots: Arc<tokio::sync::Semaphore>,
	/// `/resolve?proof=1` requests being made ([`MAX_PROOFS`]): each costs the node two calls.
	pub proof_slots: tokio::sync::Semaphore,
	/// The last proof bundles made, by name: one per name and justified block.
	pub proofs: Mutex<HashMap<String, (serde_json::Value, Instant)>>,
	/// The daemon's tasks and those of its faces (their listeners); `None` once stopped.
	tasks: Mutex<Option<Vec<tokio::task::AbortHandle>>>,
	/// The last finalized head seen, and when it came.
	head_seen: Mutex<(Head, Instant)>,
	/// The node's last answer to "are you syncing?", and when it came (asked at most once a
	/// second, however often `/health` is asked).
	syncing: tokio::sync::Mutex<Option<(Instant, Option<bool>)>>,
}

impl Daemon {
	/// Starts the swarm and the daemon's tasks: validation of inbound records, publication of
	/// served names at every finalized block, and pruning of records the chain has made invalid.
	pub fn start(
		key: Keypair,
		chain: Arc<dyn Chain>,
		dht: DhtConfig,
		settings: Settings,
	) -> anyhow::Result<Arc<Self>> {
		if key.clone().try_into_ed25519().is_err() {
			anyhow::bail!("the node key must be ed25519");
		}
		let metrics = Metrics::new();
		let genesis = dht.genesis;
		let (dht, inbound) = Dht::spawn(key.clone(), dht, metrics.net.clone())?;
		let daemon = Arc::new(Self {
			chain,
			dht,
			metrics,
			connects: tokio::sync::Semaphore::new(MAX_CONNECTS),
			challenge_slots: Arc::new(tokio::sync::Semaphore::new(4)),
			proof_slots: tokio::sync::Semaphore::new(MAX_PROOFS),
			proofs: Default::default(),
			key,
			settings,
			cache: Default::default(),
			published: Default::default(),
			last_seq: Mutex::new(0),
			genesis,
			lookups: Default::default(),
			strikes: Default::default(),
			requested: Default::default(),
			tasks: Mutex::new(Some(Vec::new())),
			head_seen: Mutex::new((Head::default(), Instant::now())),
			syncing: Default::default(),
		});
		daemon.keep(tokio::spawn(daemon.clone().validate_inbound(inbound)).abort_handle());
		daemon.keep(tokio::spawn(daemon.clone().follow()).abort_handle());
		daemon.keep(tokio::spawn(daemon.clone().watch_heads()).abort_handle());
		Ok(daemon)
	}

	/// Makes `task` one of the daemon's, which [`Self::stop`] ends: the faces' listeners are
	/// (`http::serve`, `dns::serve`). A task given after `stop` is ended at once.
	pub fn keep(&self, task: tokio::task::AbortHandle) {
		match self.tasks.lock().expect("not poisoned").as_mut() {
			Some(tasks) => tasks.push(task),
			None => task.abort(),
		}
	}

	/// How many of the daemon's tasks have ended (each runs for the daemon's life: one that
	/// ended has failed, e.g. a face's listener or the follower of the chain).
	pub fn dead_tasks(&self) -> usize {
		self.tasks
			.lock()
			.expect("not poisoned")
			.iter()
			.flatten()
			.filter(|t| t.is_finished())
			.count()
	}

	/// Whether the node is syncing, `None` if it did not say within `timeout`. Asked at most
	/// once a second; concurrent askers share one question.
	pub async fn syncing(&self, timeout: Duration) -> Option<bool> {
		let mut last = self.syncing.lock().await;
		if let Some((at, answer)) = *last {
			if at.elapsed() < Duration::from_secs(1) {
				return answer;
			}
		}
		let answer =
			tokio::time::timeout(timeout, self.chain.syncing()).await.ok().and_then(Result::ok);
		*last = Some((Instant::now(), answer));
		answer
	}

	/// How long ago the finalized head last moved (since the start, before the first).
	pub fn finality_age(&self) -> Duration {
		self.head_seen.lock().expect("not poisoned").1.elapsed()
	}

	/// Stops the daemon's tasks, its faces (their sockets close, with the queries and
	/// connections they serve) and its swarm (its connections close).
	pub fn stop(&self) {
		for task in self.tasks.lock().expect("not poisoned").take().into_iter().flatten() {
			task.abort();
		}
		self.dht.stop();
	}

	/// The public half of the node key (what `set_node_key` must put on chain).
	pub fn node_key(&self) -> [u8; 32] {
		node_key(&self.key)
	}

	pub fn settings(&self) -> &Settings {
		&self.settings
	}

	/// The finalized head answers are made at.
	pub fn head(&self) -> Head {
		*self.chain.heads().borrow()
	}

	/// The name's view at the finalized head (cached per block).
	pub async fn view(&self, name: &str) -> Result<(Head, Option<View>), ChainError> {
		// Not a ddns name: answered here, without a call to the node.
		ddns_primitives::name::validate(name.as_bytes())
			.map_err(|e| ChainError::InvalidName(e.code().to_owned()))?;
		let head = self.head();
		{
			let mut cache = self.cache.lock().expect("not poisoned");
			Self::roll(&mut cache, head);
			if let Some(view) = cache.views.get(name) {
				return Ok((head, view.clone()));
			}
		}
		let view = self.chain.view(name, head).await?;
		let mut cache = self.cache.lock().expect("not poisoned");
		Self::roll(&mut cache, head);
		if cache.head == head {
			if cache.views.len() >= CACHE_ENTRIES {
				cache.views.clear();
			}
			cache.views.insert(name.to_owned(), view.clone());
		}
		Ok((head, view))
	}

	fn roll(cache: &mut Cache, head: Head) {
		if cache.head != head {
			cache.head = head;
			cache.views.clear();
			cache.answers.clear();
		}
	}

	/// The name's view and valid endpoint at the finalized head. A found endpoint is cached
	/// until the next finalized block; "none found" for [`Settings::negative_cache`].
	pub async fn resolve(&self, name: &str) -> Result<Arc<Resolution>, ChainError> {
		self.resolve_with(name, true).await
	}

	/// As [`Self::resolve`]; with `endpoint` false, only the on-chain view (no DHT lookup), for
	/// answers that do not use the endpoint.
	pub async fn resolve_with(
		&self,
		name: &str,
		endpoint: bool,
	) -> Result<Arc<Resolution>, ChainError> {
		let (head, view) = self.view(name).await?;
		if !endpoint {
			return Ok(Arc::new(Resolution { head, view, endpoint: None, record: None }));
		}
		{
			let cache = self.cache.lock().expect("not poisoned");
			if let Some((at, answer)) = cache.answers.get(name) {
				if cache.head == head
					&& (answer.endpoint.is_some() || at.elapsed() < self.settings.negative_cache)
				{
					return Ok(answer.clone());
				}
			}
		}
		let endpoint = match &view {
			Some(v) if v.state == Lifecycle::Active && v.node_key.is_some() => {
				self.lookup(name, v, head).await
			},
			_ => None,
		};
		let (endpoint, record) = endpoint.map_or((None, None), |(e, r)| (Some(e), Some(r)));
		let answer = Arc::new(Resolution { head, view, endpoint, record });
		let mut cache = self.cache.lock().expect("not poisoned");
		if cache.head == head {
			if cache.answers.len() >= CACHE_ENTRIES {
				cache.answers.clear();
			}
			cache.answers.insert(name.to_owned(), (Instant::now(), answer.clone()));
		}
		Ok(answer)
	}

	/// The best valid record of `name` in the DHT. Lookups of one name at one block share one
	/// query: the first asks, the others wait for its answer (and ask themselves if it is
	/// dropped before it has one).
	async fn lookup(&self, name: &str, view: &View, head: Head) -> Option<Found> {
		let key = (name.to_owned(), head.number);
		// One lock for the look and the claim: two callers never both lead.
		let role = {
			let mut lookups = self.lookups.lock().expect("not poisoned");
			match lookups.get(&key) {
				Some(running) => Err(running.clone()),
				None => {
					let (tx, rx) = watch::channel(None);
					lookups.insert(key.clone(), rx.clone());
					Ok((tx, rx))
				},
			}
		};
		let (tx, rx) = match role {
			Ok(lead) => lead,
			Err(mut answer) => {
				self.metrics.net.lookups_merged.inc();
				if let Ok(found) = answer.wait_for(Option::is_some).await {
					return found.clone().flatten();
				}
				// The leader was dropped before it had an answer: ask without it.
				return self.query(name, view, head).await;
			},
		};
		// Removes the entry however this ends, a dropped future included; only its own (a
		// later leader's entry stays).
		struct Running<'a> {
			lookups: &'a Mutex<HashMap<(String, u32), watch::Receiver<Option<Option<Found>>>>>,
			key: (String, u32),
			rx: watch::Receiver<Option<Option<Found>>>,
		}
		impl Drop for Running<'_> {
			fn drop(&mut self) {
				let mut lookups = self.lookups.lock().expect("not poisoned");
				if lookups.get(&self.key).is_some_and(|r| r.same_channel(&self.rx)) {
					lookups.remove(&self.key);
				}
			}
		}
		let _running = Running { lookups: &self.lookups, key, rx };
		let found = self.query(name, view, head).await;
		tx.send_replace(Some(found.clone()));
		found
	}

	/// Asks the DHT and keeps the best valid record. Answers as soon as
	/// [`Settings::lookup_quorum`] copies of the best record came, or [`Settings::lookup_wait`]
	/// after the first valid one, else when the query ends: one slow or frozen peer among the
	/// closest does not hold the answer up. Early answers trade a little freshness for speed:
	/// a newer record that comes later loses to an older valid one (still signed by the name's
	/// current key, in its current epoch, not expired).
	async fn query(&self, name: &str, view: &View, head: Head) -> Option<Found> {
		let started = Instant::now();
		let mut values = self.dht.get_stream(dht_key(name.as_bytes())).await;
		let mut best: Option<(Endpoint, Vec<u8>, usize)> = None;
		// Holders mostly return the same bytes: verify each distinct record once.
		let mut refused: Vec<Vec<u8>> = Vec::new();
		let mut deadline: Option<tokio::time::Instant> = None;
		loop {
			let next = match deadline {
				Some(at) => match tokio::time::timeout_at(at, values.recv()).await {
					Ok(next) => next,
					Err(_) => break,
				},
				None => values.recv().await,
			};
			let Some(value) = next else { break };
			if let Some((e, bytes, copies)) = &mut best {
				if *bytes == value {
					*copies += 1;
					if *copies >= self.settings.lookup_quorum && recent(e, head.number) {
						break;
					}
					continue;
				}
			}
			if refused.contains(&value) {
				continue;
			}
			match check(&value, name, Some(view), head.number, &self.genesis) {
				Ok(e) => {
					let recent = recent(&e, head.number);
					if best.as_ref().is_none_or(|(b, _, _)| supersedes(&e, b)) {
						best = Some((e, value, 1));
					}
					// Only a record signed since its publisher's last refresh was due may end
					// the query early: peers that answer first with an older one (still valid)
					// cannot pin it for long.
					if recent {
						deadline.get_or_insert_with(|| {
							tokio::time::Instant::now() + self.settings.lookup_wait
						});
						if self.settings.lookup_quorum <= 1 {
							break;
						}
					}
				},
				Err(reject) => {
					self.metrics.reject(reject.code());
					if refused.len() < 16 {
						refused.push(value);
					}
				},
			}
		}
		self.metrics.lookup_seconds.observe(started.elapsed().as_secs_f64());
		let result = if best.is_some() { "found" } else { "none" };
		self.metrics.lookups.get_or_create(&vec![("result", result)]).inc();
		best.map(|(e, bytes, _)| (e, bytes))
	}

	/// Validates records peers ask us to store; only valid ones that supersede what we hold
	/// are stored.
	async fn validate_inbound(self: Arc<Self>, mut inbound: mpsc::Receiver<Inbound>) {
		while let Some(inbound) = inbound.recv().await {
			let (key, value, from) = match inbound {
				Inbound::Put { key, value, from } => (key, value, from),
				Inbound::Challenge { from, challenge, channel } => {
					// Answered beside the records' validation, a few at a time, so that
					// challenges never hold up records.
					match self.challenge_slots.clone().try_acquire_owned() {
						Ok(slot) => {
							let this = self.clone();
							tokio::spawn(async move {
								this.answer_challenge(from, challenge, channel).await;
								drop(slot);
							});
						},
						Err(_) => {
							self.metrics
								.challenges
								.get_or_create(&vec![("result", "dropped")])
								.inc();
						},
					}
					continue;
				},
			};
			match self.accept(&key, &value).await {
				Ok(()) => {
					self.metrics.stored.inc();
				},
				Err(reject) => {
					tracing::debug!(target: "ddns::dht", "refused a record from {from}: {reject}");
					self.metrics.reject(reject.code());
					if reject.is_misbehaviour() && self.strike(from) {
						self.dht.ban(from, self.settings.ban_time).await;
					}
				},
			}
		}
	}

	/// Answers a prober's challenge from the view at the finalized head, signed with the
	/// daemon's key. Nothing is sent when the chain cannot say (the prober counts it down).
	async fn answer_challenge(
		&self,
		from: libp2p::PeerId,
		challenge: crate::probe::Challenge,
		channel: libp2p::request_response::ResponseChannel<crate::probe::Answer>,
	) {
		let name = String::from_utf8_lossy(&challenge.name).into_owned();
		let (head, view) = match self.view(&name).await {
			Ok(found) => found,
			// Not a ddns name: nobody holds it.
			Err(ChainError::InvalidName(_)) => (self.head(), None),
			Err(ChainError::Unavailable(e)) => {
				tracing::debug!(target: "ddns::probe", "challenge from {from} unanswered: {e}");
				self.metrics.challenges.get_or_create(&vec![("result", "dropped")]).inc();
				return;
			},
		};
		let Some(answer) = crate::probe::answer(&self.key, &challenge, head, &view) else { return };
		self.dht.respond(channel, answer).await;
		self.metrics.challenges.get_or_create(&vec![("result", "answered")]).inc();
	}

	/// Counts an invalid record against `from`; true when that makes it [`Settings::ban_after`].
	fn strike(&self, from: libp2p::PeerId) -> bool {
		if self.settings.ban_after == 0 {
			return false;
		}
		let now = Instant::now();
		let mut strikes = self.strikes.lock().expect("not poisoned");
		if strikes.len() >= MAX_STRIKERS && !strikes.contains_key(&from) {
			strikes.retain(|_, (_, since)| now.duration_since(*since) < STRIKE_WINDOW);
			// Still full: forget the peer with the fewest strikes (banning goes on).
			if strikes.len() >= MAX_STRIKERS {
				if let Some(least) = strikes.iter().min_by_key(|(_, (n, _))| *n).map(|(p, _)| *p) {
					strikes.remove(&least);
				}
			}
		}
		let (count, since) = strikes.entry(from).or_insert((0, now));
		if now.duration_since(*since) >= STRIKE_WINDOW {
			(*count, *since) = (0, now);
		}
		*count += 1;
		if *count >= self.settings.ban_after {
			strikes.remove(&from);
			return true;
		}
		false
	}

	async fn accept(&self, key: &[u8], value: &[u8]) -> Result<(), Reject> {
		let name =
			name_of_key(key).and_then(|n| std::str::from_utf8(n).ok()).ok_or(Reject::WrongKey)?;
		// What needs no node call first: a flood of junk costs the node nothing.
		let head = self.head();
		precheck(value, name, head.number)?;
		let (head, view) = self.view(name).await.map_err(|_| Reject::NotActive)?;
		let endpoint = check(value, name, view.as_ref(), head.number, &self.genesis)?;
		let keep = Box::new(move |stored: Option<&[u8]>| match stored {
			None => true,
			Some(old) => match Endpoint::from_wire(old) {
				Ok((old, _)) => supersedes(&endpoint, &old),
				Err(_) => true,
			},
		});
		if self.dht.store_if(key.to_vec(), value.to_vec(), keep).await {
			Ok(())
		} else {
			Err(Reject::Replay)
		}
	}

	/// Notes when each new finalized head arrives (for `/health`'s finality age), apart from
	/// [`Self::follow`], whose publishing and pruning can take a while per head.
	async fn watch_heads(self: Arc<Self>) {
		let mut heads = self.chain.heads();
		loop {
			let head = *heads.borrow_and_update();
			{
				let mut seen = self.head_seen.lock().expect("not poisoned");
				if seen.0 != head {
					*seen = (head, Instant::now());
				}
			}
			if heads.changed().await.is_err() {
				// The chain's sender is gone (and `follow` has ended, which `/health` reports
				// as a dead task); the age keeps growing from the last head.
				std::future::pending::<()>().await;
			}
		}
	}

	/// At every finalized block: publish what needs publishing, and every few blocks drop
	/// stored records the chain has made invalid.
	async fn follow(self: Arc<Self>) {
		let mut heads = self.chain.heads();
		let mut last_prune = 0u32;
		loop {
			let head = *heads.borrow_and_update();
			if head.number > 0 {
				self.metrics.finalized.set(head.number.into());
				self.metrics.peers.set(self.dht.info().await.connected_peers as i64);
				for name in self.settings.serve.clone() {
					if let Err(e) = self.publish(&name, head).await {
						tracing::warn!(target: "ddns::publish", "{name}: {e}");
					}
				}
				if head.number >= last_prune.saturating_add(PRUNE_EVERY) {
					self.prune(head).await;
					last_prune = head.number;
				}
			}
			if heads.changed().await.is_err() {
				return;
			}
		}
	}

	/// The addresses to put in records: the direct external ones (`--announce`, confirmed by
	/// AutoNAT, mapped by UPnP), else the relayed ones.
	async fn addrs(&self) -> Vec<Vec<u8>> {
		let info = self.dht.info().await;
		info.publishable()
			.iter()
			.map(|a| a.to_vec())
			.filter(|a| check_multiaddr(a).is_ok())
			.take(ddns_primitives::record::MAX_MULTIADDRS as usize)
			.collect()
	}

	/// Publishes the served name's record if the chain changed, validity runs low, or the
	/// addresses changed; refreshes it in the DHT every quarter of its validity.
	async fn publish(&self, name: &str, head: Head) -> Result<(), String> {
		let (_, view) = self.view(name).await.map_err(|e| e.to_string())?;
		// With the node signing, the offchain worker knows whether its keystore holds the key.
		let ours = view.as_ref().filter(|v| {
			v.state == Lifecycle::Active
				&& match self.settings.signer {
					Signer::Local => v.node_key == Some(self.node_key()),
					Signer::Node => v.node_key.is_some(),
				}
		});
		let Some(view) = ours else {
			if self.published.lock().expect("not poisoned").remove(name).is_some() {
				tracing::warn!(
					target: "ddns::publish",
					"{name} is no longer Active under this daemon's node key; not publishing"
				);
			}
			return Ok(());
		};
		let addrs = self.addrs().await;
		if addrs.is_empty() {
			// Not reachable yet (no confirmed address, no reservation): a record would send
			// clients nowhere. The next block tries again.
			return Ok(());
		}
		let previous = self.published.lock().expect("not poisoned").get(name).cloned();
		let refresh_due =
			|p: &Published| head.number >= p.refresh_at || head.number >= p.valid_until;
		let (endpoint, wire) = match self.settings.signer {
			Signer::Local => {
				let due = previous.as_ref().is_none_or(|p| {
					p.epoch != view.epoch
						|| p.expires_at != view.expires_at
						|| p.addrs != addrs
						|| refresh_due(p)
				});
				if !due {
					return Ok(());
				}
				// First record since start: a record signed before a restart within this block
				// would otherwise have the same number, and peers would refuse the new one.
				if previous.is_none() {
					self.after_published(name, view, head).await;
				}
				match self.sign(name, view, head, addrs)? {
					Some(signed) => signed,
					None => return Ok(()),
				}
			},
			Signer::Node => {
				self.request_signatures(addrs).await?;
				let key = ocw_signed_key(name.as_bytes());
				let Some(wire) = self.chain.offchain_get(&key).await.map_err(|e| e.to_string())?
				else {
					return Ok(());
				};
				let endpoint =
					check(&wire, name, Some(view), head.number, &self.genesis).map_err(|r| {
						format!("the node's record does not validate at #{} yet ({r})", head.number)
					})?;
				if previous.as_ref().is_some_and(|p| p.seq == endpoint.seq && !refresh_due(p)) {
					return Ok(());
				}
				(endpoint, wire)
			},
		};
		let refresh = (self.settings.validity_blocks / 4).max(1);
		// A new epoch, expiry or address set starts a burst; a refresh within the burst counts down.
		let repeats = match &previous {
			Some(p)
				if p.epoch == view.epoch
					&& p.expires_at == view.expires_at
					&& p.addrs == endpoint.addrs =>
			{
				p.repeats.saturating_sub(1)
			},
			_ => REPEATS_AFTER_CHANGE,
		};
		self.published.lock().expect("not poisoned").insert(
			name.to_owned(),
			Published {
				epoch: view.epoch,
				expires_at: view.expires_at,
				valid_until: endpoint.valid_until,
				refresh_at: head.number + refresh,
				addrs: endpoint.addrs.clone(),
				seq: endpoint.seq,
				repeats,
			},
		);
		self.metrics.published.inc();
		// Our own lookups must see the new record at once, whatever the cache says.
		self.cache.lock().expect("not poisoned").answers.remove(name);
		if let Err(e) = self.dht.put(dht_key(name.as_bytes()), wire).await {
			self.metrics.publish_failures.inc();
			// Try again at the next block.
			if let Some(p) = self.published.lock().expect("not poisoned").get_mut(name) {
				p.refresh_at = head.number + 1;
			}
			return Err(format!("no peer took the record yet ({e})"));
		}
		tracing::info!(
			target: "ddns::publish",
			"published {name} epoch {} seq {} valid until #{}",
			endpoint.epoch,
			endpoint.seq,
			endpoint.valid_until
		);
		Ok(())
	}

	/// Signs a fresh record with the daemon's own key; `None` if the name expires now.
	fn sign(
		&self,
		name: &str,
		view: &View,
		head: Head,
		addrs: Vec<Vec<u8>>,
	) -> Result<Option<(Endpoint, Vec<u8>)>, String> {
		let valid_until =
			head.number.saturating_add(self.settings.validity_blocks).min(view.expires_at);
		if valid_until <= head.number {
			return Ok(None);
		}
		let endpoint = Endpoint {
			name: name.as_bytes().to_vec(),
			epoch: view.epoch,
			seq: self.next_seq(head.number),
			valid_until,
			peer_id: self.dht.peer_id().to_bytes(),
			addrs,
		};
		let signature: [u8; 64] = self
			.key
			.sign(&endpoint.signing_payload(&self.genesis))
			.map_err(|e| e.to_string())?
			.try_into()
			.map_err(|_| "an ed25519 signature is 64 bytes".to_owned())?;
		let wire = endpoint.to_wire(&signature).map_err(|e| e.code().to_owned())?;
		Ok(Some((endpoint, wire)))
	}

	/// Makes the next sequence number exceed that of the valid record of ours the DHT holds for
	/// `name`, if any.
	async fn after_published(&self, name: &str, view: &View, head: Head) {
		let values = self.dht.get(dht_key(name.as_bytes())).await;
		let newest = values
			.iter()
			.filter_map(|v| check(v, name, Some(view), head.number, &self.genesis).ok())
			.map(|e| e.seq)
			.max();
		if let Some(seq) = newest {
			let mut last = self.last_seq.lock().expect("not poisoned");
			*last = (*last).max(seq);
		}
	}

	/// Tells the node's offchain worker what to sign (when it changed since the last time).
	async fn request_signatures(&self, addrs: Vec<Vec<u8>>) -> Result<(), String> {
		let request = EndpointRequest {
			peer_id: self.dht.peer_id().to_bytes(),
			addrs,
			names: self.settings.serve.iter().map(|n| n.as_bytes().to_vec()).collect(),
			validity_blocks: self.settings.validity_blocks,
		}
		.encode();
		if self.requested.lock().expect("not poisoned").as_ref() == Some(&request) {
			return Ok(());
		}
		self.chain.offchain_set(OCW_REQUEST_KEY, &request).await.map_err(|e| e.to_string())?;
		*self.requested.lock().expect("not poisoned") = Some(request);
		Ok(())
	}

	/// A sequence number above every one this process used, from the finalized block and a
	/// counter (see [`next_seq`]); across a restart, above the published one it found
	/// (`Self::publish`).
	fn next_seq(&self, block: u32) -> u64 {
		let mut last = self.last_seq.lock().expect("not poisoned");
		*last = next_seq(block, *last);
		*last
	}

	/// Resolves `name` and connects to its endpoint's peer: directly, or through the relay its
	/// record names and then, if the NATs allow, directly by a hole punch (waiting up to
	/// `wait` for it). `None` when [`MAX_CONNECTS`] are already in progress.
	pub async fn connect(
		&self,
		name: &str,
		fresh: bool,
		wait: Duration,
	) -> Option<Result<(Endpoint, crate::dht::Connected), String>> {
		let _permit = self.connects.try_acquire().ok()?;
		let resolution = match self.resolve(name).await {
			Ok(r) => r,
			Err(e) => return Some(Err(e.to_string())),
		};
		let Some(endpoint) = resolution.endpoint.clone() else {
			return Some(Err(format!("{name} has no valid endpoint record")));
		};
		let Ok(peer) = libp2p::PeerId::from_bytes(&endpoint.peer_id) else {
			return Some(Err("the record's PeerId does not parse".into()));
		};
		let addrs =
			endpoint.addrs.iter().filter_map(|a| Multiaddr::try_from(a.clone()).ok()).collect();
		Some(self.dht.connect(peer, addrs, fresh, wait).await.map(|c| (endpoint, c)))
	}

	/// Removes stored records that no longer validate (new epoch, expiry, lapse).
	async fn prune(&self, head: Head) {
		for key in self.dht.keys().await {
			let Some(value) = self.dht.local(key.clone()).await else { continue };
			let Some(name) = name_of_key(&key).and_then(|n| std::str::from_utf8(n).ok()) else {
				self.dht.remove(key).await;
				continue;
			};
			let Ok((_, view)) = self.view(name).await else { continue };
			if check(&value, name, view.as_ref(), head.number, &self.genesis).is_err() {
				self.dht.remove(key).await;
			}
		}
	}
}
