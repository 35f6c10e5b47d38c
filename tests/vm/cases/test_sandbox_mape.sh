#!/bin/bash
# Issue 6, "prove the unit works": the real agent under the exact [Service]
# sandbox of scripts/systemd/v6mig-agent.service still configures MAP-E in
# the lab, and lan reaches inet through it. There is no systemd as PID 1
# (here nor in the VM), so tests/tools/sandbox_exec applies the unit's
# directives by hand -- read from the unit itself, refusing any it does not
# know -- with the @groups from `systemd-analyze syscall-filter`. Then,
# inside the same sandbox, what the unit forbids fails: writes outside the
# state and runtime directories, an AF_PACKET socket, actions that need a
# capability it does not grant; and the same probes outside succeed, so it
# is the sandbox that refuses.
# Runs in the VM (kernel ip6tnl). Arguments: [AGENT].
top=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$top" || exit 1
. tests/vm/lab_case.sh sbx "${1:-}"
export LAB_OFFER=$top/scripts/lab/offers/map_e-v1.json
L=scripts/lab
UNIT=$top/scripts/systemd/v6mig-agent.service
TOOLS=$top/build/tests/tools
CE=${LAB_PREFIX}ce
LAN=${LAB_PREFIX}lan
trap '$L/agent.sh stop >/dev/null 2>&1; $L/topo.sh down >/dev/null 2>&1' EXIT INT TERM

ok "the test tools are built" test -x "$TOOLS/sandbox_exec" -a -x "$TOOLS/sandbox_probe"
t0=$(date +%s)
env LAB_CES=1 $L/topo.sh up 2>/tmp/v6t-sbx-up.log
rc=$?
sed 's/^/# /' /tmp/v6t-sbx-up.log
is "$rc" 0 "topo up"
[ "$rc" = 0 ] || { echo "Bail out! no lab"; exit 1; }
ok "BR serves CE 1 (map_e-v1)" $L/br.sh add 1 "$LAB_OFFER"

# shellcheck disable=SC2046 # two words (no <(...): the VM has no /dev/fd)
set -- $($L/agent.sh dirs)
SD=$1 RD=$2
mkdir -p "$SD" "$RD"
SETS=$LAB_DIR/syscall-sets
systemd-analyze syscall-filter >"$SETS" 2>/dev/null
ok "systemd-analyze lists @system-service" grep -q '^@system-service' "$SETS"
WRAP="$TOOLS/sandbox_exec --explain --unit $UNIT --syscall-sets $SETS --state-dir $SD --run-dir $RD --"

# ---- the agent, sandboxed -------------------------------------------------------
export LAB_AGENT_WRAP=$WRAP
ok "agent started under the unit's sandbox" $L/agent.sh start
unset LAB_AGENT_WRAP
$L/agent.sh wait configured --timeout 120
rc=$?
is "$rc" 0 "sandboxed agent: configured"
st=$($L/agent.sh status)
j() { printf '%s\n' "$st" | sed -n "s/^[[:space:]]*\"$1\":[[:space:]]*\"\{0,1\}\([^\",]*\).*/\1/p" | head -n 1; }
is "$(j method)" map_e "method map_e"
# RFC 7597 5.2 for CE 1 under offers/map_e-v1.json (tests/vm/cases/test_lab_network.sh)
is "$(j ipv4) $(j psid)" "198.51.100.18 49" "IPv4 198.51.100.18, PSID 0x31"
is "$(j last_error)" null "no error"
TUN=$(j tunnel)
# status.json `timings` (bench/run-e2e.sh reads them): the phases fit in the total
sum=$(($(j dns_ms) + $(j https_ms) + $(j plan_ms) + $(j kernel_ms)))
echo "# timings: total $(j total_ms) ms: DNS $(j dns_ms), HTTPS $(j https_ms), plan $(j plan_ms), kernel $(j kernel_ms)"
ok "timings: HTTPS and kernel took time, the phases ($sum ms) fit in the total" \
	test "$(j https_ms)" -gt 0 -a "$(j kernel_ms)" -gt 0 -a "$sum" -le "$(j total_ms)"
ok "its tunnel $TUN is up in the CE" ip -n "$CE" link show dev "$TUN" up

pid=$(cat "$LAB_DIR/pid/agent1")
ok "the pid is the agent itself" test "/proc/$pid/exe" -ef "${LAB_AGENT:-$top/build/v6mig-agent}"
ps=$(grep -E '^(CapEff|CapBnd|CapPrm|CapAmb|NoNewPrivs|Seccomp):' "/proc/$pid/status" | tr -s '\t' ' ' | tr '\n' ' ')
is "$ps" "CapPrm: 000000c000001000 CapEff: 000000c000001000 CapBnd: 000000c000001000 CapAmb: 0000000000000000 NoNewPrivs: 1 Seccomp: 2 " \
	"the agent holds CAP_NET_ADMIN, CAP_BPF, CAP_PERFMON only, no_new_privs, seccomp filter"
