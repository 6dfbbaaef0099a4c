//! The types the registry stores and returns.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use ddns_primitives::{name::MAX_NAME_LEN, Record};
use frame_support::{traits::ConstU32, BoundedVec};
use scale_info::TypeInfo;

/// A name in canonical form, as stored (`example.ddns`).
pub type Name = BoundedVec<u8, ConstU32<{ MAX_NAME_LEN as u32 }>>;
/// An ed25519 public key that signs a name's endpoint records.
pub type NodeKey = [u8; 32];
/// A name's records, as set in one call.
pub type RecordSet = BoundedVec<Record, ConstU32<{ ddns_primitives::record::MAX_RECORDS }>>;

// Decoded by clients that check proofs too (`ddns-verify`), so they live in the primitives.
pub use ddns_primitives::registry::{Lifecycle, NameInfo, NameView, Params, RecordsInfo, Tenure};

/// A commitment to register a name, waiting to be revealed.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct Commitment<AccountId, Balance, BlockNumber> {
	pub who: AccountId,
	pub at: BlockNumber,
	pub deposit: Balance,
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

/// Why a lookup gave no name.
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
pub enum LookupError {
	/// The input is not a canonical ddns name; the rule that failed, as `NameError::code`.
	InvalidName(alloc::vec::Vec<u8>),
	/// Nobody holds the name.
	NotFound,
}
