#!/bin/bash
# The daemon's robustness end to end (issue 5, "End-to-end tests in the
# lab"): the REAL agent (`v6mig-agent run`, scripts/lab/agent.sh) in the
# lab's CE 1, MAP-E (offers/map_e-v1.json), through one lab bring-up:
#   refresh with unchanged data (Q6: zero kernel writes, zero lost echoes),
#   changed data (another MAP rule: reconfigured, outage measured),
#   WAN renumbering (Q7/Q8: a re-fetch within seconds),
#   the server silent at start with stored data (P1),
#   NXDOMAIN (Q2: the method removed),
#   kill -9 and a restart (adopted, no duplicates),
#   order fall-through (S8: an AFTR name that does not resolve, then MAP-E),
#   SIGTERM (exit 0, no residue).
# A foreign nftables table and foreign IPv4/IPv6 routes planted in the CE
# before the agent starts must survive all of it.
# Runs in the VM (kernel ip6tnl). Each exec costs a good part of a second
# under TCG: status is read once per check and parsed with shell builtins.
top=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$top" || exit 1
. tests/vm/lab_case.sh seq "${1:-}"
L=scripts/lab
TRAIN=tests/vm/pingtrain.py
CE=$(ce_ns 1)
LAN=$(lan_ns 1)
ALOG=$LAB_DIR/log/agent1.log
O=$LAB_DIR/offers
apid=""
trap '[ -n "$apid" ] && kill -9 "$apid" 2>/dev/null; $L/topo.sh down >/dev/null 2>&1' EXIT
trap 'exit 1' INT TERM

