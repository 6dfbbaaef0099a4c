//! Weights for `pallet_ddns_registry`.
//!
//! PROVISIONAL: counted by hand from the code (storage reads and writes exact, execution time a
//! conservative estimate), until `scripts/bench-weights.sh` replaces this file with figures
//! measured by `ddns-node benchmark pallet`.

#![allow(unused_parens)]
#![allow(unused_imports)]
#![allow(missing_docs)]

use core::marker::PhantomData;
use frame_support::{
	traits::Get,
	weights::{constants::ParityDbWeight, Weight},
};

/// Weight functions needed for `pallet_ddns_registry`.
pub trait WeightInfo {
	fn commit() -> Weight;
	fn clear_commitment() -> Weight;
	fn register() -> Weight;
	fn renew() -> Weight;
	fn transfer() -> Weight;
	fn release() -> Weight;
	fn set_node_key() -> Weight;
	fn set_records(n: u32) -> Weight;
	fn create_subdomain() -> Weight;
	fn take_back_subdomain() -> Weight;
	fn lock_subdomain() -> Weight;
	fn set_primary() -> Weight;
	fn set_params() -> Weight;
	fn lifecycle_base() -> Weight;
	fn lifecycle_purge() -> Weight;
	fn lifecycle_transition() -> Weight;
	fn lifecycle_skip() -> Weight;
}

/// Weights for `pallet_ddns_registry` using the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn commit() -> Weight {
		Weight::from_parts(60_000_000, 4_000)
			.saturating_add(T::DbWeight::get().reads(3_u64))
			.saturating_add(T::DbWeight::get().writes(3_u64))
	}
	fn clear_commitment() -> Weight {
		Weight::from_parts(60_000_000, 4_000)
			.saturating_add(T::DbWeight::get().reads(3_u64))
			.saturating_add(T::DbWeight::get().writes(3_u64))
	}
	fn register() -> Weight {
		Weight::from_parts(60_000_000, 4_000)
			.saturating_add(T::DbWeight::get().reads(6_u64))
			.saturating_add(T::DbWeight::get().writes(7_u64))
	}
	fn renew() -> Weight {
		Weight::from_parts(60_000_000, 4_000)
			.saturating_add(T::DbWeight::get().reads(3_u64))
			.saturating_add(T::DbWeight::get().writes(3_u64))
	}
	fn transfer() -> Weight {
		Weight::from_parts(60_000_000, 4_000)
			.saturating_add(T::DbWeight::get().reads(3_u64))
			.saturating_add(T::DbWeight::get().writes(3_u64))
	}
	fn release() -> Weight {
		Weight::from_parts(60_000_000, 4_000)
			.saturating_add(T::DbWeight::get().reads(8_u64))
			.saturating_add(T::DbWeight::get().writes(9_u64))
	}
	fn set_node_key() -> Weight {
		Weight::from_parts(60_000_000, 4_000)
			.saturating_add(T::DbWeight::get().reads(3_u64))
			.saturating_add(T::DbWeight::get().writes(1_u64))
	}
	fn set_records(n: u32) -> Weight {
		Weight::from_parts(60_000_000, 4_000)
			.saturating_add(Weight::from_parts(2_000_000, 520).saturating_mul(n.into()))
			.saturating_add(T::DbWeight::get().reads(4_u64))
			.saturating_add(T::DbWeight::get().writes(3_u64))
	}
	fn create_subdomain() -> Weight {
		Weight::from_parts(60_000_000, 4_000)
			.saturating_add(T::DbWeight::get().reads(5_u64))
			.saturating_add(T::DbWeight::get().writes(5_u64))
	}
	fn take_back_subdomain() -> Weight {
		Weight::from_parts(60_000_000, 4_000)
			.saturating_add(T::DbWeight::get().reads(4_u64))
			.saturating_add(T::DbWeight::get().writes(3_u64))
	}
	fn lock_subdomain() -> Weight {
		Weight::from_parts(60_000_000, 4_000)
			.saturating_add(T::DbWeight::get().reads(4_u64))
			.saturating_add(T::DbWeight::get().writes(1_u64))
	}
	fn set_primary() -> Weight {
		Weight::from_parts(60_000_000, 4_000)
			.saturating_add(T::DbWeight::get().reads(3_u64))
			.saturating_add(T::DbWeight::get().writes(1_u64))
	}
	fn set_params() -> Weight {
		Weight::from_parts(60_000_000, 4_000)
			.saturating_add(T::DbWeight::get().reads(0_u64))
			.saturating_add(T::DbWeight::get().writes(1_u64))
	}
	fn lifecycle_base() -> Weight {
		Weight::from_parts(60_000_000, 4_000)
			.saturating_add(T::DbWeight::get().reads(3_u64))
			.saturating_add(T::DbWeight::get().writes(1_u64))
	}
	fn lifecycle_purge() -> Weight {
		Weight::from_parts(60_000_000, 4_000)
			.saturating_add(T::DbWeight::get().reads(9_u64))
			.saturating_add(T::DbWeight::get().writes(9_u64))
	}
	fn lifecycle_transition() -> Weight {
		Weight::from_parts(60_000_000, 4_000)
			.saturating_add(T::DbWeight::get().reads(8_u64))
			.saturating_add(T::DbWeight::get().writes(9_u64))
	}
	fn lifecycle_skip() -> Weight {
		Weight::from_parts(60_000_000, 4_000)
			.saturating_add(T::DbWeight::get().reads(1_u64))
			.saturating_add(T::DbWeight::get().writes(1_u64))
	}
}

