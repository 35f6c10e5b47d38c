#!/bin/sh
# The CLAT translator's throughput on this machine, one run, one veth
# topology: a CE namespace sends to a server namespace, four ways:
#   ipv4     plain IPv4 192.0.2.2 -> 203.0.113.1 over the same veth, no
#            translation: the ceiling
#   ipv6     native IPv6 straight to the server (for reference)
#   ebpf     IPv4 192.0.0.1 -> our tc programs (attached by the loader)
#   tayga    IPv4 192.0.0.1 -> TAYGA as the CLAT (a TUN in user space)
# Per way: one TCP stream (iperf3, Gbit/s received) and one UDP stream of
# 64-byte payloads at full speed (bench/udp_flood.c, sendmmsg: packets/s
# received by a socket in the server namespace). The sender is the CE itself (local
# output, not forwarding from a LAN). The server holds
# 2001:db8:64::cb00:7101, the RFC 6052 /96 form of 203.0.113.1, so no PLAT
# is in the path. Figures, not pass/fail; on a shared 2-core machine they
# move by 10-20 % between runs.
# Usage: bench/run-xlat.sh [BUILD_DIR]   (root; iperf3 and tayga)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
O=${1:-$top/build}
T=$O/tests/tools/xlat_run
F=$O/bench/udp_flood
CE=v6b-xl-ce SRV=v6b-xl-srv
SPEC="--mode clat --v4 192.0.0.1 --local6 2001:db8:1::c1a7 --pref 2001:db8:64::/96"
SECS=${XLAT_BENCH_SECS:-5}

if [ "$(id -u)" != 0 ] || ! command -v iperf3 >/dev/null || ! command -v tayga >/dev/null ||
	[ ! -x "$T" ] || [ ! -x "$F" ]; then
	echo "xlat bench: skipped (needs root, iperf3, tayga, $T and $F)"
	exit 0
fi
tmp=$(mktemp -d)
tpid='' spid=''
cleanup() {
	for p in $tpid $spid; do kill "$p" 2>/dev/null; done
	ip netns del $CE 2>/dev/null
	ip netns del $SRV 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
in_ce() { ip netns exec $CE "$@"; }
in_srv() { ip netns exec $SRV "$@"; }

ip netns add $CE && ip netns add $SRV || exit 1
in_ce ip link set lo up
in_srv ip link set lo up
ip link add wan0 netns $CE type veth peer name wan1 netns $SRV
in_ce ip link set wan0 up
in_srv ip link set wan1 up
in_ce ip addr add 2001:db8:1::2/64 dev wan0 nodad
in_srv ip addr add 2001:db8:1::1/64 dev wan1 nodad
in_srv ip addr add 2001:db8:64::cb00:7101/128 dev lo
in_ce ip -6 route add 2001:db8:64::/96 via 2001:db8:1::1 dev wan0
in_srv iperf3 -s -D -I "$tmp/iperf.pid" >/dev/null 2>&1
for _ in $(seq 50); do [ -s "$tmp/iperf.pid" ] && break; sleep 0.1; done
spid=$(cat "$tmp/iperf.pid" 2>/dev/null)

# Gbit/s of one TCP run: iperf3 -J's received rate.
rate() {
	in_ce iperf3 -c "$1" -t "$SECS" -J 2>/dev/null | /usr/bin/python3 -c '
import json, sys
try:
    print("%.2f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e9))
except Exception:
    print("failed")'
}

# Packets/s the server received of one UDP run: 64-byte payloads as fast
# as one socket sends them (bench/udp_flood.c; iperf3 3.12's UDP start
# handshake fails here).
pps() {
	rm -f "$tmp/recv"
	ip netns exec $SRV "$F" recv 9000 $((SECS + 5)) > "$tmp/recv" &
	rpid=$!
	for _ in $(seq 50); do [ -s "$tmp/recv" ] && break; sleep 0.1; done
	in_ce "$F" send "$1" 9000 "$SECS" 64 >/dev/null
	wait $rpid
	tail -1 "$tmp/recv" | awk 'NF == 3 && $1 > 0 { print $3; exit } { print "failed" }'
}

# way TARGET: one row of the table
way() {
	sleep 1  # the iperf3 server takes one test at a time
	r=$(rate "$2")
	sleep 1
	printf '| %-6s | %10s | %14s |\n' "$1" "$r" "$(pps "$2")"
}

echo "| way    | TCP Gbit/s | UDP 64 B pkt/s |"
echo "| ---    | ---:       | ---:           |"
# plain IPv4 on the same veth: the ceiling
in_ce ip addr add 192.0.2.2/24 dev wan0
in_srv ip addr add 192.0.2.1/24 dev wan1
in_srv ip addr add 203.0.113.1/32 dev lo
in_ce ip route add 203.0.113.1/32 via 192.0.2.1 dev wan0
way ipv4 203.0.113.1
in_ce ip route del 203.0.113.1/32 via 192.0.2.1 dev wan0
in_ce ip addr del 192.0.2.2/24 dev wan0
in_srv ip addr del 203.0.113.1/32 dev lo
way ipv6 2001:db8:64::cb00:7101

# ours: the device, addresses and routes of tests/ns/test_xlat_e2e.sh
in_ce ip link add xlat0 type veth peer name xlat1
for l in xlat0 xlat1; do in_ce ip link set $l arp off mtu 1472 up; done
in_ce ip addr add 2001:db8:1::c1a7/128 dev wan0 nodad
in_ce ip addr add 192.0.0.1/32 dev xlat0
in_ce ip route add default dev xlat0 src 192.0.0.1
# shellcheck disable=SC2086 # SPEC: words on purpose
echo "apply wan0 xlat0" | in_ce "$T" $SPEC >/dev/null
way ebpf 203.0.113.1
# shellcheck disable=SC2086
echo "remove wan0 xlat0" | in_ce "$T" $SPEC >/dev/null
in_ce ip link del xlat0
in_ce ip addr del 2001:db8:1::c1a7/128 dev wan0

# TAYGA as the CLAT: an RFC 7757 EAM 192.0.0.1 <-> the CLAT address; the
# server reaches that address through the CE, which routes it into the TUN
in_ce sysctl -qw net.ipv6.conf.all.forwarding=1
mkdir -p "$tmp/tayga"
printf 'tun-device clat\nipv4-addr 192.0.0.2\nprefix 2001:db8:64::/96\nmap 192.0.0.1 2001:db8:1::c1a7\ndata-dir %s\n' \
	"$tmp/tayga" > "$tmp/tayga.conf"
in_ce tayga -c "$tmp/tayga.conf" --mktun >/dev/null
in_ce ip link set clat up mtu 1480
in_ce ip addr add 192.0.0.1/32 dev clat
in_ce ip route add default dev clat src 192.0.0.1
in_ce ip -6 route add 2001:db8:1::c1a7/128 dev clat
mac=$(in_ce cat /sys/class/net/wan0/address)
in_srv ip -6 neigh replace 2001:db8:1::c1a7 lladdr "$mac" dev wan1
ip netns exec $CE tayga -c "$tmp/tayga.conf" -d > "$tmp/tayga.log" 2>&1 &
tpid=$!
sleep 0.5
way tayga 203.0.113.1
