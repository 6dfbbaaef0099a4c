//! GRANDPA finality, checked from a pinned authority set.

use crate::{decode_all, Failure, Header, Trust};
use codec::{Decode, Encode};
use sp_consensus_grandpa::{
	AuthorityList, ConsensusLog, GrandpaJustification, Message, GRANDPA_ENGINE_ID,
};
use sp_core::H256;
use sp_runtime::{generic::OpaqueDigestItemId, traits::Header as _};
use std::collections::{HashMap, HashSet};

/// Most headers walked back from a set's last block to find the change it enacted.
pub const MAX_CHANGE_DELAY: u32 = 512;

/// What `grandpa_proveFinality` returns (SCALE): a justification of `block`, the last block of
/// an authority set, and headers after the block asked about up to it.
#[derive(Clone, Debug, Encode, Decode)]
pub struct FinalityProof {
	pub block: H256,
	pub justification: Vec<u8>,
	pub unknown_headers: Vec<Header>,
}

/// Checks that `encoded` is a GRANDPA justification of `target` by the set `set_id` of
/// `authorities`: the commit is for `target`; every signature is an authority's, on its
/// precommit in the justification's round and this set; the distinct signers hold more than
/// two thirds of the weight; and every precommit is for `target` or a descendant of it through
/// the justification's headers, with no header left unused.
pub fn check_justification(
	encoded: &[u8],
	target: (H256, u32),
	set_id: u64,
	authorities: &AuthorityList,
) -> Result<(), Failure> {
	let justification: GrandpaJustification<Header> =
		decode_all("justification", encoded).map_err(Failure::Malformed)?;
	let commit = &justification.commit;
	if (commit.target_hash, commit.target_number) != target {
		return Err(Failure::Target(format!(
			"it finalizes #{} {:?}, not #{} {:?}",
			commit.target_number, commit.target_hash, target.1, target.0
		)));
	}

	let weights: HashMap<_, u64> = authorities.iter().map(|(id, w)| (id.clone(), *w)).collect();
	let total: u64 = weights.values().fold(0u64, |sum, w| sum.saturating_add(*w));
	if total == 0 {
		return Err(Failure::Trust("the authority set is empty".into()));
	}
	// GRANDPA's threshold: all but the faulty third, as `finality_grandpa::VoterSet` counts it.
	let needed = total - (total - 1) / 3;

	let ancestry: HashMap<H256, &Header> =
		justification.votes_ancestries.iter().map(|h| (h.hash(), h)).collect();
	let mut used = HashSet::new();
	let mut signers = HashSet::new();
	let mut weight = 0u64;
	let mut buf = Vec::new();
	// A voter may appear twice (an equivocation); more than two per voter is no justification,
	// and this bounds the signatures checked.
	if commit.precommits.len() > 2 * weights.len() {
		return Err(Failure::Malformed(format!(
			"{} precommits for a set of {}",
			commit.precommits.len(),
			weights.len()
		)));
	}
	for signed in &commit.precommits {
		// Every precommit is checked (an equivocation's second vote brings its own headers),
		// and each signer's weight counts once.
		let Some(w) = weights.get(&signed.id) else {
			return Err(Failure::Signature(format!("{:?} is not in set {set_id}", signed.id)));
		};
		let message = Message::<Header>::Precommit(signed.precommit.clone());
		let valid = sp_consensus_grandpa::check_message_signature_with_buffer(
			&message,
			&signed.id,
			&signed.signature,
			justification.round,
			set_id,
			&mut buf,
		);
		if !valid.is_valid() {
			return Err(Failure::Signature(format!(
				"{:?} did not sign this precommit in round {} of set {set_id}",
				signed.id, justification.round
			)));
		}
		// A precommit counts for the target if it is on it or on a descendant.
		let mut hash = signed.precommit.target_hash;
		let mut steps = 0;
		while hash != target.0 {
			let header = ancestry.get(&hash).ok_or_else(|| {
				Failure::Ancestry(format!(
					"the vote for #{} {:?} does not lead to the target",
					signed.precommit.target_number, signed.precommit.target_hash
				))
			})?;
			used.insert(hash);
			hash = *header.parent_hash();
			steps += 1;
			if steps > ancestry.len() {
				return Err(Failure::Ancestry("the headers form a loop".into()));
			}
		}
		if signers.insert(signed.id.clone()) {
			weight = weight.saturating_add(*w);
		}
	}
	if used.len() != ancestry.len() {
		return Err(Failure::Ancestry(format!(
			"{} of its headers lead nowhere",
			ancestry.len() - used.len()
		)));
	}
	if weight < needed {
		return Err(Failure::TooFewSignatures { weight, needed });
	}
	Ok(())
}

