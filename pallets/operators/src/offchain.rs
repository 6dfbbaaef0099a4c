//! The validator's side of a round: its probing daemon (`ddns-resolver --probe`) writes what it
//! saw into the node's persistent offchain storage (`offchain_localStorageSet`, the node's
//! local RPC), and the offchain worker signs it with the validator's probe key and submits it
//! as a fee-free authorized report while the pallet takes reports for that round.

use crate::{pallet::*, types::*};
use alloc::vec::Vec;
use codec::{Decode, Encode};
use frame_support::BoundedVec;
use frame_system::{
	offchain::{CreateAuthorizedTransaction, SubmitTransaction},
	pallet_prelude::BlockNumberFor,
};
use sp_runtime::{
	offchain::storage::{StorageRetrievalError, StorageValueRef},
	traits::Saturating,
	RuntimeAppPublic,
};

/// Where the daemon leaves its results: SCALE of [`ProbeResults`].
pub const RESULTS_KEY: &[u8] = b"ddns/probe/results";
/// When this node last submitted, and for which round: SCALE of `(EraIndex, u32, block)`.
pub const SENT_KEY: &[u8] = b"ddns/probe/sent";
/// Blocks to wait for a submitted report to be included before submitting it again.
pub const RESUBMIT_AFTER: u32 = 3;

/// A daemon's results for one round.
#[derive(Clone, PartialEq, Eq, Encode, Decode, Debug)]
pub struct ProbeResults {
	pub era: EraIndex,
	pub round: u32,
	/// Verdicts by service; sorted and deduplicated before signing.
	pub results: Vec<(ServiceId, Verdict)>,
}

/// What [`submit_report`] did, for tests and logs.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Outcome {
	/// No round takes reports, no results, or results for another round.
	Nothing,
	/// This node holds no probe key of a probing validator.
	NotProber,
	/// The report is in the chain, or was submitted less than [`RESUBMIT_AFTER`] blocks ago.
	Done,
	/// Submitted.
	Submitted,
	/// Signing or submitting failed.
	Failed,
}

/// Submits this validator's report for the previous round, once (again after
/// [`RESUBMIT_AFTER`] blocks if it is not in the chain by then).
pub fn submit_report<T: Config>(now: BlockNumberFor<T>) -> Outcome {
	let outcome = try_submit::<T>(now);
	if outcome == Outcome::Failed {
		log::warn!(target: "runtime::operators", "probe report not submitted");
	}
	outcome
}

fn try_submit<T: Config>(now: BlockNumberFor<T>) -> Outcome {
	let Some(prev) = PreviousRound::<T>::get() else { return Outcome::Nothing };
	let stored = StorageValueRef::persistent(RESULTS_KEY).get::<ProbeResults>();
	let Ok(Some(found)) = stored else { return Outcome::Nothing };
	if (found.era, found.round) != (prev.era, prev.round) {
		return Outcome::Nothing;
	}
	let local = T::ProberId::all();
	let Some((account, key)) = Probers::<T>::get().into_iter().find(|(_, key)| local.contains(key))
	else {
		return Outcome::NotProber;
	};
	if Reports::<T>::contains_key((prev.era, prev.round), &account) {
		return Outcome::Done;
	}
	let sent = StorageValueRef::persistent(SENT_KEY);
	let resubmit: BlockNumberFor<T> = RESUBMIT_AFTER.into();
	let fresh = sent.mutate(
		|last: Result<Option<(EraIndex, u32, BlockNumberFor<T>)>, StorageRetrievalError>| match last
		{
			Ok(Some((era, round, at)))
				if (era, round) == (prev.era, prev.round) && now < at.saturating_add(resubmit) =>
			{
				Err(())
			},
			_ => Ok((prev.era, prev.round, now)),
		},
	);
	if fresh.is_err() {
		return Outcome::Done;
	}
	let mut results = found.results;
	results.sort_by_key(|(id, _)| *id);
	results.dedup_by_key(|(id, _)| *id);
	let report = Report {
		era: prev.era,
		round: prev.round,
		prober: key.clone(),
		results: BoundedVec::truncate_from(results),
	};
	let Some(signature) = key.sign(&Pallet::<T>::report_payload(&report)) else {
		return Outcome::Failed;
	};
	let call = Call::<T>::report { report, signature };
	let xt =
		<T as CreateAuthorizedTransaction<Call<T>>>::create_authorized_transaction(call.into());
	match SubmitTransaction::<T, Call<T>>::submit_transaction(xt) {
		Ok(()) => Outcome::Submitted,
		Err(()) => Outcome::Failed,
	}
}
