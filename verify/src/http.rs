//! A small blocking HTTP/1.1 client, enough for JSON-RPC over HTTP and the daemon's `/resolve`.
//! Plain `http://` only (a verifier need not trust the transport: everything it accepts is
//! checked). `ws://` URLs are read as `http://` on the same port, which Substrate nodes serve
//! both on.

use serde_json::{json, Value};
use std::{
	io::{Read, Write},
	net::TcpStream,
	time::Duration,
};

/// Largest response read.
pub const MAX_RESPONSE: u64 = 16 << 20;
/// Longest a request may take, connection to last byte.
pub const TIMEOUT: Duration = Duration::from_secs(30);

struct Url {
	host: String,
	path: String,
}

fn parse(url: &str) -> Result<Url, String> {
	let rest = url
		.strip_prefix("http://")
		.or_else(|| url.strip_prefix("ws://"))
		.ok_or_else(|| format!("{url:?}: only http:// (or ws://) URLs"))?;
	let (host, path) = match rest.find('/') {
		Some(i) => (&rest[..i], &rest[i..]),
		None => (rest, "/"),
	};
	if host.is_empty() {
		return Err(format!("{url:?} has no host"));
	}
	Ok(Url { host: host.to_owned(), path: path.to_owned() })
}

/// Sends one request and returns the status and body.
pub fn request(method: &str, url: &str, body: Option<&str>) -> Result<(u16, Vec<u8>), String> {
	let Url { host, path } = parse(url)?;
	let addr = std::net::ToSocketAddrs::to_socket_addrs(&host)
		.map_err(|e| format!("{host}: {e}"))?
		.next()
		.ok_or_else(|| format!("{host}: no address"))?;
	let mut stream =
		TcpStream::connect_timeout(&addr, TIMEOUT).map_err(|e| format!("{host}: {e}"))?;
	stream.set_write_timeout(Some(TIMEOUT)).ok();
	let body = body.unwrap_or("");
	let head = format!(
		"{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
		body.len()
	);
	stream
		.write_all(head.as_bytes())
		.and_then(|_| stream.write_all(body.as_bytes()))
		.map_err(|e| e.to_string())?;
	// One deadline for the whole response: a server that trickles bytes does not hold us.
	let deadline = std::time::Instant::now() + TIMEOUT;
	let mut response = Vec::new();
	let mut buf = [0u8; 16 * 1024];
	loop {
		let left = deadline.saturating_duration_since(std::time::Instant::now());
		if left.is_zero() {
			return Err(format!("{host}: no full answer within {} s", TIMEOUT.as_secs()));
		}
		stream.set_read_timeout(Some(left)).ok();
		match stream.read(&mut buf) {
			Ok(0) => break,
			Ok(n) if (response.len() + n) as u64 > MAX_RESPONSE => {
				return Err(format!("{host}: the answer is over {MAX_RESPONSE} bytes"))
			},
			Ok(n) => response.extend_from_slice(&buf[..n]),
			Err(e) => return Err(format!("{host}: {e}")),
		}
	}
	let split = response
		.windows(4)
		.position(|w| w == b"\r\n\r\n")
		.ok_or("the response has no header end")?;
	let head = String::from_utf8_lossy(&response[..split]).to_string();
	let mut body = response[split + 4..].to_vec();
	let status = head
		.split_whitespace()
		.nth(1)
		.and_then(|s| s.parse().ok())
		.ok_or_else(|| format!("bad status line {:?}", head.lines().next()))?;
	if head.lines().any(|l| {
		l.to_ascii_lowercase().starts_with("transfer-encoding:")
			&& l.to_ascii_lowercase().contains("chunked")
	}) {
		body = dechunk(&body)?;
	}
	Ok((status, body))
}

fn dechunk(mut data: &[u8]) -> Result<Vec<u8>, String> {
	let mut out = Vec::new();
	loop {
		let line_end = data.windows(2).position(|w| w == b"\r\n").ok_or("bad chunk")?;
		let size = std::str::from_utf8(&data[..line_end]).map_err(|_| "bad chunk size")?;
		let size = usize::from_str_radix(size.split(';').next().unwrap_or("").trim(), 16)
			.map_err(|_| "bad chunk size")?;
		data = &data[line_end + 2..];
		if size == 0 {
			return Ok(out);
		}
		if size.checked_add(2).is_none_or(|end| data.len() < end) {
			return Err("truncated chunk".into());
		}
		out.extend_from_slice(&data[..size]);
		data = &data[size + 2..];
	}
}

/// Calls a JSON-RPC method over HTTP and returns its `result`.
pub fn call(url: &str, method: &str, params: Value) -> Result<Value, String> {
	let body = json!({ "jsonrpc": "2.0", "id": 1, "method": method, "params": params }).to_string();
	let (status, body) = request("POST", url, Some(&body))?;
	let reply: Value = serde_json::from_slice(&body)
		.map_err(|e| format!("{method}: HTTP {status}, not JSON: {e}"))?;
	if let Some(error) = reply.get("error") {
		return Err(format!("{method}: {error}"));
	}
	Ok(reply.get("result").cloned().unwrap_or(Value::Null))
}
