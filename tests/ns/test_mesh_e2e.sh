#!/bin/sh
# SPDX-License-Identifier: MIT
# MAP-E mesh (issue 13) end to end on this kernel, no ip6tnl: three CEs and
# a BR behind one IPv6 router, each with the mesh programs attached by the
# loader (tests/tools/mesh_ctl -> netlink/mesh.c). CE2 and CE3 share
# 192.0.2.20 with PSIDs 0x34 and 0x35; CE1 is 192.0.2.10 PSID 0x21; one
# rule 192.0.2.0/24 -> 2001:db8:1000::/40, EA 16, offset 6 (RFC 7597 IID).
# The BR is the same eBPF program in BR mode (--br-mode: any IPv4 source
# out by the FMRs, CEs in spoof-checked and forwarded); behind it an
# "internet" host 198.51.100.2. MAP addresses come from `v6mig-agent calc`.
# Namespaces v6t-mesh-*; every wait bounded. Root.
. "$(dirname "$0")/../lib/tap.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
A=${AGENT:-$top/build/v6mig-agent}
C=${MESH_CTL:-$top/build/tests/tools/mesh_ctl}
PY=/usr/bin/python3 PEER=$top/tests/ns/mesh_peer.py
n=v6t-mesh
. "$top/tests/ns/mesh_lab.sh"

if [ "$(id -u)" != 0 ]; then echo "1..0 # SKIP needs root"; exit 0; fi
trap lab_cleanup EXIT
trap 'exit 1' INT TERM
lab_cleanup

if ! lab_setup "--fmr $RULE" "--fmr $RULE"; then echo "not ok 1 - namespace setup"; echo "1..1"; exit 1; fi

CE1_6=$(mapaddr 192.0.2.10 33)
S1=$(port 33 3) S1b=$(port 33 4) P2=$(port 52 5) P3=$(port 53 5)
# the BR's counters of mesh traffic (its own NDP is in_pass/out_pass)
brstats() { sx $br "$C" stats wan | tr " " "\n" | grep -v "_pass=" | tr "\n" " "; }

# ---- the loader ------------------------------------------------------------
is "$(sx $n-1 "$C" apply wan m0 --v4 192.0.2.10 --local6 "$CE1_6" --br $BR6 \
	--psid 6/8/33 --version 1 --fmr $RULE)" "attached=0 cfg=0 added=0 deleted=0" \
	"the same spec again on CE1: zero writes, nothing reattached"
like "$(tc -n $n-1 filter show dev wan ingress)" "mesh_in.*direct-action" "CE1: mesh_in on the WAN's ingress"
like "$(tc -n $n-1 filter show dev m0 egress)" "mesh_out.*direct-action" "CE1: mesh_out on the mesh device's egress"

# ---- CE1 -> CE2 direct ---------------------------------------------------------
b0=$(brstats)
sx $n-2 "$PY" "$PEER" recv "$P2" wan 4 > /tmp/$n.r2 & rp=$!
sleep 0.5
sx $n-1 "$PY" "$PEER" send 192.0.2.10 "$S1" 192.0.2.20 "$P2"
wait $rp
is "$(cat /tmp/$n.r2)" "from=192.0.2.10:$S1 outer=$CE1_6" \
	"CE1 -> 192.0.2.20:$P2 (CE2's set): arrives at CE2 from CE1's MAP address"
is "$(brstats)" "$b0" "... and the BR's counters did not move"
like "$(sx $n-2 "$C" stats wan)" "in_peer=1( |$)" "CE2 counted one packet in from a peer"
like "$(sx $n-1 "$C" stats wan)" "out_direct=1( |$)" "CE1 counted one packet out direct"

# ---- CE1 -> CE3: same IPv4, the other PSID -----------------------------------
sx $n-3 "$PY" "$PEER" recv "$P3" wan 4 > /tmp/$n.r3 & rp=$!
sx $n-2 "$PY" "$PEER" recv "$P3" wan 4 > /tmp/$n.r2 & rq=$!
sleep 0.5
sx $n-1 "$PY" "$PEER" send 192.0.2.10 "$S1" 192.0.2.20 "$P3"
wait $rp; wait $rq
is "$(cat /tmp/$n.r3)" "from=192.0.2.10:$S1 outer=$CE1_6" \
	"CE1 -> 192.0.2.20:$P3 (CE3's set): arrives at CE3, direct"
is "$(cat /tmp/$n.r2)" "none" "... and not at CE2, which holds the same IPv4"
is "$(brstats)" "$b0" "... the BR's counters still unchanged"

# ---- CE1 -> the internet: via the BR, and the answer back ---------------------
sx $inet "$PY" "$PEER" echo 7 6 & rp=$!
sleep 0.5
is "$(sx $n-1 "$PY" "$PEER" ask 192.0.2.10 "$S1b" 198.51.100.2 7)" "from=198.51.100.2:7 echo:ping" \
	"CE1 -> 198.51.100.2 (no rule): through the BR, and the answer back through it"
wait $rp
b1=$(brstats)
like "$b1" "in_peer=1( |$)" "the BR decapsulated one packet from a CE (spoof-checked)"
like "$b1" "out_direct=1( |$)" "the BR sent the answer to CE1 by the FMR"
like "$(sx $n-1 "$C" stats wan)" "out_br=1 .*in_br=1( |$)" "CE1: one out to the BR, one in from it"

# ---- a forged source outside the sender's set --------------------------------
mac_isp=$(ip -n $isp -j link show i1 | jget 'j[0]["address"]')
mac_ce1=$(ip -n $n-1 -j link show wan | jget 'j[0]["address"]')
forged=$(port 34 6) # PSID 0x22: not CE1's
sx $n-2 "$PY" "$PEER" recv "$P2" wan 3 > /tmp/$n.r2 & rp=$!
sleep 0.5
sx $n-1 "$PY" "$PEER" forge "$mac_ce1" "$mac_isp" wan "$CE1_6" "$(mapaddr 192.0.2.20 52)" \
	192.0.2.10 "$forged" 192.0.2.20 "$P2"
wait $rp
is "$(cat /tmp/$n.r2)" "none" "a packet forged from CE1's address with a port outside its set: not delivered"
like "$(sx $n-2 "$C" stats wan)" "drop_spoof=1( |$)" "... dropped at CE2 and counted (drop_spoof)"

# ---- TCP CE1 -> CE2 direct (GSO, checksums through the encapsulation) ---------
sx $n-2 "$PY" "$PEER" tcp-serve "$P2" 10 > /tmp/$n.t2 & rp=$!
sleep 0.5
sent=$(sx $n-1 "$PY" "$PEER" tcp-send 192.0.2.10 "$(port 33 7)" 192.0.2.20 "$P2" 4000000)
wait $rp
is "$(cat /tmp/$n.t2)" "bytes=4000000 sha=${sent#sha=}" "TCP CE1 -> CE2, 4 MB direct: every byte, same hash"
is "$(brstats)" "$b1" "... none of it through the BR"

# ---- down ----------------------------------------------------------------------
ok "remove on CE1" sx $n-1 "$C" remove wan m0
is "$(tc -n $n-1 filter show dev wan ingress; tc -n $n-1 filter show dev m0 egress)" "" \
	"down leaves no filter of ours"
ok "remove again: nothing to do, no error" sx $n-1 "$C" remove wan m0
rm -f /tmp/$n.r2 /tmp/$n.r3 /tmp/$n.t2
done_testing
