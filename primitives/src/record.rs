//! The typed records a name points to on chain.
//!
//! Each record is bounded by its type and, once encoded, by [`MAX_RECORD_LEN`]; a name holds at
//! most [`MAX_RECORDS`]. As in DNS, a CNAME excludes every other record at the same name.

use alloc::vec::Vec;
use bounded_collections::{BoundedVec, ConstU32};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use core::fmt;
use scale_info::TypeInfo;

use crate::name::{self, NameError, MAX_LABEL_LEN, MAX_NAME_LEN};

/// Most records one name holds.
pub const MAX_RECORDS: u32 = 32;
/// Largest encoded record, in bytes.
pub const MAX_RECORD_LEN: usize = 512;
/// Longest TXT payload, in bytes (DNS splits it into 255-byte strings).
pub const MAX_TXT_LEN: u32 = 480;
/// Longest CAA tag (RFC 8659: 1 to 15 alphanumerics).
pub const MAX_CAA_TAG_LEN: u32 = 15;
/// Longest CAA value.
pub const MAX_CAA_VALUE_LEN: u32 = 255;
/// Longest PeerId (a multihash: identity keys up to 42 bytes, or a SHA-256 digest).
pub const MAX_PEER_ID_LEN: u32 = 64;
/// Longest multiaddr, in bytes.
pub const MAX_MULTIADDR_LEN: u32 = 64;
/// Most multiaddrs in a P2P record.
pub const MAX_MULTIADDRS: u32 = 6;

/// A host name in canonical form (any top-level label).
pub type HostName = BoundedVec<u8, ConstU32<{ MAX_NAME_LEN as u32 }>>;
/// One DNS label, e.g. an SRV service (`_http`) or protocol (`_tcp`).
pub type Label = BoundedVec<u8, ConstU32<{ MAX_LABEL_LEN as u32 }>>;
/// The binary form of a multiaddr.
pub type Multiaddr = BoundedVec<u8, ConstU32<MAX_MULTIADDR_LEN>>;

/// A record on chain. Names inside records (CNAME, MX, SRV targets) are canonical host names.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Record {
	/// An IPv4 address.
	A([u8; 4]),
	/// An IPv6 address.
	Aaaa([u8; 16]),
	/// The canonical name this name is an alias of.
	Cname(HostName),
	/// Free-form text.
	Txt(BoundedVec<u8, ConstU32<MAX_TXT_LEN>>),
	/// A mail exchange.
	Mx { preference: u16, exchange: HostName },
	/// A service location, served at `<service>.<protocol>.<name>`.
	Srv { service: Label, protocol: Label, priority: u16, weight: u16, port: u16, target: HostName },
	/// Which certificate authorities may issue for the name (RFC 8659).
	Caa {
		flags: u8,
		tag: BoundedVec<u8, ConstU32<MAX_CAA_TAG_LEN>>,
		value: BoundedVec<u8, ConstU32<MAX_CAA_VALUE_LEN>>,
	},
	/// A libp2p peer (binary PeerId) and where it listens (binary multiaddrs).
	P2p {
		peer_id: BoundedVec<u8, ConstU32<MAX_PEER_ID_LEN>>,
		multiaddrs: BoundedVec<Multiaddr, ConstU32<MAX_MULTIADDRS>>,
	},
}

/// A record as a call carries it: the same variants and the same SCALE encoding as [`Record`],
/// with unbounded fields. A call that took [`Record`] itself could not even be decoded when a
/// field is over its bound, so the chain could only refuse it with a wasm trap; with this type it
/// decodes, and [`Record::try_from`] refuses it with the [`RecordError`] that names the bound.
#[derive(Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum RecordInput {
	A([u8; 4]),
	Aaaa([u8; 16]),
	Cname(Vec<u8>),
	Txt(Vec<u8>),
	Mx {
		preference: u16,
		exchange: Vec<u8>,
	},
	Srv {
		service: Vec<u8>,
		protocol: Vec<u8>,
		priority: u16,
		weight: u16,
		port: u16,
		target: Vec<u8>,
	},
	Caa {
		flags: u8,
		tag: Vec<u8>,
		value: Vec<u8>,
	},
	P2p {
		peer_id: Vec<u8>,
		multiaddrs: Vec<Vec<u8>>,
	},
}

/// `bytes` as a bounded field, or `err` when it is longer than the bound.
fn bounded<const N: u32>(
	bytes: Vec<u8>,
	err: RecordError,
) -> Result<BoundedVec<u8, ConstU32<N>>, RecordError> {
	bytes.try_into().map_err(|_| err)
}

