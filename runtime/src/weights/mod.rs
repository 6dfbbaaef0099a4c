//! Weights of the polkadot-sdk pallets whose default `()` weights are costed for RocksDB,
//! measured on this project's machines against the runtime's ParityDB costs. Regenerate with
//! `scripts/bench-weights.sh frame_system pallet_timestamp pallet_grandpa`.

pub mod frame_system;
pub mod pallet_grandpa;
pub mod pallet_timestamp;
