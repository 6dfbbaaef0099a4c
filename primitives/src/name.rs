//! The ddns name rule.
//!
//! A ddns name is a DNS name in one canonical spelling: labels of `a-z`, `0-9` and `-`, 1 to 63
//! bytes each, no leading or trailing `-`, at most 253 bytes in all, no trailing dot, ending in
//! the label [`TLD`]. Internationalized labels travel as `xn--` Punycode; such a label must be
//! the canonical encoding of lowercase, non-ASCII text, so that no name has two spellings.
//! Labels of the reserved form `??--*` that are not `xn--` are rejected (RFC 5891 4.2.3.1).
//!
//! The chain stores and compares names only in this form. Clients turn user input into it with
//! [`normalize`] before they submit or look up anything.

use alloc::{string::String, vec::Vec};
use core::fmt;

use crate::punycode;

/// The chain's top-level label: every ddns name ends in `.ddns`.
pub const TLD: &str = "ddns";
/// Longest name, in bytes (the DNS limit for a name in text form without the trailing dot).
pub const MAX_NAME_LEN: usize = 253;
/// Longest label, in bytes.
pub const MAX_LABEL_LEN: usize = 63;
/// Shortest registrable second-level label, in characters.
pub const MIN_REGISTRABLE_LEN: usize = 3;
/// Prefix of an internationalized (Punycode) label.
pub const IDNA_PREFIX: &str = "xn--";

/// Why a byte string is not a canonical ddns name (or host name).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum NameError {
	/// The name is empty.
	Empty,
	/// The name is longer than [`MAX_NAME_LEN`] bytes.
	TooLong { len: usize, max: usize },
	/// A label is empty (two dots in a row, or a leading dot).
	EmptyLabel,
	/// The name ends in a dot; the canonical form has none.
	TrailingDot,
	/// A label is longer than [`MAX_LABEL_LEN`] bytes.
	LabelTooLong { len: usize, max: usize },
	/// An uppercase ASCII letter; the canonical form is lowercase.
	Uppercase { at: usize },
	/// A byte that is not `a-z`, `0-9`, `-` or `.`.
	InvalidCharacter { at: usize, byte: u8 },
	/// A label starts with `-`.
	LeadingHyphen,
	/// A label ends with `-`.
	TrailingHyphen,
	/// A label has `--` in positions 3 and 4 but is not an `xn--` label.
	ReservedHyphens,
	/// An `xn--` label that is not the canonical Punycode of lowercase, non-ASCII text.
	InvalidPunycode,
	/// The name does not end in `.ddns`.
	WrongTld,
	/// The name is the top-level label alone; names start one level below it.
	NoSecondLevel,
	/// The second-level label is shorter than [`MIN_REGISTRABLE_LEN`] characters.
	TooShort { len: usize, min: usize },
}

impl NameError {
	/// A short, stable, machine-readable identifier of the rule that failed.
	pub fn code(&self) -> &'static str {
		match self {
			Self::Empty => "empty",
			Self::TooLong { .. } => "too_long",
			Self::EmptyLabel => "empty_label",
			Self::TrailingDot => "trailing_dot",
			Self::LabelTooLong { .. } => "label_too_long",
			Self::Uppercase { .. } => "uppercase",
			Self::InvalidCharacter { .. } => "invalid_character",
			Self::LeadingHyphen => "leading_hyphen",
			Self::TrailingHyphen => "trailing_hyphen",
			Self::ReservedHyphens => "reserved_hyphens",
			Self::InvalidPunycode => "invalid_punycode",
			Self::WrongTld => "wrong_tld",
			Self::NoSecondLevel => "no_second_level",
			Self::TooShort { .. } => "too_short",
		}
	}
}