/// The authority-set change a header signals, if any; a forced change is refused (it is how
/// a chain recovers from a stalled finality, by decision of governance, and cannot be followed
/// from finality proofs alone).
pub fn scheduled_change(header: &Header) -> Result<Option<(AuthorityList, u32)>, Failure> {
	let id = OpaqueDigestItemId::Consensus(&GRANDPA_ENGINE_ID);
	let mut found = None;
	for log in header.digest().logs() {
		match log.try_to::<ConsensusLog<u32>>(id) {
			Some(ConsensusLog::ScheduledChange(change)) if found.is_none() => {
				found = Some((change.next_authorities, change.delay))
			},
			Some(ConsensusLog::ForcedChange(..)) => {
				return Err(Failure::SetChange(format!(
					"#{} forces a change of authorities; it cannot be followed from proofs",
					header.number()
				)))
			},
			_ => {},
		}
	}
	Ok(found)
}

/// Moves `trust` from its set to the next one, given the proof of the set's last block that
/// `grandpa_proveFinality(trust.set_since + 1)` returns, and a way to fetch a header by hash
/// (every fetched header is checked against the hash it was fetched by).
///
/// The proof's justification must verify with the current set. The change it enacts is the
/// scheduled change of a header at or before that block, `delay` blocks before it.
pub fn follow_change(
	trust: &Trust,
	encoded_proof: &[u8],
	mut header_of: impl FnMut(H256) -> Result<Header, Failure>,
) -> Result<Trust, Failure> {
	let proof: FinalityProof =
		decode_all("finality proof", encoded_proof).map_err(Failure::Malformed)?;
	let justification: GrandpaJustification<Header> =
		decode_all("justification", &proof.justification).map_err(Failure::Malformed)?;
	let end = (justification.commit.target_hash, justification.commit.target_number);
	if end.0 != proof.block {
		return Err(Failure::SetChange("the proof's justification is of another block".into()));
	}
	if end.1 <= trust.set_since {
		return Err(Failure::SetChange(format!(
			"the proof ends set {} at #{}, not after #{}",
			trust.set_id, end.1, trust.set_since
		)));
	}
	check_justification(&proof.justification, end, trust.set_id, &trust.authority_list()?)
		.map_err(|e| Failure::SetChange(format!("the last block of set {}: {e}", trust.set_id)))?;

	// Walk back from the set's last block to the header that scheduled its end.
	let known: HashMap<H256, &Header> =
		proof.unknown_headers.iter().map(|h| (h.hash(), h)).collect();
	let mut hash = end.0;
	for _ in 0..=MAX_CHANGE_DELAY {
		let header = match known.get(&hash) {
			Some(h) => (*h).clone(),
			None => {
				let h = header_of(hash)?;
				if h.hash() != hash {
					return Err(Failure::SetChange(format!(
						"a header fetched as {hash:?} is not it"
					)));
				}
				h
			},
		};
		if *header.number() <= trust.set_since {
			break;
		}
		if let Some((next, delay)) = scheduled_change(&header)? {
			if header.number().saturating_add(delay) == end.1 {
				return Ok(Trust {
					genesis: trust.genesis,
					set_id: trust.set_id + 1,
					authorities: Trust::authorities_of(&next),
					set_since: end.1,
					last_block: trust.last_block.max(end.1),
				});
			}
		}
		// The set's first block was checked last; the change is not before it.
		if *header.number() <= trust.set_since + 1 {
			break;
		}
		hash = *header.parent_hash();
	}
	Err(Failure::SetChange(format!(
		"no header before #{} schedules the end of set {}",
		end.1, trust.set_id
	)))
}

#[cfg(test)]
mod tests {
	use super::*;
	use sp_consensus_grandpa::{AuthorityId, Precommit, ScheduledChange};
	use sp_core::{ed25519, Pair};
	use sp_runtime::{Digest, DigestItem};

	fn pairs(seeds: &[&str]) -> Vec<ed25519::Pair> {
		seeds.iter().map(|s| ed25519::Pair::from_string(&format!("//{s}"), None).unwrap()).collect()
	}

