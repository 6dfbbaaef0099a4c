//! A registry of many names made at genesis, to measure the chain at the size of a real registry
//! (`ddns-node --chain scale-<N>`, `scripts/bench-scale.sh`). A live network never sets it.
//!
//! The state is what the calls would have left, deposits held and indexes included, so that the
//! lifecycle, the lookups and `try_state` treat it as any other:
//!
//! - second-level names `<index in base 36><letters>.ddns`, 4 to 16 characters;
//! - 8 in 10 with records (an A; then an AAAA, a TXT), 1 in 10 with a node key;
//! - 1 in 20 with a `www` subdomain, 1 in 100 also with `eu.v1.api` under it (depth 3);
//! - `owners` accounts own them round-robin; each owner's first name is its primary name;
//! - the first `spike` names expire together at `spike_at`, the others spread evenly over the
//!   `spread` blocks after it.
//!
//! Node keys are 32 bytes from a hash, not keys anyone holds: nothing signs endpoints for them.

use crate::{pallet::*, Lifecycle, Name, NameInfo, RecordsInfo, Tenure};
use alloc::vec::Vec;
use ddns_primitives::Record;
use frame_support::{
	pallet_prelude::*,
	traits::fungible::{Inspect, Mutate, MutateHold},
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::traits::{Saturating, TrailingZeroInput, Zero};

/// What [`GenesisConfig::synthetic`] makes.
#[derive(Clone, PartialEq, Eq, Debug, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Synthetic<BlockNumber> {
	/// Second-level names.
	pub names: u32,
	/// How many of them expire at `spike_at`, all in the same block.
	pub spike: u32,
	/// The block the spike expires at (at least 1).
	pub spike_at: BlockNumber,
	/// The other names expire spread evenly over this many blocks after `spike_at`.
	pub spread: BlockNumber,
	/// How many accounts own the names (at least 1).
	pub owners: u32,
}

/// The owner of synthetic names number `k`: an account nobody holds the key of.
pub fn synthetic_owner<AccountId: Decode>(k: u32) -> AccountId {
	let seed = sp_io::hashing::blake2_256(&(b"ddns-synthetic-owner", k).encode());
	AccountId::decode(&mut TrailingZeroInput::new(&seed))
		.expect("an account id decodes from zero-padded input; qed")
}

/// The `index`-th synthetic second-level name: its index in base 36, at least `width` digits,
/// then 0 to 12 letters. The digits alone tell the names apart.
pub fn synthetic_name(index: u32, width: usize) -> Vec<u8> {
	const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
	let mut label = Vec::with_capacity(width + 12 + 5);
	let mut n = index;
	while n > 0 || label.len() < width {
		label.push(DIGITS[(n % 36) as usize]);
		n /= 36;
	}
	label.reverse();
	let mut h = mix(u64::from(index));
	for _ in 0..(h % 13) {
		h = mix(h);
		label.push(b'a' + (h % 26) as u8);
	}
	label.extend_from_slice(b".ddns");
	label
}

/// How many base-36 digits synthetic names of a registry of `names` names start with.
pub fn synthetic_width(names: u32) -> usize {
	let (mut width, mut reach) = (1usize, 36u64);
	while reach < u64::from(names) {
		width += 1;
		reach *= 36;
	}
	width.max(4)
}

/// SplitMix64's finalizer: a cheap, well-spread function of the index.
fn mix(x: u64) -> u64 {
	let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
	z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
	z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
	z ^ (z >> 31)
}

