//! The ddns runtime.
//!
//! Aura authors a block every [`MILLI_SECS_PER_BLOCK`] milliseconds, GRANDPA finalizes them, and
//! `pallet-balances` holds the `DDNS` token (12 decimals) that names are paid with.

#![cfg_attr(not(feature = "std"), no_std)]
// `construct_runtime` generates large types; the wasm build needs the headroom.
#![recursion_limit = "256"]

#[cfg(feature = "std")]
include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));

extern crate alloc;

use alloc::vec::Vec;

pub mod apis;
#[cfg(feature = "runtime-benchmarks")]
mod benchmarks;
pub mod configs;
pub mod genesis_config_presets;
pub mod weights;

use sp_runtime::{
	generic, impl_opaque_keys,
	traits::{BlakeTwo256, IdentifyAccount, Verify},
	MultiAddress, MultiSignature,
};
use sp_version::RuntimeVersion;

#[allow(unused_imports)]
use frame_support::instances::{Instance1, Instance2};
pub use frame_system::Call as SystemCall;
pub use pallet_balances::Call as BalancesCall;
#[cfg(feature = "std")]
pub use sp_runtime::BuildStorage;

/// Types the node needs without knowing the runtime's extrinsic format.
pub mod opaque {
	use super::*;

	pub use sp_runtime::OpaqueExtrinsic as UncheckedExtrinsic;

	/// Opaque block header type.
	pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
	/// Opaque block type.
	pub type Block = generic::Block<Header, UncheckedExtrinsic>;
	/// Opaque block hash type.
	pub type Hash = <BlakeTwo256 as sp_runtime::traits::Hash>::Output;
}

impl_opaque_keys! {
	/// The session keys of a validator: Aura for authoring, GRANDPA for finality votes, and
	/// the probe key that signs its reports on the operators' services.
	pub struct SessionKeys {
		pub aura: Aura,
		pub grandpa: Grandpa,
		pub probe: Operators,
	}
}

#[sp_version::runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
	spec_name: alloc::borrow::Cow::Borrowed("ddns"),
	impl_name: alloc::borrow::Cow::Borrowed("ddns-node"),
	authoring_version: 1,
	spec_version: 106,
	impl_version: 1,
	apis: apis::RUNTIME_API_VERSIONS,
	transaction_version: 2,
	system_version: 1,
};

/// Target block time. Aura's slot is this long; it cannot change after genesis.
pub const MILLI_SECS_PER_BLOCK: u64 = 6000;
/// Aura slot duration, picked up by `pallet_timestamp` and `pallet_aura`.
pub const SLOT_DURATION: u64 = MILLI_SECS_PER_BLOCK;

/// Blocks per minute, hour and day at the target block time.
pub const MINUTES: BlockNumber = 60_000 / (MILLI_SECS_PER_BLOCK as BlockNumber);
pub const HOURS: BlockNumber = MINUTES * 60;
pub const DAYS: BlockNumber = HOURS * 24;

/// Ticker of the native token.
pub const TOKEN_SYMBOL: &str = "DDNS";
/// Decimal places of the native token.
pub const TOKEN_DECIMALS: u8 = 12;
/// SS58 address prefix (42: the generic Substrate prefix, which every wallet knows).
pub const SS58_PREFIX: u16 = 42;

/// One DDNS in plancks.
pub const UNIT: Balance = 1_000_000_000_000;
pub const MILLI_UNIT: Balance = UNIT / 1_000;
pub const MICRO_UNIT: Balance = UNIT / 1_000_000;

/// The smallest balance an account may hold.
pub const EXISTENTIAL_DEPOSIT: Balance = MILLI_UNIT;

/// Transaction signature: sr25519, ed25519 or ecdsa.
pub type Signature = MultiSignature;
/// An account is the public key of its signing scheme.
pub type AccountId = <<Signature as Verify>::Signer as IdentifyAccount>::AccountId;
/// Balance of an account, in plancks.
pub type Balance = u128;
/// Transaction counter of an account.
pub type Nonce = u32;
/// Block and state hash.
pub type Hash = sp_core::H256;
/// Block number.
pub type BlockNumber = u32;
/// How extrinsics name accounts.
pub type Address = MultiAddress<AccountId, ()>;
/// Block header.
pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
/// Block.
pub type Block = generic::Block<Header, UncheckedExtrinsic>;

