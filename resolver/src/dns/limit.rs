//! Limits for a face on the open internet: response-rate limiting of UDP answers per source
//! prefix (RRL, as NSD, Knot and BIND do it), and a cap on TCP connections per client address
//! (for the DNS face and the HTTP face alike).
//!
//! RRL is there because a UDP source address can be forged: without it, anyone can point the
//! face at a victim and have it send answers there. Each source prefix (a /24 for IPv4, a /56
//! for IPv6, the blocks one customer usually holds) has a token bucket of `rate` answers a
//! second. An answer over the rate is dropped, except every `slip`-th, which goes out as an
//! empty truncated reply (or BADCOOKIE to a client that sent a cookie, see `transport.rs`):
//! a real client behind that prefix retries over TCP (or with the cookie), which a forger
//! cannot, and the victim gets small replies at a fraction of the rate.

use super::Cidr;
use std::{
	collections::{HashMap, VecDeque},
	net::IpAddr,
	sync::{Arc, Mutex},
	time::Instant,
};

/// Source prefixes with a bucket at once; past that the oldest bucket is forgotten (BIND's
/// `max-table-size` default). A bucket is about 64 bytes, so the table stays near a megabyte
/// however many addresses are forged.
pub const MAX_BUCKETS: usize = 20_000;
/// Buckets looked at for one that has refilled before the oldest is forgotten anyway.
const EVICTION_LOOKS: usize = 64;
/// Prefix lengths that share a bucket.
const V4_PREFIX: u32 = 24;
const V6_PREFIX: u32 = 56;

/// What to do with one UDP answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Verdict {
	/// Within the rate: send it.
	Send,
	/// Over the rate, and this one slips: send an empty truncated reply instead.
	Slip,
	/// Over the rate: send nothing.
	Drop,
}

/// Token buckets per source prefix.
pub(super) struct RateLimiter {
	rate: f64,
	slip: u32,
	exempt: Vec<Cidr>,
	table: Mutex<Table>,
}

#[derive(Default)]
struct Table {
	buckets: HashMap<IpAddr, Bucket>,
	/// The prefixes in the order their buckets were made, oldest first.
	order: VecDeque<IpAddr>,
}

struct Bucket {
	/// Answers that may go out now, up to a second's worth (the burst).
	tokens: f64,
	at: Instant,
	/// Answers over the rate so far, to pick every `slip`-th.
	limited: u32,
}

impl RateLimiter {
	/// `rate` answers a second per prefix (`None` for 0: no limit), every `slip`-th limited
	/// answer slipped (0: none), and the clients in `exempt` never limited.
	pub(super) fn new(rate: u32, slip: u32, exempt: Vec<Cidr>) -> Option<Self> {
		(rate > 0).then(|| Self {
			rate: f64::from(rate),
			slip,
			exempt,
			table: Mutex::new(Table::default()),
		})
	}

	/// Whether one more answer may go to `client` now.
	pub(super) fn check(&self, client: IpAddr) -> Verdict {
		self.check_at(client, Instant::now())
	}

	/// Whether `client` is exempt. An IPv4-mapped source on a dual-stack socket never is: on
	/// `[::]`, a packet from the wire can claim `::ffff:127.0.0.1`, which no martian filter
	/// drops.
	fn exempt(&self, client: IpAddr) -> bool {
		let mapped = matches!(client, IpAddr::V6(v6) if v6.to_ipv4_mapped().is_some());
		!mapped && self.exempt.iter().any(|c| c.contains(client))
	}

	/// Charges `client` for a large answer: one more token per 512 bytes past the first 512,
	/// so that a bucket buys the same number of bytes whatever the answers' size. The balance
	/// may go below zero, down to a second's worth.
	pub(super) fn charge(&self, client: IpAddr, bytes: usize) {
		let extra = (bytes / 512).saturating_sub(usize::from(bytes % 512 == 0)) as f64;
		if extra == 0.0 || self.exempt(client) {
			return;
		}
		let mut table = self.table.lock().unwrap_or_else(|e| e.into_inner());
		if let Some(bucket) = table.buckets.get_mut(&prefix(client)) {
			bucket.tokens = (bucket.tokens - extra).max(-self.rate);
		}
	}

