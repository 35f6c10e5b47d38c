#!/bin/sh
# `v6mig-agent plan` (issue 4): provisioning JSON + WAN facts from flags ->
# the plan, as JSON (stable keys) or as ip/nft commands. No privileges.
. "$(dirname "$0")/../lib/tap.sh"
A=${1:-build/v6mig-agent}
F=$(dirname "$0")/../fixtures

plan() { $A plan "$@" 2>&1; }
j() { printf '%s\n' "$1" | jget "$2"; }
# Refused with exit code, one line of stderr matching want.
bad() {
	code=$1 want=$2; shift 2
	err=$($A plan "$@" 2>&1 >/dev/null); rc=$?
	is "$rc" "$code" "exit $code: $*"
	like "$err" "$want" "says: $want"
	is "$(printf '%s\n' "$err" | wc -l)" 1 "one line: $*"
}

# ---- MAP-E, version 0: the draft-03 interface ID (S9) -----------------
p=$($A plan --from "$F/map_e_v0.json" --prefix 2001:db8:4c12:3400::/56 --json)
c=$($A calc --rule-ipv6 2001:db8:4c00::/40 --rule-ipv4 192.0.2.0/24 --ea-length 16 \
	--psid-offset 4 --draft03 --prefix 2001:db8:4c12:3400::/56 --json)
is "$(j "$p" 'list(j.keys())')" '["method", "links", "addresses", "routes", "nat", "filter", "xlat", "info", "mesh"]' "JSON top-level keys, in order"
is "$(j "$p" '(j["xlat"]["enabled"], j["xlat"]["ipv6"], j["xlat"]["fmrs"])')" "(False, None, [])" "map_e_v0: no translator, its keys null"
is "$(j "$p" 'j["method"]')" map_e "map_e_v0: method from order"
is "$(j "$p" 'j["links"][0]["local"]')" 2001:db8:4c12:3400:c0:2:1200:3400 "map_e_v0: draft-03 CE address as the tunnel source"
is "$(j "$p" 'j["links"][0]["local"]')" "$(j "$c" 'j["ce_ipv6"]')" "map_e_v0: same CE address as calc --draft03"
is "$(j "$p" '[j["links"][0][k] for k in ("name","kind","underlay","remote","hoplimit","flags","proto","mtu")]')" \
	'["v6mig0", "ip6tnl", "wan", "2001:db8:ffff::1", 64, 1, 4, 1460]' "map_e_v0: ip6tnl to the BR, hop limit 64, no encap limit, IPIP, MTU 1500-40"
is "$(j "$p" 'j["addresses"]')" \
	'[{"ifname": "wan", "family": "inet6", "address": "2001:db8:4c12:3400:c0:2:1200:3400", "prefix_length": 128, "nodad": true}, {"ifname": "v6mig0", "family": "inet", "address": "192.0.2.18", "prefix_length": 32, "nodad": false}]' \
	"map_e_v0: CE /128 nodad on the WAN, IPv4 /32 on the tunnel"
is "$(j "$p" 'j["routes"]')" '[{"dev": "v6mig0", "family": "inet", "dst": "0.0.0.0/0", "mtu": 1460, "metric": 10}]' "map_e_v0: only the IPv4 default route, with the MTU and the default metric"
is "$(j "$p" 'j["nat"]["port_ranges"]')" "$(j "$c" 'j["port_ranges"]')" "map_e_v0: NAT port ranges = calc's"
is "$(j "$p" '(j["nat"]["src"], j["nat"]["psid"], j["nat"]["port_count"], len(j["nat"]["port_ranges"]))')" \
	"('192.0.2.18', 52, 240, 15)" "map_e_v0: NAT to 192.0.2.18, PSID 0x34, 15 x 16 ports"
is "$(j "$p" '(j["filter"]["enabled"], j["filter"]["ours"], j["filter"]["mss"], j["filter"]["port_ranges"] == j["nat"]["port_ranges"])')" \
	"(True, '192.0.2.18/32', 1420, True)" "map_e_v0: receive filter on ours and the set, MSS 1420"
