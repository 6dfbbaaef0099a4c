//! The DNS face's transport: UDP and TCP sockets, DNS-over-TCP framing, EDNS0 and truncation,
//! DNS cookies, the limits on queries in flight, on UDP answers per source (RRL) and on
//! connections, and the metrics. What an answer says is the zone's (`zone.rs`) or the
//! upstream's (`forward.rs`).

use super::{
	cookie::{self, Cookies, Presented},
	forward::Forwarder,
	limit::{ConnectionsPerIp, RateLimiter, Verdict},
	zone::Zone,
	Cidr, DnsConfig, Transport,
};
use crate::daemon::Daemon;
use hickory_proto::{
	op::{Edns, Message, MessageType, OpCode, ResponseCode},
	rr::rdata::opt::{EdnsCode, EdnsOption},
};
use std::{
	net::{IpAddr, SocketAddr},
	sync::Arc,
	time::Duration,
};
use tokio::{
	io::{AsyncRead, AsyncReadExt, AsyncWriteExt},
	net::{TcpListener, TcpStream, UdpSocket},
	task::JoinSet,
};

/// UDP payload we offer with EDNS0 (the DNS flag day 2020 size).
pub(super) const EDNS_PAYLOAD: u16 = 1232;
/// Queries one TCP connection may ask before it is closed.
const MAX_TCP_QUERIES: usize = 100;
/// UDP payload without EDNS0.
const PLAIN_PAYLOAD: usize = 512;
/// Most UDP queries answered at once.
const MAX_IN_FLIGHT: usize = 4096;
/// Most DNS-over-TCP connections served at once (each closes after 10 s idle); `tcp_per_ip` of
/// [`DnsConfig`] caps those of one address.
pub const MAX_TCP_CONNECTIONS: usize = 512;

/// Serves UDP and TCP on `config.listen` until the daemon stops; returns the bound address (UDP
/// and TCP share it).
pub async fn serve(daemon: Arc<Daemon>, config: DnsConfig) -> anyhow::Result<SocketAddr> {
	let udp = UdpSocket::bind(config.listen).await?;
	socket_buffers(&udp);
	let udp = Arc::new(udp);
	let bound = udp.local_addr()?;
	if let Some(up) = config.upstream {
		if is_self(up, bound) {
			anyhow::bail!("--dns-upstream {up} is this DNS face itself: every forward would loop");
		}
	}
	let tcp = TcpListener::bind(bound).await?;
	tracing::info!(target: "ddns::dns", "DNS on {bound} (UDP and TCP)");
	let per_ip = ConnectionsPerIp::new(config.tcp_per_ip);
	let server = Arc::new(Server::new(daemon.clone(), config));
	// Queries in flight at once; past that, UDP queries are dropped (clients retry) rather
	// than queued without bound behind slow DHT lookups.
	let in_flight = Arc::new(tokio::sync::Semaphore::new(MAX_IN_FLIGHT));
	// One receiver per worker thread, so that answers from the cache (made in the receiver,
	// see `udp_query`) use every core.
	let receivers = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
	for _ in 0..receivers {
		let (s, udp, in_flight) = (server.clone(), udp.clone(), in_flight.clone());
		let receiver = tokio::spawn(async move {
			// The answers that wait, in tasks that end with the receiver.
			let mut waiting = JoinSet::new();
			let mut buf = vec![0u8; 65_535];
			loop {
				match udp.recv_from(&mut buf).await {
					Ok((len, peer)) => {
						s.clone()
							.udp_query(&udp, &in_flight, &mut waiting, buf[..len].to_vec(), peer)
							.await
					},
					Err(e) => {
						tracing::debug!(target: "ddns::dns", "UDP receive: {e}");
						s.dropped("receive");
					},
				}
				while waiting.try_join_next().is_some() {}
			}
		});
		daemon.keep(receiver.abort_handle());
	}
	let connections = Arc::new(tokio::sync::Semaphore::new(MAX_TCP_CONNECTIONS));
	let acceptor = tokio::spawn(async move {
		// The open connections, in tasks that end with the acceptor.
		let mut open = JoinSet::new();
		loop {
			let (stream, peer) = match tcp.accept().await {
				Ok(accepted) => accepted,
				Err(e) => {
					// Out of file descriptors (or another passing error): back off rather than
					// spin on a listener that stays readable.
					tracing::debug!(target: "ddns::dns", "TCP accept: {e}");
					server.dropped("accept");
					tokio::time::sleep(ACCEPT_BACKOFF).await;
					continue;
				},
			};
			// At the limit, a new connection is closed at once (a client then knows, rather
			// than wait in the kernel's backlog); one address may not hold every connection.
			let Ok(permit) = connections.clone().try_acquire_owned() else {
				server.daemon.metrics.refused_connection("dns");
				continue;
			};
			let Some(admitted) = per_ip.admit(peer.ip()) else {
				server.daemon.metrics.refused_connection("dns");
				continue;
			};
			let server = server.clone();
			open.spawn(async move {
				server.tcp_connection(stream, peer.ip()).await;
				drop((permit, admitted));
			});
			while open.try_join_next().is_some() {}
		}
	});
	daemon.keep(acceptor.abort_handle());
	Ok(bound)
}