	fn check_at(&self, client: IpAddr, now: Instant) -> Verdict {
		if self.exempt(client) {
			return Verdict::Send;
		}
		let key = prefix(client);
		// A poisoned lock only means another receiver panicked mid-update of a counter.
		let mut table = self.table.lock().unwrap_or_else(|e| e.into_inner());
		let Table { buckets, order } = &mut *table;
		let bucket = buckets.entry(key).or_insert_with(|| {
			order.push_back(key);
			Bucket { tokens: self.rate, at: now, limited: 0 }
		});
		let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
		bucket.tokens = (bucket.tokens + elapsed * self.rate).min(self.rate);
		bucket.at = now;
		let verdict = if bucket.tokens >= 1.0 {
			bucket.tokens -= 1.0;
			Verdict::Send
		} else {
			bucket.limited = bucket.limited.wrapping_add(1);
			if self.slip > 0 && bucket.limited % self.slip == 0 {
				Verdict::Slip
			} else {
				Verdict::Drop
			}
		};
		// Full: forget a bucket that has refilled (it is the same as a new one), looking at a
		// few of the oldest; a bucket in debt goes to the back, so that forging 20,000 fresh
		// prefixes does not reset a limited one. If all of those are in debt, the oldest goes.
		let mut looked = 0;
		while buckets.len() > MAX_BUCKETS {
			let Some(oldest) = order.pop_front() else { break };
			let refilled = buckets.get(&oldest).is_none_or(|b| {
				b.tokens + now.saturating_duration_since(b.at).as_secs_f64() * self.rate
					>= self.rate
			});
			looked += 1;
			if refilled || looked > EVICTION_LOOKS || oldest == key {
				buckets.remove(&oldest);
			} else {
				order.push_back(oldest);
			}
		}
		verdict
	}

	#[cfg(test)]
	fn buckets(&self) -> usize {
		self.table.lock().unwrap().buckets.len()
	}
}

/// The bucket `ip` counts against: its /24 or /56, IPv4-mapped IPv6 taken as IPv4.
fn prefix(ip: IpAddr) -> IpAddr {
	match ip.to_canonical() {
		IpAddr::V4(v4) => (u32::from(v4) & (u32::MAX << (32 - V4_PREFIX))).to_be_bytes().into(),
		IpAddr::V6(v6) => {
			std::net::Ipv6Addr::from(u128::from(v6) & (u128::MAX << (128 - V6_PREFIX))).into()
		},
	}
}

/// Connections open per address, shared by the acceptor and the connections' tasks.
type OpenPerIp = Arc<Mutex<HashMap<IpAddr, usize>>>;

/// Open TCP connections per client address (an IPv6 /64 counting as one), with a cap (0:
/// none). IPv4-mapped IPv6 counts as the IPv4 address.
#[derive(Clone)]
pub struct ConnectionsPerIp {
	cap: usize,
	open: OpenPerIp,
}

/// One admitted connection; dropping it (when the connection ends) frees its place.
pub struct Admitted {
	open: Option<(OpenPerIp, IpAddr)>,
}

impl ConnectionsPerIp {
	pub fn new(cap: usize) -> Self {
		Self { cap, open: Arc::default() }
	}

	/// A place for one more connection from `ip`, or `None` when it has `cap` open already.
	/// The map holds only addresses with a connection open, so it is no larger than the
	/// face's total cap.
	pub fn admit(&self, ip: IpAddr) -> Option<Admitted> {
		if self.cap == 0 {
			return Some(Admitted { open: None });
		}
		// An IPv6 /64 is what one subscriber gets: counted as one address.
		let ip = match ip.to_canonical() {
			IpAddr::V6(v6) => std::net::Ipv6Addr::from(u128::from(v6) & (u128::MAX << 64)).into(),
			v4 => v4,
		};
		let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
		let n = open.entry(ip).or_insert(0);
		if *n >= self.cap {
			return None;
		}
		*n += 1;
		Some(Admitted { open: Some((self.open.clone(), ip)) })
	}
}

