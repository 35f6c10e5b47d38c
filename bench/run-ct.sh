#!/bin/sh
# Issue 11 item 16: how long a NAT change holds the daemon's loop. N
# (65536) conntrack entries NATed to the old address and 1000 of somebody
# else, in a scratch namespace; ours deleted in steps of a 20 ms budget as
# the daemon does (the longest step is what the loop waits at most), then
# again in one call for comparison.
# Usage: bench/run-ct.sh BUILD_DIR [N]
set -u
O=$1
N=${2:-65536}
T=$O/tests/tools/ct_tool
NS=v6t-ct-bench
if [ "$(id -u)" != 0 ]; then
	echo "ct bench: needs root (namespaces, conntrack); skipped"
	exit 0
fi
[ -x "$T" ] || { echo "ct bench: $T missing (make tests-bin)"; exit 1; }
cleanup() { ip netns del $NS 2>/dev/null; }
trap cleanup EXIT INT TERM
cleanup
ip netns add $NS || exit 1
ct() { ip netns exec $NS "$T" "$@"; }
ct fill 198.51.100.18 "$N" 1000 || exit 1
echo "ct: $N entries NATed to 198.51.100.18, 1000 others; in steps of 20 ms: $(ct flush-snat 198.51.100.18 20)"
ct fill 198.51.100.18 "$N" 0 || exit 1
s=$(date +%s%N)
r=$(ct flush-snat 198.51.100.18)
echo "ct: the same in one call: $r in $(( ($(date +%s%N) - s) / 1000000 )) ms (process included)"
ct -q fill 198.51.100.18 0 1 && { echo "ct: the other entries went too"; exit 1; }
exit 0
