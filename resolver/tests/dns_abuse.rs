//! The DNS face on the open internet, on real sockets: ANY over UDP gets a minimal answer
//! (RFC 8482); a flood from one source prefix is rate-limited (dropped, every second slipped
//! as an empty truncated reply) while another prefix is served in the same moment, and a client
//! with a valid server cookie is not limited; cookies (RFC 7873, RFC 9018) are echoed and
//! checked; one address cannot hold more than its share of TCP connections, on the DNS face
//! or the HTTP face; a slow query does not hold the UDP receiver.
//!
//! Sources are loopback addresses other than 127.0.0.1 (all of 127.0.0.0/8 reaches the face on
//! Linux), each test's in /24s of its own, and the face exempts none of them.

mod common;

use common::bounded;
use ddns_primitives::Record as ChainRecord;
use ddns_resolver::{
	dns::{self, DnsConfig, RrlConfig, Server, Transport},
	http,
	testing::view_for,
	Daemon, MemChain,
};
use hickory_proto::{
	op::{Edns, Message, MessageType, Query, ResponseCode},
	rr::{
		rdata::opt::{EdnsCode, EdnsOption},
		Name, RData, RecordType,
	},
};
use libp2p::identity::Keypair;
use std::{
	net::{IpAddr, SocketAddr},
	sync::Arc,
	time::{Duration, Instant},
};
use tokio::{
	io::{AsyncReadExt, AsyncWriteExt},
	net::{TcpSocket, TcpStream, UdpSocket},
};

/// A daemon whose chain has `example.ddns` (A, AAAA, TXT, MX, SRV, CAA and P2P records: a
/// typical name) and `alias.ddns` → `example.ddns`.
fn daemon() -> Arc<Daemon> {
	let key = Keypair::generate_ed25519();
	let other = Keypair::generate_ed25519();
	let chain = MemChain::new();
	let mut example = view_for("example.ddns", &key, 1, 100_000);
	let addr: libp2p::Multiaddr = "/ip4/192.0.2.7/tcp/4001".parse().unwrap();
	example.records = vec![
		ChainRecord::A([192, 0, 2, 1]),
		ChainRecord::A([192, 0, 2, 2]),
		ChainRecord::Aaaa([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]),
		ChainRecord::Txt(bounded(b"v=spf1 include:_spf.example.ddns ip4:192.0.2.0/24 -all")),
		ChainRecord::Txt(bounded(&[b'k'; 200])),
		ChainRecord::Mx { preference: 10, exchange: bounded(b"mail.example.ddns") },
		ChainRecord::Mx { preference: 20, exchange: bounded(b"backup-mail.example.ddns") },
		ChainRecord::Srv {
			service: bounded(b"_http"),
			protocol: bounded(b"_tcp"),
			priority: 0,
			weight: 5,
			port: 8080,
			target: bounded(b"web.example.ddns"),
		},
		ChainRecord::Caa { flags: 0, tag: bounded(b"issue"), value: bounded(b"letsencrypt.org") },
		ChainRecord::P2p {
			peer_id: bounded(&other.public().to_peer_id().to_bytes()),
			multiaddrs: vec![bounded(&addr.to_vec())].try_into().unwrap(),
		},
	];
	let mut alias = view_for("alias.ddns", &other, 1, 100_000);
	alias.records = vec![ChainRecord::Cname(bounded(b"example.ddns"))];
	chain.set("example.ddns", Some(example));
	chain.set("alias.ddns", Some(alias));
	chain.finalize();
	common::lone_daemon(key, chain)
}

/// The face's settings for these tests: nobody exempt from the rate limit.
fn config(rate: u32, slip: u32) -> DnsConfig {
	DnsConfig {
		listen: "127.0.0.1:0".parse().unwrap(),
		rrl: RrlConfig { rate, slip, exempt: vec![] },
		..Default::default()
	}
}

/// A query with EDNS (1232) and, if given, a COOKIE option with `cookie` as its data.
fn query(id: u16, name: &str, qtype: RecordType, cookie: Option<&[u8]>) -> Vec<u8> {
	let mut m = Message::new();
	m.set_id(id).set_message_type(MessageType::Query);
	m.add_query(Query::query(Name::from_ascii(name).unwrap(), qtype));
	let mut edns = Edns::new();
	edns.set_max_payload(1232);
	if let Some(cookie) = cookie {
		edns.options_mut().insert(EdnsOption::Unknown(10, cookie.to_vec()));
	}
	m.set_edns(edns);
	m.to_vec().unwrap()
}

