//! # ddns name registry
//!
//! Who owns which name, until when, and what it points to.
//!
//! - **Names** follow the rule of [`ddns_primitives::name`]: only the canonical spelling is
//!   accepted, and second-level labels have at least three characters.
//! - **Registering** is commit-reveal: [`Pallet::commit`] a hash of `(name, owner, secret)`, then
//!   [`Pallet::register`] between `min_commitment_age` and `max_commitment_age` blocks later.
//!   Rent is paid per period by label length; a share is burned and the rest goes to the reward
//!   pot. A storage deposit per stored byte is held and returned when the name goes.
//! - **Lifecycle**: Active until `expires_at`, then Grace (does not resolve, only the last owner
//!   may renew), then Premium (anyone may register, paying a premium that halves at fixed
//!   intervals), then Free. Each transition emits an event; lapsed names are cleaned up in
//!   `on_initialize` with a bounded number of operations per block.
//! - **Records**: typed records ([`ddns_primitives::Record`]) and an ed25519 node key that signs
//!   the name's endpoint records. The name's `epoch` increases on every registration, transfer,
//!   node-key change and lapse, so endpoint records signed under an older epoch stop validating.
//!   Epochs come from one chain-wide counter: a name made again never repeats an old epoch.
//! - **Subdomains** are made by a name's owner, pay deposits but no rent, and never outlive
//!   their parent: a child remembers its parent's registration `term` and dies with it.
//! - **Reverse**: an account may name one of its names as primary; the lookup answers only
//!   while the account still owns it.
//!
//! Clients read through the [`runtime API`](ddns_registry_runtime_api) which calls
//! [`Pallet::resolve`], [`Pallet::reverse`] and [`Pallet::price`].

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod features;
pub mod migrations;
#[cfg(test)]
mod mock;
pub mod offchain;
pub mod synthetic;
#[cfg(test)]
mod tests;
#[cfg(any(feature = "try-runtime", test))]
mod try_state;
pub mod types;
pub mod weights;

