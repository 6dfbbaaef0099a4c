//! Punycode (RFC 3492), the encoding of internationalized labels as `xn--` ASCII labels.
//!
//! Only what the name rule needs: decoding to check that an `xn--` label is a canonical
//! encoding, and encoding so that clients can build one.

use alloc::{string::String, vec::Vec};

const BASE: u32 = 36;
const T_MIN: u32 = 1;
const T_MAX: u32 = 26;
const SKEW: u32 = 38;
const DAMP: u32 = 700;
const INITIAL_BIAS: u32 = 72;
const INITIAL_N: u32 = 0x80;
const DELIMITER: u8 = b'-';

fn adapt(mut delta: u32, num_points: u32, first_time: bool) -> u32 {
	delta /= if first_time { DAMP } else { 2 };
	delta += delta / num_points;
	let mut k = 0;
	while delta > ((BASE - T_MIN) * T_MAX) / 2 {
		delta /= BASE - T_MIN;
		k += BASE;
	}
	k + (((BASE - T_MIN + 1) * delta) / (delta + SKEW))
}

fn threshold(k: u32, bias: u32) -> u32 {
	if k <= bias {
		T_MIN
	} else if k >= bias + T_MAX {
		T_MAX
	} else {
		k - bias
	}
}

/// Digit value of a lowercase base-36 digit. Uppercase digits are not canonical and rejected.
fn digit_value(b: u8) -> Option<u32> {
	match b {
		b'a'..=b'z' => Some(u32::from(b - b'a')),
		b'0'..=b'9' => Some(u32::from(b - b'0') + 26),
		_ => None,
	}
}

fn digit_char(d: u32) -> u8 {
	// `d < BASE` at every call site.
	if d < 26 {
		b'a' + d as u8
	} else {
		b'0' + (d - 26) as u8
	}
}

/// Decodes the part of a label after `xn--`. `None` if it is not valid lowercase Punycode.
pub fn decode(input: &[u8]) -> Option<Vec<char>> {
	let (basic, extended) = match input.iter().rposition(|&b| b == DELIMITER) {
		Some(at) => (&input[..at], &input[at + 1..]),
		None => (&[][..], input),
	};
	if !basic.is_ascii() {
		return None;
	}
	let mut output: Vec<char> = basic.iter().map(|&b| char::from(b)).collect();
	let (mut n, mut i, mut bias) = (INITIAL_N, 0u32, INITIAL_BIAS);
	let mut digits = extended.iter();
	while digits.len() > 0 {
		let old_i = i;
		let mut weight = 1u32;
		let mut k = BASE;
		loop {
			let digit = digit_value(*digits.next()?)?;
			i = i.checked_add(digit.checked_mul(weight)?)?;
			let t = threshold(k, bias);
			if digit < t {
				break;
			}
			weight = weight.checked_mul(BASE - t)?;
			k += BASE;
		}
		let len = u32::try_from(output.len() + 1).ok()?;
		bias = adapt(i - old_i, len, old_i == 0);
		n = n.checked_add(i / len)?;
		i %= len;
		output.insert(i as usize, char::from_u32(n)?);
		i += 1;
	}
	Some(output)
}

/// Encodes code points as Punycode (without the `xn--` prefix). `None` on overflow.
pub fn encode(input: &[char]) -> Option<String> {
	let mut output: Vec<u8> = input.iter().filter(|c| c.is_ascii()).map(|&c| c as u8).collect();
	let basic = u32::try_from(output.len()).ok()?;
	if basic > 0 {
		output.push(DELIMITER);
	}
	let total = u32::try_from(input.len()).ok()?;
	let (mut n, mut delta, mut bias, mut handled) = (INITIAL_N, 0u32, INITIAL_BIAS, basic);
	while handled < total {
		let m = input.iter().map(|&c| c as u32).filter(|&c| c >= n).min()?;
		delta = delta.checked_add((m - n).checked_mul(handled + 1)?)?;
		n = m;
		for &c in input {
			let c = c as u32;
			if c < n {
				delta = delta.checked_add(1)?;
			}
			if c == n {
				let mut q = delta;
				let mut k = BASE;
				loop {
					let t = threshold(k, bias);
					if q < t {
						break;
					}
					output.push(digit_char(t + (q - t) % (BASE - t)));
					q = (q - t) / (BASE - t);
					k += BASE;
				}
				output.push(digit_char(q));
				bias = adapt(delta, handled + 1, handled == basic);
				delta = 0;
				handled += 1;
			}
		}
		delta = delta.checked_add(1)?;
		n = n.checked_add(1)?;
	}
	String::from_utf8(output).ok()
}

#[cfg(test)]
mod tests {
	use super::*;

	fn roundtrip(unicode: &str, puny: &str) {
		let chars: Vec<char> = unicode.chars().collect();
		assert_eq!(encode(&chars).as_deref(), Some(puny));
		assert_eq!(decode(puny.as_bytes()), Some(chars));
	}

	#[test]
	fn rfc_3492_and_common_examples() {
		roundtrip("bücher", "bcher-kva");
		roundtrip("münchen", "mnchen-3ya");
		roundtrip("пример", "e1afmkfd");
		roundtrip("例え", "r8jz45g");
		// RFC 3492 7.1 (L), lowercased: "3年B組金八先生".
		roundtrip("3年b組金八先生", "3b-ww4c5e180e575a65lsy2b");
	}

	#[test]
	fn rejects_garbage() {
		assert_eq!(decode(b"BCHER-KVA"), None);
		assert_eq!(decode(b"bcher-kv!"), None);
		assert_eq!(decode(b"99999999999"), None);
	}
}
