#!/bin/bash
# The AFTR's name while the daemon runs (issue 11 item 9; HB46PP S11, T2):
# the REAL agent (`v6mig-agent run`, scripts/lab/agent.sh) in the lab's CE 1
# with DS-Lite (offers/dslite.json: aftr = aftr.example.net, a name).
#   1. The name has two AAAA records (TTL 30 s). Someone else already holds
#      an ip6tnl from the B4 address to the first (sorted) one, so the
#      kernel refuses ours (EEXIST): the daemon logs it, takes the next
#      address, and IPv4 flows through the AFTR there.
#   2. The provider moves the AFTR: the name's only AAAA becomes a third
#      address (dnsmasq restarted with the new record) and the AFTR serves
#      the CE there. Within the TTL (30 s, the daemon's floor) plus a
#      bound for the re-plan, the tunnel's remote is the new address,
#      with exactly one "planning again" and one new configuration logged;
#      IPv4 flows through the new AFTR; links, addresses, routes, rules and
#      nftables are as before the move; the name keeps being asked at its
#      TTL without another re-plan.
top=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$top" || exit 1
. tests/vm/lab_case.sh aftr "${1:-}"
L=scripts/lab
CE=$(ce_ns 1)
ALOG=$LAB_DIR/log/agent1.log
DLOG=$LAB_DIR/isp/dns.log
NAME=aftr.example.net
A1=$BR6_AFTR         # 2001:db8:0:b::2, the topology's
A2=$BR_SVC_NET::5    # sorts after A1
A3=$BR_SVC_NET::6    # where the provider moves it
TTL=30
export LAB_OFFER=$top/$L/offers/dslite.json
trap '$L/agent.sh stop --timeout 10 >/dev/null 2>&1; $L/topo.sh down >/dev/null 2>&1' EXIT
trap 'exit 1' INT TERM

# ---- helpers (shell builtins where they poll) ----------------------------------
remote_is() { local t; t=$(tun); [ "${t##* }" = "$1" ]; }
# count PATTERN FILE: lines of FILE containing PATTERN (a fixed string)
count() {
	local l n=0
	[ -f "$2" ] || { echo 0; return; }
	while IFS= read -r l; do [[ $l == *"$1"* ]] && n=$((n + 1)); done <"$2"
	echo "$n"
}
# snap: CE 1's kernel state, normalised (no lifetimes): links, addresses,
# routes, rules and the whole nftables ruleset.
snap() {
	local raw line out=""
	raw=$(printf '%s\n' "link show" "addr show" "route show table all" \
		"route show table all root ::/0" "rule show" | ip -n "$CE" -br -batch - 2>&1
		ip netns exec "$CE" nft list ruleset 2>&1)
	while IFS= read -r line; do out="$out${line%% expires *}"$'\n'; done <<<"$raw"
	printf '%s' "$out"
}
# offer_at ADDR: a copy of the offer with the AFTR as a literal, for the BR
# side only (br.sh resolves names through the topology's table)
offer_at() {
	local f=$LAB_DIR/dslite-$1.json
	sed "s/\"$NAME\"/\"$1\"/" "$L/offers/dslite.json" >"$f" && echo "$f"
}
ms_since() { local now=$EPOCHREALTIME; echo $(((${now/./} - ${1/./}) / 1000)); }

# ---- the lab ---------------------------------------------------------------------
t0=$SECONDS
$L/topo.sh up 2>"$LAB_DIR.up.log"
rc=$?
is "$rc" 0 "topo up (the server offers DS-Lite, aftr = $NAME)"
[ "$rc" = 0 ] || { sed 's/^/# /' "$LAB_DIR.up.log"; echo "Bail out! no lab"; exit 1; }
ok "the BR answers at $A2 and $A3 too" ip -n "$(ns br)" -batch - <<EOF
addr add $A2/128 dev lo
addr add $A3/128 dev lo
EOF
ok "DNS: $NAME AAAA $A1, $A2 (TTL $TTL s)" $L/isp.sh dns-host "$NAME" "$A1,$TTL" "$A2,$TTL"
B4=$(ce_slaac 1)
# (the same ends and the same underlay: ip6_tnl_locate() finds it, EEXIST)
ok "someone else's ip6tnl from $B4 to $A1 over wan0 (the kernel refuses a second one)" \
	ip -n "$CE" link add other6 type ip6tnl mode ipip6 local "$B4" remote "$A1" dev wan0 encaplimit none
