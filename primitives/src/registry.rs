//! The registry's stored types and its lifecycle rule, shared by the pallet and by every client
//! that checks a storage proof instead of asking a node (`ddns-verify`, the resolver's light
//! mode): a proof gives the stored bytes, and these decode them and say what they mean at a block
//! with the same code the runtime runs.
//!
//! [`keys`] spells the storage keys the proofs are made of.

use crate::{name as rule, name::MAX_NAME_LEN, record::MAX_RECORDS, Record};
use alloc::vec::Vec;
use bounded_collections::{BoundedVec, ConstU32};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_arithmetic::{
	traits::{Saturating, Zero},
	Perbill,
};

/// The layout of the registry's storage that these types decode: the pallet's storage version.
/// A client that checks proofs refuses a chain whose registry has another (proven) version.
pub const STORAGE_VERSION: u16 = 3;

/// A name in canonical form, as stored (`example.ddns`).
pub type Name = BoundedVec<u8, ConstU32<{ MAX_NAME_LEN as u32 }>>;
/// An ed25519 public key that signs a name's endpoint records.
pub type NodeKey = [u8; 32];
/// A name's records, as set in one call.
pub type RecordSet = BoundedVec<Record, ConstU32<{ MAX_RECORDS }>>;

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
)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
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

/// The registry's on-chain parameters: set in genesis, changeable by root.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
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

/// A name as clients see it.
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
pub struct NameView<AccountId, Balance, BlockNumber> {
	pub name: Vec<u8>,
	pub owner: AccountId,
	pub state: Lifecycle,
	/// When the name (or, for a subdomain, its registered ancestor) expires.
	pub expires_at: BlockNumber,
	pub epoch: u64,
	pub node_key: Option<NodeKey>,
	pub records: Vec<Record>,
	/// The parent name of a subdomain.
	pub parent: Option<Vec<u8>>,
	/// Whether a subdomain is locked against its parent.
	pub locked: bool,
	pub registered_at: BlockNumber,
	pub deposit: Balance,
}

impl<AccountId, Balance, BlockNumber> NameView<AccountId, Balance, BlockNumber> {
	/// The view of `name` from its stored entry and records, in the state [`lifecycle_and_expiry`]
	/// found (the caller answers "not found" for `Free`).
	pub fn new(
		name: &[u8],
		info: NameInfo<AccountId, Balance, BlockNumber>,
		records: Vec<Record>,
		(state, expires_at): (Lifecycle, BlockNumber),
	) -> Self {
		NameView {
			name: name.to_vec(),
			owner: info.owner,
			state,
			expires_at,
			epoch: info.epoch,
			node_key: info.node_key,
			records,
			parent: rule::parent(name).map(|p| p.to_vec()),
			locked: matches!(info.tenure, Tenure::Sub { locked: true, .. }),
			registered_at: info.registered_at,
			deposit: info.deposit,
		}
	}
}

impl<AccountId, Balance, BlockNumber> NameInfo<AccountId, Balance, BlockNumber>
where
	BlockNumber: Copy + PartialOrd + Saturating,
{
	/// The state of a registered name at block `now`. A subdomain is `Active` here: its state
	/// is its registered ancestor's, which [`lifecycle_and_expiry`] finds.
	pub fn state_at<B>(&self, now: BlockNumber, params: &Params<B, BlockNumber>) -> Lifecycle {
		let Tenure::Registered { expires_at } = self.tenure else { return Lifecycle::Active };
		let grace_end = expires_at.saturating_add(params.grace);
		if now < expires_at {
			Lifecycle::Active
		} else if now < grace_end {
			Lifecycle::Grace
		} else if now < grace_end.saturating_add(params.premium_window) {
			Lifecycle::Premium
		} else {
			Lifecycle::Free
		}
	}
}

/// The state of any name at block `now`, and the expiry it lives by (its registered
/// ancestor's). `names` reads another name's entry (`Ok(None)` if there is none); its error
/// stops the walk and is returned as is.
///
/// A subdomain is Active or in Grace with its registered ancestor; it is Free once any link of
/// its chain is gone or was registered anew, and when the ancestor is past grace.
pub fn lifecycle_and_expiry<AccountId, Balance, BlockNumber, E>(
	name: &[u8],
	info: &NameInfo<AccountId, Balance, BlockNumber>,
	now: BlockNumber,
	params: &Params<Balance, BlockNumber>,
	mut names: impl FnMut(&[u8]) -> Result<Option<NameInfo<AccountId, Balance, BlockNumber>>, E>,
) -> Result<(Lifecycle, BlockNumber), E>
where
	BlockNumber: Copy + PartialOrd + Saturating + Zero,
{
	let mut name = name;
	let mut parent_info;
	let mut info = info;
	let mut is_sub = false;
	// Each step moves one label up; a name has at most 127 labels.
	loop {
		match info.tenure {
			Tenure::Registered { expires_at } => {
				let state = match info.state_at(now, params) {
					Lifecycle::Premium if is_sub => Lifecycle::Free,
					state => state,
				};
				return Ok((state, expires_at));
			},
			Tenure::Sub { parent_term, .. } => {
				is_sub = true;
				let Some(parent) = rule::parent(name) else {
					return Ok((Lifecycle::Free, Zero::zero()));
				};
				match names(parent)? {
					Some(p) if p.term == parent_term => {
						parent_info = p;
						info = &parent_info;
						name = parent;
					},
					_ => return Ok((Lifecycle::Free, Zero::zero())),
				}
			},
		}
	}
}

/// The storage keys of what a name's answer depends on, as the runtime lays them out
/// (`twox128(pallet) ++ twox128(item) ++ hasher(SCALE(key))`). The runtime's tests check each
/// against the pallets' own `hashed_key_for`.
pub mod keys {
	use super::*;
	use sp_crypto_hashing::{blake2_128, twox_128, twox_64};

