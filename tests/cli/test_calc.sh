#!/bin/sh
# `v6mig-agent calc`: the contract other tools rely on (issue: foundation).
. "$(dirname "$0")/../lib/tap.sh"
A=${1:-build/v6mig-agent}

# RFC 7597 Appendix A example 1.
j=$($A calc --rule-ipv6 2001:db8::/40 --rule-ipv4 192.0.2.0/24 --ea-length 16 --prefix 2001:db8:12:3400::/56 --json)
is "$(echo "$j" | jget 'j["ipv4"]')" 192.0.2.18 "rfc7597 A ex1: ipv4"
is "$(echo "$j" | jget 'j["ipv4_prefix_length"]')" 32 "rfc7597 A ex1: ipv4 prefix length"
is "$(echo "$j" | jget 'j["psid"]')" 52 "rfc7597 A ex1: psid 0x34"
is "$(echo "$j" | jget 'j["psid_length"]')" 8 "rfc7597 A ex1: psid length"
is "$(echo "$j" | jget 'j["psid_offset"]')" 6 "psid offset defaults to 6"
is "$(echo "$j" | jget 'j["ce_ipv6"]')" 2001:db8:12:3400:0:c000:212:34 "rfc7597 A ex1: CE address"
is "$(echo "$j" | jget 'j["end_user_prefix"]')" 2001:db8:12:3400::/56 "end_user_prefix addr/len"
is "$(echo "$j" | jget 'j["port_count"]')" 252 "63 ranges of 4 ports"
is "$(echo "$j" | jget 'len(j["port_ranges"])')" 63 "63 ranges listed"
is "$(echo "$j" | jget 'j["port_ranges"][0]')" "[1232, 1235]" "first range"
is "$(echo "$j" | jget 'sorted(j["port_ranges"]) == j["port_ranges"]')" true "ranges ascending"

# An address inside the prefix gives the same answer.
j2=$($A calc --rule-ipv6 2001:db8::/40 --rule-ipv4 192.0.2.0/24 --ea-length 16 --prefix 2001:db8:12:3401::1 --json)
is "$(echo "$j2" | jget 'j["ce_ipv6"]')" 2001:db8:12:3400:0:c000:212:34 "--prefix takes an address inside"

# The field record: draft-03 layout, offset 4, 240 ports.
j=$($A calc --rule-ipv6 2404:7a82:4c00::/38 --rule-ipv4 133.209.12.0/22 --ea-length 18 --psid-offset 4 --draft03 --prefix 2404:7a82:4d02:4100::/56 --json)
is "$(echo "$j" | jget 'j["ce_ipv6"]')" 2404:7a82:4d02:4100:85:d10d:200:4100 "draft-03 interface ID"
is "$(echo "$j" | jget 'j["ipv4"]')" 133.209.13.2 "field record ipv4"
is "$(echo "$j" | jget 'j["port_ranges"][0]')" "[5136, 5151]" "field record first range"
is "$(echo "$j" | jget 'j["port_count"]')" 240 "15 x 16 = 240"

# Human view folds the ranges.
t=$($A calc --rule-ipv6 2404:7a82:4c00::/38 --rule-ipv4 133.209.12.0/22 --ea-length 18 --psid-offset 4 --prefix 2404:7a82:4d02:4100::/56)
like "$t" "15 ranges of 16 ports \(240\): 5136-5151, 9232-9247, 13328-13343, …, 62480-62495" "human summary folds ranges"

# Delegated IPv4 prefix (EA bits fewer than the suffix).
j=$($A calc --rule-ipv6 2001:db8::/40 --rule-ipv4 192.0.0.0/16 --ea-length 8 --prefix 2001:db8:12::/48 --json)
is "$(echo "$j" | jget '(j["ipv4"], j["ipv4_prefix_length"], j["port_count"])')" "('192.0.18.0', 24, 65536)" "delegated IPv4 prefix"

