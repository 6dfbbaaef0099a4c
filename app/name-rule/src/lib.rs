//! The ddns name and record rules, for the web app, compiled to wasm (`wasm32v1-none`).
//!
//! The app never checks a name or a record with code of its own: it hands the user's text to
//! this module, which runs [`ddns_primitives`], the very code the runtime runs. What comes back
//! is the canonical name, or the record set SCALE-encoded exactly as `registry.set_records`
//! takes it, or the rule that failed in words.
//!
//! The interface is five functions over two fixed buffers (no bindings generator needed):
//! the caller writes its input into the buffer at `input_ptr()` (at most `INPUT_LEN` bytes),
//! calls `name(len, mode)`, `records(len)` or `text(len)`, and reads `|ret|` bytes at
//! `output_ptr()`: the answer when `ret >= 0`, an error text when `ret < 0`. `text` turns a
//! stored record set (SCALE) into record lines, which `records` reads back to the same bytes,
//! so an editor that loads a set and saves it unedited stores exactly what was there.
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
//! In TXT texts and CAA values, `\\`, `\t`, `\n`, `\r` and `\xHH` stand for a backslash, a
//! tab, a line break, a carriage return and any byte (the chain takes any bytes there); [`escape`]
//! writes them so. An error in a record line reads `<line index>␉<message>`.

#![cfg_attr(target_arch = "wasm32", no_std)]

extern crate alloc;

use alloc::{format, string::String, vec::Vec};
use core::net::{Ipv4Addr, Ipv6Addr};

use codec::Encode;
use ddns_primitives::{
	multiaddr, name,
	record::{self, Record, RecordInput},
};

/// The largest input the buffers take (a record set is at most 32 records of 512 bytes).
pub const INPUT_LEN: usize = 32 * 1024;
/// The largest answer (32 TXT records of 480 bytes, each escaped to at most four times that).
pub const OUTPUT_LEN: usize = 96 * 1024;

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
	/// The mode of the wasm interface's `mode` argument (0, 1, 2 in declaration order).
	pub fn from_u32(mode: u32) -> Option<Self> {
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
	let input = input.trim();
	if mode == Mode::Target && input.is_ascii() {
		// Another zone's names are taken under DNS's rule alone (`??--` and any `xn--` label
		// included), as the chain checks them: lowercased, without a trailing dot.
		let lower = input.strip_suffix('.').unwrap_or(input).to_ascii_lowercase();
		name::validate_target(lower.as_bytes()).map_err(fail)?;
		return Ok(lower);
	}
	let canonical = name::normalize(input).map_err(fail)?;
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
	let count = text.lines().filter(|l| !l.trim().is_empty()).count();
	if count > record::MAX_RECORDS as usize {
		let max = record::MAX_RECORDS;
		return Err(format!("-1\t{count} records; at most {max}"));
	}
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
			let ip: Ipv4Addr =
				fields[1].trim().parse().map_err(|_| bad("IPv4 address", fields[1]))?;
			RecordInput::A(ip.octets())
		},
		"AAAA" => {
			want(1, "an IPv6 address")?;
			let ip: Ipv6Addr =
				fields[1].trim().parse().map_err(|_| bad("IPv6 address", fields[1]))?;
			RecordInput::Aaaa(ip.octets())
		},
		"CNAME" => {
			want(1, "a host name")?;
			RecordInput::Cname(host(fields[1], "CNAME target")?)
		},
		"TXT" => {
			want(1, "a text")?;
			RecordInput::Txt(unescape(fields[1], "TXT text")?)
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
				value: unescape(fields[3], "CAA value")?,
			}
		},
		"P2P" => {
			if fields.len() < 3 {
				return Err("P2P takes a peer id and at least one multiaddr".into());
			}
			let peer_id = multiaddr::base58_decode(fields[1].trim())
				.ok_or_else(|| bad("peer id", fields[1]))?;
			let multiaddrs = fields[2..]
				.iter()
				.map(|a| multiaddr::from_text(a.trim()).ok_or_else(|| bad("multiaddr", a)))
				.collect::<Result<Vec<_>, _>>()?;
			RecordInput::P2p { peer_id, multiaddrs }
		},
		_ => return Err(format!("unknown record type '{}'", cut(fields[0]))),
	})
}

/// The bytes of a field in the escaped form [`escape`] writes: `\\`, `\t`, `\n`, `\r` and
/// `\xHH` stand for a backslash, a tab, a line feed, a carriage return and any byte.
fn unescape(field: &str, what: &str) -> Result<Vec<u8>, String> {
	let mut out = Vec::with_capacity(field.len());
	let mut bytes = field.bytes();
	while let Some(b) = bytes.next() {
		if b != b'\\' {
			out.push(b);
			continue;
		}
		let byte = match bytes.next() {
			Some(b'\\') => b'\\',
			Some(b't') => b'\t',
			Some(b'n') => b'\n',
			Some(b'r') => b'\r',
			Some(b'x') => {
				let hi = bytes.next().and_then(|c| (c as char).to_digit(16));
				let lo = bytes.next().and_then(|c| (c as char).to_digit(16));
				match (hi, lo) {
					(Some(hi), Some(lo)) => (hi * 16 + lo) as u8,
					_ => return Err(format!("{what}: \\x takes two hex digits")),
				}
			},
			_ => {
				return Err(format!(
					"{what}: a backslash starts \\\\, \\t, \\n, \\r or \\xHH (write \\\\ for a backslash)"
				))
			},
		};
		out.push(byte);
	}
	Ok(out)
}

