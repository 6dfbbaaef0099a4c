#!/usr/bin/env bash
# What a proof bundle costs: its size, and the time ddns-verify takes to check it, for the
# bundles in verify/tests/fixtures (a name, a subdomain, an absent name, from a dev chain).
# Prints a table. Uses the release build of scripts/test.sh or scripts/dev.sh (no rebuild).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ddns/target}"
bin="${DDNS_VERIFY_BIN:-$CARGO_TARGET_DIR/release/ddns-verify}"
[ -x "$bin" ] || bash scripts/build.sh
fixtures=verify/tests/fixtures
runs="${RUNS:-2000}"

printf '%-12s %-26s %10s %12s %14s %16s\n' bundle name "JSON B" "proof B" "proof nodes" "µs per verify"
for kind in name subdomain absent; do
	file="$fixtures/$kind.json"
	read -r name proof_bytes nodes now < <(node -e '
		const b = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
		const bytes = b.proof.reduce((n, h) => n + (h.length - 2) / 2, 0);
		console.log(b.name, bytes, b.proof.length, 0);
	' "$file")
	# Freshness is checked against the bundle'\''s own time, read from a first verification.
	ts="$("$bin" --state "$fixtures/trust.json" check "$file" "$name" --max-age 99999999999 | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).timestamp))')"
	micros="$("$bin" --state "$fixtures/trust.json" check "$file" "$name" --now-ms "$ts" --repeat "$runs" 2>&1 >/dev/null | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).microsPerVerify))')"
	printf '%-12s %-26s %10s %12s %14s %16s\n' "$kind" "$name" "$(wc -c <"$file")" "$proof_bytes" "$nodes" "$micros"
done
