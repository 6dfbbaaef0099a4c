//! DNS cookies (RFC 7873) with the interoperable server cookie of RFC 9018.
//!
//! A client that sends a COOKIE option gets our server cookie back in every response; when it
//! sends that cookie again, it has shown that it receives answers at its source address, so
//! its UDP queries are no reflection attack and response-rate limiting (`limit.rs`) lets them
//! through. The server cookie is, byte for byte as RFC 9018 §4 lays it out:
//!
//! ```text
//! version (1) = 1 | reserved (3) = 0 | timestamp (4, seconds) | hash (8)
//! hash = SipHash-2-4(client cookie | version | reserved | timestamp | client IP, secret)
//! ```
//!
//! The secret is 128 random bits drawn when the face starts, so a restart invalidates the
//! cookies handed out before (clients then get a fresh one with their next answer, §5.2.4).

use siphasher::sip::SipHasher24;
use std::{
	hash::Hasher,
	net::IpAddr,
	time::{SystemTime, UNIX_EPOCH},
};

/// The EDNS option code of COOKIE.
pub(super) const OPTION: u16 = 10;
/// The server cookie's version (RFC 9018 §4.1).
const VERSION: u8 = 1;
/// How long a server cookie stays valid, and how far in the future its timestamp may be (a
/// clock step, another server of an anycast set): RFC 9018 §4.3.
const LIFETIME: u32 = 3600;
const FUTURE: u32 = 300;

/// The COOKIE option of a query, checked for form (RFC 7873 §5.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Presented {
	/// No COOKIE option.
	None,
	/// A length no cookie can have (not 8, not 16 to 40), or two COOKIE options: FORMERR.
	Malformed,
	/// A client cookie, and the server cookie if the client sent one (`len` bytes of `server`).
	Cookie { client: [u8; 8], server: [u8; 32], len: usize },
}

impl Presented {
	/// Reads the COOKIE options of a query's EDNS (their data, as hickory keeps it).
	pub(super) fn from_options<'a>(mut options: impl Iterator<Item = &'a [u8]>) -> Self {
		let Some(data) = options.next() else { return Self::None };
		if options.next().is_some() {
			return Self::Malformed;
		}
		if data.len() != 8 && !(16..=40).contains(&data.len()) {
			return Self::Malformed;
		}
		let mut client = [0u8; 8];
		client.copy_from_slice(&data[..8]);
		let mut server = [0u8; 32];
		server[..data.len() - 8].copy_from_slice(&data[8..]);
		Self::Cookie { client, server, len: data.len() - 8 }
	}
}

/// Makes and checks server cookies with one secret.
pub(super) struct Cookies {
	secret: [u8; 16],
}

impl Cookies {
	/// With a fresh random secret.
	pub(super) fn new() -> Self {
		Self { secret: rand::random() }
	}

	#[cfg(test)]
	fn with_secret(secret: [u8; 16]) -> Self {
		Self { secret }
	}

	/// The hash of a server cookie whose first half (version, reserved, timestamp) is `head`.
	fn hash(&self, client: &[u8; 8], head: &[u8], client_ip: IpAddr) -> [u8; 8] {
		let mut hasher = SipHasher24::new_with_key(&self.secret);
		hasher.write(client);
		hasher.write(head);
		// An IPv4 client over an IPv6 socket is hashed as the IPv4 address it is.
		match client_ip.to_canonical() {
			IpAddr::V4(v4) => hasher.write(&v4.octets()),
			IpAddr::V6(v6) => hasher.write(&v6.octets()),
		}
		// SipHash's output is a little-endian u64 (as the reference implementation writes it).
		hasher.finish().to_le_bytes()
	}

	/// The 16-byte server cookie for `client` at `client_ip`, stamped `now`.
	fn server_cookie(&self, client: &[u8; 8], client_ip: IpAddr, now: u32) -> [u8; 16] {
		let mut cookie = [0u8; 16];
		cookie[0] = VERSION;
		cookie[4..8].copy_from_slice(&now.to_be_bytes());
		let hash = self.hash(client, &cookie[..8], client_ip);
		cookie[8..].copy_from_slice(&hash);
		cookie
	}

	/// The COOKIE option data for a response: the client's cookie and a fresh server cookie.
	pub(super) fn response(&self, client: &[u8; 8], client_ip: IpAddr) -> Vec<u8> {
		self.response_at(client, client_ip, now())
	}

	fn response_at(&self, client: &[u8; 8], client_ip: IpAddr, now: u32) -> Vec<u8> {
		let mut data = client.to_vec();
		data.extend_from_slice(&self.server_cookie(client, client_ip, now));
		data
	}

	/// Whether `presented` carries a server cookie we made for this client cookie and address,
	/// less than an hour ago (and not more than five minutes ahead of our clock).
	pub(super) fn valid(&self, presented: &Presented, client_ip: IpAddr) -> bool {
		self.valid_at(presented, client_ip, now())
	}

	fn valid_at(&self, presented: &Presented, client_ip: IpAddr, now: u32) -> bool {
		let Presented::Cookie { client, server, len: 16 } = presented else { return false };
		// The reserved bytes are ours to set to zero, but hashed as they come (RFC 9018 §4.2
		// and its test vector A.3).
		if server[0] != VERSION {
			return false;
		}
		let stamp = u32::from_be_bytes([server[4], server[5], server[6], server[7]]);
		// Serial-number arithmetic (RFC 1982), as RFC 9018 asks: the clock wraps in 2106.
		let age = now.wrapping_sub(stamp);
		let fresh = age <= LIFETIME || stamp.wrapping_sub(now) <= FUTURE;
		// Compared whole: a timing difference tells an attacker nothing it could not see by
		// trying, but there is no reason to give it one.
		let expected = self.hash(client, &server[..8], client_ip);
		let same = expected.iter().zip(&server[8..16]).fold(0u8, |d, (a, b)| d | (a ^ b)) == 0;
		fresh && same
	}
}

