#!/usr/bin/env bash
# Starts a ddns-resolver beside a zombienet node. zombienet's `run` copies this script into the
# node's directory and runs it there:
#   <node>: run ./resolver.sh with "<node>,<dns>,<http>,<p2p>[,<tag>[,<flag>...]]"
# The daemon follows that node's RPC; the seed's daemon is the others' bootnode. It keeps running
# after this script returns; scripts/zombienet.sh stops it (<tag>.pid). <tag> (default
# `resolver`) names its key, log and pid files, so one node may have several daemons beside it
# (a prober, a relay); the flags after it are passed on (`--probe`, `--relay`, ...).
set -euo pipefail
node="$1" dns="$2" http="$3" p2p="$4" tag="${5:-resolver}"
shift $(($# < 5 ? $# : 5))
bin="${DDNS_RESOLVER_BIN:?DDNS_RESOLVER_BIN is not set}"
net="$(cd .. && pwd)"

# The node's RPC address, from the network description zombienet wrote.
ws="$(node -e 'const n = require(process.argv[1]).nodesByName[process.argv[2]]; console.log(n.wsUri)' \
	"$net/zombie.json" "$node")"

args=(--chain-rpc "$ws" --key-file "./$tag.key"
	--listen "/ip4/127.0.0.1/tcp/$p2p" --http "127.0.0.1:$http" --dns "127.0.0.1:$dns"
	--allow-private-addrs --no-upnp "$@")
if [ "$node" = seed ] && [ "$tag" = resolver ]; then
	peer="$("$bin" --print-key --key-file "./$tag.key" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).peerId))')"
	echo "/ip4/127.0.0.1/tcp/$p2p/p2p/$peer" >"$net/seed-resolver.addr"
elif [ -f "$net/seed-resolver.addr" ]; then
	args+=(--bootnode "$(cat "$net/seed-resolver.addr")")
fi

nohup "$bin" "${args[@]}" >"$tag.log" 2>&1 &
echo $! >"$tag.pid"

for _ in $(seq 1 100); do
	if curl -fsS "http://127.0.0.1:$http/health" >/dev/null 2>&1; then
		exit 0
	fi
	sleep 0.3
done
echo "ddns-resolver beside $node did not become healthy:" >&2
tail -20 "$tag.log" >&2
exit 1
