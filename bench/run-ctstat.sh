#!/bin/sh
# Port-set sampling (issue 14) on the host kernel: one ctstat sample
# (a conntrack dump filtered in the kernel to our external address) in a
# scratch namespace holding N foreign entries and 240 of ours, against a
# full dump of the same table by conntrack(8) for scale.
# Usage: bench/run-ctstat.sh BUILD_DIR [N] [ROUNDS]
set -u
O=$1
N=${2:-100000}
R=${3:-30}
NS=v6t-ct-bench
if [ "$(id -u)" != 0 ]; then
	echo "ctstat bench: needs root (namespaces, conntrack); skipped"
	exit 0
fi
cleanup() { ip netns del $NS 2>/dev/null; }
trap cleanup EXIT INT TERM
cleanup
ip netns add $NS || exit 1
T=$O/tests/tools/ctstat_tool
ip netns exec $NS "$T" fill-foreign "$N" > /dev/null || exit 1
ip netns exec $NS "$T" fill-ours 192.0.2.1 198.51.100.2 tcp 240 4 8 0x34 > /dev/null || exit 1
echo "table: $(ip netns exec $NS conntrack -C) entries ($N foreign, 240 ours)"
ip netns exec $NS "$T" sample 192.0.2.1 4 8 0x34 "$R" |
	sed -n "s/^ms \(.*\) \(.*\) \(.*\)/ctstat sample (kernel-filtered): min \1 ms, median \2 ms, max \3 ms over $R/p; s/^entries /  entries sent to us: /p"
s=$(date +%s%N)
ip netns exec $NS conntrack -L > /dev/null 2>&1
echo "for scale, one full dump (conntrack -L > /dev/null): $(( ($(date +%s%N) - s) / 1000000 )) ms"
