#!/bin/sh
# The lab's network end to end (issue 5, "The lab"), with the CE brought up
# BY HAND (scripts/lab/ce-manual.sh: test scaffolding, not the agent):
# for each method lan reaches inet over TCP, UDP and ping, and inet sees
# the CE's IPv4 and a source port / ICMP id inside its port set; 250
# connections through a 240-port set give exactly 240; two CEs sharing one
# IPv4 with different PSIDs work at the same time (MAP-E and lw4o6); the
# BR dropped nothing as spoofed; topo down leaves nothing behind.
# Runs in the VM (kernel ip6tnl, LAB_TUNNEL=kernel by default); on a kernel
# without ip6_tunnel LAB_TUNNEL=user runs it over tun6.py.
top=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$top" || exit 1
. tests/lib/tap.sh
export LAB_PREFIX=v6t-lab-
export LAB_DIR=/run/v6t-lab
export LAB_TUNNEL="${LAB_TUNNEL:-kernel}"
L=scripts/lab
PY=/usr/bin/python3
INET4=203.0.113.10
trap '$L/topo.sh down >/dev/null 2>&1' EXIT INT TERM

lan() { n=$1; shift; if [ "$n" = 1 ]; then ip netns exec ${LAB_PREFIX}lan "$@"; else ip netns exec ${LAB_PREFIX}lan$n "$@"; fi; }
fact() { (. "$LAB_DIR/ce/$1" && eval "echo \$$2"); }   # fact CE KEY
# in_set PORT "lo-hi lo-hi ...": inside one of the ranges
in_set() {
	for r in $2; do
		[ "$1" -ge "${r%-*}" ] && [ "$1" -le "${r#*-}" ] && return 0
	done
	return 1
}
# check_seen NAME CE WANT_IP "IP:PORT" -- the address and port inet saw
check_seen() {
	got_ip=${4%:*} got_port=${4##*:}
	is "$got_ip" "$3" "$1: inet sees $3"
	ports=$(fact "$2" PORTS)
	if [ -n "$ports" ]; then
		ok "$1: source port $got_port in the CE's port set" in_set "$got_port" "$ports"
	fi
}
# last_icmp CE_IP: "IP:ID" of the last echo request inet noted from CE_IP
last_icmp() {
	grep '"proto": "icmp"' "$LAB_DIR/inet/seen.log" | grep "\"src\": \"$1\"" | tail -1 |
		$PY -c 'import json,sys; j=json.loads(sys.stdin.read() or "{}"); print("%s:%s" % (j.get("src"), j.get("sport")))'
}
outside() { # outside FILE "lo-hi ...": seen ports of a tcp-many result outside the set
	$PY -c 'import json,sys
r=[tuple(map(int,x.split("-"))) for x in sys.argv[1].split()]
j=json.load(open(sys.argv[2]))
print(sum(1 for s in j["seen"] if not any(lo<=int(s.split(":")[1])<=hi for lo,hi in r)))' "$2" "$1"
}
traffic() { # traffic NAME CE WANT_IP DPORT: TCP, UDP and ping from lanCE
	t=$(lan "$2" $PY $L/client.py tcp "$INET4" "$4" --timeout 5)
	like "$t" "^you are " "$1: TCP answer ($t)"
	check_seen "$1 tcp" "$2" "$3" "${t#you are }"
	u=$(lan "$2" $PY $L/client.py udp "$INET4" "$4" --timeout 5)
	like "$u" "^you are " "$1: UDP answer ($u)"
	check_seen "$1 udp" "$2" "$3" "${u#you are }"
	ok "$1: ping" lan "$2" ping -c 2 -W 2 -q "$INET4"
	check_seen "$1 icmp" "$2" "$3" "$(last_icmp "$3")"
}
offer() { # offer NAME CE: the offer file CE n uses
	if [ "$2" != 1 ] && [ -f "$L/offers/$1-ce$2.json" ]; then echo "$L/offers/$1-ce$2.json"; else echo "$L/offers/$1.json"; fi
}
both_up() { # both_up OFFER-NAME CE: BR side then CE side
	$L/br.sh add "$2" "$(offer "$1" "$2")" && $L/ce-manual.sh "$1" --ce "$2"
}
both_down() { $L/br.sh del "$1"; $L/ce-manual.sh down --ce "$1"; }

t0=$(date +%s)
ok "topo up (2 CEs)" env LAB_CES=2 $L/topo.sh up
echo "# tunnels: $(cat "$LAB_DIR/tunnel-mode" 2>/dev/null), up in $(( $(date +%s) - t0 )) s"
is "$(ip netns list | grep -c "^$LAB_PREFIX")" 8 "8 namespaces (isp prov br inet, 2 x ce + lan)"

# ---- each method, CE 1 -----------------------------------------------------
for m in map_e-v1 map_e-v0 dslite lw4o6 ipip; do
	if ! ok "$m: BR and manual CE up" both_up "$m" 1; then continue; fi
	want=$(fact 1 IPV4)
	[ "$m" = dslite ] && want=198.51.100.1 # the AFTR's NAT44 address
	traffic "$m" 1 "$want" 7000
	both_down 1
done

# Hand-computed anchors, so BR and CE cannot agree on a wrong answer.
# RFC 7597 5.2: 2001:db8:4002:3100::/56 under 2001:db8:4000::/44, EA 12 =
# IPv4 suffix 0x2 (198.51.100.16/28 -> .18) and PSID 0x31; offset 4: the
# first range is 1<<12 | 0x31<<4 = 4880..4895.
both_up map_e-v1 1 >/dev/null 2>&1
is "$(fact 1 IPV4) $(fact 1 PSID) $(fact 1 PORTS | cut -d' ' -f1)" "198.51.100.18 49 4880-4895" "map_e CE 1: IPv4, PSID 0x31, first range"
is "$(fact 1 CE6)" "2001:db8:4002:3100:0:c633:6412:31" "map_e v1 CE address (RFC 7597 6: 16-bit IPv4 . PSID IID)"
is "$(. "$LAB_DIR/br/1.env" && echo "$CE6")" "$(fact 1 CE6)" "BR (delegated /56) and CE (SLAAC address) agree on the CE address"

# ---- the whole port set ----------------------------------------------------
# 250 at once to one server:port through 240 ports: exactly 240 connect.
lan 1 $PY $L/client.py tcp-many 203.0.113.11 7001 250 --timeout 8 >"$LAB_DIR/many250"
is "$(jget 'j["ok"]' <"$LAB_DIR/many250")" 240 "250 connections through a 240-port set: 240 succeed"
is "$(jget 'len(set(s.split(":")[1] for s in j["seen"]))' <"$LAB_DIR/many250")" 240 "... on 240 distinct source ports"
is "$(outside "$LAB_DIR/many250" "$(fact 1 PORTS)")" 0 "... every one inside the set"

# ---- two CEs, one IPv4, different PSIDs, at the same time --------------------
for m in map_e-v1 lw4o6; do
	both_down 1 >/dev/null 2>&1
	ok "$m shared: CE 1 up" both_up "$m" 1
	ok "$m shared: CE 2 up" both_up "$m" 2
	is "$(fact 2 IPV4)" "$(fact 1 IPV4)" "$m shared: one IPv4 ($(fact 1 IPV4))"
	isnt_psid=$([ "$(fact 1 PSID)" != "$(fact 2 PSID)" ] && echo differ)
	is "$isnt_psid" differ "$m shared: PSIDs $(fact 1 PSID) and $(fact 2 PSID)"
	# Both at once: 20 connections each, concurrently.
	lan 1 $PY $L/client.py tcp-many "$INET4" 7002 20 --timeout 8 >"$LAB_DIR/many1" &
	p1=$!
	lan 2 $PY $L/client.py tcp-many "$INET4" 7002 20 --timeout 8 >"$LAB_DIR/many2" &
	p2=$!
	wait $p1; wait $p2
	for c in 1 2; do
		is "$(jget 'j["ok"]' <"$LAB_DIR/many$c")" 20 "$m shared: CE $c: 20 of 20 concurrent connections"
		is "$(jget 'sorted(set(s.split(":")[0] for s in j["seen"]))' <"$LAB_DIR/many$c")" "[\"$(fact 1 IPV4)\"]" "$m shared: CE $c seen as the shared IPv4"
		is "$(outside "$LAB_DIR/many$c" "$(fact $c PORTS)")" 0 "$m shared: CE $c ports all in its own set"
	done
	traffic "$m shared CE 1" 1 "$(fact 1 IPV4)" 7003
	traffic "$m shared CE 2" 2 "$(fact 2 IPV4)" 7003
	both_down 1; both_down 2
done

is "$(ip netns exec ${LAB_PREFIX}br nft list counter ip labbr spoofed | grep -o 'packets [0-9]*')" "packets 0" "BR: nothing dropped as spoofed"

# ---- teardown ----------------------------------------------------------------
pids=$(cat "$LAB_DIR"/pid/* 2>/dev/null)
ok "topo down" $L/topo.sh down
left=""; for p in $pids; do [ -d "/proc/$p" ] && ! grep -q '^State:.*Z' "/proc/$p/status" && left="$left $p"; done
is "$left" "" "no lab process left ($(echo $pids | wc -w) were running)"
is "$(ip netns list | grep -c "^$LAB_PREFIX")" 0 "no namespace left"
ok "no state left" test ! -e "$LAB_DIR"
echo "# total $(( $(date +%s) - t0 )) s"
done_testing
