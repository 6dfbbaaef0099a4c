//! Configuration of every pallet in the runtime.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
	derive_impl,
	dispatch::DispatchClass,
	parameter_types,
	traits::{
		fungible::{Balanced, Credit},
		ConstBool, ConstU128, ConstU32, ConstU64, ConstU8, Imbalance, InstanceFilter, OnUnbalanced,
		VariantCountOf,
	},
	weights::{
		constants::{ParityDbWeight, WEIGHT_REF_TIME_PER_SECOND},
		ConstantMultiplier, Weight,
	},
	PalletId,
};
use frame_system::limits::{BlockLength, BlockWeights};
use pallet_transaction_payment::{FungibleAdapter, Multiplier, TargetedFeeAdjustment};
use scale_info::TypeInfo;
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_runtime::{traits::One, FixedPointNumber, Perbill, Perquintill};
use sp_version::RuntimeVersion;

use super::{
	AccountId, Aura, Balance, Balances, Block, BlockNumber, Hash, Nonce, OriginCaller, PalletInfo,
	Runtime, RuntimeCall, RuntimeEvent, RuntimeFreezeReason, RuntimeHoldReason, RuntimeOrigin,
	RuntimeTask, SessionKeys, System, TxExtension, UncheckedExtrinsic, Validators,
	EXISTENTIAL_DEPOSIT, SLOT_DURATION, SS58_PREFIX, UNIT, VERSION,
};

/// Share of a block that normal (non-operational) extrinsics may fill.
const NORMAL_DISPATCH_RATIO: Perbill = Perbill::from_percent(75);

/// Largest block, in bytes.
const MAX_BLOCK_LENGTH: u32 = 5 * 1024 * 1024;

mod governance;
pub use governance::{CouncilCollective, TechnicalCollective, TreasuryAccount};

/// Most validators a chain of ours may have at once (Aura and GRANDPA alike).
pub const MAX_AUTHORITIES: u32 = 32;

parameter_types! {
	pub const BlockHashCount: BlockNumber = 2400;
	pub const Version: RuntimeVersion = VERSION;

	/// Two seconds of compute per six-second block.
	pub RuntimeBlockWeights: BlockWeights = BlockWeights::with_sensible_defaults(
		Weight::from_parts(2u64 * WEIGHT_REF_TIME_PER_SECOND, u64::MAX),
		NORMAL_DISPATCH_RATIO,
	);
	pub RuntimeBlockLength: BlockLength = BlockLength::builder()
		.max_length(MAX_BLOCK_LENGTH)
		.modify_max_length_for_class(DispatchClass::Normal, |max| {
			*max = NORMAL_DISPATCH_RATIO * MAX_BLOCK_LENGTH
		})
		.build();
	pub const SS58Prefix: u16 = SS58_PREFIX;
	/// A fifth of the block for names changing state: with the operational share (a quarter)
	/// above the normal extrinsics' limit, a full lifecycle never crowds out registrations.
	pub LifecycleWeight: Weight = Perbill::from_percent(20) * RuntimeBlockWeights::get().max_block;
}

#[derive_impl(frame_system::config_preludes::SolochainDefaultConfig)]
impl frame_system::Config for Runtime {
	type Block = Block;
	type BlockWeights = RuntimeBlockWeights;
	type BlockLength = RuntimeBlockLength;
	type AccountId = AccountId;
	type Nonce = Nonce;
	type Hash = Hash;
	type BlockHashCount = BlockHashCount;
	/// ParityDB is the node's only database, so storage is costed for it.
	type DbWeight = ParityDbWeight;
	type Version = Version;
	type AccountData = pallet_balances::AccountData<Balance>;
	type SS58Prefix = SS58Prefix;
	type MaxConsumers = ConstU32<16>;
	type SystemWeightInfo = crate::weights::frame_system::WeightInfo<Runtime>;
}

impl pallet_aura::Config for Runtime {
	type AuthorityId = AuraId;
	type DisabledValidators = ();
	type MaxAuthorities = ConstU32<MAX_AUTHORITIES>;
	type AllowMultipleBlocksPerSlot = ConstBool<false>;
	type SlotDuration = pallet_aura::MinimumPeriodTimesTwo<Runtime>;
}