/// Whether `upstream` is the face bound at `bound`: its own address, or loopback when it
/// listens on every address of that family (`[::]` takes IPv4 too). An upstream on another of
/// the host's addresses is not caught here; the forwarder's cap ends such a loop.
fn is_self(upstream: SocketAddr, bound: SocketAddr) -> bool {
	let (up, ours) = (upstream.ip().to_canonical(), bound.ip().to_canonical());
	let same_family = up.is_ipv4() == ours.is_ipv4() || bound.ip().is_ipv6();
	upstream.port() == bound.port()
		&& (up == ours || (ours.is_unspecified() && same_family && up.is_loopback()))
}

#[cfg(test)]
#[test]
fn a_forward_to_the_face_itself_is_recognised() {
	let s = |a: &str| a.parse::<SocketAddr>().unwrap();
	assert!(is_self(s("127.0.0.1:53"), s("127.0.0.1:53")));
	assert!(is_self(s("127.0.0.1:53"), s("0.0.0.0:53")));
	assert!(is_self(s("[::1]:53"), s("[::]:53")));
	assert!(is_self(s("127.0.0.1:53"), s("[::]:53")));
	assert!(is_self(s("[::ffff:127.0.0.1]:53"), s("[::]:53")));
	assert!(is_self(s("[::ffff:127.0.0.1]:53"), s("127.0.0.1:53")));
	assert!(!is_self(s("127.0.0.1:5353"), s("127.0.0.1:53")));
	assert!(!is_self(s("[::1]:53"), s("0.0.0.0:53")), "an IPv4 socket does not get ::1");
	assert!(!is_self(s("1.1.1.1:53"), s("0.0.0.0:53")));
}

/// How long the TCP acceptor waits after a failed `accept` (e.g. EMFILE) before the next.
pub const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

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

/// A DNS message with the two-byte length in front that DNS over TCP sends (RFC 1035 4.2.2).
pub(super) fn framed(message: &[u8]) -> Vec<u8> {
	let mut framed = (message.len() as u16).to_be_bytes().to_vec();
	framed.extend_from_slice(message);
	framed
}

/// Reads one length-prefixed DNS message; `None` if the stream ends or either the length or the
/// message takes longer than `idle`.
pub(super) async fn read_framed<S: AsyncRead + Unpin>(
	stream: &mut S,
	idle: Duration,
) -> Option<Vec<u8>> {
	let mut len = [0u8; 2];
	tokio::time::timeout(idle, stream.read_exact(&mut len)).await.ok()?.ok()?;
	let mut message = vec![0u8; u16::from_be_bytes(len) as usize];
	tokio::time::timeout(idle, stream.read_exact(&mut message)).await.ok()?.ok()?;
	Some(message)
}

/// Turns packets into responses: parses, applies EDNS0, asks the zone or the upstream,
/// truncates for UDP, and counts.
pub struct Server {
	daemon: Arc<Daemon>,
	zone: Zone,
	/// Makes and checks server cookies, with this face's secret.
	cookies: Cookies,
	/// `None` with `--dns-rrl-rate 0`.
	rrl: Option<RateLimiter>,
	/// `None` without `--dns-upstream`: other zones are REFUSED.
	forwarder: Option<Forwarder>,
	/// Who may have other zones forwarded (`--dns-forward-allow`).
	forward_allow: Vec<Cidr>,
}

impl Server {
	pub fn new(daemon: Arc<Daemon>, config: DnsConfig) -> Self {
		Self {
			zone: Zone::new(daemon.clone(), &config),
			cookies: Cookies::new(),
			rrl: RateLimiter::new(config.rrl.rate, config.rrl.slip, config.rrl.exempt.clone()),
			forwarder: config.upstream.map(Forwarder::new),
			forward_allow: config.forward_allow.clone(),
			daemon,
		}
	}