impl fmt::Display for NameError {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		match self {
			Self::Empty => write!(f, "the name is empty"),
			Self::TooLong { len, max } => write!(f, "the name is {len} bytes; at most {max}"),
			Self::EmptyLabel => write!(f, "a label is empty (leading dot or two dots in a row)"),
			Self::TrailingDot => write!(f, "the name ends in a dot; write it without"),
			Self::LabelTooLong { len, max } => write!(f, "a label is {len} bytes; at most {max}"),
			Self::Uppercase { at } => {
				write!(f, "uppercase letter at byte {at}; names are lowercase")
			},
			Self::InvalidCharacter { at, byte } => {
				write!(f, "byte 0x{byte:02x} at {at} is not allowed; labels use a-z, 0-9 and -")
			},
			Self::LeadingHyphen => write!(f, "a label starts with '-'"),
			Self::TrailingHyphen => write!(f, "a label ends with '-'"),
			Self::ReservedHyphens => {
				write!(f, "'--' in positions 3-4 is reserved for 'xn--' labels")
			},
			Self::InvalidPunycode => write!(
				f,
				"an 'xn--' label is not the canonical punycode of lowercase non-ASCII text"
			),
			Self::WrongTld => write!(f, "the name does not end in '.{TLD}'"),
			Self::NoSecondLevel => write!(f, "'{TLD}' alone is not a name"),
			Self::TooShort { len, min } => {
				write!(f, "the registered label has {len} characters; at least {min}")
			},
		}
	}
}

#[cfg(feature = "std")]
impl std::error::Error for NameError {}

/// Checks one label's length and characters. `base` is the label's offset in the name.
fn check_ldh(label: &[u8], base: usize) -> Result<(), NameError> {
	if label.is_empty() {
		return Err(NameError::EmptyLabel);
	}
	if label.len() > MAX_LABEL_LEN {
		return Err(NameError::LabelTooLong { len: label.len(), max: MAX_LABEL_LEN });
	}
	for (i, &b) in label.iter().enumerate() {
		match b {
			b'a'..=b'z' | b'0'..=b'9' | b'-' => {},
			b'A'..=b'Z' => return Err(NameError::Uppercase { at: base + i }),
			_ => return Err(NameError::InvalidCharacter { at: base + i, byte: b }),
		}
	}
	if label[0] == b'-' {
		return Err(NameError::LeadingHyphen);
	}
	if label[label.len() - 1] == b'-' {
		return Err(NameError::TrailingHyphen);
	}
	Ok(())
}

/// Checks one label of a ddns name: LDH, and the `xn--` rules.
fn check_label(label: &[u8], base: usize) -> Result<(), NameError> {
	check_ldh(label, base)?;
	if label.len() >= 4 && &label[2..4] == b"--" {
		if !label.starts_with(IDNA_PREFIX.as_bytes()) {
			return Err(NameError::ReservedHyphens);
		}
		check_idna_label(&label[IDNA_PREFIX.len()..])?;
	}
	Ok(())
}

/// Code points that spell another name in disguise: compatibility forms that Unicode
/// normalization (NFKC, as IDNA applies it) folds into other characters, invisible format
/// characters, combining marks that compose with the letter before them (NFC), and dots.
/// Not the whole IDNA2008 table (RFC 5892); the ranges where confusion is cheapest.
const DISGUISES: &[(u32, u32)] = &[
	(0x00A0, 0x00BF),   // Latin-1 punctuation, soft hyphen, superscripts, fractions
	(0x0300, 0x036F),   // combining diacritical marks (write the composed letter instead)
	(0x1AB0, 0x1AFF),   // combining diacritical marks extended
	(0x1DC0, 0x1DFF),   // combining diacritical marks supplement
	(0x2000, 0x206F),   // general punctuation: zero-width and directional characters
	(0x2070, 0x209F),   // superscripts and subscripts
	(0x20D0, 0x20FF),   // combining marks for symbols
	(0x2100, 0x214F),   // letterlike symbols (ℌ, ℓ, ™)
	(0x2150, 0x218F),   // number forms (Ⅻ)
	(0x2460, 0x24FF),   // enclosed alphanumerics (ⓖ)
	(0x3000, 0x303F),   // CJK punctuation, ideographic full stop
	(0xFE00, 0xFE0F),   // variation selectors
	(0xFE20, 0xFE2F),   // combining half marks
	(0xFE30, 0xFE4F),   // CJK compatibility forms
	(0xFEFF, 0xFEFF),   // byte order mark
	(0xFF00, 0xFFEF),   // fullwidth and halfwidth forms (ｇｏｏｇｌｅ)
	(0x1D400, 0x1D7FF), // mathematical alphanumerics (𝐠𝐨𝐨𝐠𝐥𝐞)
	(0x1F100, 0x1F1FF), // enclosed alphanumeric supplement
	(0xE0000, 0xE0FFF), // tags and variation selectors supplement
];

