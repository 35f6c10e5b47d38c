#!/bin/sh
# netlink/rtnl.c against the running kernel, in namespaces of our own: the
# parts that need no ip6tnl (addresses, routes, reading what we own, the
# WAN facts, the watcher, the kernel's extended-ACK text). The ip6tnl side
# runs in the VM (tests/vm/cases/test_apply_*.sh). Root.
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/ns.sh"
T=${RT_TOOL:-build/tests/tools/rt_tool}
ns=v6t-rtnl-$$
isp=v6t-rtnl-isp-$$
tmp=$(mktemp -d)
wpid=
trap ns_pair_cleanup EXIT
trap 'exit 1' INT TERM

in_ns() { ip netns exec "$ns" "$@"; }
rt() { ip netns exec "$ns" "$T" "$@"; }

# The WAN is a veth to an "ISP" namespace; the LAN a veth pair of our own.
ns_wan_pair &&
	ip -n "$ns" link add lan0 type veth peer name lan1 &&
	ip -n "$ns" link set lan0 up && ip -n "$ns" link set lan1 up &&
	ip -n "$ns" addr add 2001:db8:ff00::100/64 dev wan0 nodad &&
	ip -n "$ns" addr add 2001:db8:12:3401::1/64 dev lan0 nodad ||
	{ echo "not ok 1 - namespace setup"; echo "1..1"; exit 1; }

# ---- addresses ---------------------------------------------------------------
ok "tunnel source /128 added (nodad)" rt addr add wan0 2001:db8:12:3400:0:c000:212:34/128 nodad
j=$(ip -n "$ns" -j addr show dev wan0)
a='[x for x in j[0]["addr_info"] if x["local"] == "2001:db8:12:3400:0:c000:212:34"]'
is "$(echo "$j" | jget "len($a)")" 1 "the /128 is on the WAN once"
is "$(echo "$j" | jget "($a[0]['prefixlen'], $a[0].get('nodad'), $a[0].get('tentative', False))")" \
	"(128, True, False)" "prefix length 128, nodad, not tentative"
like "$(rt read wan0)" "addr wan0 2001:db8:12:3400:0:c000:212:34/128 nodad 1 tentative 0 proto 233" \
	"read back as ours (IFA_PROTO 233)"
out=$(rt addr add wan0 2001:db8:12:3400:0:c000:212:34/128 nodad 2>&1)
like "$out" "adding address 2001:db8:12:3400:0:c000:212:34/128 on wan0: File exists" \
	"adding it twice is refused, naming it"
ok "IPv4 /32 added" rt addr add lan0 192.0.2.18/32
is "$(ip -n "$ns" -j addr show dev lan0 | jget '[x["local"] for x in j[0]["addr_info"] if x["family"] == "inet"]')" \
	'["192.0.2.18"]' "IPv4 address present"
like "$(rt addr add nosuch0 192.0.2.19/32 2>&1)" "no interface 'nosuch0'" \
	"a missing interface is named"

# ---- routes ------------------------------------------------------------------
ok "foreign route (proto static)" ip -n "$ns" route add 198.51.100.0/24 dev wan0 proto static
ok "default route added" rt route add wan0 0.0.0.0/0 mtu 1460
r=$(ip -n "$ns" -d -j route show default)
is "$(echo "$r" | jget '(len(j), j[0]["dev"], j[0]["protocol"], j[0]["scope"])')" \
	"(1, 'wan0', '233', 'link')" "default dev wan0, protocol 233, scope link"
is "$(echo "$r" | jget 'j[0]["metrics"]')" '[{"mtu": 1460}]' "route carries mtu 1460"
like "$(rt route add wan0 0.0.0.0/0 mtu 1460 2>&1)" "adding route 0.0.0.0/0 dev wan0: File exists" \
	"a second add is refused (NLM_F_EXCL)"
ok "replace changes the mtu" rt route replace wan0 0.0.0.0/0 mtu 1400
is "$(ip -n "$ns" -j route show default | jget '(len(j), j[0]["metrics"])')" \
	"(1, [{'mtu': 1400}])" "still one default route, mtu 1400"
# Ours are the routes of protocol 233 through our own links (another
# instance's go through its own): a veth named as the unnamed instance's
# tunnel stands in for the ip6tnl this host lacks.
ip -n "$ns" link add v6mig0 type veth peer name v6mig0p && ip -n "$ns" link set v6mig0 up &&
	ip -n "$ns" route add default dev v6mig0 proto 233 metric 10
