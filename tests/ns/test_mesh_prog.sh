#!/bin/sh
# The MAP-E mesh eBPF programs (issue 13) on crafted packets through
# BPF_PROG_TEST_RUN, compared with packets built from RFC 7597 by scapy and
# with `v6mig-agent calc`: tests/bpf/mesh_test.py drives
# tests/tools/mesh_run. No namespace needed, but loading programs needs root.
# MESH_TOOL=path runs another build of the tool (e.g. build-asan/...).
top=$(cd "$(dirname "$0")/../.." && pwd)
T=${MESH_TOOL:-$top/build/tests/tools/mesh_run}
A=${AGENT:-$top/build/v6mig-agent}

if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP loading eBPF programs needs root"
	exit 0
fi
[ -x "$T" ] || { echo "not ok 1 - $T missing (make tests-bin)"; exit 1; }
exec /usr/bin/python3 "$top/tests/bpf/mesh_test.py" "$T" "$A"
