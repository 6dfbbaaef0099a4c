//! Queries for other zones, forwarded verbatim to `--dns-upstream` over the transport they came
//! in on.

use super::{
	transport::{framed, read_framed},
	Transport,
};
use hickory_proto::op::{Message, ResponseCode};
use std::{net::SocketAddr, time::Duration};
use tokio::{
	io::AsyncWriteExt,
	net::{TcpStream, UdpSocket},
};

/// How long the upstream has to answer.
const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(3);

pub(super) struct Forwarder {
	upstream: SocketAddr,
}

impl Forwarder {
	pub(super) fn new(upstream: SocketAddr) -> Self {
		Self { upstream }
	}

	/// The upstream's answer to `packet`, as it sent it; `None` if none came in time.
	pub(super) async fn forward(&self, packet: &[u8], transport: Transport) -> Option<Vec<u8>> {
		let upstream = self.upstream;
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
					stream.write_all(&framed(packet)).await.ok()?;
					read_framed(&mut stream, UPSTREAM_TIMEOUT).await
				},
			}
		};
		tokio::time::timeout(UPSTREAM_TIMEOUT, result).await.ok().flatten()
	}

	/// The response when the upstream gave none: SERVFAIL, with the question.
	pub(super) fn failed(request: &Message) -> Message {
		let mut m = Message::error_msg(request.id(), request.op_code(), ResponseCode::ServFail);
		m.add_queries(request.queries().to_vec());
		m.set_recursion_available(true);
		m
	}
}
