#!/bin/bash
# The soak (issue 5): the real agent in the lab's CE through many refresh
# cycles (SIGUSR1 = fetch now) while the provisioning server answers, at
# random for each request, one of a few valid offers (another MAP rule,
# the other interface-ID layout, the same settings with another ttl: some
# answers change the kernel, some repeat what runs). Under ASan+UBSan
# (build-asan, LeakSanitizer at exit) and under valgrind (memcheck,
# definite leaks are errors). TAP on stdout, figures as comments.
#
# Usage: tests/vm/soak.sh [--cycles N] [--rss] MODE[:N]...
#   MODE: asan | valgrind | plain | asan-leak; :N overrides --cycles for
#   that mode. asan-leak is the proof that the checks below catch a leak:
#   the ASan agent with V6MIG_TEST_LEAK (agent/heapstat.h: 64 KiB lost per
#   query, test builds only), whose heap check and leak report must FAIL.
#   --rss: also assert RSS flat (make soak); otherwise RSS is only reported.
# Root, a kernel with ip6tnl (the VM: tests/soak.sh, or the VM case
# test_soak.sh). One lab bring-up for all the modes.
#
# Flat means (after a warm-up of the first tenth of the cycles, at least
# 5 -- one fewer than the cycles in a shorter run -- when c-ares, libcurl
# and OpenSSL have made their one-time allocations):
#   open descriptors: the count after every cycle stays within the
#     warm-up value +-1 (a DNS socket c-ares may or may not hold between
#     queries), the last too (a clean-clone check saw 18 through every
#     cycle, then 19 a moment after the last: a query's socket); a leak
#     of one per cycle is 30 over the short soak;
#   heap (ASan, plain): the allocator's count of bytes in use (status.json
#     heap_bytes: ASan's allocator statistics, glibc's mallinfo2) grows by
#     at most SOAK_HEAP_KB (default 128 KiB) from the warm-up sample to
#     the end (ASan's count stayed exactly flat over 8 cycles in the VM
#     here while RSS grew 1076 KiB); under valgrind its leak report at exit (definite leaks are
#     errors) is the check. This, not RSS, is the short soak's leak test
#     (issue 11 item 19: RSS under ASan grew 2.7 MiB over 30 cycles on a
#     loaded machine while valgrind's run was flat);
#   RSS (with --rss, `make soak`): grows by at most SOAK_RSS_KB (default 1024 KiB) from the warm-up
#     sample to the end -- about 1 KiB a cycle over 1000 cycles, far below
#     what losing one provisioning record (a few KiB) per cycle would show,
#     above allocator noise (malloc arenas). Both tools hold freed memory
#     back to catch use-after-free -- ASan's quarantine, valgrind's
#     freed-block queue, each capped at 1 MiB for the soak -- and that
#     store fills during the run: 1024 KiB more are allowed under them
#     (a 200-cycle valgrind run grew 1004 KiB, all of it before cycle
#     100, then stayed within 112 KiB).
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
. tests/vm/lab_case.sh soak
L=scripts/lab
cycles=30
modes=()
check_rss=0
while [ $# -gt 0 ]; do
	case $1 in
	--cycles) cycles=$2; shift 2 ;;
	--rss) check_rss=1; shift ;;
	asan | valgrind | plain | asan-leak | asan:[0-9]* | valgrind:[0-9]* | plain:[0-9]* | asan-leak:[0-9]*)
		modes+=("$1"); shift ;;
	*) echo "usage: $0 [--cycles N] [--rss] asan|valgrind|plain|asan-leak..." >&2; exit 2 ;;
	esac
