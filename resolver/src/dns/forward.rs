//! Queries for other zones, forwarded to `--dns-upstream` over the transport they came in on,
//! for the clients `--dns-forward-allow` names (loopback by default; the others are REFUSED, so
//! a public listener is no open resolver).
//!
//! The query upstream is our own, not the client's packet: a random id from a fresh socket (a
//! random source port), the question with its letters' case randomized (DNS 0x20), recursion
//! desired, and our EDNS payload. A reply counts only if it comes from the upstream's address,
//! is a response, and carries that id and exactly that question, case included; anything else
//! is dropped (and counted) while the real reply is awaited. The client gets the upstream's
//! answer with its own id, question and EDNS, clamped to its payload size like any answer.

use super::{
	transport::{framed, read_framed},
	Transport,
};
use hickory_proto::{
	op::{Edns, Message, MessageType, Query},
	rr::Name,
};
use rand::Rng;
use std::{net::SocketAddr, time::Duration};
use tokio::{
	io::AsyncWriteExt,
	net::{TcpStream, UdpSocket},
};

/// How long the upstream has to answer (over UDP and, after a truncated reply, TCP together).
const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(3);
/// Most replies that do not match the query read from one upstream socket before giving up.
const MAX_STRAY_REPLIES: usize = 16;
/// Forwards in flight at once (each holds a socket for up to [`UPSTREAM_TIMEOUT`]); past that,
/// SERVFAIL at once. Zone answers keep the rest of the face's in-flight budget, and a loop
/// (an upstream that sends our queries back to us) ends here.
const MAX_FORWARDS: usize = 256;
/// A reply's buffer: the largest datagram, so that an upstream that ignores our EDNS payload
/// (1232) is read whole rather than cut (its answer is then clamped like any other).
const REPLY_BUFFER: usize = 65_535;

pub(super) struct Forwarder {
	upstream: SocketAddr,
	slots: tokio::sync::Semaphore,
}

/// Why a forward gave no answer.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Failed {
	/// No reply in time (or the upstream could not be reached).
	Timeout,
	/// [`MAX_FORWARDS`] are in flight already.
	Busy,
	/// Only replies that did not match the query came.
	Mismatch,
}

impl Forwarder {
	pub(super) fn new(upstream: SocketAddr) -> Self {
		Self { upstream, slots: tokio::sync::Semaphore::new(MAX_FORWARDS) }
	}

	/// The upstream's answer to `request`'s question, checked; `stray` counts each reply
	/// dropped for not matching.
	pub(super) async fn forward(
		&self,
		request: &Message,
		transport: Transport,
		stray: impl Fn(),
	) -> Result<Message, Failed> {
		let _slot = self.slots.try_acquire().map_err(|_| Failed::Busy)?;
		// (The thread's generator is not `Send`: it is used and dropped before any await.)
		let query = upstream_query(request, &mut rand::thread_rng());
		let deadline = tokio::time::Instant::now() + UPSTREAM_TIMEOUT;
		let reply = self.exchange(&query, transport, &stray, deadline).await?;
		// Too big for UDP upstream: ask again over TCP, as a stub resolver would, within what
		// is left of the same deadline.
		if transport == Transport::Udp && reply.truncated() {
			if let Ok(whole) = self.exchange(&query, Transport::Tcp, &stray, deadline).await {
				return Ok(whole);
			}
		}
		Ok(reply)
	}

	/// One query and its matching reply over `transport`.
	async fn exchange(
		&self,
		query: &Message,
		transport: Transport,
		stray: &impl Fn(),
		deadline: tokio::time::Instant,
	) -> Result<Message, Failed> {
		let packet = query.to_vec().map_err(|_| Failed::Mismatch)?;
		let upstream = self.upstream;
		let bind: SocketAddr = if upstream.is_ipv4() {
			([0, 0, 0, 0], 0).into()
		} else {
			(std::net::Ipv6Addr::UNSPECIFIED, 0).into()
		};
		let matches = |reply: &Message| {
			reply.id() == query.id()
				&& reply.message_type() == MessageType::Response
				&& reply.op_code() == query.op_code()
				&& same_question(reply.queries(), query.queries())
		};
		let result = async {
			match transport {
				Transport::Udp => {
					let socket = UdpSocket::bind(bind).await.map_err(|_| Failed::Timeout)?;
					// Connected: the kernel drops datagrams from any other address.
					socket.connect(upstream).await.map_err(|_| Failed::Timeout)?;
					socket.send(&packet).await.map_err(|_| Failed::Timeout)?;
					let mut buf = vec![0u8; REPLY_BUFFER];
					for _ in 0..MAX_STRAY_REPLIES {
						let len = socket.recv(&mut buf).await.map_err(|_| Failed::Timeout)?;
						if let Ok(reply) = Message::from_vec(&buf[..len]) {
							if matches(&reply) {
								return Ok(reply);
							}
						}
						stray();
					}
					Err(Failed::Mismatch)
				},
				Transport::Tcp => {
					let mut stream =
						TcpStream::connect(upstream).await.map_err(|_| Failed::Timeout)?;
					stream.write_all(&framed(&packet)).await.map_err(|_| Failed::Timeout)?;
					let bytes =
						read_framed(&mut stream, UPSTREAM_TIMEOUT).await.ok_or(Failed::Timeout)?;
					match Message::from_vec(&bytes) {
						Ok(reply) if matches(&reply) => Ok(reply),
						_ => {
							stray();
							Err(Failed::Mismatch)
						},
					}
				},
			}
		};
		tokio::time::timeout_at(deadline, result).await.unwrap_or(Err(Failed::Timeout))
	}

