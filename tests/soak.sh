#!/bin/sh
# `make soak`: the full soak (issue 5) -- tests/vm/soak.sh with 1000 refresh
# cycles under ASan+UBSan and 1000 under valgrind, in the VM (Debian's
# kernel, for ip6tnl) unless this kernel has ip6tnl. Prints the figures
# (cycles, time, open fds and RSS over time) and TAP; exit 1 on a failure.
#   SOAK_CYCLES=N      cycles per mode (default 1000)
#   SOAK_MODES="asan valgrind"   which runs
#   V6MIG_VM=always|never|auto   as tests/vm/run-all.sh
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
cycles=${SOAK_CYCLES:-1000}
modes=${SOAK_MODES:-asan valgrind}
[ "$(id -u)" = 0 ] || { echo "soak: needs root (namespaces, the VM)" >&2; exit 1; }
[ -x build-asan/v6mig-agent ] || { echo "soak: no build-asan/v6mig-agent (make asan)" >&2; exit 1; }
mode=${V6MIG_VM:-auto}
if [ "$mode" = auto ]; then
	mode=always
	unshare -n sh -c 'ip link add v6t-probe type ip6tnl mode ipip6 local 2001:db8::1 remote 2001:db8::2' \
		>/dev/null 2>&1 && mode=never
fi
echo "soak: $cycles cycles each: $modes ($( [ "$mode" = never ] && echo "this kernel" || echo "in the VM"))"
start=$(date +%s)
# shellcheck disable=SC2086 # modes is a list
if [ "$mode" = never ]; then
	tests/vm/soak.sh --rss --cycles "$cycles" $modes
else
	# Generous: valgrind under TCG takes seconds a cycle.
	scripts/vm/run.sh --timeout $((600 + cycles * 12)) -- tests/vm/soak.sh --rss --cycles "$cycles" $modes
fi
rc=$?
echo "soak: $(($(date +%s) - start)) s, exit $rc"
exit "$rc"
