//! Probing the operators' services: `ddns-resolver --probe`, run beside a validator's node.
//!
//! In every round of the operators pallet the prober probes every active service once, at a
//! random moment of the round's first half, and when the chain moves to the next round it
//! leaves its verdicts in the node's persistent offchain storage, where the node's offchain
//! worker signs them with the validator's probe key and submits the report.
//!
//! - **Seed**: a fresh identity dials the declared address expecting the declared PeerId (the
//!   Noise handshake fails otherwise) and asks the node's Kademlia, on the chain's own protocol
//!   (`/<genesis hash>/kad`), for the peers closest to a random key. Up when it answers.
//! - **Relay**: one fresh identity reserves a slot on the relay (Circuit Relay v2), a second one
//!   dials the first through the relay and pings it. Up when the ping comes back.
//! - **Resolver**: the prober's daemon sends a challenge over `/ddns/probe/1.0.0`: a nonce and a
//!   canary name. The resolver answers with the nonce, the finalized block it answers from, the
//!   hash of its view of the name there, signed by its libp2p key. Up when the signature is the
//!   registered key's, the block is at most 2 behind the prober's, and the view equals the
//!   prober's own view at that block; a signed answer with another view is `wrong`.

use crate::{
	chain::{hex, Chain, ChainError, Head, RpcChain},
	Dht,
};
use codec::{Decode, DecodeAll, Encode};
use ddns_operators_runtime_api::{RoundRef, Service, ServiceId, ServiceKind, Verdict};
use futures::{AsyncReadExt, AsyncWriteExt, StreamExt};
use libp2p::{
	identity, kad,
	multiaddr::Protocol,
	noise, ping, relay, request_response,
	swarm::{NetworkBehaviour, SwarmEvent},
	tcp, yamux, Multiaddr, PeerId, StreamProtocol, Swarm,
};
use sp_core::crypto::AccountId32;
use std::{
	collections::BTreeMap,
	io,
	sync::{Arc, Mutex},
	time::Duration,
};

/// The resolver challenge's protocol.
pub const CHALLENGE_PROTOCOL: StreamProtocol = StreamProtocol::new("/ddns/probe/1.0.0");
/// Domain separation of a challenge answer's signature.
pub const ANSWER_CONTEXT: &[u8] = b"ddns/probe/answer/v1";
/// Largest challenge or answer on the wire.
const MAX_MESSAGE: u64 = 1024;
/// Where the node's offchain worker reads the results (see `pallet_ddns_operators::offchain`).
pub const RESULTS_KEY: &[u8] = b"ddns/probe/results";

/// A challenge to a resolver.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct Challenge {
	pub nonce: [u8; 32],
	/// The canary name whose view the resolver hashes.
	pub name: Vec<u8>,
}

/// A resolver's signed answer.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct Answer {
	pub nonce: [u8; 32],
	/// The finalized block the resolver answers from.
	pub number: u32,
	pub hash: [u8; 32],
	/// blake2-256 of the SCALE encoding of its view of the name (`Option<NameView>`).
	pub view: [u8; 32],
	/// Its libp2p key's signature over [`Answer::payload`].
	pub signature: Vec<u8>,
}

impl Answer {
	/// What the signature covers.
	pub fn payload(
		nonce: &[u8; 32],
		name: &[u8],
		number: u32,
		hash: &[u8; 32],
		view: &[u8; 32],
	) -> Vec<u8> {
		(ANSWER_CONTEXT, nonce, name, number, hash, view).encode()
	}
}

/// The hash of a view as a challenge answer carries it.
pub fn view_hash(view: &Option<crate::chain::View>) -> [u8; 32] {
	sp_crypto_hashing::blake2_256(&view.encode())
}

/// Length-delimited by the stream: one SCALE value per stream, at most [`MAX_MESSAGE`] bytes.
#[derive(Clone, Default)]
pub struct ChallengeCodec;

async fn read_one<T: Decode, R: futures::AsyncRead + Unpin + Send>(io: &mut R) -> io::Result<T> {
	let mut buf = Vec::new();
	io.take(MAX_MESSAGE + 1).read_to_end(&mut buf).await?;
	if buf.len() as u64 > MAX_MESSAGE {
		return Err(io::Error::new(io::ErrorKind::InvalidData, "message too long"));
	}
	T::decode_all(&mut &buf[..])
		.map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "undecodable message"))
}

async fn write_one<T: Encode, W: futures::AsyncWrite + Unpin + Send>(
	io: &mut W,
	value: T,
) -> io::Result<()> {
	io.write_all(&value.encode()).await?;
	io.close().await
}