/// The COOKIE option's data in a response.
fn cookie_of(m: &Message) -> Option<Vec<u8>> {
	m.extensions().as_ref()?.options().as_ref().iter().find_map(|(code, o)| match (code, o) {
		(EdnsCode::Cookie, EdnsOption::Unknown(_, data)) => Some(data.clone()),
		_ => None,
	})
}

/// A UDP socket on `ip` (any port), with room for a flood's replies.
async fn udp_from(ip: &str) -> UdpSocket {
	let socket = UdpSocket::bind((ip.parse::<IpAddr>().unwrap(), 0)).await.unwrap();
	let _ = socket2::SockRef::from(&socket).set_recv_buffer_size(1 << 20);
	socket
}

async fn udp_ask(socket: &UdpSocket, face: SocketAddr, packet: &[u8]) -> Option<Message> {
	socket.send_to(packet, face).await.unwrap();
	let mut buf = vec![0u8; 65_535];
	let (len, _) = tokio::time::timeout(Duration::from_secs(2), socket.recv_from(&mut buf))
		.await
		.ok()?
		.unwrap();
	Some(Message::from_vec(&buf[..len]).unwrap())
}

async fn tcp_from(ip: &str, face: SocketAddr) -> std::io::Result<TcpStream> {
	let socket = TcpSocket::new_v4()?;
	socket.bind((ip.parse::<IpAddr>().unwrap(), 0).into())?;
	socket.connect(face).await
}

/// Sends `packet` on a DNS-over-TCP connection and reads the answer; `None` if the connection
/// is closed (or says nothing for 2 s).
async fn tcp_ask(stream: &mut TcpStream, packet: &[u8]) -> Option<Message> {
	let mut framed = (packet.len() as u16).to_be_bytes().to_vec();
	framed.extend_from_slice(packet);
	stream.write_all(&framed).await.ok()?;
	let read = async {
		let mut len = [0u8; 2];
		stream.read_exact(&mut len).await.ok()?;
		let mut buf = vec![0u8; u16::from_be_bytes(len) as usize];
		stream.read_exact(&mut buf).await.ok()?;
		Message::from_vec(&buf).ok()
	};
	tokio::time::timeout(Duration::from_secs(2), read).await.ok()?
}

