//! Real bundles from a dev node (written by `tests/proofs.test.js` with
//! `DDNS_WRITE_PROOF_FIXTURES`), verified, and then each part of them broken: every break is
//! refused with the error of the check it breaks.

use codec::{Decode, Encode};
use ddns_verify::{json, verify, Bundle, Failure, Header, Trust};
use sp_consensus_grandpa::GrandpaJustification;
use sp_core::H256;
use sp_runtime::traits::{BlakeTwo256, Hash as _, Header as _};

const MAX_AGE: u64 = 600_000;

/// The fixtures are compiled in: a test binary built in one checkout and run from another that
/// shares the target directory (CI's clone) would not find them by the path it was built at.
fn fixture<T: serde::de::DeserializeOwned>(name: &str) -> T {
	let text = match name {
		"trust" => include_str!("fixtures/trust.json"),
		"name" => include_str!("fixtures/name.json"),
		"subdomain" => include_str!("fixtures/subdomain.json"),
		"absent" => include_str!("fixtures/absent.json"),
		other => panic!("no fixture {other}"),
	};
	serde_json::from_str(text).unwrap()
}

fn trust() -> Trust {
	fixture("trust")
}

fn header(b: &Bundle) -> Header {
	Header::decode(&mut &json::unhex(&b.header).unwrap()[..]).unwrap()
}

/// A moment right after B: the block's own timestamp, read from the golden verification.
fn now(b: &Bundle) -> u64 {
	verify(b, &b.name, &trust(), u64::MAX / 2, u64::MAX).unwrap().timestamp + 1_000
}

fn check(b: &Bundle) -> Result<ddns_verify::Verified, Failure> {
	let golden: Bundle = fixture("name");
	verify(b, &b.name, &trust(), now(&golden), MAX_AGE)
}

fn justification(b: &Bundle) -> GrandpaJustification<Header> {
	Decode::decode(&mut &json::unhex(&b.justification).unwrap()[..]).unwrap()
}

fn with_justification(b: &Bundle, j: GrandpaJustification<Header>) -> Bundle {
	Bundle { justification: format!("0x{}", json::hex(&j.encode())), ..b.clone() }
}

/// The index of a proof node other than the root.
fn not_root(b: &Bundle, containing: Option<&[u8]>) -> usize {
	let root = *header(b).state_root();
	b.proof
		.iter()
		.position(|n| {
			let bytes = json::unhex(n).unwrap();
			BlakeTwo256::hash(&bytes) != root
				&& containing.is_none_or(|c| bytes.windows(c.len()).any(|w| w == c))
		})
		.expect("a node to break")
}

/// The index of a proof node that references no other node of the proof.
fn leaf(b: &Bundle) -> usize {
	let nodes: Vec<Vec<u8>> = b.proof.iter().map(|n| json::unhex(n).unwrap()).collect();
	let hashes: Vec<H256> = nodes.iter().map(|n| BlakeTwo256::hash(n)).collect();
	let root = *header(b).state_root();
	(0..nodes.len())
		.find(|&i| {
			hashes[i] != root
				&& !hashes.iter().any(|h| nodes[i].windows(32).any(|w| w == h.as_bytes()))
		})
		.expect("a leaf")
}

#[test]
fn golden_bundles_verify() {
	let name: Bundle = fixture("name");
	let v = check(&name).unwrap();
	let view = v.view.expect("the name is held");
	assert_eq!(view.name, b"proof-alice.ddns");
	assert_eq!(json::name_view(&view), name.view.clone().unwrap());
	assert_eq!(json::name_view(&view)["records"][0]["value"], "192.0.2.44");

	let sub: Bundle = fixture("subdomain");
	let v = check(&sub).unwrap();
	assert_eq!(v.view.unwrap().parent.as_deref(), Some(&b"proof-alice.ddns"[..]));

	let absent: Bundle = fixture("absent");
	let v = check(&absent).unwrap();
	assert_eq!(v.view, None, "a proof of absence verifies as NXDOMAIN");
}

