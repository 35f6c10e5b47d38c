#!/bin/sh
# The lab's network end to end (issue 5, "The lab"), with the CE brought up
# BY HAND (scripts/lab/ce-manual.sh: test scaffolding, not the agent):
# for each method lan reaches inet over TCP, UDP and ping, and inet sees
# the CE's IPv4 and a source port / ICMP id inside its port set; 250
# connections through a 240-port set give exactly 240; two CEs sharing one
# IPv4 with different PSIDs work at the same time (MAP-E and lw4o6); the
# BR dropped nothing as spoofed; topo down leaves nothing behind.
# Runs in the VM (kernel ip6tnl: LAB_TUNNEL=kernel by default); on a kernel
# without ip6_tunnel, LAB_TUNNEL=user runs it over tun6.py.
# Written for a TCG VM where each exec costs a good part of a second: the
# checks use shell builtins, each probe is one process.
top=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$top" || exit 1
. tests/lib/tap.sh
export LAB_PREFIX=v6t-lab-
export LAB_DIR=/run/v6t-lab
export LAB_TUNNEL="${LAB_TUNNEL:-kernel}"
L=scripts/lab
PY=/usr/bin/python3
INET4=203.0.113.10
SEEN=$LAB_DIR/inet/seen.log
trap '$L/topo.sh down >/dev/null 2>&1' EXIT INT TERM

