#!/bin/bash
# br.sh -- the operator's end of every softwire, in namespace br.
#   add N OFFER [--method M] [--prefix PFX] [--wan ADDR]
#       serve CE n under OFFER's method M (default: its first `order`):
#       the CE's delegated prefix (default: the topology's, 2001:db8:4002:3n00::/56)
#       and WAN address (default: its SLAAC address) go through offer.py,
#       the same computation ce-manual.sh makes, so both ends agree.
#   del N | flush | show
#
# One point-to-point ip6tnl per CE, named tceN (an NBMA tunnel with
# `via inet6` routes was refused on 6.1), local = the BR/AFTR/lwAFTR/IPIP
# address from the offer, remote = the CE's address. Per method:
#   map_e, lw4o6 with a port set: the shared IPv4 is steered by destination
#     port (ICMP: echo id) to the CE's fwmark 100+N, and an ip rule sends
#     that mark to table 100+N = `default dev tceN`; from the CE only its
#     IPv4 and its ports are forwarded (RFC 7597 8.1, RFC 7596 6.2).
#   map_e/ipip with the whole IPv4 (no PSID): a route IPv4/len dev tceN.
#   dslite: AFTR NAT44 to $AFTR_POOL4 (RFC 6333 6.6); flows remember their
#     softwire in the conntrack mark, replies are marked back to it.
#   map_t: the BR is TAYGA (Debian's tayga, a TUN translator) on TUN ttN with
#     `prefix` = the DMR and `map` CE IPv4 <-> the CE's MAP-T address. TAYGA
#     knows no PSID: the 1:1 map serves one CE per shared address (CE 1).
#   464xlat: the PLAT is one TAYGA for every CE (TUN plat): `prefix` = the
#     NAT64 prefix, a dynamic pool $PLAT_POOL4, NAT'd (table `ip labplat`)
#     to $AFTR_POOL4 towards inet -- the classic stateful NAT64.
# Marks, tables and rule preferences are 100+N; our nft table is `ip labbr`.
set -u
. "$(dirname "$0")/lib.sh"
D=$LAB_DIR/br
BR=$(ns br)

