//! # ddns operators
//!
//! Seeds, relays and resolver daemons, bonded, probed by the validators, and paid per era from
//! the registry's reward pot.
//!
//! - **Services.** An account registers a service of a [`ServiceKind`] with its libp2p
//!   identity (an ed25519 key), one literal global address and a bond held from its balance.
//!   The service key signs [`ddns_primitives::operator::registration_payload`] (the chain's
//!   genesis hash, the kind and the account), so nobody can register a service they do not
//!   run. One service per kind per IPv4 address or IPv6 /64, at most `max_per_kind` per kind.
//!   A service takes part from the next era.
//! - **Rounds.** An era is `rounds_per_era` rounds of `round_length` blocks. In each round
//!   every validator probes every active service; when the round has ended it submits one
//!   signed, fee-free [`Pallet::report`] (authorized by its probe session key) during the next
//!   round. The round is then tallied: it counts when at least two thirds of the validators
//!   reported; a service is up in it when more than half of the counted reports (a validator's
//!   report on its own service is not counted) say up and no more than a third say `wrong`
//!   (the "none says wrong" would let one validator take every service down).
//! - **Eras.** When an era's last round is tallied the era closes: a service below
//!   `min_score` earns nothing and gets a strike (`max_strikes` in a row suspend it);
//!   the others are due `rate × up / counted`. The budget is
//!   `min(cap, pot_share × (pot above its minimum and what it still owes)) + emission`; each kind
//!   gets its share of it, and when a kind's dues exceed its share they are all scaled down
//!   alike. The pot keeps what the era promised until it is claimed ([`Pallet::claim`], by
//!   anyone, once per service and era) or the era leaves the `HistoryDepth` window.
//! - **Leaving.** `unbond` stops a service at once and releases its bond `unbonding_eras` later
//!   (`withdraw`). Root may slash a bond into the pot (a `wrong` answer is the evidence); a
//!   slashed service is suspended.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
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

/// The key type of the validators' probe keys (a session key).
pub const KEY_TYPE: sp_core::crypto::KeyTypeId = sp_core::crypto::KeyTypeId(*b"ddpr");

