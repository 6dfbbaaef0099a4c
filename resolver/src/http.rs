//! The HTTP face: `GET /resolve?name=`, `GET /connect?name=`, `GET /health`, `GET /metrics`.

use crate::{
	chain::{hex, unhex, ChainError, Head},
	daemon::{Daemon, Resolution},
};
use ddns_primitives::{endpoint::Endpoint, name::MAX_NAME_LEN};
use http_body_util::Full;
use hyper::{
	body::{Bytes, Incoming},
	server::conn::http1,
	service::service_fn,
	Method, Request, Response, StatusCode,
};
use hyper_util::rt::{TokioIo, TokioTimer};
use libp2p::{Multiaddr, PeerId};
use serde_json::{json, Value};
use std::{convert::Infallible, net::SocketAddr, sync::Arc};
use tokio::{net::TcpListener, task::JoinSet};

/// Most HTTP connections served at once; `--http-connections-per-ip` caps those of one address.
pub const MAX_CONNECTIONS: usize = 512;
/// The longest an HTTP connection stays open, however busy.
const CONNECTION_LIFETIME: std::time::Duration = std::time::Duration::from_secs(120);

/// Binds `addr` and serves until the daemon stops, with the default cap per address
/// ([`DEFAULT_PER_IP`](crate::dns::DEFAULT_PER_IP)); returns the bound address.
pub async fn serve(daemon: Arc<Daemon>, addr: SocketAddr) -> anyhow::Result<SocketAddr> {
	serve_with(daemon, addr, crate::dns::DEFAULT_PER_IP).await
}

/// [`serve`] with at most `per_ip` connections open from one address (0: no cap but
/// [`MAX_CONNECTIONS`]).
pub async fn serve_with(
	daemon: Arc<Daemon>,
	addr: SocketAddr,
	per_ip: usize,
) -> anyhow::Result<SocketAddr> {
	let listener = TcpListener::bind(addr).await?;
	let bound = listener.local_addr()?;
	tracing::info!(target: "ddns::http", "HTTP on http://{bound}");
	let connections = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
	let per_ip = crate::dns::ConnectionsPerIp::new(per_ip);
	let face = daemon.clone();
	let acceptor = tokio::spawn(async move {
		// The open connections, in tasks that end with the acceptor.
		let mut open = JoinSet::new();
		loop {
			let (stream, peer) = match listener.accept().await {
				Ok(accepted) => accepted,
				Err(e) => {
					// Out of file descriptors (or another passing error): back off rather than
					// spin on a listener that stays readable.
					tracing::debug!(target: "ddns::http", "accept: {e}");
					tokio::time::sleep(crate::dns::ACCEPT_BACKOFF).await;
					continue;
				},
			};
			// One address may not hold every connection: past its cap, closed at once.
			// At the limit, a new connection is closed at once rather than left in the
			// kernel's backlog; one address may not hold every connection.
			let Ok(permit) = connections.clone().try_acquire_owned() else {
				face.metrics.refused_connection("http");
				continue;
			};
			let Some(admitted) = per_ip.admit(peer.ip()) else {
				face.metrics.refused_connection("http");
				continue;
			};
			let daemon = face.clone();
			open.spawn(async move {
				let _permit = (permit, admitted);
				let service = service_fn(move |req| {
					let daemon = daemon.clone();
					async move { Ok::<_, Infallible>(handle(&daemon, req).await) }
				});
				// Slow or idle clients (headers not complete within 10 s) are cut off, and so is
				// any connection after 2 minutes: one that never reads its answers would
				// otherwise hold its slot (and its buffers) for ever.
				let connection = http1::Builder::new()
					.timer(TokioTimer::new())
					.header_read_timeout(std::time::Duration::from_secs(10))
					.max_buf_size(16 * 1024)
					.serve_connection(TokioIo::new(stream), service);
				let _ = tokio::time::timeout(CONNECTION_LIFETIME, connection).await;
			});
			while open.try_join_next().is_some() {}
		}
	});
	daemon.keep(acceptor.abort_handle());
	Ok(bound)
}

fn reply(
	daemon: &Daemon,
	status: StatusCode,
	content_type: &str,
	body: String,
) -> Response<Full<Bytes>> {
	let class = match status.as_u16() {
		200..=299 => "2xx",
		400..=499 => "4xx",
		_ => "5xx",
	};
	daemon.metrics.http.get_or_create(&vec![("status", class)]).inc();
	Response::builder()
		.status(status)
		.header("content-type", content_type)
		.body(Full::new(Bytes::from(body)))
		.expect("static headers are valid")
}

