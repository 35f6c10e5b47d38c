#!/bin/sh
# The translator end to end (issue 12): our programs attached by the loader
# (netlink/xlat.c, through tests/tools/xlat_run) in a CLAT namespace, and
# TAYGA -- an independent translator in user space behind a TUN, which
# verifies every checksum -- as the PLAT in the ISP namespace.
#
#   v6t-xl-ce                                     v6t-xl-isp
#   xlat0 192.0.0.1 (veth, ARP off; xlat1 peer)
#     tc egress: xlat_out -> redirect_neigh wan0
#   wan0 2001:db8:1::2, ::c1a7 (CLAT) ----------- wan1 2001:db8:1::1
#     tc ingress: xlat_in -> redirect xlat0        nat64 (TAYGA, TUN):
#                                                  2001:db8:64::/96 <->
#                                                  pool 198.51.100.128/25
#                                                  lo 203.0.113.1 (the server)
# Then the same for a MAP-T CE (PSID length 0: TAYGA has no port-aware
# mapping) with TAYGA as the BR: prefix = the DMR 2001:db8:ffff::/64, one
# RFC 7757 EAM `map 203.0.113.10 <the CE's MAP-T address>`; the CE's
# 203.0.113.10 on xlat0, the server 198.51.100.1.
. "$(dirname "$0")/../lib/tap.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
T=${XLAT_TOOL:-$top/build/tests/tools/xlat_run}
CE=v6t-xl-ce ISP=v6t-xl-isp
# bytes per TCP transfer, 64 MiB each way as issue 12 asks
# (V6MIG_XLAT_BYTES: smaller in the TCG-emulated VM); every client run is
# bounded by XFER_SECS
BYTES=${V6MIG_XLAT_BYTES:-67108864}
XFER_SECS=${V6MIG_XLAT_SECS:-120}
# CLAT first
SRV=203.0.113.1 V4=192.0.0.1 LOCAL6=2001:db8:1::c1a7 PREF=2001:db8:64::/96
POOL=198.51.100.128/25
SPEC="--mode clat --v4 $V4 --local6 $LOCAL6 --pref $PREF"
in_ce() { ip netns exec $CE "$@"; }
in_isp() { ip netns exec $ISP "$@"; }
# One loader command in the CE namespace; its one answer line. SPEC is
# split into words on purpose.
# shellcheck disable=SC2086
xl() { printf '%s\n' "$*" | in_ce "$T" $SPEC; }

if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP namespace tests need root"
	exit 0
fi
for need in "$T" /usr/sbin/tayga /usr/sbin/ethtool; do
	[ -x "$need" ] || { echo "1..0 # SKIP $need missing"; exit 0; }
done
# TAYGA needs /dev/net/tun (the VM's /dev may lack the node)
if [ ! -c /dev/net/tun ]; then
	modprobe tun 2>/dev/null
	{ mkdir -p /dev/net && mknod /dev/net/tun c 10 200; } 2>/dev/null
