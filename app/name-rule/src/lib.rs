//! The ddns name and record rules, for the web app, compiled to wasm (`wasm32v1-none`).
//!
//! The app never checks a name or a record with code of its own: it hands the user's text to
//! this module, which runs [`ddns_primitives`], the very code the runtime runs. What comes back
//! is the canonical name, or the record set SCALE-encoded exactly as `registry.set_records`
//! takes it, or the rule that failed in words.
//!
//! The interface is four functions over two fixed buffers (no bindings generator needed):
//! the caller writes UTF-8 into the buffer at `input_ptr()` (at most `INPUT_LEN` bytes), calls
//! `name(len, mode)` or `records(len)`, and reads `|ret|` bytes at `output_ptr()`: the answer
//! when `ret >= 0`, an error text when `ret < 0`.
//!
//! The record text is one record per line, fields separated by tabs, in the forms `ddns_resolve`
//! prints them:
//!
//! | line | example |
//! |---|---|
//! | `A␉<ipv4>` | `A␉192.0.2.1` |
//! | `AAAA␉<ipv6>` | `AAAA␉2001:db8::1` |
//! | `CNAME␉<host>` | `CNAME␉example.com` |
//! | `TXT␉<text>` | `TXT␉v=spf1 -all` |
//! | `MX␉<preference>␉<exchange>` | `MX␉10␉mail.example.com` |
//! | `SRV␉<service>␉<protocol>␉<priority>␉<weight>␉<port>␉<target>` | `SRV␉_http␉_tcp␉0␉5␉8080␉web.example.com` |
//! | `CAA␉<flags>␉<tag>␉<value>` | `CAA␉0␉issue␉letsencrypt.org` |
//! | `P2P␉<peer id, base58>␉<multiaddr>[␉<multiaddr>…]` | `P2P␉12D3KooW…␉/ip4/192.0.2.1/tcp/4001` |
//!
//! An error in a record line reads `<line index>␉<message>`.

#![cfg_attr(target_arch = "wasm32", no_std)]

extern crate alloc;

use alloc::{format, string::String, vec::Vec};
use core::net::{Ipv4Addr, Ipv6Addr};

use codec::Encode;
use ddns_primitives::{
	name,
	record::{self, Record, RecordInput},
};

/// The largest input the buffers take (a record set is at most 32 records of 512 bytes).
pub const INPUT_LEN: usize = 32 * 1024;
/// The largest answer.
pub const OUTPUT_LEN: usize = 32 * 1024;

/// What a name is checked as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
	/// Any ddns name (a subdomain, a name to look up).
	Name,
	/// A second-level name that can be registered.
	Registrable,
	/// A host name outside our zone, as record targets hold them.
	Target,
}

impl Mode {
	fn from_u32(mode: u32) -> Option<Self> {
		match mode {
			0 => Some(Self::Name),
			1 => Some(Self::Registrable),
			2 => Some(Self::Target),
			_ => None,
		}
	}
}

/// The canonical spelling of `input` checked as `mode`, or the failed rule as `code␉message`.
pub fn check_name(input: &str, mode: Mode) -> Result<String, String> {
	let fail = |e: name::NameError| format!("{}\t{}", e.code(), e);
	let canonical = name::normalize(input.trim()).map_err(fail)?;
	let bytes = canonical.as_bytes();
	match mode {
		Mode::Name => name::validate(bytes),
		Mode::Registrable => name::validate_registrable(bytes),
		Mode::Target => name::validate_target(bytes),
	}
	.map_err(fail)?;
	Ok(canonical)
}

/// The record set of `text` (see the crate's documentation), SCALE-encoded as
/// `Vec<RecordInput>`, after every check `set_records` makes; or `line␉message`.
pub fn check_records(text: &str) -> Result<Vec<u8>, String> {
	let mut inputs = Vec::new();
	let mut records = Vec::new();
	for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
		let input = parse_record(line).map_err(|e| format!("{i}\t{e}"))?;
		let record = Record::try_from(input.clone()).map_err(|e| format!("{i}\t{e}"))?;
		record.validate().map_err(|e| format!("{i}\t{e}"))?;
		inputs.push(input);
		records.push(record);
	}
	record::validate_set(&records).map_err(|e| format!("-1\t{e}"))?;
	Ok(inputs.encode())
}