ok "the AFTR serves CE 1 at $A2" $L/br.sh add 1 "$(offer_at "$A2")"

# ---- 1. the first address refused, the next one taken --------------------------
$L/agent.sh start
until_st 60 '[ "$(jv state)" = configured ]'
is "$(jv state) $(jv method) $(jv remote)" "configured dslite $A2" \
	"configured DS-Lite through $A2, the name's next address"
is "$(tun)" "1 $B4 $A2" "one tunnel of ours, $B4 -> $A2"
is "$(count "at $A1 failed" "$ALOG") $(count "trying $A2, its next address" "$ALOG")" "1 1" \
	"logged once: the apply at $A1 failed, $A2 tried"
grep "at $A1 failed" "$ALOG" | sed 's/^/#   /'
seen=$(tcp_seen)
is "${seen%:*}" "$AFTR_POOL4" "traffic through the AFTR at $A2: inet sees $AFTR_POOL4 ($seen)"
echo "# configured after $((SECONDS - t0)) s (lab included)"

# ---- 2. the AFTR moves: the name's AAAA changes under a running daemon ---------
before=$(snap)
n_conf=$(count "configured dslite" "$ALOG")
n_again=$(count "planning again" "$ALOG")
ok "the AFTR serves CE 1 at $A3 now" $L/br.sh add 1 "$(offer_at "$A3")"
tr=$EPOCHREALTIME
ok "DNS: $NAME AAAA $A3 only" $L/isp.sh dns-host "$NAME" "$A3,$TTL"
# The TTL (30 s) from the last look, then a fetch (the hold-off, Q8) and
# the configure: 30 + 30 s is a bound for a loaded TCG VM.
wait_until $((TTL + 30)) remote_is "$A3"
took=$(ms_since "$tr")
is "$(tun)" "1 $B4 $A3" "the tunnel's remote is the new address $A3 ($took ms after the change)"
ok "... within the TTL and the bound ($((TTL + 30)) s)" test "$took" -le $(((TTL + 30) * 1000))
until_st 15 '[ "$(jv remote)" = '"$A3"' ] && [ "$(jv state)" = configured ]'
is "$(jv state) $(jv method) $(jv remote) $(jv last_error)" "configured dslite $A3 null" \
	"status: configured DS-Lite through $A3, no error"
is "$(($(count "planning again" "$ALOG") - n_again))" 1 "one re-plan logged"
grep "planning again" "$ALOG" | sed 's/^/#   /'
is "$(($(count "configured dslite" "$ALOG") - n_conf))" 1 "one new configuration logged"
like "$(grep "planning again" "$ALOG" | tail -n 1)" "$NAME: now $A3, no longer $A2" \
	"the re-plan names the new and the old address"
seen=$(tcp_seen)
is "${seen%:*}" "$AFTR_POOL4" "traffic through the AFTR at $A3: inet sees $AFTR_POOL4 ($seen)"
after=$(snap)
if [ "$after" = "$before" ]; then
	ok "nothing else changed (links, addresses, routes, rules, nftables)" true
else
	ok "nothing else changed (links, addresses, routes, rules, nftables)" false
	diff <(echo "$before") <(echo "$after") | sed 's/^/#   /'
fi

# The name is asked again at its TTL; the same answer moves nothing.
n_q=$(count "query[AAAA] $NAME" "$DLOG")
wait_until $((TTL + 15)) eval '[ "$(count "query[AAAA] $NAME" "$DLOG")" -gt '"$n_q"' ]'
ok "the daemon asks for $NAME again within its TTL + 15 s" test "$(count "query[AAAA] $NAME" "$DLOG")" -gt "$n_q"
nap 2
is "$(($(count "planning again" "$ALOG") - n_again)) $(tun)" "1 1 $B4 $A3" \
	"the same answer: no further re-plan, the tunnel stays at $A3"

# ---- SIGTERM ----------------------------------------------------------------------
ok "SIGTERM: the agent exits" $L/agent.sh stop --timeout 30
is "$(tun)" "0 - -" "no tunnel of ours left"
ok "someone else's tunnel is left alone" ip -n "$CE" link show other6
grep -q -i -e 'sanitizer' -e 'runtime error' "$ALOG"
is "$?" 1 "no sanitizer report in the agent's log"
echo "# total $((SECONDS - t0)) s"
[ "$_tap_fail" = 0 ] || sed 's/^/# agent| /' "$ALOG" | tail -n 60
done_testing