fn json_reply(daemon: &Daemon, status: StatusCode, body: Value) -> Response<Full<Bytes>> {
	reply(daemon, status, "application/json", body.to_string())
}

fn error(
	daemon: &Daemon,
	status: StatusCode,
	code: &str,
	message: String,
) -> Response<Full<Bytes>> {
	json_reply(daemon, status, json!({ "error": { "code": code, "message": message } }))
}

async fn handle(daemon: &Daemon, req: Request<Incoming>) -> Response<Full<Bytes>> {
	if req.method() != Method::GET {
		return error(
			daemon,
			StatusCode::METHOD_NOT_ALLOWED,
			"method",
			"only GET is served".into(),
		);
	}
	match req.uri().path() {
		"/resolve" => resolve(daemon, req.uri().query().unwrap_or("")).await,
		"/health" => health(daemon).await,
		"/connect" => connect(daemon, req.uri().query().unwrap_or("")).await,
		"/metrics" => reply(
			daemon,
			StatusCode::OK,
			"application/openmetrics-text; version=1.0.0; charset=utf-8",
			daemon.metrics.render(),
		),
		path => error(daemon, StatusCode::NOT_FOUND, "not_found", format!("no such path {path:?}")),
	}
}

/// The value of `key` in a query string, percent-decoded; `Err` if it is not valid UTF-8.
fn query_param(query: &str, key: &str) -> Result<Option<String>, ()> {
	for pair in query.split('&') {
		let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
		if k == key {
			return percent_decode(v).map(Some);
		}
	}
	Ok(None)
}

fn percent_decode(s: &str) -> Result<String, ()> {
	let mut out = Vec::with_capacity(s.len());
	let mut bytes = s.bytes();
	while let Some(b) = bytes.next() {
		match b {
			b'%' => {
				let hi = bytes.next().and_then(|c| (c as char).to_digit(16)).ok_or(())?;
				let lo = bytes.next().and_then(|c| (c as char).to_digit(16)).ok_or(())?;
				out.push((hi * 16 + lo) as u8);
			},
			b'+' => out.push(b' '),
			b => out.push(b),
		}
	}
	String::from_utf8(out).map_err(|_| ())
}

pub fn at(head: &Head) -> Value {
	json!({ "number": head.number, "hash": head.hash_hex(), "finalized": true })
}

pub fn endpoint_json(e: &Endpoint) -> Value {
	json!({
		"peerId": PeerId::from_bytes(&e.peer_id).map(|p| p.to_base58()).unwrap_or_default(),
		"multiaddrs": e.addrs.iter()
			.filter_map(|a| Multiaddr::try_from(a.clone()).ok())
			.map(|a| a.to_string())
			.collect::<Vec<_>>(),
		"epoch": e.epoch,
		"seq": e.seq,
		"validUntil": e.valid_until,
	})
}

pub fn resolution_json(name: &str, r: &Resolution) -> Value {
	json!({
		"name": name,
		"at": at(&r.head),
		"resolves": r.active(),
		"view": r.view.as_ref().map(ddns_rpc::json::name_view),
		"endpoints": r.endpoint.iter().map(endpoint_json).collect::<Vec<_>>(),
	})
}

async fn resolve(daemon: &Daemon, query: &str) -> Response<Full<Bytes>> {
	let name = match query_param(query, "name") {
		Ok(Some(name)) if !name.is_empty() => name,
		Ok(_) => {
			return error(
				daemon,
				StatusCode::BAD_REQUEST,
				"missing_name",
				"add ?name=<name>".into(),
			)
		},
		Err(()) => {
			return error(
				daemon,
				StatusCode::BAD_REQUEST,
				"bad_encoding",
				"the name is not percent-encoded UTF-8".into(),
			)
		},
	};
	if name.len() > MAX_NAME_LEN {
		return error(
			daemon,
			StatusCode::BAD_REQUEST,
			"too_long",
			format!("names are at most {MAX_NAME_LEN} bytes"),
		);
	}
	if let Err(e) = ddns_primitives::name::validate(name.as_bytes()) {
		return error(
			daemon,
			StatusCode::BAD_REQUEST,
			e.code(),
			format!("{name:?} is not a canonical ddns name ({})", e.code()),
		);
	}
	if query_param(query, "proof") == Ok(Some("1".into())) {
		return proven(daemon, &name).await;
	}
	match daemon.resolve(&name).await {
		Ok(r) if r.view.is_none() => json_reply(daemon, StatusCode::NOT_FOUND, {
			let mut body = resolution_json(&name, &r);
			body["error"] =
				json!({ "code": "not_found", "message": format!("nobody holds {name}") });
			body
		}),
		Ok(r) => json_reply(daemon, StatusCode::OK, resolution_json(&name, &r)),
		Err(ChainError::InvalidName(rule)) => {
			error(daemon, StatusCode::BAD_REQUEST, "invalid_name", format!("{name:?}: {rule}"))
		},
		Err(e @ ChainError::Unavailable(_)) => {
			daemon.metrics.lookups.get_or_create(&vec![("result", "error")]).inc();
			error(daemon, StatusCode::SERVICE_UNAVAILABLE, "chain_unavailable", e.to_string())
		},
	}
}