done
[ ${#modes[@]} -gt 0 ] || modes=(asan valgrind)
rss_tol=${SOAK_RSS_KB:-1024}
heap_tol=${SOAK_HEAP_KB:-128}
apid=""
trap '[ -n "$apid" ] && kill -9 "$apid" 2>/dev/null; $L/topo.sh down >/dev/null 2>&1' EXIT
trap 'exit 1' INT TERM

fds() { local f=(/proc/"$1"/fd/*); echo "${#f[@]}"; }
rss() { # VmRSS in KiB, without a process
	local k v _
	while read -r k v _; do [ "$k" = VmRSS: ] && { echo "$v"; return; }; done <"/proc/$1/status"
	echo 0
}

# ---- the lab and the offers --------------------------------------------------
t0=$SECONDS
$L/topo.sh up 2>"$LAB_DIR.up.log"
rc=$?
is "$rc" 0 "soak: topo up"
[ "$rc" = 0 ] || { sed 's/^/# /' "$LAB_DIR.up.log"; echo "Bail out! no lab"; exit 1; }
echo "# lab up in $((SECONDS - t0)) s"
"$PY" - "$L/offers" >"$LAB_DIR/bodies.json" <<'EOF'
import copy, json, sys
v1 = json.load(open(sys.argv[1] + "/map_e-v1.json"))
v0 = json.load(open(sys.argv[1] + "/map_e-v0.json"))
ttl = copy.deepcopy(v1); ttl["ttl"] = 7200            # same settings: Q6 keeps
r2 = copy.deepcopy(v1); r2["map_e"]["rules"][0]["ipv4"] = "198.51.100.32/28"
r3 = copy.deepcopy(v1); r3["map_e"]["rules"][0]["ipv4"] = "198.51.100.48/28"
print(json.dumps({"bodies": [v1, ttl, r2, r3, v0]}))
EOF
$L/prov.sh ctl PUT /default "$(cat "$LAB_DIR/bodies.json")" >/dev/null
is "$?" 0 "soak: the server answers one of 5 offers at random"

# ---- one mode ------------------------------------------------------------------
soak() {
	local mode=${1%%:*} cycles=$cycles agent=$top/build/v6mig-agent wrap="" n=0 bad=0 q i end
	local budget=20 startwait=180 tl warm
	case $1 in *:*) cycles=${1#*:} ;; esac
	local f0 r0 fw rw fmin fmax rmax a0 tstart pid h0 hw he hmax=0 leak=""
	[ "$mode" = asan-leak ] && leak=65536
	case $mode in
	asan | asan-leak)
		agent=$top/build-asan/v6mig-agent
		export ASAN_OPTIONS=detect_leaks=1:exitcode=42:quarantine_size_mb=1:abort_on_error=0
		export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
		;;
	valgrind)
		# The first fetch under valgrind on TCG took 19-26 s of
		# https_ms in an idle VM (OpenSSL's first handshake; the ASan
		# build's took 0.44 s, later cycles' ~2 s): 20 s was a coin flip
		# (2 of 4 starts went to back-off). This run tests memory, not
		# latency: give the one slow fetch room.
		budget=120 startwait=300
		wrap="valgrind --quiet --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite --error-exitcode=42 --freelist-vol=1000000 --suppressions=$top/tests/vm/valgrind.supp"
		;;
	esac
	[ -x "$agent" ] || { is "missing" "$agent" "$mode: agent built"; return; }
	local tol=$rss_tol
	[ "$mode" = plain ] || tol=$((rss_tol + 1024))
	: >"$LAB_DIR/log/agent1.log"
	rm -rf "$AD"
	V6MIG_TEST_LEAK=$leak LAB_AGENT=$agent LAB_AGENT_WRAP=$wrap \
		$L/agent.sh start --fg -- --timeout "$budget" --log-level notice &
	apid=$!
	pid=$apid
	tl=$SECONDS
	end=$((SECONDS + startwait))
	while [ "$SECONDS" -lt "$end" ]; do
		st
		[ "$(jv state)" = configured ] && break
		pid_alive "$pid" || break
		nap 0.5
	done
	echo "# $mode: $(jv state) $((SECONDS - tl)) s after launch (fetch budget $budget s): dns_ms $(jv dns_ms) https_ms $(jv https_ms) plan_ms $(jv plan_ms) kernel_ms $(jv kernel_ms) total_ms $(jv total_ms)"
	is "$(jv state)" configured "$mode: configured at start ($((SECONDS - t0)) s)"
	if [ "$(jv state)" != configured ]; then
		echo "# $mode: last_error: $(jv last_error)"
		kill -9 "$pid"
		wait "$pid"
		apid=""
		grep -v '^<[67]>' "$LAB_DIR/log/agent1.log" | tail -n 40 | sed "s/^/# $mode| /"
		return
	fi
	f0=$(fds "$pid") r0=$(rss "$pid") a0=$(jv applies) fmin=999999 fmax=0 rmax=0 h0=$(jv heap_bytes)
	tstart=$SECONDS
	warm=$((cycles / 10 > 5 ? cycles / 10 : 5))
	[ "$warm" -lt "$cycles" ] || warm=$((cycles > 1 ? cycles - 1 : 1))
	for ((i = 1; i <= cycles; i++)); do
		q=$(jv queries)
		kill -USR1 "$pid" 2>/dev/null || { bad=$((bad + 1)); break; }
		end=$((SECONDS + 60))
		while [ "$SECONDS" -lt "$end" ]; do
			nap 0.05
			st
			[ "$(jv queries)" != "$q" ] && [ "$(jv state)" = configured ] && break
		done
		if [ "$(jv queries)" = "$q" ] || [ "$(jv state)" != configured ]; then
			bad=$((bad + 1))
			echo "# $mode: cycle $i: no fetch seen in 60 s: $(jv state) $(jv last_error)"
			[ "$bad" -ge 3 ] && break
			continue
		fi
		n=$((n + 1))
		if [ "$i" = "$warm" ]; then
			fw=$(fds "$pid") rw=$(rss "$pid") hw=$(jv heap_bytes)
		fi
		if [ -n "${fw:-}" ]; then
			local f r
			f=$(fds "$pid") r=$(rss "$pid")
			[ "$f" -lt "$fmin" ] && fmin=$f
			[ "$f" -gt "$fmax" ] && fmax=$f
			[ "$r" -gt "$rmax" ] && rmax=$r
			h=$(jv heap_bytes)
			[ "$h" != "?" ] && [ "$h" -gt "$hmax" ] && hmax=$h
		fi
		[ $((i % 100)) = 0 ] && echo "# $mode: $i cycles, $((SECONDS - tstart)) s, fds $(fds "$pid"), RSS $(rss "$pid") KiB"
	done
	local fe re took=$((SECONDS - tstart))
	fe=$(fds "$pid") re=$(rss "$pid") he=$(jv heap_bytes)
	echo "# $mode: $n of $cycles cycles in $took s; $(($(jv applies) - a0)) re-applied, $(jv kernel_writes) kernel writes in all"
	echo "# $mode: fds start $f0, after warm-up ${fw:-?}, min $fmin, max $fmax, end $fe"
	echo "# $mode: RSS KiB start $r0, after warm-up ${rw:-?}, max $rmax, end $re (growth $((re - ${rw:-re})) KiB)"
	if [ "$h0" = "?" ]; then
		echo "# $mode: heap bytes not counted (the allocator is valgrind's: its leak report at exit is the check)"
	else
		echo "# $mode: heap bytes start $h0, after warm-up ${hw:-?}, max $hmax, end $he"
	fi
	is "$n $bad" "$cycles 0" "$mode: $cycles refresh cycles, each fetch seen in status (bounded)"
	ok "$mode: open fds flat (warm-up ${fw:-?}, min $fmin, max $fmax, end $fe; +-1 allowed)" \
		test -n "${fw:-}" -a "$fe" -ge $((${fw:-0} - 1)) -a "$fe" -le $((${fw:-0} + 1)) \
		-a "$fmin" -ge $((${fw:-0} - 1)) -a "$fmax" -le $((${fw:-0} + 1))
	if [ "$check_rss" = 1 ]; then
		ok "$mode: RSS flat (+$((re - ${rw:-re})) KiB from warm-up to end; at most $tol)" \
			test -n "${rw:-}" -a $((re - ${rw:-0})) -le "$tol"
	fi
	local hflat=1 hgrow="?"
	if [ "$he" != "?" ] && [ -n "${hw:-}" ] && [ "$hw" != "?" ]; then
		hgrow=$(((he - hw) / 1024))
		[ "$hgrow" -le "$heap_tol" ] || hflat=0
	elif [ "$mode" != valgrind ]; then
		hflat=0 # a build that should count its heap and does not
	fi
	if [ "$mode" = asan-leak ]; then
		is "$hflat" 0 "$mode: the heap check catches the injected leak (+$hgrow KiB from warm-up; at most $heap_tol allowed)"
	elif [ "$mode" != valgrind ]; then
		is "$hflat" 1 "$mode: heap flat (allocator statistics: +$hgrow KiB from warm-up to end; at most $heap_tol)"
	fi
	ok "$mode: SIGTERM: the agent exits" $L/agent.sh stop --timeout 120
	wait "$apid"
	rc=$?
	apid=""
	local report
	report=$(grep -c -e 'ERROR: LeakSanitizer' -e 'ERROR: AddressSanitizer' -e 'runtime error' \
		-e 'definitely lost: [1-9]' -e 'Invalid read' -e 'Invalid write' -e 'uninitialised' \
		"$LAB_DIR/log/agent1.log")
	if [ "$mode" = asan-leak ]; then
		is "$rc" 42 "$mode: exit status 42 (LeakSanitizer's report of the injected leak)"
		ok "$mode: the report names heap_test_leak" grep -q 'in heap_test_leak' "$LAB_DIR/log/agent1.log"
		unset ASAN_OPTIONS UBSAN_OPTIONS
		return
	fi
	is "$rc" 0 "$mode: exit status 0 (42 would be a leak or memory error report)"
	is "$report" 0 "$mode: no leak or memory error report in the agent's output"
	if [ "$rc" != 0 ] || [ "$_tap_fail" != 0 ]; then
		grep -v '^<[5-7]>' "$LAB_DIR/log/agent1.log" | tail -n 40 | sed "s/^/# $mode| /"
	fi
	unset ASAN_OPTIONS UBSAN_OPTIONS
}

for m in "${modes[@]}"; do soak "$m"; done
echo "# soak total $((SECONDS - t0)) s"
done_testing