/// The transaction extensions every signed extrinsic carries.
pub type TxExtension = (
	// First: it turns the origin of an authorized call (a validator's probe report) into
	// `Authorized`, for every extension after it. It adds no bytes to a transaction.
	frame_system::AuthorizeCall<Runtime>,
	frame_system::CheckNonZeroSender<Runtime>,
	frame_system::CheckSpecVersion<Runtime>,
	frame_system::CheckTxVersion<Runtime>,
	frame_system::CheckGenesis<Runtime>,
	frame_system::CheckEra<Runtime>,
	frame_system::CheckNonce<Runtime>,
	frame_system::CheckWeight<Runtime>,
	pallet_transaction_payment::ChargeTransactionPayment<Runtime>,
	frame_system::WeightReclaim<Runtime>,
);

/// Extrinsic as the runtime decodes it.
pub type UncheckedExtrinsic =
	generic::UncheckedExtrinsic<Address, RuntimeCall, Signature, TxExtension>;

/// The payload a signer signs.
pub type SignedPayload = generic::SignedPayload<RuntimeCall, TxExtension>;

/// Runtime migrations beyond those the pallets declare themselves, oldest first. Each is
/// versioned: it runs once, on the storage version it starts from.
type Migrations = (
	// Registry 1 -> 2: `Commitments` re-keyed with `Blake2_128Concat`.
	pallet_ddns_registry::migrations::v2::MigrateV1ToV2<Runtime>,
	// Registry 2 -> 3: the chain-wide epoch counter starts above every earlier epoch.
	pallet_ddns_registry::migrations::v3::MigrateV2ToV3<Runtime>,
	// Session keys gain the operators' probe key.
	configs::AddProbeKey,
);

/// Dispatches blocks and extrinsics to the pallets.
pub type Executive = frame_executive::Executive<
	Runtime,
	Block,
	frame_system::ChainContext<Runtime>,
	Runtime,
	AllPalletsWithSystem,
	Migrations,
>;

#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeFreezeReason,
		RuntimeHoldReason,
		RuntimeSlashReason,
		RuntimeLockId,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Runtime;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;

	#[runtime::pallet_index(1)]
	pub type Timestamp = pallet_timestamp;

	#[runtime::pallet_index(2)]
	pub type Aura = pallet_aura;

	#[runtime::pallet_index(3)]
	pub type Grandpa = pallet_grandpa;

	#[runtime::pallet_index(4)]
	pub type Balances = pallet_balances;

	#[runtime::pallet_index(5)]
	pub type TransactionPayment = pallet_transaction_payment;

	#[runtime::pallet_index(6)]
	pub type Sudo = pallet_sudo;

	#[runtime::pallet_index(10)]
	pub type Registry = pallet_ddns_registry;

	#[runtime::pallet_index(11)]
	pub type Validators = pallet_ddns_validators;

	#[runtime::pallet_index(12)]
	pub type Session = pallet_session;

	#[runtime::pallet_index(13)]
	pub type Utility = pallet_utility;

	#[runtime::pallet_index(14)]
	pub type Multisig = pallet_multisig;

	#[runtime::pallet_index(15)]
	pub type Proxy = pallet_proxy;

	#[runtime::pallet_index(16)]
	pub type Scheduler = pallet_scheduler;

	#[runtime::pallet_index(17)]
	pub type Preimage = pallet_preimage;

	#[runtime::pallet_index(18)]
	pub type Council = pallet_collective<Instance1>;

	#[runtime::pallet_index(19)]
	pub type TechnicalCommittee = pallet_collective<Instance2>;

	#[runtime::pallet_index(20)]
	pub type Democracy = pallet_democracy;

	#[runtime::pallet_index(21)]
	pub type Treasury = pallet_treasury;

	#[runtime::pallet_index(22)]
	pub type Operators = pallet_ddns_operators;
}
