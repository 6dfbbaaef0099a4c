//! Governance: a council and a technical committee (two `pallet-collective` instances), token
//! holders' referenda (`pallet-democracy`, enacted through the scheduler, calls stored by
//! `pallet-preimage`), and a treasury with a spend path. Every root-only call (registry
//! parameters, the validator set, the block reward, runtime upgrades, every treasury spend, the
//! bodies' own membership) is reached through a referendum; sudo exists
//! only in the `development` and `local_testnet` presets. How to use it: `docs/governance.md`.
//!
//! Who may do what:
//! - any account: propose a referendum with a deposit (`democracy.propose`), second and vote;
//! - council, more than half: propose the next external referendum (super-majority approval);
//!   two thirds: make it a simple-majority referendum, cancel a referendum; all: a referendum
//!   that passes unless a majority votes against. The council spends nothing itself: a spend
//!   limit per motion would not bound many motions, so every treasury spend is a referendum;
//! - technical committee, two thirds: fast-track an external proposal (voting period down to
//!   `FastTrackVotingPeriod`); all: instantly (any voting period), or cancel a public proposal;
//!   any one member: veto an external proposal once (for the cool-off period);
//! - root (a passed referendum): everything else, including treasury spends and the members of
//!   both bodies.
//!
//! Trust: the technical committee's unanimous fast-track may shorten a council proposal's vote
//! to one block and its enactment delay to one block; two thirds of the council and the whole
//! committee acting together can therefore reach root within minutes. That is the emergency
//! path (a fix that cannot wait a week), so the two bodies must be distinct people and the
//! committee at least three; see `docs/governance.md`.

use super::{deposit, RuntimeBlockWeights};
use crate::{
	AccountId, Balance, Balances, BlockNumber, OriginCaller, Preimage, Runtime, RuntimeCall,
	RuntimeEvent, RuntimeHoldReason, RuntimeOrigin, Scheduler, System, Treasury, DAYS, HOURS, UNIT,
};
use frame_support::{
	parameter_types,
	traits::{
		fungible::HoldConsideration,
		tokens::{PayFromAccount, UnityAssetBalanceConversion},
		ConstBool, ConstU32, EitherOfDiverse, EqualPrivilegeOnly, LinearStoragePrice,
	},
	weights::Weight,
	PalletId,
};
use frame_system::{EnsureRoot, EnsureRootWithSuccess, EnsureSigned};
use sp_runtime::{traits::IdentityLookup, Perbill};

/// The council.
pub type CouncilCollective = pallet_collective::Instance1;
/// The technical committee.
pub type TechnicalCollective = pallet_collective::Instance2;

type CouncilMajority =
	pallet_collective::EnsureProportionMoreThan<AccountId, CouncilCollective, 1, 2>;
type CouncilTwoThirds =
	pallet_collective::EnsureProportionAtLeast<AccountId, CouncilCollective, 2, 3>;
type CouncilAll = pallet_collective::EnsureProportionAtLeast<AccountId, CouncilCollective, 1, 1>;
type TechnicalTwoThirds =
	pallet_collective::EnsureProportionAtLeast<AccountId, TechnicalCollective, 2, 3>;
type TechnicalAll =
	pallet_collective::EnsureProportionAtLeast<AccountId, TechnicalCollective, 1, 1>;
type RootOr<O> = EitherOfDiverse<EnsureRoot<AccountId>, O>;

parameter_types! {
	/// Scheduled calls (enacted referenda) may fill 80 % of a block.
	pub MaximumSchedulerWeight: Weight =
		Perbill::from_percent(80) * RuntimeBlockWeights::get().max_block;
}

