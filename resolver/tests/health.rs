//! `/health` over a real socket: 200 only while the daemon follows a node that is not syncing,
//! finality moves, and every task of the daemon runs; else 503 and what is wrong.

use ddns_resolver::{http, Daemon, DhtConfig, MemChain, Settings};
use libp2p::identity::Keypair;
use std::{net::SocketAddr, time::Duration};
use tokio::{
	io::{AsyncReadExt, AsyncWriteExt},
	net::TcpStream,
};

/// `GET /health`: the status code and the JSON body.
async fn health(addr: SocketAddr) -> (u16, serde_json::Value) {
	let mut conn = TcpStream::connect(addr).await.unwrap();
	conn.write_all(b"GET /health HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n").await.unwrap();
	let mut text = String::new();
	conn.read_to_string(&mut text).await.unwrap();
	let code = text[9..12].parse().unwrap();
	let body = text.split_once("\r\n\r\n").unwrap().1;
	(code, serde_json::from_str(body).unwrap())
}

/// Asks until the status is `want` (the daemon's follower sees a new head a moment after it
/// is finalized), for at most 5 s.
async fn until(addr: SocketAddr, want: &str) -> (u16, serde_json::Value) {
	let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
	loop {
		let (code, body) = health(addr).await;
		if body["status"] == want || tokio::time::Instant::now() > deadline {
			return (code, body);
		}
		tokio::time::sleep(Duration::from_millis(50)).await;
	}
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_is_503_when_syncing_when_finality_stalls_and_when_a_task_died() {
	let chain = MemChain::new();
	chain.finalize();
	let daemon = Daemon::start(
		Keypair::generate_ed25519(),
		chain.clone(),
		DhtConfig {
			listen: vec!["/memory/0".parse().unwrap()],
			memory: true,
			allow_private: true,
			..Default::default()
		},
		Settings { max_finality_age: Duration::from_secs(1), ..Default::default() },
	)
	.unwrap();
	let addr = http::serve(daemon.clone(), "127.0.0.1:0".parse().unwrap()).await.unwrap();

	let (code, body) = until(addr, "ok").await;
	assert_eq!((code, body["status"].as_str()), (200, Some("ok")), "{body}");
	assert_eq!(body["deadTasks"], 0);
	assert_eq!(body["syncing"], false);

	// (The node is asked at most once a second.)
	chain.set_syncing(true);
	let (code, body) = until(addr, "syncing").await;
	assert_eq!((code, body["status"].as_str()), (503, Some("syncing")), "{body}");
	chain.set_syncing(false);

	// No block finalized for longer than --max-finality-age (1 s here).
	tokio::time::sleep(Duration::from_millis(1200)).await;
	let (code, body) = until(addr, "finality_stalled").await;
	assert_eq!((code, body["status"].as_str()), (503, Some("finality_stalled")), "{body}");
	assert!(body["finalizedAgeSeconds"].as_u64().unwrap() >= 1);
	chain.finalize();
	let (code, body) = until(addr, "ok").await;
	assert_eq!((code, body["status"].as_str()), (200, Some("ok")), "{body}");

	// One of the daemon's tasks ends (as a face's listener or the chain follower would on a
	// fatal error): the daemon is no longer whole.
	daemon.keep(tokio::spawn(async {}).abort_handle());
	let (code, body) = until(addr, "task_died").await;
	assert_eq!((code, body["status"].as_str()), (503, Some("task_died")), "{body}");
	assert_eq!(body["deadTasks"], 1);
	daemon.stop();
}