/// A target host name, or the name rule's length error.
fn host(bytes: Vec<u8>) -> Result<HostName, RecordError> {
	let len = bytes.len();
	let too_long = RecordError::BadTarget(NameError::TooLong { len, max: MAX_NAME_LEN });
	bounded(bytes, too_long)
}

impl TryFrom<RecordInput> for Record {
	type Error = RecordError;

	/// Checks every field against its bound (the record's own rules are [`Record::validate`]'s).
	fn try_from(input: RecordInput) -> Result<Self, RecordError> {
		use RecordInput as I;
		let too_large = |len: usize| RecordError::TooLarge { len, max: MAX_RECORD_LEN };
		Ok(match input {
			I::A(a) => Self::A(a),
			I::Aaaa(a) => Self::Aaaa(a),
			I::Cname(to) => Self::Cname(host(to)?),
			I::Txt(text) => {
				let len = text.len();
				Self::Txt(bounded(text, RecordError::TooLarge { len, max: MAX_TXT_LEN as usize })?)
			},
			I::Mx { preference, exchange } => Self::Mx { preference, exchange: host(exchange)? },
			I::Srv { service, protocol, priority, weight, port, target } => Self::Srv {
				service: bounded(service, RecordError::BadSrvLabel)?,
				protocol: bounded(protocol, RecordError::BadSrvLabel)?,
				priority,
				weight,
				port,
				target: host(target)?,
			},
			I::Caa { flags, tag, value } => {
				let len = value.len();
				Self::Caa {
					flags,
					tag: bounded(tag, RecordError::BadCaa)?,
					value: bounded(value, too_large(len))?,
				}
			},
			I::P2p { peer_id, multiaddrs } => {
				if multiaddrs.len() > MAX_MULTIADDRS as usize {
					return Err(RecordError::BadMultiaddr);
				}
				let multiaddrs = multiaddrs
					.into_iter()
					.map(|a| bounded(a, RecordError::BadMultiaddr))
					.collect::<Result<Vec<_>, _>>()?;
				Self::P2p {
					peer_id: bounded(peer_id, RecordError::BadPeerId)?,
					multiaddrs: multiaddrs.try_into().map_err(|_| RecordError::BadMultiaddr)?,
				}
			},
		})
	}
}

impl From<Record> for RecordInput {
	fn from(record: Record) -> Self {
		match record {
			Record::A(a) => Self::A(a),
			Record::Aaaa(a) => Self::Aaaa(a),
			Record::Cname(to) => Self::Cname(to.into_inner()),
			Record::Txt(text) => Self::Txt(text.into_inner()),
			Record::Mx { preference, exchange } => {
				Self::Mx { preference, exchange: exchange.into_inner() }
			},
			Record::Srv { service, protocol, priority, weight, port, target } => Self::Srv {
				service: service.into_inner(),
				protocol: protocol.into_inner(),
				priority,
				weight,
				port,
				target: target.into_inner(),
			},
			Record::Caa { flags, tag, value } => {
				Self::Caa { flags, tag: tag.into_inner(), value: value.into_inner() }
			},
			Record::P2p { peer_id, multiaddrs } => Self::P2p {
				peer_id: peer_id.into_inner(),
				multiaddrs: multiaddrs.into_iter().map(|a| a.into_inner()).collect(),
			},
		}
	}
}

/// The type of a record, without its data.
#[derive(Clone, Copy, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum RecordKind {
	A,
	Aaaa,
	Cname,
	Txt,
	Mx,
	Srv,
	Caa,
	P2p,
}

impl RecordKind {
	/// The DNS spelling of the type (`"A"`, `"AAAA"`, ...; `"P2P"` is ours).
	pub fn as_str(&self) -> &'static str {
		match self {
			Self::A => "A",
			Self::Aaaa => "AAAA",
			Self::Cname => "CNAME",
			Self::Txt => "TXT",
			Self::Mx => "MX",
			Self::Srv => "SRV",
			Self::Caa => "CAA",
			Self::P2p => "P2P",
		}
	}
}

