//! Helpers shared by the unit tests, the swarm tests and the DHT benchmark.

use crate::chain::View;
use ddns_primitives::endpoint::Endpoint;
use ddns_registry_runtime_api::Lifecycle;
use libp2p::{identity::Keypair, Multiaddr};

pub use crate::daemon::node_key;

/// An Active view of `name` whose node key is `key`'s, at `epoch`, expiring at `expires_at`.
pub fn view_for(name: &str, key: &Keypair, epoch: u64, expires_at: u32) -> View {
	View {
		name: name.as_bytes().to_vec(),
		owner: [1u8; 32].into(),
		state: Lifecycle::Active,
		expires_at,
		epoch,
		node_key: Some(node_key(key)),
		records: vec![],
		parent: None,
		locked: false,
		registered_at: 1,
		deposit: 0,
	}
}

/// The genesis hash of the tests' chain (`DhtConfig::default().genesis`).
pub const GENESIS: [u8; 32] = [0; 32];

/// A record for `name` signed by `key` for the tests' chain, served by `key`'s PeerId at
/// 127.0.0.1:4001.
pub fn sign(key: &Keypair, name: &str, epoch: u64, seq: u64, valid_until: u32) -> Vec<u8> {
	sign_for(&GENESIS, key, name, epoch, seq, valid_until)
}

/// As [`sign`], for the chain whose genesis hash is `genesis`.
pub fn sign_for(
	genesis: &[u8; 32],
	key: &Keypair,
	name: &str,
	epoch: u64,
	seq: u64,
	valid_until: u32,
) -> Vec<u8> {
	let addr: Multiaddr = "/ip4/127.0.0.1/tcp/4001".parse().expect("a valid multiaddr");
	let endpoint = Endpoint {
		name: name.as_bytes().to_vec(),
		epoch,
		seq,
		valid_until,
		peer_id: key.public().to_peer_id().to_bytes(),
		addrs: vec![addr.to_vec()],
	};
	let signature = key.sign(&endpoint.signing_payload(genesis)).expect("ed25519 signs");
	endpoint.to_wire(&signature.try_into().expect("64 bytes")).expect("a well-formed record")
}
