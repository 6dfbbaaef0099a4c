//! The operators pallet's stored and passed types.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use core::fmt::Debug;
use frame_support::{pallet_prelude::ConstU32, BoundedVec};
use scale_info::TypeInfo;
use sp_runtime::Perbill;

pub use ddns_primitives::operator::{HostKey, ServiceKind};

/// A service's number, handed out in registration order and never reused.
pub type ServiceId = u32;
/// An era's number, counted from 0 at genesis.
pub type EraIndex = u32;
/// A service's libp2p identity: an ed25519 public key.
pub type PeerKey = [u8; 32];
/// A declared address, in its canonical text form (see [`ddns_primitives::operator`]).
pub type AddrOf = BoundedVec<u8, ConstU32<{ ddns_primitives::operator::MAX_ADDR_LEN }>>;

/// Most rounds in an era: [`Score::up_rounds`] has a bit for each.
pub const MAX_ROUNDS_PER_ERA: u32 = 256;

/// The operators' parameters, on chain, changed by the params origin.
#[derive(
	Clone,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
	serde::Serialize,
	serde::Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub struct Params<Balance> {
	/// Held from the operator's balance for each service.
	pub bond: Balance,
	/// Most services of one kind (at most the runtime's `MaxServicesPerKind`).
	pub max_per_kind: u32,
	/// Blocks in a round; each validator probes each service once per round.
	pub round_length: u32,
	/// Rounds in an era (at most [`MAX_ROUNDS_PER_ERA`]).
	pub rounds_per_era: u32,
	/// Eras between `unbond` and the bond's release.
	pub unbonding_eras: u32,
	/// What a service of each kind (Seed, Relay, Resolver) earns for a fully-up era.
	pub rates: [Balance; 3],
	/// Each kind's share of the era's budget (at most 100% together).
	pub shares: [Perbill; 3],
	/// The most an era's budget takes from the pot.
	pub budget_cap: Balance,
	/// Share of the pot above `pot_minimum` an era's budget takes (before the cap).
	pub pot_share: Perbill,
	/// What stays in the pot whatever the rewards.
	pub pot_minimum: Balance,
	/// Minted into the pot at each era's close and added to its budget (governance emission).
	pub emission: Balance,
	/// Below this share of counted rounds up, a service earns nothing and gets a strike.
	pub min_score: Perbill,
	/// Consecutive strikes that suspend a service.
	pub max_strikes: u8,
	/// Whether services may declare non-global addresses (development chains only).
	pub allow_private: bool,
}

/// Where a service is in its life.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
	serde::Serialize,
	serde::Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub enum Status {
	/// Probed and paid from era `active_from` on.
	Active,
	/// Not probed or paid (too many strikes, or slashed); the owner may resume it.
	Suspended,
	/// Leaving: the bond is released when era `until` starts.
	Unbonding { until: EraIndex },
}

/// A registered service.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct Service<AccountId, Balance> {
	/// Who registered it, holds its bond and is paid.
	pub owner: AccountId,
	pub kind: ServiceKind,
	/// Its libp2p identity.
	pub peer: PeerKey,
	/// Where to reach it.
	pub addr: AddrOf,
	/// The host its address counts against (one service per kind per host).
	pub host: HostKey,
	/// What is held from the owner.
	pub bond: Balance,
	pub status: Status,
	/// The first era it is probed and paid in.
	pub active_from: EraIndex,
	/// Consecutive eras below the minimum score.
	pub strikes: u8,
}

/// What a prober saw of a service in a round.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
	serde::Serialize,
	serde::Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub enum Verdict {
	/// Did not answer, or not as the kind requires.
	Down,
	/// Answered as the kind requires.
	Up,
	/// Answered, signed, and wrong (a resolver's view differing from the prober's): evidence.
	Wrong,
}

/// A round, as the pallet tracks it.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Default,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub struct RoundRef<BlockNumber> {
	pub era: EraIndex,
	/// Index in its era.
	pub round: u32,
	/// First block.
	pub start: BlockNumber,
	/// First block of the next round.
	pub end: BlockNumber,
	/// Rounds in its era.
	pub rounds: u32,
}

impl<B> RoundRef<B> {
	/// Whether it is its era's last round.
	pub fn last(&self) -> bool {
		self.round + 1 >= self.rounds
	}
}

/// A validator's signed account of a round: what it saw of each active service.
#[derive(
	frame_support::CloneNoBound,
	frame_support::PartialEqNoBound,
	frame_support::EqNoBound,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	frame_support::DebugNoBound,
)]
#[scale_info(skip_type_params(MaxServices))]
pub struct Report<
	ProberId: Clone + PartialEq + Eq + core::fmt::Debug,
	MaxServices: frame_support::traits::Get<u32>,
> {
	pub era: EraIndex,
	pub round: u32,
	/// The reporting validator's probe key (its session key of the operators key type).
	pub prober: ProberId,
	/// Verdicts by service, in strictly increasing service order.
	pub results: BoundedVec<(ServiceId, Verdict), MaxServices>,
}

/// Domain separation of a report's signature.
pub const REPORT_CONTEXT: &[u8] = b"ddns/operator/report/v1";

/// How a round went.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Default,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
	serde::Serialize,
	serde::Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub struct RoundLog {
	/// Validators that reported.
	pub reporters: u32,
	/// Validators that were probing.
	pub probers: u32,
	/// Whether enough reported (two thirds) for the round to count.
	pub counted: bool,
}

/// A service's tally and earnings in an era.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct Score<AccountId, Balance> {
	pub kind: ServiceKind,
	/// Who is paid (the owner when the era began).
	pub payee: AccountId,
	/// Counted rounds it was up in.
	pub up: u32,
	/// Counted rounds it was probed in.
	pub counted: u32,
	/// Bit `r` set: up in round `r`.
	pub up_rounds: [u8; (MAX_ROUNDS_PER_ERA / 8) as usize],
	/// Earned before the budget's scale (`rate × up / counted`), set at the era's close.
	pub due: Balance,
	/// Whether it was paid.
	pub paid: bool,
}

/// An era's budget and what became of it.
#[derive(
	Clone,
	PartialEq,
	Eq,
	Default,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
	serde::Serialize,
	serde::Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub struct EraSummary<Balance> {
	/// Rounds in the era.
	pub rounds: u32,
	/// Rounds that counted (enough reports).
	pub counted: u32,
	/// Whether the era is closed and its budget fixed.
	pub settled: bool,
	/// The budget: `min(cap, pot_share × (pot above minimum)) + emission`.
	pub budget: Balance,
	/// What was minted into the pot for it.
	pub minted: Balance,
	/// Per kind: what the services earned before scaling.
	pub demand: [Balance; 3],
	/// Per kind: the budget's share. When a kind's `demand` is above it, every due of the kind
	/// is paid `due × available / demand`.
	pub available: [Balance; 3],
	/// What the era promised in all (the pot keeps it until paid or the era leaves the window).
	pub promised: Balance,
	/// What was paid so far.
	pub paid: Balance,
}