s=$(rt read wan0 lan0)
like "$s" "route 0.0.0.0/0 dev v6mig0 mtu 0 table 254 proto 233 scope 253" "read: our route, through our link"
is "$(echo "$s" | grep -c '^route ')" 1 "read: only routes of protocol 233 through our links (not wan0's)"
ip -n "$ns" link del v6mig0
is "$(echo "$s" | grep -c '^addr lan0 192.0.2.18/32')" 1 "read: addresses on asked interfaces"
ok "route deleted" rt route del wan0 0.0.0.0/0
is "$(ip -n "$ns" -j route show default | jget 'len(j)')" 0 "no default route left"
is "$(ip -n "$ns" -j route show 198.51.100.0/24 | jget '(len(j), j[0]["protocol"])')" \
	"(1, 'static')" "the foreign route survived"
like "$(rt route del wan0 198.51.100.0/24 2>&1)" "deleting route 198.51.100.0/24 dev wan0: No such process" \
	"a foreign route is not ours to delete (protocol 233 asked)"
ok "address deleted" rt addr del wan0 2001:db8:12:3400:0:c000:212:34/128
is "$(ip -n "$ns" -j addr show dev wan0 | jget 'len([x for x in j[0]["addr_info"] if x["prefixlen"] == 128])')" \
	0 "no /128 left"

# ---- the kernel's extended-ACK text ----------------------------------------------
if unshare -n ip link add v6t-probe type ip6tnl > /dev/null 2>&1; then
	ok "this kernel has ip6tnl: link added" rt link add v6mig0 wan0 2001:db8:ff00::100 2001:db8::1 1460
else
	like "$(rt link add v6mig0 wan0 2001:db8:ff00::100 2001:db8::1 1460 2>&1)" \
		"adding link v6mig0: Operation not supported \(kernel: Unknown device type\)" \
		"refusal carries the kernel's extended-ACK text"
fi

# ---- WAN facts ---------------------------------------------------------------------
ok "our /128 again" rt addr add wan0 2001:db8:ff00::5/128 nodad
ip netns exec "$ns" sysctl -qw net.ipv6.conf.wan0.dad_transmits=50
ip -n "$ns" addr add 2001:db8:ff00::200/64 dev wan0
f=$(rt facts wan0 lan0)
like "$f" "^wan wan0 mtu 1500" "WAN MTU"
like "$f" "prefix 2001:db8:ff00::100/64" "WAN global address with its prefix"
like "$f" "prefix 2001:db8:12:3401::1/64" "LAN global address with its prefix"
like "$f" "wan_addr 2001:db8:ff00::100" "a WAN address for DS-Lite's local end"
is "$(echo "$f" | grep -c '2001:db8:ff00::5')" 0 "our own /128 is not a fact"
is "$(echo "$f" | grep -c '2001:db8:ff00::200')" 0 "a tentative address is not a fact"
is "$(echo "$f" | grep -c 'fe80')" 0 "link-local addresses are not facts"
ip -n "$ns" link set wan0 mtu 1400
like "$(rt facts wan0)" "^wan wan0 mtu 1400" "MTU follows the link"
like "$(rt facts wan0 nosuch0 2>&1)" "no interface 'nosuch0'" "a missing LAN is named"
ip -n "$ns" addr del 2001:db8:ff00::200/64 dev wan0
# Renumbering (Q8): the prefix being left is deprecated (preferred
# lifetime 0); the newest address comes first in the kernel's dump, so
# the deprecated one is added last and must still come after.
ip -n "$ns" addr add 2001:db8:ee02::1/64 dev wan0 nodad
ip -n "$ns" addr add 2001:db8:ee01::1/64 dev wan0 nodad preferred_lft 0
f=$(rt facts wan0)
is "$(echo "$f" | grep -o 'prefix 2001:db8:ee0[12]::1/64' | head -n 1)" "prefix 2001:db8:ee02::1/64" \
	"a deprecated prefix comes after the preferred ones (the MAP rule follows the new prefix)"