	/// The upstream's `reply` as the answer to the client's `request`: the client's id and
	/// question (its own letters' case), and `edns` (ours, or none if the client sent none),
	/// with the client's DO bit. Not authoritative (we are not, for another zone). A reply the
	/// upstream truncated stays truncated.
	pub(super) fn relay(request: &Message, mut reply: Message, edns: Option<Edns>) -> Message {
		reply.set_id(request.id());
		reply.take_queries();
		reply.add_queries(request.queries().to_vec());
		reply.set_recursion_desired(request.recursion_desired());
		reply.set_recursion_available(true);
		reply.set_authoritative(false);
		*reply.extensions_mut() = edns.map(|mut e| {
			let dnssec_ok = request.extensions().as_ref().is_some_and(|r| r.flags().dnssec_ok);
			e.set_dnssec_ok(dnssec_ok);
			e
		});
		reply
	}
}

/// Our query for `request`'s question: a random id, 0x20 case, recursion desired, our EDNS.
fn upstream_query(request: &Message, rng: &mut impl Rng) -> Message {
	let mut query = Message::new();
	query
		.set_id(rng.r#gen())
		.set_message_type(MessageType::Query)
		.set_op_code(request.op_code())
		.set_recursion_desired(true)
		.set_checking_disabled(request.checking_disabled());
	for q in request.queries() {
		let mut q = q.clone();
		q.set_name(mix_case(q.name(), rng));
		query.add_query(q);
	}
	let mut edns = Edns::new();
	edns.set_max_payload(super::transport::EDNS_PAYLOAD);
	edns.set_dnssec_ok(request.extensions().as_ref().is_some_and(|e| e.flags().dnssec_ok));
	query.set_edns(edns);
	query
}

/// `name` with each ASCII letter's case chosen at random (draft-vixie-dnsext-dns0x20).
fn mix_case(name: &Name, rng: &mut impl Rng) -> Name {
	let mixed: Vec<Vec<u8>> = name
		.iter()
		.map(|label| {
			label
				.iter()
				.map(|&b| if rng.r#gen() { b.to_ascii_uppercase() } else { b.to_ascii_lowercase() })
				.collect()
		})
		.collect();
	let mut out = Name::from_labels(mixed).unwrap_or_else(|_| name.clone());
	out.set_fqdn(name.is_fqdn());
	out
}

/// The same questions, byte for byte (a name's case included).
fn same_question(a: &[Query], b: &[Query]) -> bool {
	a.len() == b.len()
		&& a.iter().zip(b).all(|(x, y)| {
			x.query_type() == y.query_type()
				&& x.query_class() == y.query_class()
				&& x.name().iter().eq(y.name().iter())
		})
}

#[cfg(test)]
mod tests {
	use super::*;
	use hickory_proto::rr::RecordType;
	use std::str::FromStr;

	fn request(name: &str) -> Message {
		let mut m = Message::new();
		m.set_id(7).set_recursion_desired(true);
		m.add_query(Query::query(Name::from_str(name).unwrap(), RecordType::A));
		m
	}

	#[test]
	fn the_query_upstream_is_ours_and_its_case_is_mixed() {
		let mut rng = rand::thread_rng();
		let r = request("www.example.com.");
		let mut ids = std::collections::HashSet::new();
		let mut cases = std::collections::HashSet::new();
		for _ in 0..64 {
			let q = upstream_query(&r, &mut rng);
			ids.insert(q.id());
			let name = q.queries()[0].name().to_ascii();
			assert_eq!(name.to_lowercase(), "www.example.com.");
			cases.insert(name);
		}
		assert!(ids.len() > 50, "random ids");
		assert!(cases.len() > 50, "random case");
	}

	#[test]
	fn a_reply_must_carry_exactly_the_question_asked() {
		let q = [Query::query(Name::from_ascii("wWw.ExAmple.com.").unwrap(), RecordType::A)];
		let same = [Query::query(Name::from_ascii("wWw.ExAmple.com.").unwrap(), RecordType::A)];
		let lower = [Query::query(Name::from_ascii("www.example.com.").unwrap(), RecordType::A)];
		let other = [Query::query(Name::from_ascii("wWw.ExAmple.com.").unwrap(), RecordType::AAAA)];
		assert!(same_question(&q, &same));
		assert!(!same_question(&q, &lower), "0x20: the case must come back as sent");
		assert!(!same_question(&q, &other));
		assert!(!same_question(&q, &[]));
	}
}