impl pallet_scheduler::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeOrigin = RuntimeOrigin;
	type PalletsOrigin = OriginCaller;
	type RuntimeCall = RuntimeCall;
	type MaximumWeight = MaximumSchedulerWeight;
	type ScheduleOrigin = EnsureRoot<AccountId>;
	type OriginPrivilegeCmp = EqualPrivilegeOnly;
	type MaxScheduledPerBlock = ConstU32<50>;
	type WeightInfo = pallet_scheduler::weights::SubstrateWeight<Runtime>;
	type Preimages = Preimage;
	type BlockNumberProvider = System;
}

parameter_types! {
	/// A stored preimage holds 0.1 DDNS plus 0.001 DDNS a byte, the registry's storage rates.
	pub const PreimageBaseDeposit: Balance = deposit(1, 0);
	pub const PreimageByteDeposit: Balance = deposit(0, 1);
	pub const PreimageHoldReason: RuntimeHoldReason =
		RuntimeHoldReason::Preimage(pallet_preimage::HoldReason::Preimage);
}

impl pallet_preimage::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = pallet_preimage::weights::SubstrateWeight<Runtime>;
	type Currency = Balances;
	type ManagerOrigin = EnsureRoot<AccountId>;
	type Consideration = HoldConsideration<
		AccountId,
		Balances,
		PreimageHoldReason,
		LinearStoragePrice<PreimageBaseDeposit, PreimageByteDeposit, Balance>,
	>;
}

parameter_types! {
	/// A motion left open this long can be closed and fails unless it reached its threshold
	/// (one that reached it can be closed at once).
	pub const MotionDuration: BlockNumber = 3 * DAYS;
	/// A motion may dispatch at most half a block's weight.
	pub MaxProposalWeight: Weight = Perbill::from_percent(50) * RuntimeBlockWeights::get().max_block;
}

impl pallet_collective::Config<CouncilCollective> for Runtime {
	type RuntimeOrigin = RuntimeOrigin;
	type Proposal = RuntimeCall;
	type RuntimeEvent = RuntimeEvent;
	type MotionDuration = MotionDuration;
	type MaxProposals = ConstU32<100>;
	type MaxMembers = ConstU32<32>;
	type DefaultVote = pallet_collective::PrimeDefaultVote;
	type WeightInfo = pallet_collective::weights::SubstrateWeight<Runtime>;
	/// Members are set by a referendum (or sudo on dev chains).
	type SetMembersOrigin = EnsureRoot<AccountId>;
	type MaxProposalWeight = MaxProposalWeight;
	type DisapproveOrigin = EnsureRoot<AccountId>;
	type KillOrigin = EnsureRoot<AccountId>;
	type Consideration = ();
}

impl pallet_collective::Config<TechnicalCollective> for Runtime {
	type RuntimeOrigin = RuntimeOrigin;
	type Proposal = RuntimeCall;
	type RuntimeEvent = RuntimeEvent;
	type MotionDuration = MotionDuration;
	type MaxProposals = ConstU32<100>;
	type MaxMembers = ConstU32<16>;
	type DefaultVote = pallet_collective::PrimeDefaultVote;
	type WeightInfo = pallet_collective::weights::SubstrateWeight<Runtime>;
	type SetMembersOrigin = EnsureRoot<AccountId>;
	type MaxProposalWeight = MaxProposalWeight;
	type DisapproveOrigin = EnsureRoot<AccountId>;
	type KillOrigin = EnsureRoot<AccountId>;
	type Consideration = ();
}

parameter_types! {
	/// A public proposal waits up to a week to become a referendum (the most-seconded one is
	/// tabled each launch period, alternating with the council's external proposal).
	pub const LaunchPeriod: BlockNumber = 7 * DAYS;
	/// A referendum is open a week...
	pub const VotingPeriod: BlockNumber = 7 * DAYS;
	/// ...or three hours when the technical committee fast-tracks it (less only unanimously).
	pub const FastTrackVotingPeriod: BlockNumber = 3 * HOURS;
	/// A passed referendum is enacted a day later, so that those who disagree can act.
	pub const EnactmentPeriod: BlockNumber = DAYS;
	/// Conviction 1 locks a vote's balance for a week after the referendum (up to 32 weeks at
	/// conviction 6).
	pub const VoteLockingPeriod: BlockNumber = 7 * DAYS;
	/// A vetoed external proposal cannot come back for a week.
	pub const CooloffPeriod: BlockNumber = 7 * DAYS;
	/// A public proposal holds at least 100 DDNS: spam costs.
	pub const MinimumDeposit: Balance = 100 * UNIT;
}

