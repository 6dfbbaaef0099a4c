#!/usr/bin/env bash
# A small internet in network namespaces, for the NAT tests (tests/nat.test.js). Needs root,
# iproute2 and nftables; nothing leaves the machine (no namespace has a route out).
#
#   scripts/netns.sh up      make it (after taking down what an earlier run left)
#   scripts/netns.sh down    take it down
#
# The "internet" is the bridge ddnsbr0 in the root namespace, 11.0.0.0/24, a globally routed
# range (so that libp2p's AutoNAT treats it as public) that is never routed here. The root
# namespace sits on it at 11.0.0.1 and routes to the home LANs through their routers, so that
# a test can reach every daemon's HTTP and DNS faces; the hosts themselves cannot.
#
#   ddns-seed   11.0.0.2    public: ddns-node (RPC :9944) and a seed daemon
#   ddns-relay  11.0.0.3    public: a relay daemon
#   ddns-r1     11.0.0.11   router of home 1, cone NAT (masquerade; Linux keeps the source
#   ddns-h1     192.168.1.2   port, so the mapping is endpoint-independent)
#   ddns-r2     11.0.0.12   router of home 2, cone NAT
#   ddns-h2     192.168.2.2
#   ddns-r3     11.0.0.13   router of home 3, symmetric NAT (masquerade random: a new port
#   ddns-h3     192.168.3.2   for every destination)
#   ddns-r4     11.0.0.14   router of home 4, symmetric NAT with a UPnP IGD (miniupnpd)
#   ddns-h4     192.168.4.2
set -euo pipefail

NAMESPACES=(ddns-seed ddns-relay ddns-r1 ddns-h1 ddns-r2 ddns-h2 ddns-r3 ddns-h3 ddns-r4 ddns-h4)
BRIDGE=ddnsbr0

down() {
	if [ -f /run/ddns-miniupnpd.pid ]; then
		kill "$(cat /run/ddns-miniupnpd.pid)" 2>/dev/null || true
		rm -f /run/ddns-miniupnpd.pid
	fi
	for ns in "${NAMESPACES[@]}"; do
		if ip netns pids "$ns" >/dev/null 2>&1; then
			for pid in $(ip netns pids "$ns"); do kill -9 "$pid" 2>/dev/null || true; done
			# A namespace (and its veth) lives on until its last process is gone.
			for _ in $(seq 1 50); do
				[ -z "$(ip netns pids "$ns" 2>/dev/null)" ] && break
				sleep 0.1
			done
		fi
		ip netns del "$ns" 2>/dev/null || true
		ip link del "dv-${ns#ddns-}" 2>/dev/null || true
	done
	ip link del "$BRIDGE" 2>/dev/null || true
	for n in 1 2 3 4; do ip route del "192.168.$n.0/24" 2>/dev/null || true; done
}

in_ns() { ip netns exec "$1" "${@:2}"; }

# host NS IP: a namespace with eth0 on the bridge.
public_host() {
	local ns="$1" ip="$2" veth="dv-${1#ddns-}"
	ip netns add "$ns"
	in_ns "$ns" ip link set lo up
	ip link add "$veth" type veth peer name eth0 netns "$ns"
	ip link set "$veth" master "$BRIDGE" up
	in_ns "$ns" ip addr add "$ip/24" dev eth0
	in_ns "$ns" ip link set eth0 up
}

