#!/bin/sh
# Two agents on two WANs (issue 11 item 5): instance "a" runs MAP-E on
# wan0, instance "b" DS-Lite on wan2, side by side with a foreign IPv4
# default route at metric 0. Each owns its tunnel (v6mig-a, v6mig-b), its
# table (ip v6mig-a, ip v6mig-b), its default route (metrics 20 and 30) and
# its WAN addresses; neither rewrites nor sweeps the other's. `down` of one
# leaves the kernel byte-identical (ip -d -j link/addr/route/rule, nft -j)
# to what it was with the other alone. Root; namespaces of our own.
CASE=two
. "$(dirname "$0")/../apply_lib.sh"
F=$here/../fixtures

two_setup() {
	setup &&
	ip -n "$ns" link add wan2 mtu 1500 type veth peer name isp2 netns "$isp" &&
	ip -n "$ns" link set wan2 up && ip -n "$isp" link set isp2 up &&
	ip -n "$ns" addr add 2001:db8:ff02::100/64 dev wan2 nodad &&
	ip -n "$ns" addr add 2001:db8:12:3401::1/64 dev lan0 nodad
}
if ! two_setup; then
	echo "not ok 1 - namespace setup"
	echo "1..1"
	exit 1
fi
snap() { $CHECK snapshot "$ns" > "$tmp/$1.json"; }
apply_a() { agent apply --from "$F/map_e_v1.json" --wan wan0 --lan lan0 --instance a \
	--route-metric 20 --run-dir "$run/a" 2>&1; }
apply_b() { agent apply --from "$F/dslite.json" --wan wan2 --instance b \
	--route-metric 30 --run-dir "$run/b" 2>&1; }
tables() { nsx nft -j list tables | jget '[t["table"]["name"] for t in j["nftables"] if "table" in t]'; }

snap none
out=$(apply_a)
is "$?" 0 "instance a (MAP-E on wan0) applies ($out)"
run_check "$tmp/sa" state "$ns" link=v6mig-a wan=wan0 metric=20 \
	local=2001:db8:12:3400:0:c000:212:34 remote=2001:db8:ffff::1 wan128=yes v4=192.0.2.18/32
snap a
out=$(apply_b)
is "$?" 0 "instance b (DS-Lite on wan2) applies beside it ($out)"
run_check "$tmp/sb" state "$ns" link=v6mig-b wan=wan2 metric=30 \
	local=2001:db8:ff02::100 remote=2001:db8:a::1 wan128=no v4=192.0.0.2/29
run_check "$tmp/sa2" state "$ns" link=v6mig-a wan=wan0 metric=20 \
	local=2001:db8:12:3400:0:c000:212:34 remote=2001:db8:ffff::1 wan128=yes v4=192.0.2.18/32
is "$(tables)" '["v6t_foreign", "v6mig-a", "v6mig-b"]' "each instance has its own table"
is "$(nsx nft list table ip v6mig-b | grep -c 'maxseg size set 1420')" 2 "DS-Lite's table: the MSS clamp"
is "$(nsx nft list table ip v6mig-b | grep -c snat)" 0 "DS-Lite's table: no NAT44"
is "$(ip -n "$ns" -j route show default | jget 'sorted([x["dev"], x.get("metric", 0)] for x in j)')" \
	'[["fveth0", 0], ["v6mig-a", 20], ["v6mig-b", 30]]' "three IPv4 default routes side by side"
check_foreign
snap ab

# Neither fights the other: each one's apply again writes nothing.
out=$(apply_a)
like "$out" ": 0 writes" "instance a again: zero writes (b's objects are not its)"
out=$(apply_b)
like "$out" ": 0 writes" "instance b again: zero writes"
snap ab2
same "$tmp/ab.json" "$tmp/ab2.json" "both re-applies left the kernel as it was"

# Down of b: the kernel exactly as with a alone.
out=$(agent down --instance b --run-dir "$run/b" 2>&1)
is "$?" 0 "down of instance b ($out)"
snap a2
same "$tmp/a.json" "$tmp/a2.json" "after down of b: byte-identical to a alone"

# And the other way round: b again, down of a, down of b: as before both.
out=$(apply_b)
is "$?" 0 "instance b applies again ($out)"
out=$(agent down --instance a --run-dir "$run/a" 2>&1)
is "$?" 0 "down of instance a ($out)"
run_check "$tmp/sb2" state "$ns" link=v6mig-b wan=wan2 metric=30 \
	local=2001:db8:ff02::100 remote=2001:db8:a::1 wan128=no v4=192.0.0.2/29
is "$(tables)" '["v6t_foreign", "v6mig-b"]' "a's table gone, b's kept"
out=$(agent down --instance b --run-dir "$run/b" 2>&1)
is "$?" 0 "down of instance b ($out)"
snap none2
same "$tmp/none.json" "$tmp/none2.json" "after both downs: as before either"
check_foreign
done_testing
