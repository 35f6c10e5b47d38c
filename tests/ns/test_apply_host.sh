#!/bin/sh
# `v6mig-agent apply` on the running kernel, in namespaces of our own.
# Here (no ip6tnl) the tunnel is refused after our table went in first:
# the kernel's extended-ACK text must reach the user and every write must
# be undone -- the refusal-halfway case of issue 4 on a real kernel. On a
# kernel with ip6tnl the same steps must succeed and down must undo them.
# Root.
. "$(dirname "$0")/../lib/tap.sh"
A=${1:-build/v6mig-agent}
F=$(dirname "$0")/../fixtures
ns=v6t-rtnl-host-$$
tmp=$(mktemp -d)
cleanup() { ip netns del "$ns" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 1' INT TERM

# No DAD: a link-local still tentative in "before" and settled in "after"
# is not a change of ours.
ip netns add "$ns" &&
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.accept_dad=0 &&
	ip -n "$ns" link add wan0 type veth peer name lan0 &&
	ip -n "$ns" link set wan0 up && ip -n "$ns" link set lan0 up &&
	ip -n "$ns" addr add 2001:db8:ff00::100/64 dev wan0 nodad &&
	ip -n "$ns" addr add 2001:db8:12:3401::1/64 dev lan0 nodad &&
	ip netns exec "$ns" nft add table inet v6t_foreign ||
	{ echo "not ok 1 - namespace setup"; echo "1..1"; exit 1; }

state() {
	ip -n "$ns" -j addr show
	ip -n "$ns" -j link show
	ip -n "$ns" -4 -j route show table all
	ip netns exec "$ns" nft list ruleset
}
state > "$tmp/before"

# Watch our table come and go (bounded: the monitor is stopped below).
ip netns exec "$ns" nft monitor tables > "$tmp/nftmon" 2>&1 &
mon=$!
i=0
until ip netns exec "$ns" nft add table ip v6t_sentinel &&
	ip netns exec "$ns" nft delete table ip v6t_sentinel &&
	grep -q v6t_sentinel "$tmp/nftmon"; do
	i=$((i + 1)); [ "$i" -le 50 ] || break; sleep 0.1
done
out=$(ip netns exec "$ns" "$A" apply --from "$F/map_e_v1.json" --wan wan0 \
	--lan lan0 --run-dir "$tmp/run" 2>&1)
rc=$?
if unshare -n ip link add v6t-probe type ip6tnl > /dev/null 2>&1; then
	is "$rc" 0 "apply exits 0 on a kernel with ip6tnl"
	ok "down" ip netns exec "$ns" "$A" down --run-dir "$tmp/run"
else
	is "$rc" 1 "apply exits 1 when the kernel refuses the tunnel"
	like "$out" "adding link v6mig0: Operation not supported \(kernel: Unknown device type\)" \
		"the kernel's extended-ACK text reaches the user"
	like "$out" "every change undone" "and says it undid everything"
	ip netns exec "$ns" nft add table ip v6t_sentinel2
	i=0
	until grep -q v6t_sentinel2 "$tmp/nftmon"; do
		i=$((i + 1)); [ "$i" -le 50 ] || break; sleep 0.1
	done
	ip netns exec "$ns" nft delete table ip v6t_sentinel2
	# nft.c replaces in one batch (add, delete, create) and removes.
	like "$(grep -E 'table ip v6mig$' "$tmp/nftmon" | tr '\n' ';')" \
		"create table ip v6mig;.*delete table ip v6mig;$" \
		"our table went in first and was taken out again"
fi
kill "$mon" 2>/dev/null
state > "$tmp/after"
same "$tmp/before" "$tmp/after" "addresses, links, routes, nft ruleset as before"
ok "no ownership record left" test ! -e "$tmp/run/owned.json"
done_testing