#[test]
fn every_broken_part_is_refused_by_its_own_check() {
	let b: Bundle = fixture("name");
	let kind = |r: Result<ddns_verify::Verified, Failure>| {
		r.map(|_| "verified").unwrap_or_else(|e| e.kind())
	};

	// A flipped byte in the name's value: its trie node no longer hangs under the root.
	let mut flipped = b.clone();
	let i = not_root(&b, Some(b"proof-alice.ddns"));
	let mut node = json::unhex(&flipped.proof[i]).unwrap();
	*node.last_mut().unwrap() ^= 1;
	flipped.proof[i] = format!("0x{}", json::hex(&node));
	assert_eq!(kind(check(&flipped)), "proof_tampered");
	// A node that belongs nowhere, added.
	let mut foreign = b.clone();
	foreign.proof.push(format!("0x{}", json::hex(&[0x42; 40])));
	assert_eq!(kind(check(&foreign)), "proof_tampered");
	let absent: Bundle = fixture("absent");

	// A missing trie node (a leaf: its parent still points at it); a proof without its root.
	let mut missing = b.clone();
	missing.proof.remove(leaf(&b));
	assert_eq!(kind(check(&missing)), "proof_incomplete");
	let root = *header(&b).state_root();
	let mut rootless = b.clone();
	rootless.proof.retain(|n| BlakeTwo256::hash(&json::unhex(n).unwrap()) != root);
	assert_eq!(kind(check(&rootless)), "proof_root");

	// A swapped state root: the header is no longer B's, and a header renamed B is not the
	// block the justification finalizes.
	let mut h = header(&b);
	h.state_root = H256::repeat_byte(0x42);
	let swapped = Bundle { header: format!("0x{}", json::hex(&h.encode())), ..b.clone() };
	assert_eq!(kind(check(&swapped)), "header");
	let renamed = Bundle {
		block: ddns_verify::BlockRef {
			number: b.block.number,
			hash: sp_runtime::traits::Header::hash(&h),
		},
		..swapped
	};
	assert_eq!(kind(check(&renamed)), "target");

	// A proof for another name, claimed for this one.
	let other = Bundle { name: b.name.clone(), view: b.view.clone(), ..absent };
	let r = check(&other);
	assert!(matches!(r, Err(Failure::ProofIncomplete(_)) | Err(Failure::View { .. })), "{r:?}");
	assert_eq!(kind(verify(&b, "someone-else.ddns", &trust(), now(&b), MAX_AGE)), "other_name");

	// Too few signatures.
	let mut j = justification(&b);
	j.commit.precommits.clear();
	assert_eq!(kind(check(&with_justification(&b, j))), "too_few_signatures");

	// Another round; another set.
	let mut j = justification(&b);
	j.round += 1;
	assert_eq!(kind(check(&with_justification(&b, j))), "signature");
	let next_set = Trust { set_id: 1, ..trust() };
	let claimed = Bundle { set_id: 1, ..b.clone() };
	assert_eq!(kind(verify(&claimed, &b.name, &next_set, now(&b), MAX_AGE)), "signature");
	assert_eq!(kind(check(&claimed)), "set_change");

	// A justification whose target is not B.
	let mut j = justification(&b);
	j.commit.target_number += 1;
	assert_eq!(kind(check(&with_justification(&b, j))), "target");

	// Stale, behind, of another chain, or with a view the proof does not say.
	assert_eq!(kind(verify(&b, &b.name, &trust(), now(&b) + MAX_AGE, MAX_AGE)), "stale");
	let ahead = Trust { last_block: b.block.number + 1, ..trust() };
	assert_eq!(kind(verify(&b, &b.name, &ahead, now(&b), MAX_AGE)), "rollback");
	let elsewhere = Trust { genesis: H256::repeat_byte(9), ..trust() };
	assert_eq!(kind(verify(&b, &b.name, &elsewhere, now(&b), MAX_AGE)), "genesis");
	// Another chain's bundle relabelled as ours: the proven `System::BlockHash(0)` gives it
	// away, even were its validators' keys ours.
	let relabelled = Bundle { genesis: elsewhere.genesis, ..b.clone() };
	let r = verify(&relabelled, &b.name, &elsewhere, now(&b), MAX_AGE);
	assert!(
		matches!(r, Err(Failure::Genesis { theirs, .. }) if theirs == trust().genesis),
		"{r:?}"
	);
	let mut lie = b.clone();
	lie.view.as_mut().unwrap()["records"][0]["value"] = "203.0.113.66".into();
	assert_eq!(kind(check(&lie)), "view");
	let hidden = Bundle { view: None, ..b.clone() };
	assert_eq!(kind(check(&hidden)), "view", "a name hidden as NXDOMAIN is refused");

	// Garbage in any field is malformed, never a panic.
	let garbage = Bundle { header: "0x00".into(), ..b.clone() };
	assert_eq!(kind(check(&garbage)), "malformed");
	let garbage = Bundle { justification: "0xzz".into(), ..b.clone() };
	assert_eq!(kind(check(&garbage)), "malformed");
}