fn parse_record(line: &str) -> Result<RecordInput, String> {
	let fields: Vec<&str> = line.split('\t').collect();
	let kind = fields[0].trim().to_ascii_uppercase();
	let want = |n: usize, form: &str| {
		if fields.len() == n + 1 {
			Ok(())
		} else {
			Err(format!("{kind} takes {form}"))
		}
	};
	let host = |s: &str, what: &str| {
		check_name(s, Mode::Target)
			.map(String::into_bytes)
			.map_err(|e| format!("{what}: {}", e.split('\t').nth(1).unwrap_or_default()))
	};
	Ok(match kind.as_str() {
		"A" => {
			want(1, "an IPv4 address")?;
			let ip: Ipv4Addr = fields[1].trim().parse().map_err(|_| bad("IPv4 address", fields[1]))?;
			RecordInput::A(ip.octets())
		},
		"AAAA" => {
			want(1, "an IPv6 address")?;
			let ip: Ipv6Addr = fields[1].trim().parse().map_err(|_| bad("IPv6 address", fields[1]))?;
			RecordInput::Aaaa(ip.octets())
		},
		"CNAME" => {
			want(1, "a host name")?;
			RecordInput::Cname(host(fields[1], "CNAME target")?)
		},
		"TXT" => {
			want(1, "a text")?;
			RecordInput::Txt(fields[1].as_bytes().to_vec())
		},
		"MX" => {
			want(2, "a preference and an exchange host")?;
			RecordInput::Mx {
				preference: number(fields[1], "MX preference")?,
				exchange: host(fields[2], "MX exchange")?,
			}
		},
		"SRV" => {
			want(6, "service, protocol, priority, weight, port and target")?;
			RecordInput::Srv {
				service: fields[1].trim().as_bytes().to_vec(),
				protocol: fields[2].trim().as_bytes().to_vec(),
				priority: number(fields[3], "SRV priority")?,
				weight: number(fields[4], "SRV weight")?,
				port: number(fields[5], "SRV port")?,
				target: host(fields[6], "SRV target")?,
			}
		},
		"CAA" => {
			want(3, "flags, a tag and a value")?;
			RecordInput::Caa {
				flags: number(fields[1], "CAA flags")?,
				tag: fields[2].trim().as_bytes().to_vec(),
				value: fields[3].as_bytes().to_vec(),
			}
		},
		"P2P" => {
			if fields.len() < 3 {
				return Err("P2P takes a peer id and at least one multiaddr".into());
			}
			let peer_id = base58(fields[1].trim()).ok_or_else(|| bad("peer id", fields[1]))?;
			let multiaddrs = fields[2..]
				.iter()
				.map(|a| multiaddr(a.trim()).ok_or_else(|| bad("multiaddr", a)))
				.collect::<Result<Vec<_>, _>>()?;
			RecordInput::P2p { peer_id, multiaddrs }
		},
		_ => return Err(format!("unknown record type '{}'", cut(fields[0]))),
	})
}

fn bad(what: &str, value: &str) -> String {
	format!("'{}' is not a valid {what}", cut(value))
}

/// At most 40 characters of user input, for an error message.
fn cut(s: &str) -> &str {
	match s.char_indices().nth(40) {
		Some((i, _)) => &s[..i],
		None => s,
	}
}

fn number<N: core::str::FromStr>(s: &str, what: &str) -> Result<N, String> {
	s.trim().parse().map_err(|_| format!("{what}: '{}' is not a number in range", cut(s)))
}

/// Bitcoin-alphabet base58 (libp2p's text form of a PeerId).
fn base58(s: &str) -> Option<Vec<u8>> {
	const ALPHABET: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
	if s.is_empty() || s.len() > 128 {
		return None;
	}
	let mut out: Vec<u8> = Vec::new(); // little-endian base-256 digits
	for c in s.bytes() {
		let mut carry = ALPHABET.iter().position(|&a| a == c)? as u32;
		for digit in out.iter_mut() {
			carry += u32::from(*digit) * 58;
			*digit = carry as u8;
			carry >>= 8;
		}
		while carry > 0 {
			out.push(carry as u8);
			carry >>= 8;
		}
	}
	let zeros = s.bytes().take_while(|&c| c == b'1').count();
	out.extend(core::iter::repeat(0).take(zeros));
	out.reverse();
	Some(out)
}

fn varint(mut n: u64, out: &mut Vec<u8>) {
	loop {
		let byte = (n & 0x7f) as u8;
		n >>= 7;
		if n == 0 {
			out.push(byte);
			return;
		}
		out.push(byte | 0x80);
	}
}

