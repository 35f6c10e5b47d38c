#!/bin/sh
# MAP-T (RFC 7599) and 464XLAT (RFC 6877) end to end on this kernel, with
# TAYGA (Debian's tayga, a TUN translator, independent of us) as the peer:
#   map_t    the BR: TAYGA with `prefix` = the DMR and a `map` from the CE's
#            IPv4 to its MAP-T address (one CE, so 1:1 is exact);
#   464xlat  the PLAT: TAYGA with `prefix` = nat64prefix and a dynamic pool,
#            the pool NAT'd (nft) to the IPv4 Internet.
# `apply --from F --method M --wan wan0 --lan lan0` in ce, then from the LAN
# host: ping, TCP, UDP; (map_t) 250 concurrent TCP flows through the 240
# ports -> exactly 240, every source port in the set; one UDP socket to 10
# destinations -> one external port; a 3000-byte datagram each way intact;
# UDP to a closed port -> ECONNREFUSED at the LAN host (the ICMP error
# translated back and un-NATed); the same data twice -> zero writes; `down`
# -> the exact dumps of before, a foreign clsact qdisc and u32 filter on
# the WAN untouched. Root; run through /work/wt/iso (fixed netns names).
#   XLAT_METHODS="map_t 464xlat" (default both)
. "$(dirname "$0")/../lib/tap.sh"
A=$(realpath "${1:-build/v6mig-agent}")
T=$(cd "$(dirname "$0")/../.." && pwd)
INETPY=$T/scripts/lab/inet.py CLIENT=$T/scripts/lab/client.py
CE=v6x-ce LAN=v6x-lan ISP=v6x-isp INET=v6x-inet
tmp=$(mktemp -d)
pids=""

. "$T/tests/ns/xlat_lab.sh"

# The CE's kernel state that down must restore.
state() {
	ip -n $CE -j addr show
	ip -n $CE -j link show
	ip -n $CE -4 -j route show table all
	ip -n $CE -6 -j route show table all
	nsx $CE nft list ruleset
	nsx $CE tc qdisc show
	nsx $CE tc filter show dev wan0 ingress
	nsx $CE tc filter show dev wan0 egress
}

inet_up() {
	ip netns exec "$INET" python3 "$INETPY" "$tmp/seen.log" "$tmp/inet.ready" 7000 7001 7002 7003 7004 \
		7005 7006 7007 7008 7009 > "$tmp/inet.out" 2>&1 &
	pids="$pids $!"
	ip netns exec "$INET" python3 "$T/tests/ns/apply_xlat_helper.py" big-server $INET4 7100 "$tmp/big.ready" &
	pids="$pids $!"
	wait_for 10 test -e "$tmp/inet.ready" && wait_for 10 test -e "$tmp/big.ready"
}

run_method() {
	m=$1
	rm -f "$tmp"/*.ready "$tmp/seen.log"
	offer "$m" > "$tmp/$m.json"
	step=topology
	if ! topo || ! { step="TAYGA peer"; peer_up "$m"; } || ! { step="inet servers"; inet_up; }; then
		ok "$m: lab set up (failed at: $step)" false
		for f in "$tmp"/*/log "$tmp/inet.out"; do [ -s "$f" ] && sed 's/^/# /' "$f"; done
		teardown
		return
	fi
	# The link-locals leave DAD first: "before" must not catch them tentative
	# and "after" settled.
	wait_for 5 sh -c "! ip -n $CE -6 addr show | grep -q tentative"
	state > "$tmp/before"
	out=$(nsx $CE "$A" apply --from "$tmp/$m.json" --method "$m" --wan wan0 --lan lan0 \
		--run-dir "$tmp/run" 2>&1)
	is "$?" 0 "$m: apply"
	[ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/# /'
	# 464XLAT's CLAT address on the WAN does DAD first (RFC 6877 6.3).
	wait_for 5 sh -c "! ip -n $CE -6 addr show dev wan0 | grep -q tentative"
	out=$(nsx $CE "$A" apply --from "$tmp/$m.json" --method "$m" --wan wan0 --lan lan0 \
		--run-dir "$tmp/run" 2>&1)
	like "$out" ": 0 writes" "$m: the same data again: zero writes"

	ok "$m: ping through the translator and $([ "$m" = map_t ] && echo BR || echo PLAT)" \
		nsx $LAN ping -c 2 -W 3 $INET4
	r=$(nsx $LAN python3 "$CLIENT" tcp $INET4 7000 --timeout 5 2>&1)
	like "$r" "you are " "$m: TCP: $r"
	r=$(nsx $LAN python3 "$CLIENT" udp $INET4 7001 --timeout 5 2>&1)
	like "$r" "you are " "$m: UDP: $r"
	r=$(nsx $LAN python3 "$T/tests/ns/apply_xlat_helper.py" big-client $INET4 7100 3000)
	is "$r" "sent 3000 got 3000 ok" "$m: a 3000-byte UDP datagram each way, intact (fragments)"
	r=$(nsx $LAN python3 "$T/tests/ns/apply_xlat_helper.py" refused $INET4 7999)
	is "$r" ECONNREFUSED "$m: UDP to a closed port: ECONNREFUSED at the LAN host"
	r=$(nsx $LAN python3 "$CLIENT" udp-multi $INET4 7000 7001 7002 7003 7004 7005 7006 7007 7008 7009 --timeout 5)
	is "$(printf '%s\n' "$r" | jget 'len(j["seen"]), len(set(s.split(":")[1] for s in j["seen"]))')" \
		"(10, 1)" "$m: one UDP socket to 10 destinations: one external port"
	if [ "$m" = map_t ]; then
		r=$(nsx $LAN python3 "$CLIENT" tcp-many $INET4 7002 250 --timeout 10 --hold 1 --ports "$PORTS")
		is "$(printf '%s\n' "$r" | jget '(j["ok"], j.get("outside"))')" "(240, 0)" \
			"map_t: 250 concurrent TCP flows through 240 ports: exactly 240, every source port in the set"
	fi
	r=$(nsx $CE "$A" xlat stats --wan wan0 --json)
	is "$(printf '%s\n' "$r" | jget 'j["out_ok"] > 10 and j["in_ok"] > 10')" true \
		"$m: xlat stats: packets translated both ways (out $(printf '%s\n' "$r" | jget 'j["out_ok"]'), in $(printf '%s\n' "$r" | jget 'j["in_ok"]'))"
	out=$(nsx $CE "$A" down --run-dir "$tmp/run" 2>&1)
	is "$?" 0 "$m: down"
	state > "$tmp/after"
	same "$tmp/before" "$tmp/after" "$m: down leaves the exact dumps of before (foreign clsact and filter kept)"
	teardown
}

command -v tayga > /dev/null || { echo "1..0 # SKIP no tayga"; exit 0; }
for m in ${XLAT_METHODS:-map_t 464xlat}; do run_method "$m"; done
done_testing