lan() { n=$1; shift; if [ "$n" = 1 ]; then ip netns exec ${LAB_PREFIX}lan "$@"; else ip netns exec ${LAB_PREFIX}lan$n "$@"; fi; }
# load N: CE n's facts (what ce-manual.sh computed) as C<n>_KEY variables
load() {
	while IFS= read -r kv; do
		[ -n "$kv" ] && eval "C$1_$kv"
	done <"$LAB_DIR/ce/$1"
}
fact() { eval "echo \"\$C$1_$2\""; }
# in_set PORT "lo-hi lo-hi ...": inside one of the ranges
in_set() {
	for r in $2; do
		[ "$1" -ge "${r%-*}" ] && [ "$1" -le "${r#*-}" ] && return 0
	done
	return 1
}
# jnum KEY JSON: a number from client.py's one-line JSON
jnum() { v=${2#*\"$1\": }; v=${v%%[,\}]*}; echo "$v"; }

# probe NAME CE WANT_IP DPORT: TCP, UDP and ICMP echo from lanCE to inet;
# inet must see WANT_IP and (with a port set) a port / id inside it.
probe() {
	out=$(lan "$2" $PY $L/client.py probe "$INET4" "$4" --seen "$SEEN" --timeout 6)
	ports=$(fact "$2" PORTS)
	for proto in tcp udp icmp; do
		line=$(printf '%s\n' "$out" | while read -r p rest; do [ "$p" = "$proto" ] && echo "$rest"; done)
		case $line in
		"" | FAIL*) is "$line" "$3:<port>" "$1 $proto: answered"; continue ;;
		esac
		is "${line%:*}" "$3" "$1 $proto: inet sees $3 (port/id ${line##*:})"
		[ -n "$ports" ] && ok "$1 $proto: ${line##*:} inside the port set" in_set "${line##*:}" "$ports"
	done
}
offer() { # offer NAME CE: the offer file CE n uses
	if [ "$2" != 1 ] && [ -f "$L/offers/$1-ce$2.json" ]; then echo "$L/offers/$1-ce$2.json"; else echo "$L/offers/$1.json"; fi
}
both_up() { # both_up OFFER-NAME CE: BR side, then CE side
	$L/br.sh add "$2" "$(offer "$1" "$2")" && $L/ce-manual.sh "$1" --ce "$2" && load "$2"
}
both_down() { $L/br.sh del "$1"; $L/ce-manual.sh down --ce "$1"; }

t0=$(date +%s)
env LAB_CES=2 LAB_VERBOSE=1 $L/topo.sh up 2>/tmp/v6t-lab-up.log
rc=$?
sed 's/^/# /' /tmp/v6t-lab-up.log
is "$rc" 0 "topo up (2 CEs)"
[ "$rc" = 0 ] || { echo "Bail out! no lab"; exit 1; }
echo "# tunnels: $(cat "$LAB_DIR/tunnel-mode"), topo up in $(($(date +%s) - t0)) s"
is "$(ip netns list | grep -c "^$LAB_PREFIX")" 8 "8 namespaces (isp prov br inet, 2 x ce + lan)"

# ---- each method, CE 1 -----------------------------------------------------
for m in map_e-v1 map_e-v0 dslite lw4o6 ipip; do
	t1=$(date +%s)
	ok "$m: BR and manual CE up" both_up "$m" 1 || continue
	want=$(fact 1 IPV4)
	[ "$m" = dslite ] && want=198.51.100.1 # the AFTR's NAT44 address
	probe "$m" 1 "$want" 7000
	both_down 1
	echo "# $m: $(($(date +%s) - t1)) s"
done

# Hand-computed anchors, so that BR and CE cannot agree on a wrong answer.
# RFC 7597 5.2: 2001:db8:4002:3100::/56 under 2001:db8:4000::/44, EA 12 =
# IPv4 suffix 0x2 (198.51.100.16/28 -> .18) and PSID 0x31; offset 4: the
# first range is 1<<12 | 0x31<<4 = 4880..4895.
ok "map_e-v1 CE 1 up again" both_up map_e-v1 1
ports=$(fact 1 PORTS)
is "$(fact 1 IPV4) $(fact 1 PSID) ${ports%% *}" "198.51.100.18 49 4880-4895" "map_e CE 1: IPv4, PSID 0x31, first range"
is "$(fact 1 CE6)" "2001:db8:4002:3100:0:c633:6412:31" "map_e v1 CE address (RFC 7597 6: IPv4 . PSID interface ID)"
is "$(. "$LAB_DIR/br/1.env" && echo "$CE6")" "$(fact 1 CE6)" "BR (from the delegated /56) and CE (from its SLAAC address) agree"

# ---- the whole port set ----------------------------------------------------
# 250 at once to one server:port through 240 ports: exactly 240 connect.
j=$(lan 1 $PY $L/client.py tcp-many 203.0.113.11 7001 250 --timeout 8 --ports "$ports")
is "$(jnum ok "$j")" 240 "250 connections through a 240-port set: 240 succeed"
is "$(jnum distinct "$j")" 240 "... from 240 distinct source ports"
is "$(jnum outside "$j")" 0 "... every one inside the set"

# ---- two CEs, one IPv4, different PSIDs, at the same time --------------------
for m in map_e-v1 lw4o6; do
	both_down 1 >/dev/null 2>&1
	ok "$m shared: CE 1 up" both_up "$m" 1
	ok "$m shared: CE 2 up" both_up "$m" 2
	is "$(fact 2 IPV4)" "$(fact 1 IPV4)" "$m shared: one IPv4 ($(fact 1 IPV4))"
	[ "$(fact 1 PSID)" != "$(fact 2 PSID)" ]
	is "$?" 0 "$m shared: PSIDs differ ($(fact 1 PSID), $(fact 2 PSID))"
	# Both at once: 20 connections each, concurrently.
	lan 1 $PY $L/client.py tcp-many "$INET4" 7002 20 --timeout 8 --ports "$(fact 1 PORTS)" >"$LAB_DIR/many1" &
	p1=$!
	lan 2 $PY $L/client.py tcp-many "$INET4" 7002 20 --timeout 8 --ports "$(fact 2 PORTS)" >"$LAB_DIR/many2" &
	p2=$!
	wait $p1
	wait $p2
	for c in 1 2; do
		j=$(cat "$LAB_DIR/many$c")
		is "$(jnum ok "$j") $(jnum outside "$j")" "20 0" "$m shared: CE $c: 20 of 20 at once, all inside its own set"
		case $j in *"\"seen\": [\"$(fact 1 IPV4):"*) r=0 ;; *) r=1 ;; esac
		is "$r" 0 "$m shared: CE $c seen as $(fact 1 IPV4)"
	done
	probe "$m shared CE 1" 1 "$(fact 1 IPV4)" 7003
	probe "$m shared CE 2" 2 "$(fact 2 IPV4)" 7003
	both_down 1
	both_down 2
done

is "$(ip netns exec ${LAB_PREFIX}br nft list counter ip labbr spoofed | grep -o 'packets [0-9]*')" "packets 0" "BR: nothing dropped as spoofed"

# ---- teardown ----------------------------------------------------------------
pids=$(cat "$LAB_DIR"/pid/* 2>/dev/null)
ok "topo down" $L/topo.sh down
left=""
for p in $pids; do [ -d "/proc/$p" ] && ! grep -q '^State:.*Z' "/proc/$p/status" && left="$left $p"; done
is "$left" "" "no lab process left ($(echo $pids | wc -w) were running)"
is "$(ip netns list | grep -c "^$LAB_PREFIX")" 0 "no namespace left"
ok "no state left" test ! -e "$LAB_DIR"
echo "# total $(($(date +%s) - t0)) s"
done_testing
