#!/usr/bin/env bash
# Runs the zombienet suite (zombienet/ddns-local.zndsl) with the native provider: 4 validators,
# a seed and Eve (who joins as a validator), resolver daemons beside three of them. Binaries come
# from our own release build; nothing is downloaded. Set DDNS_ZOMBIENET_SKIP_BUILD=1 to use the
# binaries as they are (scripts/test.sh builds them first).
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ddns/target}"
if [ -z "${DDNS_ZOMBIENET_SKIP_BUILD:-}" ]; then
	bash scripts/setup.sh
	bash scripts/build.sh
fi
DDNS_NODE_BIN="$(realpath "${DDNS_NODE_BIN:-$CARGO_TARGET_DIR/release/ddns-node}")"
DDNS_RESOLVER_BIN="$(realpath "${DDNS_RESOLVER_BIN:-$CARGO_TARGET_DIR/release/ddns-resolver}")"
DDNS_VERIFY_BIN="$(realpath "${DDNS_VERIFY_BIN:-$CARGO_TARGET_DIR/release/ddns-verify}")"
export DDNS_NODE_BIN DDNS_RESOLVER_BIN DDNS_VERIFY_BIN

work="$(mktemp -d "${TMPDIR:-/tmp}/ddns-zombienet.XXXXXX")"
net="$work/network"
export DDNS_CHAIN_SPEC="$work/local-raw.json"
# The `local_testnet` preset with the operators' rounds shortened for a test: rounds of 4 blocks,
# eras of 2 rounds (48 s), so the operators journey sees five eras close in about five minutes.
"$DDNS_NODE_BIN" build-spec --chain local --disable-default-bootnode >"$work/local.json" 2>/dev/null
node -e '
const fs = require("fs");
const spec = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
const params = spec.genesis.runtimeGenesis.patch.operators.params;
Object.assign(params, { roundLength: 4, roundsPerEra: 2 });
fs.writeFileSync(process.argv[1], JSON.stringify(spec));
' "$work/local.json"
"$DDNS_NODE_BIN" build-spec --chain "$work/local.json" --raw --disable-default-bootnode >"$DDNS_CHAIN_SPEC" 2>/dev/null

stop_daemons() {
	for pid in "$net"/*/resolver.pid "$net"/*/probe.pid "$net"/*/relay.pid; do
		[ -f "$pid" ] && kill "$(cat "$pid")" 2>/dev/null || true
	done
	# zombienet kill -9's its nodes when it ends; make sure none outlives a crash of it.
	pkill -9 -f -- "--base-path $net/" 2>/dev/null || true
}
trap stop_daemons EXIT

echo "zombienet: network and logs in $net"
cd zombienet
rc=0
npx --no-install zombienet -p native -l text -d "$net" -f test ddns-local.zndsl || rc=$?
if [ "$rc" -ne 0 ]; then
	echo "zombienet: $rc test(s) failed; node logs: $net/logs/ (or $net/<node>.log), daemon logs: $net/<node>/{resolver,probe,relay}.log" >&2
	exit 1
fi
# Passed: the six node databases are not worth keeping (DDNS_E2E_KEEP=1 keeps them).
stop_daemons
[ "${DDNS_E2E_KEEP:-}" = 1 ] || rm -rf "$work"