	fn set(pairs: &[ed25519::Pair]) -> AuthorityList {
		pairs.iter().map(|p| (AuthorityId::from(p.public()), 1)).collect()
	}

	fn trust(pairs: &[ed25519::Pair], set_id: u64, set_since: u32) -> Trust {
		Trust {
			genesis: H256::repeat_byte(1),
			set_id,
			authorities: Trust::authorities_of(&set(pairs)),
			set_since,
			last_block: set_since,
		}
	}

	/// A chain of `n` headers after `parent`, the last one carrying `digest`.
	fn chain(parent: &Header, n: u32, digest: Digest) -> Vec<Header> {
		let mut out: Vec<Header> = Vec::new();
		for i in 1..=n {
			let prev = out.last().unwrap_or(parent);
			let d = if i == n { digest.clone() } else { Digest::default() };
			out.push(Header::new(
				prev.number + 1,
				H256::repeat_byte(i as u8),
				H256::repeat_byte(0xee),
				prev.hash(),
				d,
			));
		}
		out
	}

	fn genesis() -> Header {
		Header::new(0, H256::zero(), H256::zero(), H256::zero(), Digest::default())
	}

	/// A justification of `target` in `round` of `set_id`, each signer voting for the header in
	/// `votes` at its index (or the target), with `ancestries` attached.
	fn justify(
		target: &Header,
		signers: &[ed25519::Pair],
		votes: &[&Header],
		round: u64,
		set_id: u64,
		ancestries: Vec<Header>,
	) -> Vec<u8> {
		let precommits = signers
			.iter()
			.enumerate()
			.map(|(i, p)| {
				let on = votes.get(i).copied().unwrap_or(target);
				let precommit =
					Precommit::<Header> { target_hash: on.hash(), target_number: on.number };
				let payload = sp_consensus_grandpa::localized_payload(
					round,
					set_id,
					&Message::<Header>::Precommit(precommit.clone()),
				);
				finality_grandpa::SignedPrecommit {
					precommit,
					signature: p.sign(&payload).into(),
					id: p.public().into(),
				}
			})
			.collect();
		GrandpaJustification::<Header> {
			round,
			commit: finality_grandpa::Commit {
				target_hash: target.hash(),
				target_number: target.number,
				precommits,
			},
			votes_ancestries: ancestries,
		}
		.encode()
	}

	#[test]
	fn more_than_two_thirds_of_the_set_must_sign_for_the_target() {
		let four = pairs(&["A", "B", "C", "D"]);
		let blocks = chain(&genesis(), 3, Digest::default());
		let b = &blocks[0];
		let at = (b.hash(), b.number);
		let ok = justify(b, &four[..3], &[], 7, 0, vec![]);
		assert_eq!(check_justification(&ok, at, 0, &set(&four)), Ok(()));

		let two = justify(b, &four[..2], &[], 7, 0, vec![]);
		assert_eq!(
			check_justification(&two, at, 0, &set(&four)),
			Err(Failure::TooFewSignatures { weight: 2, needed: 3 })
		);
		// The same signer twice counts once.
		let twice =
			justify(b, &[four[0].clone(), four[0].clone(), four[1].clone()], &[], 7, 0, vec![]);
		assert!(matches!(
			check_justification(&twice, at, 0, &set(&four)),
			Err(Failure::TooFewSignatures { .. })
		));

		// Signed for another round or set: the signature is not for this one.
		assert!(matches!(check_justification(&ok, at, 1, &set(&four)), Err(Failure::Signature(_))));
		let mut other_round: GrandpaJustification<Header> = Decode::decode(&mut &ok[..]).unwrap();
		other_round.round = 8;
		assert!(matches!(
			check_justification(&other_round.encode(), at, 0, &set(&four)),
			Err(Failure::Signature(_))
		));
		// A stranger's signature.
		let stranger = justify(b, &pairs(&["A", "B", "Mallory"]), &[], 7, 0, vec![]);
		assert!(matches!(
			check_justification(&stranger, at, 0, &set(&four)),
			Err(Failure::Signature(_))
		));
		// Not B.
		let other = (blocks[1].hash(), blocks[1].number);
		assert!(matches!(check_justification(&ok, other, 0, &set(&four)), Err(Failure::Target(_))));
		assert!(matches!(
			check_justification(&ok[1..], at, 0, &set(&four)),
			Err(Failure::Malformed(_))
		));
	}

