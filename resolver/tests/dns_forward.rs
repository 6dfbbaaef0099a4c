//! The DNS face's forwarder against a hostile upstream on a real socket: replies that do not
//! match the query (another question, another id, another source) are dropped; only clients
//! on the allow-list are served (no open resolver); the answer is clamped to the client's size.

mod common;

use ddns_resolver::{
	dns::{Cidr, DnsConfig, Server, Transport},
	Daemon, MemChain,
};
use hickory_proto::{
	op::{Message, MessageType, Query, ResponseCode},
	rr::{rdata::A, Name, RData, Record, RecordType},
};
use libp2p::identity::Keypair;
use std::{
	net::{IpAddr, SocketAddr},
	sync::{
		atomic::{AtomicUsize, Ordering},
		Arc,
	},
	time::Duration,
};
use tokio::net::UdpSocket;

/// What the fake upstream does with each query it gets.
#[derive(Clone, Copy)]
enum Upstream {
	/// Replies that must be dropped first (another question, another id, another source),
	/// then the right one.
	StrayThenRight,
	/// Only replies with another question.
	OnlyStray,
	/// The right reply, with 40 A records (over 512 bytes).
	Big,
	/// Over UDP a truncated reply (TC, no records); over TCP the whole one (3 records).
	TruncatedUdp,
}

/// A fake upstream on 127.0.0.1: returns its address and how many queries it has had.
async fn upstream(mode: Upstream) -> (SocketAddr, Arc<AtomicUsize>) {
	let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
	let spoofer = UdpSocket::bind("127.0.0.1:0").await.unwrap();
	let addr = socket.local_addr().unwrap();
	let asked = Arc::new(AtomicUsize::new(0));
	if let Upstream::TruncatedUdp = mode {
		// The same port over TCP, with the whole answer.
		let tcp = tokio::net::TcpListener::bind(addr).await.unwrap();
		tokio::spawn(async move {
			use tokio::io::{AsyncReadExt, AsyncWriteExt};
			while let Ok((mut conn, _)) = tcp.accept().await {
				let mut len = [0u8; 2];
				conn.read_exact(&mut len).await.unwrap();
				let mut buf = vec![0u8; u16::from_be_bytes(len) as usize];
				conn.read_exact(&mut buf).await.unwrap();
				let query = Message::from_vec(&buf).unwrap();
				let mut m = Message::new();
				m.set_id(query.id()).set_message_type(MessageType::Response);
				m.add_query(query.queries()[0].clone());
				for i in 0..3 {
					let name = query.queries()[0].name().clone();
					m.add_answer(Record::from_rdata(
						name,
						60,
						RData::A(A::new(192, 0, 2, 100 + i)),
					));
				}
				let out = m.to_vec().unwrap();
				conn.write_all(&(out.len() as u16).to_be_bytes()).await.unwrap();
				conn.write_all(&out).await.unwrap();
			}
		});
	}
	let count = asked.clone();
	tokio::spawn(async move {
		let mut buf = vec![0u8; 4096];
		loop {
			let (len, from) = socket.recv_from(&mut buf).await.unwrap();
			count.fetch_add(1, Ordering::SeqCst);
			let query = Message::from_vec(&buf[..len]).unwrap();
			let reply = |id: u16, q: Query, n: u8| {
				let mut m = Message::new();
				m.set_id(id).set_message_type(MessageType::Response).set_recursion_available(true);
				m.add_query(q.clone());
				for i in 0..n {
					m.add_answer(Record::from_rdata(
						q.name().clone(),
						60,
						RData::A(A::new(192, 0, 2, i)),
					));
				}
				m.to_vec().unwrap()
			};
			let q = query.queries()[0].clone();
			let mut other = q.clone();
			other.set_query_type(RecordType::AAAA);
			match mode {
				Upstream::StrayThenRight => {
					socket.send_to(&reply(query.id(), other, 1), from).await.unwrap();
					socket
						.send_to(&reply(query.id().wrapping_add(1), q.clone(), 1), from)
						.await
						.unwrap();
					spoofer.send_to(&reply(query.id(), q.clone(), 2), from).await.unwrap();
					socket.send_to(b"\x00garbage", from).await.unwrap();
					tokio::time::sleep(Duration::from_millis(50)).await;
					socket.send_to(&reply(query.id(), q, 3), from).await.unwrap();
				},
				Upstream::OnlyStray => {
					socket.send_to(&reply(query.id(), other, 1), from).await.unwrap();
				},
				Upstream::Big => {
					socket.send_to(&reply(query.id(), q, 40), from).await.unwrap();
				},
				Upstream::TruncatedUdp => {
					let mut m = Message::from_vec(&reply(query.id(), q, 0)).unwrap();
					m.set_truncated(true);
					socket.send_to(&m.to_vec().unwrap(), from).await.unwrap();
				},
			}
		}
	});
	(addr, asked)
}

async fn server(upstream: SocketAddr, allow: Vec<Cidr>) -> (Arc<Server>, Arc<Daemon>) {
	let chain = MemChain::new();
	chain.finalize();
	let daemon = common::lone_daemon(Keypair::generate_ed25519(), chain);
	let config = DnsConfig {
		listen: "127.0.0.1:0".parse().unwrap(),
		upstream: Some(upstream),
		forward_allow: allow,
		ttl: 60,
		block_seconds: 6,
		..Default::default()
	};
	(Arc::new(Server::new(daemon.clone(), config)), daemon)
}

