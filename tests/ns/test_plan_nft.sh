#!/bin/sh
# The nft half of `v6mig-agent plan`'s human view is real nft syntax: load
# it with nft into a namespace of our own and compare what the kernel then
# holds with the plan's JSON (every port range in the NAT maps and the
# receive filters, the MSS, ours); then apply the same plan through
# netlink/nft.c (tests/tools/nft_tool) into a second namespace and require
# the two kernels to list the very same table: the text people read is
# what the agent applies, for every method (both are rendered from one
# description, tunnels/nftdesc.c; this checks what each says for it).
# Root; namespaces v6t-plan-*.
. "$(dirname "$0")/../lib/tap.sh"
A=${1:-build/v6mig-agent}
F=$(dirname "$0")/../fixtures
T=${NFT_TOOL:-$(dirname "$A")/tests/tools/nft_tool}
NS=v6t-plan-$$
NS2=v6t-plan2-$$
tmp=$(mktemp -d)
cleanup() { ip netns del "$NS" 2>/dev/null; ip netns del "$NS2" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT INT TERM

# Compare `nft -j list ruleset` (file $1) with the plan JSON (file $2).
check() {
	/usr/bin/python3 - "$1" "$2" <<'EOF'
import json, sys
rs = json.load(open(sys.argv[1]))["nftables"]
plan = json.load(open(sys.argv[2]))
rules = [o["rule"] for o in rs if "rule" in o]
chains = sorted(o["chain"]["name"] for o in rs if "chain" in o)
tables = [(o["table"]["family"], o["table"]["name"]) for o in rs if "table" in o]
nat, flt = plan["nat"], plan["filter"]
want_chains = sorted((["nat_out"] if nat["enabled"] else []) + ["clamp_mss"] +
                     (["rx_filter"] if flt["enabled"] else []))
assert tables == [("ip", "v6mig")], tables
assert chains == want_chains, (chains, want_chains)

def by_chain(name):
    return [r["expr"] for r in rules if r["chain"] == name]

def ranges_of(right):
    # nft folds a one-element set to the element itself.
    items = right["set"] if isinstance(right, dict) and "set" in right else [right]
    return [list(e["range"]) if isinstance(e, dict) else [e, e] for e in items]

# NAT: every range of the set, in order, behind numgen (TCP, ICMP) and
# jhash (UDP); one plain snat when there is one range or none.
if nat["enabled"]:
    snats = [x["snat"] for ex in by_chain("nat_out") for x in ex if "snat" in x]
    ranges = nat["port_ranges"]
    # The last rule: anything else to the address alone.
    assert snats[-1]["addr"] == nat["src"] and "port" not in snats[-1], snats[-1]
    if nat["psid"] is None:
        assert len(snats) == 1, snats
    else:
        assert len(snats) == 4, snats
        keys = [list(s["addr"]["map"]["key"].keys())[0] for s in snats[:3]]
        assert keys == ["numgen", "numgen", "jhash"], keys
        for s in snats[:3]:
            m = s["addr"]["map"]
            assert list(m["key"].values())[0]["mod"] == len(ranges)
            got = [[i, c["concat"][0]] + (c["concat"][1]["range"] if isinstance(c["concat"][1], dict) else [c["concat"][1]] * 2)
                   for i, c in m["data"]["set"]]
            want = [[i, nat["src"], lo, hi] for i, (lo, hi) in enumerate(ranges)]
            assert got == want, (got[:3], want[:3])

# MSS clamp both ways.
mss = [x["mangle"]["value"] for ex in by_chain("clamp_mss") for x in ex if "mangle" in x]
assert mss == [flt["mss"], flt["mss"]], mss

# Receive: ours, and the port set for tcp, udp and icmp ids.
if flt["enabled"]:
    rx = by_chain("rx_filter")
    dst = [m["match"]["right"] for ex in rx for m in ex
           if "match" in m and m["match"]["left"].get("payload", {}).get("field") == "daddr"]
    ours = flt["ours"]
    want = ours[:-3] if ours.endswith("/32") else {"prefix": {"addr": ours.split("/")[0], "len": int(ours.split("/")[1])}}
    assert dst == [want], (dst, want)
    named = {o["set"]["name"]: o["set"].get("elem", []) for o in rs if "set" in o}
    def set_of(right):
        if isinstance(right, str) and right.startswith("@"):
            return ranges_of({"set": named[right[1:]]})
        return ranges_of(right)
    sets = [set_of(m["match"]["right"]) for ex in rx for m in ex
            if "match" in m and m["match"]["op"] == "!="
            and m["match"]["left"].get("payload", {}).get("field") in ("dport", "id")]
    if flt["psid"] is None:
        assert sets == [], sets
    else:
        assert sets == [flt["port_ranges"]] * 3, len(sets)
print("same")
EOF
}

# nft_tool's options for the plan JSON in $1 (nat and filter share the
# tunnel and the port set in every planner).
tool_args() {
	/usr/bin/python3 - "$1" <<'EOF'
import json, sys
p = json.load(open(sys.argv[1]))
n, f = p["nat"], p["filter"]
a = ["--ifname", n["out_ifname"] or f["in_ifname"]]
if n["enabled"]:
    a += ["--src", n["src"]]
ps = n if n["enabled"] else f
if ps["psid"] is not None:
    a += ["--offset", str(ps["psid_offset"]), "--psid-len", str(ps["psid_length"]), "--psid", str(ps["psid"])]
if f["enabled"]:
    a += ["--ours", f["ours"]]
if f["mss"] is not None:
    a += ["--mss", str(f["mss"])]
a += [] if n["enabled"] else ["--no-nat"]
a += [] if f["enabled"] else ["--no-filter"]
print(" ".join(a))
EOF
}

# `nft -j list ruleset` without what the kernel chooses (handles, the
# anonymous sets' names), one object per line, for same().
canon() {
	/usr/bin/python3 -c '
import json, re, sys
rs = json.load(sys.stdin)["nftables"]
def strip(o):
    # nft folds a one-element anonymous set into its element on input;
    # the agent sends the set: the same match either way.
    if isinstance(o, dict) and list(o) == ["set"] and isinstance(o["set"], list) and len(o["set"]) == 1:
        return strip(o["set"][0])
    if isinstance(o, dict):
        return {k: strip(v) for k, v in o.items() if k != "handle"}
    if isinstance(o, list):
        return [strip(v) for v in o]
    return o
for o in rs:
    if "metainfo" in o:
        continue
    print(re.sub(r"__(set|map)[0-9]+", "__anon", json.dumps(strip(o), sort_keys=True)))
'
}

# load NAME PLAN-ARGS...: plan, load the nft lines in a fresh namespace,
# compare.
load() {
	name=$1; shift
	if ! $A plan "$@" > "$tmp/view" 2> "$tmp/err" || ! $A plan --json "$@" > "$tmp/plan.json" 2>> "$tmp/err"; then
		ok "$name: plan" false; sed 's/^/# /' "$tmp/err"; return
	fi
	ip netns del "$NS" 2>/dev/null
	ip netns add "$NS" || { ok "$name: netns" false; return; }
	grep '^nft ' "$tmp/view" > "$tmp/nft.sh"
	ip netns exec "$NS" sh -e "$tmp/nft.sh" > "$tmp/err" 2>&1
	is "$?" 0 "$name: nft accepts every line of the human view"
	sed 's/^/# /' "$tmp/err"
	ip netns exec "$NS" nft -j list ruleset > "$tmp/rs.json"
	is "$(check "$tmp/rs.json" "$tmp/plan.json" 2>&1 | tail -1)" same "$name: the kernel's ruleset holds the plan"
	ip netns del "$NS2" 2>/dev/null
	ip netns add "$NS2" || { ok "$name: netns 2" false; return; }
	# shellcheck disable=SC2046 # one word per option
	ip netns exec "$NS2" "$T" apply $(tool_args "$tmp/plan.json") > "$tmp/err" 2>&1
	is "$?" 0 "$name: the agent's nft code applies the plan"
	sed 's/^/# /' "$tmp/err"
	ip netns exec "$NS" nft -j list ruleset | canon > "$tmp/printed.json"
	ip netns exec "$NS2" nft -j list ruleset | canon > "$tmp/applied.json"
	same "$tmp/printed.json" "$tmp/applied.json" "$name: the printed table is the applied table"
	ip netns del "$NS"
	ip netns del "$NS2"
}

load "map_e v0 (15 x 16)" --from "$F/map_e_v0.json" --prefix 2001:db8:4c12:3400::/56
load "map_e v1 (63 x 4)" --from "$F/map_e_v1.json" --wan-addr 2001:db8:12:3400::1
load "map_e 256 rules (63 x 16)" --from "$F/map_e_256.json" --prefix 2001:db8:3fd2:3400::/56
load "lw4o6" --from "$F/lw4o6.json"
load "ipip /32" --from "$F/ipip.json"
load "ipip /29" --from "$F/ipip.json" --ipip-index 1
load "dslite (MSS only)" --from "$F/dslite.json" --wan-addr 2001:db8:1::1
CAP=$($A --version | sed -n 's/.*; capability \(.*\))$/\1/p')
case ",$CAP," in *,map_t,*)
	load "map_t (63 x 4, no receive filter)" --from "$F/map_t.json" --prefix 2001:db8:12:3400::/56
	load "map_t (15 x 16)" --from "$F/map_t.json" --prefix 2001:db8:112:4100::/56 ;;
esac
case ",$CAP," in *,464xlat,*)
	load "464xlat (every port)" --from "$F/464xlat.json" --wan-addr 2001:db8:1:2::99 ;;
esac
cat > "$tmp/one.json" <<'EOF'
{"enabler_name": "A VNE", "service_name": "S", "ttl": 60, "order": ["lw4o6"],
 "lw4o6": {"lwaftr": "2001:db8:4::1", "ipv6": "2001:db8:3:100::/56", "ipv4": "203.0.113.16",
           "psid": 5, "psid_length": 6, "psid_offset": 0}}
EOF
load "lw4o6, offset 0 (one range)" --from "$tmp/one.json"
ok "namespace gone" sh -c "! ip netns list | grep -q '^$NS\\b'"
done_testing
