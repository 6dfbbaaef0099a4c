//! The TCP transport, with one fix: a dial that reuses the listening port falls back to a fresh
//! port when that port cannot be bound.
//!
//! libp2p dials from the listening port (so that a NAT maps both directions alike and a hole
//! punch can work), and binds it on the unspecified address: `0.0.0.0:<port>`. A daemon that
//! listens on one address (`--listen /ip4/192.0.2.7/tcp/4001`) shares the port number with
//! every other address of the host, and when any socket there holds that number without
//! `SO_REUSEPORT` the bind fails with `EADDRINUSE`, on every dial, for as long as that socket
//! lives: the daemon never reaches a peer again. libp2p-tcp 0.42 retries with a fresh port only
//! when the connect fails (`EADDRNOTAVAIL`), not when the bind does. Here both do.

use futures::{future::BoxFuture, FutureExt};
use libp2p::{
	core::transport::{self, DialOpts, ListenerId, PortUse, TransportError, TransportEvent},
	tcp, Multiaddr,
};
use std::{
	io,
	pin::Pin,
	sync::{Arc, Mutex},
	task::{Context, Poll},
};

type Inner = tcp::tokio::Transport;

pub struct Transport {
	inner: Inner,
	/// Dials only, never listens: so none of its dials reuses a port.
	fresh: Arc<Mutex<Inner>>,
}

impl Transport {
	pub fn new(config: tcp::Config) -> Self {
		Self { inner: Inner::new(config.clone()), fresh: Arc::new(Mutex::new(Inner::new(config))) }
	}
}

impl transport::Transport for Transport {
	type Output = <Inner as transport::Transport>::Output;
	type Error = io::Error;
	type ListenerUpgrade = <Inner as transport::Transport>::ListenerUpgrade;
	type Dial = BoxFuture<'static, io::Result<Self::Output>>;

	fn listen_on(
		&mut self,
		id: ListenerId,
		addr: Multiaddr,
	) -> Result<(), TransportError<io::Error>> {
		self.inner.listen_on(id, addr)
	}

	fn remove_listener(&mut self, id: ListenerId) -> bool {
		self.inner.remove_listener(id)
	}

	fn dial(
		&mut self,
		addr: Multiaddr,
		opts: DialOpts,
	) -> Result<Self::Dial, TransportError<io::Error>> {
		let first = self.inner.dial(addr.clone(), opts)?;
		if opts.port_use != PortUse::Reuse {
			return Ok(first);
		}
		let fresh = self.fresh.clone();
		Ok(async move {
			match first.await {
				Err(e) if e.kind() == io::ErrorKind::AddrInUse => {
					tracing::debug!(
						target: "ddns::dht",
						"{addr}: the listening port is bound elsewhere on this host; dialing from a fresh port"
					);
					let again = {
						let mut fresh = fresh.lock().unwrap_or_else(|p| p.into_inner());
						fresh.dial(addr, DialOpts { port_use: PortUse::New, ..opts })
					};
					match again {
						Ok(dial) => dial.await,
						Err(TransportError::Other(e)) => Err(e),
						Err(TransportError::MultiaddrNotSupported(a)) => {
							Err(io::Error::other(format!("{a}: not a TCP address")))
						},
					}
				},
				other => other,
			}
		}
		.boxed())
	}

	fn poll(
		mut self: Pin<&mut Self>,
		cx: &mut Context<'_>,
	) -> Poll<TransportEvent<Self::ListenerUpgrade, io::Error>> {
		Pin::new(&mut self.inner).poll(cx)
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use libp2p::{
		core::{transport::Transport as _, Endpoint},
		multiaddr::Protocol,
	};

	/// Listens on `addr` and returns the address the transport reports.
	async fn listen<T: transport::Transport + Unpin>(t: &mut T, addr: &str) -> Multiaddr {
		t.listen_on(ListenerId::next(), addr.parse().unwrap()).ok().unwrap();
		loop {
			let event = futures::future::poll_fn(|cx| Pin::new(&mut *t).poll(cx)).await;
			if let TransportEvent::NewAddress { listen_addr, .. } = event {
				return listen_addr;
			}
		}
	}

	fn port(addr: &Multiaddr) -> u16 {
		match addr.iter().nth(1) {
			Some(Protocol::Tcp(p)) => p,
			_ => panic!("{addr}"),
		}
	}

	const REUSE: DialOpts = DialOpts { role: Endpoint::Dialer, port_use: PortUse::Reuse };

	/// The case that kept a test daemon on 127.0.0.2 from ever reaching its bootnode: its
	/// listening port was an ephemeral port of another socket on 127.0.0.3.
	#[tokio::test]
	async fn a_dial_whose_port_is_taken_elsewhere_goes_out_from_a_fresh_port() {
		let mut target = Inner::new(tcp::Config::default());
		let target_addr = listen(&mut target, "/ip4/127.0.0.1/tcp/0").await;
		let accept = tokio::spawn(async move {
			loop {
				let event = futures::future::poll_fn(|cx| Pin::new(&mut target).poll(cx)).await;
				if let TransportEvent::Incoming { upgrade, .. } = event {
					return upgrade.await.is_ok();
				}
			}
		});

		let mut ours = Transport::new(tcp::Config::default());
		let ours_addr = listen(&mut ours, "/ip4/127.0.0.2/tcp/0").await;
		// Another socket of the host holds the same port number, without SO_REUSEPORT.
		let _squatter = std::net::TcpListener::bind(("127.0.0.3", port(&ours_addr))).unwrap();

		// libp2p's own transport cannot dial at all now.
		let err = ours.inner.dial(target_addr.clone(), REUSE).ok().unwrap().await.unwrap_err();
		assert_eq!(err.kind(), io::ErrorKind::AddrInUse);

		// Ours does, from another port.
		let stream = ours.dial(target_addr, REUSE).ok().unwrap().await.unwrap();
		assert_ne!(stream.0.local_addr().unwrap().port(), port(&ours_addr));
		let accepted = tokio::time::timeout(std::time::Duration::from_secs(5), accept).await;
		assert!(matches!(accepted, Ok(Ok(true))), "the target accepts the connection");
	}
}
