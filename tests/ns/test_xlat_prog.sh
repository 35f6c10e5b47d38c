#!/bin/sh
# The translator's eBPF programs (issue 12) on crafted packets through
# BPF_PROG_TEST_RUN, compared with packets built from the RFCs by scapy:
# tests/bpf/xlat_test.py drives tests/tools/xlat_run. No namespace needed,
# but loading programs needs root (CAP_BPF + CAP_NET_ADMIN).
# XLAT_TOOL=path runs another build of the tool (e.g. build-asan/...).
top=$(cd "$(dirname "$0")/../.." && pwd)
T=${XLAT_TOOL:-$top/build/tests/tools/xlat_run}

if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP loading eBPF programs needs root"
	exit 0
fi
[ -x "$T" ] || { echo "not ok 1 - $T missing (make tests-bin)"; exit 1; }
exec /usr/bin/python3 "$top/tests/bpf/xlat_test.py" "$T"