ok "the agent has its own mount namespace" test "$(readlink "/proc/$pid/ns/mnt")" != "$(ip netns exec "$CE" readlink /proc/self/ns/mnt)"
ok "the agent wrote its status in RuntimeDirectory" test -s "$RD/status.json"
ok "... and its stored provisioning in StateDirectory" test -n "$(ls -A "$SD")"

# ---- traffic through it ---------------------------------------------------------
out=$(ip netns exec "$LAN" /usr/bin/python3 $L/client.py probe 203.0.113.10 7000 --seen "$LAB_DIR/inet/seen.log" --timeout 6)
echo "$out" | sed 's/^/# client: /'
for proto in tcp udp icmp; do
	line=$(printf '%s\n' "$out" | awk -v p=$proto '$1 == p { print $2 }')
	is "${line%:*}" 198.51.100.18 "lan -> inet over $proto through the sandboxed agent's tunnel: inet sees 198.51.100.18"
	port=${line##*:}
	# PSID 0x31, offset 4, 4-bit PSID...: every range is A<<12 | 0x31<<4 .. +15
	ok "... source port/id $port inside the port set" test "$(((port >> 4) & 0xff))" = 49 -a "$port" -ge 4096
done

# ---- inside the same sandbox: what the unit forbids fails --------------------------
P="write $SD/probe write $RD/probe write $LAB_DIR/outside write /etc/v6t-probe write /var/lib/v6t-probe
 read /etc/shadow socket packet socket inet6 socket netlink raw4 - bind 80 bind 8080 xattr $SD
 mark - mount - unshare - wx - personality - status -"
in=$(ip netns exec "$CE" $WRAP "$TOOLS/sandbox_probe" $P 2>/dev/null)
out=$(ip netns exec "$CE" "$TOOLS/sandbox_probe" write "$LAB_DIR/outside" read /etc/shadow socket packet raw4 - bind 80 xattr "$SD" wx -)
echo "$in" | sed 's/^/# inside: /'
echo "$out" | sed 's/^/# outside: /'
r() { printf '%s\n' "$1" | awk -v k="$2 $3:" '$1 " " $2 == k { print $3 }'; }
expect() { # expect WHAT ARG INSIDE [OUTSIDE] WHY
	is "$(r "$in" "$1" "$2")" "$3" "sandbox: $1 $2 -> $3 ($5)"
	[ -n "$4" ] && is "$(r "$out" "$1" "$2")" "$4" "... and outside it: $4"
}
expect write "$SD/probe" ok "" "StateDirectory= is writable"
expect write "$RD/probe" ok "" "RuntimeDirectory= is writable"
expect write "$LAB_DIR/outside" EROFS ok "ProtectSystem=strict"
expect write /etc/v6t-probe EROFS "" "ProtectSystem=strict"
expect write /var/lib/v6t-probe EROFS "" "ProtectSystem=strict"
expect read /etc/shadow EACCES ok "InaccessiblePaths="
expect socket packet EAFNOSUPPORT ok "RestrictAddressFamilies="
expect socket inet6 ok "" "AF_INET6 granted"
expect socket netlink ok "" "AF_NETLINK granted"
expect raw4 - EPERM ok "no CAP_NET_RAW"
expect bind 80 EACCES ok "no CAP_NET_BIND_SERVICE"
expect bind 8080 ok "" "an unprivileged port"
expect xattr "$SD" EPERM ok "trusted.* xattr: no CAP_SYS_ADMIN"
expect mark - ok "" "SO_MARK: CAP_NET_ADMIN is granted"
expect mount - EPERM "" "SystemCallFilter=~@privileged (@mount), no CAP_SYS_ADMIN"
expect unshare - EPERM "" "RestrictNamespaces="
expect wx - EPERM ok "MemoryDenyWriteExecute="
expect personality - EPERM "" "LockPersonality="
is "$(printf '%s\n' "$in" | awk '$2 == "CapEff:" || $2 == "NoNewPrivs:" { printf "%s%s ", $2, $3 }')" \
	"CapEff:000000c000001000 NoNewPrivs:1 " "the probe ran with the agent's privileges"

# ---- SIGTERM under the sandbox: what it made goes --------------------------------
ok "SIGTERM: the agent exits" $L/agent.sh stop
ok "... and removed its tunnel $TUN" eval "! ip -n $CE link show dev $TUN"
log=$LAB_DIR/log/agent1.log
grep -v '^sandbox: ' "$log" | sed 's/^/# agent: /'
is "$(grep -c '^<[0-3]>' "$log")" 0 "no error in the agent's log"
ok "the timings line is there" grep -q 'first configuration .* ms after start' "$log"

ok "topo down" $L/topo.sh down
echo "# total $(($(date +%s) - t0)) s"
done_testing