render() { # every CE's env file -> one nft transaction replacing table labbr
	local f dsmarks="" steer="" guard=""
	for f in "$D"/*.env; do
		[ -e "$f" ] || continue
		(
			. "$f"
			t=tce$N m=$((100 + N))
			if [ "$METHOD" = map_t ] || [ "$METHOD" = 464xlat ]; then
				exit 0 # TAYGA's, not this table's
			elif [ "$METHOD" = dslite ]; then
				echo "DS $m"
				echo "PRE iifname \"$t\" ct state new ct mark set $m"
			elif [ -n "$PORTS" ]; then
				set=$(echo "$PORTS" | sed 's/ /, /g')
				echo "PRE iifname \"inet0\" ip daddr $IPV4 meta l4proto { tcp, udp } th dport { $set } meta mark set $m"
				echo "PRE iifname \"inet0\" ip daddr $IPV4 icmp type echo-reply icmp id { $set } meta mark set $m"
				echo "FWD iifname \"$t\" ip saddr != $IPV4 counter name spoofed drop"
				echo "FWD iifname \"$t\" meta l4proto { tcp, udp } th sport != { $set } counter name spoofed drop"
				echo "FWD iifname \"$t\" icmp type echo-request icmp id != { $set } counter name spoofed drop"
			else
				echo "FWD iifname \"$t\" ip saddr != $IPV4/$IPV4_PLEN counter name spoofed drop"
			fi
		)
	done >"$D/rules"
	dsmarks=$(awk '$1 == "DS" {printf "%s%s", sep, $2; sep=", "}' "$D/rules")
	steer=$(awk '$1 == "PRE" {sub(/^PRE /, "\t\t"); print}' "$D/rules")
	guard=$(awk '$1 == "FWD" {sub(/^FWD /, "\t\t"); print}' "$D/rules")
	{
		echo "table ip labbr"
		echo "delete table ip labbr"
		echo "table ip labbr {"
		echo "	counter spoofed { }"
		echo "	chain steer {"
		echo "		type filter hook prerouting priority mangle; policy accept;"
		[ -n "$steer" ] && echo "$steer"
		echo "		ct direction reply ct mark != 0 meta mark set ct mark"
		echo "	}"
		echo "	chain guard {"
		echo "		type filter hook forward priority filter; policy accept;"
		[ -n "$guard" ] && echo "$guard"
		echo "	}"
		if [ -n "$dsmarks" ]; then
			echo "	chain nat44 {"
			echo "		type nat hook postrouting priority srcnat; policy accept;"
			echo "		oifname \"inet0\" ct mark { $dsmarks } snat ip to $AFTR_POOL4"
			echo "	}"
		fi
		echo "}"
	} >"$D/labbr.nft"
	ip netns exec "$BR" nft -f "$D/labbr.nft"
}

# tayga NAME CONF-LINE...: a TAYGA on TUN NAME in br, running (spawned).
tayga_up() {
	local name=$1 d=$D/tayga-$1; shift
	mkdir -p "$d"
	{ echo "tun-device $name"; echo "data-dir $d"; printf '%s\n' "$@"; } >"$d/conf"
	ip netns exec "$BR" tayga -c "$d/conf" --mktun >"$d/mktun.log" 2>&1 &&
		ip -n "$BR" link set "$name" up || return 1
	spawn "tayga-$name" "$BR" tayga -n -c "$d/conf"
}
tayga_down() {
	stop "tayga-$1"
	ip -n "$BR" link del "$1" 2>/dev/null
	rm -rf "$D/tayga-$1"
}

# The translators' peers (see the top): MAP-T BR per CE, one PLAT for all.
xlat_add() {
	local n=$1 t=tt$1
	if [ "$METHOD" = map_t ]; then
		tayga_up "$t" "ipv4-addr 198.51.100.$((240 + n))" "prefix $PEER6" "map $IPV4 $CE6" &&
			ip -n "$BR" route replace "$PEER6" dev "$t" &&
			ip -n "$BR" route replace "$IPV4/32" dev "$t" &&
			ip -n "$BR" route replace "198.51.100.$((240 + n))/32" dev "$t"
		return
	fi
	alive tayga-plat && return 0
	tayga_up plat "ipv4-addr $PLAT_ADDR4" "prefix $PEER6" "dynamic-pool $PLAT_POOL4" &&
		ip -n "$BR" route replace "$PEER6" dev plat &&
		ip -n "$BR" route replace "$PLAT_POOL4" dev plat &&
		ip netns exec "$BR" nft -f - <<NFT
table ip labplat
delete table ip labplat
table ip labplat {
	chain nat44 {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "inet0" ip saddr $PLAT_POOL4 snat ip to $AFTR_POOL4
	}
}
NFT
}

xlat_del() {
	local n=$1 f
	if [ "$METHOD" = map_t ]; then
		tayga_down "tt$n" # its routes go with the TUN
		return 0
	fi
	for f in "$D"/*.env; do # the PLAT stays while a CE uses it
		[ "$f" = "$D/$n.env" ] && continue
		grep -q '^METHOD=464xlat$' "$f" 2>/dev/null && return 0
	done
	tayga_down plat
	ip netns exec "$BR" nft delete table ip labplat 2>/dev/null
	return 0
}

add() {
	local n=$1 offer=$2 method="" prefix wan facts; shift 2
	prefix=$(ce_prefix56 "$n") wan=$(ce_slaac "$n")
	while [ $# -gt 0 ]; do
		case $1 in
		--method) method=$2; shift 2 ;;
		--prefix) prefix=$2; shift 2 ;;
		--wan) wan=$2; shift 2 ;;
		*) die "br.sh add: unknown option $1" ;;
		esac
	done
	[ -f "$offer" ] || die "no offer file $offer"
	facts=$("$PY" "$LAB_SCRIPTS/offer.py" "$offer" ${method:+--method "$method"} \
		--prefix "$prefix" --wan "$wan" --names "$LAB_NAMES" --agent "$LAB_AGENT") || return 1
	del "$n"
	mkdir -p "$D"
	printf 'N=%s\nOFFER=%q\n%s\n' "$n" "$offer" "$facts" >"$D/$n.env"
	case $facts in *METHOD=map_t* | *METHOD=464xlat*)
		(. "$D/$n.env" && xlat_add "$n") || { del "$n"; die "br.sh: CE $n: TAYGA failed"; }
		return 0 ;;
	esac
	(
		. "$D/$n.env"
		t=tce$n m=$((100 + n))
		tunnel_add "$BR" "$t" "$PEER6" "$CE6" || exit 1
		ip -n "$BR" link set "$t" up
		if [ "$METHOD" = dslite ] || [ -n "$PORTS" ]; then
			ip -n "$BR" route add default dev "$t" table "$m" &&
				ip -n "$BR" rule add fwmark "$m" lookup "$m" pref "$m"
		else
			ip -n "$BR" route add "$IPV4/$IPV4_PLEN" dev "$t"
		fi
	) || { del "$n"; die "br.sh: CE $n: tunnel or routes failed"; }
	render || { del "$n"; die "br.sh: nft failed"; }
}

del() {
	local n=$1 m=$((100 + $1))
	[ -f "$D/$n.env" ] || return 0
	if grep -qE '^METHOD=(map_t|464xlat)$' "$D/$n.env"; then
		(. "$D/$n.env" && xlat_del "$n")
		rm -f "$D/$n.env"
		return 0
	fi
	ip -n "$BR" rule del pref "$m" 2>/dev/null
	ip -n "$BR" route flush table "$m" 2>/dev/null
	tunnel_del "$BR" "tce$n" # its routes in main go with it
	rm -f "$D/$n.env"
	render
}

case ${1:-} in
add) [ $# -ge 3 ] || die "add N OFFER [--method M] [--prefix PFX] [--wan ADDR]"; shift; add "$@" ;;
del) [ -n "${2:-}" ] || die "del N"; del "$2" ;;
flush) for f in "$D"/*.env; do [ -e "$f" ] && del "$(basename "$f" .env)"; done; true ;;
show)
	for f in "$D"/*.env; do [ -e "$f" ] && { echo "== $(basename "$f" .env)"; cat "$f"; }; done
	ip -n "$BR" rule; ip -n "$BR" route show table all type unicast | grep -v '^local\|fe80'
	ip netns exec "$BR" nft list table ip labbr
	;;
*) sed -n '2,24p' "$0" >&2; exit 2 ;;
esac
