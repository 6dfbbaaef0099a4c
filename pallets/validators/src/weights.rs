// Placeholder until scripts/bench-weights.sh regenerates this file.
#![allow(unused_parens)]
#![allow(unused_imports)]

use core::marker::PhantomData;
use frame_support::{traits::Get, weights::{constants::ParityDbWeight, Weight}};

/// The weight of each call of `pallet_ddns_validators`.
pub trait WeightInfo {
	fn add_validator() -> Weight;
	fn remove_validator() -> Weight;
}

pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn add_validator() -> Weight {
		Weight::from_parts(20_000_000, 3_000).saturating_add(T::DbWeight::get().reads_writes(1, 2))
	}
	fn remove_validator() -> Weight {
		Weight::from_parts(20_000_000, 3_000).saturating_add(T::DbWeight::get().reads_writes(1, 2))
	}
}

impl WeightInfo for () {
	fn add_validator() -> Weight {
		Weight::from_parts(20_000_000, 3_000).saturating_add(ParityDbWeight::get().reads_writes(1, 2))
	}
	fn remove_validator() -> Weight {
		Weight::from_parts(20_000_000, 3_000).saturating_add(ParityDbWeight::get().reads_writes(1, 2))
	}
}
