#!/bin/bash
# mesh.sh show -- with LAB_MESH=1 (lab.sh): what map_e.mesh 1 does between
# CE 1 and CE 2, both run by the agent. One UDP datagram from LAN 1's host
# to CE 2's IPv4 (received by a listener in CE 2 itself), and before/after:
# the BR's tunnel counters towards both CEs (they must not move: the packet
# goes CE 1 -> CE 2 directly, RFC 7597 5) and the agents' mesh counters
# (`status --json` mesh.counters: out_direct at CE 1, in_peer at CE 2).
# Exit 1 when the datagram did not arrive directly.
set -u
. "$(dirname "$0")/lib.sh"
[ "${1:-}" = show ] || { sed -n '2,8p' "$0" >&2; exit 2; }
L=$LAB_SCRIPTS
PORT=5000

st() { "$L/agent.sh" status --ce "$1" | "$PY" -c "import json,sys; j=json.load(sys.stdin); print($2)"; }
brpk() { # the BR's rx+tx packets on its tunnels to CE 1 and CE 2
	local t s=0
	for t in tce1 tce2; do
		s=$((s + $(ip -n "$(ns br)" -s -j link show "$t" | "$PY" -c \
			'import json,sys; s=json.load(sys.stdin)[0]["stats64"]; print(s["rx"]["packets"] + s["tx"]["packets"])')))
	done
	echo "$s"
}

v4_1=$(st 1 'j["ipv4"]') v4_2=$(st 2 'j["ipv4"]')
echo
echo "== Mesh (RFC 7597 5, map_e.mesh 1): CE 1 $v4_1, CE 2 $v4_2, one rule as the FMR"
echo "CE 1: $(st 1 '"%s %s, %s FMR(s), the BR %s" % (j["mesh"]["dev"], j["ce_ipv6"], j["mesh"]["fmrs"], j["mesh"]["br"])')"
echo "CE 2: $(st 2 '"%s %s" % (j["mesh"]["dev"], j["ce_ipv6"])')"
b0=$(brpk)
o0=$(st 1 'j["mesh"]["counters"]["out_direct"]') i0=$(st 2 'j["mesh"]["counters"]["in_peer"]')
ip netns exec "$(ce_ns 2)" "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", int(sys.argv[1])))
s.settimeout(5)
try:
    d, a = s.recvfrom(2048)
    print("%s:%d said %r" % (a[0], a[1], d.decode()))
except socket.timeout:
    print("nothing")' "$PORT" >"$LAB_DIR/mesh.out" &
rp=$!
sleep 0.5
nsx lan "$PY" -c 'import socket, sys
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"hello CE 2", (sys.argv[1], int(sys.argv[2])))' "$v4_2" "$PORT"
wait "$rp"
got=$(cat "$LAB_DIR/mesh.out")
b1=$(brpk)
o1=$(st 1 'j["mesh"]["counters"]["out_direct"]') i1=$(st 2 'j["mesh"]["counters"]["in_peer"]')
echo "LAN 1 $LAN_HOST4 -> $v4_2:$PORT: CE 2 heard from $got"
echo "  CE 1 mesh out_direct: $o0 -> $o1; CE 2 mesh in_peer: $i0 -> $i1"
echo "  the BR's tunnels to CE 1 and CE 2, packets: $b0 -> $b1"
if [ "$got" = nothing ] || [ "$b0" != "$b1" ] || [ "$o1" -le "$o0" ] || [ "$i1" -le "$i0" ]; then
	echo "  NOT direct"
	exit 1
fi
echo "  direct: the BR saw none of it"
