#!/bin/bash
# lab.sh [--method M] [--keep] -- `make lab`: the whole ISP in namespaces,
# the real agent (`v6mig-agent run`) in CE 1, and a short story of what it
# did: what it discovered, fetched and chose, the CE's IPv4 / PSID / ports /
# IPv6 / tunnel, then a live TCP, UDP and ping from `lan` to `inet` and the
# source the server saw. Then everything is removed again.
#   LAB_METHOD=map_e|dslite|lw4o6|ipip|map_t|464xlat (or --method): the
#       method the provisioning server puts first in `order` (default
#       map_e); its answer carries all six, so the agent's choice follows
#       S8. map_t and 464xlat run against TAYGA (BR, PLAT) in br.
#   LAB_MESH=1 (with map_e): the offer says map_e.mesh 1 (one rule, a whole
#       IPv4 per CE) and a second CE runs a second agent: LAN 1 -> CE 2's
#       IPv4 goes straight from CE 1 to CE 2 (the BR's tunnels count
#       nothing), the internet still through the BR.
#   LAB_KEEP=1 (or --keep): leave the lab up for exploring and print how
#       to enter each namespace. Needs a kernel with ip6tnl: inside the VM
#       the lab cannot outlive the VM (the CE's kernel state is shown then).
# On a kernel without ip6tnl (ip6_tunnel) the tunnel methods make the
# script run itself again inside the test VM (scripts/vm/run.sh: Debian's
# kernel, this machine's root read-only), where the lab then runs the same
# way. map_t and 464xlat need no tunnel (veth, TUN, tc eBPF, nftables):
# they stay on this kernel.
set -u
. "$(dirname "$0")/lib.sh"

method=${LAB_METHOD:-map_e} keep=${LAB_KEEP:-} mesh=${LAB_MESH:-}
[ "$mesh" = 0 ] && mesh=""
while [ $# -gt 0 ]; do
	case $1 in
	--method) method=${2:-}; shift 2 || die "--method M" ;;
	--keep) keep=1; shift ;;
	--mesh) mesh=1; shift ;;
	*) sed -n '2,16p' "$0" >&2; exit 2 ;;
	esac
done
[ "$keep" = 0 ] && keep=""
case $method in
map_e | dslite | lw4o6 | ipip | map_t | 464xlat) ;;
*) die "LAB_METHOD must be map_e, dslite, lw4o6, ipip, map_t or 464xlat (not '$method')" ;;
esac
[ -z "$mesh" ] || [ "$method" = map_e ] || die "LAB_MESH=1 goes with LAB_METHOD=map_e"
[ "$(id -u)" = 0 ] || die "the lab makes namespaces: run as root (sudo make lab)"
[ -x "$LAB_AGENT" ] || die "no agent at $LAB_AGENT: run make first"

now() { echo "${EPOCHREALTIME/./}"; }           # microseconds
secs() { printf '%d.%d' $((($2 - $1) / 1000000)) $((($2 - $1) / 100000 % 10)); }
T0=$(now)

# ---- where: this kernel, or the VM ---------------------------------------------
if tunnel_kernel_ok; then
	export LAB_TUNNEL_MODE=kernel # topo.sh need not probe again
elif [ "$method" = map_t ] || [ "$method" = 464xlat ]; then
	command -v tayga >/dev/null || die "LAB_METHOD=$method needs tayga (the BR/PLAT): apt-get install tayga"
	# No tunnel is made for CE 1: the user-space stand-in is enough for
	# the other methods' tunnels a server's answer names.
	export LAB_TUNNEL_MODE=user
else
	[ -z "${V6MIG_LAB_IN_VM:-}" ] || die "no ip6tnl even inside the VM"
	say "this kernel ($(uname -r)) has no ip6tnl: running the lab inside the test VM"
	say "(Debian's kernel under qemu, this machine's root read-only: scripts/vm/run.sh)"
	if [ -n "$keep" ]; then
		say "LAB_KEEP=1: a lab inside the VM ends with the VM, so it cannot be kept"
		say "for exploring here; the CE's kernel state is printed instead. To explore,"
		say "use a machine whose kernel has ip6_tunnel (any Debian/Ubuntu kernel)."
	fi
	# run.sh passes only V6MIG_* variables; LAB_VERBOSE (phase times) by env.
	V6MIG_LAB_IN_VM=1 "$LAB_TOP/scripts/vm/run.sh" --timeout 300 -- \
		/usr/bin/env LAB_VERBOSE="${LAB_VERBOSE:-}" "$0" --method "$method" ${keep:+--keep} \
		${mesh:+--mesh}
	rc=$?
	say "$(printf 'whole run, VM boot included: %s s' "$(secs "$T0" "$(now)")")"
	exit "$rc"
fi

if ip netns list | grep -q "^$LAB_PREFIX"; then
	die "a lab with prefix $LAB_PREFIX is up already (sudo scripts/lab/topo.sh down)"
fi
L=$LAB_SCRIPTS
cleanup() { "$L/agent.sh" stop >/dev/null 2>&1; "$L/topo.sh" down >/dev/null 2>&1; }
if [ -z "$keep" ] || [ -n "${V6MIG_LAB_IN_VM:-}" ]; then
	trap cleanup EXIT
	trap 'exit 130' INT TERM