fi
tmp=$(mktemp -d)
tpid=
cleanup() {
	cleanup_ns
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
cleanup_ns() {
	[ -n "$tpid" ] && kill "$tpid" 2>/dev/null
	tpid=
	ip netns del $CE 2>/dev/null
	ip netns del $ISP 2>/dev/null
}

# ---- topology: topo clat|mapt ---------------------------------------------------
topo() {
	cleanup_ns
	ip netns add $CE && ip netns add $ISP || exit 1
	in_ce ip link set lo up
	in_isp ip link set lo up
	ip link add wan0 netns $CE type veth peer name wan1 netns $ISP
	in_ce ip link add xlat0 type veth peer name xlat1
	for l in xlat0 xlat1; do
		# RFC 7915 header growth: 20 B, 28 B with a Fragment header
		in_ce ip link set $l arp off mtu 1472 up
	done
	in_ce ip link set wan0 up
	in_isp ip link set wan1 up
	in_ce ip addr add 2001:db8:1::2/64 dev wan0 nodad
	in_isp ip addr add 2001:db8:1::1/64 dev wan1 nodad
	in_ce ip addr add $V4/32 dev xlat0
	in_ce ip route add default dev xlat0 src $V4
	in_ce ip -6 route add default via 2001:db8:1::1 dev wan0
	in_isp sysctl -qw net.ipv6.conf.all.forwarding=1 net.ipv4.ip_forward=1
	in_isp ip addr add $SRV/32 dev lo
	mkdir -p "$tmp/tayga"
	if [ "$1" = clat ]; then
		in_ce ip addr add $LOCAL6/128 dev wan0 nodad
		printf 'tun-device nat64\nipv4-addr 198.51.100.1\nprefix %s\ndynamic-pool 198.51.100.128/25\ndata-dir %s\n' \
			"$PREF" "$tmp/tayga" > "$tmp/tayga.conf"
	else
		in_isp ip -6 route add "$EUP" via 2001:db8:1::2
		printf 'tun-device nat64\nipv4-addr 198.51.100.254\nprefix %s\nmap %s %s\ndata-dir %s\n' \
			"$PREF" "$V4" "$LOCAL6" "$tmp/tayga" > "$tmp/tayga.conf"
	fi
	in_isp tayga -c "$tmp/tayga.conf" --mktun >/dev/null 2>&1
	if ! in_isp ip link show nat64 >/dev/null 2>&1; then
		echo "1..0 # SKIP no TUN device for TAYGA (/dev/net/tun)"
		exit 0
	fi
	in_isp ip link set nat64 up
	in_isp ip route add $PREF dev nat64
	in_isp ip route add $POOL dev nat64
	ip netns exec $ISP tayga -c "$tmp/tayga.conf" -d > "$tmp/tayga.log" 2>&1 &
	tpid=$!
}

topo clat
# a foreign filter on the WAN's clsact ingress, before ours exists
in_ce tc qdisc add dev wan0 clsact
in_ce tc filter add dev wan0 ingress pref 10 protocol ip u32 \
	match ip src 192.0.2.99/32 flowid 1:1

# ---- attach and reconcile ---------------------------------------------------
like "$(xl apply wan0 xlat0)" '^rc=0 attached=2 cfg=1 added=0 deleted=0' \
	"apply attaches both programs and writes the configuration"
is "$(xl apply wan0 xlat0)" "rc=0 attached=0 cfg=0 added=0 deleted=0 " \
	"the same spec again: zero writes, nothing re-attached"
like "$(in_ce tc filter show dev wan0 ingress)" 'xlat_in.*direct-action' \
	"xlat_in on the WAN's tc ingress"
like "$(in_ce tc filter show dev xlat0 egress)" 'xlat_out.*direct-action' \
	"xlat_out on the device's tc egress"

# ---- traffic through TAYGA ----------------------------------------------------
# python3 servers in the ISP namespace: TCP echoes a digest, UDP echoes.
cat > "$tmp/srv.py" <<'EOF'
import hashlib, socket, sys, threading
t = socket.socket(); t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
t.bind((sys.argv[1], 8080)); t.listen(4); t.settimeout(150)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind((sys.argv[1], 5353)); u.settimeout(150)
def udp():
    try:
        while True:
            d, a = u.recvfrom(65535); u.sendto(d, a)
    except OSError:
        pass
threading.Thread(target=udp, daemon=True).start()
dl = socket.socket(); dl.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
dl.bind((sys.argv[1], 8081)); dl.listen(4); dl.settimeout(150)
def down():
    try:
        while True:
            c, _ = dl.accept(); n = int(c.recv(16).decode())
            blk = bytes(range(256)) * 4096; left = n
            while left > 0:
                k = min(left, len(blk)); c.sendall(blk[:k]); left -= k
            c.close()
    except OSError:
        pass
threading.Thread(target=down, daemon=True).start()
open(sys.argv[2], "w").close()
try:
    while True:
        c, _ = t.accept(); c.settimeout(30); h = hashlib.sha256(); n = 0
        while True:
            d = c.recv(65536)
            if not d:
                break
            h.update(d); n += len(d)
        c.sendall(("%d %s" % (n, h.hexdigest())).encode()); c.close()
except OSError:
    pass
EOF
cat > "$tmp/cli.py" <<'EOF'
import hashlib, os, socket, sys
srv, what = sys.argv[1], sys.argv[2]
if what == "tcp":
    n = int(sys.argv[3]); data = os.urandom(n)
    s = socket.create_connection((srv, 8080), timeout=30); s.sendall(data)
    s.shutdown(socket.SHUT_WR); r = b""
    while True:
        d = s.recv(4096)
        if not d:
            break
        r += d
    print("ok" if r.decode() == "%d %s" % (n, hashlib.sha256(data).hexdigest()) else "bad " + r.decode())
elif what == "down":
    n = int(sys.argv[3]); s = socket.create_connection((srv, 8081), timeout=30)
    s.sendall(b"%d" % n); h = hashlib.sha256(); got = 0
    while True:
        d = s.recv(65536)
        if not d:
            break
        h.update(d); got += len(d)
    w = hashlib.sha256(); blk = bytes(range(256)) * 4096; left = n
    while left > 0:
        k = min(left, len(blk)); w.update(blk[:k]); left -= k
    want = w.hexdigest()
    print("ok" if got == n and h.hexdigest() == want else "bad %d" % got)
elif what == "udp":
    n = int(sys.argv[3]); data = os.urandom(n)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(5)
    s.sendto(data, (srv, 5353)); d, _ = s.recvfrom(65535)
    print("ok" if d == data else "bad %d" % len(d))
elif what == "refused":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(5)
    s.connect((srv, 9)); s.send(b"x")
    try:
        s.recv(10); print("answered")
    except ConnectionRefusedError:
        print("refused")
    except socket.timeout:
        print("timeout")
EOF
# traffic LABEL [OFFLOADS...]: the server up, then per tx offload setting
# TCP both ways and UDP; then UDP in fragments and a port unreachable.
traffic() {
	label=$1; shift
	rm -f "$tmp/ready"
	ip netns exec $ISP /usr/bin/python3 "$tmp/srv.py" $SRV "$tmp/ready" &
	spid=$!
	for _ in $(seq 50); do [ -e "$tmp/ready" ] && break; sleep 0.1; done
	ok "$label: ping $V4 -> $SRV" in_ce ping -c 3 -i 0.2 -W 2 $SRV
	for off in "$@"; do
		in_ce ethtool -K xlat0 tx "$off" >/dev/null 2>&1
		in_ce ethtool -K wan0 tx "$off" >/dev/null 2>&1
		like "$( (in_ce ethtool -k xlat0; in_ce ethtool -k wan0) |
			grep '^tx-checksumming' | tr '\n' ' ')" \
			"^tx-checksumming: $off tx-checksumming: $off" \
			"$label: tx checksum offload $off on both veths"
		t0=$(date +%s)
		is "$(in_ce timeout "$XFER_SECS" /usr/bin/python3 "$tmp/cli.py" $SRV tcp "$BYTES")" ok \
			"$label: TCP $BYTES B up (GSO/TSO on veth), SHA-256 matches (tx offload $off)"
		t1=$(date +%s)
		is "$(in_ce timeout "$XFER_SECS" /usr/bin/python3 "$tmp/cli.py" $SRV down "$BYTES")" ok \
			"$label: TCP $BYTES B down, SHA-256 matches (tx offload $off)"
		echo "# $label tx $off: up $((t1 - t0)) s, down $(($(date +%s) - t1)) s"
		is "$(in_ce /usr/bin/python3 "$tmp/cli.py" $SRV udp 1200)" ok \
			"$label: UDP 1200 B echoed (tx offload $off)"
	done
	is "$(in_ce /usr/bin/python3 "$tmp/cli.py" $SRV udp 4000)" ok \
		"$label: UDP 4000 B: IPv4 fragments <-> IPv6 Fragment headers, echoed"
	is "$(in_ce /usr/bin/python3 "$tmp/cli.py" $SRV refused)" refused \
		"$label: port unreachable comes back (ICMPv6 error, inner packet translated)"
}