is "$(j "$p" '(j["info"]["rule_index"], j["info"]["end_user_prefix"], j["info"]["ipv4"], j["info"]["psid_offset"])')" \
	"(0, '2001:db8:4c12:3400::/56', '192.0.2.18', 4)" "map_e_v0: info"

# The BMR follows the prefix (RFC 7597 5).
p=$($A plan --from "$F/map_e_v0.json" --prefix 2001:db8:5c12:3400::/56 --json)
is "$(j "$p" '(j["info"]["rule_index"], j["info"]["ipv4"])')" "(1, '198.51.100.18')" "map_e_v0: the second rule for its prefix"

# ---- MAP-E, version 1: RFC 7597 Appendix A; the prefix from --wan-addr
p=$($A plan --from "$F/map_e_v1.json" --wan eth1 --wan-addr 2001:db8:12:3400::99 --mtu 1454 --json)
is "$(j "$p" 'j["links"][0]["local"]')" 2001:db8:12:3400:0:c000:212:34 "map_e_v1: RFC 7597 CE address (Appendix A)"
is "$(j "$p" '(j["links"][0]["underlay"], j["addresses"][0]["ifname"])')" "('eth1', 'eth1')" "--wan names the underlay and the CE address's interface"
is "$(j "$p" '(j["links"][0]["mtu"], j["routes"][0]["mtu"], j["filter"]["mss"])')" "(1414, 1414, 1374)" "--mtu 1454 (PPPoE): tunnel 1414, MSS 1374"
is "$(j "$p" 'len(j["nat"]["port_ranges"])')" 63 "map_e_v1: 63 ranges (offset 6)"

# 256 rules (S9 MUST), the BMR among them.
p=$($A plan --from "$F/map_e_256.json" --prefix 2001:db8:3fd2:3400::/56 --json)
is "$(j "$p" '(j["info"]["rule_index"], j["info"]["ipv4"], j["info"]["psid"], len(j["nat"]["port_ranges"]))')" \
	"(255, '192.0.2.72', 52, 63)" "map_e_256: rule 255 of 256, 63 ranges"

# ---- the spec's 3.4 example: order, mesh, --method -------------------
# Its order is 464xlat, map_e, dslite: S8 takes the first this build runs.
CAP=$($A --version | sed -n 's/.*; capability \(.*\))$/\1/p')
has_cap() { case ",$CAP," in *",$1,"*) return 0 ;; esac; return 1; }
if has_cap 464xlat; then
	p=$($A plan --from "$F/spec_3_4.json" --prefix 2001:db8:1:2345::/64 --json 2>/dev/null)
	is "$(j "$p" '(j["method"], j["xlat"]["ipv6"], j["xlat"]["remote_prefix"], j["xlat"]["ipv6_reached_by"])')" \
		"('464xlat', '2001:db8:1:2345::c000:1', '2001:db8:6::/96', 'route')" \
		"spec 3.4: 464xlat first (S8); the CLAT address in the --prefix, routed"
	set -- --method map_e --no-mesh
else
	set -- --no-mesh
fi
p=$($A plan --from "$F/spec_3_4.json" --prefix 2001:db8:1:2345::/64 "$@" --json 2>/dev/null)
is "$(j "$p" '(j["method"], j["links"][0]["local"], j["links"][0]["remote"], j["info"]["ipv4"], j["info"]["psid"])')" \
	"('map_e', '2001:db8:1:2345:cb:71:3400:500', '2001:db8:1::1', '203.0.113.52', 5)" \
	"spec 3.4: map_e (first built, or fixed), --no-mesh: hub-and-spoke to the BR"