/// A multiaddr's text form in binary, for the protocols `record::check_multiaddr` takes.
fn multiaddr(text: &str) -> Option<Vec<u8>> {
	let mut parts = text.strip_prefix('/')?.split('/');
	let mut out = Vec::new();
	while let Some(protocol) = parts.next() {
		match protocol {
			"ip4" => {
				let ip: Ipv4Addr = parts.next()?.parse().ok()?;
				varint(4, &mut out);
				out.extend(ip.octets());
			},
			"ip6" => {
				let ip: Ipv6Addr = parts.next()?.parse().ok()?;
				varint(41, &mut out);
				out.extend(ip.octets());
			},
			"tcp" | "udp" => {
				let port: u16 = parts.next()?.parse().ok()?;
				varint(if protocol == "tcp" { 6 } else { 273 }, &mut out);
				out.extend(port.to_be_bytes());
			},
			"dns" | "dns4" | "dns6" | "p2p" => {
				let value = parts.next()?;
				let bytes = if protocol == "p2p" { base58(value)? } else { value.as_bytes().to_vec() };
				let code = match protocol {
					"dns" => 53,
					"dns4" => 54,
					"dns6" => 55,
					_ => 421,
				};
				varint(code, &mut out);
				varint(bytes.len() as u64, &mut out);
				out.extend(bytes);
			},
			"quic" => varint(460, &mut out),
			"quic-v1" => varint(461, &mut out),
			"ws" => varint(477, &mut out),
			"wss" => varint(478, &mut out),
			"p2p-circuit" => varint(290, &mut out),
			_ => return None,
		}
	}
	record::check_multiaddr(&out).ok()?;
	Some(out)
}

/// The wasm interface: fixed buffers, a bump allocator reset at each call, and no unwinding.
#[cfg(target_arch = "wasm32")]
mod wasm {
	use super::*;
	use core::{
		alloc::{GlobalAlloc, Layout},
		cell::UnsafeCell,
	};

	const HEAP_LEN: usize = 1024 * 1024;

	struct Bump {
		heap: UnsafeCell<[u8; HEAP_LEN]>,
		next: UnsafeCell<usize>,
	}

	// wasm32v1-none has no threads.
	unsafe impl Sync for Bump {}

	unsafe impl GlobalAlloc for Bump {
		unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
			let base = self.heap.get() as usize;
			let next = unsafe { &mut *self.next.get() };
			let start = (base + *next + layout.align() - 1) & !(layout.align() - 1);
			let end = start - base + layout.size();
			if end > HEAP_LEN {
				return core::ptr::null_mut();
			}
			*next = end;
			start as *mut u8
		}