impl Drop for Admitted {
	fn drop(&mut self) {
		let Some((open, ip)) = self.open.take() else { return };
		let mut open = open.lock().unwrap_or_else(|e| e.into_inner());
		if let Some(n) = open.get_mut(&ip) {
			*n -= 1;
			if *n == 0 {
				open.remove(&ip);
			}
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use std::time::Duration;

	#[test]
	fn prefixes_are_a_slash_24_and_a_slash_56() {
		let p = |s: &str| prefix(s.parse().unwrap()).to_string();
		assert_eq!(p("192.0.2.77"), "192.0.2.0");
		assert_eq!(p("::ffff:192.0.2.77"), "192.0.2.0");
		assert_eq!(p("2001:db8:aa:bbcc:1::1"), "2001:db8:aa:bb00::");
	}

	#[test]
	fn buckets_limit_slip_and_refill() {
		let rrl = RateLimiter::new(10, 2, vec!["127.0.0.1".parse().unwrap()]).unwrap();
		let t0 = Instant::now();
		let a: IpAddr = "192.0.2.1".parse().unwrap();
		let verdicts: Vec<_> = (0..20).map(|_| rrl.check_at(a, t0)).collect();
		assert!(verdicts[..10].iter().all(|v| *v == Verdict::Send), "a second's burst");
		assert_eq!(verdicts[10..].iter().filter(|v| **v == Verdict::Slip).count(), 5);
		assert_eq!(verdicts[10..].iter().filter(|v| **v == Verdict::Drop).count(), 5);
		// Same /24: same bucket. Another /24: its own. Exempt: never limited.
		assert_ne!(rrl.check_at("192.0.2.200".parse().unwrap(), t0), Verdict::Send);
		assert_eq!(rrl.check_at("192.0.3.1".parse().unwrap(), t0), Verdict::Send);
		assert!((0..100).all(|_| rrl.check_at("127.0.0.1".parse().unwrap(), t0) == Verdict::Send));
		// A tenth of a second later: one more answer.
		let t1 = t0 + Duration::from_millis(100);
		assert_eq!(rrl.check_at(a, t1), Verdict::Send);
		assert_ne!(rrl.check_at(a, t1), Verdict::Send);
		assert_eq!(rrl.check_at(a, t1 + Duration::from_secs(5)), Verdict::Send);
		assert!(RateLimiter::new(0, 2, vec![]).is_none(), "rate 0 is off");
		let no_slip = RateLimiter::new(1, 0, vec![]).unwrap();
		assert_eq!(no_slip.check_at(a, t0), Verdict::Send);
		assert!((0..10).all(|_| no_slip.check_at(a, t0) == Verdict::Drop), "slip 0: all dropped");
	}

	#[test]
	fn the_table_keeps_at_most_max_buckets() {
		let rrl = RateLimiter::new(1, 2, vec![]).unwrap();
		let t0 = Instant::now();
		let first: IpAddr = "10.0.0.1".parse().unwrap();
		assert_eq!(rrl.check_at(first, t0), Verdict::Send);
		assert_ne!(rrl.check_at(first, t0), Verdict::Send);
		for i in 0..MAX_BUCKETS as u32 {
			rrl.check_at(IpAddr::from((0x0b00_0000 + i * 256).to_be_bytes()), t0);
		}
		assert_eq!(rrl.buckets(), MAX_BUCKETS);
		// The oldest (the first) is in debt: forging fresh prefixes did not forget it.
		assert_ne!(rrl.check_at(first, t0), Verdict::Send);
		assert_eq!(rrl.buckets(), MAX_BUCKETS);
		// Once buckets have refilled, they are the ones forgotten.
		let later = t0 + Duration::from_secs(5);
		for i in 0..100u32 {
			rrl.check_at(IpAddr::from((0x0c00_0000 + i * 256).to_be_bytes()), later);
		}
		assert_eq!(rrl.buckets(), MAX_BUCKETS);
	}

	#[test]
	fn large_answers_cost_more_and_mapped_loopback_is_not_exempt() {
		let rrl = RateLimiter::new(10, 0, Cidr::loopback()).unwrap();
		let t0 = Instant::now();
		let a: IpAddr = "192.0.2.1".parse().unwrap();
		assert_eq!(rrl.check_at(a, t0), Verdict::Send);
		// 1232 bytes: three tokens in all (one taken by the check).
		rrl.charge(a, 1232);
		let sent = (0..10).filter(|_| rrl.check_at(a, t0) == Verdict::Send).count();
		assert_eq!(sent, 7);
		// 512 bytes or less cost nothing more.
		let b: IpAddr = "192.0.3.1".parse().unwrap();
		assert_eq!(rrl.check_at(b, t0), Verdict::Send);
		rrl.charge(b, 512);
		assert_eq!((0..10).filter(|_| rrl.check_at(b, t0) == Verdict::Send).count(), 9);
		// Loopback is exempt; the same address claimed through a dual-stack socket is not.
		assert!((0..50).all(|_| rrl.check_at("127.0.0.1".parse().unwrap(), t0) == Verdict::Send));
		let mapped: IpAddr = "::ffff:127.0.0.1".parse().unwrap();
		assert!((0..50).any(|_| rrl.check_at(mapped, t0) != Verdict::Send));
	}

	#[test]
	fn connections_are_counted_per_address() {
		let per_ip = ConnectionsPerIp::new(2);
		let a: IpAddr = "192.0.2.1".parse().unwrap();
		let (one, two) = (per_ip.admit(a).unwrap(), per_ip.admit(a).unwrap());
		assert!(per_ip.admit(a).is_none());
		assert!(per_ip.admit("::ffff:192.0.2.1".parse().unwrap()).is_none());
		let other = per_ip.admit("192.0.2.2".parse().unwrap()).unwrap();
		drop(one);
		let three = per_ip.admit(a).unwrap();
		drop((two, three, other));
		assert!(per_ip.open.lock().unwrap().is_empty(), "nothing kept for closed connections");
		// An IPv6 /64 is one address.
		let v6 = |s: &str| per_ip.admit(s.parse().unwrap());
		let held = (v6("2001:db8::1").unwrap(), v6("2001:db8::2:3").unwrap());
		assert!(v6("2001:db8::ffff:1").is_none());
		assert!(v6("2001:db8:0:1::1").is_some());
		drop(held);
		let unlimited = ConnectionsPerIp::new(0);
		let all: Vec<_> = (0..100).map(|_| unlimited.admit(a).unwrap()).collect();
		assert_eq!(all.len(), 100);
	}
}