t=$(plan --from "$F/spec_3_4.json" --prefix 2001:db8:1:2345::/64 "$@")
like "$t" "^# map_e.mesh is true: planned hub-and-spoke" "mesh: true is said, and with --no-mesh planned hub-and-spoke"
is "$(j "$p" 'j["mesh"]["mode"]')" "hubspoke" "--no-mesh: mesh.mode hubspoke"
# without --no-mesh a build with mesh plans the mesh programs' device
pm=$($A plan --from "$F/spec_3_4.json" --prefix 2001:db8:1:2345::/64 --method map_e --json 2>/dev/null)
is "$(j "$pm" '(j["mesh"]["mode"], j["links"][0]["kind"], j["links"][0]["name"], j["links"][0]["mtu"], j["routes"][0]["dev"], j["nat"]["out_ifname"], j["addresses"][0]["address"])')" \
	"('mesh', 'veth', 'v6mig0', 1460, 'v6mig0', 'v6mig0', '2001:db8:1:2345:cb:71:3400:500')" \
	"mesh: a veth v6mig0 at WAN - 40, the default route and NAT44 into it, the CE address on the WAN"
t=$(plan --from "$F/spec_3_4.json" --prefix 2001:db8:1:2345::/64 --method map_e)
like "$t" "^# map_e.mesh is true: planned mesh" "mesh: planned mesh, said"
like "$t" "^# Mesh .RFC 7597 5, eBPF on wan's clsact.: 203.0.113.52 <-> 2001:db8:1:2345:cb:71:3400:500, BR 2001:db8:1::1" "mesh: the programs' summary"
e=$($A plan --from "$F/spec_3_4.json" --prefix 2001:db8:1:2345::/64 "$@" --json 2>&1 >/dev/null)
like "$e" "note: map_e.mesh is true" "mesh note on stderr with --json"
is "$(j "$p" 'j["mesh"]["fmrs"]')" \
	'[{"rule": 0, "ipv4_prefix": "203.0.113.0/24", "ipv6_prefix": "2001:db8:1:2000::/52", "ea_length": 12, "psid_offset": 4, "usable": true}]' \
	"mesh: the FMR table in the JSON (rule, IPv4 prefix, EA length, PSID offset)"
like "$t" "^#   0     203.0.113.0/24     12        4           2001:db8:1:2000::/52" "mesh: the FMR table in the text"
# --dest: one packet's way; the CE's address is calc's for the same rule + PSID
p=$($A plan --from "$F/spec_3_4.json" --prefix 2001:db8:1:2345::/64 "$@" --dest 203.0.113.52:5000 --json 2>/dev/null)
c=$($A calc --rule-ipv6 2001:db8:1:2000::/52 --rule-ipv4 203.0.113.0/24 --ea-length 12 \
	--psid-offset 4 --draft03 --prefix 2001:db8:1:2343::/64 --json)
is "$(j "$p" '(j["mesh"]["dest"]["via"], j["mesh"]["dest"]["rule"], j["mesh"]["dest"]["psid"])')" "('direct', 0, 3)" \
	"--dest 203.0.113.52:5000: port 5000 is PSID 3 (offset 4), direct by rule 0"
is "$(j "$p" 'j["mesh"]["dest"]["ipv6"]')" "$(j "$c" 'j["ce_ipv6"]')" "--dest: the outer destination is calc's CE address (draft-03)"
is "$(j "$c" '(j["ipv4"], j["psid"])')" "('203.0.113.52', 3)" "--dest: calc agrees that CE holds 203.0.113.52 PSID 3"
t=$(plan --from "$F/spec_3_4.json" --prefix 2001:db8:1:2345::/64 "$@" --dest 198.51.100.7:80)
like "$t" "^# --dest 198.51.100.7:80 -> 2001:db8:1::1 .BR.: no forwarding rule holds" "--dest outside every rule: the BR, and why"
t=$(plan --from "$F/spec_3_4.json" --prefix 2001:db8:1:2345::/64 "$@" --dest 203.0.113.9)
like "$t" "^# --dest 203.0.113.9 -> 2001:db8:1::1 .BR, rule 0.: no port" "--dest without a port: the BR, which reaches every CE"
t=$(plan --from "$F/map_e_v0.json" --prefix 2001:db8:4c12:3400::/56 --dest 192.0.2.1:80)
like "$t" "only for MAP-E with map_e.mesh true" "--dest without mesh: refused"
t=$(plan --from "$F/spec_3_4.json" --prefix 2001:db8:1:2345::/64 "$@" --dest 203.0.113.300:80)
like "$t" "--dest: '203.0.113.300' is not an IPv4 address" "--dest: a bad address named"
set --
p=$($A plan --from "$F/spec_3_4.json" --method ipip --json)
is "$(j "$p" '(j["method"], j["links"][0]["local"], j["addresses"][1]["address"], j["addresses"][1]["prefix_length"])')" \
	"('ipip', '2001:db8:7:100::7', '203.0.113.0', 29)" "--method ipip: the fixed mode (S8 SHOULD)"
