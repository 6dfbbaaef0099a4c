//! `ddns_operator(who, at?)`: an operator's services and why each earned what it earned.
//!
//! `who` is an SS58 account (every service it owns) or a service id. For each service: its
//! kind, libp2p identity (as a PeerId), address, status, bond and strikes; then, for each era of
//! the claim window it was scored in, the counted rounds it was up in, its due, its payout and
//! whether it was paid, beside the era's budget, each kind's scale, and every tallied round's
//! reporters. The current and previous round and the probing validators come along.

use crate::{block_at, code, echo, error, json as fmt, At, MAX_ACCOUNT_LEN};
use ddns_operators_runtime_api::{
	EraIndex, EraSummary, OperatorsApi, RoundRef, Score, Service, ServiceKind, Status,
};
use jsonrpsee::{core::RpcResult, proc_macros::rpc};
use serde_json::{json, Value};
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_core::crypto::{AccountId32, Ss58Codec};
use sp_runtime::traits::{Block as BlockT, NumberFor};
use std::{collections::BTreeMap, marker::PhantomData, sync::Arc};

#[rpc(server, namespace = "ddns")]
pub trait OperatorsRpc {
	/// The services of an account (SS58) or one service (its id), with their scores, payouts
	/// and the rounds behind them, at `at` (a hash, `"best"` or `"finalized"`).
	#[method(name = "operator", blocking)]
	fn operator(&self, who: String, at: Option<String>) -> RpcResult<Value>;
}

type ServiceOf = Service<AccountId32, u128>;

/// The `ddns_operator` method over a client.
pub struct Operators<C, Block> {
	client: Arc<C>,
	_block: PhantomData<Block>,
}

impl<C, Block> Operators<C, Block> {
	pub fn new(client: Arc<C>) -> Self {
		Self { client, _block: PhantomData }
	}
}

/// The libp2p PeerId of an ed25519 key: the identity multihash of its protobuf encoding.
pub fn peer_id(key: &[u8; 32]) -> String {
	let mut bytes = vec![0x00, 0x24, 0x08, 0x01, 0x12, 0x20];
	bytes.extend_from_slice(key);
	bs58::encode(bytes).into_string()
}

fn kind(k: ServiceKind) -> &'static str {
	match k {
		ServiceKind::Seed => "seed",
		ServiceKind::Relay => "relay",
		ServiceKind::Resolver => "resolver",
	}
}

fn status(s: Status) -> Value {
	match s {
		Status::Active => json!("active"),
		Status::Suspended => json!("suspended"),
		Status::Unbonding { until } => json!({ "unbonding": { "until": until } }),
	}
}

fn round(r: &RoundRef<u32>) -> Value {
	json!({ "era": r.era, "round": r.round, "start": r.start, "end": r.end, "rounds": r.rounds })
}

fn service(id: u32, s: &Service<AccountId32, u128>) -> Value {
	json!({
		"id": id,
		"owner": fmt::account(&s.owner),
		"kind": kind(s.kind),
		"peerId": peer_id(&s.peer),
		"addr": fmt::text(&s.addr),
		"status": status(s.status),
		"bond": s.bond.to_string(),
		"activeFrom": s.active_from,
		"strikes": s.strikes,
	})
}

fn score(era: EraIndex, s: &Score<AccountId32, u128>, payout: u128) -> Value {
	let up_rounds: Vec<u32> = (0..(s.up_rounds.len() * 8) as u32)
		.filter(|r| s.up_rounds[(r / 8) as usize] & (1 << (r % 8)) != 0)
		.collect();
	json!({
		"era": era,
		"payee": fmt::account(&s.payee),
		"up": s.up,
		"counted": s.counted,
		"upRounds": up_rounds,
		"due": s.due.to_string(),
		"payout": payout.to_string(),
		"paid": s.paid,
	})
}

