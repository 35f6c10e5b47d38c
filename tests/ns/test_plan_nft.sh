#!/bin/sh
# The nft half of `v6mig-agent plan`'s human view is real nft syntax: load
# it with nft into a namespace of our own and compare what the kernel then
# holds with the plan's JSON (every port range in the NAT maps and the
# receive filters, the MSS, ours). Root; namespaces v6t-plan-*.
. "$(dirname "$0")/../lib/tap.sh"
A=${1:-build/v6mig-agent}
F=$(dirname "$0")/../fixtures
NS=v6t-plan-$$
tmp=$(mktemp -d)
cleanup() { ip netns del "$NS" 2>/dev/null; rm -rf "$tmp"; }
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
want_chains = sorted((["postrouting"] if nat["enabled"] else []) + ["forward"] +
                     (["receive"] if flt["enabled"] else []))
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
    snats = [x["snat"] for ex in by_chain("postrouting") for x in ex if "snat" in x]
    ranges = nat["port_ranges"]
    if nat["psid"] is None:
        assert [s["addr"] for s in snats] == [nat["src"]] and "port" not in snats[0], snats
    elif len(ranges) == 1:
        assert len(snats) == 1 and snats[0]["addr"] == nat["src"], snats
        lo, hi = ranges[0]
        assert snats[0]["port"] == ({"range": [lo, hi]} if lo != hi else lo), snats
    else:
        assert len(snats) == 2, snats
        keys = [list(s["addr"]["map"]["key"].keys())[0] for s in snats]
        assert keys == ["numgen", "jhash"], keys
        for s in snats:
            m = s["addr"]["map"]
            assert list(m["key"].values())[0]["mod"] == len(ranges)
            got = [[i, c["concat"][0]] + (c["concat"][1]["range"] if isinstance(c["concat"][1], dict) else [c["concat"][1]] * 2)
                   for i, c in m["data"]["set"]]
            want = [[i, nat["src"], lo, hi] for i, (lo, hi) in enumerate(ranges)]
            assert got == want, (got[:3], want[:3])

# MSS clamp both ways.
mss = [x["mangle"]["value"] for ex in by_chain("forward") for x in ex if "mangle" in x]
assert mss == [flt["mss"], flt["mss"]], mss

# Receive: ours, and the port set for tcp, udp and icmp ids.
if flt["enabled"]:
    rx = by_chain("receive")
    dst = [m["match"]["right"] for ex in rx for m in ex
           if "match" in m and m["match"]["left"].get("payload", {}).get("field") == "daddr"]
    ours = flt["ours"]
    want = ours[:-3] if ours.endswith("/32") else {"prefix": {"addr": ours.split("/")[0], "len": int(ours.split("/")[1])}}
    assert dst == [want], (dst, want)
    sets = [ranges_of(m["match"]["right"]) for ex in rx for m in ex
            if "match" in m and m["match"]["op"] == "!="
            and m["match"]["left"].get("payload", {}).get("field") in ("dport", "id")]
    if flt["psid"] is None:
        assert sets == [], sets
    else:
        assert sets == [flt["port_ranges"]] * 3, len(sets)
print("same")
EOF
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
	ip netns del "$NS"
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
