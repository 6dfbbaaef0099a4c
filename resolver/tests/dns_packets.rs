//! Garbage packets at the DNS face: random bytes and mangled queries never make
//! `dns::Server::answer` panic or hang, and whatever it answers is a well-formed response with
//! the query's ID, FORMERR for what does not parse, silence for responses, and no UDP answer
//! larger than the client can take. A few fixed packets pin the codes of the edge cases.

mod common;

use common::bounded;
use ddns_primitives::Record as ChainRecord;
use ddns_resolver::{
	dns::{DnsConfig, Server, Transport},
	testing::view_for,
	Daemon, DhtConfig, MemChain, Settings,
};
use hickory_proto::{
	op::{Edns, Message, MessageType, OpCode, Query, ResponseCode},
	rr::{DNSClass, Name, RData, RecordType},
};
use libp2p::{identity::Keypair, Multiaddr};
use proptest::{
	collection::vec,
	prelude::*,
	sample::Index,
	test_runner::{Config, RngSeed, TestCaseError, TestCaseResult, TestRunner},
};
use std::{cell::RefCell, collections::BTreeMap, sync::Arc, time::Duration};
use tokio::runtime::Runtime;

/// Random packets and mutated queries per run (each answered over UDP and over TCP);
/// `DNS_FUZZ_CASES` overrides it.
const CASES: u32 = 250_000;
/// The face's UDP limits: 512 without EDNS0, the client's size up to 1232 with it.
const PLAIN: usize = 512;
const EDNS_MAX: u16 = 1232;

/// A daemon with a small zone, and the DNS face in front of it. The runtime goes last.
struct Zone {
	server: Arc<Server>,
	daemon: Arc<Daemon>,
	rt: Runtime,
}

impl Drop for Zone {
	fn drop(&mut self) {
		self.daemon.stop();
	}
}

