#!/bin/sh
# SPDX-License-Identifier: MIT
# Adding the tunnel source /128 while somebody else changes addresses in
# the same namespace (an RA, another daemon): the kernel marks an address
# dump that a change interrupted (NLM_F_DUMP_INTR), and the read that
# confirms the new address is not tentative must read again instead of
# failing the whole apply. The soak met it: "address dump: Dump
# inconsistency detected, interrupted (every change undone)", and the
# agent fell back for 10-30 minutes (Q5). Namespaces of our own. Root.
. "$(dirname "$0")/../lib/tap.sh"
T=${RT_TOOL:-build/tests/tools/rt_tool}
ns=v6t-race-$$
tmp=$(mktemp -d)
cpid=
cleanup() {
	[ -n "$cpid" ] && kill "$cpid" 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# 400 addresses make every dump span several messages (room for a change
# to land in between); churn0 gains and loses one address all the time.
ip netns add "$ns" &&
	ip -n "$ns" link add wan0 type veth peer name wan1 &&
	ip -n "$ns" link add churn0 type veth peer name churn1 &&
	ip -n "$ns" link set wan0 up && ip -n "$ns" link set churn0 up &&
	seq 1 400 | sed 's|.*|addr add 2001:db8:66::&/128 dev churn1 nodad|' | ip -n "$ns" -batch - ||
	{ echo "not ok 1 - namespace setup"; echo "1..1"; exit 1; }
seq 1 100 | sed 's|.*|addr add 2001:db8:77::1/128 dev churn0 nodad\naddr del 2001:db8:77::1/128 dev churn0|' > "$tmp/churn"
(
	end=$(($(date +%s) + 60))
	while [ "$(date +%s)" -lt "$end" ]; do ip -n "$ns" -batch "$tmp/churn" || exit 1; done
) &
cpid=$!

fail=0
for i in $(seq 1 60); do
	ip netns exec "$ns" "$T" addr add wan0 "2001:db8:12:3400::$i/128" nodad > "$tmp/out" 2>&1 ||
		{ fail=$((fail + 1)); sed 's/^/# /' "$tmp/out" | head -n 1; }
done
ok "the churn ran all along" kill -0 "$cpid"
kill "$cpid" 2>/dev/null
wait "$cpid" 2>/dev/null
cpid=
is "$fail" 0 "60 /128 adds under concurrent address changes: none failed"
is "$(ip -n "$ns" -6 addr show dev wan0 | grep -c '2001:db8:12:3400::')" 60 "all 60 addresses are there"
done_testing