/// `GET /resolve?name=&proof=1`: the node's proof bundle of the name at a finalized block B
/// (`ddns_resolveWithProof`), with this daemon's own answer in place of the node's: its view at
/// B, and the endpoint record it answers from (`endpoint`, the signed wire form). `ddns-verify
/// resolve --daemon` checks both against the proof, so a daemon (or the node behind it) that
/// lies is caught, not believed. Always 200 when the node gave a bundle: a name nobody holds is
/// `"view": null`, which the proof shows.
async fn proven(daemon: &Daemon, name: &str) -> Response<Full<Bytes>> {
	let unavailable = |e: ChainError| {
		daemon.metrics.lookups.get_or_create(&vec![("result", "error")]).inc();
		error(daemon, StatusCode::SERVICE_UNAVAILABLE, "chain_unavailable", e.to_string())
	};
	// A bundle made within the last block answers again: the node's justified block moves on
	// about once a block.
	let fresh =
		daemon.proofs.lock().expect("not poisoned").get(name).and_then(|(b, at)| {
			(at.elapsed() < std::time::Duration::from_secs(3)).then(|| b.clone())
		});
	if let Some(bundle) = fresh {
		return json_reply(daemon, StatusCode::OK, bundle);
	}
	let Ok(_slot) = daemon.proof_slots.try_acquire() else {
		let message = "too many proofs are being made; ask again".to_owned();
		return error(daemon, StatusCode::SERVICE_UNAVAILABLE, "busy", message);
	};
	let mut bundle = match daemon.chain.proof(name).await {
		Ok(bundle) => bundle,
		Err(e) => return unavailable(e),
	};
	let block = &bundle["block"];
	let at = block["number"]
		.as_u64()
		.and_then(|n| u32::try_from(n).ok())
		.zip(block["hash"].as_str().and_then(unhex).and_then(|h| <[u8; 32]>::try_from(h).ok()));
	let Some((number, hash)) = at else {
		let message = "the node's bundle names no block".to_owned();
		return error(daemon, StatusCode::BAD_GATEWAY, "bad_bundle", message);
	};
	let view = match daemon.chain.view(name, Head { number, hash }).await {
		Ok(view) => view,
		Err(e) => return unavailable(e),
	};
	bundle["view"] = view.as_ref().map_or(Value::Null, ddns_rpc::json::name_view);
	// The endpoint comes from the daemon's own (cached) lookup, which needs no slot.
	drop(_slot);
	if let Ok(r) = daemon.resolve(name).await {
		if let Some(record) = &r.record {
			bundle["endpoint"] = json!(format!("0x{}", hex(record)));
		}
	}
	{
		let mut proofs = daemon.proofs.lock().expect("not poisoned");
		if proofs.len() >= crate::daemon::PROOF_CACHE_ENTRIES {
			proofs.clear();
		}
		proofs.insert(name.to_owned(), (bundle.clone(), std::time::Instant::now()));
	}
	json_reply(daemon, StatusCode::OK, bundle)
}