/// The value of a sample in the daemon's metrics (`name{labels}` as printed), or 0.
fn metric(daemon: &Daemon, sample: &str) -> u64 {
	let text = daemon.metrics.render();
	text.lines().find_map(|l| l.strip_prefix(sample)?.strip_prefix(' ')?.parse().ok()).unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn any_over_udp_gets_one_hinfo_and_over_tcp_everything() {
	let daemon = daemon();
	let face = dns::serve(daemon.clone(), config(0, 2)).await.unwrap();
	let client = udp_from("127.0.3.1").await;
	let q = query(1, "example.ddns.", RecordType::ANY, None);
	client.send_to(&q, face).await.unwrap();
	let mut buf = vec![0u8; 65_535];
	let (udp_len, _) = client.recv_from(&mut buf).await.unwrap();
	let m = Message::from_vec(&buf[..udp_len]).unwrap();
	assert_eq!(m.response_code(), ResponseCode::NoError);
	assert!(m.authoritative() && !m.truncated());
	assert_eq!(m.answers().len(), 1, "{m:?}");
	match m.answers()[0].data() {
		RData::HINFO(h) => {
			assert_eq!((h.cpu(), h.os()), (&b"RFC8482"[..], &b""[..]));
		},
		other => panic!("not HINFO: {other:?}"),
	}
	// Over TCP, where the client's address is proven, ANY gets every record, as before.
	let mut tcp = tcp_from("127.0.3.1", face).await.unwrap();
	let full = tcp_ask(&mut tcp, &q).await.unwrap();
	let full_len = full.to_vec().unwrap().len();
	assert_eq!(full.answers().len(), 8, "A, A, AAAA, TXT, TXT, MX, MX, CAA: {full:?}");
	eprintln!(
		"ANY example.ddns: query {} bytes; UDP answer {udp_len} bytes ({:.1}x); the full answer \
		 (TCP, and UDP before RFC 8482) {full_len} bytes ({:.1}x)",
		q.len(),
		udp_len as f64 / q.len() as f64,
		full_len as f64 / q.len() as f64,
	);
	assert!(udp_len <= q.len() + 40, "{udp_len} bytes for a {}-byte query", q.len());
	// A CNAME name: its CNAME (one RRset, not chased). No such name: NXDOMAIN with the SOA.
	// The apex: HINFO too.
	let m = udp_ask(&client, face, &query(2, "alias.ddns.", RecordType::ANY, None)).await.unwrap();
	assert_eq!(m.answers().len(), 1);
	assert_eq!(m.answers()[0].record_type(), RecordType::CNAME);
	let m = udp_ask(&client, face, &query(3, "nobody.ddns.", RecordType::ANY, None)).await.unwrap();
	assert_eq!(m.response_code(), ResponseCode::NXDomain);
	assert!(m.answers().is_empty());
	assert_eq!(m.name_servers()[0].record_type(), RecordType::SOA);
	let m = udp_ask(&client, face, &query(4, "ddns.", RecordType::ANY, None)).await.unwrap();
	assert_eq!(m.answers().len(), 1);
	assert_eq!(m.answers()[0].record_type(), RecordType::HINFO);
	daemon.stop();
}

/// Sends `n` SOA queries from `socket` as fast as it can and reads replies until none come
/// for 500 ms: (full answers, slipped replies).
async fn flood(socket: Arc<UdpSocket>, face: SocketAddr, n: u16) -> (usize, usize) {
	let reader = {
		let socket = socket.clone();
		tokio::spawn(async move {
			let (mut answered, mut slipped) = (0, 0);
			let mut buf = vec![0u8; 65_535];
			while let Ok(Ok((len, _))) =
				tokio::time::timeout(Duration::from_millis(500), socket.recv_from(&mut buf)).await
			{
				let m = Message::from_vec(&buf[..len]).unwrap();
				if m.truncated() {
					assert!(m.answers().is_empty() && m.name_servers().is_empty());
					assert_eq!(m.queries().len(), 1, "the question is kept");
					assert!(len <= 50, "a slipped reply is small ({len} bytes)");
					slipped += 1;
				} else {
					assert_eq!(m.answers().len(), 1);
					answered += 1;
				}
			}
			(answered, slipped)
		})
	};
	for id in 0..n {
		socket.send_to(&query(id, "ddns.", RecordType::SOA, None), face).await.unwrap();
	}
	reader.await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_from_one_prefix_is_limited_while_another_prefix_is_served() {
	const RATE: u32 = 20;
	const FLOOD: u16 = 600;
	let daemon = daemon();
	let face = dns::serve(daemon.clone(), config(RATE, 2)).await.unwrap();
	let attacker = Arc::new(udp_from("127.0.0.2").await);
	let bystander = udp_from("127.0.1.3").await;
	let started = Instant::now();
	let flooding = tokio::spawn(flood(attacker.clone(), face, FLOOD));
	// While the flood goes on, another /24 asks and is answered every time.
	let mut served = 0;
	for id in 0..RATE as u16 {
		let m = udp_ask(&bystander, face, &query(id, "example.ddns.", RecordType::A, None)).await;
		served += usize::from(m.is_some_and(|m| !m.truncated() && m.answers().len() == 2));
	}
	let (answered, slipped) = flooding.await.unwrap();
	// The flood's queries were sent within this (less the 500 ms the reader waits at the end).
	let seconds = started.elapsed().as_secs_f64();
	let limited = usize::from(FLOOD) - answered;
	let dropped = limited - slipped;
	eprintln!(
		"flood of {FLOOD} from 127.0.0.2 at rate {RATE}/s over {seconds:.2} s: {answered} \
		 answered, {slipped} slipped, {dropped} dropped ({:.0}% unanswered); 127.0.1.3: \
		 {served}/{RATE} answered",
		100.0 * dropped as f64 / f64::from(FLOOD),
	);
	assert_eq!(served, RATE as usize, "the other prefix is served in full");
	// The burst (a second's worth) and what the bucket refilled while the flood lasted.
	assert!(answered >= RATE as usize, "{answered}");
	assert!(answered as f64 <= f64::from(RATE) * (1.0 + seconds) + 1.0, "{answered}");
	// Every second limited answer slips (rounding: the first limited one is dropped).
	assert!(slipped.abs_diff(limited / 2) <= 1, "{slipped} slipped of {limited} limited");
	// The metrics say the same (within a few replies the kernel might lose on the way back).
	let counted = |action: &str| {
		metric(&daemon, &format!("ddns_resolver_dns_rate_limited_total{{action=\"{action}\"}}"))
	};
	let (slipped_metric, dropped_metric) =
		(counted("slipped") as usize, counted("dropped") as usize);
	assert!(slipped_metric >= slipped && slipped_metric - slipped <= 5, "{slipped_metric}");
	assert_eq!(slipped_metric + dropped_metric + answered, usize::from(FLOOD));
	let unanswered = metric(&daemon, "ddns_resolver_dns_dropped_total{reason=\"rate_limit\"}");
	assert_eq!(unanswered as usize, dropped_metric);
	daemon.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_with_a_valid_server_cookie_is_not_limited() {
	const RATE: u32 = 5;
	let daemon = daemon();
	let face = dns::serve(daemon.clone(), config(RATE, 1)).await.unwrap();
	let client = udp_from("127.0.4.1").await;
	let ours = [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88];
	// The first answer teaches the client its server cookie.
	let first =
		udp_ask(&client, face, &query(1, "ddns.", RecordType::SOA, Some(&ours))).await.unwrap();
	let cookie = cookie_of(&first).expect("a cookie back");
	// Far over the rate, with that cookie: every one answered in full.
	let mut answered = 0;
	for id in 0..(RATE as u16 * 10) {
		let m = udp_ask(&client, face, &query(id, "ddns.", RecordType::SOA, Some(&cookie))).await;
		answered +=
			usize::from(m.is_some_and(|m| {
				m.response_code() == ResponseCode::NoError && m.answers().len() == 1
			}));
	}
	assert_eq!(answered, RATE as usize * 10);
	// The client cookie alone (or with a forged server cookie) proves nothing: limited, and with
	// slip 1 every limited one is BADCOOKIE with a fresh server cookie, which is then good.
	let mut forged = cookie.clone();
	forged[20] ^= 0xff;
	let mut bad_cookie = 0;
	for id in 0..(RATE as u16 * 2) {
		let presented = if id % 2 == 0 { &ours[..] } else { &forged[..] };
		let m = udp_ask(&client, face, &query(id, "ddns.", RecordType::SOA, Some(presented)))
			.await
			.unwrap();
		if m.response_code() == ResponseCode::BADCOOKIE {
			assert!(m.answers().is_empty());
			let fresh = cookie_of(&m).expect("BADCOOKIE carries a server cookie");
			assert_eq!(&fresh[..8], &ours);
			let again = udp_ask(&client, face, &query(id, "ddns.", RecordType::SOA, Some(&fresh)))
				.await
				.unwrap();
			assert_eq!(again.response_code(), ResponseCode::NoError);
			bad_cookie += 1;
		}
	}
	assert!(bad_cookie >= RATE as usize - 1, "{bad_cookie} BADCOOKIE");
	daemon.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cookies_are_echoed_and_checked() {
	let daemon = daemon();
	let server = Server::new(daemon.clone(), config(0, 2));
	let ip: IpAddr = "192.0.2.1".parse().unwrap();
	let ask = |packet: Vec<u8>, transport: Transport, client: IpAddr| {
		let server = &server;
		async move {
			let out = server.answer(&packet, transport, client).await.expect("an answer");
			Message::from_vec(&out).unwrap()
		}
	};
	let client_cookie = *b"\x01\x02\x03\x04\x05\x06\x07\x08";
	let q = |cookie: &[u8]| query(7, "example.ddns.", RecordType::A, Some(cookie));
	// A client cookie alone: answered, with it and a server cookie of RFC 9018's form.
	let m = ask(q(&client_cookie), Transport::Udp, ip).await;
	assert_eq!(m.response_code(), ResponseCode::NoError);
	assert_eq!(m.answers().len(), 2);
	let cookie = cookie_of(&m).unwrap();
	assert_eq!(cookie.len(), 24);
	assert_eq!(&cookie[..8], &client_cookie);
	assert_eq!(&cookie[8..12], &[1, 0, 0, 0], "version 1, reserved 0");
	let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
	let stamp = u32::from_be_bytes(cookie[12..16].try_into().unwrap());
	assert!((now.as_secs() as u32).abs_diff(stamp) <= 2, "timestamped now");
	// With it, from the same address: answered, with the cookie again. Over TCP too.
	for t in [Transport::Udp, Transport::Tcp] {
		let m = ask(q(&cookie), t, ip).await;
		assert_eq!(m.response_code(), ResponseCode::NoError);
		assert_eq!(&cookie_of(&m).unwrap()[..12], &cookie[..12]);
	}
	// From another address, or another server's cookie: a normal answer with a new cookie
	// (RFC 7873 §5.2.4), not BADCOOKIE.
	let other: IpAddr = "192.0.2.2".parse().unwrap();
	let m = ask(q(&cookie), Transport::Udp, other).await;
	assert_eq!(m.response_code(), ResponseCode::NoError);
	assert_ne!(cookie_of(&m).unwrap()[16..], cookie[16..]);
	let mut foreign = client_cookie.to_vec();
	foreign.extend_from_slice(&[9; 24]);
	assert_eq!(ask(q(&foreign), Transport::Udp, ip).await.response_code(), ResponseCode::NoError);
	// No cookie: none back.
	let m = ask(query(8, "example.ddns.", RecordType::A, None), Transport::Udp, ip).await;
	assert!(cookie_of(&m).is_none());
	// A COOKIE option of a length no cookie has: FORMERR (RFC 7873 §5.2.2), over both.
	for len in [0, 5, 12, 41] {
		for t in [Transport::Udp, Transport::Tcp] {
			let m = ask(q(&vec![7; len]), t, ip).await;
			assert_eq!(m.response_code(), ResponseCode::FormErr, "{len} bytes");
			assert_eq!(m.id(), 7);
		}
	}
	// No question, a client cookie: a cookie is all that was asked for (RFC 7873 §5.4).
	let mut m = Message::from_vec(&q(&client_cookie)).unwrap();
	m.take_queries();
	let r = ask(m.to_vec().unwrap(), Transport::Udp, ip).await;
	assert_eq!(r.response_code(), ResponseCode::NoError);
	assert_eq!(&cookie_of(&r).unwrap()[..8], &client_cookie);
	daemon.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_address_cannot_hold_every_tcp_connection() {
	const CAP: usize = 4;
	let daemon = daemon();
	let face =
		dns::serve(daemon.clone(), DnsConfig { tcp_per_ip: CAP, ..config(0, 2) }).await.unwrap();
	let soa = query(1, "ddns.", RecordType::SOA, None);
	let mut held = Vec::new();
	for _ in 0..CAP {
		let mut conn = tcp_from("127.0.5.1", face).await.unwrap();
		assert!(tcp_ask(&mut conn, &soa).await.is_some(), "within the cap");
		held.push(conn);
	}
	// One more from that address is closed without an answer; another address is served.
	let mut over = tcp_from("127.0.5.1", face).await.unwrap();
	assert!(tcp_ask(&mut over, &soa).await.is_none(), "over the cap");
	let mut other = tcp_from("127.0.6.1", face).await.unwrap();
	assert!(tcp_ask(&mut other, &soa).await.is_some(), "another address");
	assert_eq!(metric(&daemon, "ddns_resolver_connections_refused_total{face=\"dns\"}"), 1);
	// A closed connection frees its place.
	drop(held.pop());
	let deadline = Instant::now() + Duration::from_secs(5);
	loop {
		let mut again = tcp_from("127.0.5.1", face).await.unwrap();
		if tcp_ask(&mut again, &soa).await.is_some() {
			break;
		}
		assert!(Instant::now() < deadline, "the place was never freed");
	}

	// The HTTP face: the same.
	let http = http::serve_with(daemon.clone(), "127.0.0.1:0".parse().unwrap(), 2).await.unwrap();
	let get = |ip: &'static str| async move {
		let mut conn = tcp_from(ip, http).await.unwrap();
		conn.write_all(b"GET /metrics HTTP/1.1\r\nhost: x\r\n\r\n").await.ok();
		let mut buf = [0u8; 12];
		let status = tokio::time::timeout(Duration::from_secs(2), conn.read_exact(&mut buf)).await;
		(matches!(status, Ok(Ok(_))) && &buf == b"HTTP/1.1 200", conn)
	};
	let (first, _a) = get("127.0.5.1").await;
	let (second, _b) = get("127.0.5.1").await;
	assert!(first && second, "within the cap");
	assert!(!get("127.0.5.1").await.0, "over the cap");
	assert!(get("127.0.6.1").await.0, "another address");
	assert_eq!(metric(&daemon, "ddns_resolver_connections_refused_total{face=\"http\"}"), 1);
	daemon.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_query_does_not_hold_the_receiver() {
	// An upstream that never answers: each forward waits its full 3 s.
	let silent = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
	let daemon = daemon();
	let config = DnsConfig { upstream: Some(silent.local_addr().unwrap()), ..config(0, 2) };
	let face = dns::serve(daemon.clone(), config).await.unwrap();
	let client = udp_from("127.0.0.1").await;
	for id in 0..16 {
		client.send_to(&query(id, "example.com.", RecordType::A, None), face).await.unwrap();
	}
	let asked = Instant::now();
	client.send_to(&query(99, "ddns.", RecordType::SOA, None), face).await.unwrap();
	let mut buf = vec![0u8; 65_535];
	let (len, _) = tokio::time::timeout(Duration::from_secs(2), client.recv_from(&mut buf))
		.await
		.expect("the zone's answer does not wait for the forwards")
		.unwrap();
	let m = Message::from_vec(&buf[..len]).unwrap();
	assert_eq!((m.id(), m.response_code()), (99, ResponseCode::NoError));
	assert!(asked.elapsed() < Duration::from_secs(1), "{:?}", asked.elapsed());
	daemon.stop();
}
