#!/usr/bin/env bash
# The relay's memory per reservation and per circuit, on the namespace internet of
# scripts/netns.sh. Needs root and the release build of scripts/test.sh (or scripts/dev.sh).
#
#   scripts/bench-relay.sh [N=60]
#
# 1. A `--relay` daemon, then N daemons behind the NATs of homes 1-3 (cone, cone, symmetric)
#    that reserve on it: the relay's RSS before and after, per reservation.
# 2. One of them, behind the symmetric NAT (no hole punch, so circuits stay relayed), serves a
#    name registered on a dev chain; every other daemon connects to it (`/connect`), each
#    through its own circuit: the relay's RSS before and after, per circuit.
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-60}"
target="${CARGO_TARGET_DIR:-$HOME/.cache/ddns/target}"
bin="$target/release/ddns-resolver"
node_bin="$target/release/ddns-node"
[ -x "$bin" ] && [ -x "$node_bin" ] || {
	echo "build first: scripts/build.sh" >&2
	exit 1
}
work="$(mktemp -d)"
trap 'bash scripts/netns.sh down 2>/dev/null; rm -rf "$work"' EXIT
bash scripts/netns.sh up

rss_kib() { awk '/VmRSS/ { print $2 }' "/proc/$1/status"; }
metric() { curl -s "http://11.0.0.3:8053/metrics" | awk -v m="$1" 'index($0, m " ") == 1 { print $2 }'; }
peer_id() { "$bin" --print-key --key-file "$1" | sed 's/.*"peerId":"\([^"]*\)".*/\1/'; }
node_key() { "$bin" --print-key --key-file "$1" | sed 's/.*"nodeKey":"\([^"]*\)".*/\1/'; }
home_of() { echo $((($1 % 3) + 1)); }

ip netns exec ddns-seed "$node_bin" --dev --tmp --rpc-external --rpc-cors all --rpc-port 9944 \
	--no-telemetry --no-mdns --no-prometheus >"$work/node.log" 2>&1 &
disown
chain=ws://11.0.0.2:9944

# Keys first (a daemon would create its own, but not before this reads it).
relay_id="$(peer_id "$work/relay.key")"
for i in $(seq 1 "$n"); do peer_id "$work/c$i.key" >/dev/null; done
ip netns exec ddns-relay "$bin" --chain-rpc "$chain" --key-file "$work/relay.key" \
	--listen /ip4/0.0.0.0/udp/4001/quic-v1 --http 11.0.0.3:8053 --dns 11.0.0.3:5353 \
	--relay --relay-max-reservations $((n + 10)) --relay-max-circuits $((n + 10)) \
	--relay-max-circuits-per-peer $((n + 10)) --relay-max-circuit-duration 600 \
	--announce /ip4/11.0.0.3/udp/4001/quic-v1 --no-upnp >"$work/relay.log" 2>&1 &
relay_pid=$!
disown
sleep 3

# 1. Reservations.
before="$(rss_kib $relay_pid)"
server=3 # behind the symmetric NAT of home 3
for i in $(seq 1 "$n"); do
	home="$(home_of "$i")"
	serve=()
	[ "$i" -eq "$server" ] && serve=(--serve bench-relay.ddns)
	ip netns exec "ddns-h$home" "$bin" --chain-rpc "$chain" --key-file "$work/c$i.key" \
		--listen "/ip4/0.0.0.0/udp/$((5000 + i))/quic-v1" --http "192.168.$home.2:$((6000 + i))" \
		--dns "192.168.$home.2:$((7000 + i))" --no-upnp \
		--bootnode "/ip4/11.0.0.3/udp/4001/quic-v1/p2p/$relay_id" \
		--relay-via "/ip4/11.0.0.3/udp/4001/quic-v1/p2p/$relay_id" "${serve[@]}" \
		>"$work/c$i.log" 2>&1 &
	disown
done
accepted='ddns_resolver_relay_served_reservations_total{event="accepted"}'
for _ in $(seq 1 120); do
	[ "$(metric "$accepted")" = "$n" ] && break
	sleep 1
done
sleep 5
after="$(rss_kib $relay_pid)"
held="$(metric "$accepted")"
echo "relay RSS: ${before} KiB with no reservation, ${after} KiB with ${held:-0} reservations"
echo "per reservation (its connection included): $(((after - before) / (${held:-0} > 0 ? held : 1))) KiB"

# 2. Circuits: register the name for daemon $server, wait until it resolves, then connect.
node --input-type=module - "$chain" "$(node_key "$work/c$server.key")" <<-'EOF'
	import { connectApi, devPairs, registerName, signAndSendFinalized } from './tests/lib/node.js';
	const [chain, key] = process.argv.slice(2);
	const api = await connectApi({ wsUrl: chain }, { timeoutMs: 120_000 });
	const { alice } = await devPairs();
	await registerName(api, 'bench-relay.ddns', alice.address, 10, alice);
	await signAndSendFinalized(api, api.tx.registry.setNodeKey('bench-relay.ddns', key), alice);
	await api.disconnect();
EOF
resolves() {
	curl -s "http://192.168.$(home_of "$1").2:$((6000 + $1))/resolve?name=bench-relay.ddns" |
		grep -q p2p-circuit
}
for _ in $(seq 1 120); do
	resolves 1 && break
	sleep 1
done
sleep 3
before="$(rss_kib $relay_pid)"
for i in $(seq 1 "$n"); do
	[ "$i" -eq "$server" ] && continue
	curl -s -m 20 "http://192.168.$(home_of "$i").2:$((6000 + i))/connect?name=bench-relay.ddns&wait=1" >/dev/null &
done
wait
sleep 3
after="$(rss_kib $relay_pid)"
circuits="$(metric 'ddns_resolver_relay_served_circuits_total{event="accepted"}')"
closed="$(metric 'ddns_resolver_relay_served_circuits_total{event="closed"}')"
open=$((${circuits:-0} - ${closed:-0}))
echo "relay RSS: ${before} KiB before, ${after} KiB with ${open} open circuits"
echo "per circuit: $(((after - before) / (open > 0 ? open : 1))) KiB"