/// Whether a decoded code point may appear in an internationalized label.
fn allowed_unicode(c: char) -> bool {
	if c.is_ascii() {
		return matches!(c, 'a'..='z' | '0'..='9' | '-');
	}
	let code = c as u32;
	if DISGUISES.iter().any(|&(lo, hi)| (lo..=hi).contains(&code)) {
		return false;
	}
	// One spelling per name: a character that lowercasing changes has a lowercase twin.
	let mut lower = c.to_lowercase();
	!c.is_control() && !c.is_whitespace() && lower.next() == Some(c) && lower.next().is_none()
}

/// `tail` is what follows `xn--`: it must decode, hold non-ASCII text, and re-encode to itself.
fn check_idna_label(tail: &[u8]) -> Result<(), NameError> {
	let decoded = punycode::decode(tail).ok_or(NameError::InvalidPunycode)?;
	let canonical = !decoded.is_empty()
		&& decoded.iter().any(|c| !c.is_ascii())
		&& decoded.iter().all(|&c| allowed_unicode(c))
		&& punycode::encode(&decoded).is_some_and(|e| e.as_bytes() == tail);
	if canonical {
		Ok(())
	} else {
		Err(NameError::InvalidPunycode)
	}
}

/// Checks the length and dots of a name, and each label with `check`.
fn check_labels(
	name: &[u8],
	check: fn(&[u8], usize) -> Result<(), NameError>,
) -> Result<(), NameError> {
	if name.is_empty() {
		return Err(NameError::Empty);
	}
	if name.len() > MAX_NAME_LEN {
		return Err(NameError::TooLong { len: name.len(), max: MAX_NAME_LEN });
	}
	if name.ends_with(b".") && name.len() > 1 {
		return Err(NameError::TrailingDot);
	}
	let mut base = 0;
	for label in name.split(|&b| b == b'.') {
		check(label, base)?;
		base += label.len() + 1;
	}
	Ok(())
}

/// Checks a host name outside our zone as DNS carries it (targets of CNAME, MX, SRV records and
/// DNS names in multiaddrs): lowercase LDH labels within DNS lengths, no trailing dot. Other
/// zones' rules are theirs, so `??--` labels and `xn--` labels are taken as they are.
pub fn validate_target(name: &[u8]) -> Result<(), NameError> {
	check_labels(name, check_ldh)
}

/// Checks a host name in canonical form under any top-level label, with our label rules.
pub fn validate_hostname(name: &[u8]) -> Result<(), NameError> {
	check_labels(name, check_label)
}

/// Checks that `name` is a canonical ddns name (any depth below the top-level label).
pub fn validate(name: &[u8]) -> Result<(), NameError> {
	validate_hostname(name)?;
	if name == TLD.as_bytes() {
		return Err(NameError::NoSecondLevel);
	}
	match name.strip_suffix(TLD.as_bytes()) {
		Some(rest) if rest.ends_with(b".") => Ok(()),
		_ => Err(NameError::WrongTld),
	}
}

/// Number of labels of a valid name (`example.ddns` has 2).
pub fn depth(name: &[u8]) -> usize {
	name.iter().filter(|&&b| b == b'.').count() + 1
}

/// The name one level up, or `None` for a second-level name (whose parent is the TLD itself).
pub fn parent(name: &[u8]) -> Option<&[u8]> {
	let dot = name.iter().position(|&b| b == b'.')?;
	let up = &name[dot + 1..];
	(up != TLD.as_bytes()).then_some(up)
}

