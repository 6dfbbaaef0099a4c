//! The `ddns.` zone: the mapping from chain and DHT to DNS that `docs/dns.md` describes.
//!
//! - A name resolves while it is Active at the finalized head; otherwise NXDOMAIN.
//! - A/AAAA: the on-chain records, then the direct IP addresses of the valid endpoint record.
//! - `_dnsaddr.<name>` TXT: `dnsaddr=<multiaddr>/p2p/<PeerId>` for the endpoint and for on-chain
//!   P2P records (libp2p's dnsaddr convention, so `/dnsaddr/<name>` dials work).
//! - `_<service>._<proto>.<name>` SRV from on-chain SRV records; CNAME chased inside the zone.
//! - TTL: `--dns-ttl`, capped by the time left before the name's (and the record's) expiry.
//! - SOA serial: the finalized block number.
//! - ANY over UDP: one synthesized HINFO (RFC 8482), or the CNAME; over TCP, everything.
//! - Other zones: not here (`forward.rs` sends them to `--dns-upstream`, or they are REFUSED).

use super::{DnsConfig, Transport};
use crate::{
	chain::Head,
	daemon::{Daemon, Resolution},
};
use ddns_primitives::Record as ChainRecord;
use hickory_proto::{
	op::{Message, OpCode, ResponseCode},
	rr::{
		rdata::{A, AAAA, CNAME, HINFO, MX, NS, NULL, SOA, SRV, TXT},
		DNSClass, Name, RData, Record, RecordType,
	},
};
use libp2p::{multiaddr::Protocol, Multiaddr, PeerId};
use std::{net::IpAddr, sync::Arc};

/// CNAME links followed inside the zone; a chain with more is SERVFAIL.
const MAX_CHASE: usize = 8;
/// The label of libp2p endpoint TXT records.
pub const DNSADDR_LABEL: &str = "_dnsaddr";

/// Answers questions about `ddns.` from the daemon's view of the chain and the DHT.
pub(super) struct Zone {
	daemon: Arc<Daemon>,
	/// `--dns-ttl`: the longest TTL given.
	ttl: u32,
	block_seconds: u32,
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

impl Zone {
	pub(super) fn new(daemon: Arc<Daemon>, config: &DnsConfig) -> Self {
		Self { daemon, ttl: config.ttl, block_seconds: config.block_seconds }
	}

	/// Fills the response for one question; `None` when the question is for another zone.
	pub(super) async fn respond(
		&self,
		request: &Message,
		response: &mut Message,
		transport: Transport,
	) -> Option<ResponseCode> {
		if request.op_code() != OpCode::Query {
			return Some(ResponseCode::NotImp);
		}
		let [query] = request.queries() else { return Some(ResponseCode::FormErr) };
		response.add_query(query.clone());
		let zone = Name::from_ascii("ddns.").expect("a valid name");
		let qname = query.name().to_lowercase();
		if !zone.zone_of(&qname) {
			return None;
		}
		if query.query_class() != DNSClass::IN {
			return Some(ResponseCode::Refused);
		}
		response.set_authoritative(true);
		let qtype = query.query_type();
		if matches!(qtype, RecordType::AXFR | RecordType::IXFR) {
			return Some(ResponseCode::Refused);
		}
		if qtype == RecordType::ANY && transport == Transport::Udp {
			return Some(self.minimal_any(query.name(), qname == zone, response).await);
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

	/// ANY over UDP, as RFC 8482 §4.2 has it: a name that exists gets one HINFO `"RFC8482" ""`
	/// instead of every record it has (about 35 times the query's size for a name with a few
	/// records: the reason ANY is asked in reflection attacks), a CNAME name its CNAME (one
	/// RRset, §4.1; HINFO beside a CNAME could not exist), and a name that does not exist
	/// NXDOMAIN as for any type. Over TCP, where the source is proven, ANY gets everything.
	/// Only the chain is read (and the DHT for a `_dnsaddr` name, whose existence is the
	/// endpoint's), as for a CNAME question.
	async fn minimal_any(&self, owner: &Name, apex: bool, response: &mut Message) -> ResponseCode {
		let found = if apex {
			Found::open(Vec::new(), self.daemon.head())
		} else {
			// A CNAME question is answered from the chain view alone and is not chased: it
			// tells a CNAME (the answer), a name with other records (empty) and no name.
			match self.lookup(owner, RecordType::CNAME).await {
				Ok(found) => found,
				Err(()) => return ResponseCode::ServFail,
			}
		};
		if found.rcode != ResponseCode::NoError {
			response.add_name_server(self.soa(found.head));
			return found.rcode;
		}
		if found.answers.is_empty() {
			let hinfo = HINFO::new("RFC8482".into(), String::new());
			response.add_answer(Record::from_rdata(owner.clone(), self.ttl, RData::HINFO(hinfo)));
		} else {
			response.add_answers(found.answers);
		}
		ResponseCode::NoError
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
			out.push(Record::from_rdata(owner.clone(), self.ttl, RData::NS(NS(ns))));
		}
		out
	}

	/// The zone's SOA: serial = finalized block number.
	fn soa(&self, head: Head) -> Record {
		let negative = self.ttl.min(60);
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
	fn capped_ttl(&self, head: Head, until: u32) -> u32 {
		let left = until.saturating_sub(head.number).saturating_mul(self.block_seconds);
		self.ttl.min(left)
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
			// The chain view first: a name that is only a link of a CNAME chain needs no DHT
			// lookup (each link's lookup would let one query cost up to MAX_CHASE of them).
			let r = match self.daemon.resolve_with(&name, false).await {
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
				let ttl = self.capped_ttl(r.head, r.view.as_ref().map_or(0, |v| v.expires_at));
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
			// Only addresses and `_dnsaddr` come from the endpoint; other types need no DHT lookup.
			let endpoint = matches!(qtype, RecordType::A | RecordType::AAAA | RecordType::ANY)
				|| prefix.first().is_some_and(|l| l == DNSADDR_LABEL);
			let r = if endpoint {
				// The view comes from the daemon's cache; only the endpoint is looked up.
				let r = self.daemon.resolve_with(&name, true).await.map_err(|_| ())?;
				head = r.head;
				r
			} else {
				r
			};
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
		let ttl = self.capped_ttl(r.head, view.expires_at);
		let endpoint_ttl =
			r.endpoint.as_ref().map_or(0, |e| self.capped_ttl(r.head, e.valid_until)).min(ttl);
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
