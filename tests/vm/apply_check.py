#!/usr/bin/python3
"""Helpers for tests/vm/apply_lib.sh (run as root in a namespace).

  apply_check.py snapshot NS        normalized ip -d -j / nft -j dumps
  apply_check.py ranges NS          the port ranges in table ip v6mig:
                                    one line per place they appear
  apply_check.py monitors IPMON NFTMON OUTDIR
                                    events other than the sentinels':
                                    OUTDIR/ipmon.ev (one line per `ip
                                    monitor all` event), OUTDIR/nftmon.ev
  apply_check.py foreign NS         somebody else's objects, as checks
  apply_check.py state NS K=V...    the tunnel, its addresses and route
                                    against expectations: one line per
                                    check, "name<TAB>got<TAB>want"
                                    (one python start: the VM is slow)
"""
import json
import subprocess
import sys


def run(ns, *cmd):
    out = subprocess.run(["ip", "netns", "exec", ns] + list(cmd),
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out) if out.strip() else []


def drop(obj, keys):
    if isinstance(obj, dict):
        return {k: drop(v, keys) for k, v in obj.items() if k not in keys}
    if isinstance(obj, list):
        return [drop(v, keys) for v in obj]
    return obj


def snapshot(ns):
    # Counters move with any traffic; everything else must be as before.
    volatile = {"stats", "stats64", "metainfo"}
    dumps = {
        "link": run(ns, "ip", "-d", "-j", "link", "show"),
        "addr": run(ns, "ip", "-j", "addr", "show"),
        "route4": run(ns, "ip", "-4", "-d", "-j", "route", "show", "table", "all"),
        "route6": run(ns, "ip", "-6", "-d", "-j", "route", "show", "table", "all"),
        "rule": run(ns, "ip", "-j", "rule", "show"),
        "nft": run(ns, "nft", "-j", "list", "ruleset"),
    }
    print(json.dumps(drop(dumps, volatile), sort_keys=True, indent=1))


def walk(obj, found):
    """Every {"range": [lo, hi]} and the concatenations it sits in."""
    if isinstance(obj, dict):
        if "range" in obj and isinstance(obj["range"], list):
            found.append(tuple(obj["range"]))
        for v in obj.values():
            walk(v, found)
    elif isinstance(obj, list):
        for v in obj:
            walk(v, found)


def ranges(ns):
    """Per NAT rule and per set: the sorted port ranges it holds."""
    j = run(ns, "nft", "-j", "list", "table", "ip", "v6mig")
    for item in j.get("nftables", []):
        if "rule" in item:
            r = item["rule"]
            found = []
            walk(r["expr"], found)
            kind = "snat" if any("snat" in e for e in r["expr"]) else "filter"
            if found:
                print(kind, r["chain"], json.dumps(sorted(set(found))))
        elif "set" in item:
            found = []
            walk(item["set"].get("elem", []), found)
            print("set", item["set"]["name"], json.dumps(sorted(set(found))))


def ipmon(path, sentinel):
    """Events as blocks: a line starting with '[' and its indented tail."""
    blocks, cur = [], None
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("["):
                cur = [line]
                blocks.append(cur)
            elif cur is not None:
                cur.append(line.strip())
            elif line.strip():
                blocks.append([line])
    return [" | ".join(b) for b in blocks if sentinel not in b[0]]


def nftmon(path):
    with open(path) as f:
        return [line.strip() for line in f if line.strip() and
                not line.startswith("#") and "v6t_sentinel" not in line]


def monitors(ipfile, nftfile, outdir):
    with open(outdir + "/ipmon.ev", "w") as f:
        f.write("".join(e + "\n" for e in ipmon(ipfile, "snt")))
    with open(outdir + "/nftmon.ev", "w") as f:
        f.write("".join(e + "\n" for e in nftmon(nftfile)))


def emit(name, got, want):
    print("%s\t%s\t%s" % (name, json.dumps(got), json.dumps(want)))