/// The leftmost label of a name.
pub fn first_label(name: &[u8]) -> &[u8] {
	name.split(|&b| b == b'.').next().unwrap_or(name)
}

/// Length of a label in characters: Unicode characters for `xn--` labels, bytes otherwise.
/// This is what rent tiers count.
pub fn label_chars(label: &[u8]) -> usize {
	label
		.strip_prefix(IDNA_PREFIX.as_bytes())
		.and_then(punycode::decode)
		.map_or(label.len(), |chars| chars.len())
}

/// Checks that `name` is a valid second-level name that can be registered (`example.ddns`).
pub fn validate_registrable(name: &[u8]) -> Result<(), NameError> {
	validate(name)?;
	if depth(name) != 2 {
		return Err(NameError::WrongTld);
	}
	let len = label_chars(first_label(name));
	if len < MIN_REGISTRABLE_LEN {
		return Err(NameError::TooShort { len, min: MIN_REGISTRABLE_LEN });
	}
	Ok(())
}

/// Turns user input into the canonical spelling, or says why it cannot be one.
///
/// Lowercases, drops one trailing dot, and Punycode-encodes labels that hold non-ASCII text
/// (after lowercasing them). Unicode normalization (NFC, UTS #46 mapping) is the caller's:
/// a client should apply it before calling this, as browsers do. The result passes
/// [`validate_hostname`]; whether it is a ddns name is for [`validate`] to say.
pub fn normalize(input: &str) -> Result<String, NameError> {
	let input = input.strip_suffix('.').unwrap_or(input);
	let mut out = String::with_capacity(input.len());
	for (i, label) in input.split('.').enumerate() {
		if i > 0 {
			out.push('.');
		}
		if label.is_ascii() {
			out.extend(label.chars().map(|c| c.to_ascii_lowercase()));
		} else {
			let lower: Vec<char> = label.chars().flat_map(char::to_lowercase).collect();
			let encoded = punycode::encode(&lower).ok_or(NameError::InvalidPunycode)?;
			out.push_str(IDNA_PREFIX);
			out.push_str(&encoded);
		}
	}
	validate_hostname(out.as_bytes())?;
	Ok(out)
}

#[cfg(test)]
mod tests {
	use super::*;

	fn err(name: &str) -> NameError {
		validate(name.as_bytes()).unwrap_err()
	}

	#[test]
	fn accepts_canonical_names() {
		for name in [
			"example.ddns",
			"api.example.ddns",
			"a-b.c0.ddns",
			"xn--bcher-kva.ddns",
			"1.2.3.ddns",
			&format!("{}.ddns", "a".repeat(63)),
		] {
			assert_eq!(validate(name.as_bytes()), Ok(()), "{name}");
		}
	}

	#[test]
	fn each_rule_has_its_error() {
		assert_eq!(err(""), NameError::Empty);
		assert_eq!(err("ddns"), NameError::NoSecondLevel);
		assert_eq!(err("example.com"), NameError::WrongTld);
		assert_eq!(err("exampleddns"), NameError::WrongTld);
		assert_eq!(err("example.ddns."), NameError::TrailingDot);
		assert_eq!(err("Example.ddns"), NameError::Uppercase { at: 0 });
		assert_eq!(err("ex_ample.ddns"), NameError::InvalidCharacter { at: 2, byte: b'_' });
		assert_eq!(err("ex ample.ddns"), NameError::InvalidCharacter { at: 2, byte: b' ' });
		assert_eq!(err("-example.ddns"), NameError::LeadingHyphen);
		assert_eq!(err("example-.ddns"), NameError::TrailingHyphen);
		assert_eq!(err("ab--cd.ddns"), NameError::ReservedHyphens);
		assert_eq!(err("a..ddns"), NameError::EmptyLabel);
		assert_eq!(err(".example.ddns"), NameError::EmptyLabel);
		let long_label = format!("{}.ddns", "a".repeat(64));
		assert_eq!(err(&long_label), NameError::LabelTooLong { len: 64, max: 63 });
		let long_name = format!("{}ddns", "abcdefghi.".repeat(25));
		assert_eq!(err(&long_name), NameError::TooLong { len: 254, max: 253 });
	}