#[async_trait::async_trait]
impl request_response::Codec for ChallengeCodec {
	type Protocol = StreamProtocol;
	type Request = Challenge;
	type Response = Answer;

	async fn read_request<T>(&mut self, _: &StreamProtocol, io: &mut T) -> io::Result<Challenge>
	where
		T: futures::AsyncRead + Unpin + Send,
	{
		let challenge: Challenge = read_one(io).await?;
		if challenge.name.len() > ddns_primitives::name::MAX_NAME_LEN {
			return Err(io::Error::new(io::ErrorKind::InvalidData, "name too long"));
		}
		Ok(challenge)
	}

	async fn read_response<T>(&mut self, _: &StreamProtocol, io: &mut T) -> io::Result<Answer>
	where
		T: futures::AsyncRead + Unpin + Send,
	{
		read_one(io).await
	}

	async fn write_request<T>(
		&mut self,
		_: &StreamProtocol,
		io: &mut T,
		req: Challenge,
	) -> io::Result<()>
	where
		T: futures::AsyncWrite + Unpin + Send,
	{
		write_one(io, req).await
	}

	async fn write_response<T>(
		&mut self,
		_: &StreamProtocol,
		io: &mut T,
		res: Answer,
	) -> io::Result<()>
	where
		T: futures::AsyncWrite + Unpin + Send,
	{
		write_one(io, res).await
	}
}

/// How the prober works.
#[derive(Clone, Debug)]
pub struct ProbeConfig {
	/// The chain's block time (rounds are counted in blocks).
	pub block_time: Duration,
	/// How long one probe may take.
	pub timeout: Duration,
	/// The name resolvers are challenged on.
	pub canary: String,
	/// Test only: report every service up, whatever the probes saw (a lying validator).
	pub lie_all_up: bool,
}

impl Default for ProbeConfig {
	fn default() -> Self {
		Self {
			block_time: Duration::from_secs(6),
			timeout: Duration::from_secs(10),
			canary: "canary.ddns".into(),
			lie_all_up: false,
		}
	}
}

type ServiceOf = Service<AccountId32, u128>;
type Round = RoundRef<u32>;

/// The results of the round being probed.
struct Probing {
	era: u32,
	round: u32,
	results: Arc<Mutex<BTreeMap<ServiceId, Verdict>>>,
	tasks: Vec<tokio::task::AbortHandle>,
}

impl Drop for Probing {
	fn drop(&mut self) {
		for task in &self.tasks {
			task.abort();
		}
	}
}

/// Runs the prober until the task is aborted.
///
/// Rounds are followed at the node's best block, polled every second: reports for a round are
/// taken only during the next one, so waiting for finality would lose rounds of a few blocks.
pub async fn run(
	dht: Dht,
	chain: Arc<RpcChain>,
	config: ProbeConfig,
	metrics: crate::metrics::ProbeMetrics,
) {
	let mut probing: Option<Probing> = None;
	// Results of a finished round not yet handed to the node.
	let mut unsent: Option<(u32, u32, Vec<(ServiceId, Verdict)>)> = None;
	let mut tick = tokio::time::interval(Duration::from_secs(1));
	tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
	loop {
		tick.tick().await;
		let (current, previous) = match rounds(&chain).await {
			Ok(r) => r,
			Err(e) => {
				tracing::debug!(target: "ddns::probe", "rounds unavailable: {e}");
				continue;
			},
		};
		let Some(current) = current else { continue };
		if probing.as_ref().map(|p| (p.era, p.round)) != Some((current.era, current.round)) {
			if let Some(done) = probing.take() {
				let results: Vec<_> =
					done.results.lock().expect("not poisoned").clone().into_iter().collect();
				unsent = Some((done.era, done.round, results));
			}
			probing = Some(start_round(&dht, &chain, &config, &metrics, &current).await);
		}
		if let (Some((era, round, results)), Some(prev)) = (&unsent, previous) {
			if (*era, *round) != (prev.era, prev.round) {
				unsent = None;
				continue;
			}
			let value = (*era, *round, results.clone()).encode();
			match chain.offchain_set(RESULTS_KEY, &value).await {
				Ok(()) => {
					tracing::info!(
						target: "ddns::probe",
						"round {era}/{round}: {} results handed to the node",
						results.len()
					);
					metrics.rounds.inc();
					unsent = None;
				},
				Err(e) => {
					tracing::warn!(target: "ddns::probe", "results not handed to the node: {e}")
				},
			}
		}
	}
}

