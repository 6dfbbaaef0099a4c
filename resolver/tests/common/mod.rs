//! What the integration tests share. Each test file is a crate of its own and uses only some
//! of it.
#![allow(dead_code)]

use ddns_resolver::{Daemon, DhtConfig, MemChain, Settings};
use libp2p::identity::Keypair;
use std::{future::Future, sync::Arc, time::Duration};

/// Polls `f` every 50 ms until it returns `Some`, for at most 30 s.
pub async fn eventually<T, F, Fut>(what: &str, mut f: F) -> T
where
	F: FnMut() -> Fut,
	Fut: Future<Output = Option<T>>,
{
	let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
	loop {
		if let Some(v) = f().await {
			return v;
		}
		assert!(tokio::time::Instant::now() < deadline, "timed out waiting until {what}");
		tokio::time::sleep(Duration::from_millis(50)).await;
	}
}

/// A chain type's bounded vector from bytes that fit.
pub fn bounded<T: TryFrom<Vec<u8>>>(bytes: &[u8]) -> T {
	T::try_from(bytes.to_vec()).ok().expect("within bounds")
}

/// A daemon alone on the memory transport, following `chain`: the faces' tests need its
/// chain and its (empty) DHT, whose queries end in 300 ms.
pub fn lone_daemon(key: Keypair, chain: Arc<MemChain>) -> Arc<Daemon> {
	Daemon::start(
		key,
		chain,
		DhtConfig {
			listen: vec!["/memory/0".parse().unwrap()],
			memory: true,
			query_timeout: Duration::from_millis(300),
			allow_private: true,
			..Default::default()
		},
		Settings::default(),
	)
	.unwrap()
}