	/// Answers one UDP query. An answer that is ready at once (from the cache) is made and sent
	/// here, without a task; one that waits (a chain read, a DHT lookup, the upstream) goes on
	/// in a task of its own in `waiting`, within [`MAX_IN_FLIGHT`].
	///
	/// The receive loop is not held by a slow query: the inline poll runs only up to the
	/// answer's first wait (the chain, the DHT, the upstream, a full socket buffer), which
	/// returns `Pending` at once and moves the query to its task. What runs inline is bounded
	/// CPU work (parsing, a cache read, the rate limiter, encoding), as a spawn would cost
	/// anyway; `a_slow_query_does_not_hold_the_receiver` (tests/dns_abuse.rs) shows it.
	async fn udp_query(
		self: Arc<Self>,
		udp: &Arc<UdpSocket>,
		in_flight: &Arc<tokio::sync::Semaphore>,
		waiting: &mut JoinSet<()>,
		packet: Vec<u8>,
		peer: SocketAddr,
	) {
		let Ok(permit) = in_flight.clone().try_acquire_owned() else {
			self.dropped("in_flight");
			return;
		};
		let udp = udp.clone();
		let mut task = Box::pin(async move {
			if let Some(out) = self.answer_limited(&packet, peer.ip()).await {
				if let Err(e) = udp.send_to(&out, peer).await {
					tracing::debug!(target: "ddns::dns", "UDP send to {peer}: {e}");
					self.dropped("send");
				}
			}
			drop(permit);
		});
		if futures::poll!(task.as_mut()).is_pending() {
			waiting.spawn(task);
		}
	}

	fn dropped(&self, reason: &'static str) {
		self.daemon.metrics.dns_dropped.get_or_create(&vec![("reason", reason)]).inc();
	}