impl pallet_grandpa::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = crate::weights::pallet_grandpa::WeightInfo<Runtime>;
	type MaxAuthorities = ConstU32<MAX_AUTHORITIES>;
	type MaxNominators = ConstU32<0>;
	type MaxSetIdSessionEntries = ConstU64<0>;
	type KeyOwnerProof = sp_core::Void;
	type EquivocationReportSystem = ();
}

parameter_types! {
	/// A session is 10 blocks (one minute). A change to the validator set is planned at the end
	/// of the session it was made in and takes effect one session later: within two minutes.
	pub const SessionPeriod: BlockNumber = 10;
	pub const SessionOffset: BlockNumber = 0;
}

impl pallet_session::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type ValidatorId = AccountId;
	type ValidatorIdOf = sp_runtime::traits::ConvertInto;
	type ShouldEndSession = pallet_session::PeriodicSessions<SessionPeriod, SessionOffset>;
	type NextSessionRotation = pallet_session::PeriodicSessions<SessionPeriod, SessionOffset>;
	type SessionManager = Validators;
	/// Aura and GRANDPA, never handed an empty set (that would halt the chain for good).
	type SessionHandler = pallet_ddns_validators::KeepAuthoritiesWhenEmpty<
		<SessionKeys as sp_runtime::traits::OpaqueKeys>::KeyTypeIdProviders,
	>;
	type Keys = SessionKeys;
	type DisablingStrategy = ();
	type WeightInfo = pallet_session::weights::SubstrateWeight<Runtime>;
	type Currency = Balances;
	/// Held while an account has session keys set, so key slots are not free to fill.
	type KeyDeposit = ConstU128<UNIT>;
}

/// Accounts with session keys set.
pub struct HasSessionKeys;
impl frame_support::traits::Contains<AccountId> for HasSessionKeys {
	fn contains(who: &AccountId) -> bool {
		let keyed = pallet_session::NextKeys::<Runtime>::contains_key(who);
		// Benchmarks measure the read, then treat their generated accounts as keyed.
		keyed || cfg!(feature = "runtime-benchmarks")
	}
}

parameter_types! {
	/// The most governance may mint per block: 10 DDNS (52.6 M DDNS a year).
	pub const MaxBlockReward: Balance = 10 * UNIT;
}

impl pallet_ddns_validators::Config for Runtime {
	type AddRemoveOrigin = frame_system::EnsureRoot<AccountId>;
	type MaxValidators = ConstU32<MAX_AUTHORITIES>;
	type MinValidators = ConstU32<1>;
	type HasSessionKeys = HasSessionKeys;
	type Currency = Balances;
	type FindAuthor = pallet_session::FindAccountFromAuthorIndex<Runtime, Aura>;
	type RewardOrigin = frame_system::EnsureRoot<AccountId>;
	type MaxBlockReward = MaxBlockReward;
	type WeightInfo = pallet_ddns_validators::weights::SubstrateWeight<Runtime>;
}

impl pallet_timestamp::Config for Runtime {
	/// Milliseconds since the Unix epoch.
	type Moment = u64;
	type OnTimestampSet = Aura;
	type MinimumPeriod = ConstU64<{ SLOT_DURATION / 2 }>;
	type WeightInfo = crate::weights::pallet_timestamp::WeightInfo<Runtime>;
}

impl pallet_balances::Config for Runtime {
	type MaxLocks = ConstU32<50>;
	type MaxReserves = ();
	type ReserveIdentifier = [u8; 8];
	type Balance = Balance;
	type RuntimeEvent = RuntimeEvent;
	type DustRemoval = ();
	type ExistentialDeposit = ConstU128<EXISTENTIAL_DEPOSIT>;
	type AccountStore = System;
	type WeightInfo = pallet_balances::weights::SubstrateWeight<Runtime>;
	type FreezeIdentifier = RuntimeFreezeReason;
	type MaxFreezes = VariantCountOf<RuntimeFreezeReason>;
	type RuntimeHoldReason = RuntimeHoldReason;
	type RuntimeFreezeReason = RuntimeFreezeReason;
	type DoneSlashHandler = ();
}