// For tests and backwards compatibility.
impl WeightInfo for () {
	fn commit() -> Weight {
		Weight::from_parts(60_000_000, 4_000)
			.saturating_add(ParityDbWeight::get().reads(3_u64))
			.saturating_add(ParityDbWeight::get().writes(3_u64))
	}
	fn clear_commitment() -> Weight {
		Weight::from_parts(60_000_000, 4_000)
			.saturating_add(ParityDbWeight::get().reads(3_u64))
			.saturating_add(ParityDbWeight::get().writes(3_u64))
	}
	fn register() -> Weight {
		Weight::from_parts(60_000_000, 4_000)
			.saturating_add(ParityDbWeight::get().reads(6_u64))
			.saturating_add(ParityDbWeight::get().writes(7_u64))
	}
	fn renew() -> Weight {
		Weight::from_parts(60_000_000, 4_000)
			.saturating_add(ParityDbWeight::get().reads(3_u64))
			.saturating_add(ParityDbWeight::get().writes(3_u64))
	}
	fn transfer() -> Weight {
		Weight::from_parts(60_000_000, 4_000)
			.saturating_add(ParityDbWeight::get().reads(3_u64))
			.saturating_add(ParityDbWeight::get().writes(3_u64))
	}
	fn release() -> Weight {
		Weight::from_parts(60_000_000, 4_000)
			.saturating_add(ParityDbWeight::get().reads(8_u64))
			.saturating_add(ParityDbWeight::get().writes(9_u64))
	}
	fn set_node_key() -> Weight {
		Weight::from_parts(60_000_000, 4_000)
			.saturating_add(ParityDbWeight::get().reads(3_u64))
			.saturating_add(ParityDbWeight::get().writes(1_u64))
	}
	fn set_records(n: u32) -> Weight {
		Weight::from_parts(60_000_000, 4_000)
			.saturating_add(Weight::from_parts(2_000_000, 520).saturating_mul(n.into()))
			.saturating_add(ParityDbWeight::get().reads(4_u64))
			.saturating_add(ParityDbWeight::get().writes(3_u64))
	}
	fn create_subdomain() -> Weight {
		Weight::from_parts(60_000_000, 4_000)
			.saturating_add(ParityDbWeight::get().reads(5_u64))
			.saturating_add(ParityDbWeight::get().writes(5_u64))
	}
	fn take_back_subdomain() -> Weight {
		Weight::from_parts(60_000_000, 4_000)
			.saturating_add(ParityDbWeight::get().reads(4_u64))
			.saturating_add(ParityDbWeight::get().writes(3_u64))
	}
	fn lock_subdomain() -> Weight {
		Weight::from_parts(60_000_000, 4_000)
			.saturating_add(ParityDbWeight::get().reads(4_u64))
			.saturating_add(ParityDbWeight::get().writes(1_u64))
	}
	fn set_primary() -> Weight {
		Weight::from_parts(60_000_000, 4_000)
			.saturating_add(ParityDbWeight::get().reads(3_u64))
			.saturating_add(ParityDbWeight::get().writes(1_u64))
	}
	fn set_params() -> Weight {
		Weight::from_parts(60_000_000, 4_000)
			.saturating_add(ParityDbWeight::get().reads(0_u64))
			.saturating_add(ParityDbWeight::get().writes(1_u64))
	}
	fn lifecycle_base() -> Weight {
		Weight::from_parts(60_000_000, 4_000)
			.saturating_add(ParityDbWeight::get().reads(3_u64))
			.saturating_add(ParityDbWeight::get().writes(1_u64))
	}
	fn lifecycle_purge() -> Weight {
		Weight::from_parts(60_000_000, 4_000)
			.saturating_add(ParityDbWeight::get().reads(9_u64))
			.saturating_add(ParityDbWeight::get().writes(9_u64))
	}
	fn lifecycle_transition() -> Weight {
		Weight::from_parts(60_000_000, 4_000)
			.saturating_add(ParityDbWeight::get().reads(8_u64))
			.saturating_add(ParityDbWeight::get().writes(9_u64))
	}
	fn lifecycle_skip() -> Weight {
		Weight::from_parts(60_000_000, 4_000)
			.saturating_add(ParityDbWeight::get().reads(1_u64))
			.saturating_add(ParityDbWeight::get().writes(1_u64))
	}
}
