//! `Daemon::stop` ends the faces: after it, the DNS face's UDP and TCP sockets and the HTTP
//! face's socket are closed, and so are the connections they were serving.

use ddns_resolver::{
	dns::{self, DnsConfig},
	http, Daemon, DhtConfig, MemChain, Settings,
};
use hickory_proto::{
	op::{Message, MessageType, Query, ResponseCode},
	rr::{Name, RecordType},
};
use libp2p::identity::Keypair;
use std::{
	net::SocketAddr,
	time::{Duration, Instant},
};
use tokio::{
	io::{AsyncReadExt, AsyncWriteExt},
	net::{TcpListener, TcpStream, UdpSocket},
};

/// Any free port on 127.0.0.1.
fn loopback() -> SocketAddr {
	([127, 0, 0, 1], 0).into()
}

/// An SOA query for the apex, as bytes.
fn soa_query(id: u16) -> Vec<u8> {
	let mut m = Message::new();
	m.set_id(id).set_message_type(MessageType::Query);
	m.add_query(Query::query(Name::from_ascii("ddns.").unwrap(), RecordType::SOA));
	m.to_vec().unwrap()
}

fn framed(message: &[u8]) -> Vec<u8> {
	let mut framed = (message.len() as u16).to_be_bytes().to_vec();
	framed.extend_from_slice(message);
	framed
}

/// The DNS face answers over UDP.
async fn udp_answers(dns: SocketAddr) -> bool {
	let socket = UdpSocket::bind(loopback()).await.unwrap();
	socket.send_to(&soa_query(7), dns).await.unwrap();
	let mut buf = vec![0u8; 65_535];
	match tokio::time::timeout(Duration::from_secs(2), socket.recv_from(&mut buf)).await {
		Ok(Ok((len, _))) => Message::from_vec(&buf[..len])
			.is_ok_and(|m| m.id() == 7 && m.response_code() == ResponseCode::NoError),
		_ => false,
	}
}

/// Sends a query on an open DNS-over-TCP connection and reads the answer.
async fn tcp_answers(stream: &mut TcpStream, id: u16) -> bool {
	if stream.write_all(&framed(&soa_query(id))).await.is_err() {
		return false;
	}
	let mut len = [0u8; 2];
	if stream.read_exact(&mut len).await.is_err() {
		return false;
	}
	let mut out = vec![0u8; u16::from_be_bytes(len) as usize];
	stream.read_exact(&mut out).await.is_ok() && Message::from_vec(&out).is_ok_and(|m| m.id() == id)
}

/// The peer closed `stream` (end of stream or reset) within two seconds; what it sent before
/// is read and dropped.
async fn closed(stream: &mut TcpStream) -> bool {
	let mut buf = [0u8; 1024];
	let end = async { while let Ok(1..) = stream.read(&mut buf).await {} };
	tokio::time::timeout(Duration::from_secs(2), end).await.is_ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_ends_the_faces() {
	let daemon = Daemon::start(
		Keypair::generate_ed25519(),
		MemChain::new(),
		DhtConfig {
			listen: vec!["/memory/0".parse().unwrap()],
			bootnodes: vec![],
			memory: true,
			query_timeout: Duration::from_secs(5),
			allow_private: true,
			..Default::default()
		},
		Settings::default(),
	)
	.unwrap();
	let http = http::serve(daemon.clone(), loopback()).await.unwrap();
	let dns = dns::serve(
		daemon.clone(),
		DnsConfig {
			listen: loopback(),
			upstream: None,
			forward_allow: vec![],
			ttl: 60,
			block_seconds: 6,
			..Default::default()
		},
	)
	.await
	.unwrap();

	// Both faces serve, and keep a connection open each.
	assert!(udp_answers(dns).await, "the DNS face answers over UDP");
	let mut dns_conn = TcpStream::connect(dns).await.unwrap();
	assert!(tcp_answers(&mut dns_conn, 8).await, "the DNS face answers over TCP");
	let mut http_conn = TcpStream::connect(http).await.unwrap();
	http_conn.write_all(b"GET /metrics HTTP/1.1\r\nhost: x\r\n\r\n").await.unwrap();
	let mut buf = [0u8; 12];
	http_conn.read_exact(&mut buf).await.unwrap();
	assert_eq!(&buf, b"HTTP/1.1 200", "the HTTP face answers");

	daemon.stop();

	// The connections they served close, and their sockets are released: new connections are
	// refused, and the ports can be bound again. The tasks end soon after `stop`, not within it.
	assert!(closed(&mut dns_conn).await, "the DNS-over-TCP connection closes");
	assert!(closed(&mut http_conn).await, "the HTTP connection closes");
	let deadline = Instant::now() + Duration::from_secs(5);
	loop {
		let released = TcpStream::connect(dns).await.is_err()
			&& TcpStream::connect(http).await.is_err()
			&& UdpSocket::bind(dns).await.is_ok()
			&& TcpListener::bind(dns).await.is_ok()
			&& TcpListener::bind(http).await.is_ok();
		if released {
			break;
		}
		assert!(Instant::now() < deadline, "the faces' sockets are still open after stop");
		tokio::time::sleep(Duration::from_millis(50)).await;
	}
}
