#!/bin/sh
# Port-set NAT on the host kernel (issue 4): our nftables table applied by
# netlink/nft.c (through tests/tools/nft_tool) in a CE namespace between a
# LAN and an "Internet" namespace; a veth stands in for the tunnel.
#
#   v6t-nft-lan            v6t-nft-ce                      v6t-nft-inet
#   lan0 198.51.100.2 --- lan0 198.51.100.1
#                          tun0 192.0.2.1 (shared IPv4) --- wan0 192.0.2.254
#                                                           lo 203.0.113.1, .10-.29
#
# Port set: offset 4, PSID length 8 (15 ranges x 16 ports = 240).
# NFT_TOOL=path runs another build of the tool (e.g. build-asan/...).
. "$(dirname "$0")/../lib/tap.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
T=${NFT_TOOL:-$top/build/tests/tools/nft_tool}
H=$top/tests/ns/portset_helper.py
LAN=v6t-nft-lan CE=v6t-nft-ce INET=v6t-nft-inet
PSID=0x34 PSID2=0x35 PSID3=0x36
SRC=192.0.2.1
plan() { echo "--ifname tun0 --src $SRC --offset 4 --psid-len 8 --psid $1 --ours $SRC/32 --mss 1420"; }
in_lan() { ip netns exec $LAN "$@"; }
in_ce() { ip netns exec $CE "$@"; }
in_inet() { ip netns exec $INET "$@"; }

if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP namespace tests need root"
	exit 0
fi
[ -x "$T" ] || { echo "not ok 1 - $T missing (make tests-bin)"; exit 1; }