# ---- helpers -------------------------------------------------------------
nreq() { # requests the provisioning server saw
	local n=0 l
	[ -f "$LAB_DIR/prov/requests.log" ] || { echo 0; return; }
	while IFS= read -r l; do [[ $l == *'"method": "GET"'* ]] && n=$((n + 1)); done <"$LAB_DIR/prov/requests.log"
	echo "$n"
}
# refresh: SIGUSR1 and wait (bounded) until the server saw the request and
# the agent is idle again (status written after the result)
refresh() {
	local before=$1 want=${2:-configured}
	$L/agent.sh signal USR1 || return 1
	wait_until 20 eval '[ "$(nreq)" -gt '"$before"' ]' || return 1
	until_st 20 '[ "$(jv state)" = '"$want"' ] && [ "$(jv last_fetch)" != "$lf0" ]'
}
# ours: the agent's kernel objects in the CE, counted (links, addresses,
# routes with our protocol, ip rules, our nft table)
ours() {
	local links addrs r4 r6 rules nft
	links=$(ip -n "$CE" -o link show | grep -c ': v6mig')
	addrs=$(ip -n "$CE" -o addr show | grep -c -e ' v6mig' -e "$1")
	r4=$(ip -n "$CE" -4 route show table all proto 233 | grep -c .)
	r6=$(ip -n "$CE" -6 route show table all proto 233 | grep -c .)
	rules=$( (ip -n "$CE" -4 rule; ip -n "$CE" -6 rule) | grep -vc -e '^0:' -e '^32766:' -e '^32767:' -e '^1000:')
	nft=$(ip netns exec "$CE" nft list tables | grep -c 'ip v6mig')
	echo "links=$links addrs=$addrs routes4=$r4 routes6=$r6 rules=$rules nft=$nft"
}
# snap: the CE's whole state; lifetimes, address flags (SLAAC's
# "dynamic mngtmpaddr" against a re-added address) and counters left out
snap() {
	{
		ip -n "$CE" -o link show
		ip -n "$CE" -o addr show | sed 's/ scope .*//'
		ip -n "$CE" -4 route show table all
		ip -n "$CE" -6 route show table all | sed 's/ expires [^ ]*//'
		ip -n "$CE" -4 rule
		ip -n "$CE" -6 rule
		ip netns exec "$CE" nft list ruleset | sed 's/packets [0-9]* bytes [0-9]*//'
	} 2>&1 | grep -v -e 'fe80::/64' -e 'table local' -e 'ff00::/8' -e ' anycast '
}
foreign() { # the planted state is all there
	ip netns exec "$CE" nft list table inet v6tforeign | grep -q 'counter' &&
		ip -n "$CE" -4 route show 203.0.113.128/25 | grep -q 'via 192.0.2.100' &&
		ip -n "$CE" -6 route show 2001:db8:ffff::/48 | grep -q 'dev lan0' &&
		ip -n "$CE" -4 rule | grep -q '^1000:.*lookup 1000'
}
ms_since() { local now=$EPOCHREALTIME; echo $(((${now/./} - ${1/./}) / 1000)); }
jnum() { local v=${2#*\"$1\": }; echo "${v%%[,\}]*}"; }
# inside SEEN IPV4 PSID: inet saw IPV4 and a port of PSID's set (offset 4,
# PSID length 8: port = A . PSID . M with A > 0, RFC 7597 5.1)
inside() {
	local p=${1##*:}
	[ "${1%:*}" = "$2" ] && [ "$p" -ge 4096 ] && [ $(((p >> 4) & 255)) = "$3" ]
}

# ---- the lab ---------------------------------------------------------------
t0=$SECONDS
$L/topo.sh up 2>"$LAB_DIR.up.log"
rc=$?
is "$rc" 0 "topo up"
[ "$rc" = 0 ] || { sed 's/^/# /' "$LAB_DIR.up.log"; echo "Bail out! no lab"; exit 1; }
mkdir -p "$O"
# Offers: another MAP rule (198.51.100.32/28: CE 1 is .34, PSID 0x31
# again), and an order whose first method cannot come up (S8).
"$PY" - "$L/offers/map_e-v1.json" "$O" <<'EOF'
import copy, json, sys
base = json.load(open(sys.argv[1]))
def put(name, j):
    json.dump(j, open("%s/%s.json" % (sys.argv[2], name), "w"), indent=1)
c = copy.deepcopy(base); c["map_e"]["rules"][0]["ipv4"] = "198.51.100.32/28"
put("changed", c)
f = copy.deepcopy(base); f["order"] = ["dslite", "map_e"]
f["dslite"] = {"aftr": "gone.example.net"}
put("fallthrough", f)
EOF
# The BR serves CE 1 under both rules at once (br.sh's CE "5" is CE 1's
# prefix with the changed rule): the outage measured is the CE's own.
ok "BR: CE 1 under map_e-v1 and under the changed rule" \
	eval "$L/br.sh add 1 $L/offers/map_e-v1.json && $L/br.sh add 5 $O/changed.json --prefix $(ce_prefix56 1) --wan $(ce_slaac 1)"

# Somebody else's state in the CE, before the agent ever runs.
ip netns exec "$CE" nft -f - <<'NFT'
table inet v6tforeign {
	counter seen { }
	chain input { type filter hook input priority 10; policy accept; counter name seen; }
}
NFT
ip -n "$CE" route add 203.0.113.128/25 via 192.0.2.100
ip -n "$CE" -6 route add 2001:db8:ffff::/48 dev lan0
ip -n "$CE" route add 203.0.113.0/24 via 192.0.2.100 table 1000
ip -n "$CE" rule add pref 1000 from 192.0.2.99 lookup 1000
ok "foreign nft table, IPv4/IPv6 routes and rule planted" foreign
base=$(snap)

# ---- configured ------------------------------------------------------------
$L/agent.sh start -- --timeout 5
until_st 60 '[ "$(jv state)" = configured ]'
is "$(jv state) $(jv method) $(jv ipv4) $(jv psid)" "configured map_e 198.51.100.18 49" \
	"Q1/Q6: configured MAP-E from the server: 198.51.100.18 PSID 0x31"
CE6=$(jv ce_ipv6)
w0=$(jv kernel_writes) a0=$(jv applies)
echo "# configured after $((SECONDS - t0)) s (lab included): $(jv ipv4) psid $(jv psid) ce $CE6, $w0 kernel writes"
seen=$(tcp_seen)
ok "traffic: inet sees 198.51.100.18 and a port of PSID 0x31 ($seen)" inside "$seen" 198.51.100.18 49
ok "foreign state intact" foreign
own0=$(ours "$CE6")
echo "# ours: $own0"

# ---- Q6: refresh with unchanged data ---------------------------------------
# A continuous echo train (one flow, as ping) across three refreshes.
rm -f "$LAB_DIR/train.stop"
ip netns exec "$LAN" "$PY" $TRAIN "$INET4" --interval 0.1 --max 90 --until "$LAB_DIR/train.stop" \
	>"$LAB_DIR/train.out" 2>&1 &
tp=$!
nap 2
good=0
for i in 1 2 3; do
	n=$(nreq) lf0=$(jv last_fetch)
	refresh "$n" && good=$((good + 1))
	nap 1.1 # last_fetch has a one-second grain
done
touch "$LAB_DIR/train.stop"
wait "$tp"
j=$(cat "$LAB_DIR/train.out")
is "$good" 3 "Q6: three refreshes (SIGUSR1) each fetched and came back configured"
is "$(jv kernel_writes) $(jv applies)" "$w0 $a0" "Q6: same settings, nothing changed: kernel_writes and applies unchanged ($w0, $a0)"
is "$(jnum lost "$j")" 0 "Q6: a continuous echo train across the refreshes lost nothing ($(jnum received "$j") of $(jnum sent "$j"))"
is "$(ours "$CE6")" "$own0" "Q6: our kernel objects as before"
ok "foreign state intact after the refreshes" foreign

# ---- Q6: changed data: another MAP rule --------------------------------------
# New flows (a fresh ICMP id per echo, as new connections are) measure the
# outage; one long-lived flow (ping's fixed id) shows whether the old
# NAT mapping is let go.
rm -f "$LAB_DIR/train.stop"
ip netns exec "$LAN" "$PY" $TRAIN "$INET4" --interval 0.05 --max 90 --fresh-ids --until "$LAB_DIR/train.stop" \
	>"$LAB_DIR/train.out" 2>&1 &
tp=$!
ip netns exec "$LAN" "$PY" $TRAIN "$INET4" --interval 0.1 --max 90 --until "$LAB_DIR/train.stop" \
	>"$LAB_DIR/train1.out" 2>&1 &
tp1=$!
nap 2
n=$(nreq)
tc=$EPOCHREALTIME
$L/prov.sh serve "$O/changed.json" >/dev/null
$L/agent.sh signal USR1
until_st 30 '[ "$(jv ipv4)" = 198.51.100.34 ] && [ "$(jv state)" = configured ]'
took=$(ms_since "$tc")
is "$(jv state) $(jv method) $(jv ipv4) $(jv psid)" "configured map_e 198.51.100.34 49" \
	"Q6: changed rule: reconfigured to 198.51.100.34 PSID 0x31"
nap 3
touch "$LAB_DIR/train.stop"
wait "$tp"
wait "$tp1"
j=$(cat "$LAB_DIR/train.out")
j1=$(cat "$LAB_DIR/train1.out")
echo "# changed data: server changed -> status configured in $took ms (fetch + plan + apply)"
echo "# OUTAGE (new flows, an echo every 50 ms): $(jnum lost "$j") lost = $(jnum lost_x_interval_ms "$j") ms; longest gap $(jnum outage_ms "$j") ms"
echo "# one long-lived flow (fixed id): $(jnum lost "$j1") of $(jnum sent "$j1") lost, recovered: $(jnum recovered "$j1")"
is "$(jnum recovered "$j")" true "changed data: new flows get through again after the change"
is "$(jnum recovered "$j1")" true "changed data: a flow that started before the change gets through again (its old NAT entry dropped)"
seen=$(tcp_seen)
ok "changed data: inet sees 198.51.100.34 and a port of PSID 0x31 ($seen)" inside "$seen" 198.51.100.34 49
CE6=$(jv ce_ipv6)
own1=$(ours "$CE6")
is "$own1" "$own0" "changed data: as many objects of ours as before (replaced, not added)"
ok "foreign state intact after the change" foreign

# ---- Q7/Q8: WAN renumbering ---------------------------------------------------
# The CE's WAN address moves to another /64 (SLAAC off so the old one does
# not come back). Under MAP-E the CE address comes from the delegated /56
# (agent.sh gives --prefix), so it stays; the WAN address change must
# still bring a fetch within seconds (Q8: the server may answer per CE
# address). SEQ_WAN_HOLDOFF (10 s after the previous query) bounds it.
old6=$(ce_slaac 1)
new6=$(ce_wan_net 1 | sed 's/00$/f0/'):$(ce_iid 1)
n=$(nreq)
ip netns exec "$CE" sysctl -qw net.ipv6.conf.wan0.autoconf=0
tr=$EPOCHREALTIME
ip -n "$CE" addr add "$new6/64" dev wan0 nodad && ip -n "$CE" addr del "$old6/64" dev wan0
wait_until 25 eval '[ "$(nreq)" -gt '"$n"' ]'
rc=$?
took=$(ms_since "$tr")
is "$rc" 0 "Q8: WAN address $old6 -> $new6: a new fetch"
ok "Q8: ... within 15 s ($took ms; hold-off 10 s after the last query)" test "$took" -le 15000
echo "# renumbering: fetch $took ms after the WAN address changed; the request came from $(tail -n 1 "$LAB_DIR/prov/requests.log" | sed 's/.*"src": "\([^"]*\)".*/\1/')"
until_st 20 '[ "$(jv state)" = configured ]'
is "$(jv state) $(jv ce_ipv6)" "configured $CE6" "Q8: configured again; the MAP CE address (from the delegated /56) unchanged"
seen=$(tcp_seen)
ok "renumbered: traffic flows ($seen)" inside "$seen" 198.51.100.34 49
# And back (SLAAC on again): one more fetch, the same bounds.
n=$(nreq)
tr=$EPOCHREALTIME
ip -n "$CE" addr add "$old6/64" dev wan0 nodad && ip -n "$CE" addr del "$new6/64" dev wan0
ip netns exec "$CE" sysctl -qw net.ipv6.conf.wan0.autoconf=1
wait_until 25 eval '[ "$(nreq)" -gt '"$n"' ]'
rc=$?
took=$(ms_since "$tr")
ok "Q8: renumbered back: a new fetch within 15 s ($took ms)" test "$rc" = 0 -a "$took" -le 15000
until_st 20 '[ "$(jv state)" = configured ]'
is "$(ours "$CE6")" "$own0" "renumbering: no object of ours added or lost"
ok "foreign state intact after renumbering" foreign

# ---- P1: the server silent at start, stored data ------------------------------
ok "SIGTERM (before P1)" $L/agent.sh stop --timeout 30
$L/prov.sh silent >/dev/null
$L/agent.sh start -- --timeout 5
until_st 60 '[ "$(jv method)" = map_e ]'
is "$(jv state) $(jv source) $(jv ipv4) $(jv last_class)" "backoff stored 198.51.100.34 no_answer" \
	"P1: server silent at start: MAP-E from the stored data (state backoff, Q4)"
seen=$(tcp_seen)
ok "P1: traffic flows on the stored data ($seen)" inside "$seen" 198.51.100.34 49
$L/prov.sh serve "$O/changed.json" >/dev/null
n=$(nreq) lf0=$(jv last_fetch)
ok "P1: the server back: a refresh brings configured" refresh "$n"
is "$(ours "$CE6")" "$own0" "P1: as many objects of ours as before"
ok "foreign state intact after P1" foreign

# ---- Q2: NXDOMAIN: the method removed --------------------------------------------
$L/isp.sh dns-txt none
n=$(jv applies) lf0=$(jv last_fetch)
$L/agent.sh signal USR1
until_st 30 '[ "$(jv state)" = unconfigured ]'
is "$(jv state) $(jv last_class) $(jv method)" "unconfigured not_provisioned null" \
	"Q2: NXDOMAIN for the TXT: not provisioned, no method"
is "$(ours "$CE6")" "links=0 addrs=0 routes4=0 routes6=0 rules=0 nft=0" \
	"Q2: no tunnel, address, route, rule or nft table of ours left"
ok "foreign state intact after Q2" foreign
seen=$(tcp_seen)
like "$seen" "timed out|refused|unreachable|Errno|client:" "Q2: no IPv4 through the CE any more ($seen)"
$L/isp.sh dns-reset
lf0=$(jv last_fetch) n=$(nreq)
ok "Q2: the TXT back: a refresh brings MAP-E back" refresh "$n"

# ---- kill -9, then a restart that adopts -------------------------------------------
own1=$(ours "$CE6")
ok "kill -9" $L/agent.sh kill9
is "$(ours "$CE6")" "$own1" "after kill -9 the kernel state stays as it was"
$L/agent.sh start --fg -- --timeout 5 &
apid=$!
until_st 60 '[ "$(jv state)" = configured ] && [ "$(jv pid)" = '"$apid"' ]'
is "$(jv state) $(jv ipv4)" "configured 198.51.100.34" "restart after kill -9: configured"
is "$(ours "$CE6")" "$own1" "restart: adopted: no duplicate link, address, route, rule, nft table"
is "$(jv applies) $(jv kernel_writes)" "1 0" "restart: one apply, zero kernel writes: the kernel already held the plan"
seen=$(tcp_seen)
ok "restart: traffic flows ($seen)" inside "$seen" 198.51.100.34 49

# ---- S8: order fall-through ---------------------------------------------------------
# order [dslite, map_e]; the AFTR's name does not resolve: MAP-E (the
# first rule again, .18) must run, and the log says why.
n=$(nreq) lf0=$(jv last_fetch)
$L/prov.sh serve "$O/fallthrough.json" >/dev/null
$L/agent.sh signal USR1
until_st 30 '[ "$(jv ipv4)" = 198.51.100.18 ] && [ "$(jv state)" = configured ]'
is "$(jv state) $(jv method) $(jv ipv4)" "configured map_e 198.51.100.18" \
	"S8: order [dslite, map_e], AFTR name unresolvable: configured MAP-E"
like "$(grep -i 'dslite' "$ALOG" | tail -n 3)" "gone\.example\.net" "S8: the log names the AFTR that did not resolve"
like "$(grep 'falling through' "$ALOG" | tail -n 1)" "dslite could not be brought up .*gone\.example\.net.*falling through to map_e" \
	"S8: the log says dslite could not come up, why, and that it falls through to map_e"
seen=$(tcp_seen)
ok "S8: traffic flows over MAP-E ($seen)" inside "$seen" 198.51.100.18 49
ok "foreign state intact after the fall-through" foreign

# ---- SIGTERM: exit 0, no residue ------------------------------------------------------
ok "SIGTERM: the agent exits" $L/agent.sh stop --timeout 30
wait "$apid"
is "$?" 0 "SIGTERM: exit status 0"
apid=""
is "$(ours "$CE6")" "links=0 addrs=0 routes4=0 routes6=0 rules=0 nft=0" "SIGTERM: nothing of ours left"
snap >"$LAB_DIR/after.snap"
echo "$base" >"$LAB_DIR/before.snap"
d=$(diff "$LAB_DIR/before.snap" "$LAB_DIR/after.snap")
is "$d" "" "SIGTERM: the CE's links, addresses, routes, rules and nft ruleset exactly as before the agent"
[ -n "$d" ] && echo "$d" | sed 's/^/# /'
ok "foreign state intact at the end" foreign
grep -q -i -e 'sanitizer' -e 'runtime error' "$ALOG"
is "$?" 1 "no sanitizer report in the agent's log"
echo "# total $((SECONDS - t0)) s"
[ "$_tap_fail" = 0 ] || sed 's/^/# agent| /' "$ALOG" | tail -n 60
done_testing
