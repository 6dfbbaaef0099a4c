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
mod lifecycle;
#[cfg(test)]
mod mock;
pub mod offchain;
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
	use ddns_primitives::{name as rule, record};
	use frame_support::{
		pallet_prelude::*,
		traits::{
			fungible::{Inspect, Mutate, MutateHold},
			tokens::{Fortitude, Precision, Preservation},
			BuildGenesisConfig,
		},
		PalletId,
	};
	use frame_system::pallet_prelude::*;
	use sp_core::H256;
	use sp_runtime::traits::{AccountIdConversion, Saturating, Zero};

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

	const STORAGE_VERSION: StorageVersion = StorageVersion::new(1);

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

	/// Unrevealed commitments by hash.
	#[pallet::storage]
	pub type Commitments<T: Config> =
		StorageMap<_, Identity, H256, Commitment<T::AccountId, BalanceOf<T>, BlockNumberFor<T>>>;

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

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// The registry's parameters from the first block.
		pub params: Option<ParamsOf<T>>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			if let Some(params) = &self.params {
				assert!(Pallet::<T>::params_valid(params), "invalid registry params in genesis");
				RegistryParams::<T>::put(params);
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
			name: Name,
			owner: T::AccountId,
			secret: [u8; 32],
			periods: u32,
		) -> DispatchResultWithPostInfo {
			let payer = ensure_signed(origin)?;
			let evicted = Self::do_register(payer, name, owner, secret, periods)?;
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
		pub fn renew(origin: OriginFor<T>, name: Name, periods: u32) -> DispatchResult {
			let payer = ensure_signed(origin)?;
			Self::do_renew(payer, name, periods)
		}

		/// Gives an active name to `to`. Owner only. The epoch increases.
		///
		/// Emits `Transferred`. Errors: `NameNotFound`, `NotOwner`, `NotActive`, `AlreadyOwner`.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::transfer())]
		pub fn transfer(origin: OriginFor<T>, name: Name, to: T::AccountId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_transfer(who, name, to)
		}

		/// Gives a name up at once: it and its subtree are removed and every deposit returned.
		/// Owner only. Rent already paid is not refunded.
		///
		/// Emits `Freed`. Errors: `NameNotFound`, `NotOwner`.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::release())]
		pub fn release(origin: OriginFor<T>, name: Name) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_release(who, name)
		}

		/// Sets (or with `None` clears) the ed25519 key that signs the name's endpoint
		/// records. Owner only, name Active. The epoch increases.
		///
		/// Emits `NodeKeySet`. Errors: `NameNotFound`, `NotOwner`, `NotActive`.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::set_node_key())]
		pub fn set_node_key(
			origin: OriginFor<T>,
			name: Name,
			node_key: Option<NodeKey>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_set_node_key(who, name, node_key)
		}

		/// Replaces the name's records. Owner only, name Active. The owner holds a deposit per
		/// stored byte; a previous depositor gets theirs back. An empty set removes all.
		///
		/// Emits `RecordsSet`. Errors: `NameNotFound`, `NotOwner`, `NotActive`,
		/// `InvalidRecord`, `InvalidRecordTarget`, `RecordTooLarge`, `CnameConflict`,
		/// `DuplicateRecord`, or a funds error.
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::set_records(records.len() as u32))]
		pub fn set_records(origin: OriginFor<T>, name: Name, records: RecordSet) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_set_records(who, name, records)
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
			parent: Name,
			label: LabelOf,
			owner: T::AccountId,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_create_subdomain(who, parent, label, owner)
		}

		/// The parent's owner takes a subdomain back: it becomes theirs and its epoch
		/// increases. Not possible once the subdomain is locked.
		///
		/// Emits `SubdomainTakenBack`. Errors: `NameNotFound`, `WrongTenure`, `NotOwner`,
		/// `NotActive`, `SubdomainLocked`.
		#[pallet::call_index(9)]
		#[pallet::weight(T::WeightInfo::take_back_subdomain())]
		pub fn take_back_subdomain(origin: OriginFor<T>, name: Name) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_take_back(who, name)
		}

		/// The parent's owner gives up the right to take a subdomain back, for as long as the
		/// parent's current registration lasts. It cannot be undone.
		///
		/// Emits `SubdomainLocked`. Errors: `NameNotFound`, `WrongTenure`, `NotOwner`,
		/// `NotActive`.
		#[pallet::call_index(10)]
		#[pallet::weight(T::WeightInfo::lock_subdomain())]
		pub fn lock_subdomain(origin: OriginFor<T>, name: Name) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_lock(who, name)
		}

		/// Names one of the caller's names as their primary name (or clears it with `None`).
		///
		/// Emits `PrimarySet`. Errors: `NameNotFound`, `NotOwner`, `NotActive`.
		#[pallet::call_index(11)]
		#[pallet::weight(T::WeightInfo::set_primary())]
		pub fn set_primary(origin: OriginFor<T>, name: Option<Name>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_set_primary(who, name)
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
		/// A term no other registration of any name has had: the block and the extrinsic that
		/// create the entry. (One extrinsic never creates the same name twice.)
		pub(crate) fn new_term(now: BlockNumberFor<T>) -> u64 {
			let block: u64 = now.try_into().unwrap_or(u64::MAX >> 32);
			let index = frame_system::Pallet::<T>::extrinsic_index().unwrap_or(u32::MAX);
			(block << 32) | u64::from(index)
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

		/// Whether a parameter set is consistent.
		pub fn params_valid(p: &ParamsOf<T>) -> bool {
			!p.period.is_zero()
				&& p.max_periods >= 1
				&& !p.grace.is_zero()
				&& !p.premium_window.is_zero()
				&& !p.premium_halving.is_zero()
				&& p.min_commitment_age < p.max_commitment_age
		}

		fn do_commit(who: T::AccountId, commitment: H256) -> DispatchResult {
			let params = Self::params()?;
			ensure!(!Commitments::<T>::contains_key(commitment), Error::<T>::CommitmentExists);
			T::Currency::hold(&HoldReason::Commitment.into(), &who, params.commitment_deposit)?;
			let at = frame_system::Pallet::<T>::block_number();
			Commitments::<T>::insert(
				commitment,
				Commitment { who: who.clone(), at, deposit: params.commitment_deposit },
			);
			Self::deposit_event(Event::Committed { commitment, who });
			Ok(())
		}

		fn do_clear_commitment(commitment: H256) -> DispatchResult {
			let params = Self::params()?;
			let c = Commitments::<T>::get(commitment).ok_or(Error::<T>::CommitmentNotFound)?;
			let now = frame_system::Pallet::<T>::block_number();
			ensure!(
				now.saturating_sub(c.at) > params.max_commitment_age,
				Error::<T>::CommitmentNotStale
			);
			Self::take_commitment(commitment, c)?;
			Self::deposit_event(Event::CommitmentCleared { commitment });
			Ok(())
		}

		fn take_commitment(
			commitment: H256,
			c: Commitment<T::AccountId, BalanceOf<T>, BlockNumberFor<T>>,
		) -> DispatchResult {
			Commitments::<T>::remove(commitment);
			T::Currency::release(
				&HoldReason::Commitment.into(),
				&c.who,
				c.deposit,
				Precision::BestEffort,
			)?;
			Ok(())
		}

		/// The storage deposit for an entry of `bytes` stored bytes.
		pub(crate) fn deposit_for(params: &ParamsOf<T>, bytes: usize) -> BalanceOf<T> {
			let bytes: BalanceOf<T> = (bytes as u32).into();
			params.deposit_base.saturating_add(params.deposit_per_byte.saturating_mul(bytes))
		}

		/// Bytes a name entry stores: the key, and the entry itself.
		pub(crate) fn entry_bytes(name: &[u8]) -> usize {
			name.len() + NameInfoOf::<T>::max_encoded_len()
		}

		/// Rent for `periods` periods of the second-level label of `name`.
		pub(crate) fn rent_for(
			params: &ParamsOf<T>,
			name: &[u8],
			periods: u32,
		) -> Result<BalanceOf<T>, DispatchError> {
			let tier = match rule::label_chars(rule::first_label(name)) {
				0..=3 => 0,
				4 => 1,
				_ => 2,
			};
			params.rent[tier]
				.checked_mul(&periods.into())
				.ok_or_else(|| Error::<T>::Overflow.into())
		}

		/// Splits rent between burning and the reward pot, taking it from `payer`.
		pub(crate) fn pay_rent(
			params: &ParamsOf<T>,
			payer: &T::AccountId,
			amount: BalanceOf<T>,
		) -> DispatchResult {
			if amount.is_zero() {
				return Ok(());
			}
			let burned = params.burn.mul_floor(amount);
			let to_pot = amount.saturating_sub(burned);
			// Check the whole amount first, so that nothing moves if the payer cannot pay it all.
			let spendable =
				T::Currency::reducible_balance(payer, Preservation::Preserve, Fortitude::Polite);
			ensure!(spendable >= amount, sp_runtime::TokenError::FundsUnavailable);
			if !to_pot.is_zero() {
				T::Currency::transfer(payer, &Self::reward_pot(), to_pot, Preservation::Preserve)?;
			}
			if !burned.is_zero() {
				T::Currency::burn_from(
					payer,
					burned,
					Preservation::Preserve,
					Precision::Exact,
					Fortitude::Polite,
				)?;
			}
			Ok(())
		}

		/// Number of blocks `periods` periods last, checked.
		pub(crate) fn periods_len(
			params: &ParamsOf<T>,
			periods: u32,
		) -> Result<BlockNumberFor<T>, DispatchError> {
			params.period.checked_mul(&periods.into()).ok_or_else(|| Error::<T>::Overflow.into())
		}

		fn do_register(
			payer: T::AccountId,
			name: Name,
			owner: T::AccountId,
			secret: [u8; 32],
			periods: u32,
		) -> Result<bool, DispatchError> {
			rule::validate_registrable(&name).map_err(Error::<T>::from)?;
			let params = Self::params()?;
			ensure!((1..=params.max_periods).contains(&periods), Error::<T>::InvalidPeriods);
			let now = frame_system::Pallet::<T>::block_number();

			let commitment = Self::commitment_of(&name, &owner, &secret);
			let c = Commitments::<T>::get(commitment).ok_or(Error::<T>::CommitmentNotFound)?;
			let age = now.saturating_sub(c.at);
			ensure!(age >= params.min_commitment_age, Error::<T>::CommitmentTooNew);
			ensure!(age <= params.max_commitment_age, Error::<T>::CommitmentTooOld);

			let (previous, premium) = match Names::<T>::get(&name) {
				None => (None, Zero::zero()),
				Some(info) => match Self::state_of(&info, now, &params) {
					Lifecycle::Active | Lifecycle::Grace => {
						return Err(Error::<T>::NameTaken.into())
					},
					Lifecycle::Premium => {
						let premium = Self::premium_at(&info, now, &params);
						(Some(info), premium)
					},
					Lifecycle::Free => (Some(info), Zero::zero()),
				},
			};

			let rent = Self::rent_for(&params, &name, periods)?;
			let total = rent.checked_add(&premium).ok_or(Error::<T>::Overflow)?;
			let deposit = Self::deposit_for(&params, Self::entry_bytes(&name));
			let expires_at = now
				.checked_add(&Self::periods_len(&params, periods)?)
				.ok_or(Error::<T>::Overflow)?;

			// Everything that can fail on funds happens before any state changes, and the call
			// is transactional: a failure changes nothing.
			Self::pay_rent(&params, &payer, total)?;
			T::Currency::hold(&HoldReason::NameDeposit.into(), &payer, deposit)?;
			Self::take_commitment(commitment, c)?;

			let evicted = previous.is_some();
			let epoch = match previous {
				Some(old) => {
					let next = old.epoch.saturating_add(1);
					Self::evict(&name, old)?;
					next
				},
				None => 0,
			};
			let term = Self::new_term(now);

			let info = NameInfo {
				owner: owner.clone(),
				tenure: Tenure::Registered { expires_at },
				node_key: None,
				epoch,
				term,
				registered_at: now,
				depositor: payer.clone(),
				deposit,
				children: 0,
				phase: Lifecycle::Active,
				wake_at: expires_at,
			};
			Names::<T>::insert(&name, info);
			OwnedNames::<T>::insert(&owner, &name, ());
			Timeline::<T>::insert(expires_at, &name, ());
			Self::deposit_event(Event::Registered {
				name,
				owner,
				payer,
				expires_at,
				rent,
				premium,
			});
			Ok(evicted)
		}

		fn do_renew(payer: T::AccountId, name: Name, periods: u32) -> DispatchResult {
			let params = Self::params()?;
			let mut info = Names::<T>::get(&name).ok_or(Error::<T>::NameNotFound)?;
			let Tenure::Registered { expires_at } = info.tenure else {
				return Err(Error::<T>::WrongTenure.into());
			};
			let now = frame_system::Pallet::<T>::block_number();
			match Self::state_of(&info, now, &params) {
				Lifecycle::Active => {},
				Lifecycle::Grace => ensure!(payer == info.owner, Error::<T>::NotOwner),
				Lifecycle::Premium | Lifecycle::Free => return Err(Error::<T>::PastGrace.into()),
			}
			ensure!(periods >= 1, Error::<T>::InvalidPeriods);
			let new_expiry = expires_at
				.checked_add(&Self::periods_len(&params, periods)?)
				.ok_or(Error::<T>::Overflow)?;
			let horizon = now
				.checked_add(&Self::periods_len(&params, params.max_periods)?)
				.ok_or(Error::<T>::Overflow)?;
			ensure!(new_expiry <= horizon, Error::<T>::InvalidPeriods);
			// A renewal out of grace must bring the name back to Active.
			ensure!(new_expiry > now, Error::<T>::InvalidPeriods);

			let rent = Self::rent_for(&params, &name, periods)?;
			Self::pay_rent(&params, &payer, rent)?;

			Timeline::<T>::remove(info.wake_at, &name);
			info.tenure = Tenure::Registered { expires_at: new_expiry };
			info.phase = Lifecycle::Active;
			info.wake_at = new_expiry;
			Timeline::<T>::insert(new_expiry, &name, ());
			Names::<T>::insert(&name, info);
			Self::deposit_event(Event::Renewed { name, payer, expires_at: new_expiry, rent });
			Ok(())
		}

		/// The entry of an Active name owned by `who`.
		fn owned_active(who: &T::AccountId, name: &Name) -> Result<NameInfoOf<T>, DispatchError> {
			let info = Names::<T>::get(name).ok_or(Error::<T>::NameNotFound)?;
			ensure!(&info.owner == who, Error::<T>::NotOwner);
			ensure!(Self::lifecycle(name, &info) == Lifecycle::Active, Error::<T>::NotActive);
			Ok(info)
		}

		fn do_transfer(who: T::AccountId, name: Name, to: T::AccountId) -> DispatchResult {
			let mut info = Self::owned_active(&who, &name)?;
			ensure!(who != to, Error::<T>::AlreadyOwner);
			OwnedNames::<T>::remove(&who, &name);
			OwnedNames::<T>::insert(&to, &name, ());
			if Primary::<T>::get(&who).as_ref() == Some(&name) {
				Primary::<T>::remove(&who);
			}
			info.owner = to.clone();
			// The old owner holds the node key's secret: the new owner sets a key of their own.
			info.node_key = None;
			info.epoch = info.epoch.saturating_add(1);
			Names::<T>::insert(&name, info);
			Self::deposit_event(Event::Transferred { name, from: who, to });
			Ok(())
		}

		fn do_release(who: T::AccountId, name: Name) -> DispatchResult {
			let info = Names::<T>::get(&name).ok_or(Error::<T>::NameNotFound)?;
			ensure!(info.owner == who, Error::<T>::NotOwner);
			Self::evict(&name, info)?;
			Self::deposit_event(Event::Freed { name });
			Ok(())
		}

		fn do_set_node_key(who: T::AccountId, name: Name, key: Option<NodeKey>) -> DispatchResult {
			let mut info = Self::owned_active(&who, &name)?;
			info.node_key = key;
			info.epoch = info.epoch.saturating_add(1);
			let epoch = info.epoch;
			Names::<T>::insert(&name, info);
			Self::deposit_event(Event::NodeKeySet { name, node_key: key, epoch });
			Ok(())
		}

		fn do_set_records(who: T::AccountId, name: Name, records: RecordSet) -> DispatchResult {
			Self::owned_active(&who, &name)?;
			record::validate_set(&records).map_err(Error::<T>::from)?;
			let params = Self::params()?;
			let count = records.len() as u32;
			// Release the old deposit, then hold the new one: both on success, neither on error.
			if let Some(old) = Records::<T>::take(&name) {
				T::Currency::release(
					&HoldReason::NameDeposit.into(),
					&old.depositor,
					old.deposit,
					Precision::BestEffort,
				)?;
			}
			if !records.is_empty() {
				let bytes = name.len() + records.encoded_size();
				let deposit = Self::deposit_for(&params, bytes);
				T::Currency::hold(&HoldReason::NameDeposit.into(), &who, deposit)?;
				Records::<T>::insert(&name, RecordsInfo { records, depositor: who, deposit });
			}
			Self::deposit_event(Event::RecordsSet { name, count });
			Ok(())
		}

		fn do_create_subdomain(
			who: T::AccountId,
			parent: Name,
			label: LabelOf,
			owner: T::AccountId,
		) -> DispatchResult {
			let mut parent_info = Self::owned_active(&who, &parent)?;
			// One label: a dot would skip a level of the tree.
			ensure!(!label.contains(&b'.'), Error::<T>::InvalidCharacter);
			let mut full = label.into_inner();
			full.push(b'.');
			full.extend_from_slice(&parent);
			rule::validate(&full).map_err(Error::<T>::from)?;
			ensure!(rule::depth(&full) <= MAX_DEPTH, Error::<T>::TooDeep);
			let name: Name = full.try_into().map_err(|_| Error::<T>::NameTooLong)?;
			ensure!(parent_info.children < T::MaxSubdomains::get(), Error::<T>::TooManySubdomains);
			if let Some(existing) = Names::<T>::get(&name) {
				// A child of an earlier term of the parent is dead: clear it out of the way.
				ensure!(!Self::is_live_child(&existing, &parent_info), Error::<T>::NameTaken);
				Self::evict(&name, existing)?;
				parent_info = Names::<T>::get(&parent).ok_or(Error::<T>::NameNotFound)?;
			}
			let params = Self::params()?;
			let deposit = Self::deposit_for(&params, Self::entry_bytes(&name));
			T::Currency::hold(&HoldReason::NameDeposit.into(), &who, deposit)?;
			let now = frame_system::Pallet::<T>::block_number();
			let info = NameInfo {
				owner: owner.clone(),
				tenure: Tenure::Sub { parent_term: parent_info.term, locked: false },
				node_key: None,
				epoch: 0,
				term: Self::new_term(now),
				registered_at: now,
				depositor: who,
				deposit,
				children: 0,
				phase: Lifecycle::Active,
				wake_at: Zero::zero(),
			};
			parent_info.children = parent_info.children.saturating_add(1);
			Names::<T>::insert(&parent, parent_info);
			Names::<T>::insert(&name, info);
			Subdomains::<T>::insert(&parent, &name, ());
			OwnedNames::<T>::insert(&owner, &name, ());
			Self::deposit_event(Event::SubdomainCreated { name, parent, owner });
			Ok(())
		}

		/// The entry of a subdomain whose parent is Active and owned by `who`.
		fn child_of_owner(who: &T::AccountId, name: &Name) -> Result<NameInfoOf<T>, DispatchError> {
			let info = Names::<T>::get(name).ok_or(Error::<T>::NameNotFound)?;
			ensure!(matches!(info.tenure, Tenure::Sub { .. }), Error::<T>::WrongTenure);
			let parent = Self::parent_name(name).ok_or(Error::<T>::WrongTenure)?;
			Self::owned_active(who, &parent)?;
			ensure!(Self::lifecycle(name, &info) == Lifecycle::Active, Error::<T>::NotActive);
			Ok(info)
		}

		fn do_take_back(who: T::AccountId, name: Name) -> DispatchResult {
			let mut info = Self::child_of_owner(&who, &name)?;
			let Tenure::Sub { locked, .. } = info.tenure else {
				return Err(Error::<T>::WrongTenure.into());
			};
			ensure!(!locked, Error::<T>::SubdomainLocked);
			let from = info.owner.clone();
			if from != who {
				OwnedNames::<T>::remove(&from, &name);
				OwnedNames::<T>::insert(&who, &name, ());
			}
			info.owner = who;
			info.node_key = None;
			info.epoch = info.epoch.saturating_add(1);
			Names::<T>::insert(&name, info);
			Self::deposit_event(Event::SubdomainTakenBack { name, from });
			Ok(())
		}

		fn do_lock(who: T::AccountId, name: Name) -> DispatchResult {
			let mut info = Self::child_of_owner(&who, &name)?;
			if let Tenure::Sub { parent_term, .. } = info.tenure {
				info.tenure = Tenure::Sub { parent_term, locked: true };
			}
			Names::<T>::insert(&name, info);
			Self::deposit_event(Event::SubdomainLocked { name });
			Ok(())
		}

		fn do_set_primary(who: T::AccountId, name: Option<Name>) -> DispatchResult {
			match &name {
				Some(n) => {
					Self::owned_active(&who, n)?;
					Primary::<T>::insert(&who, n);
				},
				None => Primary::<T>::remove(&who),
			}
			Self::deposit_event(Event::PrimarySet { who, name });
			Ok(())
		}
	}
}
