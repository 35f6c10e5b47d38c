#!/bin/sh
# SPDX-License-Identifier: MIT
# MAP-E mesh throughput on this machine: one TCP stream (iperf3) from CE1
# to CE2 in the mesh lab (tests/ns/mesh_lab.sh), two ways, same programs:
#   direct  CE1 holds the FMR: IPv4-in-IPv6 straight to CE2
#   via-br  CE1 and CE2 without FMRs (hub-and-spoke): to the BR, which
#           relays CE to CE (the same program in BR mode: outer header
#           rewritten towards the other CE, the inner packet untouched)
# CE1's NAPT44 into one range of its port set (nft snat) carries iperf3's
# two connections. Figures, not pass/fail; the BR's counters are printed.
# Usage: bench/run-mesh.sh [BUILD_DIR]   (root; iperf3)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
O=${1:-$top/build}
A=$O/v6mig-agent C=$O/tests/tools/mesh_ctl
n=v6b-mesh
SECS=${MESH_BENCH_SECS:-5}
. "$top/tests/ns/mesh_lab.sh"

if [ "$(id -u)" != 0 ] || ! command -v iperf3 >/dev/null || [ ! -x "$C" ]; then
	echo "mesh bench: skipped (needs root, iperf3 and $C)"
	exit 0
fi
spid='' tmp=$(mktemp)
cleanup() { [ -n "$spid" ] && kill "$spid" 2>/dev/null; lab_cleanup; rm -f "$tmp"; }
trap cleanup EXIT INT TERM

P2=$(port 52 5)
lo=$(port 33 3)
run() { # NAME CE1_FMRS CE2_FMRS
	lab_cleanup
	lab_setup "$2" "$3" >/dev/null || { echo "mesh bench: $1: lab setup failed"; return; }
	# NAPT44 into 4 ports of PSID 0x21 (RFC 7597 5.1, a = 6, k = 8)
	sx $n-1 nft -f - <<-NFT
	table ip v6b {
		chain post { type nat hook postrouting priority srcnat; oifname "m0" meta l4proto tcp snat to 192.0.2.10:$lo-$((lo + 3)); }
	}
	NFT
	sx $n-2 timeout $((SECS + 15)) iperf3 -s -1 -p "$P2" >/dev/null 2>&1 & spid=$!
	sleep 1
	r=$(sx $n-1 timeout $((SECS + 10)) iperf3 -c 192.0.2.20 -p "$P2" -t "$SECS" -J 2>"$tmp" |
		jget 'round(j["end"]["sum_received"]["bits_per_second"] / 1e9, 2)' 2>/dev/null)
	kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null; spid=''
	[ -n "$r" ] || sed 's/^/    /' "$tmp"
	printf '  %-8s %s Gbit/s   BR: %s\n' "$1" "${r:-failed}" "$(sx $br "$C" stats wan)"
}
. "$top/tests/lib/tap.sh" >/dev/null # jget
echo "mesh: TCP CE1 -> CE2, one stream, ${SECS} s"
run direct "--fmr $RULE" "--fmr $RULE"
run via-br "" ""
