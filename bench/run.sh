#!/bin/sh
# `make bench`: run every bench/run-*.sh in name order; each one prints its
# own figures. Add a bench by adding a run-<name>.sh (and bench/<name>.c
# when it needs a program: the Makefile builds bench/*.c into build/bench/).
# Usage: bench/run.sh [BUILD_DIR]
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
O=${1:-build}
case $O in /*) ;; *) O=$top/$O ;; esac
rc=0
for b in "$top"/bench/run-*.sh; do
	[ -e "$b" ] || continue
	echo "== $(basename "$b" .sh | sed 's/^run-//')"
	sh "$b" "$O" || { echo "bench $(basename "$b") failed"; rc=1; }
done
exit $rc
