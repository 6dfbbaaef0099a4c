//! The DNS face: an authoritative server for `ddns.` over UDP and TCP, built on hickory-proto's
//! message codec. The mapping from chain and DHT to DNS is in `docs/dns.md`.
//!
//! - A name resolves while it is Active at the finalized head; otherwise NXDOMAIN.
//! - A/AAAA: the on-chain records, then the direct IP addresses of the valid endpoint record.
//! - `_dnsaddr.<name>` TXT: `dnsaddr=<multiaddr>/p2p/<PeerId>` for the endpoint and for on-chain
//!   P2P records (libp2p's dnsaddr convention, so `/dnsaddr/<name>` dials work).
//! - `_<service>._<proto>.<name>` SRV from on-chain SRV records; CNAME chased inside the zone.
//! - TTL: `--dns-ttl`, capped by the time left before the name's (and the record's) expiry.
//! - SOA serial: the finalized block number.
//! - Other zones: forwarded to `--dns-upstream`, or REFUSED.

use crate::{
	chain::Head,
	config::Resolved,
	daemon::{Daemon, Resolution},
};
use ddns_primitives::Record as ChainRecord;
use hickory_proto::{
	op::{Edns, Message, MessageType, OpCode, ResponseCode},
	rr::{
		rdata::{A, AAAA, CNAME, MX, NS, NULL, SOA, SRV, TXT},
		DNSClass, Name, RData, Record, RecordType,
	},
};
use libp2p::{multiaddr::Protocol, Multiaddr, PeerId};
use std::{
	net::{IpAddr, SocketAddr},
	sync::Arc,
	time::Duration,
};
use tokio::{
	io::{AsyncReadExt, AsyncWriteExt},
	net::{TcpListener, TcpStream, UdpSocket},
};

/// UDP payload we offer with EDNS0 (the DNS flag day 2020 size).
const EDNS_PAYLOAD: u16 = 1232;
/// UDP payload without EDNS0.
const PLAIN_PAYLOAD: usize = 512;
/// CNAME links followed inside the zone; a chain with more is SERVFAIL.
const MAX_CHASE: usize = 8;
/// Most UDP queries answered at once.
const MAX_IN_FLIGHT: usize = 4096;
/// Most DNS-over-TCP connections served at once (each closes after 10 s idle).
const MAX_TCP_CONNECTIONS: usize = 512;
/// The label of libp2p endpoint TXT records.
pub const DNSADDR_LABEL: &str = "_dnsaddr";

#[derive(Clone, Debug)]
pub struct DnsConfig {
	pub listen: SocketAddr,
	pub upstream: Option<SocketAddr>,
	pub ttl: u32,
	pub block_seconds: u32,
}

impl From<&Resolved> for DnsConfig {
	fn from(c: &Resolved) -> Self {
		Self {
			listen: c.dns,
			upstream: c.dns_upstream,
			ttl: c.dns_ttl,
			block_seconds: c.block_seconds,
		}
	}
}