/// A query for `WWW.Example.COM.` A, without EDNS, id 0x4242.
fn query() -> Vec<u8> {
	let mut m = Message::new();
	m.set_id(0x4242).set_recursion_desired(true);
	m.add_query(Query::query(Name::from_ascii("WWW.Example.COM.").unwrap(), RecordType::A));
	m.to_vec().unwrap()
}

async fn ask(server: &Server, transport: Transport, client: &str) -> Message {
	let client: IpAddr = client.parse().unwrap();
	let out =
		tokio::time::timeout(Duration::from_secs(5), server.answer(&query(), transport, client))
			.await
			.expect("an answer within 5 s")
			.expect("an answer");
	Message::from_vec(&out).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replies_that_do_not_match_the_query_are_dropped() {
	let (addr, _) = upstream(Upstream::StrayThenRight).await;
	let (server, daemon) = server(addr, Cidr::loopback()).await;
	let m = ask(&server, Transport::Udp, "127.0.0.1").await;
	assert_eq!(m.response_code(), ResponseCode::NoError);
	// The right reply's 3 records came through (the strays carried 1 and 2), with the client's
	// id and question, its letters' case as the client sent them.
	assert_eq!(m.answers().len(), 3);
	assert_eq!(m.id(), 0x4242);
	assert_eq!(m.queries()[0].name().to_ascii(), "WWW.Example.COM.");
	assert!(m.recursion_available());
	// No TCP upstream there: SERVFAIL at once, not a hang.
	let m = ask(&server, Transport::Tcp, "127.0.0.1").await;
	assert_eq!(m.response_code(), ResponseCode::ServFail);
	daemon.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_stray_replies_give_servfail() {
	let (addr, asked) = upstream(Upstream::OnlyStray).await;
	let (server, daemon) = server(addr, Cidr::loopback()).await;
	let m = ask(&server, Transport::Udp, "127.0.0.1").await;
	assert_eq!(m.response_code(), ResponseCode::ServFail);
	assert_eq!(m.queries()[0].name().to_ascii(), "WWW.Example.COM.");
	assert!(m.answers().is_empty());
	assert_eq!(asked.load(Ordering::SeqCst), 1);
	daemon.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_off_the_allow_list_are_refused_and_the_upstream_is_not_asked() {
	let (addr, asked) = upstream(Upstream::Big).await;
	let (server, daemon) = server(addr, vec!["127.0.0.1".parse().unwrap()]).await;
	for client in ["192.0.2.1", "127.0.0.2", "::ffff:198.51.100.1"] {
		let m = ask(&server, Transport::Udp, client).await;
		assert_eq!(m.response_code(), ResponseCode::Refused, "{client}");
		assert!(!m.recursion_available(), "{client}");
		assert!(m.answers().is_empty());
	}
	assert_eq!(asked.load(Ordering::SeqCst), 0, "nothing forwarded for them");
	// The listed client is served, and the answer is clamped to its 512 bytes (no EDNS).
	let m = ask(&server, Transport::Udp, "127.0.0.1").await;
	assert_eq!(m.response_code(), ResponseCode::NoError);
	assert!(m.truncated() && m.answers().is_empty());
	assert_eq!(asked.load(Ordering::SeqCst), 1);
	daemon.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_truncation_the_upstream_answer_is_relayed_with_the_clients_header() {
	let (addr, _) = upstream(Upstream::Big).await;
	let (server, daemon) = server(addr, Cidr::loopback()).await;
	// With EDNS at 1232 the 40 records fit (40 × 16 + header and question ≈ 700 bytes).
	let mut m = Message::from_vec(&query()).unwrap();
	let mut edns = hickory_proto::op::Edns::new();
	edns.set_max_payload(1232);
	m.set_edns(edns);
	let out =
		server.answer(&m.to_vec().unwrap(), Transport::Udp, [127, 0, 0, 1].into()).await.unwrap();
	let m = Message::from_vec(&out).unwrap();
	assert_eq!(m.response_code(), ResponseCode::NoError);
	assert!(!m.truncated());
	assert_eq!(m.answers().len(), 40);
	assert_eq!(m.id(), 0x4242);
	assert_eq!(m.queries()[0].name().to_ascii(), "WWW.Example.COM.");
	assert_eq!(m.extensions().as_ref().map(|e| e.max_payload()), Some(1232));
	daemon.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_truncated_upstream_is_asked_again_over_tcp() {
	let (addr, _) = upstream(Upstream::TruncatedUdp).await;
	let (server, daemon) = server(addr, Cidr::loopback()).await;
	let m = ask(&server, Transport::Udp, "127.0.0.1").await;
	assert_eq!(m.response_code(), ResponseCode::NoError);
	assert!(!m.truncated());
	assert_eq!(m.answers().len(), 3, "the TCP answer, not an empty truncated one");
	assert!(!m.authoritative(), "another zone's answer is not ours");
	daemon.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upstream_that_is_the_face_itself_is_refused_at_start() {
	let port = std::net::UdpSocket::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
	let here: SocketAddr = ([127, 0, 0, 1], port).into();
	let (_, daemon) = server(here, Cidr::loopback()).await;
	let config = DnsConfig {
		listen: here,
		upstream: Some(here),
		forward_allow: Cidr::loopback(),
		ttl: 60,
		block_seconds: 6,
		..Default::default()
	};
	let err = ddns_resolver::dns::serve(daemon.clone(), config).await.unwrap_err();
	assert!(err.to_string().contains("would loop"), "{err}");
	daemon.stop();
}
