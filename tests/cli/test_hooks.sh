#!/bin/sh
# SPDX-License-Identifier: MIT
# The example hooks (scripts/hooks/) with the environment the daemon gives
# them: what each writes for configured / unconfigured / stopped, and that
# the firewall defines are nftables that nft itself accepts (nft -c, in a
# network namespace of its own, when root). Nothing outside a temp dir.
. "$(dirname "$0")/../lib/tap.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
K=$top/scripts/hooks
tmp=$(mktemp -d /tmp/v6t-hooks.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM
mkdir -p "$tmp/bin" "$tmp/run"
printf '#!/bin/sh\necho "$@" >> %s/networkctl.calls\n' "$tmp" > "$tmp/bin/networkctl"
chmod 755 "$tmp/bin/networkctl"

facts() { # the daemon's environment for a MAP-E CE, plus what the hook reads
	env -i PATH="$tmp/bin:/usr/sbin:/usr/bin:/sbin:/bin" V6MIG_RUN_DIR="$tmp/run" \
		V6MIG_WAN=eth0 V6MIG_LAN="br0 br1" V6MIG_METHOD=map_e V6MIG_IPV4=192.0.2.1 \
		V6MIG_TUNNEL=v6mig0 V6MIG_PORT_RANGES="4160-4175 8256-8271" \
		V6MIG_NAT64_PREFIX=64:ff9b::/96 V6MIG_IPV6_MOSTLY=1 \
		RADVD_PIDFILE="$tmp/none.pid" NETWORKD_RUNTIME_DIR="$tmp/networkd" \
		RULES="$tmp/rules.nft" "$@"
}

out=$(facts "$K/pref64-radvd" configured)
is "$(cat "$tmp/run/radvd-pref64.conf")" "$(printf 'nat64prefix 64:ff9b::/96 {\n\tAdvValidLifetime 1800;\n};')" \
	"radvd: a PREF64 snippet (RFC 8781) with the NAT64 prefix"
like "$out" "radvd not running" "radvd: says what it did without radvd"
facts env -u V6MIG_NAT64_PREFIX "$K/pref64-radvd" unconfigured > /dev/null
is "$(wc -c < "$tmp/run/radvd-pref64.conf")" 0 "radvd: no prefix, an empty snippet"
facts "$K/pref64-radvd" bogus > /dev/null; is $? 2 "radvd: an unknown event exits 2"

out=$(facts "$K/pref64-networkd" configured)
f=$tmp/networkd/br1.network.d/v6mig-pref64.conf
like "$(cat "$f")" "Prefix=64:ff9b::/96" "networkd: [IPv6PREF64Prefix] for each LAN"
like "$(cat "$f")" "IPv6OnlyPreferredSec=1800" "networkd: ipv6_mostly=1 -> DHCPv4 option 108 (RFC 8925)"
is "$(cat "$tmp/networkctl.calls")" reload "networkd: networkctl reload"
facts "$K/pref64-networkd" stopped > /dev/null
ok "networkd: stopped removes the drop-ins" test ! -e "$f"

printf 'include "%s/run/firewall-defs.nft"\ntable ip mine {\n\tchain c { type filter hook forward priority 0; oifname $v6mig_tunnel ip saddr != $v6mig_ipv4 tcp sport != $v6mig_ports counter; }\n}\n' \
	"$tmp" > "$tmp/rules.nft"
printf '#!/bin/sh\necho "nft $*" >> %s/nft.calls\n' "$tmp" > "$tmp/bin/nft"
chmod 755 "$tmp/bin/nft"
out=$(facts "$K/firewall-reload" configured)
is "$(cat "$tmp/run/firewall-defs.nft")" "$(printf 'define v6mig_ipv4 = 192.0.2.1\ndefine v6mig_tunnel = "v6mig0"\ndefine v6mig_ports = { 4160-4175, 8256-8271 }')" \
	"firewall: the defines from the facts"
is "$(cat "$tmp/nft.calls")" "nft -f $tmp/rules.nft" "firewall: loads the operator's rules"
if [ "$(id -u)" = 0 ] && command -v unshare > /dev/null; then
	ok "firewall: nft itself accepts the rules with those defines (nft -c)" \
		unshare -n /usr/sbin/nft -c -f "$tmp/rules.nft"
fi
facts "$K/firewall-reload" stopped > /dev/null
ok "firewall: stopped removes the defines" test ! -e "$tmp/run/firewall-defs.nft"
done_testing
