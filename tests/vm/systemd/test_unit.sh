#!/bin/bash
# Issue 10 §2: the unit under a real systemd. Runs in the VM that
# tests/vm/run-all.sh boots with systemd as PID 1 (scripts/vm/run.sh
# --systemd: a writable overlay over the host root), after `make deb`:
#   the package installs; `systemctl start v6mig-agent@wan0` returns (the
#   unit is active) only after the first decision (READY=1), StatusText=
#   follows the sequence, MAP-E is configured and the lab's LAN host
#   reaches inet through it; ip6_tunnel, not loaded before, is loaded on
#   demand by the kernel under the unit's ProtectKernelModules= and
#   CapabilityBoundingSet=; the watchdog: SIGSTOP -> systemd kills and
#   restarts the agent within WatchdogSec + RestartSec + a margin, and the
#   new agent adopts the kernel state with zero writes; `systemctl reload`
#   re-reads the file, a bad file is refused (logged with its line) and
#   the agent keeps running; the journal has one line per decision with
#   its clause; `systemd-analyze security` on the live unit <= 2.0;
#   `systemctl stop` leaves no residue; `dpkg -P` stops a running instance
#   and removes the package.
# The lab's CE is this VM's root network namespace (wan0 and lan0 are
# moved there): systemd's device units (BindsTo=sys-subsystem-net-devices-
# wan0.device) only see the root namespace. The BR gets its tunnel only
# after the agent has configured (LAB_TUNNEL=kernel: the lab probes
# nothing), so nothing but the agent's own request can load ip6_tunnel.
top=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$top" || exit 1
export LAB_TUNNEL=kernel
. tests/vm/lab_case.sh sd "${1:-}"
L=scripts/lab
U=v6mig-agent@wan0.service
CE=$(ce_ns 1)
LAN=$(lan_ns 1)
RD=/run/v6mig/wan0
CONF=/etc/v6mig/v6mig.conf
AD=$RD # lab_case.sh's status polls read $AD/run/status.json
mpid=""
cleanup() {
	[ -n "$mpid" ] && kill "$mpid" 2>/dev/null
	systemctl stop "$U" >/dev/null 2>&1
	dpkg -P v6mig >/dev/null 2>&1
	ip link del wan0 2>/dev/null
	ip link del lan0 2>/dev/null
	$L/topo.sh down >/dev/null 2>&1
}
trap cleanup EXIT
trap 'exit 1' INT TERM
st() { ST=""; read -r -d '' ST 2>/dev/null <"$RD/status.json"; }
prop() { systemctl show -p "$1" --value "$U"; }
# ours: our kernel objects in the CE (links, addresses, routes, nft table)
ours() {
	echo "links=$(ip -o link show | grep -c ': v6mig')" \
		"addrs=$(ip -o addr show | grep -c ' v6mig')" \
		"routes4=$(ip -4 route show table all proto 233 | grep -c .)" \
		"routes6=$(ip -6 route show table all proto 233 | grep -c .)" \
		"nft=$(nft list tables | grep -c 'v6mig')"
}
none="links=0 addrs=0 routes4=0 routes6=0 nft=0"
since() { journalctl -q -o cat -u "$U" --since "@$1"; }

t0=$SECONDS
is "$(cat /proc/1/comm)" systemd "systemd is PID 1"
deb=$(ls "$top"/build/v6mig_*.deb 2>/dev/null | tail -n 1)
ok "make deb built the package ($deb)" test -f "$deb"
is "$(grep -c '^ip6_tunnel ' /proc/modules)" 0 "ip6_tunnel is not loaded yet"

# ---- the lab, with the CE in the root namespace ------------------------------
$L/topo.sh up 2>"$LAB_DIR.up.log"
rc=$?
if [ "$rc" != 0 ]; then
	# On a loaded machine a lab server may miss its start deadline under
	# TCG: say so, and try once more.
	sed 's/^/# first try: /' "$LAB_DIR.up.log"
	$L/topo.sh down >/dev/null 2>&1
	$L/topo.sh up 2>"$LAB_DIR.up.log"
	rc=$?