p=$($A plan --from "$F/spec_3_4.json" --method lw4o6 --peer 2001:db8:4::9 --json)
is "$(j "$p" '(j["method"], j["links"][0]["remote"])')" "('lw4o6', '2001:db8:4::9')" "--method lw4o6 with a name: --peer is the lwAFTR"

# ---- MAP-T (S10, RFC 7599) and 464XLAT (S13, RFC 6877) -----------------
if has_cap map_t; then
	p=$($A plan --from "$F/map_t.json" --wan-addr 2001:db8:12:3400::99 --mtu 1454 --json)
	is "$(j "$p" '(j["method"], j["links"], j["xlat"]["ipv4"], j["xlat"]["ipv6"], j["xlat"]["remote_prefix"], j["xlat"]["psid"])')" \
		"('map_t', [{'name': 'v6mig0', 'kind': 'veth', 'peer': 'v6mig1', 'arp': False, 'mtu': 1426}], '192.0.2.18', '2001:db8:12:3400:0:c000:212:34', '2001:db8:ffff::/64', 52)" \
		"map_t: RFC 7599 A example 1 -- a veth, no ip6tnl; the MAP address, the DMR, PSID 0x34"
	is "$(j "$p" '(j["xlat"]["mtu"], j["xlat"]["growth"], j["xlat"]["mss"], j["routes"][0]["mtu"], j["filter"]["mss"])')" \
		"(1426, 28, 1386, 1426, 1386)" "map_t: --mtu 1454: IPv4 side 1426 (28 bytes of growth), MSS 1386"
	is "$(j "$p" '[f["ipv4"] for f in j["xlat"]["fmrs"]]')" '["192.0.2.0/24", "203.0.113.0/24"]' "map_t: every rule is an FMR"
	is "$(j "$p" 'j["nat"]["port_ranges"] == j["xlat"]["port_ranges"]')" true "map_t: NAT44 into the set the translator accepts"
	p=$($A plan --from "$F/map_t.json" --prefix 2001:db8:112:4100::/56 --json)
	is "$(j "$p" '(j["info"]["rule_index"], j["xlat"]["ipv4"], j["xlat"]["port_count"], len(j["xlat"]["port_ranges"]))')" \
		"(1, '203.0.113.18', 240, 15)" "map_t: the second rule by the prefix: 240 ports in 15 ranges"
	bad 1 "map_t: no global IPv6 address or prefix .*\(give --prefix or --wan-addr\)" --from "$F/map_t.json"
	bad 1 "WAN MTU 1200 is less than 1280, the IPv6 minimum" --from "$F/map_t.json" --prefix 2001:db8:112:4100::/56 --mtu 1200
	bad 1 "map_t: the offer has no map_t$" --from "$F/map_e_v1.json" --method map_t
