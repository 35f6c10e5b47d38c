#!/bin/bash
# WAN prefix renumbering end to end (issue 5; HB46PP Q7, Q8): the REAL
# agent (`v6mig-agent run`, scripts/lab/agent.sh) in the lab's CE 1, started
# WITHOUT a fixed prefix (agent.sh --no-prefix), so its CE address follows
# the WAN. The ISP renumbers the honest way: isp.sh renumber moves the
# isp's address on the CE link, dnsmasq's router advertisements announce
# the new /64 and the old one with preferred lifetime 0 (deprecated), the
# CE's kernel makes the new SLAAC address (DAD), and the isp routes the
# new /56 to the CE. Then:
#   1. DS-Lite (offers/dslite.json, RFC 6333 5.7: the B4 address is the
#      WAN's global address): a fetch from the new address within seconds
#      (Q8), status ce_ipv6 and the tunnel's local end are the new address,
#      nothing of ours on the old one, one tunnel; with the AFTR told the
#      new B4 address, lan -> inet flows again.
#   2. MAP-E (offers/map_e-v1.json, rule 2001:db8:4000::/44 ->
#      198.51.100.16/28, EA 12, offset 4) with the end-user prefix taken
#      from the WAN: the WAN moves into ANOTHER end-user prefix under the
#      same rule: a fetch from the new address within seconds, a new CE
#      IPv6 address, IPv4 and PSID equal to `v6mig-agent calc` for the new
#      prefix (RFC 7597 5.2, 6), the old /128 gone, exactly one tunnel;
#      with the BR told the new prefix, lan -> inet flows inside the new
#      port set.
# The time from the change to the new configuration is printed. One lab.
top=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$top" || exit 1
. tests/vm/lab_case.sh renum "${1:-}"
L=scripts/lab
CE=$(ce_ns 1)
ALOG=$LAB_DIR/log/agent1.log
REQ=$LAB_DIR/prov/requests.log
export LAB_OFFER=$top/$L/offers/dslite.json
trap '$L/agent.sh stop --timeout 10 >/dev/null 2>&1; $L/topo.sh down >/dev/null 2>&1' EXIT
trap 'exit 1' INT TERM

# The plan: CE 1's WAN /64 moves twice; each new /56 is routed to the CE.
NET0=$(ce_wan_net 1)          # 2001:db8:4002:3100, the topology's
NET1=2001:db8:4006:3100       # renumbering 1 (DS-Lite)
NET2=2001:db8:4003:4200       # renumbering 2 (MAP-E): EA bits 0x342
IID=$(ce_iid 1)
RULE=(--rule-ipv6 2001:db8:4000::/44 --rule-ipv4 198.51.100.16/28 --ea-length 12 --psid-offset 4)

