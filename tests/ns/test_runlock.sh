#!/bin/sh
# SPDX-License-Identifier: MIT
# One writer per instance (issue 11 item 5): the daemon holds RUN_DIR/lock
# for its life; a manual `apply` or `down` on the same run directory is
# refused at once, naming the holder, and touches nothing; another
# instance's run directory is not in the way. Namespace of our own. Root.
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/tap.sh"
A=${1:-$top/build/v6mig-agent}
case $A in /*) ;; *) A=$PWD/$A ;; esac
F=$top/tests/fixtures
ns=v6t-lock-$$
tmp=$(mktemp -d)
PID=
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ip netns add "$ns" && ip -n "$ns" link add wan0 type veth peer name wan1 &&
	ip -n "$ns" link set wan0 up && ip -n "$ns" link set lo up &&
	ip -n "$ns" addr add 2001:db8:12:3400::99/64 dev wan0 nodad ||
	{ echo "not ok 1 - namespace setup"; echo "1..1"; exit 1; }
IN="ip netns exec $ns"

# The daemon of instance "a" in fixed mode (no discovery). No ip6tnl on
# this host: its applies fail and it retries; it keeps the lock all along.
$IN "$A" run --from "$F/dslite.json" --wan wan0 --instance a --run-dir "$tmp/a" \
	--state-dir "$tmp/state" > "$tmp/run.log" 2>&1 &
PID=$!
n=0
while [ ! -s "$tmp/a/lock" ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
like "$(cat "$tmp/a/lock" 2>/dev/null)" "^$PID v6mig-agent run$" "the daemon holds its run directory's lock"

$IN "$A" down --instance a --run-dir "$tmp/a" > "$tmp/out" 2>&1
rc=$?
sed 's/^/# /' "$tmp/out"
is "$rc" 1 "down on the daemon's run directory is refused"
like "$(cat "$tmp/out")" "in use by pid $PID v6mig-agent run" "and the refusal names the daemon"
$IN "$A" apply --from "$F/dslite.json" --wan wan0 --peer 2001:db8::1 --instance a \
	--run-dir "$tmp/a" > "$tmp/out" 2>&1
is "$?" 1 "apply on it is refused too"
like "$(cat "$tmp/out")" "in use by pid $PID" "naming the daemon"
ok "the daemon still runs" kill -0 "$PID"

# Another instance has its own run directory: down there is not blocked
# (and, with nothing of its own in the kernel, writes nothing).
$IN "$A" down --instance b --run-dir "$tmp/b" > "$tmp/out" 2>&1
is "$?" 0 "down of another instance is not blocked"
like "$(cat "$tmp/out")" "down: 0 writes" "and writes nothing"

kill "$PID"; wait "$PID" 2>/dev/null; PID=
$IN "$A" down --instance a --run-dir "$tmp/a" > "$tmp/out" 2>&1
is "$?" 0 "once the daemon is gone, down takes the lock"
is "$(ip -n "$ns" -j link show | python3 -c 'import json,sys; print(len([l for l in json.load(sys.stdin) if l["ifname"].startswith("v6mig")]))')" 0 "nothing of ours left"
done_testing