fi
if has_cap 464xlat; then
	p=$($A plan --from "$F/464xlat.json" --wan eth1 --wan-addr 2001:db8:1:2::99 --json)
	is "$(j "$p" '(j["method"], j["xlat"]["ipv4"], j["xlat"]["ipv6"], j["xlat"]["ipv6_reached_by"], j["xlat"]["remote_role"])')" \
		"('464xlat', '192.0.0.1', '2001:db8:1:2::c000:1', 'address', 'nat64prefix')" \
		"464xlat: 192.0.0.1 <-> the CLAT address on the WAN /64, reached by ND"
	is "$(j "$p" 'j["addresses"]')" \
		'[{"ifname": "eth1", "family": "inet6", "address": "2001:db8:1:2::c000:1", "prefix_length": 128, "nodad": false}, {"ifname": "v6mig0", "family": "inet", "address": "192.0.0.1", "prefix_length": 32, "nodad": false}]' \
		"464xlat: the CLAT /128 on the WAN with DAD (RFC 6877 6.3), 192.0.0.1 on v6mig0"
	is "$(j "$p" '(j["nat"]["src"], j["nat"]["psid"], j["nat"]["port_count"])')" "('192.0.0.1', None, 65536)" "464xlat: NAT44 to 192.0.0.1, every port"
	p=$($A plan --from "$F/464xlat.json" --prefix 2001:db8:aa00::/56 --json)
	is "$(j "$p" '(j["xlat"]["ipv6"], j["xlat"]["ipv6_reached_by"], len(j["addresses"]))')" \
		"('2001:db8:aa00:ff::c000:1', 'route', 1)" "464xlat: --prefix /56: its last /64, routed, no address"
	bad 1 "464xlat: no delegated prefix and no address on the WAN .*\(give --prefix or --wan-addr\)" --from "$F/464xlat.json"
fi

# ---- DS-Lite (S11, RFC 6333) --------------------------------------------
p=$($A plan --from "$F/dslite.json" --wan-addr 2001:db8:1::1234 --json)
is "$(j "$p" '(j["links"][0]["local"], j["links"][0]["remote"])')" "('2001:db8:1::1234', '2001:db8:a::1')" "dslite: WAN address to the AFTR literal"
is "$(j "$p" 'j["addresses"]')" '[{"ifname": "v6mig0", "family": "inet", "address": "192.0.0.2", "prefix_length": 29, "nodad": false}]' \
	"dslite: only B4 192.0.0.2/29 on the tunnel (RFC 6333 5.7), nothing on the WAN"
is "$(j "$p" '(j["nat"]["enabled"], j["nat"]["src"], j["filter"]["enabled"], j["filter"]["mss"])')" "(False, None, False, 1420)" "dslite: no NAT44, no receive filter, MSS clamp"
p=$($A plan --from "$F/dslite_name.json" --wan-addr 2001:db8:1::1234 --peer 2001:db8:a::2 --json)
is "$(j "$p" 'j["links"][0]["remote"]')" 2001:db8:a::2 "dslite: a named AFTR takes --peer"
p=$($A plan --from "$F/dslite.json" --wan-addr 2001:db8:1::1234 --peer 2001:db8:a::2 --json)
is "$(j "$p" 'j["links"][0]["remote"]')" 2001:db8:a::1 "dslite: a literal AFTR is not replaced by --peer"

# ---- lw4o6 (S12, RFC 7596) ---------------------------------------------
p=$($A plan --from "$F/lw4o6.json" --json)
c=$($A calc --lw4o6 --ipv4 203.0.113.16 --psid 3 --psid-length 8 --prefix 2001:db8:3:100::/56 --json)
is "$(j "$p" 'j["links"][0]["local"]')" "$(j "$c" 'j["ce_ipv6"]')" "lw4o6: the B4 address (RFC 7596 5.1) = calc's"
is "$(j "$p" '(j["addresses"][0]["address"], j["addresses"][0]["nodad"], j["nat"]["src"], j["nat"]["psid"])')" \
	"('2001:db8:3:100:0:cb00:7110:3', True, '203.0.113.16', 3)" "lw4o6: B4 /128 on the WAN, NAT into PSID 3"
is "$(j "$p" 'j["nat"]["port_ranges"]')" "$(j "$c" 'j["port_ranges"]')" "lw4o6: NAT port ranges = calc's"

