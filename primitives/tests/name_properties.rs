//! Property tests of the name rule.
//!
//! - canonical round trip: an accepted name is a fixed point of `normalize`;
//! - DNS agrees: every accepted name is a name hickory's DNS implementation accepts, with the
//!   same labels;
//! - one spelling: no other spelling of an accepted name (case, trailing dot, Unicode form) is
//!   accepted.

use ddns_primitives::{name, punycode};
use proptest::prelude::*;

fn ldh_label() -> impl Strategy<Value = String> {
	prop::string::string_regex("[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?").unwrap()
}

fn ddns_name() -> impl Strategy<Value = String> {
	prop::collection::vec(ldh_label(), 1..5).prop_map(|labels| format!("{}.ddns", labels.join(".")))
}

/// Spellings of the same name that DNS would treat as equal.
fn variants(name: &str, flips: &[bool]) -> Vec<String> {
	let flipped: String = name
		.chars()
		.zip(flips.iter().cycle())
		.map(|(c, &up)| if up { c.to_ascii_uppercase() } else { c })
		.collect();
	vec![flipped.clone(), format!("{name}."), format!("{flipped}.")]
}

fn dns_accepts(name: &str) {
	let parsed = hickory_proto::rr::Name::from_ascii(name)
		.unwrap_or_else(|e| panic!("hickory rejects {name:?}: {e}"));
	assert_eq!(parsed.num_labels() as usize, name::depth(name.as_bytes()));
	let mut wire = Vec::new();
	let mut encoder = hickory_proto::serialize::binary::BinEncoder::new(&mut wire);
	hickory_proto::serialize::binary::BinEncodable::emit(&parsed, &mut encoder)
		.unwrap_or_else(|e| panic!("{name:?} does not encode: {e}"));
	assert!(wire.len() <= 255, "{name:?} is {} bytes on the wire", wire.len());
	assert_eq!(parsed.to_ascii().trim_end_matches('.'), name);
}

proptest! {
	#![proptest_config(ProptestConfig::with_cases(2000))]

	#[test]
	fn generated_names_are_accepted_once(name in ddns_name(), flips in prop::collection::vec(any::<bool>(), 1..8)) {
		let reserved = name.split('.').any(|l| l.len() >= 4 && &l[2..4] == "--");
		prop_assume!(!reserved);
		prop_assert_eq!(name::validate(name.as_bytes()), Ok(()));
		prop_assert_eq!(name::normalize(&name), Ok(name.clone()));
		dns_accepts(&name);
		for v in variants(&name, &flips) {
			if v != name {
				prop_assert!(name::validate(v.as_bytes()).is_err(), "second spelling {:?}", v);
				prop_assert_eq!(name::normalize(&v), Ok(name.clone()));
			}
		}
	}

	#[test]
	fn anything_accepted_is_canonical_and_dns_valid(input in "[a-zA-Z0-9.\\-_ üßÜ例]{0,40}(\\.ddns)?\\.?") {
		if name::validate(input.as_bytes()).is_ok() {
			prop_assert_eq!(name::normalize(&input), Ok(input.clone()));
			dns_accepts(&input);
		}
		if let Ok(canonical) = name::normalize(&input) {
			// Normalizing is idempotent, and what it yields is accepted by the same rule.
			prop_assert_eq!(name::normalize(&canonical), Ok(canonical.clone()));
			if input != canonical {
				prop_assert!(name::validate(input.as_bytes()).is_err(), "two spellings: {:?} and {:?}", input, canonical);
			}
		}
	}

	#[test]
	fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
		if name::validate(&bytes).is_ok() {
			let text = std::str::from_utf8(&bytes).expect("accepted names are ASCII");
			dns_accepts(text);
		}
		let _ = punycode::decode(&bytes);
	}

	#[test]
	fn unicode_labels_round_trip(label in "[a-zäöüßéèçñ例え日本語]{1,12}") {
		let input = format!("{label}.ddns");
		let canonical = name::normalize(&input).unwrap();
		prop_assert_eq!(name::validate(canonical.as_bytes()), Ok(()));
		dns_accepts(&canonical);
		let first = canonical.split('.').next().unwrap();
		match first.strip_prefix("xn--") {
			Some(tail) => {
				let decoded: String = punycode::decode(tail.as_bytes()).unwrap().into_iter().collect();
				prop_assert_eq!(decoded, label);
			},
			None => prop_assert_eq!(first, label.as_str()),
		}
	}
}