	#[test]
	fn punycode_labels_must_be_canonical() {
		// Would decode to ASCII only (a second spelling of `abc`); caught by the hyphen rule.
		assert!(validate(b"xn--abc-.ddns").is_err());
		// Decodes to a control character.
		assert_eq!(err("xn--ab-c.ddns"), NameError::InvalidPunycode);
		// Not valid punycode at all.
		assert_eq!(err("xn--99999999999.ddns"), NameError::InvalidPunycode);
		// Uppercase Unicode ("Über") has a lowercase twin ("über").
		let upper: Vec<char> = "Über".chars().collect();
		let encoded = format!("xn--{}.ddns", punycode::encode(&upper).unwrap());
		assert_eq!(err(&encoded), NameError::InvalidPunycode);
		assert_eq!(validate(normalize("Über.ddns").unwrap().as_bytes()), Ok(()));
	}

	#[test]
	fn disguised_spellings_are_refused() {
		// Fullwidth, mathematical bold and circled "google"; a soft hyphen; a zero-width space;
		// a decomposed ü; an ideographic full stop.
		for unicode in [
			"ｇｏｏｇｌｅ",
			"𝐠𝐨𝐨𝐠𝐥𝐞",
			"ⓖⓞⓞⓖⓛⓔ",
			"ü\u{ad}ber",
			"ü\u{200b}ber",
			"u\u{308}ber",
			"a\u{3002}b",
		] {
			let chars: Vec<char> = unicode.chars().collect();
			let label = format!("xn--{}.ddns", punycode::encode(&chars).unwrap());
			assert_eq!(validate(label.as_bytes()), Err(NameError::InvalidPunycode), "{unicode}");
		}
		assert_eq!(validate(normalize("über.ddns").unwrap().as_bytes()), Ok(()));
		assert_eq!(validate(normalize("例え.ddns").unwrap().as_bytes()), Ok(()));
	}

	#[test]
	fn targets_follow_dns_not_our_rules() {
		assert_eq!(validate_target(b"r3---sn-abc.googlevideo.com"), Ok(()));
		assert!(validate_hostname(b"r3---sn-abc.googlevideo.com").is_err());
		assert_eq!(validate_target(b"Mail.example.com"), Err(NameError::Uppercase { at: 0 }));
	}

	#[test]
	fn registrable_names() {
		assert_eq!(validate_registrable(b"abc.ddns"), Ok(()));
		assert_eq!(validate_registrable(b"ab.ddns"), Err(NameError::TooShort { len: 2, min: 3 }));
		assert_eq!(validate_registrable(b"api.example.ddns"), Err(NameError::WrongTld));
		// Two Unicode characters are too short even though the label has more bytes.
		let two = normalize("ßü.ddns").unwrap();
		assert!(matches!(validate_registrable(two.as_bytes()), Err(NameError::TooShort { .. })));
	}

	#[test]
	fn tree_helpers() {
		assert_eq!(parent(b"api.example.ddns"), Some(&b"example.ddns"[..]));
		assert_eq!(parent(b"example.ddns"), None);
		assert_eq!(depth(b"api.example.ddns"), 3);
		assert_eq!(first_label(b"api.example.ddns"), b"api");
		assert_eq!(label_chars(b"xn--bcher-kva"), 6);
	}

	#[test]
	fn normalize_examples() {
		assert_eq!(normalize("Example.DDNS.").as_deref(), Ok("example.ddns"));
		assert_eq!(normalize("Bücher.ddns").as_deref(), Ok("xn--bcher-kva.ddns"));
		assert_eq!(normalize("a b.ddns"), Err(NameError::InvalidCharacter { at: 1, byte: b' ' }));
	}
}
