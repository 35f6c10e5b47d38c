#!/usr/bin/python3
"""story.py -- what `make lab` prints: the lab's facts told in order.

  story.py offer FIRST OUT     one offer holding MAP-E (RFC 7597), DS-Lite,
        lw4o6, IPIP, MAP-T and 464XLAT (from offers/*.json, CE 1's), `order` starting with
        FIRST, then the others: the server's preference (HB46PP S8)
  story.py tell --status F --prov-log F --agent-log F --offer F --seen F
        --record TXT --resolver ADDR --inet IP --lan IP --aftr-pool IP [--port N]
        the story: discovery, fetch, choice, the CE's state, then a live
        TCP/UDP/ping from here (run it in the lan namespace) to inet and
        what inet saw, checked against the CE's port set. Exit 1 when the
        live request failed or left the port set.

One process for the live request and the telling: in a TCG VM every exec
is dear.
"""
import ipaddress
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import client  # noqa: E402  (the lab's own client: tcp, udp, icmp probe)

HERE = os.path.dirname(os.path.abspath(__file__))
METHODS = ["map_e", "dslite", "lw4o6", "ipip", "map_t", "464xlat"]
SECTION_FROM = {"map_e": "map_e-v1", "dslite": "dslite", "lw4o6": "lw4o6", "ipip": "ipip",
                "map_t": "map_t", "464xlat": "464xlat"}
XLAT = ("map_t", "464xlat")  # translated (RFC 7915), no tunnel
NAMES = {"map_e": "MAP-E (RFC 7597)", "dslite": "DS-Lite (RFC 6333)",
         "lw4o6": "lw4o6 (RFC 7596)", "ipip": "IPIP, a fixed IPv4 (RFC 2473)",
         "map_t": "MAP-T (RFC 7599)", "464xlat": "464XLAT (RFC 6877)"}


def offer(first, out):
    if first not in METHODS:
        sys.exit("story.py: LAB_METHOD must be one of %s, not %r" % ("|".join(METHODS), first))
    with open(os.path.join(HERE, "offers", "map_e-v1.json")) as f:
        o = json.load(f)
    o["service_name"] = "v6lab: six ways to carry IPv4"
    for m in METHODS:
        with open(os.path.join(HERE, "offers", SECTION_FROM[m] + ".json")) as f:
            o[m] = json.load(f)[m]
    o["order"] = [first] + [m for m in METHODS if m != first]
    if os.environ.get("LAB_MESH"):
        # RFC 7597 mesh: each CE's /56 (2001:db8:4002:3N00::/56) holds 4 EA
        # bits, a whole IPv4 198.51.100.(16+N) per CE (no PSID), so CE 1
        # can reach CE 2 (two CEs sharing one IPv4 cannot reach each other:
        # the address is local to both). The one rule is also the FMR.
        o["map_e"]["mesh"] = True
        o["map_e"]["rules"] = [{"ipv6": "2001:db8:4002:3000::/52",
                                "ipv4": "198.51.100.16/28",
                                "ea_length": 4, "psid_offset": 0}]
    with open(out + ".tmp", "w") as f:
        json.dump(o, f, indent=2)
        f.write("\n")
    os.rename(out + ".tmp", out)


def jlines(path):
    out = []
    try:
        with open(path) as f:
            for line in f:
                try:
                    out.append(json.loads(line))
                except ValueError:
                    pass
    except OSError:
        pass
    return out


def log_lines(path, word):
    try:
        with open(path) as f:
            return [ln.rstrip("\n")[3:] for ln in f if word in ln]
    except OSError:
        return []


def in_set(port, ranges):
    return any(lo <= port <= hi for lo, hi in ranges)


def range_of(port, ranges):
    for lo, hi in ranges:
        if lo <= port <= hi:
            return "%d-%d" % (lo, hi)
    return None


def ranges_text(ranges):
    if len(ranges) <= 4:
        return " ".join("%d-%d" % r for r in ranges)
    return "%s ... %d-%d" % (" ".join("%d-%d" % tuple(r) for r in ranges[:3]),
                             ranges[-1][0], ranges[-1][1])


