#!/bin/bash
# shellcheck disable=SC2034,SC1090
# Operating it (issue 14), end to end with the REAL daemon in the lab's CE
# running MAP-E (map_e.version 1, 240 ports): the hook's "configured"
# environment (IPv4, PSID, port ranges, tunnel), port-set pressure with 200
# connections held open from the LAN (status --json `ports` against what the
# LAN client saw; the 80 % log line with the top consumer; back under 70 %
# once the flows are gone), metrics.prom read by the Prometheus client's
# parser and equal to status --json, and "stopped" at SIGTERM. The status
# and metrics it prints are the README's "Operating it" example.
top=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$top" || exit 1
. tests/vm/lab_case.sh e2eo "${1:-}"
L=$top/scripts/lab
O=$L/offers
A=${LAB_AGENT:-$top/build/v6mig-agent}
trap '$L/agent.sh stop --ce 1 --timeout 10 >/dev/null 2>&1; $L/topo.sh down >/dev/null 2>&1' EXIT
trap 'exit 1' INT TERM
T0=$SECONDS
N=200

LAB_CES=1 LAB_OFFER=$O/map_e-v1.json $L/topo.sh up 2>"$LAB_DIR.up.log"
rc=$?
is "$rc" 0 "lab up (MAP-E v1), in $((SECONDS - T0)) s"
[ "$rc" = 0 ] || { sed 's/^/# /' "$LAB_DIR.up.log"; echo "Bail out! no lab"; exit 1; }
printf '#!/bin/sh\nenv | sort > "%s/hook.$1.env"\necho "recorded $1"\n' "$LAB_DIR" >"$LAB_DIR/hook.sh"
chmod 755 "$LAB_DIR/hook.sh"
envof() { sed -n "s/^$2=//p" "$LAB_DIR/hook.$1.env" 2>/dev/null; }

$L/agent.sh start --ce 1 -- --hook "$LAB_DIR/hook.sh" >/dev/null 2>&1
ok "the daemon configured map_e" until_st 90 '[ "$(jv state) $(jv method)" = "configured map_e" ]'
ok "hook: configured" wait_until 20 test -s "$LAB_DIR/hook.configured.env"
is "$(envof configured V6MIG_METHOD) $(envof configured V6MIG_IPV4) $(envof configured V6MIG_PSID) $(envof configured V6MIG_PSID_LENGTH) $(envof configured V6MIG_PSID_OFFSET)" \
	"map_e 198.51.100.18 49 8 4" "hook env: method, IPv4, PSID 0x31, length, offset (RFC 7597 5.2)"
ranges=$(envof configured V6MIG_PORT_RANGES)
is "$(set -- $ranges; echo "$# $1 ${15}")" "15 4880-4895 62224-62239" "hook env: V6MIG_PORT_RANGES, 15 ranges of 16"
is "$(envof configured V6MIG_TUNNEL) $(envof configured V6MIG_CE_IPV6)" "v6mig0 2001:db8:4002:3100:0:c633:6412:31" "hook env: tunnel, CE IPv6"
# The hook's end reaches status.json when the daemon next writes it (the
# child is reaped from the loop): wait for it, bounded.
until_st 10 '[ "$(jv hook)" != null ]'
is "$(jv hook | sed 's/ after [0-9]* ms//')" "configured: exit 0: recorded configured" "status: the hook's run"

# ---- 200 of 240 held from the LAN host -------------------------------------------
lan_x() { ip netns exec "$(lan_ns 1)" "$@"; }
lan_x "$PY" $L/client.py tcp-many 203.0.113.11 7001 $N --timeout 10 --hold 30 >"$LAB_DIR/many" 2>&1 &
cpid=$!
ok "$N connections made" wait_until 30 grep -q '"ok"' "$LAB_DIR/many"
j=$(<"$LAB_DIR/many")
$L/agent.sh signal USR2 --ce 1 >/dev/null 2>&1
ok "SIGUSR2: sampled" until_st 20 '[[ $ST =~ \"in_use\":[[:space:]]*2[0-9][0-9] ]]'
ports=$("$A" status --json --run-dir "$AD/run" | "$PY" -c 'import json,sys
p=json.load(sys.stdin)["ports"]["tcp"]
print(p["in_use"], p["free"], p["total"], p["high"], " ".join("%s:%d" % (t["lan"], t["ports"]) for t in p["top"]))')
is "$ports" "$N $((240 - N)) 240 $N $LAN_HOST4:$N" "status: tcp $N in use, $((240 - N)) free of 240, high $N, top: the LAN host with $N (client: $(echo "$j" | cut -c1-40))"
ok "log: crossing 80 %, with the top consumer" grep -q "port set tcp: $N of 240 in use (83%, high $N); top: $LAN_HOST4 $N: new flows fail" "$LAB_DIR/log/agent1.log"
cmp=$("$PY" tests/ns/metrics_check.py "$AD/run/metrics.prom" "$AD/run/status.json" 2>&1)
like "$cmp" "^same \([0-9]+ samples\)$" "metrics: parsed by prometheus_client, equal to status --json"
echo "# ---- v6mig-agent status"
"$A" status --run-dir "$AD/run" | sed 's/^/# /'
echo "# ---- metrics.prom"
sed 's/^/# /' "$AD/run/metrics.prom"
wait "$cpid"

# The flows gone (closed, and their conntrack entries flushed as a reboot
# of the LAN host's NAT state would): back under 70 %, the high-water stays.
ip netns exec "$(ce_ns 1)" conntrack -F >/dev/null 2>&1
$L/agent.sh signal USR2 --ce 1 >/dev/null 2>&1
ok "log: back under 70 %" wait_until 20 grep -q "port set tcp: back under 70%: 0 of 240 in use (0%, high $N)" "$LAB_DIR/log/agent1.log"

ok "SIGTERM" $L/agent.sh stop --ce 1 --timeout 20
is "$(envof stopped V6MIG_EVENT) $(envof stopped V6MIG_METHOD)" "stopped " "hook: stopped (no method any more)"
done_testing
