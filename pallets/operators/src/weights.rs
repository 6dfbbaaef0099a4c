// Placeholder until `scripts/bench-weights.sh operators` writes the measured figures.

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens)]
#![allow(unused_imports)]
#![allow(missing_docs)]

use core::marker::PhantomData;
use frame_support::{traits::Get, weights::{constants::ParityDbWeight, Weight}};

/// The weight of each benchmarked call and step of `pallet_ddns_operators`.
pub trait WeightInfo {
	fn register_service() -> Weight;
	fn set_address() -> Weight;
	fn unbond() -> Weight;
	fn withdraw() -> Weight;
	fn resume() -> Weight;
	fn report(n: u32) -> Weight;
	fn authorize_report(n: u32) -> Weight;
	fn claim() -> Weight;
	fn slash() -> Weight;
	fn set_params() -> Weight;
	fn advance() -> Weight;
	fn tally(s: u32, p: u32) -> Weight;
	fn settle(s: u32) -> Weight;
}

pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn register_service() -> Weight { Weight::from_parts(100_000_000, 10_000).saturating_add(T::DbWeight::get().reads_writes(10, 10)) }
	fn set_address() -> Weight { Weight::from_parts(100_000_000, 10_000).saturating_add(T::DbWeight::get().reads_writes(10, 10)) }
	fn unbond() -> Weight { Weight::from_parts(100_000_000, 10_000).saturating_add(T::DbWeight::get().reads_writes(10, 10)) }
	fn withdraw() -> Weight { Weight::from_parts(100_000_000, 10_000).saturating_add(T::DbWeight::get().reads_writes(10, 10)) }
	fn resume() -> Weight { Weight::from_parts(100_000_000, 10_000).saturating_add(T::DbWeight::get().reads_writes(10, 10)) }
	fn report(_n: u32) -> Weight { Weight::from_parts(100_000_000, 10_000).saturating_add(T::DbWeight::get().reads_writes(10, 10)) }
	fn authorize_report(_n: u32) -> Weight { Weight::from_parts(100_000_000, 10_000).saturating_add(T::DbWeight::get().reads_writes(10, 10)) }
	fn claim() -> Weight { Weight::from_parts(100_000_000, 10_000).saturating_add(T::DbWeight::get().reads_writes(10, 10)) }
	fn slash() -> Weight { Weight::from_parts(100_000_000, 10_000).saturating_add(T::DbWeight::get().reads_writes(10, 10)) }
	fn set_params() -> Weight { Weight::from_parts(100_000_000, 10_000).saturating_add(T::DbWeight::get().reads_writes(10, 10)) }
	fn advance() -> Weight { Weight::from_parts(100_000_000, 10_000).saturating_add(T::DbWeight::get().reads_writes(10, 10)) }
	fn tally(_s: u32, _p: u32) -> Weight { Weight::from_parts(100_000_000, 10_000).saturating_add(T::DbWeight::get().reads_writes(10, 10)) }
	fn settle(_s: u32) -> Weight { Weight::from_parts(100_000_000, 10_000).saturating_add(T::DbWeight::get().reads_writes(10, 10)) }
}

impl WeightInfo for () {
	fn register_service() -> Weight { Weight::from_parts(100_000_000, 10_000) }
	fn set_address() -> Weight { Weight::from_parts(100_000_000, 10_000) }
	fn unbond() -> Weight { Weight::from_parts(100_000_000, 10_000) }
	fn withdraw() -> Weight { Weight::from_parts(100_000_000, 10_000) }
	fn resume() -> Weight { Weight::from_parts(100_000_000, 10_000) }
	fn report(_n: u32) -> Weight { Weight::from_parts(100_000_000, 10_000) }
	fn authorize_report(_n: u32) -> Weight { Weight::from_parts(100_000_000, 10_000) }
	fn claim() -> Weight { Weight::from_parts(100_000_000, 10_000) }
	fn slash() -> Weight { Weight::from_parts(100_000_000, 10_000) }
	fn set_params() -> Weight { Weight::from_parts(100_000_000, 10_000) }
	fn advance() -> Weight { Weight::from_parts(100_000_000, 10_000) }
	fn tally(_s: u32, _p: u32) -> Weight { Weight::from_parts(100_000_000, 10_000) }
	fn settle(_s: u32) -> Weight { Weight::from_parts(100_000_000, 10_000) }
}