	#[test]
	fn votes_on_descendants_count_through_the_headers_carried() {
		let four = pairs(&["A", "B", "C", "D"]);
		let blocks = chain(&genesis(), 3, Digest::default());
		let b = &blocks[0];
		let at = (b.hash(), b.number);
		// One signer voted two blocks further on.
		let votes = [&blocks[2]];
		let with = justify(b, &four[..3], &votes, 1, 0, vec![blocks[1].clone(), blocks[2].clone()]);
		assert_eq!(check_justification(&with, at, 0, &set(&four)), Ok(()));
		let without = justify(b, &four[..3], &votes, 1, 0, vec![blocks[2].clone()]);
		assert!(matches!(
			check_justification(&without, at, 0, &set(&four)),
			Err(Failure::Ancestry(_))
		));
		let extra = justify(b, &four[..3], &[], 1, 0, vec![blocks[1].clone()]);
		assert!(matches!(
			check_justification(&extra, at, 0, &set(&four)),
			Err(Failure::Ancestry(_))
		));
	}

	fn change(next: &[ed25519::Pair], delay: u32) -> Digest {
		let log = ConsensusLog::<u32>::ScheduledChange(ScheduledChange {
			next_authorities: set(next),
			delay,
		});
		Digest { logs: vec![DigestItem::Consensus(GRANDPA_ENGINE_ID, log.encode())] }
	}

	#[test]
	fn a_scheduled_change_moves_the_trust_to_the_next_set() {
		let old = pairs(&["A", "B", "C"]);
		let new = pairs(&["A", "B", "C", "Eve"]);
		// #3 schedules the change with no delay: it is the old set's last block.
		let blocks = chain(&genesis(), 3, change(&new, 0));
		let end = &blocks[2];
		let proof = |signers: &[ed25519::Pair], set_id| {
			FinalityProof {
				block: end.hash(),
				justification: justify(end, signers, &[], 3, set_id, vec![]),
				unknown_headers: blocks.clone(),
			}
			.encode()
		};
		let no_fetch =
			|h: H256| -> Result<Header, Failure> { Err(Failure::Fetch(format!("{h:?}"))) };
		let next = follow_change(&trust(&old, 0, 0), &proof(&old, 0), no_fetch).unwrap();
		assert_eq!((next.set_id, next.set_since), (1, 3));
		assert_eq!(next.authority_list().unwrap(), set(&new));

		// The old set must have finalized its last block.
		assert!(matches!(
			follow_change(&trust(&old, 0, 0), &proof(&old[..1], 0), no_fetch),
			Err(Failure::SetChange(_))
		));
		// A change that is not there: the headers carry none.
		let plain = chain(&genesis(), 3, Digest::default());
		let none = FinalityProof {
			block: plain[2].hash(),
			justification: justify(&plain[2], &old, &[], 3, 0, vec![]),
			unknown_headers: plain.clone(),
		};
		assert!(matches!(
			follow_change(&trust(&old, 0, 0), &none.encode(), no_fetch),
			Err(Failure::SetChange(_))
		));
		// A forced change is refused.
		let forced = ConsensusLog::<u32>::ForcedChange(
			0,
			ScheduledChange { next_authorities: set(&new), delay: 0 },
		);
		let forced = chain(
			&genesis(),
			3,
			Digest { logs: vec![DigestItem::Consensus(GRANDPA_ENGINE_ID, forced.encode())] },
		);
		let forced = FinalityProof {
			block: forced[2].hash(),
			justification: justify(&forced[2], &old, &[], 3, 0, vec![]),
			unknown_headers: forced.clone(),
		};
		let refused = follow_change(&trust(&old, 0, 0), &forced.encode(), no_fetch);
		assert!(matches!(refused, Err(Failure::SetChange(e)) if e.contains("forces")));

		// Headers the proof leaves out are fetched, and checked against their hash.
		let short = FinalityProof {
			block: end.hash(),
			justification: justify(end, &old, &[], 3, 0, vec![]),
			unknown_headers: vec![],
		};
		let fetch = |h: H256| {
			blocks.iter().find(|b| b.hash() == h).cloned().ok_or(Failure::Fetch("none".into()))
		};
		assert_eq!(follow_change(&trust(&old, 0, 0), &short.encode(), fetch).unwrap(), next);
		let liar = |_| Ok(blocks[0].clone());
		assert!(matches!(
			follow_change(&trust(&old, 0, 0), &short.encode(), liar),
			Err(Failure::SetChange(_))
		));
	}
}