/// The validators' probe keys: sr25519, of [`KEY_TYPE`].
pub mod crypto {
	mod app {
		use sp_application_crypto::{app_crypto, sr25519};
		app_crypto!(sr25519, crate::KEY_TYPE);
	}
	sp_application_crypto::with_pair! {
		/// A probe key pair (in the node's keystore).
		pub type ProberPair = app::Pair;
	}
	/// A probe key's signature.
	pub type ProberSignature = app::Signature;
	/// A probe key.
	pub type ProberId = app::Public;
}

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use alloc::vec::Vec;
	use ddns_primitives::operator::{registration_payload, ServiceAddr};
	use frame_support::{
		pallet_prelude::*,
		traits::{
			fungible::{Inspect, Mutate, MutateHold},
			tokens::{Fortitude, Precision, Preservation, Restriction},
			BuildGenesisConfig,
		},
	};
	use frame_system::pallet_prelude::*;
	use sp_runtime::{
		traits::{Saturating, Zero},
		Perbill, RuntimeAppPublic,
	};

	/// Balance of the operators' currency.
	pub type BalanceOf<T> =
		<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;
	pub type ParamsOf<T> = Params<BalanceOf<T>>;
	pub type ServiceOf<T> = Service<<T as frame_system::Config>::AccountId, BalanceOf<T>>;
	pub type ScoreOf<T> = Score<<T as frame_system::Config>::AccountId, BalanceOf<T>>;
	pub type RoundOf<T> = RoundRef<BlockNumberFor<T>>;
	pub type ReportOf<T> = Report<<T as Config>::ProberId, MaxServicesOf<T>>;
	pub type SignatureOf<T> = <<T as Config>::ProberId as RuntimeAppPublic>::Signature;

	/// Most services of all kinds: three times `MaxServicesPerKind`.
	pub struct MaxServicesOf<T>(PhantomData<T>);
	impl<T: Config> Get<u32> for MaxServicesOf<T> {
		fn get() -> u32 {
			T::MaxServicesPerKind::get().saturating_mul(3)
		}
	}

	const STORAGE_VERSION: StorageVersion = StorageVersion::new(1);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config:
		frame_system::Config + frame_system::offchain::CreateAuthorizedTransaction<Call<Self>>
	{
		/// The token bonds are held in and rewards paid in.
		type Currency: Mutate<Self::AccountId>
			+ MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;

		/// The overarching hold reason.
		type RuntimeHoldReason: From<HoldReason>;

		/// A validator's probe key (a session key).
		type ProberId: Member
			+ Parameter
			+ RuntimeAppPublic
			+ Ord
			+ MaxEncodedLen
			+ DecodeWithMemTracking;

		/// The reward pot rewards are paid from (the registry's).
		type Pot: Get<Self::AccountId>;

		/// Who may change the parameters.
		type ParamsOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Who may slash a bond.
		type SlashOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// The hard bound on services of one kind (`max_per_kind` may not exceed it).
		#[pallet::constant]
		type MaxServicesPerKind: Get<u32>;

		/// Most validators probing at once.
		#[pallet::constant]
		type MaxProbers: Get<u32>;

		/// Eras a closed era's earnings may be claimed for; older ones are forgotten.
		#[pallet::constant]
		type HistoryDepth: Get<u32>;

		/// Weights of the calls and the hooks, from the benchmarks.
		type WeightInfo: WeightInfo;
	}

	/// Why the pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// A service's bond.
		ServiceBond,
	}

	/// The parameters; without them no round runs and nothing can be registered.
	#[pallet::storage]
	pub type OperatorParams<T: Config> = StorageValue<_, ParamsOf<T>, OptionQuery>;

	/// The next service's id.
	#[pallet::storage]
	pub type NextServiceId<T: Config> = StorageValue<_, ServiceId, ValueQuery>;

	/// Every service, until it is withdrawn.
	#[pallet::storage]
	pub type Services<T: Config> = StorageMap<_, Twox64Concat, ServiceId, ServiceOf<T>>;

	/// Services of each kind, withdrawn ones excepted.
	#[pallet::storage]
	pub type ServiceCount<T: Config> = StorageMap<_, Twox64Concat, ServiceKind, u32, ValueQuery>;

	/// The service of a kind at a host (unbonding ones have left theirs).
	#[pallet::storage]
	pub type Hosts<T: Config> =
		StorageDoubleMap<_, Twox64Concat, ServiceKind, Blake2_128Concat, HostKey, ServiceId>;

	/// The service of a kind with a libp2p identity (unbonding ones have left theirs).
	#[pallet::storage]
	pub type Peers<T: Config> =
		StorageDoubleMap<_, Twox64Concat, ServiceKind, Blake2_128Concat, PeerKey, ServiceId>;

	/// The validators that probe, with their probe keys, as of the current session.
	#[pallet::storage]
	pub type Probers<T: Config> =
		StorageValue<_, BoundedVec<(T::AccountId, T::ProberId), T::MaxProbers>, ValueQuery>;

	/// The round in progress.
	#[pallet::storage]
	pub type CurrentRound<T: Config> = StorageValue<_, RoundOf<T>, OptionQuery>;

	/// The round that just ended: reports are taken for it until the current round ends.
	#[pallet::storage]
	pub type PreviousRound<T: Config> = StorageValue<_, RoundOf<T>, OptionQuery>;

	/// The reports of the previous round, by reporting validator, until it is tallied.
	#[pallet::storage]
	pub type Reports<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		(EraIndex, u32),
		Blake2_128Concat,
		T::AccountId,
		BoundedVec<(ServiceId, Verdict), MaxServicesOf<T>>,
	>;

	/// How each tallied round went, by era and round.
	#[pallet::storage]
	pub type Rounds<T: Config> =
		StorageDoubleMap<_, Twox64Concat, EraIndex, Twox64Concat, u32, RoundLog>;

	/// Each service's tally and earnings, by era (only services probed in a counted round).
	#[pallet::storage]
	pub type Scores<T: Config> =
		StorageDoubleMap<_, Twox64Concat, EraIndex, Twox64Concat, ServiceId, ScoreOf<T>>;

	/// Each era's budget and payouts, for the `HistoryDepth` window.
	#[pallet::storage]
	pub type Eras<T: Config> = StorageMap<_, Twox64Concat, EraIndex, EraSummary<BalanceOf<T>>>;

	/// What closed eras promised and nobody has claimed yet: the pot keeps it.
	#[pallet::storage]
	pub type Owed<T: Config> = StorageValue<_, BalanceOf<T>, ValueQuery>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// The parameters from the first block.
		pub params: Option<ParamsOf<T>>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			if let Some(params) = &self.params {
				assert!(Pallet::<T>::params_valid(params), "invalid operators params in genesis");
				OperatorParams::<T>::put(params);
			}
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A service was registered; it is probed from era `active_from`.
		ServiceRegistered {
			id: ServiceId,
			owner: T::AccountId,
			kind: ServiceKind,
			active_from: EraIndex,
		},
		/// A service's address changed.
		AddressChanged { id: ServiceId, addr: AddrOf },
		/// A service stopped; its bond is released from era `until`.
		Unbonding { id: ServiceId, until: EraIndex },
		/// A service's bond was released and the service removed.
		Withdrawn { id: ServiceId, bond: BalanceOf<T> },
		/// A suspended service takes part again from era `active_from`.
		Resumed { id: ServiceId, active_from: EraIndex },
		/// A service scored below the minimum in an era.
		Struck { id: ServiceId, era: EraIndex, strikes: u8 },
		/// A service was suspended (too many strikes, or slashed).
		Suspended { id: ServiceId },
		/// Part of a bond went to the pot.
		Slashed { id: ServiceId, amount: BalanceOf<T> },
		/// A validator reported a round.
		Reported { prober: T::AccountId, era: EraIndex, round: u32 },
		/// A round had enough reports and was counted.
		RoundCounted { era: EraIndex, round: u32, reporters: u32, probers: u32 },
		/// A round had too few reports: it does not count for anyone.
		RoundVoided { era: EraIndex, round: u32, reporters: u32, probers: u32 },
		/// An era began.
		EraStarted { era: EraIndex, rounds: u32 },
		/// An era closed and its budget was fixed.
		EraClosed { era: EraIndex, budget: BalanceOf<T>, promised: BalanceOf<T> },
		/// A service was paid for an era.
		Paid { id: ServiceId, era: EraIndex, payee: T::AccountId, amount: BalanceOf<T> },
		/// An era left the window; what it promised and nobody claimed stays in the pot.
		EraExpired { era: EraIndex, unclaimed: BalanceOf<T> },
		/// The parameters changed.
		ParamsSet,
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The pallet has no parameters yet.
		NotConfigured,
		/// The parameters are inconsistent.
		InvalidParams,
		/// The address is not `/ip4|ip6/IP/tcp/PORT` or `/ip4|ip6/IP/udp/PORT/quic-v1`.
		BadAddress,
		/// The address is not in its canonical spelling.
		NonCanonicalAddress,
		/// The address is not reachable from the internet (private, loopback, ...).
		PrivateAddress,
		/// Port 0.
		BadPort,
		/// A service of this kind is already registered at this IPv4 address or IPv6 /64.
		HostTaken,
		/// A service of this kind with this libp2p identity is already registered.
		PeerTaken,
		/// The kind has its maximum number of services.
		TooManyServices,
		/// The service key's signature over the registration payload is not valid.
		BadServiceSignature,
		/// No such service.
		UnknownService,
		/// The caller does not own the service.
		NotOwner,
		/// The service is unbonding.
		Unbonding,
		/// The service is not suspended.
		NotSuspended,
		/// The service is not unbonding.
		NotUnbonding,
		/// The unbonding delay has not passed.
		StillBonded,
		/// The report is not for the round that just ended.
		WrongRound,
		/// The reporter is not a probing validator.
		NotProber,
		/// The validator already reported this round.
		AlreadyReported,
		/// A report's results are not in strictly increasing service order.
		UnsortedResults,
		/// The report's signature is not valid.
		BadReportSignature,
		/// The era is not closed yet.
		EraNotClosed,
		/// The era left the claim window (or never was).
		EraOutOfWindow,
		/// The service was not probed in a counted round of that era.
		NoScore,
		/// The service was already paid for that era.
		AlreadyPaid,
		/// The service earned nothing that era.
		NothingDue,
		/// The service key is an Ed25519 point of small order, for which anyone can make a
		/// signature that verifies: it proves nothing, and anyone could pass as the service.
		WeakServiceKey,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(n: BlockNumberFor<T>) -> Weight {
			Self::advance(n)
		}

		/// On a validator: submits its report for the round that just ended, from the results
		/// its probing daemon left in the node's persistent offchain storage
		/// ([`crate::offchain::RESULTS_KEY`]), signed with its probe key.
		fn offchain_worker(n: BlockNumberFor<T>) {
			crate::offchain::submit_report::<T>(n);
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			crate::try_state::check::<T>()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Registers a service of `kind` with the libp2p identity `peer` at `addr`, holding the
		/// bond. `signature` is the service key's over
		/// [`registration_payload`]`(genesis hash, kind, caller)`. The service is probed from the
		/// next era.
		///
		/// Emits `ServiceRegistered`. Errors: `NotConfigured`, `BadAddress`,
		/// `NonCanonicalAddress`, `PrivateAddress`, `BadPort`, `TooManyServices`, `HostTaken`,
		/// `PeerTaken`, `WeakServiceKey`, `BadServiceSignature`, and the currency's if the bond
		/// cannot be held.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::register_service())]
		pub fn register_service(
			origin: OriginFor<T>,
			kind: ServiceKind,
			peer: PeerKey,
			addr: AddrOf,
			signature: [u8; 64],
		) -> DispatchResult {
			let owner = ensure_signed(origin)?;
			ensure!(!ddns_primitives::endpoint::is_weak_key(&peer), Error::<T>::WeakServiceKey);
			let params = Self::params()?;
			let host = Self::check_addr(&addr, &params)?;
			ensure!(
				ServiceCount::<T>::get(kind)
					< params.max_per_kind.min(T::MaxServicesPerKind::get()),
				Error::<T>::TooManyServices
			);
			ensure!(!Hosts::<T>::contains_key(kind, host), Error::<T>::HostTaken);
			ensure!(!Peers::<T>::contains_key(kind, peer), Error::<T>::PeerTaken);
			let payload = registration_payload(&Self::genesis(), kind, &owner.encode());
			ensure!(
				sp_io::crypto::ed25519_verify(
					&sp_core::ed25519::Signature::from_raw(signature),
					&payload,
					&sp_core::ed25519::Public::from_raw(peer),
				),
				Error::<T>::BadServiceSignature
			);
			T::Currency::hold(&HoldReason::ServiceBond.into(), &owner, params.bond)?;
			let id = NextServiceId::<T>::mutate(|next| {
				let id = *next;
				*next = next.saturating_add(1);
				id
			});
			let active_from = Self::current_era().saturating_add(1);
			Services::<T>::insert(
				id,
				Service {
					owner: owner.clone(),
					kind,
					peer,
					addr,
					host,
					bond: params.bond,
					status: Status::Active,
					active_from,
					strikes: 0,
				},
			);
			ServiceCount::<T>::mutate(kind, |n| *n = n.saturating_add(1));
			Hosts::<T>::insert(kind, host, id);
			Peers::<T>::insert(kind, peer, id);
			Self::deposit_event(Event::ServiceRegistered { id, owner, kind, active_from });
			Ok(())
		}

		/// Moves a service to another address (probes use it from the next round).
		///
		/// Emits `AddressChanged`. Errors: `UnknownService`, `NotOwner`, `Unbonding`, the
		/// address errors of `register_service`, `HostTaken`.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::set_address())]
		pub fn set_address(origin: OriginFor<T>, id: ServiceId, addr: AddrOf) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let params = Self::params()?;
			let mut svc = Self::owned(id, &who)?;
			ensure!(!matches!(svc.status, Status::Unbonding { .. }), Error::<T>::Unbonding);
			let host = Self::check_addr(&addr, &params)?;
			if host != svc.host {
				ensure!(!Hosts::<T>::contains_key(svc.kind, host), Error::<T>::HostTaken);
				Hosts::<T>::remove(svc.kind, svc.host);
				Hosts::<T>::insert(svc.kind, host, id);
				svc.host = host;
			}
			svc.addr = addr.clone();
			Services::<T>::insert(id, svc);
			Self::deposit_event(Event::AddressChanged { id, addr });
			Ok(())
		}

		/// Stops a service at once (it earns nothing more, though what it earned in closed eras
		/// stays claimable) and releases its host and identity; the bond is released
		/// `unbonding_eras` after the current era (`withdraw`).
		///
		/// Emits `Unbonding`. Errors: `UnknownService`, `NotOwner`, `Unbonding`.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::unbond())]
		pub fn unbond(origin: OriginFor<T>, id: ServiceId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let params = Self::params()?;
			let mut svc = Self::owned(id, &who)?;
			ensure!(!matches!(svc.status, Status::Unbonding { .. }), Error::<T>::Unbonding);
			let until = Self::current_era().saturating_add(params.unbonding_eras).saturating_add(1);
			svc.status = Status::Unbonding { until };
			Hosts::<T>::remove(svc.kind, svc.host);
			Peers::<T>::remove(svc.kind, svc.peer);
			Services::<T>::insert(id, svc);
			Self::deposit_event(Event::Unbonding { id, until });
			Ok(())
		}

		/// Releases an unbonded service's bond and removes it.
		///
		/// Emits `Withdrawn`. Errors: `UnknownService`, `NotOwner`, `NotUnbonding`,
		/// `StillBonded`.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::withdraw())]
		pub fn withdraw(origin: OriginFor<T>, id: ServiceId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let svc = Self::owned(id, &who)?;
			let Status::Unbonding { until } = svc.status else {
				return Err(Error::<T>::NotUnbonding.into());
			};
			ensure!(Self::current_era() >= until, Error::<T>::StillBonded);
			let released = T::Currency::release(
				&HoldReason::ServiceBond.into(),
				&who,
				svc.bond,
				Precision::BestEffort,
			)?;
			Services::<T>::remove(id);
			ServiceCount::<T>::mutate(svc.kind, |n| *n = n.saturating_sub(1));
			Self::deposit_event(Event::Withdrawn { id, bond: released });
			Ok(())
		}

		/// Resumes a suspended service from the next era, its strikes cleared and its bond
		/// topped up to the current `bond`.
		///
		/// Emits `Resumed`. Errors: `UnknownService`, `NotOwner`, `NotSuspended`, `HostTaken`
		/// and `PeerTaken` (its host or identity was taken while it was suspended), and the
		/// currency's if the top-up cannot be held.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::resume())]
		pub fn resume(origin: OriginFor<T>, id: ServiceId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let params = Self::params()?;
			let mut svc = Self::owned(id, &who)?;
			ensure!(svc.status == Status::Suspended, Error::<T>::NotSuspended);
			// A suspended service left its host and identity; they must still be free.
			ensure!(!Hosts::<T>::contains_key(svc.kind, svc.host), Error::<T>::HostTaken);
			ensure!(!Peers::<T>::contains_key(svc.kind, svc.peer), Error::<T>::PeerTaken);
			if svc.bond < params.bond {
				T::Currency::hold(&HoldReason::ServiceBond.into(), &who, params.bond - svc.bond)?;
				svc.bond = params.bond;
			}
			let active_from = Self::current_era().saturating_add(1);
			svc.status = Status::Active;
			svc.strikes = 0;
			svc.active_from = active_from;
			Hosts::<T>::insert(svc.kind, svc.host, id);
			Peers::<T>::insert(svc.kind, svc.peer, id);
			Services::<T>::insert(id, svc);
			Self::deposit_event(Event::Resumed { id, active_from });
			Ok(())
		}

		/// A validator's account of the round that just ended, signed with its probe key.
		/// Fee-free: authorized by the signature, one per validator per round.
		///
		/// Emits `Reported`. Errors: `WrongRound`, `NotProber`, `AlreadyReported`,
		/// `UnsortedResults`, `BadReportSignature`.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::report(report.results.len() as u32))]
		#[pallet::authorize(|_source, report, signature| {
			let prober = Pallet::<T>::check_report(report, signature)
				.map_err(|e| TransactionValidityError::Invalid(e.into()))?;
			let longevity = Pallet::<T>::report_longevity();
			let valid = ValidTransaction::with_tag_prefix("DdnsProbeReport")
				.priority(TransactionPriority::MAX / 2)
				.and_provides((report.era, report.round, prober))
				.longevity(longevity)
				.propagate(true)
				.build()?;
			Ok((valid, Weight::zero()))
		})]
		#[pallet::weight_of_authorize(T::WeightInfo::authorize_report(MaxServicesOf::<T>::get()))]
		pub fn report(
			origin: OriginFor<T>,
			report: ReportOf<T>,
			signature: SignatureOf<T>,
		) -> DispatchResult {
			ensure_authorized(origin)?;
			let prober = Self::check_report(&report, &signature).map_err(Error::<T>::from)?;
			Reports::<T>::insert((report.era, report.round), &prober, report.results);
			Self::deposit_event(Event::Reported { prober, era: report.era, round: report.round });
			Ok(())
		}

		/// Pays `id` what it earned in the closed era `era` (anyone may call; once per service
		/// and era, within `HistoryDepth` eras).
		///
		/// Emits `Paid`. Errors: `EraOutOfWindow`, `EraNotClosed`, `NoScore`, `AlreadyPaid`,
		/// `NothingDue`.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::claim())]
		pub fn claim(origin: OriginFor<T>, id: ServiceId, era: EraIndex) -> DispatchResult {
			ensure_signed(origin)?;
			let mut summary = Eras::<T>::get(era).ok_or(Error::<T>::EraOutOfWindow)?;
			ensure!(summary.settled, Error::<T>::EraNotClosed);
			let mut score = Scores::<T>::get(era, id).ok_or(Error::<T>::NoScore)?;
			ensure!(!score.paid, Error::<T>::AlreadyPaid);
			let left = summary.promised.saturating_sub(summary.paid);
			let amount = Self::payout(&summary, &score).min(left);
			ensure!(!amount.is_zero(), Error::<T>::NothingDue);
			T::Currency::transfer(&T::Pot::get(), &score.payee, amount, Preservation::Preserve)?;
			score.paid = true;
			summary.paid = summary.paid.saturating_add(amount);
			Owed::<T>::mutate(|o| *o = o.saturating_sub(amount));
			let payee = score.payee.clone();
			Scores::<T>::insert(era, id, score);
			Eras::<T>::insert(era, summary);
			Self::deposit_event(Event::Paid { id, era, payee, amount });
			Ok(())
		}

		/// Moves up to `amount` of a service's bond to the pot and suspends it (for fraud; a
		/// `wrong` answer is the evidence).
		///
		/// Emits `Slashed`, and `Suspended` if it was active. Errors: `UnknownService`.
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::slash())]
		pub fn slash(origin: OriginFor<T>, id: ServiceId, amount: BalanceOf<T>) -> DispatchResult {
			T::SlashOrigin::ensure_origin(origin)?;
			let mut svc = Services::<T>::get(id).ok_or(Error::<T>::UnknownService)?;
			let moved = T::Currency::transfer_on_hold(
				&HoldReason::ServiceBond.into(),
				&svc.owner,
				&T::Pot::get(),
				amount.min(svc.bond),
				Precision::BestEffort,
				Restriction::Free,
				Fortitude::Force,
			)?;
			svc.bond = svc.bond.saturating_sub(moved);
			Self::deposit_event(Event::Slashed { id, amount: moved });
			if svc.status == Status::Active {
				Self::suspend(id, &mut svc);
			}
			Services::<T>::insert(id, svc);
			Ok(())
		}

		/// Sets the parameters. A change of `rounds_per_era` applies from the next era; of
		/// `round_length`, from the next round.
		///
		/// Emits `ParamsSet`. Errors: `InvalidParams`.
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::set_params())]
		pub fn set_params(origin: OriginFor<T>, params: ParamsOf<T>) -> DispatchResult {
			T::ParamsOrigin::ensure_origin(origin)?;
			ensure!(Self::params_valid(&params), Error::<T>::InvalidParams);
			OperatorParams::<T>::put(params);
			Self::deposit_event(Event::ParamsSet);
			Ok(())
		}
	}

	/// Why a report is refused; also the reason its transaction is invalid.
	#[derive(Clone, Copy, PartialEq, Eq, Debug)]
	pub enum ReportError {
		WrongRound,
		NotProber,
		AlreadyReported,
		UnsortedResults,
		BadSignature,
	}

	impl From<ReportError> for InvalidTransaction {
		fn from(e: ReportError) -> Self {
			match e {
				ReportError::WrongRound | ReportError::AlreadyReported => InvalidTransaction::Stale,
				ReportError::NotProber | ReportError::BadSignature => InvalidTransaction::BadProof,
				ReportError::UnsortedResults => InvalidTransaction::Call,
			}
		}
	}

	impl<T> From<ReportError> for Error<T> {
		fn from(e: ReportError) -> Self {
			match e {
				ReportError::WrongRound => Error::WrongRound,
				ReportError::NotProber => Error::NotProber,
				ReportError::AlreadyReported => Error::AlreadyReported,
				ReportError::UnsortedResults => Error::UnsortedResults,
				ReportError::BadSignature => Error::BadReportSignature,
			}
		}
	}

	impl<T: Config> Pallet<T> {
		/// The parameters, or `NotConfigured`.
		pub fn params() -> Result<ParamsOf<T>, Error<T>> {
			OperatorParams::<T>::get().ok_or(Error::<T>::NotConfigured)
		}

		/// Whether `p` is consistent.
		pub fn params_valid(p: &ParamsOf<T>) -> bool {
			let shares = p.shares.iter().map(|s| s.deconstruct() as u64).sum::<u64>();
			p.round_length >= 1
				&& (1..=MAX_ROUNDS_PER_ERA).contains(&p.rounds_per_era)
				&& p.max_per_kind <= T::MaxServicesPerKind::get()
				&& shares <= Perbill::one().deconstruct() as u64
				&& p.max_strikes >= 1
				&& !p.bond.is_zero()
		}

		/// The era in progress (0 before the first round).
		pub fn current_era() -> EraIndex {
			CurrentRound::<T>::get().map_or(0, |r| r.era)
		}

		/// What a report's signature covers: the context, the genesis hash and the report.
		pub fn report_payload(report: &ReportOf<T>) -> Vec<u8> {
			(REPORT_CONTEXT, Self::genesis(), report).encode()
		}

		/// The reporting validator's account if `report` may be taken now.
		pub fn check_report(
			report: &ReportOf<T>,
			signature: &SignatureOf<T>,
		) -> Result<T::AccountId, ReportError> {
			let prev = PreviousRound::<T>::get().ok_or(ReportError::WrongRound)?;
			ensure!((prev.era, prev.round) == (report.era, report.round), ReportError::WrongRound);
			let prober = Probers::<T>::get()
				.into_iter()
				.find(|(_, key)| *key == report.prober)
				.map(|(account, _)| account)
				.ok_or(ReportError::NotProber)?;
			ensure!(
				!Reports::<T>::contains_key((report.era, report.round), &prober),
				ReportError::AlreadyReported
			);
			ensure!(
				report.results.windows(2).all(|w| w[0].0 < w[1].0),
				ReportError::UnsortedResults
			);
			ensure!(
				report.prober.verify(&Self::report_payload(report), signature),
				ReportError::BadSignature
			);
			Ok(prober)
		}

		/// Blocks left in which a report for the previous round may be included.
		fn report_longevity() -> u64 {
			let now = frame_system::Pallet::<T>::block_number();
			CurrentRound::<T>::get()
				.map(|r| r.end.saturating_sub(now))
				.and_then(|left| TryInto::<u64>::try_into(left).ok())
				.unwrap_or(1)
				.max(1)
		}

		/// The chain's genesis hash.
		pub(crate) fn genesis() -> [u8; 32] {
			let hash = frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero());
			let mut out = [0u8; 32];
			let bytes = hash.as_ref();
			let n = bytes.len().min(32);
			out[..n].copy_from_slice(&bytes[..n]);
			out
		}

		fn owned(id: ServiceId, who: &T::AccountId) -> Result<ServiceOf<T>, DispatchError> {
			let svc = Services::<T>::get(id).ok_or(Error::<T>::UnknownService)?;
			ensure!(svc.owner == *who, Error::<T>::NotOwner);
			Ok(svc)
		}

		fn check_addr(addr: &AddrOf, params: &ParamsOf<T>) -> Result<HostKey, Error<T>> {
			use ddns_primitives::operator::AddrError;
			ServiceAddr::parse(addr, params.allow_private).map(|a| a.host_key()).map_err(
				|e| match e {
					AddrError::Syntax => Error::<T>::BadAddress,
					AddrError::NotCanonical => Error::<T>::NonCanonicalAddress,
					AddrError::NotGlobal => Error::<T>::PrivateAddress,
					AddrError::BadPort => Error::<T>::BadPort,
				},
			)
		}

		/// Whether `svc` is probed and scored in `era`.
		pub fn participates(svc: &ServiceOf<T>, era: EraIndex) -> bool {
			svc.status == Status::Active && svc.active_from <= era
		}

		/// The services the validators probe in the current era, by id.
		pub fn probe_targets() -> Vec<(ServiceId, ServiceOf<T>)> {
			let era = Self::current_era();
			let mut out: Vec<_> =
				Services::<T>::iter().filter(|(_, s)| Self::participates(s, era)).collect();
			out.sort_by_key(|(id, _)| *id);
			out
		}

		/// Moves the rounds along at block `n`: at the end of a round, tallies the one before
		/// it (whose reports were taken during the round that ends now), closes its era if it
		/// was the era's last, and starts the next round.
		pub(crate) fn advance(n: BlockNumberFor<T>) -> Weight {
			let mut weight = T::DbWeight::get().reads(2);
			let Some(params) = OperatorParams::<T>::get() else { return weight };
			let round_length: BlockNumberFor<T> = params.round_length.into();
			let Some(current) = CurrentRound::<T>::get() else {
				CurrentRound::<T>::put(RoundRef {
					era: 0,
					round: 0,
					start: n,
					end: n.saturating_add(round_length),
					rounds: params.rounds_per_era,
				});
				Eras::<T>::insert(
					0,
					EraSummary { rounds: params.rounds_per_era, ..Default::default() },
				);
				Self::deposit_event(Event::EraStarted { era: 0, rounds: params.rounds_per_era });
				return weight.saturating_add(T::DbWeight::get().writes(2));
			};
			if n < current.end {
				return weight;
			}
			if let Some(prev) = PreviousRound::<T>::get() {
				let (services, probers) = Self::tally(&prev);
				weight.saturating_accrue(T::WeightInfo::tally(services, probers));
				if prev.last() {
					let (scored, forgotten, rounds) = Self::settle(prev.era, &params);
					weight.saturating_accrue(T::WeightInfo::settle(scored.max(forgotten)));
					weight.saturating_accrue(T::DbWeight::get().writes(rounds.into()));
				}
			}
			PreviousRound::<T>::put(current);
			let next = if current.last() {
				let era = current.era.saturating_add(1);
				Eras::<T>::insert(
					era,
					EraSummary { rounds: params.rounds_per_era, ..Default::default() },
				);
				Self::deposit_event(Event::EraStarted { era, rounds: params.rounds_per_era });
				RoundRef { era, round: 0, start: n, end: n, rounds: params.rounds_per_era }
			} else {
				RoundRef { round: current.round.saturating_add(1), start: n, end: n, ..current }
			};
			CurrentRound::<T>::put(RoundRef { end: n.saturating_add(round_length), ..next });
			weight.saturating_add(T::WeightInfo::advance())
		}

		/// Counts round `prev` from its reports. Returns the services looked at and the reports.
		pub(crate) fn tally(prev: &RoundOf<T>) -> (u32, u32) {
			let probers = Probers::<T>::get().len() as u32;
			let reports: Vec<_> = Reports::<T>::drain_prefix((prev.era, prev.round))
				.take(T::MaxProbers::get() as usize)
				.collect();
			// More than `MaxProbers` only when the validator set changed within the round.
			let _ = Reports::<T>::clear_prefix((prev.era, prev.round), T::MaxProbers::get(), None);
			let reporters = reports.len() as u32;
			let counted = probers > 0 && reporters.saturating_mul(3) >= probers.saturating_mul(2);
			Rounds::<T>::insert(prev.era, prev.round, RoundLog { reporters, probers, counted });
			if !counted {
				Self::deposit_event(Event::RoundVoided {
					era: prev.era,
					round: prev.round,
					reporters,
					probers,
				});
				return (0, reporters);
			}
			Eras::<T>::mutate(prev.era, |e| {
				if let Some(e) = e {
					e.counted = e.counted.saturating_add(1);
				}
			});
			let mut looked = 0u32;
			for (id, svc) in Services::<T>::iter() {
				looked = looked.saturating_add(1);
				if !Self::participates(&svc, prev.era) {
					continue;
				}
				let (mut up, mut valid, mut wrong) = (0u32, 0u32, 0u32);
				for (reporter, results) in &reports {
					if *reporter == svc.owner {
						continue;
					}
					valid += 1;
					if let Ok(at) = results.binary_search_by_key(&id, |(i, _)| *i) {
						match results[at].1 {
							Verdict::Up => up += 1,
							Verdict::Wrong => wrong += 1,
							Verdict::Down => {},
						}
					}
				}
				// Up: more than half say up, and no more than a third say wrong (one validator's
				// `wrong` alone cannot take every service down).
				let is_up = up.saturating_mul(2) > valid && wrong.saturating_mul(3) <= valid;
				Scores::<T>::mutate(prev.era, id, |score| {
					let score = score.get_or_insert_with(|| Score {
						kind: svc.kind,
						payee: svc.owner.clone(),
						up: 0,
						counted: 0,
						up_rounds: [0; (MAX_ROUNDS_PER_ERA / 8) as usize],
						due: Zero::zero(),
						paid: false,
					});
					score.counted = score.counted.saturating_add(1);
					if is_up {
						score.up = score.up.saturating_add(1);
						if let Some(byte) = score.up_rounds.get_mut((prev.round / 8) as usize) {
							*byte |= 1 << (prev.round % 8);
						}
					}
				});
			}
			Self::deposit_event(Event::RoundCounted {
				era: prev.era,
				round: prev.round,
				reporters,
				probers,
			});
			(looked, reporters)
		}

		/// Closes `era`: strikes, dues, the budget and its scale; forgets the era that leaves
		/// the window. Returns the scores looked at, and the scores and round logs forgotten.
		pub(crate) fn settle(era: EraIndex, params: &ParamsOf<T>) -> (u32, u32, u32) {
			let mut summary = Eras::<T>::get(era).unwrap_or_default();
			let counted = summary.counted;
			let mut scored = 0u32;
			if counted > 0 {
				let mut demand: [BalanceOf<T>; 3] = Default::default();
				let scores: Vec<_> = Scores::<T>::iter_prefix(era)
					.take(MaxServicesOf::<T>::get() as usize)
					.collect();
				for (id, mut score) in scores {
					scored = scored.saturating_add(1);
					let good = Perbill::from_rational(score.up, counted) >= params.min_score;
					Self::strike(id, era, good, params.max_strikes);
					if good && score.up > 0 {
						let rate = params.rates[score.kind.index()];
						score.due =
							mul_div::<T>(rate, score.up.min(counted).into(), counted.into());
						let k = score.kind.index();
						demand[k] = demand[k].saturating_add(score.due);
						Scores::<T>::insert(era, id, score);
					}
				}
				let pot = T::Pot::get();
				let free =
					T::Currency::reducible_balance(&pot, Preservation::Preserve, Fortitude::Polite);
				let above =
					free.saturating_sub(Owed::<T>::get()).saturating_sub(params.pot_minimum);
				let mut budget = (params.pot_share * above).min(params.budget_cap);
				if !params.emission.is_zero()
					&& T::Currency::mint_into(&pot, params.emission).is_ok()
				{
					summary.minted = params.emission;
					budget = budget.saturating_add(params.emission);
				}
				let mut promised: BalanceOf<T> = Zero::zero();
				for ((available, share), due) in
					summary.available.iter_mut().zip(params.shares).zip(demand)
				{
					*available = share * budget;
					promised = promised.saturating_add(due.min(*available));
				}
				summary.budget = budget;
				summary.demand = demand;
				summary.promised = promised;
				Owed::<T>::mutate(|o| *o = o.saturating_add(promised));
			}
			summary.settled = true;
			let (budget, promised) = (summary.budget, summary.promised);
			Eras::<T>::insert(era, summary);
			Self::deposit_event(Event::EraClosed { era, budget, promised });
			let (forgotten, rounds) =
				era.checked_sub(T::HistoryDepth::get()).map_or((0, 0), Self::forget);
			(scored, forgotten, rounds)
		}

		/// What `score` is paid from its closed era: its due, scaled down when its kind's dues
		/// exceed the kind's share of the budget.
		pub fn payout(summary: &EraSummary<BalanceOf<T>>, score: &ScoreOf<T>) -> BalanceOf<T> {
			let k = score.kind.index();
			let (demand, avail) = (summary.demand[k], summary.available[k]);
			if demand <= avail {
				score.due
			} else {
				mul_div::<T>(score.due, avail, demand)
			}
		}

		/// Notes a service's score in a closed era: a strike (and maybe suspension) when below
		/// the minimum, the strikes cleared otherwise. Only active services are struck.
		fn strike(id: ServiceId, era: EraIndex, good: bool, max_strikes: u8) {
			Services::<T>::mutate(id, |svc| {
				let Some(svc) = svc else { return };
				if svc.status != Status::Active {
					return;
				}
				if good {
					svc.strikes = 0;
					return;
				}
				svc.strikes = svc.strikes.saturating_add(1);
				Self::deposit_event(Event::Struck { id, era, strikes: svc.strikes });
				if svc.strikes >= max_strikes {
					Self::suspend(id, svc);
				}
			});
		}

		/// Suspends `svc`: it is no longer probed or paid, and it leaves its host and identity
		/// so that nobody can hold them with a dead service (a squatter who registered someone
		/// else's address is suspended in `max_strikes` eras and the address is free again).
		fn suspend(id: ServiceId, svc: &mut ServiceOf<T>) {
			svc.status = Status::Suspended;
			Hosts::<T>::remove(svc.kind, svc.host);
			Peers::<T>::remove(svc.kind, svc.peer);
			Self::deposit_event(Event::Suspended { id });
		}

		/// Forgets era `era`: what it promised and nobody claimed stays in the pot. Returns
		/// the scores and round logs removed.
		fn forget(era: EraIndex) -> (u32, u32) {
			let Some(summary) = Eras::<T>::take(era) else { return (0, 0) };
			let unclaimed = summary.promised.saturating_sub(summary.paid);
			Owed::<T>::mutate(|o| *o = o.saturating_sub(unclaimed));
			let scores = Scores::<T>::clear_prefix(era, MaxServicesOf::<T>::get(), None);
			let rounds = Rounds::<T>::clear_prefix(era, MAX_ROUNDS_PER_ERA, None);
			Self::deposit_event(Event::EraExpired { era, unclaimed });
			(scores.backend, rounds.backend)
		}
	}
}