fi

case $method in
map_t) mech="the agent's tc eBPF translator; TAYGA as the BR" ;;
464xlat) mech="the agent's tc eBPF translator; TAYGA as the PLAT" ;;
*) mech=ip6tnl ;;
esac
cat <<EOF
v6mig lab: an ISP in network namespaces (kernel $(uname -r), $mech)

  lan --------- ce ----------- isp ------------ br ------------- inet
  $LAN_HOST4   v6mig-agent    RA, resolver     BR, AFTR,        IPv4 servers that
                (CE 1)         (TXT, AAAA)      lwAFTR, IPIP     say what they see
                                |
                               prov: the HTTPS provisioning server (test CA)

EOF
say "bringing the lab up (the server offers $method first)"
mkdir -p "$LAB_DIR/story" || die "cannot create $LAB_DIR"
LAB_MESH=$mesh "$PY" "$L/story.py" offer "$method" "$LAB_DIR/story/offer.json" || exit 1
[ -z "$mesh" ] || export LAB_CES=2
if [ -n "${V6MIG_LAB_IN_VM:-}" ]; then
	# In the VM every module the kernel loads on demand costs seconds
	# (modprobe from the initramfs, and nftables replays the transaction
	# after each): load the NAT ones the agent's table needs while the
	# lab comes up. On a real machine on-demand loading takes milliseconds.
	modprobe -qa nf_nat nft_chain_nat nft_nat nft_numgen nft_hash &
fi
LAB_OFFER=$LAB_DIR/story/offer.json "$L/topo.sh" up || exit 1
wait
# The operator's side of the softwire for CE 1 (the lab's BR is provisioned
# by hand, from the same offer; the CE is the agent's job).
"$L/br.sh" add 1 "$LAB_DIR/story/offer.json" --method "$method" || exit 1
[ -z "$mesh" ] || "$L/br.sh" add 2 "$LAB_DIR/story/offer.json" --method "$method" || exit 1
T1=$(now)
"$L/agent.sh" start || exit 1
[ -z "$mesh" ] || "$L/agent.sh" start --ce 2 || exit 1
say "v6mig-agent run started in ${LAB_PREFIX}ce; waiting for it to be configured"
"$L/agent.sh" wait configured --timeout 60 || {
	tail -n 20 "$LAB_DIR/log/agent1.log" | sed 's/^/  agent| /' >&2
	exit 1
}
T2=$(now)
if [ -n "$mesh" ]; then
	"$L/agent.sh" wait configured --ce 2 --timeout 60 || exit 1
	"$L/mesh.sh" show || exit 1
fi
"$L/agent.sh" status >"$LAB_DIR/story/status.json" || exit 1
nsx lan "$PY" "$L/story.py" tell --status "$LAB_DIR/story/status.json" \
	--prov-log "$LAB_DIR/prov/requests.log" --agent-log "$LAB_DIR/log/agent1.log" \
	--offer "$LAB_DIR/story/offer.json" --seen "$LAB_DIR/inet/seen.log" \
	--record "$TXT_RECORD" --resolver "$RESOLVER6" --inet "$INET4" --lan "$LAN_HOST4" \
	--aftr-pool "$AFTR_POOL4" --port "${INET_PORTS%% *}"
rc=$?
echo
echo "Times: lab up $(secs "$T0" "$T1") s; agent start to configured $(secs "$T1" "$T2") s."
echo "The agent's decisions, one line each: $LAB_DIR/log/agent1.log"
sed 's/^<[0-9]>/  /' "$LAB_DIR/log/agent1.log"

if [ -n "$keep" ] && [ -n "${V6MIG_LAB_IN_VM:-}" ]; then
	echo
	echo "LAB_KEEP=1 in the VM: the CE's kernel state before the VM ends:"
	ip -n "$(ns ce)" -d link show dev "$(sed -n 's/.*"tunnel":[[:space:]]*"\([^"]*\)".*/\1/p' "$LAB_DIR/story/status.json")"
	ip -n "$(ns ce)" -br addr show
	ip -n "$(ns ce)" route show
	ip netns exec "$(ns ce)" nft list ruleset
elif [ -n "$keep" ]; then
	cat <<EOF

The lab stays up (LAB_KEEP=1). Enter a namespace with ip netns exec, e.g.:
  sudo ip netns exec $(ns lan) bash    the LAN host: ping $INET4;
                                         $PY $L/client.py tcp $INET4 ${INET_PORTS%% *}
  sudo ip netns exec $(ns ce) bash     the CE: ip -d link; nft list ruleset;
                                         $LAB_AGENT status --run-dir $LAB_DIR/agent1/run
  sudo ip netns exec $(ns isp) bash    the access router and resolver (dnsmasq)
  sudo ip netns exec $(ns prov) bash   the provisioning server ($L/prov.sh scripts it)
  sudo ip netns exec $(ns br) bash     the BR/AFTR (from outside: $L/br.sh show)
  sudo ip netns exec $(ns inet) bash   the IPv4 servers ($L/inet.sh seen: what they saw)
The agent: $L/agent.sh status|signal USR1|stop; its log $LAB_DIR/log/agent1.log
When done: sudo $L/agent.sh stop; sudo $L/topo.sh down
EOF
fi
exit "$rc"