impl<T: Config> Pallet<T> {
	/// Fills the registry with `spec`'s names. Genesis only; panics on an inconsistent spec, as
	/// any genesis build does.
	pub(crate) fn build_synthetic(spec: &Synthetic<BlockNumberFor<T>>) {
		let params = Self::params().expect("synthetic names need registry params");
		assert!(spec.owners >= 1, "synthetic names need at least one owner");
		assert!(!spec.spike_at.is_zero(), "the spike must be after genesis");
		let spread: u64 = spec.spread.try_into().unwrap_or(u64::MAX).max(1);
		let width = synthetic_width(spec.names);
		let reason = HoldReason::NameDeposit.into();
		let owners: Vec<T::AccountId> = (0..spec.owners.min(spec.names.max(1)))
			.map(|k| {
				let who = synthetic_owner::<T::AccountId>(k);
				let _ = T::Currency::mint_into(&who, T::Currency::minimum_balance());
				who
			})
			.collect();

		// Holds `deposit` on `who` (minted first, so every account can pay).
		let hold = |who: &T::AccountId, deposit: BalanceOf<T>| {
			if !deposit.is_zero() {
				T::Currency::mint_into(who, deposit).expect("minting a deposit");
				T::Currency::hold(&reason, who, deposit).expect("holding a deposit");
			}
		};
		// Makes one entry (and its records); returns its term.
		let make = |name: &[u8], owner: &T::AccountId, tenure, node_key, records: Vec<Record>| {
			let name: Name = name.to_vec().try_into().expect("synthetic names are short");
			let deposit = Self::deposit_for(&params, Self::entry_bytes(&name));
			hold(owner, deposit);
			let term = Self::new_term(Zero::zero());
			let wake_at = match tenure {
				Tenure::Registered { expires_at } => {
					Timeline::<T>::insert(expires_at, &name, ());
					expires_at
				},
				Tenure::Sub { .. } => Zero::zero(),
			};
			Names::<T>::insert(
				&name,
				NameInfo {
					owner: owner.clone(),
					tenure,
					node_key,
					epoch: Self::next_epoch(0),
					term,
					registered_at: Zero::zero(),
					depositor: owner.clone(),
					deposit,
					children: 0,
					phase: Lifecycle::Active,
					wake_at,
				},
			);
			OwnedNames::<T>::insert(owner, &name, ());
			if !records.is_empty() {
				let records: crate::RecordSet =
					records.try_into().expect("synthetic record sets are small");
				let deposit = Self::deposit_for(&params, name.len() + records.encoded_size());
				hold(owner, deposit);
				Records::<T>::insert(
					&name,
					RecordsInfo { records, depositor: owner.clone(), deposit },
				);
			}
			term
		};
		// Makes `label.parent` under the parent of term `parent_term`.
		let child = |label: &[u8], parent: &[u8], parent_term: u64, owner: &T::AccountId| {
			let mut name = label.to_vec();
			name.push(b'.');
			name.extend_from_slice(parent);
			let tenure = Tenure::Sub { parent_term, locked: false };
			let term = make(&name, owner, tenure, None, records_of(u32::MAX, 1));
			let parent_key: Name = parent.to_vec().try_into().expect("short");
			let child_key: Name = name.clone().try_into().expect("short");
			Subdomains::<T>::insert(&parent_key, &child_key, ());
			Names::<T>::mutate(&parent_key, |p| {
				if let Some(p) = p {
					p.children = p.children.saturating_add(1);
				}
			});
			(name, term)
		};

		for index in 0..spec.names {
			let h = mix(u64::from(index) ^ 0xDD75);
			let name = synthetic_name(index, width);
			let owner = &owners[(index % spec.owners) as usize];
			let expires_at = if index < spec.spike {
				spec.spike_at
			} else {
				let offset: BlockNumberFor<T> = (1 + h % spread).try_into().unwrap_or_default();
				spec.spike_at.saturating_add(offset)
			};
			let node_key = (h % 10 == 3).then(|| sp_io::hashing::blake2_256(&h.encode()));
			let records = match (h >> 8) % 10 {
				0 | 1 => Vec::new(),
				k => records_of(index, 1 + k as usize / 4),
			};
			let term = make(&name, owner, Tenure::Registered { expires_at }, node_key, records);
			if index < spec.owners {
				let name: Name = name.clone().try_into().expect("short");
				Primary::<T>::insert(owner, name);
			}
			if index % 20 == 0 {
				child(b"www", &name, term, owner);
			}
			if index % 100 == 0 {
				let (api, api_term) = child(b"api", &name, term, owner);
				let (v1, v1_term) = child(b"v1", &api, api_term, owner);
				child(b"eu", &v1, v1_term, owner);
			}
		}
	}
}

/// The first `count` (1 to 3) records of synthetic name `index`: an A, an AAAA, a TXT.
fn records_of(index: u32, count: usize) -> Vec<Record> {
	let [_, b, c, d] = index.to_be_bytes();
	let mut six = [0u8; 16];
	six[..4].copy_from_slice(&[0x20, 0x01, 0x0d, 0xb8]);
	six[12..].copy_from_slice(&index.to_be_bytes());
	let text = alloc::format!("v=ddns-synthetic {index}").into_bytes();
	let all = [
		Record::A([10, b, c, d]),
		Record::Aaaa(six),
		Record::Txt(text.try_into().expect("short text")),
	];
	all.into_iter().take(count.min(3)).collect()
}