fn now() -> u32 {
	SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as u32)
}

#[cfg(test)]
mod tests {
	use super::*;

	fn unhex(s: &str) -> Vec<u8> {
		(0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
	}

	fn presented(hex: &str) -> Presented {
		let data = unhex(hex);
		Presented::from_options(std::iter::once(&data[..]))
	}

	/// RFC 9018 appendix A: the test vectors, byte for byte.
	#[test]
	fn server_cookies_match_rfc_9018_test_vectors() {
		let secret: [u8; 16] = unhex("e5e973e5a6b2a43f48e7dc849e37bfcf").try_into().unwrap();
		let cookies = Cookies::with_secret(secret);
		// A.1: learning a new server cookie.
		let client: [u8; 8] = unhex("2464c4abcf10c957").try_into().unwrap();
		let ip: IpAddr = "198.51.100.100".parse().unwrap();
		let data = cookies.response_at(&client, ip, 1_559_731_985);
		assert_eq!(data, unhex("2464c4abcf10c957010000005cf79f111f8130c3eee29480"));
		// A.2: the same client later, its cookie still good; a fresh one stamped then.
		assert!(cookies.valid_at(&presented(&hex(&data)), ip, 1_559_734_385));
		assert_eq!(
			cookies.response_at(&client, ip, 1_559_734_385),
			unhex("2464c4abcf10c957010000005cf7a871d4a564a1442aca77")
		);
		// A.3: another client, whose cookie has reserved bytes set: its hash is good (checked
		// within its hour; the appendix presents it later, past RFC 9018 §4.3's window), and
		// the answer replaces it.
		let ip: IpAddr = "203.0.113.203".parse().unwrap();
		let old = presented("fc93fc62807ddb8601abcdef5cf78f71a314227b6679ebf5");
		assert!(cookies.valid_at(&old, ip, 1_559_727_985 + 60));
		assert!(!cookies.valid_at(&old, ip, 1_559_734_700), "older than an hour");
		let client: [u8; 8] = unhex("fc93fc62807ddb86").try_into().unwrap();
		assert_eq!(
			cookies.response_at(&client, ip, 1_559_734_700),
			unhex("fc93fc62807ddb86010000005cf7a9acf73a7810aca2381e")
		);
		// A.4: a client over IPv6, with a cookie of the secret before, and after.
		let client: [u8; 8] = unhex("22681ab97d52c298").try_into().unwrap();
		let ip: IpAddr = "2001:db8:220:1:59de:d0f4:8769:82b8".parse().unwrap();
		let old: [u8; 16] = unhex("dd3bdf9344b678b185a6f5cb60fca715").try_into().unwrap();
		assert_eq!(
			Cookies::with_secret(old).response_at(&client, ip, 1_559_741_817),
			unhex("22681ab97d52c298010000005cf7c57926556bd0934c72f8")
		);
		let new: [u8; 16] = unhex("445536bcd2513298075a5d379663c962").try_into().unwrap();
		assert_eq!(
			Cookies::with_secret(new).response_at(&client, ip, 1_559_741_961),
			unhex("22681ab97d52c298010000005cf7c609a6bb79d16625507a")
		);
	}

	fn hex(bytes: &[u8]) -> String {
		bytes.iter().map(|b| format!("{b:02x}")).collect()
	}

	#[test]
	fn cookies_are_checked_for_form_address_and_age() {
		let cookies = Cookies::with_secret([7; 16]);
		let client = [1, 2, 3, 4, 5, 6, 7, 8];
		let ip: IpAddr = "192.0.2.1".parse().unwrap();
		let good = presented(&hex(&cookies.response_at(&client, ip, 1_000_000)));
		assert!(cookies.valid_at(&good, ip, 1_000_000));
		assert!(cookies.valid_at(&good, "::ffff:192.0.2.1".parse().unwrap(), 1_000_000));
		assert!(!cookies.valid_at(&good, "192.0.2.2".parse().unwrap(), 1_000_000));
		assert!(cookies.valid_at(&good, ip, 1_000_000 + 3600));
		assert!(!cookies.valid_at(&good, ip, 1_000_000 + 3601), "expired");
		assert!(cookies.valid_at(&good, ip, 1_000_000 - 300));
		assert!(!cookies.valid_at(&good, ip, 1_000_000 - 301), "from too far ahead");
		assert!(!Cookies::with_secret([8; 16]).valid_at(&good, ip, 1_000_000), "another secret");
		let mut forged = cookies.response_at(&client, ip, 1_000_000);
		forged[23] ^= 1;
		assert!(!cookies.valid_at(&presented(&hex(&forged)), ip, 1_000_000));
		assert!(!cookies.valid_at(&presented(&hex(&client)), ip, 1_000_000), "client only");

		for bad in [0, 7, 9, 15, 41] {
			assert_eq!(presented(&"ab".repeat(bad)), Presented::Malformed, "{bad} bytes");
		}
		for ok in [8, 16, 24, 40] {
			assert!(matches!(presented(&"ab".repeat(ok)), Presented::Cookie { .. }), "{ok}");
		}
		let one = unhex("0102030405060708");
		let two = [&one[..], &one[..]];
		assert_eq!(Presented::from_options(two.into_iter()), Presented::Malformed);
		assert_eq!(Presented::from_options(std::iter::empty()), Presented::None);
	}
}
