#!/bin/sh
# The measurement itself (bench/run-apply.sh runs it, in the VM or not):
# per round, in a namespace of its own: agent cold, agent warm, agent
# down, then ip -batch + nft -f and its teardown. Medians in ms.
# Usage: bench/apply_inner.sh BUILD_DIR ROUNDS
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
A=$1/v6mig-agent
rounds=$2
fix=$top/tests/fixtures/map_e_256.json
lanp=2001:db8:3fc0:1200::1/64   # inside the last of the 256 rules
ns=v6t-rtnl-bench-$$
tmp=$(mktemp -d)
cleanup() { ip netns del "$ns" 2>/dev/null; ip netns del "$ns-isp" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 1' INT TERM

modprobe -a -q ip6_tunnel veth nf_tables nft_nat nft_chain_nat 2>/dev/null
ip netns add "$ns" && ip netns add "$ns-isp" &&
	ip -n "$ns" link add wan0 type veth peer name isp0 netns "$ns-isp" &&
	ip -n "$ns" link add lan0 type veth peer name lan1 &&
	ip -n "$ns" link set wan0 up && ip -n "$ns" link set lan0 up &&
	ip -n "$ns-isp" link set isp0 up &&
	ip -n "$ns" addr add 2001:db8:ff00::100/64 dev wan0 nodad &&
	ip -n "$ns" addr add "$lanp" dev lan0 nodad || { echo "bench: setup failed"; exit 1; }

# The same state by hand: `plan` prints it as ip and nft commands.
"$A" plan --from "$fix" --wan wan0 --prefix "$lanp" > "$tmp/plan.txt" || exit 1
sed -n -e "s/^ip -6 //p" -e "s/^ip //p" "$tmp/plan.txt" > "$tmp/ip.batch"
sed -n -e "s/^nft '\(.*\)'$/\1/p" -e "/^nft '/!s/^nft //p" "$tmp/plan.txt" > "$tmp/nft.rules"
head -3 "$tmp/plan.txt" | sed 's/^/  /'
echo "  by hand: $(wc -l < "$tmp/ip.batch") ip commands, $(wc -l < "$tmp/nft.rules") nft commands"

now() { date +%s%N; }
us() { echo "$(( ($2 - $1) / 1000 ))"; } # microseconds
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

: > "$tmp/cold"; : > "$tmp/warm"; : > "$tmp/down"; : > "$tmp/hand"
for r in $(seq "$rounds"); do
	t0=$(now); ip netns exec "$ns" "$A" apply --from "$fix" --wan wan0 --lan lan0 \
		--run-dir "$tmp/run" > "$tmp/out" 2>&1 || { cat "$tmp/out"; exit 1; }
	t1=$(now); ip netns exec "$ns" "$A" apply --from "$fix" --wan wan0 --lan lan0 \
		--run-dir "$tmp/run" > "$tmp/out2" 2>&1 || { cat "$tmp/out2"; exit 1; }
	t2=$(now); ip netns exec "$ns" "$A" down --run-dir "$tmp/run" > /dev/null || exit 1
	t3=$(now)
	grep -q ': 0 writes' "$tmp/out2" || { echo "bench: warm apply wrote: $(cat "$tmp/out2")"; exit 1; }
	us "$t0" "$t1" >> "$tmp/cold"; us "$t1" "$t2" >> "$tmp/warm"; us "$t2" "$t3" >> "$tmp/down"
	t0=$(now)
	ip -n "$ns" -batch "$tmp/ip.batch" && ip netns exec "$ns" nft -f "$tmp/nft.rules" ||
		{ echo "bench: ip -batch / nft -f failed"; exit 1; }
	t1=$(now)
	us "$t0" "$t1" >> "$tmp/hand"
	ip -n "$ns" link del v6mig0 &&
		ip -n "$ns" addr flush dev wan0 scope global &&
		ip -n "$ns" addr add 2001:db8:ff00::100/64 dev wan0 nodad &&
		ip netns exec "$ns" nft delete table ip v6mig || exit 1
done
c=$(median < "$tmp/cold"); w=$(median < "$tmp/warm"); d=$(median < "$tmp/down"); h=$(median < "$tmp/hand")
echo "  $(head -1 "$tmp/out")"
awk -v c="$c" -v w="$w" -v d="$d" -v h="$h" -v n="$rounds" 'BEGIN {
	printf "  %-38s %9.1f ms\n", "agent apply, cold", c / 1000
	printf "  %-38s %9.1f ms\n", "agent apply, warm (no-op, 0 writes)", w / 1000
	printf "  %-38s %9.1f ms\n", "agent down", d / 1000
	printf "  %-38s %9.1f ms\n", "ip -batch + nft -f (cold)", h / 1000
	printf "  ratio agent/by hand: cold %.2f, warm %.2f (median of %d rounds)\n", c / h, w / h, n
}'