parameter_types! {
	/// Fee per unit of ref-time weight (one picosecond), in planck: the normal class of a block
	/// (1.5 s of weight) costs about 500 DDNS at the base multiplier, a `register` about
	/// 0.2 DDNS.
	pub const WeightFee: Balance = 333;
	/// Fee per byte of extrinsic, in planck (0.0001 DDNS): a megabyte of `system.remark` costs
	/// about 105 DDNS, a full block's normal class (3.75 MB) about 393 DDNS.
	pub const TransactionByteFee: Balance = 100_000_000;
	/// Fees stay at their base while blocks are at most a quarter full, and grow above it.
	pub const TargetBlockFullness: Perquintill = Perquintill::from_percent(25);
	/// How fast the multiplier moves: with every block full, fees grow ×1.57 an hour (600
	/// blocks) and double in about 1.5 hours (925 blocks); they fall back once blocks are below
	/// the target. (Kusama moves 13 times slower; a chain whose blocks a spammer can fill for
	/// hundreds of DDNS a block should answer within hours.)
	pub AdjustmentVariable: Multiplier = Multiplier::saturating_from_rational(1, 1_000);
	/// Never below the base price: the figures above are the floor.
	pub MinimumMultiplier: Multiplier = Multiplier::one();
	pub MaximumMultiplier: Multiplier = Multiplier::saturating_from_integer(100_000);
}

/// Share of every fee (not tips) that goes to the block's author; the rest goes to the
/// treasury. (Rent goes to the registry's reward pot, which pays the network's operators.)
pub const AUTHOR_FEE_SHARE: Perbill = Perbill::from_percent(20);

/// The account of the validator that authors the block being built, as the validators pallet
/// found it at the block's initialization: from Aura's slot digest and the validator list
/// before a session rotation in the same block could change it.
pub fn block_author() -> Option<AccountId> {
	pallet_ddns_validators::Author::<Runtime>::get()
}

/// Where transaction fees go: [`AUTHOR_FEE_SHARE`] of the fee and the whole tip to the author,
/// the rest of the fee to the treasury. When the author cannot be told, all of it goes to the
/// treasury.
pub struct DealWithFees;
impl OnUnbalanced<Credit<AccountId, Balances>> for DealWithFees {
	fn on_unbalanceds(mut fees_then_tips: impl Iterator<Item = Credit<AccountId, Balances>>) {
		let Some(fee) = fees_then_tips.next() else { return };
		let (mut to_author, mut to_treasury) = fee.ration(
			AUTHOR_FEE_SHARE.deconstruct(),
			(Perbill::one() - AUTHOR_FEE_SHARE).deconstruct(),
		);
		for tip in fees_then_tips {
			to_author = to_author.merge(tip);
		}
		match block_author() {
			Some(author) => {
				let _ = Balances::resolve(&author, to_author).map_err(|c| to_treasury.subsume(c));
			},
			None => to_treasury.subsume(to_author),
		}
		// The treasury's account exists from genesis. On a chain upgraded from before the
		// treasury it appears with the first credit of at least the existential deposit; a
		// smaller one before that is dropped (burned).
		let _ = Balances::resolve(&TreasuryAccount::get(), to_treasury);
	}
}

impl pallet_transaction_payment::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type OnChargeTransaction = FungibleAdapter<Balances, DealWithFees>;
	type OperationalFeeMultiplier = ConstU8<5>;
	type WeightToFee = ConstantMultiplier<Balance, WeightFee>;
	type LengthToFee = ConstantMultiplier<Balance, TransactionByteFee>;
	type FeeMultiplierUpdate = TargetedFeeAdjustment<
		Self,
		TargetBlockFullness,
		AdjustmentVariable,
		MinimumMultiplier,
		MaximumMultiplier,
	>;
	type WeightInfo = pallet_transaction_payment::weights::SubstrateWeight<Runtime>;
}

impl pallet_sudo::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type WeightInfo = pallet_sudo::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	pub const RegistryPalletId: PalletId = PalletId(*b"ddns/pot");
}

/// A deposit for `items` storage items of `bytes` bytes in all, at the registry's default rates
/// (0.1 DDNS an item, 0.001 DDNS a byte).
pub const fn deposit(items: u32, bytes: u32) -> Balance {
	items as Balance * UNIT / 10 + bytes as Balance * UNIT / 1_000
}

impl pallet_utility::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type PalletsOrigin = OriginCaller;
	type WeightInfo = pallet_utility::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	/// A multisig operation in flight holds 0.188 DDNS (its entry is about 88 bytes)...
	pub const MultisigDepositBase: Balance = deposit(1, 88);
	/// ...plus 0.032 DDNS per signatory.
	pub const MultisigDepositFactor: Balance = deposit(0, 32);
}