def section(n, title):
    print("\n%d. %s" % (n, title))


def say(*lines):
    for ln in lines:
        print("   " + ln)


def tell_discovery(a, st):
    section(1, "Discovery (HB46PP 3.1: D1, D2, D4)")
    say("The CE asked the resolver its WAN gave it (%s) for TXT 4over6.info." % a.resolver,
        "The ISP's record:  \"%s\"" % a.record)
    got = log_lines(a.agent_log, "discover: TXT")
    say("The agent read:    %s" % (got[0].split("discover: ", 1)[1] if got else "(nothing logged)"))
    say("-> fetch %s, %s" % (st.get("txt_url"), "verifying the server's certificate "
                              "against the lab's CA (t=b, T3)" if st.get("verify") else
                              "without verifying the certificate (t=a)"))


def tell_fetch(a, st, off):
    section(2, "Provisioning (3.3: R1-R5, S1)")
    reqs = [r for r in jlines(a.prov_log) if r.get("method") == "GET"]
    if not reqs:
        say("the provisioning server logged no request")
        return {}
    r = reqs[0]
    say("prov.example.net saw, from %s (SNI %s):" % (r.get("src"), r.get("sni")),
        "  GET %s?%s -> %s" % (r.get("path"), r.get("query"), r.get("served")))
    say("It answered \"%s\" / \"%s\": ttl %s s, order %s" %
        (off.get("enabler_name"), off.get("service_name"), off.get("ttl"),
         json.dumps(off.get("order"))))
    if len(reqs) > 1:
        say("(%d requests in all: the agent asks again when its WAN addressing "
            "changes, Q7/Q8, and sends the token back, R5)" % len(reqs))
    return r.get("params", {})


def tell_choice(params, st, off):
    section(3, "The choice (S8: the server's order; R4: this build's capability)")
    caps = [c for c in params.get("capability", "").split(",") if c]
    order = off.get("order", [])
    first = next((m for m in order if m in caps), None)
    say("this build can:  %s" % ", ".join(caps),
        "server's order:  %s" % ", ".join(order))
    got = st.get("method")
    if got == first and order and got == order[0]:
        say("-> %s: the server's first choice, and one this build has" % NAMES.get(got, got))
    elif got == first:
        say("-> %s: the first in the order this build has" % NAMES.get(got, got))
    else:
        say("-> %s (the first this build has, %s, could not be brought up: "
            "see the agent's log)" % (NAMES.get(got, got), first))


def tell_state(st, off):
    section(4, "The CE now (`v6mig-agent status --json`)")
    m = st.get("method")
    if m == "464xlat":
        say("CLAT IPv4 %s/%s (RFC 7335): the LAN is NAT44'd to it, then translated;" %
            (st.get("ipv4"), st.get("ipv4_prefix_length")),
            "the PLAT (TAYGA, NAT64 prefix %s) NATs it at the ISP" % st.get("remote"))
    elif m == "dslite":
        say("B4 IPv4 %s/%s (RFC 6333 5.7): no public IPv4 on the CE;" %
            (st.get("ipv4"), st.get("ipv4_prefix_length")),
            "the AFTR %s (%s) translates for it (NAT44 at the ISP)" %
            (off.get("dslite", {}).get("aftr"), st.get("remote")))
    else:
        say("IPv4 %s/%s" % (st.get("ipv4"), st.get("ipv4_prefix_length")))
    rng = st.get("port_ranges") or []
    if st.get("psid") is not None and rng:
        n = sum(hi - lo + 1 for lo, hi in rng)
        say("PSID %d (0x%x; %d bits at offset %d): %d port ranges, %d ports:" %
            (st["psid"], st["psid"], st.get("psid_length"), st.get("psid_offset"), len(rng), n),
            "  %s" % ranges_text(rng),
            "  (other CEs share %s, each with its own PSID)" % st.get("ipv4"))
    elif m not in ("dslite", "464xlat"):
        say("the whole address, every port (no PSID)")
    if m in XLAT:
        say("%s IPv6 %s" % ("CLAT" if m == "464xlat" else "MAP-T", st.get("ce_ipv6")),
            "translated (RFC 7915, eBPF on the WAN) from %s, to %s %s; MTU %s; %s kernel writes" %
            (st.get("tunnel"), "the DMR" if m == "map_t" else "the NAT64 prefix",
             st.get("remote"), st.get("mtu"), st.get("kernel_writes")))
        return
    mesh = st.get("mesh")
    if mesh:
        say("CE IPv6 %s" % st.get("ce_ipv6"),
            "mesh (map_e.mesh 1): IPv4 in IPv6 by eBPF on %s and %s, to the CE of %d "
            "forwarding rule(s) directly, else to the BR %s; MTU %s; %s kernel writes" %
            (mesh.get("wan"), mesh.get("dev"), mesh.get("fmrs", 0), mesh.get("br"),
             st.get("mtu"), st.get("kernel_writes")))
        return
    say("CE IPv6 %s" % st.get("ce_ipv6"),
        "tunnel %s: IPv4 in IPv6 (ip6tnl ipip6) to %s, MTU %s; %s kernel writes" %
        (st.get("tunnel"), st.get("remote"), st.get("mtu"), st.get("kernel_writes")))


