#!/usr/bin/python3
"""offer.py OFFER.json [--method M] --prefix PFX --wan ADDR --names "n=a ..."
            [--agent PATH] [--json]

What one CE holds under one method of an HB46PP offer: the facts both ends
of the lab (br.sh, ce-manual.sh) are built from, so BR and CE agree by
construction. MAP-E and lw4o6 arithmetic comes from `v6mig-agent calc
--json`; names (aftr, lwaftr) resolve through the lab's name table.
--prefix is the CE's end-user/delegated prefix (or an address inside it),
--wan its WAN SLAAC address (the DS-Lite B4 address, RFC 6333 5.7).

Prints shell assignments (or --json):
  METHOD  PEER6 (BR/AFTR/lwAFTR/IPIP remote; MAP-T's DMR, 464XLAT's NAT64
          prefix)  CE6 (the CE's tunnel source; the translator's address)
  CE6_ADD (1: the CE adds CE6 as a /128; 0: it is the WAN address)
  IPV4 IPV4_PLEN (the CE's IPv4 side; 192.0.0.2/29 for DS-Lite)
  PSID PSID_LEN PSID_OFFSET  PORTS ("lo-hi lo-hi ..."; empty: all ports)
  NAT (portset | full | none)
"""
import argparse
import ipaddress
import json
import shlex
import subprocess
import sys


def resolve(name, names):
    try:
        return str(ipaddress.IPv6Address(name))
    except ValueError:
        pass
    if name not in names:
        sys.exit("offer.py: %s does not resolve in the lab" % name)
    return names[name]


def v6(addr):
    try:
        return str(ipaddress.IPv6Address(addr))
    except ValueError:
        sys.exit("offer.py: %r is not an IPv6 address" % addr)


def calc(agent, args):
    out = subprocess.run([agent, "calc", "--json"] + args, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit("offer.py: calc %s: %s" % (" ".join(args), out.stderr.strip()))
    return json.loads(out.stdout)


def ports_of(j):
    return " ".join("%d-%d" % (lo, hi) for lo, hi in j["port_ranges"]) if j["psid_length"] else ""


def map_e(o, a, names):
    pfx = ipaddress.IPv6Network(a.prefix, strict=False)
    rules = [r for r in o["rules"] if ipaddress.IPv6Network(r["ipv6"]).supernet_of(
        ipaddress.IPv6Network((pfx.network_address, max(pfx.prefixlen, ipaddress.IPv6Network(r["ipv6"]).prefixlen)), strict=False))]
    if not rules:
        sys.exit("offer.py: no map_e rule covers %s" % a.prefix)
    r = max(rules, key=lambda r: ipaddress.IPv6Network(r["ipv6"]).prefixlen)
    args = ["--rule-ipv6", r["ipv6"], "--rule-ipv4", r["ipv4"], "--ea-length", str(r["ea_length"]),
            "--psid-offset", str(r.get("psid_offset", 6)), "--prefix", a.prefix]
    if int(o.get("version", 0)) == 0:
        args.append("--draft03")
    j = calc(a.agent, args)
    return dict(PEER6=resolve(o["br"], names), CE6=j["ce_ipv6"], CE6_ADD=1, IPV4=j["ipv4"],
                IPV4_PLEN=j["ipv4_prefix_length"], PSID=j["psid"], PSID_LEN=j["psid_length"],
                PSID_OFFSET=j["psid_offset"], PORTS=ports_of(j),
                NAT="portset" if j["psid_length"] else "full")


def lw4o6(o, a, names):
    j = calc(a.agent, ["--lw4o6", "--ipv4", o["ipv4"], "--psid", str(o["psid"]),
                       "--psid-length", str(o["psid_length"]),
                       "--psid-offset", str(o.get("psid_offset", 6)), "--prefix", o["ipv6"]])
    return dict(PEER6=resolve(o["lwaftr"], names), CE6=j["ce_ipv6"], CE6_ADD=1, IPV4=j["ipv4"],
                IPV4_PLEN=32, PSID=j["psid"], PSID_LEN=j["psid_length"],
                PSID_OFFSET=j["psid_offset"], PORTS=ports_of(j),
                NAT="portset" if j["psid_length"] else "full")


def dslite(o, a, names):
    return dict(PEER6=resolve(o["aftr"], names), CE6=v6(a.wan), CE6_ADD=0, IPV4="192.0.0.2",
                IPV4_PLEN=29, PSID=0, PSID_LEN=0, PSID_OFFSET=0, PORTS="", NAT="none")


def ipip(o, a, names):
    e = o[a.entry]
    v4 = ipaddress.IPv4Interface(e["ipv4"])
    return dict(PEER6=resolve(e["ipv6_remote"], names), CE6=v6(e["ipv6_local"]), CE6_ADD=1,
                IPV4=str(v4.ip), IPV4_PLEN=v4.network.prefixlen, PSID=0, PSID_LEN=0,
                PSID_OFFSET=0, PORTS="", NAT="full")


def xlat(method):
    """MAP-T and 464XLAT: what the agent's own planner (`plan --json`) makes
    from the CE's WAN address alone, as the CE's agent sees it: the
    translator's address pair and prefix (the DMR or the NAT64 prefix)."""
    def facts(o, a, names):
        off = {"order": [method], method: o}
        out = subprocess.run([a.agent, "plan", "--json", "--from", "-", "--wan-addr", a.wan],
                             input=json.dumps(off), capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit("offer.py: plan %s: %s" % (method, out.stderr.strip()))
        x = json.loads(out.stdout)["xlat"]
        return dict(PEER6=x["remote_prefix"], CE6=x["ipv6"], CE6_ADD=1, IPV4=x["ipv4"],
                    IPV4_PLEN=32, PSID=x["psid"] or 0, PSID_LEN=x["psid_length"] or 0,
                    PSID_OFFSET=x["psid_offset"] or 0, PORTS=ports_of(x) if x["psid_length"] else "",
                    NAT="portset" if x["psid_length"] else "full")
    return facts


def main():
    p = argparse.ArgumentParser()
    p.add_argument("offer")
    p.add_argument("--method")
    p.add_argument("--prefix", required=True)
    p.add_argument("--wan", required=True)
    p.add_argument("--names", default="")
    p.add_argument("--agent", default="build/v6mig-agent")
    p.add_argument("--entry", type=int, default=0)
    p.add_argument("--json", action="store_true")
    a = p.parse_args()
    with open(a.offer) as f:
        offer = json.load(f)
    method = a.method or (offer.get("order") or [None])[0]
    planners = {"map_e": map_e, "lw4o6": lw4o6, "dslite": dslite, "ipip": ipip,
                "map_t": xlat("map_t"), "464xlat": xlat("464xlat")}
    if method not in planners or method not in offer:
        sys.exit("offer.py: %s offers no %s" % (a.offer, method))
    names = dict(kv.split("=", 1) for kv in a.names.split())
    facts = dict(METHOD=method, **planners[method](offer[method], a, names))
    if a.json:
        print(json.dumps(facts, indent=1))
    else:
        for k, v in facts.items():
            print("%s=%s" % (k, shlex.quote(str(v))))


if __name__ == "__main__":
    main()
