#!/bin/bash
# isp.sh -- the ISP's access router services in namespace isp (dnsmasq x2).
#   start | stop           the resolver and the router advertisements
#   ra-restart             after a CE was added
#   dns-reset              TXT 4over6.info = $TXT_RECORD, AAAA for $LAB_NAMES
#   dns-txt VALUE...|none  replace the 4over6.info TXT records (several
#                          values = several records, D5; none = NXDOMAIN)
#   dns-host NAME ADDR[,TTL]...|none   set (one AAAA record per ADDR, TTL
#                          in seconds, dnsmasq's local-ttl 0 without) or
#                          remove the AAAA records of NAME
#   dns-blackhole on|off   drop queries to the resolver (a DNS timeout, Q3)
#   dns-log                the queries the resolver saw
#   renumber N NET64 [PFX] CE n's WAN link moves to NET64::/64 (Q8): isp's
#                          address on ceN becomes NET64::1, so the RAs
#                          advertise NET64::/64 and the old /64 with
#                          preferred lifetime 0 (dnsmasq); PFX (e.g. the
#                          CE's new /56) is routed to CE n's link-local
# The resolver: $RESOLVER6 port 53, authoritative for nothing, NXDOMAIN for
# every name it has no record for. RA: SLAAC prefix for each CE's WAN /64,
# RDNSS = the resolver.
set -u
. "$(dirname "$0")/lib.sh"
D=$LAB_DIR/isp

records_default() {
	local kv
	printf 'txt 4over6.info %s\n' "$TXT_RECORD"
	for kv in $LAB_NAMES; do printf 'aaaa %s %s\n' "${kv%%=*}" "${kv#*=}"; done
}

dns_conf() { # records -> dnsmasq configuration
	local kind name value
	cat <<CONF
port=53
listen-address=$RESOLVER6
bind-interfaces
no-resolv
no-hosts
no-poll
local=/#/
user=root
pid-file=$D/dns.pid
log-queries=extra
log-facility=$D/dns.log
CONF
	while read -r kind name value; do
		case $kind in
		txt) printf 'txt-record=%s,"%s"\n' "$name" "$value" ;;
		aaaa) printf 'host-record=%s,%s\n' "$name" "$value" ;;
		esac
	done <"$D/records"
}

# dnsmasq writes its pid file once its sockets are bound.
dns_start() {
	rm -f "$D/dns.pid"
	dns_conf >"$D/dns.conf"
	# Foreground (-k) under spawn, so stop() owns it; our config file only.
	spawn isp-dns "$(ns isp)" dnsmasq -k --conf-file="$D/dns.conf"
	wait_until 10 test -s "$D/dns.pid" ||
		{ say "resolver did not start: $(tail -3 "$LAB_DIR/log/isp-dns.log")"; return 1; }
}
dns_restart() { stop isp-dns; dns_start; }

ra_start() {
	# RA only: a prefix built from isp's address on each ce* link (SLAAC,
	# A flag, valid 2 h), RDNSS = the resolver, an RA every 10 s at most.
	# Wildcards: dnsmasq follows CE links that appear later (netlink).
	spawn isp-ra "$(ns isp)" dnsmasq -k --conf-file=/dev/null --port=0 --user=root \
		--pid-file="$D/ra.pid" --dhcp-leasefile="$D/ra.leases" --enable-ra \
		"--interface=ce*" "--dhcp-range=::,constructor:ce*,ra-only,64,2h" \
		"--ra-param=ce*,high,10,1800" "--dhcp-option=option6:dns-server,[$RESOLVER6]"
	wait_until 10 test -s "$D/ra.pid" ||
		{ say "RA daemon did not start: $(tail -3 "$LAB_DIR/log/isp-ra.log")"; return 1; }
}

blackhole() {
	case $1 in
	on) nsx isp nft -f - <<NFT ;;
table ip6 labdns {
	chain in { type filter hook input priority 0; ip6 daddr $RESOLVER6 meta l4proto { udp, tcp } th dport 53 drop; }
}
NFT
	off) nsx isp nft delete table ip6 labdns 2>/dev/null; return 0 ;;
	*) die "dns-blackhole on|off" ;;
	esac
}

# renumber N NET64 [PFX]: the new address first, then the old one goes:
# dnsmasq's RA constructor (ra_start) follows both over netlink, sends
# unsolicited RAs for the new prefix and keeps the old one in them as
# deprecated (preferred 0), as an ISP that renumbers does (RFC 4192 4).
renumber() {
	local n=$1 net=$2 pfx=$3 isp old a
	isp=$(ns isp)
	old=$(ip -n "$isp" -6 -o addr show dev "ce$n" scope global | awk '{print $4}')
	ip -n "$isp" addr add "$net::1/64" dev "ce$n" nodad noprefixroute || return 1
	if [ -n "$pfx" ]; then
		ip -n "$isp" route replace "$pfx" via "$(ce_ll "$n")" dev "ce$n" || return 1
	fi
	for a in $old; do
		[ "$a" = "$net::1/64" ] || ip -n "$isp" addr del "$a" dev "ce$n" || return 1
	done
}

case ${1:-} in
start)
	mkdir -p "$D"
	records_default >"$D/records"
	dns_start || exit 1
	ra_start
	;;
stop) stop isp-ra; stop isp-dns ;;
ra-stop) stop isp-ra ;;
ra-restart) stop isp-ra; ra_start ;;
dns-reset) records_default >"$D/records"; dns_restart ;;
dns-txt)
	shift
	[ $# -gt 0 ] || die "dns-txt VALUE...|none"
	grep -v '^txt 4over6.info ' "$D/records" >"$D/records.new"
	if [ "$1" != none ]; then for v in "$@"; do printf 'txt 4over6.info %s\n' "$v"; done >>"$D/records.new"; fi
	mv "$D/records.new" "$D/records"
	dns_restart
	;;
dns-host)
	[ $# -ge 3 ] || die "dns-host NAME ADDR[,TTL]...|none"
	name=$2
	shift 2
	grep -v "^aaaa $name " "$D/records" >"$D/records.new"
	if [ "$1" != none ]; then for a in "$@"; do printf 'aaaa %s %s\n' "$name" "$a"; done >>"$D/records.new"; fi
	mv "$D/records.new" "$D/records"
	dns_restart
	;;
dns-blackhole) blackhole "${2:-}" ;;
dns-log) cat "$D/dns.log" ;;
renumber) [ $# -ge 3 ] || die "renumber N NET64 [PFX]"; renumber "$2" "$3" "${4:-}" ;;
*) sed -n '2,20p' "$0" >&2; exit 2 ;;
esac