tmp=$(mktemp -d /tmp/v6t-nft.XXXXXX)
monpid=
cleanup() {
	[ -n "$monpid" ] && kill "$monpid" 2>/dev/null
	for n in $LAN $CE $INET; do ip netns del $n 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
cleanup_ns() { for n in $LAN $CE $INET; do ip netns del $n 2>/dev/null; done; }
cleanup_ns

# wait_for FILE [TENTHS]: bounded wait for a file another process writes.
wait_for() {
	i=0
	while [ ! -e "$1" ] && [ $i -lt "${2:-100}" ]; do sleep 0.1; i=$((i + 1)); done
	[ -e "$1" ]
}

setup() {
	for n in $LAN $CE $INET; do ip netns add $n || return 1; done
	ip link add lan0 netns $LAN type veth peer name lan0 netns $CE || return 1
	ip link add tun0 netns $CE type veth peer name wan0 netns $INET || return 1
	in_lan ip addr add 198.51.100.2/24 dev lan0
	in_ce ip addr add 198.51.100.1/24 dev lan0
	in_ce ip addr add $SRC/24 dev tun0
	in_inet ip addr add 192.0.2.254/24 dev wan0
	in_inet ip addr add 203.0.113.1/32 dev lo
	for i in $(seq 10 29); do in_inet ip addr add 203.0.113.$i/32 dev lo; done
	for n in $LAN $CE $INET; do
		ip netns exec $n ip link set lo up
		for d in lan0 tun0 wan0; do ip netns exec $n ip link set $d up 2>/dev/null; done
	done
	in_lan ip route add default via 198.51.100.1
	in_ce ip route add default via 192.0.2.254
	in_ce sysctl -qw net.ipv4.ip_forward=1
	# The Internet side knows no route to the LAN: only NATed packets
	# get answers.
	in_ce nft -f - <<-EOF
	table ip foreign {
		chain c {
			type filter hook input priority 0; policy accept;
			ip saddr 203.0.113.99 accept
		}
	}
	EOF
}
ok "namespaces, veths and a foreign table" setup

in_port_set() { # PSID PORT...: every port in the set?
	p=$1; shift
	r=$(python3 "$H" ranges 4 8 "$p")
	for x in "$@"; do
		echo "$r" | awk -v x="$x" '$1 <= x && x <= $2 { f = 1 } END { exit !f }' || return 1
	done
}

before=$(in_ce nft list ruleset)
foreign=$(in_ce nft list table ip foreign)

# nft monitor sees every transaction; markers cut its output into steps.
in_ce nft monitor > "$tmp/mon" 2>&1 &
monpid=$!
mark=0
marker() {
	mark=$((mark + 1))
	in_ce nft add table ip v6t_marker$mark && in_ce nft delete table ip v6t_marker$mark
	i=0
	while ! grep -q "delete table ip v6t_marker$mark\$" "$tmp/mon" && [ $i -lt 50 ]; do
		sleep 0.1; i=$((i + 1))
	done
	grep -q "delete table ip v6t_marker$mark\$" "$tmp/mon"
}
# Monitor lines between marker N-1 and marker N.
since_marker() {
	# (the generation line right after a marker's delete is the marker's)
	awk -v a="^delete table ip v6t_marker$(($1 - 1))\$" \
	    -v b="^add table ip v6t_marker$1\$" '
		$0 ~ b { exit }
		on && skip && /^# new generation/ { skip = 0; next }
		on { skip = 0; print }
		$0 ~ a { on = 1; skip = 1 }' "$tmp/mon"
}
ok "nft monitor is live" marker

# --- first apply --------------------------------------------------------
out=$(in_ce "$T" apply $(plan $PSID) 2>&1)
like "$out" "^batches=1 msgs=[0-9]+" "apply: one batch"
j=$(in_ce nft -j list table ip v6mig)
is "$(echo "$j" | python3 "$H" check-json $SRC 4 8 $PSID)" "" \
	"nft -j: the port set, all 3 NAT maps (IP . lo-hi) and the ICMP id filter hold every range"
is "$(in_ce nft list table ip foreign)" "$foreign" "foreign table untouched by apply"
in_ce nft list table ip v6mig > "$tmp/listing.nft"
ok "nft reads its own listing of our table back (nft -c -f)" in_ce nft -c -f "$tmp/listing.nft"

# --- 250 TCP connections to one server:port -> exactly 240 -------------
in_inet python3 "$H" tcp-server 203.0.113.1 8080 "$tmp/tcp.json" "$tmp/tcp.ready" &
srv=$!
wait_for "$tmp/tcp.ready"
n=$(in_lan python3 "$H" tcp-client 203.0.113.1 8080 250 6 "$tmp/tcp.json")
wait $srv
ports=$(python3 -c 'import json,sys; print(" ".join(map(str, json.load(open(sys.argv[1]))["ports"])))' "$tmp/tcp.json")
is "$n" 240 "TCP: 240 of 250 concurrent connections established (15 x 16)"
is "$(echo $ports | wc -w)" 240 "TCP: the server accepted 240"
is "$(echo $ports | tr ' ' '\n' | sort -u | wc -l)" 240 "TCP: 240 distinct source ports"
ok "TCP: every source port the server saw is in the set" in_port_set $PSID $ports
echo "# tcp: $n of 250 connected; server saw $(echo $ports | wc -w) ports"

# --- UDP: one LAN socket, 20 destinations -> one external port ---------
dsts=$(seq -f '203.0.113.%g' 10 29)
in_inet python3 "$H" udp-server 9999 "$tmp/udp.json" "$tmp/udp.ready" $dsts &
srv=$!
wait_for "$tmp/udp.ready"
in_lan python3 "$H" udp-client 9999 $dsts
wait $srv
reached=$(python3 -c 'import json,sys; print(sum(1 for v in json.load(open(sys.argv[1])).values() if v))' "$tmp/udp.json")
uports=$(python3 -c 'import json,sys; print(" ".join(sorted({str(p) for v in json.load(open(sys.argv[1])).values() for p in v})))' "$tmp/udp.json")
is "$reached" 20 "UDP: all 20 destinations reached"
is "$(echo $uports | wc -w)" 1 "UDP: one external port towards every destination (RFC 4787 REQ-1)"
ok "UDP: that port is in the set" in_port_set $PSID $uports
echo "# udp: 20 destinations saw port(s) $uports"

# --- ICMP echo: the identifier is NATed into the set -------------------
in_inet python3 "$H" icmp-listen "$tmp/icmp.json" "$tmp/icmp.ready" 15 $SRC &
srv=$!
wait_for "$tmp/icmp.ready"
pings=0
for i in 1 2 3; do in_lan ping -n -q -c 1 -W 2 203.0.113.1 > /dev/null && pings=$((pings + 1)); done
touch "$tmp/icmp.json.stop"
wait $srv
ids=$(python3 -c 'import json,sys; print(" ".join(map(str, json.load(open(sys.argv[1]))["ids"])))' "$tmp/icmp.json")
is "$pings" 3 "ICMP: 3 pings answered (the reply's id is mapped back)"
is "$(echo $ids | wc -w)" 3 "ICMP: the Internet side saw 3 echo requests"
ok "ICMP: every echo id it saw is in the set (nat proto range applies to ICMP ids)" \
	in_port_set $PSID $ids
ct=$(in_ce conntrack -L -p icmp 2>/dev/null | grep -c "dst=203.0.113.1 ")
ok "ICMP: conntrack holds the mapped echo flows" test "$ct" -ge 1
echo "# icmp ids at the far end: $ids"

# --- receive filters: what a BR would never send us is dropped --------
inport=$(python3 "$H" ranges 4 8 $PSID | awk 'NR == 3 { print $1 + 5 }')
in_ce python3 "$H" udp-server $inport "$tmp/rin.json" "$tmp/rin.ready" $SRC &
s1=$!
in_ce python3 "$H" udp-server 5000 "$tmp/rout.json" "$tmp/rout.ready" $SRC &
s2=$!
in_lan python3 "$H" udp-server 7000 "$tmp/rlan.json" "$tmp/rlan.ready" 198.51.100.2 &
s3=$!
wait_for "$tmp/rin.ready" && wait_for "$tmp/rout.ready" && wait_for "$tmp/rlan.ready"
# An Internet host that routes the LAN's addresses at our tunnel.
in_inet ip route add 198.51.100.0/24 via $SRC
in_inet python3 "$H" udp-client $inport $SRC
in_inet python3 "$H" udp-client 5000 $SRC
in_inet python3 "$H" udp-client 7000 198.51.100.2
wait_for "$tmp/rin.json" 30
touch "$tmp/rout.json.stop" "$tmp/rlan.json.stop"
wait $s1 $s2 $s3
got() { python3 -c 'import json,sys; print(sum(len(v) for v in json.load(open(sys.argv[1])).values()))' "$1"; }
is "$(got "$tmp/rin.json")" 3 "rx filter: UDP to a port in the set reaches the CE"
is "$(got "$tmp/rout.json")" 0 "rx filter: UDP to port 5000 (outside the set) dropped"
is "$(got "$tmp/rlan.json")" 0 "rx filter: inner destination that is not ours (a LAN address) dropped"
in_inet ip route del 198.51.100.0/24 via $SRC

# --- same plan again: nothing written ---------------------------------
marker
out=$(in_ce "$T" apply $(plan $PSID) 2>&1)
like "$out" "^batches=0 msgs=0 " "same plan twice: the counter says zero writes"
marker
is "$(since_marker $mark)" "" "same plan twice: nft monitor saw no event"

# --- a changed plan replaces atomically --------------------------------
out=$(in_ce "$T" apply $(plan $PSID2) 2>&1)
like "$out" "^batches=1 " "changed PSID: one batch"
marker
is "$(since_marker $mark | grep -c '^# new generation')" 1 "changed PSID: one transaction (one generation)"
is "$(in_ce nft -j list table ip v6mig | python3 "$H" check-json $SRC 4 8 $PSID2)" "" \
	"changed PSID: every range of the new set, none of the old"
is "$(in_ce nft list table ip foreign)" "$foreign" "foreign table untouched by replace"

# --- a batch the kernel refuses leaves the previous table --------------
prev=$(in_ce "$T" read)
out=$(in_ce "$T" apply $(plan $PSID3) --bogus 2>&1)
rc=$?
is "$rc" 1 "refused batch: apply fails"
like "$out" "kernel refused add rule to chain x+: .*Attribute failed policy validation" \
	"refused batch: the error carries the kernel's extended-ACK text"
is "$(in_ce "$T" read)" "$prev" "refused batch: the previous table is intact"
marker
is "$(since_marker $mark | grep -c '^# new generation')" 0 "refused batch: no transaction committed"

# --- DS-Lite shape: only what is enabled ------------------------------
out=$(in_ce "$T" apply $(plan $PSID2) --no-nat 2>&1)
like "$out" "^batches=1 " "filter only: one batch"
ok "filter only: no NAT chain" sh -c "! ip netns exec $CE nft list chain ip v6mig nat_out"
ok "filter only: receive filter present" in_ce nft list chain ip v6mig rx_filter
out=$(in_ce "$T" apply $(plan $PSID2) --no-nat --no-filter 2>&1)
like "$out" "^batches=1 " "DS-Lite: the MSS clamp alone is one batch"
is "$(in_ce nft -j list table ip v6mig | python3 -c 'import json,sys; print(sorted(o["chain"]["name"] for o in json.load(sys.stdin)["nftables"] if "chain" in o))')" \
	"['clamp_mss']" "DS-Lite: the table holds the clamp alone"
out=$(in_ce "$T" apply $(plan $PSID2) --no-nat --no-filter --mss 0 2>&1)
like "$out" "^batches=1 msgs=2 " "nothing enabled: our table deleted"
ok "nothing enabled: no table" sh -c "! ip netns exec $CE nft list table ip v6mig"

# --- remove -----------------------------------------------------------
in_ce "$T" apply $(plan $PSID) > /dev/null
out=$(in_ce "$T" remove 2>&1)
like "$out" "^batches=1 msgs=2 " "remove: one batch"
is "$(in_ce nft list ruleset)" "$before" "remove: nft list ruleset exactly as before"
out=$(in_ce "$T" remove 2>&1)
like "$out" "^batches=0 " "remove when absent: no write"
is "$(in_ce nft list table ip foreign)" "$foreign" "foreign table untouched by remove"

done_testing
