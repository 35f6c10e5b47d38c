#!/bin/sh
# Build every fuzzer and run each for a fixed short time (FUZZ_TIME
# seconds, default 20) from its seeds in tests/fuzz/corpus/<name>/, with
# tests/fuzz/<name>.dict when there is one. TAP: one line per fuzzer.
# New inputs go to a scratch corpus, never into the repository; a crash
# leaves its input in build-fuzz/artifacts/.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
T=${FUZZ_TIME:-20}
O=build-fuzz
scratch=$(mktemp -d /tmp/v6mig-fuzz.XXXXXX)
trap 'rm -rf "$scratch"' EXIT INT TERM

if ! tests/fuzz/build.sh > "$scratch/build.log" 2>&1; then
	sed 's/^/# /' "$scratch/build.log" | tail -30
	echo "not ok 1 - fuzz build"
	echo "1..1"
	exit 1
fi
mkdir -p "$O/artifacts"
n=0 fail=0
for src in tests/fuzz/fuzz_*.c; do
	name=$(basename "$src" .c)
	short=${name#fuzz_}
	n=$((n + 1))
	mkdir -p "$scratch/$short"
	set -- "$scratch/$short"
	[ -d "tests/fuzz/corpus/$short" ] && set -- "$@" "tests/fuzz/corpus/$short"
	dict=""
	[ -f "tests/fuzz/$short.dict" ] && dict="-dict=tests/fuzz/$short.dict"
	# -timeout: one input over 10 s is a hang; -rss_limit_mb bounds memory.
	if "$O/$name" -max_total_time="$T" -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$O/artifacts/$name-" -print_final_stats=1 \
		$dict "$@" > "$scratch/$name.log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$scratch/$name.log")
		echo "ok $n - $name (${runs:-?} runs in ${T} s)"
	else
		fail=$((fail + 1))
		grep -E 'ERROR|SUMMARY|Test unit written|==[0-9]+==' "$scratch/$name.log" | head -20 | sed 's/^/# /'
		echo "not ok $n - $name"
	fi
done
echo "1..$n"
[ "$fail" -eq 0 ]