impl pallet_democracy::Config for Runtime {
	type WeightInfo = pallet_democracy::weights::SubstrateWeight<Runtime>;
	type RuntimeEvent = RuntimeEvent;
	type Scheduler = Scheduler;
	type Preimages = Preimage;
	type Currency = Balances;
	type EnactmentPeriod = EnactmentPeriod;
	type LaunchPeriod = LaunchPeriod;
	type VotingPeriod = VotingPeriod;
	type VoteLockingPeriod = VoteLockingPeriod;
	type MinimumDeposit = MinimumDeposit;
	type InstantAllowed = ConstBool<true>;
	type FastTrackVotingPeriod = FastTrackVotingPeriod;
	type CooloffPeriod = CooloffPeriod;
	type MaxVotes = ConstU32<100>;
	type MaxProposals = ConstU32<100>;
	type MaxDeposits = ConstU32<100>;
	type MaxBlacklisted = ConstU32<100>;
	type ExternalOrigin = CouncilMajority;
	type ExternalMajorityOrigin = CouncilTwoThirds;
	type ExternalDefaultOrigin = CouncilAll;
	type SubmitOrigin = EnsureSigned<AccountId>;
	type FastTrackOrigin = TechnicalTwoThirds;
	type InstantOrigin = TechnicalAll;
	type CancellationOrigin = RootOr<CouncilTwoThirds>;
	type BlacklistOrigin = EnsureRoot<AccountId>;
	type CancelProposalOrigin = RootOr<TechnicalAll>;
	type VetoOrigin = pallet_collective::EnsureMember<AccountId, TechnicalCollective>;
	type PalletsOrigin = OriginCaller;
	/// Slashed proposal deposits go to the treasury.
	type Slash = Treasury;
}

parameter_types! {
	pub const TreasuryPalletId: PalletId = PalletId(*b"py/trsry");
	pub TreasuryAccount: AccountId = Treasury::account_id();
	/// Approved `spend_local` grants are paid every 6 days.
	pub const SpendPeriod: BlockNumber = 6 * DAYS;
	/// A `spend` may be claimed (`treasury.payout`) for 30 days after it becomes valid.
	pub const PayoutPeriod: BlockNumber = 30 * DAYS;
	pub const RootSpendLimit: Balance = Balance::MAX;
}

impl pallet_treasury::Config for Runtime {
	type Currency = Balances;
	/// Voiding a spend undoes a referendum: only another one may.
	type RejectOrigin = EnsureRoot<AccountId>;
	type RuntimeEvent = RuntimeEvent;
	type SpendPeriod = SpendPeriod;
	/// Nothing is burned at a spend period: the registry already burns half of all rent.
	type Burn = ();
	type PalletId = TreasuryPalletId;
	type BurnDestination = ();
	type WeightInfo = pallet_treasury::weights::SubstrateWeight<Runtime>;
	type SpendFunds = ();
	type MaxApprovals = ConstU32<100>;
	/// Only a referendum spends (see the module docs).
	type SpendOrigin = EnsureRootWithSuccess<AccountId, RootSpendLimit>;
	/// Only the native token.
	type AssetKind = ();
	type Beneficiary = AccountId;
	type BeneficiaryLookup = IdentityLookup<AccountId>;
	type Paymaster = PayFromAccount<Balances, TreasuryAccount>;
	type BalanceConverter = UnityAssetBalanceConversion;
	type PayoutPeriod = PayoutPeriod;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = ();
	type BlockNumberProvider = System;
}