fi
is "$rc" 0 "topo up"
[ "$rc" = 0 ] || { sed 's/^/# /' "$LAB_DIR.up.log"; echo "Bail out! no lab"; exit 1; }
ip -n "$CE" link set wan0 netns 1 && ip -n "$CE" link set lan0 netns 1 &&
	sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0 net.ipv6.conf.wan0.accept_ra=2 \
		net.ipv6.conf.wan0.autoconf=1 &&
	ip addr add "$LAN_GW4/25" dev lan0 && ip link set wan0 up && ip link set lan0 up
is "$?" 0 "wan0 and lan0 moved into the root namespace"
ok "wan0 has its SLAAC address" wait_until 30 eval "ip -6 addr show dev wan0 scope global | grep -v tentative | grep -q $(ce_slaac 1)/64"
ok "udev made the device unit for wan0" wait_until 20 eval \
	"[ \"\$(systemctl show -p ActiveState --value sys-subsystem-net-devices-wan0.device)\" = active ]"
echo "# lab up in $((SECONDS - t0)) s"

# ---- install ---------------------------------------------------------------------
ok "dpkg -i the package" dpkg -i "$deb"
ok "the units are known to systemd" systemctl cat v6mig-agent@.service
is "$(stat -c %a $CONF)" 600 "$CONF installed 0600"
cat >$CONF <<EOF
# the lab (tests/vm/systemd/test_unit.sh)
lan = lan0
resolvers = $RESOLVER6
ca_file = $LAB_DIR/pki/ca.pem
prefix = $(ce_prefix56 1)
log_level = info
EOF

# ---- start: active only after the first decision ---------------------------------
# Every StatusText=/ActiveState pair (systemctl show's order) the unit shows while it starts,
# polled (systemd sends its PropertiesChanged signals only to subscribers
# on its own connections, so a bus monitor sees none).
(
	last=""
	for _ in $(seq 600); do
		v=$(systemctl show -p ActiveState -p StatusText --value "$U" | tr '\n' '/')
		[ "$v" != "$last" ] && echo "$v" && last=$v
		[ "${v%%/*}" = active ] && break
		nap 0.1
	done
) >"$LAB_DIR/states" 2>&1 &
mpid=$!
nap 1
ts=$(date +%s)
ts0=$SECONDS
ok "systemctl start $U" systemctl start "$U"
took=$((SECONDS - ts0))
st
is "$(prop ActiveState) $(jv state) $(jv method)" "active configured map_e" \
	"start returned with the unit active and the agent configured (READY=1 after the decision, ${took}s)"
is "$(prop StatusText)" "configured: map_e" "StatusText= says configured: map_e"
is "$(jv ipv4) $(jv psid)" "198.51.100.18 49" "MAP-E: 198.51.100.18 PSID 0x31 (RFC 7597 5.2)"
TUN=$(jv tunnel)
ok "its tunnel $TUN is up" ip link show dev "$TUN" up
is "$(grep -c '^ip6_tunnel ' /proc/modules)" 1 \
	"ip6_tunnel loaded on demand by the kernel (the unit has no CAP_SYS_MODULE)"