/// Why a record, or a set of records, is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RecordError {
	/// A name inside the record (CNAME, MX or SRV target) is not a canonical host name.
	BadTarget(NameError),
	/// The record encodes to more than [`MAX_RECORD_LEN`] bytes.
	TooLarge { len: usize, max: usize },
	/// A TXT record with no text.
	EmptyTxt,
	/// An SRV service or protocol label that is not `_` followed by a DNS label.
	BadSrvLabel,
	/// A CAA tag that is not 1 to 15 ASCII letters and digits, or flags other than 0 or 128.
	BadCaa,
	/// A PeerId that is not a well-formed multihash.
	BadPeerId,
	/// A multiaddr that does not parse, or uses a protocol we do not serve.
	BadMultiaddr,
	/// More than [`MAX_RECORDS`] records.
	TooMany { len: usize, max: usize },
	/// A CNAME next to other records, or two CNAMEs.
	CnameConflict,
	/// The same record twice.
	Duplicate,
}

impl fmt::Display for RecordError {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		match self {
			Self::BadTarget(e) => write!(f, "target name: {e}"),
			Self::TooLarge { len, max } => write!(f, "record is {len} bytes; at most {max}"),
			Self::EmptyTxt => write!(f, "TXT record is empty"),
			Self::BadSrvLabel => {
				write!(f, "SRV service and protocol must look like '_http', '_tcp'")
			},
			Self::BadCaa => write!(f, "CAA tag must be 1-15 letters/digits and flags 0 or 128"),
			Self::BadPeerId => write!(f, "P2P peer id is not a multihash"),
			Self::BadMultiaddr => write!(f, "P2P multiaddr is malformed or unsupported"),
			Self::TooMany { len, max } => write!(f, "{len} records; at most {max}"),
			Self::CnameConflict => write!(f, "a CNAME excludes every other record at the name"),
			Self::Duplicate => write!(f, "the same record appears twice"),
		}
	}
}

#[cfg(feature = "std")]
impl std::error::Error for RecordError {}

impl Record {
	/// The record's type.
	pub fn kind(&self) -> RecordKind {
		match self {
			Self::A(_) => RecordKind::A,
			Self::Aaaa(_) => RecordKind::Aaaa,
			Self::Cname(_) => RecordKind::Cname,
			Self::Txt(_) => RecordKind::Txt,
			Self::Mx { .. } => RecordKind::Mx,
			Self::Srv { .. } => RecordKind::Srv,
			Self::Caa { .. } => RecordKind::Caa,
			Self::P2p { .. } => RecordKind::P2p,
		}
	}

	/// Checks the record on its own.
	pub fn validate(&self) -> Result<(), RecordError> {
		let target = |n: &[u8]| name::validate_target(n).map_err(RecordError::BadTarget);
		match self {
			Self::A(_) | Self::Aaaa(_) => {},
			Self::Cname(to) => target(to)?,
			Self::Txt(text) => {
				if text.is_empty() {
					return Err(RecordError::EmptyTxt);
				}
			},
			Self::Mx { exchange, .. } => target(exchange)?,
			Self::Srv { service, protocol, target: to, .. } => {
				srv_label(service)?;
				srv_label(protocol)?;
				target(to)?;
			},
			Self::Caa { flags, tag, .. } => {
				let tag_ok = !tag.is_empty() && tag.iter().all(u8::is_ascii_alphanumeric);
				if !tag_ok || !matches!(flags, 0 | 128) {
					return Err(RecordError::BadCaa);
				}
			},
			Self::P2p { peer_id, multiaddrs } => {
				check_peer_id(peer_id)?;
				if multiaddrs.is_empty() {
					return Err(RecordError::BadMultiaddr);
				}
				for addr in multiaddrs {
					check_multiaddr(addr)?;
				}
			},
		}
		let len = self.encoded_size();
		if len > MAX_RECORD_LEN {
			return Err(RecordError::TooLarge { len, max: MAX_RECORD_LEN });
		}
		Ok(())
	}
}

/// Checks a whole record set as it would be stored at one name.
pub fn validate_set(records: &[Record]) -> Result<(), RecordError> {
	if records.len() > MAX_RECORDS as usize {
		return Err(RecordError::TooMany { len: records.len(), max: MAX_RECORDS as usize });
	}
	for (i, record) in records.iter().enumerate() {
		record.validate()?;
		if records[..i].contains(record) {
			return Err(RecordError::Duplicate);
		}
	}
	let has_cname = records.iter().any(|r| r.kind() == RecordKind::Cname);
	if has_cname && records.len() > 1 {
		return Err(RecordError::CnameConflict);
	}
	Ok(())
}

fn srv_label(label: &[u8]) -> Result<(), RecordError> {
	match label.split_first() {
		Some((b'_', rest))
			if !rest.is_empty()
				&& name::validate_hostname(rest).is_ok()
				&& !rest.contains(&b'.') =>
		{
			Ok(())
		},
		_ => Err(RecordError::BadSrvLabel),
	}
}