	/// The registry's name in the runtime.
	pub const REGISTRY: &[u8] = b"Registry";

	fn prefix(pallet: &[u8], item: &[u8]) -> Vec<u8> {
		let mut key = Vec::with_capacity(32 + 16 + 1 + MAX_NAME_LEN);
		key.extend_from_slice(&twox_128(pallet));
		key.extend_from_slice(&twox_128(item));
		key
	}

	fn blake2_128_concat(mut key: Vec<u8>, encoded: &[u8]) -> Vec<u8> {
		key.extend_from_slice(&blake2_128(encoded));
		key.extend_from_slice(encoded);
		key
	}

	/// `Registry::Names(name)`: a [`NameInfo`].
	pub fn name(name: &[u8]) -> Vec<u8> {
		blake2_128_concat(prefix(REGISTRY, b"Names"), &name.encode())
	}

	/// `Registry::Records(name)`: a [`RecordsInfo`].
	pub fn records(name: &[u8]) -> Vec<u8> {
		blake2_128_concat(prefix(REGISTRY, b"Records"), &name.encode())
	}

	/// `Registry::RegistryParams`: the [`Params`].
	pub fn params() -> Vec<u8> {
		prefix(REGISTRY, b"RegistryParams")
	}

	/// The registry's storage version (`u16`, see [`STORAGE_VERSION`]).
	pub fn storage_version() -> Vec<u8> {
		prefix(REGISTRY, b":__STORAGE_VERSION__:")
	}

	/// `System::BlockHash(0)`: the genesis hash, which block 1 writes and frame-system never
	/// prunes. Proven at B, it ties B's state to one chain.
	pub fn genesis_hash() -> Vec<u8> {
		let mut key = prefix(b"System", b"BlockHash");
		let zero = 0u32.encode();
		key.extend_from_slice(&twox_64(&zero));
		key.extend_from_slice(&zero);
		key
	}

	/// `Grandpa::CurrentSetId`: the GRANDPA authority set's id (`u64`).
	pub fn grandpa_set_id() -> Vec<u8> {
		prefix(b"Grandpa", b"CurrentSetId")
	}

	/// `Grandpa::Authorities`: the GRANDPA authorities and their weights.
	pub fn grandpa_authorities() -> Vec<u8> {
		prefix(b"Grandpa", b"Authorities")
	}

	/// `Timestamp::Now`: the block's time, in milliseconds since the Unix epoch (`u64`).
	pub fn timestamp() -> Vec<u8> {
		prefix(b"Timestamp", b"Now")
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	type Info = NameInfo<u8, u128, u32>;

	fn params() -> Params<u128, u32> {
		Params {
			period: 100,
			max_periods: 5,
			grace: 10,
			premium_window: 20,
			premium_halving: 5,
			premium_start: 1_000,
			rent: [3, 2, 1],
			burn: Perbill::from_percent(50),
			deposit_base: 1,
			deposit_per_byte: 1,
			commitment_deposit: 1,
			min_commitment_age: 1,
			max_commitment_age: 10,
		}
	}

	fn info(tenure: Tenure<u32>, term: u64) -> Info {
		NameInfo {
			owner: 1,
			tenure,
			node_key: None,
			epoch: 1,
			term,
			registered_at: 0,
			depositor: 1,
			deposit: 0,
			children: 0,
			phase: Lifecycle::Active,
			wake_at: 0,
		}
	}

	#[test]
	fn a_registered_name_moves_through_its_states() {
		let p = params();
		let name = info(Tenure::Registered { expires_at: 50 }, 7);
		let at = |now| name.state_at(now, &p);
		assert_eq!(
			(at(49), at(50), at(59), at(60), at(79), at(80)),
			(
				Lifecycle::Active,
				Lifecycle::Grace,
				Lifecycle::Grace,
				Lifecycle::Premium,
				Lifecycle::Premium,
				Lifecycle::Free
			)
		);
	}

	#[test]
	fn a_subdomain_lives_by_its_registered_ancestor_of_the_same_term() {
		let p = params();
		let top = info(Tenure::Registered { expires_at: 50 }, 7);
		let mid = info(Tenure::Sub { parent_term: 7, locked: false }, 8);
		let leaf = info(Tenure::Sub { parent_term: 8, locked: false }, 9);
		let names = |n: &[u8]| -> Result<Option<Info>, ()> {
			Ok(match n {
				b"top.ddns" => Some(top.clone()),
				b"mid.top.ddns" => Some(mid.clone()),
				_ => None,
			})
		};
		let walk = |now| lifecycle_and_expiry(b"a.mid.top.ddns", &leaf, now, &p, names).unwrap();
		assert_eq!(walk(10), (Lifecycle::Active, 50));
		assert_eq!(walk(55), (Lifecycle::Grace, 50));
		// In its premium window a registered name may be bought anew: a subdomain is gone.
		assert_eq!(walk(65), (Lifecycle::Free, 50));
		// Another term of the parent (registered anew) does not carry old children.
		let other = info(Tenure::Sub { parent_term: 99, locked: false }, 9);
		assert_eq!(
			lifecycle_and_expiry(b"a.mid.top.ddns", &other, 10, &p, names).unwrap(),
			(Lifecycle::Free, 0)
		);
		// A missing link: Free. An error of the reader stops the walk.
		assert_eq!(
			lifecycle_and_expiry(b"x.gone.ddns", &mid, 10, &p, names).unwrap(),
			(Lifecycle::Free, 0)
		);
		assert_eq!(
			lifecycle_and_expiry(b"a.mid.top.ddns", &leaf, 10, &p, |_| Err::<Option<Info>, _>(
				"no"
			)),
			Err("no")
		);
	}
}
