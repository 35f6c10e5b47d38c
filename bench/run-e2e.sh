#!/bin/sh
# Issue 5's bench, end to end: the real agent (`v6mig-agent run`) in the lab
# (scripts/lab) brings up MAP-E from a cold start; printed, not judged:
#  - time from `run` starting to the first IPv4 packet through the tunnel
#    (the first echo reply a continuous ping from `lan` to `inet` gets),
#    and the daemon's own split of its way to "configured" (status.json
#    `timings`: DNS, HTTPS, plan, kernel);
#  - the daemon's RSS when idle (configured, after a few refreshes);
#  - the stripped binary size per configuration (scripts/size.sh).
# The lab needs ip6tnl: in the VM (scripts/vm/run.sh) when the running kernel
# lacks it -- and under TCG every figure is 5-20x slow; the split is the point.
# Usage: bench/run-e2e.sh BUILD_DIR [ROUNDS]   (root; BENCH_SIZES=0 skips sizes)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
O=${1:-$top/build}
case $O in /*) ;; *) O=$top/$O ;; esac
rounds=${2:-3}
if [ "$(id -u)" != 0 ]; then
	echo "e2e bench: needs root (namespaces, netlink); skipped"
	exit 0
fi
rc=0
if unshare -n ip link add v6t-probe type ip6tnl > /dev/null 2>&1; then
	echo "# running kernel $(uname -r) has ip6tnl: measured here"
	bash "$top/bench/e2e_inner.sh" "$O" "$rounds" || rc=1
else
	echo "# running kernel $(uname -r) lacks ip6tnl: measured in the VM (TCG: slow)"
	(cd "$top" && "$top/scripts/vm/run.sh" --timeout 900 -- \
		/bin/bash "$top/bench/e2e_inner.sh" "$O" "$rounds") || rc=1
fi
if [ "${BENCH_SIZES:-1}" != 0 ]; then
	echo "# stripped binary per configuration (scripts/size.sh, bytes)"
	sh "$top/scripts/size.sh" || rc=1
fi
exit $rc