/// Bytes as text a record line can carry: UTF-8 text as it is, except the backslash, tabs, line
/// breaks and other control characters, and bytes that are not UTF-8, which are escaped.
pub fn escape(bytes: &[u8]) -> String {
	let mut out = String::with_capacity(bytes.len());
	for chunk in bytes.utf8_chunks() {
		for c in chunk.valid().chars() {
			match c {
				'\\' => out.push_str("\\\\"),
				'\t' => out.push_str("\\t"),
				'\n' => out.push_str("\\n"),
				'\r' => out.push_str("\\r"),
				c if c.is_control() => {
					let mut buf = [0u8; 4];
					for b in c.encode_utf8(&mut buf).bytes() {
						out.push_str(&format!("\\x{b:02x}"));
					}
				},
				c => out.push(c),
			}
		}
		for b in chunk.invalid() {
			out.push_str(&format!("\\x{b:02x}"));
		}
	}
	out
}

/// A stored record set (SCALE `Vec<Record>` or `Vec<RecordInput>`, which encode alike) as record
/// lines, the form [`check_records`] reads back to the same bytes.
pub fn records_text(scale: &[u8]) -> Result<String, String> {
	use codec::DecodeLimit;
	let records = Vec::<RecordInput>::decode_all_with_depth_limit(4, &mut &scale[..])
		.map_err(|_| String::from("-1\tnot a SCALE-encoded record set"))?;
	let lossy = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
	let mut lines = Vec::with_capacity(records.len());
	for r in records {
		lines.push(match r {
			RecordInput::A(a) => format!("A\t{}", Ipv4Addr::from(a)),
			RecordInput::Aaaa(a) => format!("AAAA\t{}", Ipv6Addr::from(a)),
			RecordInput::Cname(to) => format!("CNAME\t{}", lossy(&to)),
			RecordInput::Txt(text) => format!("TXT\t{}", escape(&text)),
			RecordInput::Mx { preference, exchange } => {
				format!("MX\t{preference}\t{}", lossy(&exchange))
			},
			RecordInput::Srv { service, protocol, priority, weight, port, target } => format!(
				"SRV\t{}\t{}\t{priority}\t{weight}\t{port}\t{}",
				lossy(&service),
				lossy(&protocol),
				lossy(&target)
			),
			RecordInput::Caa { flags, tag, value } => {
				format!("CAA\t{flags}\t{}\t{}", lossy(&tag), escape(&value))
			},
			RecordInput::P2p { peer_id, multiaddrs } => {
				let mut line = format!("P2P\t{}", multiaddr::base58_encode(&peer_id));
				for a in multiaddrs {
					line.push('\t');
					line.push_str(
						&multiaddr_text(&a).ok_or(
							"-1\ta stored multiaddr is not in its shortest encoding; this set cannot be edited here",
						)?,
					);
				}
				line
			},
		});
	}
	Ok(lines.join("\n"))
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

/// A stored multiaddr in its text form, only when that text encodes back to the same bytes (a
/// varint not in its shortest form, which the chain takes, would not).
fn multiaddr_text(bytes: &[u8]) -> Option<String> {
	let text = multiaddr::to_text(bytes)?;
	(multiaddr::from_text(&text)? == bytes).then_some(text)
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
	fn begin_bytes(len: u32) -> Result<&'static [u8], String> {
		unsafe { *HEAP.next.get() = 0 };
		let len = len as usize;
		if len > INPUT_LEN {
			return Err(format!("-1\tinput over {INPUT_LEN} bytes"));
		}
		let input: &[u8; INPUT_LEN] = unsafe { &*BUFFERS.input.get() };
		Ok(&input[..len])
	}

	fn begin(len: u32) -> Result<&'static str, String> {
		let input = begin_bytes(len)?;
		core::str::from_utf8(input).map_err(|_| String::from("-1\tinput is not UTF-8"))
	}

	fn finish(answer: Result<Vec<u8>, String>) -> i32 {
		let (bytes, sign) = match answer {
			Ok(bytes) => (bytes, 1),
			Err(text) => (text.into_bytes(), -1),
		};
		if bytes.len() > OUTPUT_LEN {
			return finish(Err(String::from("-1\tthe answer is over the output buffer")));
		}
		let output = unsafe { &mut *BUFFERS.output.get() };
		output[..bytes.len()].copy_from_slice(&bytes);
		sign * bytes.len() as i32
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

	/// The input is SCALE bytes (a stored record set), the answer its record lines.
	#[unsafe(no_mangle)]
	pub extern "C" fn text(len: u32) -> i32 {
		finish(begin_bytes(len).and_then(records_text).map(String::into_bytes))
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
		assert!(check_name("a.b.example.ddns", Mode::Registrable)
			.unwrap_err()
			.starts_with("wrong_tld\t"));
		assert!(check_name("ab.ddns", Mode::Registrable).unwrap_err().starts_with("too_short\t"));
		assert!(check_name("ex ample.ddns", Mode::Name)
			.unwrap_err()
			.starts_with("invalid_character\t"));
		assert!(check_name("example.com", Mode::Name).unwrap_err().starts_with("wrong_tld\t"));
		assert_eq!(check_name("Mail.Example.com.", Mode::Target).unwrap(), "mail.example.com");
		// Other zones' names under DNS's rule only, as the chain checks targets.
		let odd = "r1---sn-abc.googlevideo.com";
		assert_eq!(check_name(odd, Mode::Target).unwrap(), odd);
		assert_eq!(check_name("xn--zz.example", Mode::Target).unwrap(), "xn--zz.example");
		assert!(check_name("bad_host.example", Mode::Target).is_err());
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
		assert_eq!(
			decoded[3],
			RecordInput::Mx { preference: 10, exchange: b"mail.example.com".to_vec() }
		);
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
		assert!(err(
			"P2P\t12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA\t/ip4/1.2.3.4/sctp/1"
		)
		.contains("multiaddr"));
		assert!(err("FOO\tbar").contains("unknown record type"));
		let many: String = (0..33).map(|i| format!("TXT\t{i}\n")).collect();
		assert!(err(&many).starts_with("-1\t33 records; at most 32"));
		// Lines beyond the bound are refused before any is parsed (the heap is bounded).
		assert!(err(&"TXT\tx\n".repeat(4500)).starts_with("-1\t4500 records"));
		assert!(err("TXT\ta\\qb").contains("a backslash starts"));
		assert!(err("TXT\ta\\x4").contains("two hex digits"));
	}

	/// Every record, stored as the chain stores it, comes back from its lines byte for byte.
	#[test]
	fn stored_sets_round_trip_through_their_lines() {
		let peer = multiaddr::base58_decode("12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA")
			.unwrap();
		let mut zeros = alloc::vec![0x00, 0x24, 0, 0, 0];
		zeros.extend([7u8; 33]);
		let addrs = [
			"/ip4/192.0.2.1/tcp/4001",
			"/ip6/2001:db8::1/udp/4001/quic-v1",
			"/dns/x.example.com/tcp/443/wss",
			"/dns4/a.example/tcp/1/p2p/12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA/p2p-circuit",
			"/ip6/::ffff:192.0.2.1/udp/9/quic",
		];
		let set = alloc::vec![
			RecordInput::A([0, 0, 0, 0]),
			RecordInput::Aaaa([0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]),
			RecordInput::Txt(b"tab\there\nline\r\\back\x00\x7f\xff\xfe \xe2\x82\xac end ".to_vec()),
			RecordInput::Txt("0x6869 looks like hex".as_bytes().to_vec()),
			RecordInput::Mx { preference: 0, exchange: b"mail.example.com".to_vec() },
			RecordInput::Srv {
				service: b"_http".to_vec(),
				protocol: b"_tcp".to_vec(),
				priority: 65535,
				weight: 0,
				port: 8080,
				target: b"web.example.com".to_vec(),
			},
			RecordInput::Caa {
				flags: 128,
				tag: b"iodef".to_vec(),
				value: b"mailto:a\tb\\c".to_vec()
			},
			RecordInput::P2p {
				peer_id: peer.clone(),
				multiaddrs: addrs.iter().map(|a| multiaddr::from_text(a).unwrap()).collect(),
			},
			RecordInput::P2p {
				peer_id: zeros,
				multiaddrs: alloc::vec![multiaddr::from_text(addrs[0]).unwrap()]
			},
		];
		let scale = set.encode();
		let text = records_text(&scale).unwrap();
		assert_eq!(check_records(&text).unwrap(), scale, "{text}");
		for (a, line) in addrs.iter().zip(text.lines().nth(7).unwrap().split('\t').skip(2)) {
			assert_eq!(&line, a);
		}
		assert!(
			text.contains("TXT\ttab\\there\\nline\\r\\\\back\\x00\\x7f\\xff\\xfe € end "),
			"{text}"
		);
		assert!(records_text(&[4, 9]).unwrap_err().contains("not a SCALE-encoded record set"));
		// A CNAME to another zone's odd but valid name comes back as it is.
		let odd = alloc::vec![RecordInput::Cname(b"r1---sn-abc.googlevideo.com".to_vec())].encode();
		assert_eq!(check_records(&records_text(&odd).unwrap()).unwrap(), odd);
		// A multiaddr whose code is not in its shortest varint cannot round-trip: refused.
		let long = RecordInput::P2p {
			peer_id: peer,
			multiaddrs: alloc::vec![alloc::vec![0x84, 0x00, 1, 2, 3, 4]],
		};
		assert!(records_text(&alloc::vec![long].encode()).unwrap_err().contains("shortest"));
	}
}