# ---- IPIP (S14, RFC 2473) ----------------------------------------------
p=$($A plan --from "$F/ipip.json" --json)
is "$(j "$p" '(j["links"][0]["local"], j["links"][0]["remote"], j["addresses"][0]["address"], j["addresses"][1]["address"])')" \
	"('2001:db8:7:100::7', '2001:db8:7::1', '2001:db8:7:100::7', '203.0.113.1')" "ipip: the first entry"
is "$(j "$p" '(j["nat"]["src"], j["nat"]["psid"], j["nat"]["port_ranges"], j["filter"]["ours"])')" \
	"('203.0.113.1', None, [[0, 65535]], '203.0.113.1/32')" "ipip: NAT44 with every port"
p=$($A plan --from "$F/ipip.json" --ipip-index 1 --json)
is "$(j "$p" '(j["links"][0]["remote"], j["addresses"][1]["address"], j["addresses"][1]["prefix_length"], j["filter"]["ours"])')" \
	"('2001:db8:7::2', '198.51.100.0', 29, '198.51.100.0/29')" "ipip: --ipip-index 1"

# ---- the human view: ip and nft commands --------------------------------
t=$($A plan --from "$F/map_e_v0.json" --prefix 2001:db8:4c12:3400::/56 --wan eth1)
like "$t" "^ip link add v6mig0 mtu 1460 type ip6tnl mode ipip6 local 2001:db8:4c12:3400:c0:2:1200:3400 remote 2001:db8:ffff::1 dev eth1 encaplimit none hoplimit 64$" "ip link add ... encaplimit none hoplimit 64"
like "$t" "^ip -6 addr add 2001:db8:4c12:3400:c0:2:1200:3400/128 dev eth1 nodad$" "ip -6 addr add ... nodad"
like "$t" "^ip addr add 192.0.2.18/32 dev v6mig0$" "ip addr add IPv4"
like "$t" "^ip route add default dev v6mig0 mtu 1460 metric 10 proto 233$" "ip route add default ... mtu ... metric"
is "$(printf '%s\n' "$t" | grep -c "numgen inc mod 15 map { 0 : 192.0.2.18 . 4928-4943, .* 14 : 192.0.2.18 . 62272-62287 }'$")" 2 "TCP, ICMP: numgen over all 15 ranges"
is "$(printf '%s\n' "$t" | grep -c "meta l4proto udp snat ip to jhash ip saddr . udp sport mod 15 seed 0x76366d67 map { 0 : 192.0.2.18 . 4928-4943,")" 1 "UDP: jhash of the inner source"
like "$t" "maxseg size set 1420'$" "MSS clamp"
is "$(printf '%s\n' "$t" | grep -c 'rx_filter iifname "v6mig0" meta l4proto \(tcp tcp\|udp udp\) dport != @ports drop')" 2 "receive filter for tcp and udp: the set"
like "$t" "add set ip v6mig ports { type inet_service; flags interval; elements = { 4928-4943, .*62272-62287 } }'" "the set holds every range"
is "$(printf '%s\n' "$t" | grep -c 'rx_filter iifname "v6mig0" icmp type echo-reply icmp id != { 4928-4943, .*62272-62287 } drop')" 1 "receive filter for icmp ids"
is "$(printf '%s\n' "$t" | grep -v '^#' | grep -vc '^ip \|^nft ')" 0 "only ip/nft lines besides comments"

# ---- refusals -----------------------------------------------------------
# bad CODE PATTERN ARGS...: exit CODE, one line on stderr naming the value.
bad 2 "--from is required" --json
bad 2 "unknown option '--bogus'" --from "$F/dslite.json" --bogus
bad 2 "--mtu: 'abc' is not a number" --from "$F/dslite.json" --mtu abc
bad 2 "--mtu: '70000' is not a number from 0 to 65535" --from "$F/dslite.json" --mtu 70000
bad 2 "--prefix: 'zz' is not an IPv6 prefix" --from "$F/map_e_v0.json" --prefix zz
bad 2 "--wan: 'a/b' is not an interface name" --from "$F/dslite.json" --wan a/b
bad 2 "--wan: '0123456789abcdef' is not an interface name" --from "$F/dslite.json" --wan 0123456789abcdef
bad 2 "--wan-addr: '192.0.2.1' is not an IPv6 address" --from "$F/dslite.json" --wan-addr 192.0.2.1
bad 2 "--peer: 'x' is not an IPv6 address" --from "$F/dslite.json" --peer x
bad 2 "--method: 'bogus' is not one of" --from "$F/dslite.json" --method bogus
has_cap map_t || bad 2 "--method: this build cannot run 'map_t'" --from "$F/spec_3_4.json" --method map_t
bad 2 "unexpected argument 'extra'" --from "$F/dslite.json" extra
bad 1 "WAN MTU 1300 leaves a tunnel MTU of 1260, less than 1280" --from "$F/dslite.json" --wan-addr 2001:db8:1::1 --mtu 1300
bad 1 "map_e: no global IPv6 address or prefix .*\(give --prefix or --wan-addr\)" --from "$F/map_e_v0.json"
bad 1 "no map_e rule \(of 2\) matches the prefix 2001:db9::/56" --from "$F/map_e_v0.json" --prefix 2001:db9::/56
bad 1 "prefix 2001:db8:4c00::/48 is shorter than the end-user prefix /56" --from "$F/map_e_v0.json" --prefix 2001:db8:4c00::/48
bad 1 "dslite: no global IPv6 address on the WAN interface wan .*\(give --wan-addr\)" --from "$F/dslite.json"
bad 1 "aftr aftr.example.net needs resolving \(give its address with --peer\)" --from "$F/dslite_name.json" --wan-addr 2001:db8:1::1
bad 1 "ipip entry 2 does not exist \(the offer has 2\)" --from "$F/ipip.json" --ipip-index 2
bad 1 "the offer has no dslite" --from "$F/ipip.json" --method dslite
bad 1 "tunnel local and remote are both 2001:db8:a::1" --from "$F/dslite.json" --wan-addr 2001:db8:a::1
bad 1 "nosuch.json: No such file" --from "$F/nosuch.json"
bad 1 "order is empty" --from - <<'EOF'
{"enabler_name": "A VNE", "service_name": "S", "ttl": 60, "order": []}
EOF
if ! has_cap map_t; then
bad 1 "no method of the order \(first: map_t\) is in this build" --from - <<'EOF'
{"enabler_name": "A VNE", "service_name": "S", "ttl": 60, "order": ["map_t"],
 "map_t": {"dmr": "2001:db8:5::/64", "rules": [{"ipv6": "2001:db8:5:100::/56", "ipv4": "203.0.113.32/28", "ea_length": 8, "psid_offset": 4}]}}
EOF
fi
bad 1 "^v6mig-agent plan: -: " --from - <<'EOF'
{"order": ["dslite"], "dslite": {"aftr": 5}
EOF

# A parse warning (S5: ttl clamped) is said when the plan is made; a
# refusal stays one line.
clamped='{"enabler_name": "A", "service_name": "S", "ttl": 999999, "order": ["dslite"], "dslite": {"aftr": "2001:db8:a::1"}}'
e=$(printf '%s' "$clamped" | $A plan --from - --wan-addr 2001:db8:1::1 2>&1 >/dev/null)
like "$e" "warning: -: ttl: 999999 is more than 604800" "prov warnings go to stderr"
e=$(printf '%s' "$clamped" | $A plan --from - 2>&1 >/dev/null)
is "$(printf '%s\n' "$e" | wc -l)" 1 "a refusal after a warning is still one line"

# --from - reads stdin; --help exits 0.
p=$($A plan --from - --wan-addr 2001:db8:1::1 --json < "$F/dslite.json")
is "$(j "$p" 'j["method"]')" dslite "--from - reads stdin"
ok "plan --help exits 0" $A plan --help
like "$($A --help)" "plan " "plan in the command list"
done_testing
