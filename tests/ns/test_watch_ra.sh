#!/bin/sh
# The daemon's netlink watcher (netlink/watch.c) and router advertisements:
# HB46PP Q7/Q8 want a fetch when the CE's own IPv6 addressing changes. The
# first RA the watcher sees after it started announces the prefix the WAN
# address already comes from: not a change (the kernel has no dump of RA
# prefixes, so the watcher cannot know it at start). A prefix that covers
# no address we hold (renumbering) is one. Root; namespaces of our own.
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/ns.sh"
T=${RT_TOOL:-build/tests/tools/rt_tool}
RA="/usr/bin/python3 $(dirname "$0")/ra_send.py"
ns=v6t-story-wra-$$
isp=v6t-story-wisp-$$
tmp=$(mktemp -d)
wpid=
trap ns_pair_cleanup EXIT
trap 'exit 1' INT TERM

# The CE's WAN is a veth to an "ISP" namespace that sends the RAs; no DAD
# on the ISP side, so its link-local source is usable at once.
ns_wan_pair &&
	ip -n "$ns" addr add 2001:db8:ff10::100/64 dev wan0 nodad ||
	{ echo "not ok 1 - namespace setup"; echo "1..1"; exit 1; }

# ra HOPLIMIT PREFIX: send one RA and wait (bounded) until the CE's kernel
# took it (its hop limit follows the RA's), then a little more for the
# event to queue.
ra() {
	i=0
	while [ $i -lt 10 ]; do
		ip netns exec "$isp" $RA isp0 "$1" "$2" 2>/dev/null
		j=0
		while [ $j -lt 10 ]; do
			if [ "$(ip netns exec "$ns" cat /proc/sys/net/ipv6/conf/wan0/hop_limit)" = "$1" ]; then
				sleep 0.2
				return 0
			fi
			sleep 0.1
			j=$((j + 1))
		done
		i=$((i + 1)) # not taken yet (the link may still be coming up): again
	done
	return 1
}

ns_watch wan0
read -r ready <&4
is "$ready" ready "watcher subscribed"
is "$(ask)" unchanged "nothing happened yet"

ok "an RA for the WAN address's own prefix arrives" ra 61 2001:db8:ff10::/64
is "$(ask)" unchanged "Q7/Q8: the prefix our WAN address comes from, first seen after start, is not a change"
ok "the same RA again" ra 62 2001:db8:ff10::/64
is "$(ask)" unchanged "... nor is it when announced again"
ok "an RA with a new prefix (renumbering)" ra 63 2001:db8:ff20::/64
is "$(ask)" changed "Q8: a new prefix on the WAN is a change"
is "$(ask)" unchanged "and reported once"

# SLAAC renumbering: the kernel makes the new prefix's address (tentative)
# before it announces the prefix, and announces the address when DAD is
# done (3 probes here: a window of seconds). The fetch must wait for it,
# or it would leave from the old address (Q8).
tentative() { ip -n "$ns" -6 addr show dev wan0 | grep -q "2001:db8:ff30:.*tentative"; }
ip netns exec "$ns" sysctl -qw net.ipv6.conf.wan0.dad_transmits=3
ok "an RA with a new autonomous prefix (SLAAC renumbering)" ra 64 2001:db8:ff30::/64+a
ok "its address is being made (tentative, in DAD)" tentative
is "$(ask)" unchanged "Q8: a new prefix whose address is still in DAD is not a change yet"
i=0
while tentative && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
ok "DAD done: the address is usable" eval '! tentative'
is "$(ask)" changed "Q8: the new address, usable, is the change"
is "$(ask)" unchanged "and reported once"

exec 3>&- 4<&-
wait "$wpid"
is "$?" 0 "watcher exits cleanly"
wpid=
done_testing