/// How long `/health` waits for the node to say whether it is syncing.
const SYNCING_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// `GET /health`: 200 with `"status": "ok"` only when the daemon follows a node that is not
/// syncing, finality has moved within `--max-finality-age`, and none of its tasks has ended;
/// else 503 with the first thing wrong, in this order: `dht_unresponsive`,
/// `chain_unavailable`, `waiting_for_chain`, `syncing`, `finality_stalled`, `task_died`.
async fn health(daemon: &Daemon) -> Response<Full<Bytes>> {
	let Ok(info) = tokio::time::timeout(SYNCING_TIMEOUT, daemon.dht.info()).await else {
		let body = json!({ "status": "dht_unresponsive" });
		return json_reply(daemon, StatusCode::SERVICE_UNAVAILABLE, body);
	};
	let head = daemon.head();
	let connected = daemon.chain.connected();
	// Unknown (the node did not say in time) counts as syncing: health is not assumed.
	let syncing = daemon.syncing(SYNCING_TIMEOUT).await;
	let age = daemon.finality_age();
	let dead = daemon.dead_tasks();
	let status = if !connected {
		"chain_unavailable"
	} else if head.number == 0 {
		"waiting_for_chain"
	} else if syncing != Some(false) {
		"syncing"
	} else if age > daemon.settings().max_finality_age {
		"finality_stalled"
	} else if dead > 0 {
		"task_died"
	} else {
		"ok"
	};
	let body = json!({
		"status": status,
		"syncing": syncing,
		"finalizedAgeSeconds": age.as_secs(),
		"maxFinalityAgeSeconds": daemon.settings().max_finality_age.as_secs(),
		"deadTasks": dead,
		"peerId": daemon.dht.peer_id().to_base58(),
		"nodeKey": format!("0x{}", hex(&daemon.node_key())),
		"finalized": at(&head),
		"peers": info.connected_peers,
		"routingTable": info.routing_table,
		"storedRecords": info.stored_records,
		"listen": strings(&info.listen),
		"reachability": info.reachability.as_str(),
		"kadMode": if info.kad_server { "server" } else { "client" },
		"external": strings(&info.external),
		"relayed": strings(&info.relayed),
		"serving": daemon.settings().serve,
	});
	let code = if status == "ok" { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
	json_reply(daemon, code, body)
}

fn strings(addrs: &[Multiaddr]) -> Vec<String> {
	addrs.iter().map(|a| a.to_string()).collect()
}

/// Longest `wait` a `/connect` may ask for, in seconds.
const MAX_CONNECT_WAIT: u64 = 30;

/// `GET /connect?name=&fresh=1&wait=S`: connects to the name's endpoint from this daemon
/// (directly, or through its relay and then by a hole punch) and says how.
async fn connect(daemon: &Daemon, query: &str) -> Response<Full<Bytes>> {
	let name = match query_param(query, "name") {
		Ok(Some(name)) if !name.is_empty() && name.len() <= MAX_NAME_LEN => name,
		_ => {
			return error(
				daemon,
				StatusCode::BAD_REQUEST,
				"missing_name",
				"add ?name=<name>".into(),
			)
		},
	};
	let fresh = matches!(query_param(query, "fresh"), Ok(Some(v)) if v == "1" || v == "true");
	let wait = match query_param(query, "wait") {
		Ok(None) => 10,
		Ok(Some(v)) => match v.parse::<u64>() {
			Ok(s) if (1..=MAX_CONNECT_WAIT).contains(&s) => s,
			_ => {
				return error(
					daemon,
					StatusCode::BAD_REQUEST,
					"bad_wait",
					format!("wait is whole seconds, 1 to {MAX_CONNECT_WAIT}"),
				)
			},
		},
		Err(()) => {
			return error(daemon, StatusCode::BAD_REQUEST, "bad_encoding", "bad wait".into())
		},
	};
	match daemon.connect(&name, fresh, std::time::Duration::from_secs(wait)).await {
		None => error(
			daemon,
			StatusCode::TOO_MANY_REQUESTS,
			"busy",
			"too many connects in progress".into(),
		),
		Some(Err(e)) => error(daemon, StatusCode::BAD_GATEWAY, "unreachable", e),
		Some(Ok((endpoint, c))) => json_reply(
			daemon,
			StatusCode::OK,
			json!({
				"name": name,
				"peerId": PeerId::from_bytes(&endpoint.peer_id).map(|p| p.to_base58()).unwrap_or_default(),
				"path": if c.direct.is_some() { "direct" } else { "relayed" },
				"direct": c.direct.map(|a| a.to_string()),
				"relayed": c.relayed.map(|a| a.to_string()),
				"holePunched": c.hole_punched,
				"millis": c.elapsed.as_millis() as u64,
			}),
		),
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn query_strings() {
		assert_eq!(query_param("name=a.ddns", "name"), Ok(Some("a.ddns".into())));
		assert_eq!(query_param("x=1&name=a%2Eddns", "name"), Ok(Some("a.ddns".into())));
		assert_eq!(query_param("x=1", "name"), Ok(None));
		assert_eq!(query_param("name=%zz", "name"), Err(()));
		assert_eq!(query_param("name=%ff", "name"), Err(()));
	}
}