/// A runtime API call at the best block.
async fn state_call<T: Decode>(
	chain: &RpcChain,
	method: &str,
	args: &[u8],
) -> Result<T, ChainError> {
	let bytes = chain.state_call(method, args, None).await?;
	T::decode(&mut &bytes[..])
		.map_err(|e| ChainError::Unavailable(format!("{method}: undecodable answer: {e}")))
}

/// The round in progress and the one that just ended, at the best block.
async fn rounds(chain: &RpcChain) -> Result<(Option<Round>, Option<Round>), ChainError> {
	state_call(chain, "OperatorsApi_rounds", &[]).await
}

/// Schedules one probe of every active service at a random moment of the round's first half.
async fn start_round(
	dht: &Dht,
	chain: &Arc<RpcChain>,
	config: &ProbeConfig,
	metrics: &crate::metrics::ProbeMetrics,
	round: &Round,
) -> Probing {
	let results = Arc::new(Mutex::new(BTreeMap::new()));
	let mut tasks = Vec::new();
	let targets: Vec<(ServiceId, ServiceOf)> =
		match state_call(chain, "OperatorsApi_probe_targets", &[]).await {
			Ok(t) => t,
			Err(e) => {
				tracing::warn!(target: "ddns::probe", "services unavailable: {e}");
				Vec::new()
			},
		};
	let genesis = chain.genesis().await.ok();
	// The round's first half, from about now (the round just started at the best block).
	let window = config.block_time * round.end.saturating_sub(round.start) / 2;
	tracing::info!(
		target: "ddns::probe",
		"round {}/{}: probing {} services within {window:?}",
		round.era,
		round.round,
		targets.len()
	);
	for (id, service) in targets {
		let delay = window.mul_f64(rand::random::<f64>());
		let (dht, chain, config, results, metrics) =
			(dht.clone(), chain.clone(), config.clone(), results.clone(), metrics.clone());
		let task = tokio::spawn(async move {
			tokio::time::sleep(delay).await;
			let seen = tokio::time::timeout(
				config.timeout,
				probe(&dht, &*chain, &config, genesis, &service),
			)
			.await
			.unwrap_or_else(|_| Err("timed out".into()));
			let verdict = match seen {
				Ok(v) => v,
				Err(why) => {
					tracing::info!(target: "ddns::probe", "service {id} ({:?}) down: {why}", service.kind);
					Verdict::Down
				},
			};
			metrics.result(service.kind, verdict);
			let reported = if config.lie_all_up { Verdict::Up } else { verdict };
			results.lock().expect("not poisoned").insert(id, reported);
		});
		tasks.push(task.abort_handle());
	}
	Probing { era: round.era, round: round.round, results, tasks }
}

/// A service's declared identity and address, as libp2p takes them.
fn target(service: &ServiceOf) -> Result<(PeerId, Multiaddr), String> {
	let key = identity::ed25519::PublicKey::try_from_bytes(&service.peer)
		.map_err(|e| format!("bad key: {e}"))?;
	let peer = identity::PublicKey::from(key).to_peer_id();
	let addr: Multiaddr = std::str::from_utf8(&service.addr)
		.ok()
		.and_then(|a| a.parse().ok())
		.ok_or("bad address")?;
	Ok((peer, addr))
}

async fn probe(
	dht: &Dht,
	chain: &RpcChain,
	config: &ProbeConfig,
	genesis: Option<[u8; 32]>,
	service: &ServiceOf,
) -> Result<Verdict, String> {
	let (peer, addr) = target(service)?;
	match service.kind {
		ServiceKind::Seed => {
			let genesis = genesis.ok_or("genesis hash unknown")?;
			probe_seed(genesis, peer, addr).await
		},
		ServiceKind::Relay => probe_relay(peer, addr).await,
		ServiceKind::Resolver => {
			probe_resolver(dht, chain, &config.canary, &service.peer, peer, addr).await
		},
	}
}

fn fresh_swarm<B: NetworkBehaviour>(
	behaviour: impl FnOnce(&identity::Keypair, relay::client::Behaviour) -> B,
) -> Result<Swarm<B>, String> {
	Ok(libp2p::SwarmBuilder::with_new_identity()
		.with_tokio()
		.with_tcp(tcp::Config::default().nodelay(true), noise::Config::new, yamux::Config::default)
		.map_err(|e| e.to_string())?
		.with_quic()
		.with_relay_client(noise::Config::new, yamux::Config::default)
		.map_err(|e| e.to_string())?
		.with_behaviour(|key, relay| behaviour(key, relay))
		.map_err(|e| e.to_string())?
		.with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(5)))
		.build())
}

