#!/bin/sh
# nftables part of issue 4's bench, on the host kernel: our table for a
# 63-range port set via nft_apply() (cold and no-op) against `nft -f` of
# the same ruleset, in a scratch namespace with a veth as the "tunnel".
# Usage: bench/run-nft.sh BUILD_DIR [ROUNDS]
set -u
O=$1
NS=v6t-nft-bench
if [ "$(id -u)" != 0 ]; then
	echo "nft bench: needs root (namespaces, nftables); skipped"
	exit 0
fi
cleanup() { ip netns del $NS 2>/dev/null; }
trap cleanup EXIT INT TERM
cleanup
ip netns add $NS || exit 1
ip -n $NS link add tun0 type veth peer name tun0p || exit 1
ip -n $NS link set tun0 up
ip netns exec $NS "$O/bench/nft_bench" -n "${2:-30}"