/// Serves UDP and TCP on `config.listen`; returns the bound address (UDP and TCP share it).
pub async fn serve(daemon: Arc<Daemon>, config: DnsConfig) -> anyhow::Result<SocketAddr> {
	let udp = UdpSocket::bind(config.listen).await?;
	socket_buffers(&udp);
	let udp = Arc::new(udp);
	let bound = udp.local_addr()?;
	let tcp = TcpListener::bind(bound).await?;
	tracing::info!(target: "ddns::dns", "DNS on {bound} (UDP and TCP)");
	let server = Arc::new(Server { daemon, config });
	// Queries in flight at once; past that, UDP queries are dropped (clients retry) rather
	// than queued without bound behind slow DHT lookups.
	let in_flight = Arc::new(tokio::sync::Semaphore::new(MAX_IN_FLIGHT));
	// One receiver per worker thread, so that answers from the cache (made in the receiver,
	// see `udp_query`) use every core.
	let receivers = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
	for _ in 0..receivers {
		let (s, udp, in_flight) = (server.clone(), udp.clone(), in_flight.clone());
		tokio::spawn(async move {
			let mut buf = vec![0u8; 65_535];
			loop {
				match udp.recv_from(&mut buf).await {
					Ok((len, peer)) => {
						s.clone().udp_query(&udp, &in_flight, buf[..len].to_vec(), peer).await
					},
					Err(e) => {
						tracing::debug!(target: "ddns::dns", "UDP receive: {e}");
						s.dropped("receive");
					},
				}
			}
		});
	}
	let connections = Arc::new(tokio::sync::Semaphore::new(MAX_TCP_CONNECTIONS));
	tokio::spawn(async move {
		loop {
			// At the limit, new connections wait in the kernel's backlog.
			let Ok(permit) = connections.clone().acquire_owned().await else { return };
			let Ok((stream, _)) = tcp.accept().await else { continue };
			let server = server.clone();
			tokio::spawn(async move {
				server.tcp_connection(stream).await;
				drop(permit);
			});
		}
	});
	Ok(bound)
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Transport {
	Udp,
	Tcp,
}

pub struct Server {
	daemon: Arc<Daemon>,
	config: DnsConfig,
}

/// Socket buffers asked for on the UDP socket, as NSD does: room for about 10,000 queued
/// queries (a small datagram takes about 1 KiB of buffer), where the Linux default (208 KiB)
/// holds a couple of hundred and drops the rest while the daemon is busy, e.g. in the burst of
/// chain reads after a new finalized head. The kernel caps it at `net.core.rmem_max` and
/// `net.core.wmem_max`.
const UDP_BUFFER: usize = 1 << 20;

fn socket_buffers(udp: &UdpSocket) {
	let socket = socket2::SockRef::from(udp);
	if let Err(e) = socket.set_recv_buffer_size(UDP_BUFFER) {
		tracing::warn!(target: "ddns::dns", "could not set the UDP receive buffer: {e}");
	}
	if let Err(e) = socket.set_send_buffer_size(UDP_BUFFER) {
		tracing::warn!(target: "ddns::dns", "could not set the UDP send buffer: {e}");
	}
	tracing::debug!(
		target: "ddns::dns",
		"UDP buffers: receive {:?}, send {:?} bytes",
		socket.recv_buffer_size(),
		socket.send_buffer_size(),
	);
}

/// What one name contributes to an answer.
struct Found {
	rcode: ResponseCode,
	answers: Vec<Record>,
	/// The last name of the chain has nothing of the asked type (NODATA) or does not exist
	/// (NXDOMAIN): the zone's SOA goes in the authority section (RFC 2308), after any CNAMEs.
	negative: bool,
	/// The finalized head the answer was read at, for the SOA.
	head: Head,
}

impl Found {
	/// The chain in `answers` ends at a name that does not exist.
	fn nxdomain(answers: Vec<Record>, head: Head) -> Self {
		Self { rcode: ResponseCode::NXDomain, answers, negative: true, head }
	}

	/// The chain in `answers` ends where this zone cannot say more (a loop, or a target in
	/// another zone): no SOA, the client's resolver goes on.
	fn open(answers: Vec<Record>, head: Head) -> Self {
		Self { rcode: ResponseCode::NoError, answers, negative: false, head }
	}
}

impl Server {
	pub fn new(daemon: Arc<Daemon>, config: DnsConfig) -> Self {
		Self { daemon, config }
	}

	/// Answers one UDP query. An answer that is ready at once (from the cache) is made and sent
	/// here, without a task; one that waits (a chain read, a DHT lookup, the upstream) goes on
	/// in a task of its own, within [`MAX_IN_FLIGHT`].
	async fn udp_query(
		self: Arc<Self>,
		udp: &Arc<UdpSocket>,
		in_flight: &Arc<tokio::sync::Semaphore>,
		packet: Vec<u8>,
		peer: SocketAddr,
	) {
		let Ok(permit) = in_flight.clone().try_acquire_owned() else {
			self.dropped("in_flight");
			return;
		};
		let udp = udp.clone();
		let mut task = Box::pin(async move {
			if let Some(out) = self.answer(&packet, Transport::Udp).await {
				if let Err(e) = udp.send_to(&out, peer).await {
					tracing::debug!(target: "ddns::dns", "UDP send to {peer}: {e}");
					self.dropped("send");
				}
			}
			drop(permit);
		});
		if futures::poll!(task.as_mut()).is_pending() {
			tokio::spawn(task);
		}
	}

	fn dropped(&self, reason: &'static str) {
		self.daemon.metrics.dns_dropped.get_or_create(&vec![("reason", reason)]).inc();
	}

	async fn tcp_connection(self: Arc<Self>, mut stream: TcpStream) {
		let idle = Duration::from_secs(10);
		loop {
			let mut len = [0u8; 2];
			match tokio::time::timeout(idle, stream.read_exact(&mut len)).await {
				Ok(Ok(_)) => {},
				_ => return,
			}
			let mut packet = vec![0u8; u16::from_be_bytes(len) as usize];
			match tokio::time::timeout(idle, stream.read_exact(&mut packet)).await {
				Ok(Ok(_)) => {},
				_ => return,
			}
			let Some(out) = self.answer(&packet, Transport::Tcp).await else { return };
			let mut framed = (out.len() as u16).to_be_bytes().to_vec();
			framed.extend_from_slice(&out);
			// A client that does not read its answers loses the connection.
			match tokio::time::timeout(idle, stream.write_all(&framed)).await {
				Ok(Ok(())) => {},
				_ => return,
			}
		}
	}

	fn count(&self, rcode: ResponseCode) {
		let label = match rcode {
			ResponseCode::NoError => "noerror",
			ResponseCode::NXDomain => "nxdomain",
			ResponseCode::FormErr => "formerr",
			ResponseCode::Refused => "refused",
			ResponseCode::ServFail => "servfail",
			ResponseCode::NotImp => "notimp",
			_ => "other",
		};
		self.daemon.metrics.dns.get_or_create(&vec![("rcode", label)]).inc();
	}

	/// The response to one packet, or `None` when DNS says to stay silent (a packet too short
	/// to carry a header, or a response rather than a query).
	pub async fn answer(&self, packet: &[u8], transport: Transport) -> Option<Vec<u8>> {
		let request = match Message::from_vec(packet) {
			Ok(m) => m,
			Err(_) => {
				// Unparseable: FORMERR if there is a header to answer, else silence.
				if packet.len() < 12 || packet[2] & 0x80 != 0 {
					return None;
				}
				self.count(ResponseCode::FormErr);
				let id = u16::from_be_bytes([packet[0], packet[1]]);
				let mut m = Message::error_msg(id, OpCode::Query, ResponseCode::FormErr);
				m.set_op_code(OpCode::from_u8((packet[2] >> 3) & 0x0f));
				return m.to_vec().ok();
			},
		};
		if request.message_type() != MessageType::Query {
			return None;
		}
		let mut response = Message::new();
		response
			.set_id(request.id())
			.set_message_type(MessageType::Response)
			.set_op_code(request.op_code())
			.set_recursion_desired(request.recursion_desired())
			.set_recursion_available(self.config.upstream.is_some())
			.set_checking_disabled(request.checking_disabled());
		let max = match request.extensions() {
			Some(edns) => {
				let mut ours = Edns::new();
				ours.set_max_payload(EDNS_PAYLOAD);
				response.set_edns(ours);
				if edns.version() > 0 {
					// RFC 6891: unknown EDNS version → BADVERS (extended code 16).
					response.set_response_code(ResponseCode::BADVERS);
					self.count(ResponseCode::BADVERS);
					return response.to_vec().ok();
				}
				usize::from(edns.max_payload().clamp(512, EDNS_PAYLOAD))
			},
			None => PLAIN_PAYLOAD,
		};
		let rcode = self.respond(&request, &mut response).await;
		let rcode = match rcode {
			Some(rcode) => rcode,
			// Forwarded verbatim.
			None => return self.forward(packet, transport).await,
		};
		response.set_response_code(rcode);
		self.count(rcode);
		let bytes = response.to_vec().ok()?;
		if transport == Transport::Udp && bytes.len() > max {
			let mut cut = Message::new();
			cut.set_header(*response.header());
			cut.add_queries(response.queries().to_vec());
			if let Some(edns) = response.extensions().clone() {
				cut.set_edns(edns);
			}
			cut.set_truncated(true);
			return cut.to_vec().ok();
		}
		Some(bytes)
	}

	/// Fills the response for one question; `None` to forward the packet upstream.
	async fn respond(&self, request: &Message, response: &mut Message) -> Option<ResponseCode> {
		if request.op_code() != OpCode::Query {
			return Some(ResponseCode::NotImp);
		}
		let [query] = request.queries() else { return Some(ResponseCode::FormErr) };
		response.add_query(query.clone());
		let zone = Name::from_ascii("ddns.").expect("a valid name");
		let qname = query.name().to_lowercase();
		if !zone.zone_of(&qname) {
			return if self.config.upstream.is_some() { None } else { Some(ResponseCode::Refused) };
		}
		if query.query_class() != DNSClass::IN {
			return Some(ResponseCode::Refused);
		}
		response.set_authoritative(true);
		let qtype = query.query_type();
		if matches!(qtype, RecordType::AXFR | RecordType::IXFR) {
			return Some(ResponseCode::Refused);
		}
		let head = self.daemon.head();
		if qname == zone {
			let found = self.apex(query.name(), qtype, head);
			let negative = found.is_empty();
			response.add_answers(found);
			if negative {
				response.add_name_server(self.soa(head));
			}
			return Some(ResponseCode::NoError);
		}
		let found = match self.lookup(query.name(), qtype).await {
			Ok(found) => found,
			Err(()) => return Some(ResponseCode::ServFail),
		};
		if found.negative {
			response.add_name_server(self.soa(found.head));
		}
		response.add_answers(found.answers);
		Some(found.rcode)
	}

	fn apex(&self, owner: &Name, qtype: RecordType, head: Head) -> Vec<Record> {
		let mut out = Vec::new();
		if matches!(qtype, RecordType::SOA | RecordType::ANY) {
			let mut soa = self.soa(head);
			soa.set_name(owner.clone());
			out.push(soa);
		}
		if matches!(qtype, RecordType::NS | RecordType::ANY) {
			let ns = Name::from_ascii("localhost.").expect("a valid name");
			out.push(Record::from_rdata(owner.clone(), self.config.ttl, RData::NS(NS(ns))));
		}
		out
	}

	/// The zone's SOA: serial = finalized block number.
	pub fn soa(&self, head: Head) -> Record {
		let negative = self.config.ttl.min(60);
		let soa = SOA::new(
			Name::from_ascii("localhost.").expect("a valid name"),
			Name::from_ascii("hostmaster.ddns.").expect("a valid name"),
			head.number,
			60,
			30,
			86_400,
			negative,
		);
		Record::from_rdata(
			Name::from_ascii("ddns.").expect("a valid name"),
			negative,
			RData::SOA(soa),
		)
	}

	/// Seconds an answer from `r` may live: the configured TTL, capped by the blocks left
	/// before `until`.
	fn ttl(&self, head: Head, until: u32) -> u32 {
		let left = until.saturating_sub(head.number).saturating_mul(self.config.block_seconds);
		self.config.ttl.min(left)
	}

	/// Answers for `owner` (as asked, case kept) and the name it belongs to; `Err` for SERVFAIL
	/// (the chain could not be read, or has more than [`MAX_CHASE`] links).
	async fn lookup(&self, owner: &Name, qtype: RecordType) -> Result<Found, ()> {
		let mut answers = Vec::new();
		let mut owner = owner.clone();
		let mut head = self.daemon.head();
		let mut seen: Vec<String> = Vec::new();
		// Ends: each turn either returns or adds one CNAME, and the chain stops at MAX_CHASE.
		loop {
			let (prefix, name) = split(&owner.to_lowercase());
			// A CNAME loop: the chain so far is the answer, each link once.
			if name.as_ref().is_some_and(|n| prefix.is_empty() && seen.contains(n)) {
				return Ok(Found::open(answers, head));
			}
			if let (true, Some(n)) = (prefix.is_empty(), &name) {
				seen.push(n.clone());
			}
			let Some(name) = name else { return Ok(Found::nxdomain(answers, head)) };
			// Only addresses and `_dnsaddr` come from the endpoint; other types need no DHT lookup.
			let endpoint = matches!(qtype, RecordType::A | RecordType::AAAA | RecordType::ANY)
				|| prefix.first().is_some_and(|l| l == DNSADDR_LABEL);
			let r = match self.daemon.resolve_with(&name, endpoint).await {
				Ok(r) => r,
				Err(crate::chain::ChainError::InvalidName(_)) => {
					return Ok(Found::nxdomain(answers, head))
				},
				Err(_) => return Err(()),
			};
			head = r.head;
			// RFC 6604: the code is that of the last name in a CNAME chain.
			if !r.active() {
				return Ok(Found::nxdomain(answers, head));
			}
			// A CNAME at the name itself (no prefix) redirects every other type.
			let cname = r.view.as_ref().and_then(|v| {
				v.records.iter().find_map(|rec| match rec {
					ChainRecord::Cname(to) => Some(to.to_vec()),
					_ => None,
				})
			});
			if let (Some(target), true, false) =
				(cname, prefix.is_empty(), matches!(qtype, RecordType::CNAME | RecordType::ANY))
			{
				// Past MAX_CHASE links: SERVFAIL, as recursive resolvers (Unbound, hickory) give
				// for an over-long chain, rather than a NOERROR that ends at a CNAME and that a
				// stub would take for "no address" (docs/dns.md).
				if answers.len() >= MAX_CHASE {
					return Err(());
				}
				let text = String::from_utf8_lossy(&target).into_owned();
				let target = Name::from_ascii(format!("{text}.")).map_err(|_| ())?;
				let ttl = self.ttl(r.head, r.view.as_ref().map_or(0, |v| v.expires_at));
				answers.push(Record::from_rdata(
					owner.clone(),
					ttl,
					RData::CNAME(CNAME(target.clone())),
				));
				if !text.ends_with(".ddns") {
					// Out of zone: the client's resolver chases it.
					return Ok(Found::open(answers, head));
				}
				owner = target;
				continue;
			}
			return Ok(match self.records(&owner, &prefix, qtype, &r) {
				Some(mut recs) => {
					// NODATA at the end of the chain (or at the name itself) is negative too.
					let negative = recs.is_empty();
					answers.append(&mut recs);
					Found { rcode: ResponseCode::NoError, answers, negative, head }
				},
				// The prefix names nothing under this name.
				None => Found::nxdomain(answers, head),
			});
		}
	}

	/// The records of type `qtype` at `<prefix>.<name>`; `None` when nothing exists there.
	fn records(
		&self,
		owner: &Name,
		prefix: &[String],
		qtype: RecordType,
		r: &Resolution,
	) -> Option<Vec<Record>> {
		let view = r.view.as_ref()?;
		let ttl = self.ttl(r.head, view.expires_at);
		let endpoint_ttl =
			r.endpoint.as_ref().map_or(0, |e| self.ttl(r.head, e.valid_until)).min(ttl);
		let wants = |t: RecordType| qtype == t || qtype == RecordType::ANY;
		let rec = |ttl: u32, data: RData| Record::from_rdata(owner.clone(), ttl, data);
		let mut out = Vec::new();
		match prefix {
			[] => {
				for record in &view.records {
					let data = match record {
						ChainRecord::A(ip) if wants(RecordType::A) => {
							RData::A(A::from(std::net::Ipv4Addr::from(*ip)))
						},
						ChainRecord::Aaaa(ip) if wants(RecordType::AAAA) => {
							RData::AAAA(AAAA::from(std::net::Ipv6Addr::from(*ip)))
						},
						ChainRecord::Cname(to) if wants(RecordType::CNAME) => {
							RData::CNAME(CNAME(fqdn(to)?))
						},
						ChainRecord::Txt(text) if wants(RecordType::TXT) => {
							RData::TXT(TXT::from_bytes(text.chunks(255).collect()))
						},
						ChainRecord::Mx { preference, exchange } if wants(RecordType::MX) => {
							RData::MX(MX::new(*preference, fqdn(exchange)?))
						},
						ChainRecord::Caa { flags, tag, value } if wants(RecordType::CAA) => {
							let mut raw = vec![*flags, tag.len() as u8];
							raw.extend_from_slice(tag);
							raw.extend_from_slice(value);
							RData::Unknown { code: RecordType::CAA, rdata: NULL::with(raw) }
						},
						_ => continue,
					};
					if !out.iter().any(|o: &Record| o.data() == &data) {
						out.push(rec(ttl, data));
					}
				}
				for ip in r.endpoint.iter().flat_map(|e| direct_ips(&e.addrs)) {
					let data = match ip {
						IpAddr::V4(v4) if wants(RecordType::A) => RData::A(A(v4)),
						IpAddr::V6(v6) if wants(RecordType::AAAA) => RData::AAAA(AAAA(v6)),
						_ => continue,
					};
					if !out.iter().any(|o: &Record| o.data() == &data) {
						out.push(rec(endpoint_ttl, data));
					}
				}
			},
			[label] if label == DNSADDR_LABEL => {
				let mut lines = Vec::new();
				if let Some(e) = &r.endpoint {
					lines.extend(
						dnsaddrs(&e.peer_id, &e.addrs).into_iter().map(|l| (endpoint_ttl, l)),
					);
				}
				for record in &view.records {
					if let ChainRecord::P2p { peer_id, multiaddrs } = record {
						let addrs: Vec<Vec<u8>> = multiaddrs.iter().map(|a| a.to_vec()).collect();
						lines.extend(dnsaddrs(peer_id, &addrs).into_iter().map(|l| (ttl, l)));
					}
				}
				if lines.is_empty() {
					return None;
				}
				if wants(RecordType::TXT) {
					out.extend(
						lines.into_iter().map(|(ttl, l)| rec(ttl, RData::TXT(TXT::new(vec![l])))),
					);
				}
			},
			// `_<proto>.<name>` above an SRV record exists, with no records of its own.
			[protocol] => {
				let above_srv = view.records.iter().any(|record| {
					matches!(record, ChainRecord::Srv { protocol: p, .. } if p.as_slice() == protocol.as_bytes())
				});
				if !above_srv {
					return None;
				}
			},
			[service, protocol] => {
				let srvs: Vec<_> = view
					.records
					.iter()
					.filter_map(|record| match record {
						ChainRecord::Srv {
							service: s,
							protocol: p,
							priority,
							weight,
							port,
							target,
						} if s.as_slice() == service.as_bytes()
							&& p.as_slice() == protocol.as_bytes() =>
						{
							Some(RData::SRV(SRV::new(*priority, *weight, *port, fqdn(target)?)))
						},
						_ => None,
					})
					.collect();
				if srvs.is_empty() {
					return None;
				}
				if wants(RecordType::SRV) {
					out.extend(srvs.into_iter().map(|d| rec(ttl, d)));
				}
			},
			_ => return None,
		}
		Some(out)
	}

	async fn forward(&self, packet: &[u8], transport: Transport) -> Option<Vec<u8>> {
		let upstream = self.config.upstream?;
		let bind: SocketAddr = if upstream.is_ipv4() {
			([0, 0, 0, 0], 0).into()
		} else {
			(std::net::Ipv6Addr::UNSPECIFIED, 0).into()
		};
		let result = async {
			match transport {
				Transport::Udp => {
					let socket = UdpSocket::bind(bind).await.ok()?;
					socket.send_to(packet, upstream).await.ok()?;
					let mut buf = vec![0u8; 65_535];
					loop {
						let (len, from) = socket.recv_from(&mut buf).await.ok()?;
						// Only the upstream's answer to this query id.
						if from == upstream && len >= 2 && buf[..2] == packet[..2] {
							return Some(buf[..len].to_vec());
						}
					}
				},
				Transport::Tcp => {
					let mut stream = TcpStream::connect(upstream).await.ok()?;
					let mut framed = (packet.len() as u16).to_be_bytes().to_vec();
					framed.extend_from_slice(packet);
					stream.write_all(&framed).await.ok()?;
					let mut len = [0u8; 2];
					stream.read_exact(&mut len).await.ok()?;
					let mut out = vec![0u8; u16::from_be_bytes(len) as usize];
					stream.read_exact(&mut out).await.ok()?;
					Some(out)
				},
			}
		};
		match tokio::time::timeout(Duration::from_secs(3), result).await {
			Ok(Some(out)) => Some(out),
			_ => {
				let request = Message::from_vec(packet).ok()?;
				let mut m =
					Message::error_msg(request.id(), request.op_code(), ResponseCode::ServFail);
				m.add_queries(request.queries().to_vec());
				m.set_recursion_available(true);
				self.count(ResponseCode::ServFail);
				m.to_vec().ok()
			},
		}
	}
}

/// Splits `a.b.example.ddns.` into the leading underscore labels (`_service`, `_proto`,
/// `_dnsaddr`) and the registry name; a non-underscore label is part of the name
/// (subdomains are names of their own on chain).
fn split(name: &Name) -> (Vec<String>, Option<String>) {
	let labels: Vec<String> =
		name.iter().map(|l| String::from_utf8_lossy(l).into_owned()).collect();
	// A dot inside a label (possible on the wire) is no ddns name.
	if labels.iter().any(|l| l.contains('.')) {
		return (Vec::new(), None);
	}
	let underscored = labels.iter().take_while(|l| l.starts_with('_')).count();
	let rest = &labels[underscored..];
	if rest.len() < 2 {
		return (labels[..underscored].to_vec(), None);
	}
	(labels[..underscored].to_vec(), Some(rest.join(".")))
}

fn fqdn(name: &[u8]) -> Option<Name> {
	Name::from_ascii(format!("{}.", std::str::from_utf8(name).ok()?)).ok()
}

/// The IP addresses an endpoint can be dialled at directly (no relay hop).
fn direct_ips(addrs: &[Vec<u8>]) -> Vec<IpAddr> {
	addrs
		.iter()
		.filter_map(|a| Multiaddr::try_from(a.clone()).ok())
		.filter(|a| !a.iter().any(|p| matches!(p, Protocol::P2pCircuit)))
		.filter_map(|a| match a.iter().next() {
			Some(Protocol::Ip4(ip)) => Some(IpAddr::V4(ip)),
			Some(Protocol::Ip6(ip)) => Some(IpAddr::V6(ip)),
			_ => None,
		})
		.collect()
}

/// `dnsaddr=<multiaddr>/p2p/<PeerId>` lines, or one `dnsaddr=/p2p/<PeerId>` with no address.
fn dnsaddrs(peer_id: &[u8], addrs: &[Vec<u8>]) -> Vec<String> {
	let Ok(peer) = PeerId::from_bytes(peer_id) else { return Vec::new() };
	let mut lines: Vec<String> = addrs
		.iter()
		.filter_map(|a| Multiaddr::try_from(a.clone()).ok())
		.map(|a| format!("dnsaddr={a}/p2p/{peer}"))
		.collect();
	if lines.is_empty() {
		lines.push(format!("dnsaddr=/p2p/{peer}"));
	}
	lines
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn names_split_into_service_labels_and_registry_name() {
		let n = |s: &str| Name::from_ascii(s).unwrap();
		assert_eq!(split(&n("example.ddns.")), (vec![], Some("example.ddns".into())));
		assert_eq!(
			split(&n("_http._tcp.www.example.ddns.")),
			(vec!["_http".into(), "_tcp".into()], Some("www.example.ddns".into()))
		);
		assert_eq!(split(&n("_dnsaddr.ddns.")), (vec!["_dnsaddr".into()], None));
		let dotted = Name::from_labels(vec![&b"www.example"[..], &b"ddns"[..]]).unwrap();
		assert_eq!(split(&dotted), (vec![], None));
	}
}
