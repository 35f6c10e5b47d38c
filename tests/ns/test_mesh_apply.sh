#!/bin/sh
# SPDX-License-Identifier: MIT
# MAP-E mesh through the agent (issue 13): map_e.mesh 1 brought up by the
# daemon (CE1: `run --from`, fixed mode) and by `apply` (CE2), on this
# kernel (no ip6tnl: the programs encapsulate). The lab of mesh_lab.sh: a
# router, a BR (the mesh program in BR mode, mesh_ctl) with an "internet"
# host behind it, CE3 by mesh_ctl sharing 192.0.2.20 with CE2. The offer
# has 256 rules: the lab's 192.0.2.0/24 (EA 16, offset 6, RFC 7597 IID) in
# the middle (rule 128), 255 /32 rules of 203.0.113.0/24 around it.
# Namespaces v6t-mapply-*; every wait bounded. Root.
. "$(dirname "$0")/../lib/tap.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
A=${AGENT:-$top/build/v6mig-agent}
C=${MESH_CTL:-$top/build/tests/tools/mesh_ctl}
PY=/usr/bin/python3 PEER=$top/tests/ns/mesh_peer.py
n=v6t-mapply
TCPN=${MESH_TCP_BYTES:-4000000} # tests/vm/cases/test_mesh.sh: less under TCG
. "$top/tests/ns/mesh_lab.sh"