def state(ns, exp):
    name, wanif = exp.get("link", "v6mig0"), exp.get("wan", "wan0")
    link = run(ns, "ip", "-d", "-j", "link", "show", name)[0]
    d = link["linkinfo"]["info_data"]
    emit("link %s is an ip6tnl" % name, link["linkinfo"]["info_kind"], "ip6tnl")
    emit("mode ipip6 (proto IPIP)", d["proto"], "ipip6")
    emit("local and remote", [d["local"], d["remote"]],
         [exp["local"], exp["remote"]])
    emit("over the WAN", d.get("link"), wanif)
    emit("no encapsulation limit option",
         [d.get("ip6_tnl_f_ign_encap_limit", False), "encap_limit" in d],
         [True, False])
    emit("hop limit 64", d["ttl"], 64)
    emit("MTU 1460 (WAN 1500 - 40)", link["mtu"], 1460)
    emit("link up", "UP" in link["flags"], True)
    wan = run(ns, "ip", "-j", "addr", "show", "dev", wanif)[0]["addr_info"]
    src = [[a.get("nodad", False), a.get("tentative", False)] for a in wan
           if a["local"] == exp["local"] and a["prefixlen"] == 128]
    if exp["wan128"] == "yes":
        emit("source /128 on the WAN, nodad, not tentative", src,
             [[True, False]])
    else:
        emit("no /128 added: the WAN's own address is the source", src, [])
    tun = run(ns, "ip", "-j", "addr", "show", "dev", name)[0]["addr_info"]
    emit("IPv4 on the tunnel", ["%s/%d" % (a["local"], a["prefixlen"])
                                for a in tun if a["family"] == "inet"],
         [exp["v4"]])
    # Beside the foreign default route at metric 0 (issue 11 item 6).
    r = [x for x in run(ns, "ip", "-d", "-j", "route", "show", "default")
         if x["dev"] == exp.get("link", "v6mig0")]
    emit("IPv4 default route via the tunnel, protocol 233",
         [[x["dev"], x["protocol"], x["scope"]] for x in r],
         [[exp.get("link", "v6mig0"), "233", "link"]])
    emit("default route with mtu 1460", r[0].get("metrics") if r else None,
         [{"mtu": 1460}])
    emit("default route at our metric", r[0].get("metric", 0) if r else None,
         int(exp.get("metric", 10)))


def foreign(ns):
    t = run(ns, "ip", "-d", "-j", "link", "show", "ftnl0")
    emit("foreign ip6tnl untouched",
         t[0]["linkinfo"]["info_data"]["remote"] if t else None,
         "2001:db8:ffff::99")
    r = run(ns, "ip", "-j", "route", "show", "203.0.113.128/25")
    emit("foreign route untouched", [x["protocol"] for x in r], ["static"])
    r = [x for x in run(ns, "ip", "-j", "route", "show", "default")
         if x["dev"] == "fveth0"]
    emit("foreign default route (metric 0, a PPPoE-like fallback) untouched",
         [[x["protocol"], x.get("metric", 0)] for x in r], [["static", 0]])
    r = run(ns, "ip", "-j", "route", "show", "table", "100")
    emit("foreign default route in table 100 untouched",
         [x["dev"] for x in r], ["fveth0"])
    n = run(ns, "nft", "-j", "list", "chain", "inet", "v6t_foreign", "c")
    emit("foreign nft table untouched",
         [i["rule"]["chain"] for i in n["nftables"] if "rule" in i], ["c"])


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "snapshot":
        snapshot(sys.argv[2])
    elif cmd == "ranges":
        ranges(sys.argv[2])
    elif cmd == "monitors":
        monitors(sys.argv[2], sys.argv[3], sys.argv[4])
    elif cmd == "foreign":
        foreign(sys.argv[2])
    elif cmd == "state":
        state(sys.argv[2], dict(a.split("=", 1) for a in sys.argv[3:]))
    else:
        sys.exit("apply_check.py: unknown command " + cmd)