		unsafe fn dealloc(&self, _ptr: *mut u8, _layout: Layout) {}
	}

	#[global_allocator]
	static HEAP: Bump = Bump { heap: UnsafeCell::new([0; HEAP_LEN]), next: UnsafeCell::new(0) };

	struct Buffers {
		input: UnsafeCell<[u8; INPUT_LEN]>,
		output: UnsafeCell<[u8; OUTPUT_LEN]>,
	}

	unsafe impl Sync for Buffers {}

	static BUFFERS: Buffers = Buffers {
		input: UnsafeCell::new([0; INPUT_LEN]),
		output: UnsafeCell::new([0; OUTPUT_LEN]),
	};

	#[panic_handler]
	fn panic(_: &core::panic::PanicInfo) -> ! {
		core::arch::wasm32::unreachable()
	}

	#[unsafe(no_mangle)]
	pub extern "C" fn input_ptr() -> *mut u8 {
		BUFFERS.input.get() as *mut u8
	}

	#[unsafe(no_mangle)]
	pub extern "C" fn output_ptr() -> *const u8 {
		BUFFERS.output.get() as *const u8
	}

	/// Starts a call: frees everything the last call allocated and reads the input.
	fn begin(len: u32) -> Result<&'static str, String> {
		unsafe { *HEAP.next.get() = 0 };
		let len = len as usize;
		if len > INPUT_LEN {
			return Err(format!("input over {INPUT_LEN} bytes"));
		}
		let input: &[u8; INPUT_LEN] = unsafe { &*BUFFERS.input.get() };
		let input = &input[..len];
		core::str::from_utf8(input).map_err(|_| String::from("input is not UTF-8"))
	}

	fn finish(answer: Result<Vec<u8>, String>) -> i32 {
		let (bytes, sign) = match answer {
			Ok(bytes) => (bytes, 1),
			Err(text) => (text.into_bytes(), -1),
		};
		let output = unsafe { &mut *BUFFERS.output.get() };
		let len = bytes.len().min(OUTPUT_LEN);
		output[..len].copy_from_slice(&bytes[..len]);
		sign * len as i32
	}

	#[unsafe(no_mangle)]
	pub extern "C" fn name(len: u32, mode: u32) -> i32 {
		let answer = begin(len).and_then(|input| {
			let mode = Mode::from_u32(mode).ok_or_else(|| String::from("unknown mode"))?;
			check_name(input, mode).map(String::into_bytes)
		});
		finish(answer)
	}

	#[unsafe(no_mangle)]
	pub extern "C" fn records(len: u32) -> i32 {
		finish(begin(len).and_then(check_records))
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use codec::Decode;

	#[test]
	fn names_come_back_canonical_or_with_their_rule() {
		assert_eq!(check_name(" Example.DDNS. ", Mode::Registrable).unwrap(), "example.ddns");
		assert_eq!(check_name("Bücher.ddns", Mode::Registrable).unwrap(), "xn--bcher-kva.ddns");
		assert_eq!(check_name("a.b.example.ddns", Mode::Name).unwrap(), "a.b.example.ddns");
		assert!(check_name("a.b.example.ddns", Mode::Registrable).unwrap_err().starts_with("wrong_tld\t"));
		assert!(check_name("ab.ddns", Mode::Registrable).unwrap_err().starts_with("too_short\t"));
		assert!(check_name("ex ample.ddns", Mode::Name).unwrap_err().starts_with("invalid_character\t"));
		assert!(check_name("example.com", Mode::Name).unwrap_err().starts_with("wrong_tld\t"));
		assert_eq!(check_name("Mail.Example.com", Mode::Target).unwrap(), "mail.example.com");
	}

	#[test]
	fn record_lines_encode_as_set_records_takes_them() {
		let text = "A\t192.0.2.1\nAAAA\t2001:db8::1\nTXT\thello world\nMX\t10\tMail.example.com\n\
			SRV\t_http\t_tcp\t0\t5\t8080\tweb.example.com\nCAA\t0\tissue\tletsencrypt.org\n\
			P2P\t12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA\t/ip4/192.0.2.1/tcp/4001\t/dns/x.example.com/udp/4001/quic-v1";
		let bytes = check_records(text).unwrap();
		let decoded = Vec::<RecordInput>::decode(&mut &bytes[..]).unwrap();
		assert_eq!(decoded.len(), 7);
		assert_eq!(decoded[0], RecordInput::A([192, 0, 2, 1]));
		assert_eq!(decoded[3], RecordInput::Mx { preference: 10, exchange: b"mail.example.com".to_vec() });
		let RecordInput::P2p { peer_id, multiaddrs } = &decoded[6] else { panic!() };
		assert_eq!(&peer_id[..2], &[0x00, 0x24]); // identity multihash of a 36-byte ed25519 key
		assert_eq!(multiaddrs[0], [4, 192, 0, 2, 1, 6, 0x0f, 0xa1]);
	}

	#[test]
	fn bad_records_name_their_line_and_rule() {
		let err = |t: &str| check_records(t).unwrap_err();
		assert!(err("A\t192.0.2.1\nA\t300.1.1.1").starts_with("1\t'300.1.1.1' is not a valid IPv4"));
		assert!(err("TXT\t").contains("TXT record is empty"));
		assert!(err("CNAME\ta.example.com\nA\t192.0.2.1").starts_with("-1\ta CNAME excludes"));
		assert!(err("A\t192.0.2.1\nA\t192.0.2.1").contains("twice"));
		assert!(err("SRV\thttp\t_tcp\t0\t5\t80\tx.example.com").contains("SRV service"));
		assert!(err("MX\t70000\tmail.example.com").contains("MX preference"));
		assert!(err("P2P\t0OIl\t/ip4/1.2.3.4/tcp/1").contains("peer id"));
		assert!(err("P2P\t12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA\t/ip4/1.2.3.4/sctp/1").contains("multiaddr"));
		assert!(err("FOO\tbar").contains("unknown record type"));
		let many: String = (0..33).map(|i| format!("TXT\t{i}\n")).collect();
		assert!(err(&many).starts_with("-1\t33 records; at most 32"));
	}
}