# lw4o6.
j=$($A calc --lw4o6 --ipv4 203.0.113.16 --psid 3 --psid-length 8 --prefix 2001:db8:3:100::/56 --json)
is "$(echo "$j" | jget 'j["ce_ipv6"]')" 2001:db8:3:100:0:cb00:7110:3 "lw4o6 B4 address (RFC 7596 5.1)"
is "$(echo "$j" | jget '"ipv4_prefix_length" in j or "end_user_prefix" in j')" false "lw4o6 JSON has no MAP-only keys"
is "$(echo "$j" | jget 'j["port_count"]')" 252 "lw4o6 port count"

# RFC 6052.
is "$($A calc --rfc6052 64:ff9b::/96 --ipv4 192.0.2.33 --json | jget 'j["ipv6"]')" 64:ff9b::c000:221 "rfc6052 /96"
is "$($A calc --rfc6052 2001:db8:100::/40 --ipv4 192.0.2.33)" 2001:db8:1c0:2:21:: "rfc6052 /40 plain"

# Bad input: exit 2 and one line naming the bad value.
bad() {
	want=$1; shift
	err=$($A calc "$@" 2>&1 >/dev/null); rc=$?
	is "$rc" 2 "exit 2: $*"
	like "$err" "$want" "names the bad value: $want"
	is "$(printf '%s\n' "$err" | wc -l)" 1 "one line: $*"
}
bad "'49'" --rule-ipv6 2001:db8::/16 --rule-ipv4 192.0.2.0/24 --ea-length 49 --prefix 2001:db8::1
bad "more than 64" --rule-ipv6 2001:db8::/40 --rule-ipv4 192.0.2.0/24 --ea-length 32 --prefix 2001:db8::1
bad "psid offset 10 \+ psid length 8" --rule-ipv6 2001:db8::/40 --rule-ipv4 192.0.2.0/24 --ea-length 16 --psid-offset 10 --prefix 2001:db8::1
bad "outside the rule" --rule-ipv6 2001:db8::/40 --rule-ipv4 192.0.2.0/24 --ea-length 16 --prefix 2001:db9::/56
bad "'192.0.2.0/33'" --rule-ipv6 2001:db8::/40 --rule-ipv4 192.0.2.0/33 --ea-length 16 --prefix 2001:db8::1
bad "/44" --rfc6052 2001:db8::/44 --ipv4 192.0.2.1
bad "'zz'" --rule-ipv6 zz --rule-ipv4 192.0.2.0/24 --ea-length 16 --prefix 2001:db8::1
bad "--prefix is required" --rule-ipv6 2001:db8::/40 --rule-ipv4 192.0.2.0/24 --ea-length 16
bad "unknown option '--bogus'" --bogus
bad "psid 300" --lw4o6 --ipv4 192.0.2.1 --psid 300 --psid-length 8 --prefix 2001:db8::/56

# No sharing (EA bits = the IPv4 suffix only, PSID length 0): every port,
# and the PSID fields stay numbers (RFC 7597 5.1: k = 0).
j=$($A calc --rule-ipv6 2001:db8::/40 --rule-ipv4 192.0.2.0/24 --ea-length 8 --prefix 2001:db8:12::/48 --json)
is "$(echo "$j" | jget 'j["psid_length"]')" 0 "unshared: psid_length is 0, not null"
is "$(echo "$j" | jget 'j["psid"]')" 0 "unshared: psid is 0"
is "$(echo "$j" | jget 'j["port_ranges"]')" "[[0, 65535]]" "unshared: one range, every port"
is "$(echo "$j" | jget 'j["port_count"]')" 65536 "unshared: 65536 ports"
ok "calc --help exits 0" $A calc --help
ok "--version exits 0" $A --version
ok "--help exits 0" $A --help
$A nosuch >/dev/null 2>&1; is $? 2 "unknown command exits 2"
done_testing
