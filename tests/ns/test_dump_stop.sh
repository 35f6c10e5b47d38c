#!/bin/sh
# SPDX-License-Identifier: MIT
# A dump that our callback stops early (a read refused for holding over
# KSTATE_MAX_ADDRS addresses) must not leave the rest of the dump queued
# on the long-lived rtnl socket: the next request on it would read those
# messages as its answer (issue 11 item 15). rt_tool reread reads an
# interface with 300 addresses (refused), then one with two, on one
# context. Namespace of our own. Root.
. "$(dirname "$0")/../lib/tap.sh"
T=${RT_TOOL:-build/tests/tools/rt_tool}
ns=v6t-dstop-$$
tmp=$(mktemp -d)
cleanup() { ip netns del "$ns" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 1' INT TERM

# 300 addresses: the dump spans many datagrams, so most of it is still in
# the socket when the callback says stop.
ip netns add "$ns" &&
	ip -n "$ns" link add big0 type veth peer name small0 &&
	ip -n "$ns" link set big0 up && ip -n "$ns" link set small0 up &&
	seq 1 300 | sed 's|.*|addr add 2001:db8:66::&/128 dev big0 nodad|' | ip -n "$ns" -batch - &&
	ip -n "$ns" addr add 2001:db8:77::1/128 dev small0 nodad &&
	ip -n "$ns" addr add 192.0.2.1/24 dev small0 ||
	{ echo "not ok 1 - namespace setup"; echo "1..1"; exit 1; }

want=$(ip -n "$ns" -j addr show dev small0 | python3 -c 'import json,sys; print(sum(len(i["addr_info"]) for i in json.load(sys.stdin)))')
ip netns exec "$ns" "$T" reread big0 small0 > "$tmp/out" 2>&1
rc=$?
sed 's/^/# /' "$tmp/out"
like "$(cat "$tmp/out")" "first: .*over [0-9]+ addresses" "the read of 300 addresses is refused"
is "$rc" 0 "the next request on the same socket succeeds"
is "$(sed -n 's/^second: \([0-9]*\) addresses$/\1/p' "$tmp/out")" "$want" "and reads small0's own $want addresses"
done_testing