traffic CLAT on off
ok "ping with 1200 B payload (1248 B IPv6)" \
	in_ce ping -c 2 -i 0.2 -W 2 -s 1200 $SRV
# TAYGA fragments a reply without DF above 1280 B; the first fragment of an
# ICMPv6 message cannot be translated without its total length (the
# pseudo-header): dropped and counted, never passed.
in_ce ping -c 1 -W 1 -s 1400 $SRV >/dev/null 2>&1
like "$(xl kstats wan0)" ' drop_icmp_frag=[1-9]' \
	"a fragmented ICMPv6 echo reply is dropped and counted"
kill $spid 2>/dev/null

st=$(xl kstats wan0)
like "$st" '^rc=0 .*out_ok=[1-9]' "counters: translated out"
like "$st" ' in_ok=[1-9]' "counters: translated in"

# ---- ownership -----------------------------------------------------------------
is "$(xl remove wan0 xlat0)" "rc=0 " "remove"
is "$(in_ce tc filter show dev wan0 ingress | grep -c xlat_in)" 0 "our WAN filter gone"
is "$(in_ce tc filter show dev xlat0 egress | grep -c xlat_out)" 0 "our device filter gone"
like "$(in_ce tc filter show dev wan0 ingress)" 'u32' "the foreign filter survives"
like "$(in_ce tc qdisc show dev wan0)" 'clsact' "the shared clsact survives"
is "$(xl remove wan0 xlat0)" "rc=0 " "remove again: nothing to do, no error"
like "$(xl kstats wan0)" '^rc=-2 ' "no translator: stats say so"
ok "without the translator nothing reaches $SRV" \
	sh -c "! ip netns exec $CE ping -c 1 -W 1 $SRV"

# ---- MAP-T CE against TAYGA as the BR (1:1, PSID length 0) ------------------------------
# RFC 7597: rule 2001:db8:100::/40 + 203.0.113.0/24, EA 8 bits (the IPv4
# suffix, no PSID): end-user prefix 2001:db8:10a::/48, IID 0:cb00:710a:0.
SRV=198.51.100.1 V4=203.0.113.10 LOCAL6=2001:db8:10a::cb00:710a:0
PREF=2001:db8:ffff::/64 POOL=$V4/32 EUP=2001:db8:10a::/48
SPEC="--mode mapt --v4 $V4 --local6 $LOCAL6 --pref $PREF --psid 0/0/0
 --fmr 203.0.113.0/24,2001:db8:100::/40,8,0"
topo mapt
like "$(xl apply wan0 xlat0)" '^rc=0 attached=2 cfg=1 added=2 deleted=0' \
	"MAP-T: apply attaches, writes the configuration and the FMR (both tries)"
is "$(xl apply wan0 xlat0)" "rc=0 attached=0 cfg=0 added=0 deleted=0 " \
	"MAP-T: the same spec again writes nothing"
traffic MAP-T on off
kill $spid 2>/dev/null
like "$(xl kstats wan0)" '^rc=0 .*out_ok=[1-9].* in_ok=[1-9]' "MAP-T: counters"
is "$(xl remove wan0 xlat0)" "rc=0 " "MAP-T: remove"

done_testing
