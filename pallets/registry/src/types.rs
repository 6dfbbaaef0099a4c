//! The types the registry stores and returns.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use ddns_primitives::{name::MAX_NAME_LEN, Record};
use frame_support::{traits::ConstU32, BoundedVec};
use scale_info::TypeInfo;
use sp_runtime::Perbill;

/// A name in canonical form, as stored (`example.ddns`).
pub type Name = BoundedVec<u8, ConstU32<{ MAX_NAME_LEN as u32 }>>;
/// An ed25519 public key that signs a name's endpoint records.
pub type NodeKey = [u8; 32];
/// A name's records, as set in one call.
pub type RecordSet = BoundedVec<Record, ConstU32<{ ddns_primitives::record::MAX_RECORDS }>>;

/// Where a name stands in its lifecycle.
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
pub enum Lifecycle {
	/// Registered and paid: resolves.
	Active,
	/// Past its expiry: does not resolve; only the last owner may renew.
	Grace,
	/// Past grace: anyone may register it, paying rent plus a decaying premium.
	Premium,
	/// Nobody holds it: anyone may register it at the plain rent.
	Free,
}

/// How a name came to be: registered and paid for, or created under a parent.
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
)]
pub enum Tenure<BlockNumber> {
	/// A second-level name, paid until `expires_at`.
	Registered { expires_at: BlockNumber },
	/// A subdomain. It lives only while its parent's registration `parent_term` lasts.
	/// `locked`: the parent gave up the right to take it back.
	Sub { parent_term: u64, locked: bool },
}

/// Everything the chain knows about one name.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct NameInfo<AccountId, Balance, BlockNumber> {
	/// Who controls the name.
	pub owner: AccountId,
	/// Registered or subdomain.
	pub tenure: Tenure<BlockNumber>,
	/// The key that signs the name's endpoint records.
	pub node_key: Option<NodeKey>,
	/// Increases on every registration, transfer, node-key change and lapse: endpoint records
	/// signed under an older epoch no longer validate.
	pub epoch: u64,
	/// Identifies this registration of the name (block and extrinsic that created it), so that
	/// no later registration of the same name shares it; children remember their parent's.
	pub term: u64,
	/// Block of the current registration.
	pub registered_at: BlockNumber,
	/// Who paid the name's storage deposit, and how much is held.
	pub depositor: AccountId,
	pub deposit: Balance,
	/// How many subdomains the name has.
	pub children: u32,
	/// The last lifecycle state announced by an event (registered names; `Active` for subs).
	pub phase: Lifecycle,
	/// The block of the name's entry in the lifecycle timeline (registered names only).
	pub wake_at: BlockNumber,
}

/// A name's records and who holds the deposit for them.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct RecordsInfo<AccountId, Balance> {
	pub records: RecordSet,
	pub depositor: AccountId,
	pub deposit: Balance,
}

/// A commitment to register a name, waiting to be revealed.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct Commitment<AccountId, Balance, BlockNumber> {
	pub who: AccountId,
	pub at: BlockNumber,
	pub deposit: Balance,
}

/// The registry's on-chain parameters: set in genesis, changeable by root.
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
pub struct Params<Balance, BlockNumber> {
	/// Length of one rent period, in blocks.
	pub period: BlockNumber,
	/// Most periods a name may be paid ahead (counted from now).
	pub max_periods: u32,
	/// Blocks after expiry in which only the last owner may renew.
	pub grace: BlockNumber,
	/// Blocks after grace in which a new registrant pays a premium.
	pub premium_window: BlockNumber,
	/// The premium halves every this many blocks of the premium window.
	pub premium_halving: BlockNumber,
	/// Premium at the start of the premium window.
	pub premium_start: Balance,
	/// Rent per period for second-level labels of 3, 4, and 5 or more characters.
	pub rent: [Balance; 3],
	/// Share of rent that is burned; the rest goes to the reward pot.
	pub burn: Perbill,
	/// Storage deposit held per name, plus per stored byte (name and records).
	pub deposit_base: Balance,
	pub deposit_per_byte: Balance,
	/// Deposit held per commitment, returned when it is revealed or cleared.
	pub commitment_deposit: Balance,
	/// A commitment may be revealed no sooner than this many blocks after it was made...
	pub min_commitment_age: BlockNumber,
	/// ...and no later than this many.
	pub max_commitment_age: BlockNumber,
}

/// What registering or renewing a name costs now.
#[derive(
	Clone,
	PartialEq,
	Eq,
	Encode,
	Decode,
	MaxEncodedLen,
	TypeInfo,
	Debug,
	serde::Serialize,
	serde::Deserialize,
)]
pub struct Price<Balance> {
	/// Rent for the periods asked.
	pub rent: Balance,
	/// Premium of a recently lapsed name (zero otherwise).
	pub premium: Balance,
	/// Storage deposit held for the name entry (returned when the name goes).
	pub deposit: Balance,
}

/// A name as clients see it.
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
pub struct NameView<AccountId, Balance, BlockNumber> {
	pub name: alloc::vec::Vec<u8>,
	pub owner: AccountId,
	pub state: Lifecycle,
	/// When the name (or, for a subdomain, its registered ancestor) expires.
	pub expires_at: BlockNumber,
	pub epoch: u64,
	pub node_key: Option<NodeKey>,
	pub records: alloc::vec::Vec<Record>,
	/// The parent name of a subdomain.
	pub parent: Option<alloc::vec::Vec<u8>>,
	/// Whether a subdomain is locked against its parent.
	pub locked: bool,
	pub registered_at: BlockNumber,
	pub deposit: Balance,
}

/// Why a lookup gave no name.
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
pub enum LookupError {
	/// The input is not a canonical ddns name; the rule that failed, as `NameError::code`.
	InvalidName(alloc::vec::Vec<u8>),
	/// Nobody holds the name.
	NotFound,
}
