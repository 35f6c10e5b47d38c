#!/bin/sh
# MAP-E mesh (issue 13) on Debian's 6.1 kernel, short (TCG is slow): two
# CEs brought up by `v6mig-agent apply` with map_e.mesh 1 in the lab of
# tests/ns/mesh_lab.sh (a router, the BR as the mesh program in BR mode),
# one UDP datagram CE 1 -> CE 2 straight from CE 1's MAP address (the BR's
# counters unchanged), CE 2 switched to hub-and-spoke (map_e.mesh 0: here
# the kernel has ip6tnl, so the veth is replaced by the ip6tnl) and back,
# then down on both: nothing left. 6.1 has no BPF_F_ADJ_ROOM_DECAP_L3_IPV4:
# decapsulation takes the change_proto + adjust_room path. The whole
# namespace test (256 rules, the daemon) is tests/ns/test_mesh_apply.sh.
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../../lib/tap.sh"
top=$(cd "$(dirname "$0")/../../.." && pwd)
A=${1:-$top/build/v6mig-agent}
case $A in /*) ;; *) A=$top/$A ;; esac
C=$top/build/tests/tools/mesh_ctl
PY=/usr/bin/python3 PEER=$top/tests/ns/mesh_peer.py
n=v6t-vmesh
. "$top/tests/ns/mesh_lab.sh"
D=$(mktemp -d)
trap 'lab_cleanup; rm -rf "$D"' EXIT
trap 'exit 1' INT TERM
lab_cleanup

offer() { # MESH
	cat <<-EOF
	{"ttl": 3600, "order": ["map_e"], "map_e": {"version": 1, "mesh": $1,
	 "br": "$BR6", "rules": [{"ipv6": "2001:db8:1000::/40", "ipv4": "192.0.2.0/24",
	 "ea_length": 16, "psid_offset": 6}]}}
	EOF
}
offer 1 > "$D/mesh.json" && offer 0 > "$D/hub.json"
ap() { # N V4 PSID OFFER
	sx $n-$1 "$A" apply --from "$4" --wan wan --prefix "$(eupof "$2" "$3")" --run-dir "$D/r$1"
}

if ! { lab_core && ce_wan 1 192.0.2.10 33 && ce_wan 2 192.0.2.20 52; }; then
	echo "not ok 1 - namespace setup"; echo "1..1"; exit 1
fi
like "$("$A" --version)" ",hubspoke,mesh\)" "this kernel loads the mesh programs: capability has mesh (R4)"
like "$(ap 1 192.0.2.10 33 "$D/mesh.json")" "^apply: map_e: [0-9]+ writes" "CE1: apply, mesh 1"
like "$(ap 2 192.0.2.20 52 "$D/mesh.json")" "^apply: map_e: [0-9]+ writes" "CE2: apply, mesh 1"
like "$(tc -n $n-2 filter show dev wan ingress)" "mesh_in" "CE2: mesh_in on the WAN"
is "$(ap 2 192.0.2.20 52 "$D/mesh.json")" "apply: map_e: 0 writes (the kernel held the plan)" "CE2: again: zero writes"

CE1_6=$(mapaddr 192.0.2.10 33) P2=$(port 52 5)
b0=$(sx $br "$C" stats wan | tr " " "\n" | grep -v "_pass=")
sx $n-2 "$PY" "$PEER" recv "$P2" wan 20 > "$D/r2.out" & rp=$!
sleep 2
sx $n-1 "$PY" "$PEER" send 192.0.2.10 0 192.0.2.20 "$P2"
wait $rp
like "$(cat "$D/r2.out")" "^from=192.0.2.10:[0-9]+ outer=$CE1_6\$" "CE1 -> CE2: direct, from CE1's MAP address (6.1 decapsulation)"
is "$(sx $br "$C" stats wan | tr " " "\n" | grep -v "_pass=")" "$b0" "... the BR's counters did not move"

like "$(ap 2 192.0.2.20 52 "$D/hub.json" 2>&1)" "^apply: map_e: [0-9]+ writes" "CE2: mesh 0: hub-and-spoke"
like "$(ip -n $n-2 -d link show v6mig0)" "ip6tnl" "... the ip6tnl v6mig0 in place of the veth"
is "$(tc -n $n-2 filter show dev wan ingress)" "" "... no mesh filter left"
like "$(ap 2 192.0.2.20 52 "$D/mesh.json")" "^apply: map_e: [0-9]+ writes" "CE2: mesh 1 again"
like "$(ip -n $n-2 -d link show v6mig0)" "veth" "... the veth back"

ok "CE1: down" sx $n-1 "$A" down --run-dir "$D/r1"
ok "CE2: down" sx $n-2 "$A" down --run-dir "$D/r2"
is "$(for c in 1 2; do tc -n $n-$c filter show dev wan ingress; ip -n $n-$c link show v6mig0 2>/dev/null
	ip -n $n-$c route show proto 233; ip netns exec $n-$c nft list tables; done)" "" \
	"down leaves no filter, device, route or table on either CE"
done_testing
