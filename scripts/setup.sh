#!/usr/bin/env bash
# Installs what a fresh machine needs to build and test ddns, and nothing more.
# Idempotent: every step checks before it acts.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[setup] %s\n' "$*"; }

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

apt_missing=()
command -v protoc >/dev/null 2>&1 || apt_missing+=(protobuf-compiler)
# DNS clients and the reference servers/load tools of the DNS face's tests and benchmarks.
command -v dig >/dev/null 2>&1 || apt_missing+=(dnsutils)
command -v kdig >/dev/null 2>&1 || apt_missing+=(knot-dnsutils)
[ -x /usr/sbin/nsd ] || apt_missing+=(nsd)
command -v dnsperf >/dev/null 2>&1 || apt_missing+=(dnsperf)
# The NAT tests (tests/nat.test.js, scripts/netns.sh): namespaces, NAT, and a UPnP router.
command -v ip >/dev/null 2>&1 || apt_missing+=(iproute2)
command -v nft >/dev/null 2>&1 || apt_missing+=(nftables)
[ -x /usr/sbin/miniupnpd ] || apt_missing+=(miniupnpd-nftables)
# The web app's browser tests (tests/app.test.js) drive Debian's Chromium headless.
[ -x /usr/bin/chromium ] || apt_missing+=(chromium)
if [ "${#apt_missing[@]}" -gt 0 ]; then
	log "installing Debian packages: ${apt_missing[*]}"
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${apt_missing[@]}" >/dev/null
fi

if ! rustup target list --installed | grep -qx wasm32v1-none; then
	log "adding the wasm32v1-none target"
	rustup target add wasm32v1-none
fi
if ! rustup component list --installed | grep -q '^rust-src'; then
	log "adding rust-src"
	rustup component add rust-src
fi

# The npm packages (polkadot.js, Vite, puppeteer-core) serve app/, tests/, examples/ and scripts/
# alike, so they live at the root.
if [ -f package.json ]; then
	if [ ! -f node_modules/.stamp ] || [ package.json -nt node_modules/.stamp ] ||
		{ [ -f package-lock.json ] && [ package-lock.json -nt node_modules/.stamp ]; }; then
		log "installing npm packages (polkadot.js) for tests, examples and scripts"
		# `npm ci` installs exactly what package-lock.json pins (the npm side of `cargo --locked`).
		if [ -f package-lock.json ]; then npm_cmd=ci; else npm_cmd=install; fi
		npm "$npm_cmd" --no-audit --no-fund --loglevel=error && touch node_modules/.stamp
	fi
fi
log "ready"