impl pallet_multisig::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type Currency = Balances;
	type DepositBase = MultisigDepositBase;
	type DepositFactor = MultisigDepositFactor;
	type MaxSignatories = ConstU32<100>;
	type WeightInfo = pallet_multisig::weights::SubstrateWeight<Runtime>;
	type BlockNumberProvider = System;
}

/// What a proxy may do for the account that named it.
#[derive(
	Copy,
	Clone,
	Eq,
	PartialEq,
	Ord,
	PartialOrd,
	Default,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub enum ProxyType {
	/// Anything the account may do.
	#[default]
	Any,
	/// Only what a name's content is: its records and its node key, and taking a subdomain
	/// back, alone or in a `utility` batch. Never a transfer, a release, a renewal or a balance
	/// transfer, and not creating or locking subdomains: a subdomain made for someone else and
	/// locked would be theirs for the parent's whole term, out of the owner's reach.
	NameRecords,
}

impl InstanceFilter<RuntimeCall> for ProxyType {
	fn filter(&self, call: &RuntimeCall) -> bool {
		use pallet_ddns_registry::Call as R;
		match self {
			ProxyType::Any => true,
			// Calls inside a batch are filtered again by the proxy's origin filter.
			ProxyType::NameRecords => matches!(
				call,
				RuntimeCall::Registry(
					R::set_records { .. } | R::set_node_key { .. } | R::take_back_subdomain { .. }
				) | RuntimeCall::Utility(
					pallet_utility::Call::batch { .. } | pallet_utility::Call::batch_all { .. }
				)
			),
		}
	}

	fn is_superset(&self, other: &Self) -> bool {
		self == other || *self == ProxyType::Any
	}
}

parameter_types! {
	/// A proxy list holds 0.108 DDNS...
	pub const ProxyDepositBase: Balance = deposit(1, 8);
	/// ...plus 0.033 DDNS per proxy.
	pub const ProxyDepositFactor: Balance = deposit(0, 33);
	pub const AnnouncementDepositBase: Balance = deposit(1, 8);
	pub const AnnouncementDepositFactor: Balance = deposit(0, 66);
}

impl pallet_proxy::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type Currency = Balances;
	type ProxyType = ProxyType;
	type ProxyDepositBase = ProxyDepositBase;
	type ProxyDepositFactor = ProxyDepositFactor;
	type MaxProxies = ConstU32<32>;
	type WeightInfo = pallet_proxy::weights::SubstrateWeight<Runtime>;
	type MaxPending = ConstU32<32>;
	type CallHasher = sp_runtime::traits::BlakeTwo256;
	type AnnouncementDepositBase = AnnouncementDepositBase;
	type AnnouncementDepositFactor = AnnouncementDepositFactor;
	type BlockNumberProvider = System;
}

impl pallet_ddns_registry::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type ParamsOrigin = frame_system::EnsureRoot<AccountId>;
	type PalletId = RegistryPalletId;
	type MaxSubdomains = ConstU32<16>;
	type MaxLifecycleOps = ConstU32<4096>;
	type LifecycleWeight = LifecycleWeight;
	type WeightInfo = pallet_ddns_registry::weights::SubstrateWeight<Runtime>;
}

/// The reward pot the operators are paid from: the registry's, where rent goes.
pub struct RewardPot;
impl frame_support::traits::Get<AccountId> for RewardPot {
	fn get() -> AccountId {
		pallet_ddns_registry::Pallet::<Runtime>::reward_pot()
	}
}

impl pallet_ddns_operators::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type ProberId = pallet_ddns_operators::crypto::ProberId;
	type Pot = RewardPot;
	type ParamsOrigin = frame_system::EnsureRoot<AccountId>;
	type SlashOrigin = frame_system::EnsureRoot<AccountId>;
	/// 100 of each kind: a round's tally reads 300 services and 32 reports.
	type MaxServicesPerKind = ConstU32<100>;
	type MaxProbers = ConstU32<MAX_AUTHORITIES>;
	/// Four weeks of day-long eras (the `local_testnet` and `production` figure).
	type HistoryDepth = ConstU32<28>;
	type WeightInfo = pallet_ddns_operators::weights::SubstrateWeight<Runtime>;
}

impl<C> frame_system::offchain::CreateTransactionBase<C> for Runtime
where
	RuntimeCall: From<C>,
{
	type Extrinsic = UncheckedExtrinsic;
	type RuntimeCall = RuntimeCall;
}

