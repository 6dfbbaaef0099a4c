//! How registry answers look in JSON: names as strings, accounts in SS58, records typed.
//!
//! The JSON-RPC resolver answers in this form and `ddns-verify` recomputes it from a proof, so
//! a bundle's convenience view can be compared with what its proof says, field for field.

use ddns_primitives::{
	record::Multiaddr,
	registry::{Lifecycle, NameView},
	Record,
};
use serde_json::{json, Value};
use sp_core::crypto::{AccountId32, Ss58Codec};
use std::net::{Ipv4Addr, Ipv6Addr};

/// Bytes as text when they are UTF-8, else as `0x` hex.
pub fn text(bytes: &[u8]) -> String {
	match std::str::from_utf8(bytes) {
		Ok(s) => s.to_owned(),
		Err(_) => format!("0x{}", hex(bytes)),
	}
}

/// Bytes as lowercase hex, without a prefix.
pub fn hex(bytes: &[u8]) -> String {
	bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Hex (with or without `0x`) as bytes; `None` for an odd length or a non-hex digit.
pub fn unhex(s: &str) -> Option<Vec<u8>> {
	let s = s.strip_prefix("0x").unwrap_or(s);
	if !s.len().is_multiple_of(2) {
		return None;
	}
	(0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

/// An account in SS58 (generic Substrate prefix 42).
pub fn account(who: &AccountId32) -> String {
	who.to_ss58check()
}

/// A binary multiaddr in its text form (`/ip4/127.0.0.1/tcp/4001`), for the protocols the
/// record rule admits (every stored multiaddr is one of them).
pub fn multiaddr(addr: &Multiaddr) -> String {
	ddns_primitives::multiaddr::to_text(addr).unwrap_or_default()
}

/// A record as `{"type": "A", "value": ...}`.
pub fn record(r: &Record) -> Value {
	let value = match r {
		Record::A(ip) => json!(Ipv4Addr::from(*ip).to_string()),
		Record::Aaaa(ip) => json!(Ipv6Addr::from(*ip).to_string()),
		Record::Cname(to) => json!(text(to)),
		Record::Txt(t) => json!(text(t)),
		Record::Mx { preference, exchange } => {
			json!({ "preference": preference, "exchange": text(exchange) })
		},
		Record::Srv { service, protocol, priority, weight, port, target } => json!({
			"service": text(service),
			"protocol": text(protocol),
			"priority": priority,
			"weight": weight,
			"port": port,
			"target": text(target),
		}),
		Record::Caa { flags, tag, value } => {
			json!({ "flags": flags, "tag": text(tag), "value": text(value) })
		},
		Record::P2p { peer_id, multiaddrs } => json!({
			"peerId": bs58::encode(peer_id.as_slice()).into_string(),
			"multiaddrs": multiaddrs.iter().map(multiaddr).collect::<Vec<_>>(),
		}),
	};
	json!({ "type": r.kind().as_str(), "value": value })
}

fn state(s: Lifecycle) -> &'static str {
	match s {
		Lifecycle::Active => "Active",
		Lifecycle::Grace => "Grace",
		Lifecycle::Premium => "Premium",
		Lifecycle::Free => "Free",
	}
}

/// A name's view without the block it reflects.
pub fn name_view(v: &NameView<AccountId32, u128, u32>) -> Value {
	json!({
		"name": text(&v.name),
		"owner": account(&v.owner),
		"state": state(v.state),
		// A name resolves (over RPC and DNS) only while Active.
		"resolves": v.state == Lifecycle::Active,
		"expiresAt": v.expires_at,
		"epoch": v.epoch,
		"nodeKey": v.node_key.map(|k| format!("0x{}", hex(&k))),
		"records": v.records.iter().map(record).collect::<Vec<_>>(),
		"parent": v.parent.as_deref().map(text),
		"locked": v.locked,
		"registeredAt": v.registered_at,
		// Balances as decimal strings: JSON numbers cannot hold every u128.
		"deposit": v.deposit.to_string(),
	})
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn multiaddrs_print_like_libp2p() {
		let addr: Multiaddr = vec![4, 127, 0, 0, 1, 6, 0x0f, 0xa1, 0xcd, 0x03].try_into().unwrap();
		assert_eq!(multiaddr(&addr), "/ip4/127.0.0.1/tcp/4001/quic-v1");
	}

	#[test]
	fn records_are_typed() {
		assert_eq!(record(&Record::A([192, 0, 2, 1])), json!({"type": "A", "value": "192.0.2.1"}));
		let mx = Record::Mx {
			preference: 10,
			exchange: b"mail.example.ddns".to_vec().try_into().unwrap(),
		};
		assert_eq!(
			record(&mx),
			json!({"type": "MX", "value": {"preference": 10, "exchange": "mail.example.ddns"}})
		);
	}
}
