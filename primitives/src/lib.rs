//! What every part of ddns must agree on byte for byte.
//!
//! - [`name`]: which byte strings are ddns names, in exactly one (canonical) spelling each.
//! - [`record`]: the typed records a name points to, and the limits on them.
//! - [`endpoint`]: the signed endpoint records of the DHT (where a name is served right now).
//! - [`multiaddr`]: multiaddrs and PeerIds in text.
//! - [`operator`]: the services the operators pallet pays and the validators probe.
//! - [`registry`]: the registry's stored types, its lifecycle rule and its storage keys.
//!
//! The runtime, the JSON-RPC resolver and the DNS face all link this crate, so a name the chain
//! accepts is a name DNS can carry, and a record the chain stores is one the DNS face can serve.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod endpoint;
pub mod multiaddr;
pub mod name;
pub mod net;
pub mod operator;
pub mod punycode;
pub mod record;
pub mod registry;

pub use name::{NameError, TLD};
pub use record::{Record, RecordError, RecordKind};