impl<C> frame_system::offchain::CreateTransaction<C> for Runtime
where
	RuntimeCall: From<C>,
{
	type Extension = TxExtension;

	fn create_transaction(call: RuntimeCall, extension: TxExtension) -> UncheckedExtrinsic {
		UncheckedExtrinsic::new_transaction(call, extension)
	}
}

/// Authorized transactions (a validator's probe report) carry no signer: no nonce, no fee, an
/// immortal era; `AuthorizeCall` gives them their origin.
impl<C> frame_system::offchain::CreateAuthorizedTransaction<C> for Runtime
where
	RuntimeCall: From<C>,
{
	fn create_extension() -> TxExtension {
		(
			frame_system::AuthorizeCall::<Runtime>::new(),
			frame_system::CheckNonZeroSender::<Runtime>::new(),
			frame_system::CheckSpecVersion::<Runtime>::new(),
			frame_system::CheckTxVersion::<Runtime>::new(),
			frame_system::CheckGenesis::<Runtime>::new(),
			frame_system::CheckEra::<Runtime>::from(sp_runtime::generic::Era::Immortal),
			frame_system::CheckNonce::<Runtime>::from(0),
			frame_system::CheckWeight::<Runtime>::new(),
			pallet_transaction_payment::ChargeTransactionPayment::<Runtime>::from(0),
			frame_system::WeightReclaim::<Runtime>::new(),
		)
	}
}

/// The session keys before the operators' probe key.
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
pub struct SessionKeysV1 {
	pub aura: AuraId,
	pub grandpa: sp_consensus_grandpa::AuthorityId,
}

impl sp_runtime::traits::OpaqueKeys for SessionKeysV1 {
	type KeyTypeIdProviders = ();

	fn key_ids() -> &'static [sp_runtime::KeyTypeId] {
		&[sp_core::crypto::key_types::AURA, sp_core::crypto::key_types::GRANDPA]
	}

	fn get_raw(&self, i: sp_runtime::KeyTypeId) -> &[u8] {
		match i {
			sp_core::crypto::key_types::AURA => self.aura.as_ref(),
			sp_core::crypto::key_types::GRANDPA => self.grandpa.as_ref(),
			_ => &[],
		}
	}

	/// Old keys are only ever decoded from storage, never set.
	fn ownership_proof_is_valid(&self, _owner: &[u8], _proof: &[u8]) -> bool {
		false
	}
}

/// Gives every validator with session keys of the old layout (Aura, GRANDPA) a probe key: its
/// Aura key's bytes (both sr25519), so the chain goes on; validators then rotate their keys
/// (`author_rotateKeys`, `session.setKeys`) to a probe key of their own. Runs only while the
/// stored keys have the old length, so a second run, or a chain that started with probe keys,
/// changes nothing.
pub struct AddProbeKey;

impl AddProbeKey {
	fn old_layout() -> bool {
		let Some(who) = pallet_session::Validators::<Runtime>::get().into_iter().next() else {
			return false;
		};
		let key = pallet_session::NextKeys::<Runtime>::hashed_key_for(&who);
		frame_support::storage::unhashed::get_raw(&key)
			.is_some_and(|raw| raw.len() == SessionKeysV1::LEN)
	}
}

impl SessionKeysV1 {
	/// Two 32-byte keys.
	const LEN: usize = 64;
}

impl frame_support::traits::OnRuntimeUpgrade for AddProbeKey {
	fn on_runtime_upgrade() -> Weight {
		if !Self::old_layout() {
			return <Runtime as frame_system::Config>::DbWeight::get().reads(2);
		}
		let upgraded = pallet_session::NextKeys::<Runtime>::iter_keys().count() as u64;
		pallet_session::Pallet::<Runtime>::upgrade_keys::<SessionKeysV1, _>(|_, old| {
			let aura: &[u8] = old.aura.as_ref();
			let probe: [u8; 32] = aura.try_into().unwrap_or([0; 32]);
			SessionKeys {
				aura: old.aura,
				grandpa: old.grandpa,
				probe: sp_core::sr25519::Public::from_raw(probe).into(),
			}
		});
		// Per validator: its keys, their key-owner entries, read and written.
		<Runtime as frame_system::Config>::DbWeight::get()
			.reads_writes(4 + 4 * upgraded, 2 + 4 * upgraded)
	}
}

#[cfg(test)]
mod tests;