# home N WAN_IP cone|symmetric: router ddns-rN on the bridge, host ddns-hN behind it.
home() {
	local n="$1" wan="$2" nat="$3" router="ddns-r$1" host="ddns-h$1"
	public_host "$router" "$wan"
	ip netns add "$host"
	in_ns "$host" ip link set lo up
	ip link add "dl-r$n" netns "$router" type veth peer name eth0 netns "$host"
	in_ns "$router" ip link set "dl-r$n" name lan0
	in_ns "$router" ip addr add "192.168.$n.1/24" dev lan0
	in_ns "$router" ip link set lan0 up
	in_ns "$host" ip addr add "192.168.$n.2/24" dev eth0
	in_ns "$host" ip link set eth0 up
	in_ns "$host" ip route add default via "192.168.$n.1"
	in_ns "$router" sysctl -qw net.ipv4.ip_forward=1
	local flags=""
	[ "$nat" = symmetric ] && flags=" random"
	# Like a home router: what the LAN sends out is masqueraded; nothing unsolicited comes in
	# (dropped before conntrack confirms it, so a peer's early hole-punch packet does not hold
	# the port the LAN host's own packet needs), except from the test's vantage point.
	in_ns "$router" nft -f - <<-EOF
		table ip nat {
			chain postrouting {
				type nat hook postrouting priority srcnat; policy accept;
				oifname "eth0" masquerade$flags
			}
		}
		table inet fw {
			chain input {
				type filter hook input priority 0; policy drop;
				ct state established,related accept
				iifname { "lo", "lan0" } accept
			}
			chain forward {
				type filter hook forward priority 0; policy drop;
				ct state established,related accept
				iifname "lan0" accept
				ip saddr 11.0.0.1 accept
				ct status dnat accept
			}
		}
	EOF
	# The test's vantage point reaches the home's faces through its router.
	ip route add "192.168.$n.0/24" via "$wan" dev "$BRIDGE"
}

# miniupnpd on router 4: an IGD that maps ports on the WAN address for hosts of home 4.
upnp_router() {
	local conf=/run/ddns-miniupnpd.conf
	# The chains miniupnpd fills (its nftables build wants them in one `inet` table).
	in_ns ddns-r4 nft -f - <<-'EOF'
		table inet miniupnpd {
			chain miniupnpd {
			}
			chain forward {
				type filter hook forward priority 0; policy accept;
				jump miniupnpd
			}
			chain prerouting_miniupnpd {
			}
			chain prerouting {
				type nat hook prerouting priority dstnat; policy accept;
				jump prerouting_miniupnpd
			}
			chain postrouting_miniupnpd {
			}
			chain postrouting {
				type nat hook postrouting priority srcnat; policy accept;
				jump postrouting_miniupnpd
			}
		}
	EOF
	cat >"$conf" <<-EOF
		ext_ifname=eth0
		listening_ip=lan0
		port=5000
		enable_natpmp=no
		enable_upnp=yes
		secure_mode=yes
		system_uptime=yes
		notify_interval=30
		clean_ruleset_interval=600
		uuid=3b2f0f9c-5f5e-4b1c-9a58-0d6d2d5e0a01
		upnp_table_name=miniupnpd
		upnp_nat_table_name=miniupnpd
		upnp_forward_chain=miniupnpd
		upnp_nat_chain=prerouting_miniupnpd
		upnp_nat_postrouting_chain=postrouting_miniupnpd
		allow 1024-65535 192.168.4.0/24 1024-65535
		deny 0-65535 0.0.0.0/0 0-65535
	EOF
	in_ns ddns-r4 ip route add 239.0.0.0/8 dev lan0 2>/dev/null || true
	in_ns ddns-r4 /usr/sbin/miniupnpd -f "$conf" -P /run/ddns-miniupnpd.pid
}

up() {
	down
	ip link add "$BRIDGE" type bridge
	ip addr add 11.0.0.1/24 dev "$BRIDGE"
	ip link set "$BRIDGE" up
	public_host ddns-seed 11.0.0.2
	public_host ddns-relay 11.0.0.3
	home 1 11.0.0.11 cone
	home 2 11.0.0.12 cone
	home 3 11.0.0.13 symmetric
	home 4 11.0.0.14 symmetric
	in_ns ddns-h4 ip route add 239.0.0.0/8 dev eth0 2>/dev/null || true
	if [ -x /usr/sbin/miniupnpd ]; then upnp_router; fi
}

case "${1:-}" in
	up) up ;;
	down) down ;;
	*)
		echo "usage: $0 up|down" >&2
		exit 2
		;;
esac