like "$f" "prefix 2001:db8:ee01::1/64" "... and is still a fact"
ip -n "$ns" addr del 2001:db8:ee01::1/64 dev wan0
# MAP-E's end-user prefix (issue 11 item 8): the delegated prefix (a LAN
# address) before the WAN link's; on the WAN a /64 before an IA_NA /128
# (added last: the kernel dumps it first), whatever the dump order.
ip -n "$ns" addr add 2001:db8:ff00::99/128 dev wan0 nodad
is "$(rt facts wan0 lan0 | grep '^prefix' | head -n 3 | tr '\n' ' ')" \
	"prefix 2001:db8:12:3401::1/64 prefix 2001:db8:ee02::1/64 prefix 2001:db8:ff00::100/64 " \
	"prefixes: the LAN's (delegated) first, then the WAN's /64s by address"
like "$(rt facts wan0 lan0 | grep '^prefix' | tail -n 1)" "prefix 2001:db8:ff00::99/128" \
	"... and the WAN's /128 (IA_NA) last"
ip -n "$ns" addr del 2001:db8:ff00::99/128 dev wan0
ip -n "$ns" addr del 2001:db8:ee02::1/64 dev wan0

# ---- the watcher --------------------------------------------------------------------
ns_watch wan0 lan0
read -r ready <&4
is "$ready" ready "watcher subscribed"
is "$(ask)" unchanged "nothing happened yet"
rt addr add wan0 2001:db8:ff00::6/128 nodad
is "$(ask)" unchanged "our own /128 is not a change"
ip -n "$ns" addr add 2001:db8:ff00::300/64 dev wan0 nodad
is "$(ask)" changed "a new WAN address is a change (Q8)"
is "$(ask)" unchanged "and reported once"
ip -n "$ns" addr change 2001:db8:ff00::300/64 dev wan0 valid_lft 3600 preferred_lft 1800
is "$(ask)" unchanged "a lifetime refresh is not a change"
ip -n "$ns" addr add 2001:db8:77::1/64 dev lan1 nodad
is "$(ask)" unchanged "an address on an unwatched interface is not a change"
ip -n "$ns" addr add 2001:db8:12:3402::1/64 dev lan0 nodad
is "$(ask)" changed "a new LAN address is a change"
ip -n "$ns" link set wan0 mtu 1380
is "$(ask)" changed "a WAN MTU change is a change"
ip -n "$ns" addr del 2001:db8:ff00::300/64 dev wan0
is "$(ask)" changed "a removed WAN address is a change"
# Issue 11 item 7: what of ours goes is noticed (and nothing else).
rt addr add wan0 2001:db8:ff00::7/128 nodad
ask > /dev/null
ip -n "$ns" addr del 2001:db8:ff00::7/128 dev wan0
is "$(ask)" "unchanged; lost address 2001:db8:ff00::7/128" "lost: our /128 (IFA_PROTO 233) deleted"
rt route add wan0 0.0.0.0/0 mtu 1400
ask > /dev/null
ip -n "$ns" route flush proto 233
is "$(ask)" "unchanged; lost route 0.0.0.0/0" "lost: our route (protocol 233) flushed"
ip -n "$ns" link add v6mig0 type veth peer name v6t-peer0 &&
	ip -n "$ns" link set v6mig0 up && ip -n "$ns" addr add 192.0.2.33/32 dev v6mig0
ask > /dev/null
ip -n "$ns" addr flush dev v6mig0
is "$(ask)" "unchanged; lost address 192.0.2.33/32" "lost: the IPv4 address on our link flushed"
ip -n "$ns" link del v6mig0
like "$(ask)" "lost link v6mig0" "lost: our link deleted"
ip netns exec "$ns" nft add table ip v6mig
ip netns exec "$ns" nft add chain ip v6mig c
ip netns exec "$ns" nft add table ip other
ask > /dev/null
ip netns exec "$ns" nft delete table ip other
ip -n "$ns" route del 198.51.100.0/24
is "$(ask)" "unchanged" "a foreign table and a foreign route deleted: nothing of ours"
ip netns exec "$ns" nft flush ruleset
like "$(ask)" "lost .*nft (table|chain) in table ip v6mig" "lost: nft flush ruleset took our table"
exec 3>&- 4<&-
wait "$wpid"
is "$?" 0 "watcher exits cleanly"
wpid=

# RA prefixes (the first RA after start is no change, a new one is): test_watch_ra.sh

done_testing