#[derive(NetworkBehaviour)]
struct SeedProbe {
	kad: kad::Behaviour<kad::store::MemoryStore>,
}

/// The Kademlia protocol of a Substrate chain: `/<genesis hash in hex>/kad`.
pub fn chain_kad_protocol(genesis: &[u8; 32]) -> StreamProtocol {
	StreamProtocol::try_from_owned(format!("/{}/kad", hex(genesis))).expect("starts with a slash")
}

async fn probe_seed(genesis: [u8; 32], peer: PeerId, addr: Multiaddr) -> Result<Verdict, String> {
	let mut swarm = fresh_swarm(|key, _| {
		let id = key.public().to_peer_id();
		let mut config = kad::Config::new(chain_kad_protocol(&genesis));
		config.set_query_timeout(Duration::from_secs(8));
		let mut kad = kad::Behaviour::with_config(id, kad::store::MemoryStore::new(id), config);
		kad.set_mode(Some(kad::Mode::Client));
		SeedProbe { kad }
	})?;
	swarm.behaviour_mut().kad.add_address(&peer, addr);
	let query = swarm.behaviour_mut().kad.get_closest_peers(PeerId::random());
	loop {
		match swarm.select_next_some().await {
			SwarmEvent::Behaviour(SeedProbeEvent::Kad(kad::Event::OutboundQueryProgressed {
				id,
				stats,
				..
			})) if id == query => {
				return if stats.num_successes() > 0 {
					Ok(Verdict::Up)
				} else {
					Err("no Kademlia answer on the chain's protocol".into())
				};
			},
			SwarmEvent::OutgoingConnectionError { peer_id: Some(p), error, .. } if p == peer => {
				return Err(format!("dial: {error}"));
			},
			_ => {},
		}
	}
}

#[derive(NetworkBehaviour)]
struct RelayProbe {
	relay_client: relay::client::Behaviour,
	ping: ping::Behaviour,
}

fn relay_probe_swarm() -> Result<Swarm<RelayProbe>, String> {
	fresh_swarm(|_, relay_client| RelayProbe {
		relay_client,
		ping: ping::Behaviour::new(ping::Config::new().with_interval(Duration::from_millis(500))),
	})
}

async fn probe_relay(relay: PeerId, addr: Multiaddr) -> Result<Verdict, String> {
	let circuit = addr.with(Protocol::P2p(relay)).with(Protocol::P2pCircuit);
	let mut target = relay_probe_swarm()?;
	let target_id = *target.local_peer_id();
	target.listen_on(circuit.clone()).map_err(|e| e.to_string())?;
	loop {
		match target.select_next_some().await {
			SwarmEvent::Behaviour(RelayProbeEvent::RelayClient(
				relay::client::Event::ReservationReqAccepted { .. },
			)) => break,
			SwarmEvent::ListenerClosed { reason: Err(e), .. } => {
				return Err(format!("no reservation: {e}"))
			},
			SwarmEvent::ListenerError { error, .. } => {
				return Err(format!("no reservation: {error}"))
			},
			_ => {},
		}
	}
	let mut dialer = relay_probe_swarm()?;
	dialer.dial(circuit.with(Protocol::P2p(target_id))).map_err(|e| e.to_string())?;
	loop {
		tokio::select! {
			_ = target.select_next_some() => {},
			event = dialer.select_next_some() => match event {
				SwarmEvent::Behaviour(RelayProbeEvent::Ping(ping::Event { peer, result: Ok(_), .. }))
					if peer == target_id => return Ok(Verdict::Up),
				SwarmEvent::OutgoingConnectionError { error, .. } => {
					return Err(format!("no circuit: {error}"));
				},
				_ => {},
			},
		}
	}
}