/// `a × b / c`, rounded down, without overflow (0 when `c` is 0).
fn mul_div<T: Config>(a: BalanceOf<T>, b: BalanceOf<T>, c: BalanceOf<T>) -> BalanceOf<T> {
	use sp_runtime::traits::{SaturatedConversion, UniqueSaturatedInto};
	let (a, b, c): (u128, u128, u128) =
		(a.unique_saturated_into(), b.unique_saturated_into(), c.unique_saturated_into());
	if c == 0 {
		return 0u128.saturated_into();
	}
	sp_runtime::helpers_128bit::multiply_by_rational_with_rounding(
		a,
		b,
		c,
		sp_runtime::Rounding::Down,
	)
	.unwrap_or(u128::MAX)
	.saturated_into()
}

impl<T: Config> sp_runtime::BoundToRuntimeAppPublic for Pallet<T> {
	type Public = T::ProberId;
}

impl<T: Config> frame_support::traits::OneSessionHandler<T::AccountId> for Pallet<T> {
	type Key = T::ProberId;

	fn on_genesis_session<'a, I: 'a>(validators: I)
	where
		I: Iterator<Item = (&'a T::AccountId, T::ProberId)>,
	{
		Self::set_probers(validators);
	}

	fn on_new_session<'a, I: 'a>(_changed: bool, validators: I, _queued: I)
	where
		I: Iterator<Item = (&'a T::AccountId, T::ProberId)>,
	{
		Self::set_probers(validators);
	}

	fn on_disabled(_validator_index: u32) {}
}

impl<T: Config> Pallet<T> {
	fn set_probers<'a>(validators: impl Iterator<Item = (&'a T::AccountId, T::ProberId)>)
	where
		T::AccountId: 'a,
	{
		let set: alloc::vec::Vec<_> = validators
			.map(|(account, key)| (account.clone(), key))
			.take(<T::MaxProbers as frame_support::traits::Get<u32>>::get() as usize)
			.collect();
		Probers::<T>::put(frame_support::BoundedVec::truncate_from(set));
	}
}