/// Reads an unsigned LEB128 varint (as multiformats use), at most 9 bytes.
pub fn read_varint(bytes: &[u8]) -> Option<(u64, &[u8])> {
	let mut value = 0u64;
	for (i, &b) in bytes.iter().enumerate().take(9) {
		value |= u64::from(b & 0x7f) << (7 * i);
		if b & 0x80 == 0 {
			return Some((value, &bytes[i + 1..]));
		}
	}
	None
}

/// A PeerId is a multihash: `identity` (code 0) of at most 42 bytes, or `sha2-256` (0x12) of 32.
pub fn check_peer_id(bytes: &[u8]) -> Result<(), RecordError> {
	let (code, rest) = read_varint(bytes).ok_or(RecordError::BadPeerId)?;
	let (len, digest) = read_varint(rest).ok_or(RecordError::BadPeerId)?;
	let len_ok = match code {
		0x00 => len <= 42,
		0x12 => len == 32,
		_ => false,
	};
	if len_ok && digest.len() as u64 == len {
		Ok(())
	} else {
		Err(RecordError::BadPeerId)
	}
}

/// Checks a binary multiaddr made of the protocols a ddns endpoint can use.
pub fn check_multiaddr(mut bytes: &[u8]) -> Result<(), RecordError> {
	if bytes.is_empty() {
		return Err(RecordError::BadMultiaddr);
	}
	while !bytes.is_empty() {
		let (code, rest) = read_varint(bytes).ok_or(RecordError::BadMultiaddr)?;
		let fixed = match code {
			4 => Some(4),                           // ip4
			41 => Some(16),                         // ip6
			6 | 273 => Some(2),                     // tcp, udp
			460 | 461 | 477 | 478 | 290 => Some(0), // quic, quic-v1, ws, wss, p2p-circuit
			53 | 54 | 55 | 421 => None,             // dns, dns4, dns6, p2p: length-prefixed
			_ => return Err(RecordError::BadMultiaddr),
		};
		let len = match fixed {
			Some(len) => len,
			None => {
				let (len, after) = read_varint(rest).ok_or(RecordError::BadMultiaddr)?;
				let len = usize::try_from(len).map_err(|_| RecordError::BadMultiaddr)?;
				let value = after.get(..len).ok_or(RecordError::BadMultiaddr)?;
				if code == 421 {
					check_peer_id(value).map_err(|_| RecordError::BadMultiaddr)?;
				} else {
					name::validate_target(value).map_err(|_| RecordError::BadMultiaddr)?;
				}
				bytes = &after[len..];
				continue;
			},
		};
		bytes = rest.get(len..).ok_or(RecordError::BadMultiaddr)?;
	}
	Ok(())
}

#[cfg(test)]
mod tests {
	use super::*;
	use alloc::vec;

	fn host(s: &str) -> HostName {
		s.as_bytes().to_vec().try_into().unwrap()
	}

	fn txt(s: &str) -> Record {
		Record::Txt(s.as_bytes().to_vec().try_into().unwrap())
	}

	fn peer() -> BoundedVec<u8, ConstU32<MAX_PEER_ID_LEN>> {
		let mut id = vec![0x00, 36];
		id.extend([7u8; 36]);
		id.try_into().unwrap()
	}

	/// /ip4/127.0.0.1/tcp/4001
	fn tcp_addr() -> Multiaddr {
		vec![4, 127, 0, 0, 1, 6, 0x0f, 0xa1].try_into().unwrap()
	}

	/// One valid record of every type.
	fn samples() -> alloc::vec::Vec<Record> {
		vec![
			Record::A([192, 0, 2, 1]),
			Record::Aaaa([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]),
			txt("v=spf1 -all"),
			Record::Mx { preference: 10, exchange: host("mail.example.com") },
			Record::Srv {
				service: b"_http".to_vec().try_into().unwrap(),
				protocol: b"_tcp".to_vec().try_into().unwrap(),
				priority: 0,
				weight: 5,
				port: 8080,
				target: host("web.example.ddns"),
			},
			Record::Caa {
				flags: 0,
				tag: b"issue".to_vec().try_into().unwrap(),
				value: b"letsencrypt.org".to_vec().try_into().unwrap(),
			},
			Record::P2p { peer_id: peer(), multiaddrs: vec![tcp_addr()].try_into().unwrap() },
		]
	}