/// `example.ddns` (every record type, and an endpoint: the daemon serves it), `big.ddns`
/// (too large for 512 bytes, and for 1232 with ANY), `cname.ddns` → `example.ddns`,
/// `loop.ddns` → itself, `out.ddns` → `example.com`, `dangling.ddns` → `gone.ddns` (no such
/// name), and `hop0.ddns` → `hop1.ddns` → … → `hop9.ddns` (an A record): nine links.
fn zone() -> Zone {
	let rt = tokio::runtime::Builder::new_multi_thread()
		.worker_threads(2)
		.enable_all()
		.build()
		.expect("a runtime");
	let key = Keypair::generate_ed25519();
	let other = Keypair::generate_ed25519();
	let chain = MemChain::new();
	let addr: Multiaddr = "/ip4/192.0.2.7/tcp/4001".parse().unwrap();
	let mut example = view_for("example.ddns", &key, 1, 100_000);
	example.records = vec![
		ChainRecord::A([192, 0, 2, 1]),
		ChainRecord::A([192, 0, 2, 2]),
		ChainRecord::Aaaa([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]),
		ChainRecord::Txt(bounded(b"v=spf1 -all")),
		ChainRecord::Mx { preference: 10, exchange: bounded(b"mail.example.ddns") },
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
	let mut big = view_for("big.ddns", &other, 1, 100_000);
	big.records =
		vec![ChainRecord::Txt(bounded(&[b'a'; 480])), ChainRecord::Txt(bounded(&[b'b'; 480]))];
	big.records.extend((0..30).map(|i| ChainRecord::A([198, 51, 100, i])));
	let cname = |name: &str, to: &[u8]| {
		let mut v = view_for(name, &other, 1, 100_000);
		v.records = vec![ChainRecord::Cname(bounded(to))];
		v
	};
	chain.set("example.ddns", Some(example));
	chain.set("big.ddns", Some(big));
	chain.set("cname.ddns", Some(cname("cname.ddns", b"example.ddns")));
	chain.set("loop.ddns", Some(cname("loop.ddns", b"loop.ddns")));
	chain.set("out.ddns", Some(cname("out.ddns", b"example.com")));
	chain.set("dangling.ddns", Some(cname("dangling.ddns", b"gone.ddns")));
	for i in 0..9 {
		let (name, to) = (format!("hop{i}.ddns"), format!("hop{}.ddns", i + 1));
		chain.set(&name, Some(cname(&name, to.as_bytes())));
	}
	let mut last = view_for("hop9.ddns", &other, 1, 100_000);
	last.records = vec![ChainRecord::A([192, 0, 2, 99])];
	chain.set("hop9.ddns", Some(last));
	chain.finalize();
	let daemon = rt
		.block_on(async {
			Daemon::start(
				key,
				chain.clone(),
				DhtConfig {
					listen: vec!["/memory/0".parse().unwrap()],
					bootnodes: vec![],
					memory: true,
					query_timeout: Duration::from_millis(300),
					announce: vec!["/ip4/203.0.113.9/tcp/4001".parse().unwrap()],
					allow_private: true,
					..Default::default()
				},
				Settings { serve: vec!["example.ddns".into()], ..Default::default() },
			)
		})
		.expect("the daemon starts");
	// The daemon's own record is in its local store as soon as it has published.
	rt.block_on(async {
		let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
		while daemon.resolve("example.ddns").await.unwrap().endpoint.is_none() {
			assert!(tokio::time::Instant::now() < deadline, "example.ddns never got an endpoint");
			tokio::time::sleep(Duration::from_millis(50)).await;
		}
	});
	let config = DnsConfig {
		listen: "127.0.0.1:0".parse().unwrap(),
		upstream: None,
		forward_allow: vec![],
		ttl: 60,
		block_seconds: 6,
		..Default::default()
	};
	let server = Arc::new(Server::new(daemon.clone(), config));
	Zone { server, daemon, rt }
}

impl Zone {
	/// The face's answer, or a failure if it takes more than a second.
	fn answer(&self, packet: &[u8], transport: Transport) -> Result<Option<Vec<u8>>, String> {
		let answer = self.server.answer(packet, transport, [127, 0, 0, 1].into());
		self.rt
			.block_on(async { tokio::time::timeout(Duration::from_secs(1), answer).await })
			.map_err(|_| format!("no answer within 1 s to {}", hex(packet)))
	}

	/// The parsed answer over `transport`, which must exist.
	fn ask(&self, packet: &[u8], transport: Transport) -> Message {
		let bytes = self.answer(packet, transport).unwrap().expect("an answer");
		Message::from_vec(&bytes).expect("a parseable answer")
	}
}

fn hex(bytes: &[u8]) -> String {
	bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A query for `name`/`qtype` in `class`, with EDNS0 `(payload, version)` if given.
fn query(
	id: u16,
	name: &str,
	qtype: RecordType,
	class: DNSClass,
	edns: Option<(u16, u8)>,
) -> Vec<u8> {
	let mut m = Message::new();
	m.set_id(id)
		.set_message_type(MessageType::Query)
		.set_op_code(OpCode::Query)
		.set_recursion_desired(true);
	let mut q = Query::query(Name::from_ascii(name).unwrap(), qtype);
	q.set_query_class(class);
	m.add_query(q);
	if let Some((payload, version)) = edns {
		let mut e = Edns::new();
		e.set_max_payload(payload).set_version(version).set_dnssec_ok(payload % 2 == 1);
		m.set_edns(e);
	}
	m.to_vec().unwrap()
}

fn a_query(name: &str) -> Vec<u8> {
	query(0x1234, name, RecordType::A, DNSClass::IN, None)
}

/// The valid queries the mutations start from.
fn seeds() -> Vec<Vec<u8>> {
	let names = [
		"example.ddns.",
		"EXAMPLE.DDNS.",
		"_dnsaddr.example.ddns.",
		"_http._tcp.example.ddns.",
		"_tcp.example.ddns.",
		"_x._y._z.example.ddns.",
		"www.example.ddns.",
		"big.ddns.",
		"cname.ddns.",
		"loop.ddns.",
		"out.ddns.",
		"dangling.ddns.",
		"hop0.ddns.",
		"hop1.ddns.",
		"ddns.",
		"_dnsaddr.ddns.",
		"nothere.ddns.",
		"a.b.c.nothere.ddns.",
		"example.com.",
		".",
	];
	let types = [
		RecordType::A,
		RecordType::AAAA,
		RecordType::TXT,
		RecordType::MX,
		RecordType::SRV,
		RecordType::CAA,
		RecordType::CNAME,
		RecordType::NS,
		RecordType::SOA,
		RecordType::PTR,
		RecordType::ANY,
		RecordType::AXFR,
		RecordType::IXFR,
	];
	let edns = [None, Some((512, 0)), Some((1232, 0)), Some((4097, 0)), Some((1232, 1))];
	let mut out = Vec::new();
	for (i, name) in names.iter().enumerate() {
		for (j, qtype) in types.iter().enumerate() {
			for (k, e) in edns.iter().enumerate() {
				let id = (i * 1000 + j * 10 + k) as u16;
				out.push(query(id, name, *qtype, DNSClass::IN, *e));
			}
		}
		out.push(query(i as u16, name, RecordType::A, DNSClass::CH, None));
		out.push(query(i as u16, name, RecordType::ANY, DNSClass::ANY, Some((1232, 0))));
	}
	out
}

/// A header field to overwrite.
#[derive(Clone, Copy, Debug)]
enum Field {
	QdCount,
	AnCount,
	NsCount,
	ArCount,
	Opcode,
	Qr,
	Flags,
}

#[derive(Clone, Debug)]
enum Mutation {
	FlipBit(Index, u8),
	Truncate(Index),
	Insert(Index, u8),
	Delete(Index),
	SetByte(Index, u8),
	Header(Field, u16),
}

fn mutation() -> impl Strategy<Value = Mutation> {
	let field = prop_oneof![
		Just(Field::QdCount),
		Just(Field::AnCount),
		Just(Field::NsCount),
		Just(Field::ArCount),
		Just(Field::Opcode),
		Just(Field::Qr),
		Just(Field::Flags),
	];
	// Small counts are the interesting ones; any u16 now and then.
	let value = prop_oneof![3 => 0..4u16, 1 => any::<u16>()];
	prop_oneof![
		3 => (any::<Index>(), 0..8u8).prop_map(|(i, b)| Mutation::FlipBit(i, b)),
		1 => any::<Index>().prop_map(Mutation::Truncate),
		1 => (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::Insert(i, b)),
		1 => any::<Index>().prop_map(Mutation::Delete),
		1 => (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::SetByte(i, b)),
		3 => (field, value).prop_map(|(f, v)| Mutation::Header(f, v)),
	]
}

fn mutate(packet: &mut Vec<u8>, m: &Mutation) {
	let len = packet.len();
	match m {
		Mutation::FlipBit(i, bit) if len > 0 => packet[i.index(len)] ^= 1 << bit,
		Mutation::Truncate(i) if len > 0 => packet.truncate(i.index(len)),
		Mutation::Insert(i, b) => packet.insert(i.index(len + 1), *b),
		Mutation::Delete(i) if len > 0 => {
			packet.remove(i.index(len));
		},
		Mutation::SetByte(i, b) if len > 0 => packet[i.index(len)] = *b,
		Mutation::Header(field, v) if len >= 12 => {
			let [hi, lo] = v.to_be_bytes();
			match field {
				Field::QdCount => packet[4..6].copy_from_slice(&[hi, lo]),
				Field::AnCount => packet[6..8].copy_from_slice(&[hi, lo]),
				Field::NsCount => packet[8..10].copy_from_slice(&[hi, lo]),
				Field::ArCount => packet[10..12].copy_from_slice(&[hi, lo]),
				Field::Opcode => packet[2] = (packet[2] & !0x78) | ((lo & 0x0f) << 3),
				Field::Qr => packet[2] ^= 0x80,
				Field::Flags => packet[2..4].copy_from_slice(&[hi, lo]),
			}
		},
		_ => {},
	}
}

#[derive(Default)]
struct Stats {
	packets: u64,
	parsed: u64,
	silent: u64,
	/// Silence for a parseable query (not a response): allowed, but worth a look.
	silent_queries: u64,
	truncated: u64,
	largest_udp: usize,
	rcodes: BTreeMap<String, u64>,
}

/// Checks the face's answers to one packet, over UDP and over TCP.
fn check(zone: &Zone, packet: &[u8], stats: &RefCell<Stats>) -> TestCaseResult {
	let request = Message::from_vec(packet).ok();
	let mut s = stats.borrow_mut();
	s.packets += 1;
	s.parsed += u64::from(request.is_some());
	for transport in [Transport::Udp, Transport::Tcp] {
		let out = zone.answer(packet, transport).map_err(TestCaseError::fail)?;
		let Some(bytes) = out else {
			s.silent += 1;
			if request.as_ref().is_some_and(|r| r.message_type() == MessageType::Query) {
				s.silent_queries += 1;
				if s.silent_queries <= 3 {
					eprintln!("silent to a parseable query: {}", hex(packet));
				}
			}
			continue;
		};
		let p = hex(packet);
		let response = Message::from_vec(&bytes)
			.map_err(|e| TestCaseError::fail(format!("unparseable answer ({e}) to {p}")))?;
		prop_assert!(packet.len() >= 12, "an answer to a {}-byte packet {p}", packet.len());
		prop_assert!(packet[2] & 0x80 == 0, "an answer to a response {p}");
		prop_assert_eq!(response.id(), u16::from_be_bytes([packet[0], packet[1]]), "id, {}", p);
		prop_assert_eq!(response.message_type(), MessageType::Response, "QR, {}", p);
		let opcode = OpCode::from_u8((packet[2] >> 3) & 0x0f);
		prop_assert_eq!(response.op_code(), opcode, "opcode, {}", p);
		let rcode = response.response_code();
		if request.is_none() {
			prop_assert_eq!(rcode, ResponseCode::FormErr, "unparseable query {}", p);
		}
		if transport == Transport::Udp {
			let max = match request.as_ref().and_then(|r| r.extensions().as_ref()) {
				Some(edns) => usize::from(edns.max_payload().clamp(512, EDNS_MAX)),
				None => PLAIN,
			};
			prop_assert!(
				bytes.len() <= max,
				"{} bytes over UDP, at most {max}, to {p}",
				bytes.len()
			);
			s.largest_udp = s.largest_udp.max(bytes.len());
		}
		s.truncated += u64::from(response.truncated());
		*s.rcodes.entry(format!("{rcode:?}")).or_default() += 1;
	}
	Ok(())
}

#[test]
fn garbage_packets_get_well_formed_answers_or_silence() {
	let zone = zone();
	let seeds = Arc::new(seeds());
	let seed_count = seeds.len();
	let random = vec(any::<u8>(), 0..600);
	let mutated = (0..seed_count, vec(mutation(), 0..5)).prop_map(move |(i, ms)| {
		let mut packet = seeds[i].clone();
		for m in &ms {
			mutate(&mut packet, m);
		}
		packet
	});
	let packets = prop_oneof![1 => random, 2 => mutated];
	// A fresh seed each run unless DNS_FUZZ_SEED pins one; a failure names its packet anyway.
	let seed =
		std::env::var("DNS_FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
			std::time::SystemTime::now()
				.duration_since(std::time::UNIX_EPOCH)
				.map_or(0, |d| d.as_nanos() as u64)
		});
	let cases = std::env::var("DNS_FUZZ_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(CASES);
	let mut runner = TestRunner::new(Config {
		cases,
		failure_persistence: None,
		rng_seed: RngSeed::Fixed(seed),
		..Config::default()
	});
	let stats = RefCell::new(Stats::default());
	let started = std::time::Instant::now();
	let result = runner.run(&packets, |packet| check(&zone, &packet, &stats));
	let s = stats.into_inner();
	eprintln!(
		"dns fuzz (seed {seed}, {seed_count} seed queries): {} packets ({} parse as messages) in \
		 {:.1} s; {} answers by code {:?}; {} silent ({} of them to parseable queries); \
		 {} truncated; largest UDP answer {} bytes",
		s.packets,
		s.parsed,
		started.elapsed().as_secs_f64(),
		s.rcodes.values().sum::<u64>(),
		s.rcodes,
		s.silent,
		s.silent_queries,
		s.truncated,
		s.largest_udp,
	);
	if let Err(e) = result {
		panic!("seed {seed}: {e}");
	}
	assert!(s.packets >= u64::from(cases), "only {} packets", s.packets);
}

#[test]
fn edge_cases_get_the_right_codes() {
	let zone = zone();
	let both = [Transport::Udp, Transport::Tcp];
	let rcode = |packet: &[u8], transport| zone.ask(packet, transport).response_code();

	// Too short to carry a header: silence.
	for t in both {
		assert_eq!(zone.answer(&[0x12, 0x34, 0x01, 0x00, 0x00], t).unwrap(), None);
	}

	// Two questions: FORMERR, whether the second is missing or there.
	let mut two = a_query("example.ddns.");
	two[5] = 2;
	let mut parsed_two = Message::from_vec(&a_query("example.ddns.")).unwrap();
	parsed_two.add_query(Query::query(Name::from_ascii("big.ddns.").unwrap(), RecordType::A));
	for t in both {
		assert_eq!(rcode(&two, t), ResponseCode::FormErr);
		assert_eq!(rcode(&parsed_two.to_vec().unwrap(), t), ResponseCode::FormErr);
	}

	// STATUS, NOTIFY and UPDATE: NOTIMP, with the opcode echoed.
	for op in [OpCode::Status, OpCode::Notify, OpCode::Update] {
		let mut m = Message::from_vec(&a_query("example.ddns.")).unwrap();
		m.set_op_code(op);
		for t in both {
			let response = zone.ask(&m.to_vec().unwrap(), t);
			assert_eq!(response.response_code(), ResponseCode::NotImp, "{op:?}");
			assert_eq!(response.op_code(), op);
		}
	}

	// Another zone, no upstream: REFUSED. Zone transfers: REFUSED.
	for t in both {
		assert_eq!(rcode(&a_query("example.com."), t), ResponseCode::Refused);
		let axfr = query(7, "ddns.", RecordType::AXFR, DNSClass::IN, None);
		assert_eq!(rcode(&axfr, t), ResponseCode::Refused);
	}

	// Names are case-insensitive: the same records, the owner spelled as asked.
	let rdata = |m: &Message| {
		let mut d: Vec<RData> = m.answers().iter().map(|r| r.data().clone()).collect();
		d.sort_by_key(|d| d.to_string());
		d
	};
	for t in both {
		let lower = zone.ask(&a_query("example.ddns."), t);
		let upper = zone.ask(&a_query("EXAMPLE.DDNS."), t);
		assert_eq!(lower.response_code(), ResponseCode::NoError);
		assert_eq!(upper.response_code(), ResponseCode::NoError);
		// Two on-chain addresses and the endpoint's.
		assert_eq!(rdata(&lower).len(), 3, "{lower}");
		assert_eq!(rdata(&lower), rdata(&upper));
		assert!(upper.answers().iter().all(|r| r.name().to_ascii() == "EXAMPLE.DDNS."));
	}

	// A name nobody holds: NXDOMAIN with the zone's SOA.
	for t in both {
		let r = zone.ask(&a_query("nothere.ddns."), t);
		assert_eq!(r.response_code(), ResponseCode::NXDomain);
		assert_eq!(r.name_servers().len(), 1);
		assert_eq!(r.name_servers()[0].record_type(), RecordType::SOA);
	}

	// A CNAME loop: each link once, no duplicate records.
	for t in both {
		let r = zone.ask(&a_query("loop.ddns."), t);
		assert_eq!(r.response_code(), ResponseCode::NoError);
		assert_eq!(r.answers().len(), 1);
		assert_eq!(r.answers()[0].record_type(), RecordType::CNAME);
	}

	// A dot inside one wire label is no ddns name, whatever it spells when joined.
	for t in both {
		let dotted = Name::from_labels(vec![&b"www.example"[..], &b"ddns"[..]]).unwrap();
		let mut m = Message::from_vec(&a_query("example.ddns.")).unwrap();
		m.queries_mut()[0].set_name(dotted);
		let r = zone.ask(&m.to_vec().unwrap(), t);
		assert_eq!(r.response_code(), ResponseCode::NXDomain);
	}

	// An EDNS version we do not speak: BADVERS.
	for t in both {
		let q = query(9, "example.ddns.", RecordType::A, DNSClass::IN, Some((1232, 1)));
		// hickory reads extended code 16 back as BADSIG, which shares it.
		assert_eq!(u16::from(rcode(&q, t)), u16::from(ResponseCode::BADVERS));
	}

	// Too big for UDP without EDNS: truncated there, whole over TCP.
	let txt = query(11, "big.ddns.", RecordType::TXT, DNSClass::IN, None);
	let udp = zone.ask(&txt, Transport::Udp);
	assert!(udp.truncated() && udp.answers().is_empty());
	let tcp = zone.ask(&txt, Transport::Tcp);
	assert!(!tcp.truncated());
	assert_eq!(tcp.answers().len(), 2);
	// With 1232 bytes of EDNS room it fits.
	let txt = query(11, "big.ddns.", RecordType::TXT, DNSClass::IN, Some((1232, 0)));
	assert_eq!(zone.ask(&txt, Transport::Udp).answers().len(), 2);
}

/// RFC 2308 and RFC 6604, as NSD answers from a zone file: a CNAME chain is followed by what
/// its last name gives, so a chain ending at a name without the asked type is NODATA and one
/// ending at no name is NXDOMAIN, both with the CNAMEs in ANSWER and the SOA in AUTHORITY. A
/// chain that stops for another reason (a loop, a target outside the zone) carries no SOA.
/// Over 8 links (docs/dns.md): SERVFAIL, with no partial chain.
#[test]
fn cname_chains_end_with_the_last_names_answer() {
	let zone = zone();
	let ask = |name: &str, qtype: RecordType, t: Transport| {
		zone.ask(&query(0x4242, name, qtype, DNSClass::IN, Some((1232, 0))), t)
	};
	let types = |records: &[hickory_proto::rr::Record]| -> Vec<RecordType> {
		records.iter().map(|r| r.record_type()).collect()
	};
	let soa_only = |m: &Message| {
		assert_eq!(types(m.name_servers()), [RecordType::SOA], "{m}");
		assert_eq!(m.name_servers()[0].name().to_ascii(), "ddns.", "{m}");
	};
	for t in [Transport::Udp, Transport::Tcp] {
		// NODATA at the end of the chain, for the types reported and a few more.
		for qtype in [
			RecordType::HTTPS,
			RecordType::NS,
			RecordType::SOA,
			RecordType::DS,
			RecordType::SRV,
			RecordType::TXT,
			RecordType::PTR,
		] {
			let target = ask("example.ddns.", qtype, t);
			let r = ask("cname.ddns.", qtype, t);
			if !target.answers().is_empty() {
				// example.ddns has TXT: the chain ends in an answer, no SOA.
				assert_eq!(r.response_code(), ResponseCode::NoError);
				assert!(r.name_servers().is_empty(), "{qtype}: {r}");
				continue;
			}
			// The target alone: NODATA with the SOA; through the CNAME: the same after it.
			assert_eq!(target.response_code(), ResponseCode::NoError);
			soa_only(&target);
			assert_eq!(r.response_code(), ResponseCode::NoError, "{qtype}: {r}");
			assert_eq!(types(r.answers()), [RecordType::CNAME], "{qtype}: {r}");
			assert!(r.authoritative());
			soa_only(&r);
		}

		// NXDOMAIN at the end of the chain: the CNAME, then the SOA; the code of the last name.
		for qtype in [RecordType::A, RecordType::HTTPS] {
			let r = ask("dangling.ddns.", qtype, t);
			assert_eq!(r.response_code(), ResponseCode::NXDomain, "{r}");
			assert_eq!(types(r.answers()), [RecordType::CNAME], "{r}");
			soa_only(&r);
		}

		// An answer at the end of the chain, a target in another zone, a loop: no SOA.
		let r = ask("cname.ddns.", RecordType::A, t);
		assert_eq!(r.response_code(), ResponseCode::NoError);
		assert_eq!(types(&r.answers()[..1]), [RecordType::CNAME]);
		assert!(r.answers().len() > 1 && r.name_servers().is_empty(), "{r}");
		for name in ["out.ddns.", "loop.ddns."] {
			let r = ask(name, RecordType::A, t);
			assert_eq!(r.response_code(), ResponseCode::NoError);
			assert_eq!(types(r.answers()), [RecordType::CNAME], "{r}");
			assert!(r.name_servers().is_empty(), "{r}");
		}

		// Eight links are chased to the address.
		let r = ask("hop1.ddns.", RecordType::A, t);
		assert_eq!(r.response_code(), ResponseCode::NoError, "{r}");
		let mut eight = vec![RecordType::CNAME; 8];
		eight.push(RecordType::A);
		assert_eq!(types(r.answers()), eight, "{r}");
		assert!(r.name_servers().is_empty(), "{r}");
		// Eight links to a name without the type: NODATA with the SOA.
		let r = ask("hop1.ddns.", RecordType::TXT, t);
		assert_eq!(r.response_code(), ResponseCode::NoError, "{r}");
		assert_eq!(types(r.answers()), vec![RecordType::CNAME; 8], "{r}");
		soa_only(&r);

		// A ninth link: SERVFAIL, nothing in any section (no chain that ends at a CNAME).
		for qtype in [RecordType::A, RecordType::AAAA, RecordType::TXT] {
			let r = ask("hop0.ddns.", qtype, t);
			assert_eq!(r.response_code(), ResponseCode::ServFail, "{qtype}: {r}");
			assert!(r.answers().is_empty() && r.name_servers().is_empty(), "{qtype}: {r}");
		}
		// The CNAME itself is still there to be read.
		let r = ask("hop0.ddns.", RecordType::CNAME, t);
		assert_eq!(r.response_code(), ResponseCode::NoError);
		assert_eq!(types(r.answers()), [RecordType::CNAME]);
	}
}
