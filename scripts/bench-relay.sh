#!/usr/bin/env bash
# The relay's memory per reservation: a `--relay` daemon on the namespace internet of
# scripts/netns.sh, then N daemons behind the NATs of homes 1-3 reserving on it. Prints the
# relay's RSS before and after, and the difference per reservation. Needs root and the release
# build of scripts/test.sh (or scripts/dev.sh); no chain is needed (the swarm runs without it).
#
#   scripts/bench-relay.sh [N=60]
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-60}"
target="${CARGO_TARGET_DIR:-$HOME/.cache/ddns/target}"
bin="$target/release/ddns-resolver"
[ -x "$bin" ] || { echo "build first: cargo build --release -p ddns-resolver" >&2; exit 1; }
work="$(mktemp -d)"
trap 'bash scripts/netns.sh down 2>/dev/null; rm -rf "$work"' EXIT
bash scripts/netns.sh up

rss_kib() { awk '/VmRSS/ { print $2 }' "/proc/$1/status"; }
held() { curl -s "http://11.0.0.3:8053/metrics" | awk '/^ddns_resolver_relay_served_reservations_total\{event="accepted"\}/ { print $2 }'; }

# The key first (the relay would create it, but not before this reads it).
relay_id="$("$bin" --print-key --key-file "$work/relay.key" | sed 's/.*"peerId":"\([^"]*\)".*/\1/')"
ip netns exec ddns-relay "$bin" --chain-rpc ws://127.0.0.1:1 --key-file "$work/relay.key" \
	--listen /ip4/0.0.0.0/udp/4001/quic-v1 --http 11.0.0.3:8053 --dns 11.0.0.3:5353 \
	--relay --relay-max-reservations $((n + 10)) --announce /ip4/11.0.0.3/udp/4001/quic-v1 \
	--no-upnp >"$work/relay.log" 2>&1 &
relay_pid=$!
disown
sleep 3
before="$(rss_kib $relay_pid)"
for i in $(seq 1 "$n"); do
	home=$(((i % 3) + 1))
	port=$((5000 + i))
	ip netns exec "ddns-h$home" "$bin" --chain-rpc ws://127.0.0.1:1 --key-file "$work/c$i.key" \
		--listen "/ip4/0.0.0.0/udp/$port/quic-v1" --http "192.168.$home.2:$((6000 + i))" \
		--dns "192.168.$home.2:$((7000 + i))" --no-upnp \
		--relay-via "/ip4/11.0.0.3/udp/4001/quic-v1/p2p/$relay_id" >"$work/c$i.log" 2>&1 &
	disown
done
# Reservations come once AutoNAT finds the clients private (a few seconds).
for _ in $(seq 1 120); do
	[ "$(held)" = "$n" ] && break
	sleep 1
done
sleep 5
after="$(rss_kib $relay_pid)"
count="$(held)"
echo "relay RSS: ${before} KiB with no reservation, ${after} KiB with ${count} reservations"
echo "per reservation (connection, noise, yamux, identify, kad, reservation): $(((after - before) / (count > 0 ? count : 1))) KiB"