# ---- helpers (shell builtins where they poll) ----------------------------------
# fetched_from ADDR: the provisioning server saw a GET from ADDR
fetched_from() {
	local l
	[ -f "$REQ" ] || return 1
	while IFS= read -r l; do
		[[ $l == *'"src": "'"$1"'"'* && $l == *'"method": "GET"'* ]] && return 0
	done <"$REQ"
	return 1
}
unlike() { # unlike GOT PATTERN NAME: GOT has no line matching PATTERN (grep -E)
	local g=$1 p=$2
	_no() { ! printf '%s\n' "$g" | grep -Eq -- "$p"; }
	ok "$3" _no || printf '%s\n' "$g" | grep -E -- "$p" | sed 's/^/#   matched: /'
}
# gets_since: the sources of the GETs after line $REQ0 of the request log
gets_since() {
	local l i=0 re='"src": "([^"]*)"' out=""
	while IFS= read -r l; do
		i=$((i + 1))
		[ "$i" -gt "$REQ0" ] && [[ $l == *'"method": "GET"'* && $l =~ $re ]] && out="$out${out:+ }${BASH_REMATCH[1]}"
	done <"$REQ"
	echo "$out"
}
ms_since() { local now=$EPOCHREALTIME; echo $(((${now/./} - ${1/./}) / 1000)); }
# inside SEEN IPV4 PSID: inet saw IPV4 and a port of PSID's set (offset 4,
# PSID length 8: port = A . PSID . M with A > 0, RFC 7597 5.1)
inside() {
	local p=${1##*:}
	[ "${1%:*}" = "$2" ] && [ "$p" -ge 4096 ] && [ $(((p >> 4) & 255)) = "$3" ]
}
# calc PREFIX: "IPV4 PSID CE_IPV6" as `v6mig-agent calc` has them
calc() {
	local j re4='"ipv4":[[:space:]]*"([^"]*)"' rep='"psid":[[:space:]]*([0-9]+)' re6='"ce_ipv6":[[:space:]]*"([^"]*)"'
	j=$("$LAB_AGENT" calc "${RULE[@]}" --prefix "$1" --json) || return 1
	[[ $j =~ $re4 ]] && printf '%s ' "${BASH_REMATCH[1]}"
	[[ $j =~ $rep ]] && printf '%s ' "${BASH_REMATCH[1]}"
	[[ $j =~ $re6 ]] && printf '%s\n' "${BASH_REMATCH[1]}"
}
wan_addrs() { ip -n "$CE" -6 -o addr show dev wan0 scope global | awk '{print $4, $0 ~ /deprecated/ ? "deprecated" : ""}'; }
# renumber NET: the ISP moves CE 1's WAN to NET::/64, routes NET's /56 to
# the CE; then wait (bounded) for the fetch from the new SLAAC address and
# for the status to show NEWCE. Sets FETCH_MS and CONF_MS (from the change).
renumber() {
	local net=$1 newce=$2 tr
	FETCH_MS=- CONF_MS=-
	REQ0=$(wc -l <"$REQ")
	tr=$EPOCHREALTIME
	$L/isp.sh renumber 1 "$net" "$net::/56" || return 1
	wait_until 30 fetched_from "$net:$IID" && FETCH_MS=$(ms_since "$tr")
	until_st 30 '[ "$(jv ce_ipv6)" = '"$newce"' ] && [ "$(jv state)" = configured ]' &&
		CONF_MS=$(ms_since "$tr")
	return 0
}

# ---- the lab, DS-Lite ------------------------------------------------------------
t0=$SECONDS
$L/topo.sh up 2>"$LAB_DIR.up.log"
rc=$?
is "$rc" 0 "topo up (the server offers DS-Lite)"
[ "$rc" = 0 ] || { sed 's/^/# /' "$LAB_DIR.up.log"; echo "Bail out! no lab"; exit 1; }
OLD=$NET0:$IID
ok "the AFTR serves CE 1 at its SLAAC address $OLD" $L/br.sh add 1 $L/offers/dslite.json
$L/agent.sh start --no-prefix -- --timeout 5
until_st 60 '[ "$(jv state)" = configured ]'
is "$(jv state) $(jv method) $(jv ce_ipv6)" "configured dslite $OLD" \
	"DS-Lite configured; the B4 address is the WAN's SLAAC address (RFC 6333 5.7)"
is "$(tun)" "1 $OLD $BR6_AFTR" "one tunnel, local end $OLD, remote the AFTR"
seen=$(tcp_seen)
is "${seen%:*}" "$AFTR_POOL4" "traffic: inet sees the AFTR's address ($seen)"
echo "# configured after $((SECONDS - t0)) s (lab included)"

# ---- 1. DS-Lite: the WAN renumbered ---------------------------------------------
NEW=$NET1:$IID
# Past the Q8 hold-off (SEQ_WAN_HOLDOFF, 10 s after the last query): the
# change alone decides. The new address is usable once DAD is done (1-2 s);
# 15 s is a bound for a loaded TCG VM. A fetch while the new address is
# still in DAD would leave from the old one and put the real one behind
# the hold-off: "every fetch ... from the new address" catches that.
nap 10.5
renumber "$NET1" "$NEW"
ok "Q8: a fetch from the new WAN address $NEW ($FETCH_MS ms after the change)" test "$FETCH_MS" != -
ok "Q8: ... within 15 s" test "${FETCH_MS/-/99999}" -le 15000
is "$(jv state) $(jv method) $(jv ce_ipv6)" "configured dslite $NEW" \
	"DS-Lite reconfigured: status ce_ipv6 is the new address ($CONF_MS ms after the change)"
g=$(gets_since)
like "$g" "^($NEW ?)+\$" "Q8: every fetch since the change came from the new address, none from the deprecated one ($g)"
echo "# DS-Lite renumbering: fetch from the new address $FETCH_MS ms, new configuration $CONF_MS ms after the change"
is "$(tun)" "1 $NEW $BR6_AFTR" "the tunnel's local end is the new address; still one tunnel (replaced, not added)"
w=$(wan_addrs)
like "$w" "$NET0:$IID/64 deprecated" "the old SLAAC address is left deprecated by the RA (the kernel's, not ours)"
d=$(ip -n "$CE" -d -o link show; ip -n "$CE" -6 route show table all proto 233; ip -n "$CE" -6 -o addr show | grep -v "$NET0:$IID/64")
unlike "$d" "$NET0:" "nothing of ours (link, route, address) uses the old prefix any more"
ok "the AFTR follows the B4 to $NEW" $L/br.sh add 1 $L/offers/dslite.json --wan "$NEW"
seen=$(tcp_seen)
is "${seen%:*}" "$AFTR_POOL4" "traffic again over the renumbered softwire ($seen)"

# ---- 2. MAP-E, the end-user prefix from the WAN ---------------------------------
read -r v4a psa ce6a <<<"$(calc "$NET1::/56")"
read -r v4b psb ce6b <<<"$(calc "$NET2::/56")"
ok "calc: the two end-user prefixes map to different IPv4/PSID ($v4a/$psa, $v4b/$psb)" \
	test -n "$ce6b" -a "$v4a $psa" != "$v4b $psb"
$L/br.sh add 1 $L/offers/map_e-v1.json --prefix "$NET1::/56" --wan "$NEW" >/dev/null
$L/prov.sh serve $L/offers/map_e-v1.json >/dev/null
$L/agent.sh signal USR1
until_st 30 '[ "$(jv method)" = map_e ] && [ "$(jv state)" = configured ]'
is "$(jv state) $(jv method) $(jv ipv4) $(jv psid) $(jv ce_ipv6)" "configured map_e $v4a $psa $ce6a" \
	"MAP-E from the WAN's prefix $NET1::/64 (no --prefix): as calc says"
is "$(tun)" "1 $ce6a $BR6_MAPE" "one tunnel, local end the MAP CE address $ce6a"
seen=$(tcp_seen)
ok "traffic inside PSID $psa's set ($seen)" inside "$seen" "$v4a" "$psa"

nap 10.5
renumber "$NET2" "$ce6b"
ok "Q8: a fetch from the new WAN address $NET2:$IID ($FETCH_MS ms after the change)" test "$FETCH_MS" != -
ok "Q8: ... within 15 s" test "${FETCH_MS/-/99999}" -le 15000
is "$(jv state) $(jv method) $(jv ipv4) $(jv psid) $(jv ce_ipv6)" "configured map_e $v4b $psb $ce6b" \
	"MAP-E reconfigured for $NET2::/56: IPv4, PSID and CE IPv6 as calc says ($CONF_MS ms after the change)"
g=$(gets_since)
like "$g" "^($NET2:$IID ?)+\$" "Q8: every fetch since the change came from the new address ($g)"
echo "# MAP-E renumbering: fetch from the new address $FETCH_MS ms, new configuration $CONF_MS ms after the change"
is "$(tun)" "1 $ce6b $BR6_MAPE" "exactly one tunnel, its local end the new CE address"
a=$(ip -n "$CE" -6 -o addr show)
like "$a" "wan0 +inet6 $ce6b/128" "the new /128 is on the WAN"
unlike "$a" "$ce6a/" "the old /128 ($ce6a) is gone"
ok "the BR follows the CE to $NET2::/56" $L/br.sh add 1 $L/offers/map_e-v1.json --prefix "$NET2::/56" --wan "$NET2:$IID"
seen=$(tcp_seen)
ok "traffic inside the new PSID $psb's set ($seen)" inside "$seen" "$v4b" "$psb"

# ---- SIGTERM ----------------------------------------------------------------------
ok "SIGTERM: the agent exits" $L/agent.sh stop --timeout 30
is "$(tun)" "0 - -" "no tunnel left"
a=$(ip -n "$CE" -6 -o addr show)
unlike "$a" "$ce6b/" "no /128 of ours left"
grep -q -i -e 'sanitizer' -e 'runtime error' "$ALOG"
is "$?" 1 "no sanitizer report in the agent's log"
echo "# total $((SECONDS - t0)) s"
[ "$_tap_fail" = 0 ] || { sed 's/^/# agent| /' "$ALOG" | tail -n 60; wan_addrs | sed 's/^/# wan| /'; }
done_testing