if [ "$(id -u)" != 0 ]; then echo "1..0 # SKIP needs root"; exit 0; fi
if ! "$A" --version | grep -q ',mesh)'; then echo "1..0 # SKIP this build or kernel has no mesh"; exit 0; fi
D=$(mktemp -d /tmp/v6t-mapply.XXXXXX)
DPID=
stop_daemon() { [ -n "$DPID" ] && kill "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null; DPID=; }
trap 'stop_daemon; [ -n "$KEEP" ] || { lab_cleanup; rm -rf "$D"; }' EXIT
trap 'exit 1' INT TERM
lab_cleanup

# offer RULE128_EA [MESH]: 256 rules, the lab's in the middle
offer() {
	"$PY" - "$1" "${2:-1}" <<'EOF'
import json, sys
ea128, mesh = int(sys.argv[1]), int(sys.argv[2])
rules = [{"ipv6": "2001:db8:3:%x00::/56" % i, "ipv4": "203.0.113.%d/32" % i,
          "ea_length": 8, "psid_offset": 6} for i in range(255)]
rules.insert(128, {"ipv6": "2001:db8:1000::/40", "ipv4": "192.0.2.0/24",
                   "ea_length": 16, "psid_offset": 6})
rules[0]["ea_length"] = ea128  # the one rule a refresh changes
print(json.dumps({"ttl": 3600, "order": ["map_e"], "map_e": {
    "version": 1, "mesh": mesh, "br": "2001:db8:ffff::1", "rules": rules}}))
EOF
}
offer 8 > "$D/o.json" && offer 6 > "$D/o2.json" && offer 8 0 > "$D/hub.json"
is "$(jget 'len(j["map_e"]["rules"])' < "$D/o.json")" 256 "the offer has 256 rules"

if ! { lab_core && ce_wan 1 192.0.2.10 33 && ce_wan 2 192.0.2.20 52 &&
       ce 3 192.0.2.20 53 "--fmr $RULE"; }; then
	echo "not ok - namespace setup"; done_testing; exit 1
fi
CE1_6=$(mapaddr 192.0.2.10 33) CE2_6=$(mapaddr 192.0.2.20 52)
P2=$(port 52 5) P3=$(port 53 5)
brstats() { sx $br "$C" stats wan | tr " " "\n" | grep -v "_pass=" | tr "\n" " "; }
inset() { [ "$2" -ge 1024 ] && [ $(( ($2 >> 2) & 255 )) = "$1" ]; } # PSID PORT
ap2() { sx $n-2 "$A" apply --from "$1" --wan wan --prefix "$(eupof 192.0.2.20 52)" --run-dir "$D/r2"; }
st1() { sx $n-1 "$A" status --json --run-dir "$D/r1"; }

# ---- CE2 by apply: 256 rules, timed ----------------------------------------
t0=$(date +%s%N)
out=$(ap2 "$D/o.json" 2>&1); rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
is "$rc" 0 "apply (CE2, 256 rules, mesh 1): exit 0"
echo "# apply with 256 FMRs: $ms ms ($out)"
ok "... within ${MESH_APPLY_MS_MAX:-5000} ms" test "$ms" -lt "${MESH_APPLY_MS_MAX:-5000}"
like "$(ip -n $n-2 -d link show v6mig0)" "veth.*" "CE2: the mesh device v6mig0 is a veth"
like "$(ip -n $n-2 link show v6mig0)" "mtu 1460 .*NOARP|NOARP.*mtu 1460" "... ARP off, MTU = WAN 1500 - 40"
like "$(tc -n $n-2 filter show dev wan ingress)" "mesh_in.*direct-action" "CE2: mesh_in on the WAN's ingress"
like "$(tc -n $n-2 filter show dev v6mig0 egress)" "mesh_out.*direct-action" "CE2: mesh_out on v6mig0's egress"
like "$(ip -n $n-2 route show default)" "default dev v6mig0 proto 233 .*mtu 1460" "CE2: the IPv4 default route into v6mig0"
like "$(ip -n $n-2 -6 addr show dev wan)" "$CE2_6/128" "CE2: its MAP address on the WAN"
like "$(ip netns exec $n-2 nft list table ip v6mig)" 'oifname "v6mig0" .*snat ip to' "CE2: NAT44 into the port set, out of v6mig0"
like "$(jget 'j.get("mesh_wan")' < "$D/r2/owned.json")" "^wan$" "CE2: the ownership record names the WAN the mesh filter is on"
is "$(ap2 "$D/o.json")" "apply: map_e: 0 writes (the kernel held the plan)" "CE2: the same 256 rules again: zero writes"

# the FMR trie as the kernel holds it: first, middle (ours), last rule
# (maps are not per namespace: the one of the program on CE2's WAN)
pid2=$(tc -n $n-2 -j filter show dev wan ingress | jget '[f["options"]["prog"]["id"] for f in j if "options" in f][0]')
fmr_id=$(bpftool -j map show | jget "[m['id'] for m in j if m.get('name') == 'mesh_fmr' and m['id'] in $(bpftool -j prog show id "$pid2" | jget 'j["map_ids"]')][0]")
look() { sx $n-2 bpftool map lookup id "$fmr_id" key hex $1 >/dev/null 2>&1; }
nolook() { ! look "$@"; }
ok "trie: 203.0.113.0 (rule 0) is found" look "20 00 00 00 cb 00 71 00"
ok "trie: 192.0.2.77 (rule 128, the middle) is found" look "20 00 00 00 c0 00 02 4d"
ok "trie: 203.0.113.254 (rule 255, the last) is found" look "20 00 00 00 cb 00 71 fe"
ok "trie: 203.0.113.255 (no rule) is not" nolook "20 00 00 00 cb 00 71 ff"

# ---- CE1 by the daemon ---------------------------------------------------------
# not through sx(): a function's subshell would not pass SIGTERM on
ip netns exec $n-1 "$A" run --wan wan --from "$D/o.json" --prefix "$(eupof 192.0.2.10 33)" \
	--run-dir "$D/r1" --state-dir "$D/s1" --log-level debug > "$D/d1.log" 2>&1 &
DPID=$!
i=0
while [ $i -lt 100 ] && [ "$(st1 | jget 'j["state"]' 2>/dev/null)" != configured ]; do sleep 0.1; i=$((i + 1)); done
is "$(st1 | jget 'j["state"]')" configured "CE1: the daemon configured map_e from the file"
is "$(st1 | jget '(j["mesh"]["wan"], j["mesh"]["dev"], j["mesh"]["fmrs"])')" "('wan', 'v6mig0', 256)" \
	"CE1: status --json has a mesh object (wan, device, 256 rules)"
is "$(st1 | jget '(j["tunnel"], j["remote"], j["mtu"])')" "('v6mig0', '2001:db8:ffff::1', 1460)" \
	"CE1: status: the device, the BR as the remote, MTU 1460"

# ---- CE1 -> CE2 direct -----------------------------------------------------------
b0=$(brstats)
sx $n-2 "$PY" "$PEER" recv "$P2" wan 4 > "$D/r2.out" & rp=$!
sleep 0.5
sx $n-1 "$PY" "$PEER" send 192.0.2.10 0 192.0.2.20 "$P2"
wait $rp
got=$(cat "$D/r2.out")
like "$got" "^from=192.0.2.10:[0-9]+ outer=$CE1_6\$" "CE1 -> CE2's port: arrives at CE2 from CE1's MAP address"
sp=${got#from=192.0.2.10:}; sp=${sp%% *}
ok "... its source port $sp is in CE1's set (NAT44 by the daemon)" inset 33 "$sp"
is "$(brstats)" "$b0" "... the BR's counters did not move"

# ---- CE1 -> CE3 (CE2's IPv4, CE3's port): direct to CE3 -------------------------
sx $n-3 "$PY" "$PEER" recv "$P3" wan 4 > "$D/r3.out" & rp=$!
sleep 0.5
sx $n-1 "$PY" "$PEER" send 192.0.2.10 0 192.0.2.20 "$P3"
wait $rp
like "$(cat "$D/r3.out")" "^from=192.0.2.10:[0-9]+ outer=$CE1_6\$" "CE1 -> 192.0.2.20 at CE3's port: CE3, direct"

# ---- CE2 -> the internet via the BR, and back -----------------------------------
sx $inet "$PY" "$PEER" echo 7 6 & rp=$!
sleep 0.5
like "$(sx $n-2 "$PY" "$PEER" ask 192.0.2.20 0 198.51.100.2 7)" "^from=198.51.100.2:7 echo:ping" \
	"CE2 -> 198.51.100.2 (no rule): through the BR, and the answer back"
wait $rp
b=$(brstats)
like "$b" "in_peer=1( |$)" "... the BR took it from CE2 (spoof-checked)"
like "$b" "out_direct=1( |$)" "... and sent the answer to CE2 by the FMR"

# ---- a forged source, dropped and counted at CE1 (the daemon's) -----------------
mac_isp=$(ip -n $isp -j link show i2 | jget 'j[0]["address"]')
mac_ce2=$(ip -n $n-2 -j link show wan | jget 'j[0]["address"]')
P1=$(port 33 9)
sx $n-1 "$PY" "$PEER" recv "$P1" wan 3 > "$D/r1.out" & rp=$!
sleep 0.5
sx $n-2 "$PY" "$PEER" forge "$mac_ce2" "$mac_isp" wan "$CE2_6" "$CE1_6" \
	192.0.2.20 "$(port 60 6)" 192.0.2.10 "$P1"
wait $rp
is "$(cat "$D/r1.out")" "none" "a packet forged from CE2's address with a port outside its set: not delivered"
kill -USR2 "$DPID" # a status write: status.json and the metrics
i=0
while [ $i -lt 50 ] && ! grep -q 'v6mig_mesh_packets_total{direction="in",reason="drop_spoof"} 1' "$D/r1/metrics.prom" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
like "$(cat "$D/r1/metrics.prom")" 'v6mig_mesh_packets_total\{direction="in",reason="drop_spoof"\} 1' "... counted: metrics.prom v6mig_mesh_packets_total{direction=in,reason=drop_spoof} 1 (SIGUSR2: a status write)"
is "$(st1 | jget 'j["mesh"]["counters"]["drop_spoof"]')" 1 "... and in CE1's status --json (mesh.counters.drop_spoof)"
is "$(st1 | jget 'j["mesh"]["counters"]["out_direct"]')" 2 "... beside CE1's two packets out direct (to CE2, to CE3)"

# ---- bulk TCP CE1 -> CE2: direct, the BR relays none of it ----------------------
b1=$(brstats)
sx $n-2 "$PY" "$PEER" tcp-serve "$P2" 10 > "$D/t2.out" & rp=$!
sleep 0.5
sent=$(sx $n-1 "$PY" "$PEER" tcp-send 192.0.2.10 0 192.0.2.20 "$P2" "$TCPN")
wait $rp
is "$(cat "$D/t2.out")" "bytes=$TCPN sha=${sent#sha=}" "TCP CE1 -> CE2, $TCPN bytes: every byte, same hash"
is "$(brstats)" "$b1" "... none of it through the BR"

# ---- one rule changed: one map update, no flap ----------------------------------
id0=$(tc -n $n-2 -j filter show dev wan ingress | jget '[f["options"]["prog"]["id"] for f in j if "options" in f][0]')
is "$(ap2 "$D/o2.json")" "apply: map_e: 1 writes" "CE2: rule 0 changed (EA 8 -> 6): one write (one map update)"
is "$(tc -n $n-2 -j filter show dev wan ingress | jget '[f["options"]["prog"]["id"] for f in j if "options" in f][0]')" "$id0" \
	"... the same program stays attached (no flap)"
sx $n-2 "$PY" "$PEER" recv "$P2" wan 4 > "$D/r2.out" & rp=$!
sleep 0.5
sx $n-1 "$PY" "$PEER" send 192.0.2.10 0 192.0.2.20 "$P2"
wait $rp
like "$(cat "$D/r2.out")" "^from=192.0.2.10:[0-9]+ outer=$CE1_6\$" "... CE1 -> CE2 still direct"

# ---- mesh 0: hub-and-spoke as before (an ip6tnl; this kernel has none) ---------
out=$(ap2 "$D/hub.json" 2>&1); rc=$?
if ip -n $n-2 link add v6t0 type ip6tnl mode ipip6 local 2001:db8::1 remote 2001:db8::2 2>/dev/null; then
	ip -n $n-2 link del v6t0
	is "$rc" 0 "CE2: mesh 0: hub-and-spoke ($out)"
	like "$(ip -n $n-2 -d link show v6mig0)" "ip6tnl ip6ip|ip6tnl ipip6" "... the ip6tnl v6mig0 in place of the veth"
	like "$(ip -n $n-2 -d link show v6mig0)" "remote 2001:db8:ffff::1 local $CE2_6" "... from CE2's MAP address to the BR"
	is "$(tc -n $n-2 filter show dev wan ingress)" "" "... and no mesh filter left on the WAN"
	is "$(ap2 "$D/hub.json")" "apply: map_e: 0 writes (the kernel held the plan)" "... again: zero writes"
else
	is "$rc" 1 "CE2: mesh 0 wants the ip6tnl in place of the veth: this kernel has none, refused (the VM runs it)"
	like "$out" "every change undone" "... $out"
	like "$(ip -n $n-2 -d link show v6mig0)" "veth" "... the veth is back"
	like "$(tc -n $n-2 filter show dev wan ingress)" "mesh_in" "... with mesh_in still on the WAN"
fi
like "$(ap2 "$D/o2.json")" "^apply: map_e: [1-9][0-9]* writes" "CE2: mesh again: the device's program attached anew"
sx $n-2 "$PY" "$PEER" recv "$P2" wan 4 > "$D/r2.out" & rp=$!
sleep 0.5
sx $n-1 "$PY" "$PEER" send 192.0.2.10 0 192.0.2.20 "$P2"
wait $rp
like "$(cat "$D/r2.out")" "^from=192.0.2.10:[0-9]+ outer=$CE1_6\$" "... CE1 -> CE2 direct again"

# ---- down -----------------------------------------------------------------------
like "$(sx $n-2 "$A" down --run-dir "$D/r2")" "^down: [0-9]+ writes" "CE2: down"
is "$(tc -n $n-2 filter show dev wan ingress; ip -n $n-2 link show v6mig0 2>/dev/null; ip -n $n-2 route show proto 233; ip netns exec $n-2 nft list tables)" "" \
	"CE2: down leaves no filter, device, route or table"
ok "CE2: ... and no record" test ! -e "$D/r2/owned.json"
ok "CE2: ... nor its MAP address" sh -c "! ip -n $n-2 -6 addr show dev wan | grep -q '$CE2_6'"
stop_daemon
is "$(tc -n $n-1 filter show dev wan ingress; ip -n $n-1 link show v6mig0 2>/dev/null)" "" "CE1: SIGTERM: the daemon leaves nothing"
done_testing
