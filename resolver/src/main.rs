//! `ddns-resolver`: see `resolver/README.md` and `docs/endpoints.md`.

use clap::Parser;
use ddns_resolver::{
	chain::hex,
	config::{load_or_create_key, Options},
	http,
	light::LightChain,
	Chain, Daemon, DhtConfig, RpcChain, Settings,
};
use std::sync::Arc;
use tokio::signal::unix::{signal, SignalKind};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
	tracing_subscriber::fmt()
		.with_env_filter(
			tracing_subscriber::EnvFilter::try_from_default_env()
				.unwrap_or_else(|_| "info,libp2p=warn".into()),
		)
		.with_writer(std::io::stderr)
		.init();
	let options = Options::parse();
	if let Some(what) = options.sign_registration.clone() {
		let config = options.resolve()?;
		let out =
			ddns_resolver::probe::sign_registration(&what, &config.key_file, &config.chain_rpc)
				.await?;
		println!("{out}");
		return Ok(());
	}
	let print_key = options.print_key;
	let config = options.resolve()?;
	let key = load_or_create_key(&config.key_file)?;
	let peer_id = key.public().to_peer_id();
	let node_key = ddns_resolver::daemon::node_key(&key);
	if print_key {
		println!(
			"{}",
			serde_json::json!({ "nodeKey": format!("0x{}", hex(&node_key)), "peerId": peer_id.to_base58() })
		);
		return Ok(());
	}
	tracing::info!(target: "ddns", "PeerId {peer_id}, node key 0x{}", hex(&node_key));
	if !config.allow_private_addrs
		&& config.announce.is_empty()
		&& config.listen.iter().all(
			|a| matches!(a.iter().next(), Some(libp2p::multiaddr::Protocol::Ip4(ip)) if ip.is_loopback()),
		) {
		tracing::warn!(
			target: "ddns",
			"listening on loopback only, without --allow-private-addrs: this daemon cannot be \
			 reached nor publish an address (see docs/endpoints.md)"
		);
	}

	// The genesis hash names the DHT's protocols and is in every record's signature: without
	// it the daemon cannot join, so it waits for the chain.
	let (chain, rpc_chain, genesis): (Arc<dyn Chain>, Option<Arc<RpcChain>>, [u8; 32]) =
		match &config.light {
			Some(spec) => {
				let text = std::fs::read_to_string(spec)
					.map_err(|e| anyhow::anyhow!("--light {}: {e}", spec.display()))?;
				let light = LightChain::start(&text, &config.light_bootnodes).await?;
				tracing::info!(target: "ddns", "following the chain with a light client ({})", spec.display());
				let genesis = loop {
					match light.genesis().await {
						Ok(genesis) => break genesis,
						Err(e) => {
							tracing::warn!(target: "ddns", "waiting for the light client: {e}");
							tokio::time::sleep(std::time::Duration::from_secs(2)).await;
						},
					}
				};
				(light, None, genesis)
			},
			None => {
				let chain = RpcChain::start(config.chain_rpc.clone());
				let genesis = loop {
					match chain.genesis().await {
						Ok(genesis) => break genesis,
						Err(e) => {
							tracing::warn!(
								target: "ddns",
								"waiting for the node at {} for the chain's genesis hash: {e}",
								config.chain_rpc
							);
							tokio::time::sleep(std::time::Duration::from_secs(2)).await;
						},
					}
				};
				(chain.clone(), Some(chain), genesis)
			},
		};
	tracing::info!(target: "ddns", "chain 0x{}", hex(&genesis));
	let daemon = Daemon::start(
		key,
		chain.clone(),
		DhtConfig {
			listen: config.listen.clone(),
			bootnodes: config.bootnodes.clone(),
			memory: false,
			query_timeout: config.query_timeout,
			announce: config.announce.clone(),
			allow_private: config.allow_private_addrs,
			relay: config.relay.clone(),
			relay_via: config.relay_via.clone(),
			upnp: config.upnp,
			genesis,
			limits: config.limits.clone(),
			..Default::default()
		},
		Settings {
			signer: config.signer,
			serve: config.serve.clone(),
			validity_blocks: config.validity_blocks,
			max_finality_age: config.max_finality_age,
			lookup_quorum: config.lookup_quorum,
			lookup_wait: config.lookup_wait,
			ban_after: config.ban_after,
			ban_time: config.ban_time,
			..Default::default()
		},
	)?;
	if let (Some(probe), Some(chain)) = (config.probe.clone(), rpc_chain) {
		tracing::info!(target: "ddns", "probing the operators' services ({probe:?})");
		let task = tokio::spawn(ddns_resolver::probe::run(
			daemon.dht.clone(),
			chain.clone(),
			probe,
			daemon.metrics.probe.clone(),
		));
		daemon.keep(task.abort_handle());
	}
	http::serve_with(daemon.clone(), config.http, config.http_per_ip).await?;
	ddns_resolver::dns::serve(daemon.clone(), ddns_resolver::dns::DnsConfig::from(&config)).await?;

	let mut term = signal(SignalKind::terminate())?;
	tokio::select! {
		_ = tokio::signal::ctrl_c() => {},
		_ = term.recv() => {},
	}
	tracing::info!(target: "ddns", "shutting down");
	daemon.stop();
	Ok(())
}