pub use types::*;
pub use weights::WeightInfo;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use alloc::vec::Vec;
	use ddns_primitives::{
		name as rule,
		record::{self, RecordInput, MAX_RECORDS},
		Record,
	};
	use frame_support::{
		pallet_prelude::*,
		traits::{
			fungible::{Inspect, Mutate, MutateHold},
			BuildGenesisConfig,
		},
		PalletId,
	};
	use frame_system::pallet_prelude::*;
	use sp_core::H256;
	use sp_runtime::traits::{AccountIdConversion, CheckedAdd, CheckedMul, Zero};

	/// Balance of the registry's currency.
	pub type BalanceOf<T> =
		<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;
	/// The registry's parameters, concretely.
	pub type ParamsOf<T> = Params<BalanceOf<T>, BlockNumberFor<T>>;
	/// A stored name entry, concretely.
	pub type NameInfoOf<T> =
		NameInfo<<T as frame_system::Config>::AccountId, BalanceOf<T>, BlockNumberFor<T>>;
	/// A stored record set, concretely.
	pub type RecordsInfoOf<T> = RecordsInfo<<T as frame_system::Config>::AccountId, BalanceOf<T>>;
	/// A name as clients see it, concretely.
	pub type NameViewOf<T> =
		NameView<<T as frame_system::Config>::AccountId, BalanceOf<T>, BlockNumberFor<T>>;
	/// A subdomain label, as passed to [`Pallet::create_subdomain`].
	pub type LabelOf = BoundedVec<u8, ConstU32<{ rule::MAX_LABEL_LEN as u32 }>>;

	/// 2: `Commitments` keyed by `Blake2_128Concat`; 3: the chain-wide epoch counter
	/// (see [`crate::migrations`]).
	const STORAGE_VERSION: StorageVersion =
		StorageVersion::new(ddns_primitives::registry::STORAGE_VERSION);

	/// About a century of 6-second blocks: [`Pallet::params_valid`] keeps this much room past
	/// the longest possible life of a name.
	const CENTURY: u32 = 525_600_000;

	/// Most labels in a name (`a.b.c.d.example.ddns` has 6). Lookups walk up the tree, so this
	/// bounds their reads.
	pub const MAX_DEPTH: usize = 6;

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// The token names are paid in; deposits are held on it.
		type Currency: Mutate<Self::AccountId>
			+ MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;

		/// The overarching hold reason.
		type RuntimeHoldReason: From<HoldReason>;

		/// Who may change the registry's parameters.
		type ParamsOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Derives the reward pot's account.
		#[pallet::constant]
		type PalletId: Get<PalletId>;

		/// Most subdomains directly under one name.
		#[pallet::constant]
		type MaxSubdomains: Get<u32>;

		/// Most lifecycle operations (transitions, clean-ups, empty blocks skipped) per block.
		#[pallet::constant]
		type MaxLifecycleOps: Get<u32>;

		/// Most weight the lifecycle uses per block. Each operation is costed at the dearest
		/// kind before it runs, so a block's lifecycle never goes over it.
		#[pallet::constant]
		type LifecycleWeight: Get<Weight>;

		/// Weights of the calls, from the benchmarks.
		type WeightInfo: WeightInfo;
	}

	/// Why the registry holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// Storage deposit for a name entry or its records.
		NameDeposit,
		/// Deposit for an unrevealed commitment.
		Commitment,
	}

	/// The registry's parameters.
	#[pallet::storage]
	pub type RegistryParams<T: Config> = StorageValue<_, ParamsOf<T>, OptionQuery>;

	/// Every name the registry holds.
	#[pallet::storage]
	pub type Names<T: Config> = StorageMap<_, Blake2_128Concat, Name, NameInfoOf<T>>;

	/// The records of each name that has any.
	#[pallet::storage]
	pub type Records<T: Config> = StorageMap<_, Blake2_128Concat, Name, RecordsInfoOf<T>>;

	/// Owner -> names index (the other direction of `Names::owner`).
	#[pallet::storage]
	pub type OwnedNames<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Blake2_128Concat, Name, ()>;

	/// Parent -> direct subdomains.
	#[pallet::storage]
	pub type Subdomains<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, Name, Blake2_128Concat, Name, ()>;

	/// Each account's primary name, for reverse lookups.
	#[pallet::storage]
	pub type Primary<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, Name>;

	/// Unrevealed commitments by hash. The hash is the caller's choice, so it is hashed again
	/// for the key: a caller cannot pick keys that unbalance the trie.
	#[pallet::storage]
	pub type Commitments<T: Config> = StorageMap<
		_,
		Blake2_128Concat,
		H256,
		Commitment<T::AccountId, BalanceOf<T>, BlockNumberFor<T>>,
	>;

	/// Lifecycle schedule: at block `n`, name `x` reaches its next lifecycle transition.
	/// Each registered name has exactly one entry.
	#[pallet::storage]
	pub type Timeline<T: Config> =
		StorageDoubleMap<_, Twox64Concat, BlockNumberFor<T>, Blake2_128Concat, Name, ()>;

	/// The first block of the schedule not yet processed.
	#[pallet::storage]
	pub type TimelineCursor<T: Config> = StorageValue<_, BlockNumberFor<T>, ValueQuery>;

	/// Names whose parent went away: removed, with their own subtrees, a few per block.
	#[pallet::storage]
	pub type PurgeQueue<T: Config> = StorageMap<_, Blake2_128Concat, Name, ()>;

	/// How many names wait in [`PurgeQueue`].
	#[pallet::storage]
	pub type PurgeQueueLen<T: Config> = StorageValue<_, u32, ValueQuery>;

	/// The last registration term handed out (see [`Pallet::new_term`]).
	#[pallet::storage]
	pub type LastTerm<T: Config> = StorageValue<_, u64, ValueQuery>;

	/// The last epoch handed out, to any name (see [`Pallet::next_epoch`]).
	#[pallet::storage]
	pub type LastEpoch<T: Config> = StorageValue<_, u64, ValueQuery>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// The registry's parameters from the first block.
		pub params: Option<ParamsOf<T>>,
		/// Many names made at genesis, to measure the chain at scale (see [`crate::synthetic`]).
		/// Never on a live network.
		#[serde(default, skip_serializing_if = "Option::is_none")]
		pub synthetic: Option<crate::synthetic::Synthetic<BlockNumberFor<T>>>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			if let Some(params) = &self.params {
				assert!(Pallet::<T>::params_valid(params), "invalid registry params in genesis");
				RegistryParams::<T>::put(params);
			}
			if let Some(spec) = &self.synthetic {
				Pallet::<T>::build_synthetic(spec);
			}
			// The pot must exist before the first, possibly small, rent share arrives.
			let pot = Pallet::<T>::reward_pot();
			let ed = T::Currency::minimum_balance();
			if T::Currency::balance(&pot) < ed {
				let _ = T::Currency::mint_into(&pot, ed);
			}
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A commitment was made.
		Committed { commitment: H256, who: T::AccountId },
		/// A stale commitment was cleared and its deposit returned.
		CommitmentCleared { commitment: H256 },
		/// A name was registered.
		Registered {
			name: Name,
			owner: T::AccountId,
			payer: T::AccountId,
			expires_at: BlockNumberFor<T>,
			rent: BalanceOf<T>,
			premium: BalanceOf<T>,
		},
		/// A name's term was extended.
		Renewed {
			name: Name,
			payer: T::AccountId,
			expires_at: BlockNumberFor<T>,
			rent: BalanceOf<T>,
		},
		/// A name changed hands.
		Transferred { name: Name, from: T::AccountId, to: T::AccountId },
		/// A name's node key changed.
		NodeKeySet { name: Name, node_key: Option<NodeKey>, epoch: u64 },
		/// A name's records changed.
		RecordsSet { name: Name, count: u32 },
		/// A subdomain was made.
		SubdomainCreated { name: Name, parent: Name, owner: T::AccountId },
		/// A parent took a subdomain back.
		SubdomainTakenBack { name: Name, from: T::AccountId },
		/// A subdomain was locked against its parent.
		SubdomainLocked { name: Name },
		/// An account's primary name changed.
		PrimarySet { who: T::AccountId, name: Option<Name> },
		/// A name passed its expiry: it no longer resolves; its owner may still renew.
		EnteredGrace { name: Name, owner: T::AccountId },
		/// A name's grace ended: anyone may now register it, paying a premium.
		EnteredPremium { name: Name },
		/// A name was removed (lapsed, released, or its parent went) and its deposits returned.
		Freed { name: Name },
		/// The registry's parameters changed.
		ParamsSet,
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The name is empty.
		NameEmpty,
		/// The name is longer than 253 bytes.
		NameTooLong,
		/// A label is empty.
		EmptyLabel,
		/// The name ends in a dot.
		TrailingDot,
		/// A label is longer than 63 bytes.
		LabelTooLong,
		/// The name has an uppercase letter.
		Uppercase,
		/// The name has a byte outside `a-z`, `0-9`, `-`, `.`.
		InvalidCharacter,
		/// A label starts with `-`.
		LeadingHyphen,
		/// A label ends with `-`.
		TrailingHyphen,
		/// `--` in positions 3-4 of a label that is not `xn--`.
		ReservedHyphens,
		/// An `xn--` label that is not canonical Punycode of lowercase non-ASCII text.
		InvalidPunycode,
		/// The name does not end in `.ddns`, or is not at the level the call needs.
		WrongTld,
		/// The name is `ddns` alone.
		NoSecondLevel,
		/// The second-level label is shorter than three characters.
		NameTooShort,
		/// The registry has no parameters yet.
		NotConfigured,
		/// The parameters are inconsistent.
		InvalidParams,
		/// That commitment exists already.
		CommitmentExists,
		/// No such commitment (never made, or already revealed or cleared).
		CommitmentNotFound,
		/// The commitment is younger than `min_commitment_age`.
		CommitmentTooNew,
		/// The commitment is older than `max_commitment_age`.
		CommitmentTooOld,
		/// The commitment is not stale yet.
		CommitmentNotStale,
		/// Periods must be from 1 to `max_periods` (counted from now).
		InvalidPeriods,
		/// Somebody holds the name.
		NameTaken,
		/// Nobody holds the name.
		NameNotFound,
		/// The caller does not own the name.
		NotOwner,
		/// The name is not active (expired, lapsed, or its parent is).
		NotActive,
		/// The name is past grace; it can only be registered anew.
		PastGrace,
		/// The call is for a registered (second-level) name, not a subdomain, or vice versa.
		WrongTenure,
		/// The parent has its maximum number of subdomains.
		TooManySubdomains,
		/// The subdomain would have more than `MAX_DEPTH` labels.
		TooDeep,
		/// The parent locked this subdomain: it cannot be taken back.
		SubdomainLocked,
		/// A record is malformed.
		InvalidRecord,
		/// A record's target is not a canonical host name.
		InvalidRecordTarget,
		/// A record encodes to more than 512 bytes.
		RecordTooLarge,
		/// A CNAME next to another record, or two CNAMEs.
		CnameConflict,
		/// The same record twice.
		DuplicateRecord,
		/// The name is its owner's already (transfer to self).
		AlreadyOwner,
		/// Arithmetic overflow in a price or a block number.
		Overflow,
		/// More than 32 records in one set.
		TooManyRecords,
		/// The recipient of a name has no account (no balance at all): a name's held deposits
		/// can only move to an account that exists.
		NoRecipientAccount,
		/// The node key is an Ed25519 point of small order, for which anyone can make a
		/// signature that verifies: it would let anyone sign the name's endpoint records.
		WeakNodeKey,
	}

	impl<T> From<rule::NameError> for Error<T> {
		fn from(e: rule::NameError) -> Self {
			use rule::NameError as E;
			match e {
				E::Empty => Error::NameEmpty,
				E::TooLong { .. } => Error::NameTooLong,
				E::EmptyLabel => Error::EmptyLabel,
				E::TrailingDot => Error::TrailingDot,
				E::LabelTooLong { .. } => Error::LabelTooLong,
				E::Uppercase { .. } => Error::Uppercase,
				E::InvalidCharacter { .. } => Error::InvalidCharacter,
				E::LeadingHyphen => Error::LeadingHyphen,
				E::TrailingHyphen => Error::TrailingHyphen,
				E::ReservedHyphens => Error::ReservedHyphens,
				E::InvalidPunycode => Error::InvalidPunycode,
				E::WrongTld => Error::WrongTld,
				E::NoSecondLevel => Error::NoSecondLevel,
				E::TooShort { .. } => Error::NameTooShort,
				_ => Error::InvalidCharacter,
			}
		}
	}

	impl<T> From<record::RecordError> for Error<T> {
		fn from(e: record::RecordError) -> Self {
			use record::RecordError as E;
			match e {
				E::BadTarget(_) => Error::InvalidRecordTarget,
				E::TooLarge { .. } => Error::RecordTooLarge,
				E::CnameConflict => Error::CnameConflict,
				E::Duplicate => Error::DuplicateRecord,
				E::TooMany { .. } => Error::TooManyRecords,
				_ => Error::InvalidRecord,
			}
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			Self::process_lifecycle(now)
		}

		fn offchain_worker(now: BlockNumberFor<T>) {
			Self::sign_endpoints(now)
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Commits to registering a name: `commitment` is
		/// `blake2_256(SCALE(name, owner, secret))` (see [`Pallet::commitment_of`]).
		///
		/// Any signed origin; holds `commitment_deposit` until the commitment is revealed by
		/// [`Pallet::register`] or cleared by [`Pallet::clear_commitment`].
		/// Emits `Committed`. Errors: `NotConfigured`, `CommitmentExists`, or a funds error.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::commit())]
		pub fn commit(origin: OriginFor<T>, commitment: H256) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_commit(who, commitment)
		}

		/// Clears a commitment older than `max_commitment_age` and returns its deposit to
		/// whoever made it. Any signed origin.
		///
		/// Emits `CommitmentCleared`. Errors: `CommitmentNotFound`, `CommitmentNotStale`.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::clear_commitment())]
		pub fn clear_commitment(origin: OriginFor<T>, commitment: H256) -> DispatchResult {
			ensure_signed(origin)?;
			Self::do_clear_commitment(commitment)
		}

		/// Reveals a commitment and registers `name` to `owner` for `periods` periods.
		///
		/// Any signed origin pays the rent (and a premium if the name lapsed recently) and the
		/// storage deposit. The name must be Free or in Premium. Emits `Registered`.
		/// Charged as if it removed a lapsed holder with the most subdomains; refunded to the
		/// plain registration's weight when there was no holder to remove.
		/// Errors: name-rule errors, `NameTooShort`, `InvalidPeriods`, `CommitmentNotFound`,
		/// `CommitmentTooNew`, `CommitmentTooOld`, `NameTaken`, or a funds error.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::register_lapsed())]
		pub fn register(
			origin: OriginFor<T>,
			name: Vec<u8>,
			owner: T::AccountId,
			secret: [u8; 32],
			periods: u32,
		) -> DispatchResultWithPostInfo {
			let payer = ensure_signed(origin)?;
			let evicted = Self::do_register(payer, Self::name_arg(name)?, owner, secret, periods)?;
			let actual =
				if evicted { T::WeightInfo::register_lapsed() } else { T::WeightInfo::register() };
			Ok(Some(actual).into())
		}

		/// Extends a registered name by `periods` periods. Anyone may pay while the name is
		/// Active; in Grace only its owner. The paid-up term may reach at most `max_periods`
		/// periods past now.
		///
		/// Emits `Renewed`. Errors: `NameNotFound`, `WrongTenure`, `NotOwner` (in Grace),
		/// `PastGrace`, `InvalidPeriods`, or a funds error.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::renew())]
		pub fn renew(origin: OriginFor<T>, name: Vec<u8>, periods: u32) -> DispatchResult {
			let payer = ensure_signed(origin)?;
			Self::do_renew(payer, Self::name_arg(name)?, periods)
		}

		/// Gives an active name to `to`. Owner only. The epoch increases, the node key is
		/// cleared, and so is the caller's primary name if it was this one.
		///
		/// The deposits go with the name, still held: the held amounts of the entry's and the
		/// records' deposits move to `to` (never from `to`'s free balance), who gets them back
		/// by clearing the records (`set_records` with an empty set) or releasing the name. The
		/// records stay (a handover is no outage).
		///
		/// Emits `Transferred`. Errors: `NameNotFound`, `NotOwner`, `NotActive`, `AlreadyOwner`,
		/// `NoRecipientAccount`.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::transfer())]
		pub fn transfer(origin: OriginFor<T>, name: Vec<u8>, to: T::AccountId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_transfer(who, Self::name_arg(name)?, to)
		}

		/// Gives an Active name up at once: it and its subtree are removed and every deposit
		/// returned. Owner only. Rent already paid is not refunded. A registered name in Grace
		/// or Premium cannot be released (that would skip the premium); the lifecycle frees it.
		///
		/// Emits `Freed`. Errors: `NameNotFound`, `NotOwner`, `NotActive`.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::release())]
		pub fn release(origin: OriginFor<T>, name: Vec<u8>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_release(who, Self::name_arg(name)?)
		}

		/// Sets (or with `None` clears) the ed25519 key that signs the name's endpoint
		/// records. Owner only, name Active. The epoch increases.
		///
		/// Emits `NodeKeySet`. Errors: `WeakNodeKey`, `NameNotFound`, `NotOwner`, `NotActive`.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::set_node_key())]
		pub fn set_node_key(
			origin: OriginFor<T>,
			name: Vec<u8>,
			node_key: Option<NodeKey>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_set_node_key(who, Self::name_arg(name)?, node_key)
		}

		/// Replaces the name's records. Owner only, name Active. The owner holds a deposit per
		/// stored byte; a previous depositor gets theirs back. An empty set removes all.
		///
		/// Emits `RecordsSet`. Errors: `NameNotFound`, `NotOwner`, `NotActive`,
		/// `InvalidRecord`, `InvalidRecordTarget`, `RecordTooLarge`, `CnameConflict`,
		/// `DuplicateRecord`, or a funds error.
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::set_records((records.len() as u32).min(MAX_RECORDS)))]
		pub fn set_records(
			origin: OriginFor<T>,
			name: Vec<u8>,
			records: Vec<RecordInput>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let name = Self::name_arg(name)?;
			Self::do_set_records(who, name, Self::records_arg(records)?)
		}

		/// Makes `label.parent` and gives it to `owner`. The parent's owner only, parent
		/// Active. The caller holds the child's storage deposit; no rent is due.
		///
		/// Emits `SubdomainCreated`. Errors: name-rule errors, `NameNotFound`, `NotOwner`,
		/// `NotActive`, `NameTaken`, `TooManySubdomains`, or a funds error.
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::create_subdomain())]
		pub fn create_subdomain(
			origin: OriginFor<T>,
			parent: Vec<u8>,
			label: Vec<u8>,
			owner: T::AccountId,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let label = Self::label_arg(label)?;
			Self::do_create_subdomain(who, Self::name_arg(parent)?, label, owner)
		}

		/// The parent's owner takes a subdomain back: it becomes theirs and its epoch
		/// increases; the node key is cleared, and so is the old owner's primary name if it was
		/// this one. Not possible once the subdomain is locked.
		///
		/// The subdomain comes back empty: its records are removed and their deposit returned
		/// to whoever paid it; the entry's deposit moves to the caller still held, as in a
		/// transfer.
		///
		/// Emits `SubdomainTakenBack`. Errors: `NameNotFound`, `WrongTenure`, `NotOwner`,
		/// `NotActive`, `SubdomainLocked`, `NoRecipientAccount`.
		#[pallet::call_index(9)]
		#[pallet::weight(T::WeightInfo::take_back_subdomain())]
		pub fn take_back_subdomain(origin: OriginFor<T>, name: Vec<u8>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_take_back(who, Self::name_arg(name)?)
		}

		/// The parent's owner gives up the right to take a subdomain back, for as long as the
		/// parent's current registration lasts. It cannot be undone.
		///
		/// Emits `SubdomainLocked`. Errors: `NameNotFound`, `WrongTenure`, `NotOwner`,
		/// `NotActive`.
		#[pallet::call_index(10)]
		#[pallet::weight(T::WeightInfo::lock_subdomain())]
		pub fn lock_subdomain(origin: OriginFor<T>, name: Vec<u8>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_lock(who, Self::name_arg(name)?)
		}

		/// Names one of the caller's names as their primary name (or clears it with `None`).
		/// The entry is removed whenever the name leaves the caller, so it always points at a
		/// name of theirs. It holds no deposit: one per account at most, never more than there
		/// are names, and each name holds a deposit and takes the entry with it.
		///
		/// Emits `PrimarySet`. Errors: `NameNotFound`, `NotOwner`, `NotActive`.
		#[pallet::call_index(11)]
		#[pallet::weight(T::WeightInfo::set_primary())]
		pub fn set_primary(origin: OriginFor<T>, name: Option<Vec<u8>>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_set_primary(who, name.map(Self::name_arg).transpose()?)
		}

		/// Replaces the registry's parameters. `ParamsOrigin` (root) only.
		///
		/// Emits `ParamsSet`. Errors: `InvalidParams`.
		#[pallet::call_index(12)]
		#[pallet::weight(T::WeightInfo::set_params())]
		pub fn set_params(origin: OriginFor<T>, params: ParamsOf<T>) -> DispatchResult {
			T::ParamsOrigin::ensure_origin(origin)?;
			ensure!(Self::params_valid(&params), Error::<T>::InvalidParams);
			RegistryParams::<T>::put(params);
			Self::deposit_event(Event::ParamsSet);
			Ok(())
		}
	}

	impl<T: Config> Pallet<T> {
		/// A name as a call passes it, bounded. Calls take names (and records) unbounded so that
		/// an oversize one still decodes and gets its error, instead of a wasm trap in the
		/// transaction pool's decoding.
		pub(crate) fn name_arg(name: Vec<u8>) -> Result<Name, Error<T>> {
			name.try_into().map_err(|_| Error::<T>::NameTooLong)
		}

		/// A subdomain label as [`Pallet::create_subdomain`] takes it, bounded.
		pub(crate) fn label_arg(label: Vec<u8>) -> Result<LabelOf, Error<T>> {
			label.try_into().map_err(|_| Error::<T>::LabelTooLong)
		}

		/// A record set as a call passes it, bounded: `TooManyRecords`, or the error of the
		/// first record with a field over its bound.
		pub(crate) fn records_arg(records: Vec<RecordInput>) -> Result<RecordSet, Error<T>> {
			ensure!(records.len() <= MAX_RECORDS as usize, Error::<T>::TooManyRecords);
			let records = records
				.into_iter()
				.map(Record::try_from)
				.collect::<Result<Vec<_>, _>>()
				.map_err(Error::<T>::from)?;
			records.try_into().map_err(|_| Error::<T>::TooManyRecords)
		}

		/// A term no other registration of any name has had: the block and the extrinsic that
		/// create the entry, or one more than the last term if that is not above it (one
		/// extrinsic, e.g. a `utility.batch`, may create, release and create a name again).
		pub(crate) fn new_term(now: BlockNumberFor<T>) -> u64 {
			let block: u64 = now.try_into().unwrap_or(u64::MAX >> 32);
			let index = frame_system::Pallet::<T>::extrinsic_index().unwrap_or(u32::MAX);
			let term =
				((block << 32) | u64::from(index)).max(LastTerm::<T>::get().saturating_add(1));
			LastTerm::<T>::put(term);
			term
		}

		/// The next epoch of a name whose epoch is `current` (0 for a name made anew): above
		/// `current` and above every epoch handed out before, to any name.
		///
		/// Epochs come from one chain-wide counter, so a name that is removed and made again
		/// never gets back an epoch of an earlier life: an endpoint record signed then (which
		/// carries its epoch) cannot validate again, even under the same node key. One counter
		/// for all names costs a single value, where remembering each removed name's last epoch
		/// would grow without bound. It moves by one per change, so it stays far below 2^53 and
		/// clients may read it as a JavaScript number.
		pub(crate) fn next_epoch(current: u64) -> u64 {
			let epoch = current.max(LastEpoch::<T>::get()).saturating_add(1);
			LastEpoch::<T>::put(epoch);
			epoch
		}

		/// The account that collects the non-burned share of rent.
		pub fn reward_pot() -> T::AccountId {
			T::PalletId::get().into_account_truncating()
		}

		/// The hash to pass to [`Pallet::commit`].
		pub fn commitment_of(name: &[u8], owner: &T::AccountId, secret: &[u8; 32]) -> H256 {
			H256(sp_io::hashing::blake2_256(&(name, owner, secret).encode()))
		}

		pub(crate) fn params() -> Result<ParamsOf<T>, DispatchError> {
			RegistryParams::<T>::get().ok_or_else(|| Error::<T>::NotConfigured.into())
		}

		/// Whether a parameter set is consistent, and every lifecycle block computed from it fits
		/// a block number (so no renewal or registration fails on overflow).
		pub fn params_valid(p: &ParamsOf<T>) -> bool {
			let longest_life = p
				.period
				.checked_mul(&p.max_periods.into())
				.and_then(|term| term.checked_add(&p.grace))
				.and_then(|life| life.checked_add(&p.premium_window));
			// Room for that life starting at any block in the next ~century of 6 s blocks.
			let horizon = longest_life.and_then(|life| life.checked_add(&CENTURY.into()));
			horizon.is_some()
				&& !p.period.is_zero()
				&& p.max_periods >= 1
				&& !p.grace.is_zero()
				&& !p.premium_window.is_zero()
				&& !p.premium_halving.is_zero()
				&& p.min_commitment_age < p.max_commitment_age
		}
	}
}
