//! `ddns-resolver`: the companion daemon of a ddns node.
//!
//! - [`chain`]: follows finalized chain state (a node's RPC, or a chain in memory for tests).
//! - [`dht`]: the libp2p swarm (Kademlia, identify, ping; TCP and QUIC, or memory).
//! - [`validate`]: the rule every endpoint record must pass before it is stored or served.
//! - [`daemon`]: validation of inbound records, publication of served names, lookups.
//! - [`probe`]: `--probe`, a validator's probes of the operators' services, and the resolver
//!   challenge every daemon answers.
//! - [`http`] and [`dns`]: the faces, whose listeners the daemon owns ([`Daemon::stop`] ends
//!   them).

pub mod chain;
pub mod config;
pub mod daemon;
pub mod dht;
pub mod dns;
pub mod http;
pub mod light;
pub mod metrics;
pub mod probe;
pub mod tcp;
pub mod testing;
pub mod validate;

pub use chain::{Chain, Head, MemChain, RpcChain, View};
pub use daemon::{Daemon, Resolution, Settings};
pub use dht::{Dht, DhtConfig};
