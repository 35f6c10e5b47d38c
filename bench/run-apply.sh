#!/bin/sh
# Issue 4's bench, kernel side: bring up a MAP-E plan of the 256-rule
# answer (tests/fixtures/map_e_256.json: the BMR is the last rule, a
# 63-range port set) with `v6mig-agent apply`, cold and warm (a no-op),
# against the same state made by `ip -batch` + `nft -f` (the commands
# `v6mig-agent plan` prints), all in one run. ip6tnl needs a kernel that
# has it: in the VM (scripts/vm/run.sh) when the running one lacks it --
# and under TCG the absolute figures are slow; the ratio is the point.
# Usage: bench/run-apply.sh BUILD_DIR [ROUNDS]
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
O=${1:-$top/build}
case $O in /*) ;; *) O=$top/$O ;; esac
rounds=${2:-5}
if [ "$(id -u)" != 0 ]; then
	echo "apply bench: needs root (namespaces, netlink); skipped"
	exit 0
fi
if unshare -n ip link add v6t-probe type ip6tnl > /dev/null 2>&1; then
	echo "# running kernel $(uname -r) has ip6tnl: measured here"
	exec sh "$top/bench/apply_inner.sh" "$O" "$rounds"
fi
echo "# running kernel $(uname -r) lacks ip6tnl: measured in the VM (TCG: slow)"
cd "$top" && exec "$top/scripts/vm/run.sh" --timeout 1800 -- \
	/bin/sh "$top/bench/apply_inner.sh" "$O" "$rounds"