	async fn tcp_connection(self: Arc<Self>, mut stream: TcpStream, client: IpAddr) {
		let idle = Duration::from_secs(10);
		// A connection is for a few queries (RFC 7766 lets a server close idle ones): one that
		// trickles a query every few seconds would hold its slot for ever.
		for _ in 0..MAX_TCP_QUERIES {
			let Some(packet) = read_framed(&mut stream, idle).await else { return };
			let Some(out) = self.answer(&packet, Transport::Tcp, client).await else { return };
			// A client that does not read its answers loses the connection.
			match tokio::time::timeout(idle, stream.write_all(&framed(&out))).await {
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

	/// Whether `client` may have queries for other zones forwarded.
	fn forwards_for(&self, client: IpAddr) -> bool {
		self.forwarder.is_some() && self.forward_allow.iter().any(|c| c.contains(client))
	}

	/// The response to one packet from `client`, or `None` when DNS says to stay silent (a
	/// packet too short to carry a header, or a response rather than a query). No rate limit
	/// applies: that is for the UDP receiver, which knows the source is real only by its cookie.
	pub async fn answer(
		&self,
		packet: &[u8],
		transport: Transport,
		client: IpAddr,
	) -> Option<Vec<u8>> {
		self.respond(packet, transport, client, None).await
	}

	/// [`Self::answer`] over UDP through the rate limiter (`--dns-rrl-rate`), as the receiver
	/// answers: `None` also for an answer the limiter drops, and an empty truncated reply (or
	/// BADCOOKIE) for one it slips.
	pub async fn answer_limited(&self, packet: &[u8], client: IpAddr) -> Option<Vec<u8>> {
		self.respond(packet, Transport::Udp, client, self.rrl.as_ref()).await
	}

	/// Whether an answer to `client` may go out under `rrl`, counting those that may not.
	fn rate_limit(&self, rrl: Option<&RateLimiter>, client: IpAddr) -> Verdict {
		let Some(rrl) = rrl else { return Verdict::Send };
		let verdict = rrl.check(client);
		let action = match verdict {
			Verdict::Send => return verdict,
			Verdict::Slip => "slipped",
			Verdict::Drop => {
				self.dropped("rate_limit");
				"dropped"
			},
		};
		self.daemon.metrics.dns_rate_limited.get_or_create(&vec![("action", action)]).inc();
		verdict
	}

	/// The reply to a query over the rate that slips: the question and nothing else, with TC
	/// set so that a real client asks again over TCP; or, to a client that sent a cookie,
	/// BADCOOKIE with a fresh server cookie, so that it asks again over UDP with that cookie and
	/// passes (BIND does the same; RFC 7873 §5.2.3 allows BADCOOKIE for a client cookie alone).
	/// Either way about the query's size: nothing to amplify.
	fn slip(
		&self,
		request: &Message,
		mut response: Message,
		presented: &Presented,
		client: IpAddr,
	) -> Option<Vec<u8>> {
		if let Some(query) = request.queries().first() {
			response.add_query(query.clone());
		}
		match (request.extensions(), presented) {
			(Some(_), Presented::Cookie { client: theirs, .. }) => {
				let mut ours = Edns::new();
				ours.set_max_payload(EDNS_PAYLOAD);
				let data = self.cookies.response(theirs, client);
				ours.options_mut().insert(EdnsOption::Unknown(cookie::OPTION, data));
				response.set_edns(ours);
				response.set_response_code(ResponseCode::BADCOOKIE);
			},
			(edns, _) => {
				if edns.is_some() {
					let mut ours = Edns::new();
					ours.set_max_payload(EDNS_PAYLOAD);
					response.set_edns(ours);
				}
				response.set_truncated(true);
			},
		}
		response.to_vec().ok()
	}

	/// The answer, with `rrl` (the UDP path) checked before any work on the question.
	async fn respond(
		&self,
		packet: &[u8],
		transport: Transport,
		client: IpAddr,
		rrl: Option<&RateLimiter>,
	) -> Option<Vec<u8>> {
		let request = match Message::from_vec(packet) {
			Ok(m) => m,
			Err(_) => {
				// Unparseable: FORMERR if there is a header to answer, else silence.
				if packet.len() < 12 || packet[2] & 0x80 != 0 {
					return None;
				}
				// A FORMERR is no larger than the packet, but it still goes to the source.
				if self.rate_limit(rrl, client) != Verdict::Send {
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
			.set_recursion_available(self.forwards_for(client))
			.set_checking_disabled(request.checking_disabled());
		let presented = request.extensions().as_ref().map_or(Presented::None, |edns| {
			Presented::from_options(edns.options().as_ref().iter().filter_map(|(code, o)| {
				match (code, o) {
					(EdnsCode::Cookie, EdnsOption::Unknown(_, data)) => Some(&data[..]),
					_ => None,
				}
			}))
		});
		// A client that shows a server cookie we gave it receives at its address: no forger,
		// so no rate limit (RFC 7873 §5.2.5).
		let cookied = self.cookies.valid(&presented, client);
		if !cookied {
			match self.rate_limit(rrl, client) {
				Verdict::Send => {},
				Verdict::Drop => return None,
				Verdict::Slip => return self.slip(&request, response, &presented, client),
			}
		}
		let max = match request.extensions() {
			Some(edns) => {
				let mut ours = Edns::new();
				ours.set_max_payload(EDNS_PAYLOAD);
				// Every response to a query with a client cookie carries it and a fresh server
				// cookie (RFC 7873 §5.2.3 to §5.2.5): an expired or foreign one is replaced, and
				// the query answered as if it had come with the client cookie alone.
				if let Presented::Cookie { client: theirs, .. } = &presented {
					let data = self.cookies.response(theirs, client);
					ours.options_mut().insert(EdnsOption::Unknown(cookie::OPTION, data));
				}
				response.set_edns(ours);
				if presented == Presented::Malformed {
					// RFC 7873 §5.2.2: a COOKIE option of a length no cookie has.
					response.set_response_code(ResponseCode::FormErr);
					self.count(ResponseCode::FormErr);
					return response.to_vec().ok();
				}
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
		// RFC 7873 §5.4: a query with a cookie and no question asks only for a server cookie.
		if request.queries().is_empty() && matches!(presented, Presented::Cookie { .. }) {
			self.count(ResponseCode::NoError);
			return response.to_vec().ok();
		}
		let rcode = match self.zone.respond(&request, &mut response, transport).await {
			Some(rcode) => rcode,
			None => match &self.forwarder {
				Some(forwarder) if self.forwards_for(client) => {
					let stray = || self.dropped("upstream_mismatch");
					match forwarder.forward(&request, transport, stray).await {
						Ok(reply) => {
							let edns = response.extensions().clone();
							response = Forwarder::relay(&request, reply, edns);
							response.response_code()
						},
						Err(_) => ResponseCode::ServFail,
					}
				},
				// No upstream, or a client it does not serve: no open resolver.
				_ => ResponseCode::Refused,
			},
		};
		response.set_response_code(rcode);
		self.count(rcode);
		let bytes = response.to_vec().ok()?;
		// Large answers to a source that may be forged cost more of its rate.
		if let (Some(rrl), false) = (rrl, cookied) {
			rrl.charge(client, bytes.len().min(max));
		}
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
}