async fn probe_resolver(
	dht: &Dht,
	chain: &RpcChain,
	canary: &str,
	key: &[u8; 32],
	peer: PeerId,
	addr: Multiaddr,
) -> Result<Verdict, String> {
	let nonce: [u8; 32] = rand::random();
	let challenge = Challenge { nonce, name: canary.as_bytes().to_vec() };
	let answer = dht.challenge(peer, addr, challenge).await?;
	let public = ed25519_dalek::VerifyingKey::from_bytes(key).map_err(|e| e.to_string())?;
	let payload =
		Answer::payload(&nonce, canary.as_bytes(), answer.number, &answer.hash, &answer.view);
	// Strictly: no small-order key or R, a canonical s.
	let signed = <[u8; 64]>::try_from(answer.signature.as_slice()).is_ok_and(|sig| {
		!public.is_weak()
			&& public.verify_strict(&payload, &ed25519_dalek::Signature::from_bytes(&sig)).is_ok()
	});
	if answer.nonce != nonce || !signed {
		return Err("the answer is not signed by the registered key for this challenge".into());
	}
	let ours = *chain.heads().borrow();
	if answer.number.saturating_add(2) < ours.number {
		return Err(format!("behind: block {} against {}", answer.number, ours.number));
	}
	// The block must be the one our node has at that height: a resolver may not pick any block
	// whose state it knows the answer for.
	let canonical = chain.block_hash(answer.number).await.map_err(|e| e.to_string())?;
	if canonical != Some(answer.hash) {
		return Err(format!("block {} is not the chain's block at that height", answer.number));
	}
	let at = Head { number: answer.number, hash: answer.hash };
	let view = chain.view(canary, at).await.map_err(|e| format!("our view at its block: {e}"))?;
	if view_hash(&view) == answer.view {
		Ok(Verdict::Up)
	} else {
		tracing::warn!(target: "ddns::probe", "resolver {peer} answered a wrong view of {canary} at block {}", answer.number);
		Ok(Verdict::Wrong)
	}
}

/// Signs the answer to a challenge from the daemon's view at `head`.
pub fn answer(
	key: &identity::Keypair,
	challenge: &Challenge,
	head: Head,
	view: &Option<crate::chain::View>,
) -> Option<Answer> {
	let view = view_hash(view);
	let payload =
		Answer::payload(&challenge.nonce, &challenge.name, head.number, &head.hash, &view);
	let signature = key.sign(&payload).ok()?;
	Some(Answer { nonce: challenge.nonce, number: head.number, hash: head.hash, view, signature })
}

/// `--sign-registration KIND:ACCOUNT`: the arguments of `operators.registerService` for the
/// service whose ed25519 key is in `key_file` (32 raw bytes, as `ddns-node` keeps its network
/// key, or 64 hex digits, as the daemon keeps its own), registered by `ACCOUNT` (SS58) on the
/// chain behind `chain_rpc`.
pub async fn sign_registration(
	what: &str,
	key_file: &std::path::Path,
	chain_rpc: &str,
) -> anyhow::Result<serde_json::Value> {
	use anyhow::Context;
	use ddns_primitives::operator::registration_payload;
	use sp_core::crypto::Ss58Codec;
	let (kind, account) = what.split_once(':').context("expected KIND:ACCOUNT")?;
	let kind = match kind {
		"seed" => ServiceKind::Seed,
		"relay" => ServiceKind::Relay,
		"resolver" => ServiceKind::Resolver,
		other => anyhow::bail!("unknown kind {other} (seed, relay or resolver)"),
	};
	let account = AccountId32::from_ss58check(account)
		.map_err(|e| anyhow::anyhow!("{account} is not an SS58 account: {e:?}"))?;
	let bytes =
		std::fs::read(key_file).with_context(|| format!("cannot read {}", key_file.display()))?;
	let mut secret: Vec<u8> = if bytes.len() == 32 {
		bytes
	} else {
		let text = String::from_utf8_lossy(&bytes);
		crate::chain::unhex(text.trim()).filter(|b| b.len() == 32).with_context(|| {
			format!("{}: expected 32 raw bytes or 64 hex digits", key_file.display())
		})?
	};
	let key = identity::Keypair::ed25519_from_bytes(&mut secret)?;
	let public = key.public().try_into_ed25519()?.to_bytes();
	let chain = RpcChain::start(chain_rpc.to_owned());
	let genesis = tokio::time::timeout(Duration::from_secs(30), async {
		loop {
			match chain.genesis().await {
				Ok(g) => return g,
				Err(_) => tokio::time::sleep(Duration::from_millis(250)).await,
			}
		}
	})
	.await
	.with_context(|| format!("no answer from {chain_rpc}"))?;
	let payload = registration_payload(&genesis, kind, &account.encode());
	let signature = key.sign(&payload)?;
	Ok(serde_json::json!({
		"kind": format!("{kind:?}"),
		"account": account.to_ss58check(),
		"peer": format!("0x{}", hex(&public)),
		"peerId": key.public().to_peer_id().to_base58(),
		"signature": format!("0x{}", hex(&signature)),
		"genesis": format!("0x{}", hex(&genesis)),
	}))
}