own=$(ours)
echo "# ours: $own"
ok "BR serves CE 1 (map_e-v1)" $L/br.sh add 1 $L/offers/map_e-v1.json
seen=$(ip netns exec "$LAN" "$PY" $L/client.py tcp "$INET4" 7000 --timeout 10 2>&1 | sed 's/^you are //')
p=${seen##*:}
[[ $p =~ ^[0-9]+$ ]] || p=0
ok "traffic: the LAN host reaches inet as 198.51.100.18, a port of PSID 0x31 ($seen)" \
	test "${seen%:*}" = 198.51.100.18 -a "$p" -ge 4096 -a $(((p >> 4) & 255)) = 49
wait "$mpid" 2>/dev/null
mpid=""
seq=$(tr '\n' ' ' <"$LAB_DIR/states")
echo "# StatusText/ActiveState while starting: $seq"
like "$seq" "/activating/ .*configured: map_e/active/ $" \
	"activating until the first decision, then active with StatusText configured: map_e"
like "$seq" "starting/activating/ configured: map_e/active/" \
	"StatusText followed the sequence (starting, then configured: map_e)"
ok "never active before configured" eval "[[ \"\$seq\" != *starting/active/* ]]"
dec=$(since "$ts")
echo "$dec" | sed 's/^/# journal| /'
is "$(echo "$dec" | grep -cE '^configure map_e \((Q6|P1|stored data, P1)\)$')" 1 \
	"journal: one decision line with its clause (configure map_e (Q6))"

# ---- the watchdog ----------------------------------------------------------------
pid=$(prop MainPID)
w=$(prop WatchdogUSec) r=$(prop RestartUSec)
echo "# WatchdogUSec=$w RestartUSec=$r"
tw=$SECONDS
kill -STOP "$pid"
limit=$((30 + 10 + 60))
ok "SIGSTOP: systemd kills and restarts the agent within ${limit}s (WatchdogSec 30 + RestartSec 10 + 60)" \
	wait_until "$limit" eval "[ \"\$(prop MainPID)\" != $pid ] && [ \"\$(prop MainPID)\" != 0 ] && [ \"\$(prop ActiveState)\" = active ]"
echo "# restarted after $((SECONDS - tw)) s"
ok "... the old agent is gone" eval "! pid_alive $pid"
ok "... journal: systemd's watchdog timeout" eval "journalctl -q -u $U --since @$ts | grep -q 'Watchdog timeout'"
until_st 30 '[ "$(jv state)" = configured ] && [ "$(jv pid)" = "$(prop MainPID)" ]'
is "$(jv state) $(jv kernel_writes) $(jv tunnel)" "configured 0 $TUN" \
	"the restarted agent adopted the kernel state: configured, 0 kernel writes, same tunnel"
is "$(ip -o link show | grep -c ': v6mig')" 1 "... one tunnel, no duplicate"

# ---- reload ------------------------------------------------------------------------
pid=$(prop MainPID)
ts=$(date +%s)
echo "timeout = 20" >>$CONF
ok "systemctl reload (a good file)" systemctl reload "$U"
ok "... the agent read it again" wait_until 20 eval "since $ts | grep -q 'SIGHUP: reading the configuration again'"
nap 1
is "$(since "$ts" | grep -c '^<[0-3]>\|keeping the running\|error')" 0 "... without an error"
ts=$(date +%s)
n=$(($(grep -c . $CONF) + 1))
echo "bogus = 1" >>$CONF
ok "systemctl reload (a bad file)" systemctl reload "$U"
ok "... refused, logged with the file's line ($CONF:$n)" wait_until 20 eval \
	"since $ts | grep -q \"SIGHUP: $CONF:$n: unknown key 'bogus': keeping the running configuration\""
is "$(prop ActiveState) $(prop MainPID)" "active $pid" "... and the agent runs on"
sed -i '/^bogus/d' $CONF

# ---- security, live ---------------------------------------------------------------
out=$(systemd-analyze security "$U" 2>&1)
score=$(echo "$out" | sed -n 's/.*Overall exposure level for .*: \([0-9.]*\) .*/\1/p')
echo "# systemd-analyze security $U: $score"
ok "systemd-analyze security on the live unit: $score <= 2.0" \
	eval "[ -n \"$score\" ] && awk 'BEGIN { exit !($score <= 2.0) }'"

# ---- stop, start again, purge ------------------------------------------------------
ok "systemctl stop" systemctl stop "$U"
is "$(prop ActiveState)" inactive "... inactive"
is "$(ours)" "$none" "... no residue in the kernel"
ok "systemctl start again" systemctl start "$U"
is "$(ours)" "$own" "... configured again: the same objects as the first time"
ok "dpkg -P v6mig" dpkg -P v6mig
is "$(ours)" "$none" "... stopped the instance: no residue in the kernel"
ok "... no agent runs" eval "! pgrep -x v6mig-agent"
for f in /usr/sbin/v6mig-agent /lib/systemd/system/v6mig-agent@.service \
	/lib/systemd/system/v6mig-agent.service /etc/v6mig /var/lib/v6mig /run/v6mig; do
	ok "... removed $f" test ! -e "$f"
done
ok "... systemd no longer knows the unit" eval "! systemctl cat v6mig-agent@.service"
echo "# systemd case total $((SECONDS - t0)) s"
done_testing