fn era(e: &EraSummary<u128>, logs: &[(u32, ddns_operators_runtime_api::RoundLog)]) -> Value {
	let scale: Vec<Value> = (0..3)
		.map(|k| {
			if e.demand[k] <= e.available[k] {
				json!(1.0)
			} else {
				json!(e.available[k] as f64 / e.demand[k] as f64)
			}
		})
		.collect();
	json!({
		"rounds": e.rounds,
		"counted": e.counted,
		"closed": e.settled,
		"budget": e.budget.to_string(),
		"minted": e.minted.to_string(),
		"demand": e.demand.iter().map(|d| d.to_string()).collect::<Vec<_>>(),
		"available": e.available.iter().map(|d| d.to_string()).collect::<Vec<_>>(),
		"scale": scale,
		"promised": e.promised.to_string(),
		"paid": e.paid.to_string(),
		"roundLog": logs.iter().map(|(r, l)| json!({
			"round": r, "reporters": l.reporters, "probers": l.probers, "counted": l.counted,
		})).collect::<Vec<_>>(),
	})
}

impl<C, Block> OperatorsRpcServer for Operators<C, Block>
where
	Block: BlockT,
	NumberFor<Block>: Into<u64>,
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: OperatorsApi<Block, AccountId32, u128, u32>,
{
	fn operator(&self, who: String, at: Option<String>) -> RpcResult<Value> {
		if who.is_empty() || who.len() > MAX_ACCOUNT_LEN {
			return Err(error(
				code::INVALID_PARAMS,
				"expected an SS58 account or a service id",
				None,
			));
		}
		let filter: Box<dyn Fn(u32, &ServiceOf) -> bool> = match who.parse::<u32>() {
			Ok(id) => Box::new(move |i, _| i == id),
			Err(_) => {
				let owner = AccountId32::from_ss58check(&who).map_err(|e| {
					let message =
						format!("invalid SS58 account or service id {}: {e:?}", echo(&who));
					error(code::INVALID_PARAMS, message, None)
				})?;
				Box::new(move |_, s| s.owner == owner)
			},
		};
		let (hash, at): (Block::Hash, At) = block_at(&*self.client, at.as_deref())?;
		let api = self.client.runtime_api();
		let fail =
			|e: sp_api::ApiError| error(code::RUNTIME, format!("runtime call failed: {e}"), None);
		let services = api.services(hash).map_err(fail)?;
		let mut eras: BTreeMap<EraIndex, Value> = BTreeMap::new();
		let mut out = Vec::new();
		for (id, s) in services.iter().filter(|(id, s)| filter(*id, s)) {
			let mut v = service(*id, s);
			let mut scores = Vec::new();
			for (e, sc, pay) in api.scores(hash, *id).map_err(fail)? {
				if let std::collections::btree_map::Entry::Vacant(slot) = eras.entry(e) {
					if let Some(summary) = api.era(hash, e).map_err(fail)? {
						let logs = api.round_logs(hash, e).map_err(fail)?;
						slot.insert(era(&summary, &logs));
					}
				}
				scores.push(score(e, &sc, pay));
			}
			v["scores"] = json!(scores);
			out.push(v);
		}
		if out.is_empty() && who.parse::<u32>().is_ok() {
			return Err(error(code::NOT_FOUND, format!("no service {}", echo(&who)), None));
		}
		let (current, previous) = api.rounds(hash).map_err(fail)?;
		let probers: Vec<String> =
			api.probers(hash).map_err(fail)?.iter().map(fmt::account).collect();
		Ok(json!({
			"services": out,
			"eras": eras.into_iter().map(|(e, v)| (e.to_string(), v)).collect::<serde_json::Map<_, _>>(),
			"currentRound": current.as_ref().map(round),
			"previousRound": previous.as_ref().map(round),
			"probers": probers,
			"at": at,
		}))
	}
}

#[cfg(test)]
mod tests {
	#[test]
	fn peer_ids_are_identity_multihashes_of_the_key() {
		let key = [7u8; 32];
		let id = super::peer_id(&key);
		// Every ed25519 PeerId in its base58 form starts so.
		assert!(id.starts_with("12D3KooW"), "{id}");
		let bytes = bs58::decode(&id).into_vec().unwrap();
		assert_eq!(&bytes[..6], &[0x00, 0x24, 0x08, 0x01, 0x12, 0x20]);
		assert_eq!(&bytes[6..], &key);
	}
}