def tell_live(a, st):
    section(5, "Live: the lan host (%s) asks inet %s:%d" % (a.lan, a.inet, a.port))
    rng = st.get("port_ranges") or []
    # DS-Lite's AFTR and 464XLAT's PLAT NAT at the ISP, to the same address.
    want = a.aftr_pool if st.get("method") in ("dslite", "464xlat") else st.get("ipv4")
    good = True
    for proto in ("tcp", "udp", "icmp"):
        try:
            if proto == "tcp":
                seen = client.tcp(a.inet, a.port, a.timeout).replace("you are ", "")
            elif proto == "udp":
                with client.socket.socket(client.socket.AF_INET, client.socket.SOCK_DGRAM) as s:
                    seen = client.udp_one(s, a.inet, a.port, a.timeout).replace("you are ", "")
            else:
                seen = client.icmp_echo(a.inet, a.seen, a.timeout)
        except (OSError, TimeoutError, ValueError) as e:
            say("%-4s FAILED: %s" % (proto, e))
            good = False
            continue
        ip, port = seen.rsplit(":", 1)
        port = int(port)
        note = ""
        if ip != want:
            note, good = "  -- NOT %s" % want, False
        elif rng:
            r = range_of(port, rng)
            note = "  inside the port set (%s)" % r if r else "  -- OUTSIDE the port set"
            good = good and r is not None
        elif st.get("method") == "dslite":
            note = "  (the AFTR's NAT44 address)"
        elif st.get("method") == "464xlat":
            note = "  (the PLAT's NAT44 address)"
        if proto == "icmp":
            say("ping inet saw %s, echo id %d%s" % (ip, port, note))
        else:
            say("%-4s inet saw source %s:%d%s" % (proto, ip, port, note))
    return good


def tell(a):
    with open(a.status) as f:
        st = json.load(f)
    with open(a.offer) as f:
        off = json.load(f)
    tell_discovery(a, st)
    params = tell_fetch(a, st, off)
    tell_choice(params, st, off)
    tell_state(st, off)
    good = tell_live(a, st)
    return 0 if good else 1


def main():
    import argparse
    p = argparse.ArgumentParser(prog="story.py")
    sub = p.add_subparsers(dest="cmd", required=True)
    o = sub.add_parser("offer")
    o.add_argument("first")
    o.add_argument("out")
    t = sub.add_parser("tell")
    for k in ("status", "prov-log", "agent-log", "offer", "seen", "record", "resolver",
              "inet", "lan", "aftr-pool"):
        t.add_argument("--" + k, required=True)
    t.add_argument("--port", type=int, default=7000)
    t.add_argument("--timeout", type=float, default=5.0)
    a = p.parse_args()
    if a.cmd == "offer":
        offer(a.first, a.out)
        return 0
    ipaddress.ip_address(a.inet)
    return tell(a)


if __name__ == "__main__":
    sys.exit(main())