	#[test]
	fn valid_records() {
		assert_eq!(validate_set(&samples()), Ok(()));
	}

	#[test]
	fn call_input_is_encoded_like_the_record() {
		for record in samples() {
			let input = RecordInput::from(record.clone());
			assert_eq!(input.encode(), record.encode());
			assert_eq!(RecordInput::decode(&mut &record.encode()[..]), Ok(input.clone()));
			assert_eq!(Record::try_from(input), Ok(record));
		}
	}

	#[test]
	fn oversize_call_input_is_refused_by_its_bound() {
		let long = |n: usize| vec![b'a'; n];
		let cases = [
			(RecordInput::Txt(long(481)), RecordError::TooLarge { len: 481, max: 480 }),
			(
				RecordInput::Cname(long(254)),
				RecordError::BadTarget(NameError::TooLong { len: 254, max: 253 }),
			),
			(RecordInput::Caa { flags: 0, tag: long(16), value: long(1) }, RecordError::BadCaa),
			(
				RecordInput::Caa { flags: 0, tag: long(5), value: long(256) },
				RecordError::TooLarge { len: 256, max: MAX_RECORD_LEN },
			),
			(
				RecordInput::P2p { peer_id: long(65), multiaddrs: vec![tcp_addr().into_inner()] },
				RecordError::BadPeerId,
			),
			(
				RecordInput::P2p {
					peer_id: peer().into_inner(),
					multiaddrs: vec![tcp_addr().into_inner(); 7],
				},
				RecordError::BadMultiaddr,
			),
		];
		for (input, error) in cases {
			assert_eq!(Record::try_from(input), Err(error));
		}
		// At the bound, it converts (and the record's own checks decide).
		assert!(Record::try_from(RecordInput::Txt(long(480))).is_ok());
	}

	#[test]
	fn cname_excludes_everything_else() {
		let cname = Record::Cname(host("other.ddns"));
		assert_eq!(validate_set(core::slice::from_ref(&cname)), Ok(()));
		assert_eq!(
			validate_set(&[cname.clone(), Record::A([1, 2, 3, 4])]),
			Err(RecordError::CnameConflict)
		);
		assert_eq!(
			validate_set(&[cname, Record::Cname(host("third.ddns"))]),
			Err(RecordError::CnameConflict)
		);
	}

	#[test]
	fn bad_records() {
		assert_eq!(
			Record::Cname(host("Other.ddns")).validate(),
			Err(RecordError::BadTarget(NameError::Uppercase { at: 0 }))
		);
		assert_eq!(txt("").validate(), Err(RecordError::EmptyTxt));
		let bad_srv = Record::Srv {
			service: b"http".to_vec().try_into().unwrap(),
			protocol: b"_tcp".to_vec().try_into().unwrap(),
			priority: 0,
			weight: 0,
			port: 1,
			target: host("a.ddns"),
		};
		assert_eq!(bad_srv.validate(), Err(RecordError::BadSrvLabel));
		let bad_caa = Record::Caa {
			flags: 1,
			tag: b"issue".to_vec().try_into().unwrap(),
			value: Default::default(),
		};
		assert_eq!(bad_caa.validate(), Err(RecordError::BadCaa));
		let bad_peer = Record::P2p {
			peer_id: vec![0x12, 3, 1, 2, 3].try_into().unwrap(),
			multiaddrs: vec![tcp_addr()].try_into().unwrap(),
		};
		assert_eq!(bad_peer.validate(), Err(RecordError::BadPeerId));
		let truncated: Multiaddr = vec![4, 127, 0].try_into().unwrap();
		let bad_addr =
			Record::P2p { peer_id: peer(), multiaddrs: vec![truncated].try_into().unwrap() };
		assert_eq!(bad_addr.validate(), Err(RecordError::BadMultiaddr));
		let dup = [Record::A([1, 1, 1, 1]), Record::A([1, 1, 1, 1])];
		assert_eq!(validate_set(&dup), Err(RecordError::Duplicate));
		let many: alloc::vec::Vec<_> = (0..33u8).map(|i| Record::A([10, 0, 0, i])).collect();
		assert_eq!(validate_set(&many), Err(RecordError::TooMany { len: 33, max: 32 }));
	}

	#[test]
	fn every_record_fits_the_size_limit_by_type() {
		// The type bounds alone keep every record under the limit.
		assert!(Record::max_encoded_len() <= MAX_RECORD_LEN, "{}", Record::max_encoded_len());
	}
}
