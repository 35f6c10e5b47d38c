#!/bin/sh
# The VM environment itself (issue 4, "The VM runner"): the distro kernel
# makes the ip6tnl link the data plane needs (hop limit 64, no encapsulation
# limit option), nftables loads its expression modules on demand, and the
# host's python3, dnsmasq and the tree's agent run. Root; a namespace of our
# own, removed on every exit.
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../../lib/tap.sh"
A=${1:-build/v6mig-agent}
ns=v6t-vm-smoke-$$
tmp=$(mktemp -d)
cleanup() {
	[ -f "$tmp/dnsmasq.pid" ] && kill "$(cat "$tmp/dnsmasq.pid")" 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ip netns add "$ns" || { echo "not ok 1 - create namespace $ns"; echo "1..1"; exit 1; }
ip -n "$ns" link set lo up

# The link exactly as the planner asks for it.
ok "ip6tnl ipip6 with encaplimit none, hoplimit 64" \
	ip -n "$ns" link add t0 type ip6tnl mode ipip6 local 2001:db8::1 \
	remote 2001:db8::2 encaplimit none hoplimit 64
# One python3 for every field: each start costs most of a second under TCG.
f=$(ip -n "$ns" -d -j link show t0 2>&1 | python3 -c '
import json, sys
try:
    l = json.load(sys.stdin)[0]["linkinfo"]
except (ValueError, LookupError) as e:
    sys.exit("no link: %r" % e)
d = l.get("info_data", {})
print("kind=%s" % l.get("info_kind"))
print("mode=%s" % d.get("proto"))
print("ends=%s %s" % (d.get("local"), d.get("remote")))
print("ign_encap_limit=%s" % d.get("ip6_tnl_f_ign_encap_limit"))
print("encap_limit=%s" % d.get("encap_limit"))
print("ttl=%s" % d.get("ttl"))' 2>&1)
field() { printf '%s\n' "$f" | sed -n "s/^$1=//p"; }
is "$(field kind)" ip6tnl "link kind ip6tnl"
is "$(field mode)" ipip6 "mode ipip6"
is "$(field ends)" "2001:db8::1 2001:db8::2" "local and remote"
# iproute2 prints ip6_tnl_f_ign_encap_limit (IP6_TNL_F_IGN_ENCAP_LIMIT) and
# omits encap_limit when the tunnel adds no encapsulation-limit option.
is "$(field ign_encap_limit)/$(field encap_limit)" "True/None" "no encapsulation limit option"
is "$(field ttl)" 64 "hop limit 64"

# numgen, jhash and a concatenated-range map: each expression lives in a
# module (nft_numgen, nft_hash, pipapo sets) that the kernel must load on
# demand through /sbin/modprobe.
cat > "$tmp/smoke.nft" <<'EOF'
table ip v6t_vm_smoke {
	map ports {
		type ipv4_addr . inet_service : verdict
		flags interval
		elements = { 192.0.2.0/24 . 1024-1039 : accept,
			     198.51.100.0/24 . 2048-2063 : accept }
	}
	chain in {
		type filter hook input priority filter; policy accept;
		ip daddr . udp dport vmap @ports
	}
	chain post {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "t0" meta l4proto tcp snat ip to numgen inc mod 2 map { 0 : 192.0.2.1 . 1024-1039, 1 : 192.0.2.1 . 2048-2063 }
		oifname "t0" meta l4proto udp snat ip to jhash ip saddr . udp sport mod 2 seed 0x1 map { 0 : 192.0.2.1 . 1024-1039, 1 : 192.0.2.1 . 2048-2063 }
	}
}
EOF
ok "nft loads numgen + jhash + concatenated-range map rules" \
	ip netns exec "$ns" nft -f "$tmp/smoke.nft"
r=$(ip netns exec "$ns" nft -j list table ip v6t_vm_smoke 2>&1)
like "$r" '"numgen": *\{[^}]*"mode": *"inc"' "numgen inc rule in the kernel"
like "$r" '"jhash": *\{' "jhash rule in the kernel"
like "$r" '"flags": *\[?"interval"' "interval map in the kernel"
echo "# modules: $(cut -d' ' -f1 /proc/modules 2>/dev/null | grep -E '^(nft|nf_)' | sort | tr '\n' ' ')"

# python3 and dnsmasq from the host root: dnsmasq answers in the namespace
# and python3 asks it (a DNS query built by hand, one A record).
ip netns exec "$ns" dnsmasq --conf-file=/dev/null --no-hosts --no-resolv \
	--user=root --listen-address=127.0.0.1 --bind-interfaces --port=5353 \
	--address=/smoke.example/192.0.2.53 --pid-file="$tmp/dnsmasq.pid" \
	> "$tmp/dnsmasq.log" 2>&1
i=0
while [ ! -s "$tmp/dnsmasq.pid" ] && [ "$i" -lt 20 ]; do  # at most 2 s
	sleep 0.1
	i=$((i + 1))
done
ok "dnsmasq starts in the namespace" test -s "$tmp/dnsmasq.pid"
a=$(ip netns exec "$ns" python3 - <<'EOF' 2>&1
import socket, struct
q = struct.pack("!HHHHHH", 0x5eed, 0x0100, 1, 0, 0, 0)
q += b"".join(bytes([len(p)]) + p for p in (b"smoke", b"example")) + b"\0"
q += struct.pack("!HH", 1, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1)
for _ in range(5):  # bounded: dnsmasq may still be binding
    try:
        s.sendto(q, ("127.0.0.1", 5353))
        r = s.recv(512)
        break
    except OSError:
        continue
else:
    raise SystemExit("no answer")
print(socket.inet_ntoa(r[-4:]))
EOF
)
is "$a" 192.0.2.53 "python3 asks dnsmasq: smoke.example A 192.0.2.53"

# The tree's agent runs on the VM's kernel.
v=$("$A" --version 2>&1)
like "$v" '^v6mig-agent [0-9]+\.[0-9]+' "build/v6mig-agent --version runs"

done_testing
