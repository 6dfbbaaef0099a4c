//! Storage migrations of the registry, one module per storage version. Each is a
//! [`VersionedMigration`]: it runs once, when the on-chain version is the one it starts from,
//! and sets the next; run again, it only reads the version.
//!
//! The runtime lists them, oldest first, in its `Migrations`.

use crate::pallet::{Config, Pallet};
use frame_support::migrations::VersionedMigration;

/// v1 to v2: [`Commitments`](crate::Commitments) keyed by `Blake2_128Concat` of the hash.
///
/// A commitment's key is a hash the caller chooses, and `Identity` put it in the trie as it
/// is: a caller could pick keys that share long prefixes and deepen one branch of the trie,
/// making every read and proof there costlier. `Blake2_128Concat` spreads them, and keeps the
/// hash readable at the end of the key.
pub mod v2 {
	use super::*;

	/// Re-keys every commitment, once (see [the module](self)).
	pub type MigrateV1ToV2<T> = VersionedMigration<
		1,
		2,
		version_unchecked::RekeyCommitments<T>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;

	/// The v1 layout.
	pub(crate) mod v1 {
		use crate::{pallet::*, Commitment};
		use frame_support::{storage_alias, Identity};
		use frame_system::pallet_prelude::BlockNumberFor;
		use sp_core::H256;

		/// Commitments keyed by the caller's hash as it is.
		#[storage_alias]
		pub type Commitments<T: Config> = StorageMap<
			Pallet<T>,
			Identity,
			H256,
			Commitment<<T as frame_system::Config>::AccountId, BalanceOf<T>, BlockNumberFor<T>>,
		>;
	}

	mod version_unchecked {
		use super::{v1, Config};
		use crate::pallet::Commitments;
		use alloc::vec::Vec;
		use frame_support::{traits::UncheckedOnRuntimeUpgrade, weights::Weight};
		use sp_core::Get;

		/// Moves every commitment from its v1 key to its v2 key. Not version-checked: use
		/// [`MigrateV1ToV2`](super::MigrateV1ToV2).
		pub struct RekeyCommitments<T>(core::marker::PhantomData<T>);

		impl<T: Config> UncheckedOnRuntimeUpgrade for RekeyCommitments<T> {
			/// Per commitment: one read, and two writes (the old key removed, the new one set).
			///
			/// The commitments are all taken before any is written back, since both layouts
			/// share one storage prefix. Their number is what users hold deposits for, and each
			/// is clearable after `max_commitment_age`, so it is small at any time.
			fn on_runtime_upgrade() -> Weight {
				let old: Vec<_> = v1::Commitments::<T>::drain().collect();
				let n = old.len() as u64;
				for (hash, commitment) in old {
					Commitments::<T>::insert(hash, commitment);
				}
				T::DbWeight::get().reads_writes(n, 2 * n)
			}

			#[cfg(feature = "try-runtime")]
			fn pre_upgrade() -> Result<Vec<u8>, sp_runtime::TryRuntimeError> {
				use codec::Encode;
				let old: Vec<_> = v1::Commitments::<T>::iter().collect();
				Ok(old.encode())
			}

			#[cfg(feature = "try-runtime")]
			fn post_upgrade(state: Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
				use codec::Decode;
				use frame_support::ensure;
				let old: Vec<(sp_core::H256, _)> = Decode::decode(&mut &state[..])
					.map_err(|_| "the pre-upgrade state does not decode")?;
				ensure!(
					Commitments::<T>::iter().count() == old.len(),
					"the number of commitments changed"
				);
				for (hash, commitment) in old {
					ensure!(
						Commitments::<T>::get(hash) == Some(commitment),
						"a commitment is not under its new key"
					);
				}
				Ok(())
			}
		}
	}
}

/// v2 to v3: epochs from one chain-wide counter ([`LastEpoch`](crate::LastEpoch)).
///
/// Before, each name counted its epochs from 0 and started again at 0 when it was made again,
/// and removed names left no trace of theirs. So the counter starts above any epoch a name could
/// have reached one step (one extrinsic or lapse) at a time: no epoch handed out from now on can
/// repeat one from before the upgrade. A chain that starts at v3 starts its counter at 0.
pub mod v3 {
	use super::*;

	/// Above any epoch counted one step at a time before the counter existed.
	pub const EPOCH_FLOOR: u64 = 1 << 32;

	/// Lifts the epoch counter to [`EPOCH_FLOOR`], once.
	pub type MigrateV2ToV3<T> = VersionedMigration<
		2,
		3,
		version_unchecked::SeedEpochCounter<T>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;

	mod version_unchecked {
		use super::{Config, EPOCH_FLOOR};
		use crate::pallet::LastEpoch;
		use frame_support::{traits::UncheckedOnRuntimeUpgrade, weights::Weight};
		use sp_core::Get;

		/// Not version-checked: use [`MigrateV2ToV3`](super::MigrateV2ToV3).
		pub struct SeedEpochCounter<T>(core::marker::PhantomData<T>);

		impl<T: Config> UncheckedOnRuntimeUpgrade for SeedEpochCounter<T> {
			fn on_runtime_upgrade() -> Weight {
				LastEpoch::<T>::mutate(|e| *e = (*e).max(EPOCH_FLOOR));
				T::DbWeight::get().reads_writes(1, 1)
			}

			#[cfg(feature = "try-runtime")]
			fn post_upgrade(
				_state: alloc::vec::Vec<u8>,
			) -> Result<(), sp_runtime::TryRuntimeError> {
				frame_support::ensure!(
					LastEpoch::<T>::get() >= EPOCH_FLOOR,
					"the epoch counter is below its floor"
				);
				Ok(())
			}
		}
	}
}
