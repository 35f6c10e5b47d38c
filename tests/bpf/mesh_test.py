#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The MAP-E mesh programs (bpf/mesh.bpf.c) on crafted packets through
BPF_PROG_TEST_RUN (build/tests/tools/mesh_run), each result compared with
the packet RFC 7597 / RFC 2473 say it must be, built here with scapy and
this file's own address arithmetic; every peer address is also checked
against `v6mig-agent calc` for the same rule and end-user prefix. 256
FMRs: the first, a middle and the last rule, a nested (longer) rule, the
BR for everything else. TAP on stdout.

usage: mesh_test.py build/tests/tools/mesh_run build/v6mig-agent"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# pylint: disable=wrong-import-position
from progtest import (TC_REDIRECT, TC_SHOT, Batch, a4, a6, done,  # noqa: E402
                      expect, psid_of, s6, set_tool, tap, unchanged)
from scapy.all import (GRE, ICMP, IP, TCP, UDP, Ether, ICMPv6EchoRequest,  # noqa: E402
                       IPv6, IPv6ExtHdrFragment, Raw, conf)

conf.verb = 0
TOOL, AGENT = sys.argv[1], sys.argv[2]
DEV_MAC = "02:00:00:00:aa:01"
HOST_MAC = "00:00:00:00:00:00"   # test_run's device: PACKET_HOST
PEER_MAC = "02:00:00:00:bb:02"
PAY = b"carry me across the mesh"


def port_in(psid, a, k, i=1):
    """The i-th-range first port of PSID's set (range index i >= 1 so that
    a > 0 never gives an excluded port)."""
    return (i << (16 - a)) | (psid << (16 - a - k))


class Rule:
    def __init__(self, v4, v4len, v6, v6len, ea, off):
        self.v4, self.v4len, self.v6, self.v6len = v4, v4len, v6, v6len
        self.ea, self.off = ea, off
        self.k = ea - (32 - v4len)

    def arg(self):
        return "%s/%d,%s/%d,%d,%d" % (self.v4, self.v4len, self.v6, self.v6len,
                                     self.ea, self.off)

    def eup(self, v4, psid):
        """RFC 7597 5.2: rule prefix | EA bits (IPv4 suffix | PSID)."""
        sfx = a4(v4) & ((1 << (32 - self.v4len)) - 1)
        ea = (sfx << self.k) | psid
        plen = self.v6len + self.ea
        return s6(a6(self.v6) | (ea << (128 - plen))), plen

    def addr(self, v4, psid, version):
        """RFC 7597 6 IID 0:v4:PSID (version 1); draft-03 (version 0):
        8 zero bits, v4, PSID, 8 zero bits."""
        p, _ = self.eup(v4, psid)
        iid = (a4(v4) << 16 | psid) << (8 if version == 0 else 0)
        return s6(a6(p) | iid)


def calc_addr(rule, v4, psid, version):
    """What `v6mig-agent calc` says for the CE holding (v4, psid)."""
    p, plen = rule.eup(v4, psid)
    args = [AGENT, "calc", "--rule-ipv6", "%s/%d" % (rule.v6, rule.v6len),
            "--rule-ipv4", "%s/%d" % (rule.v4, rule.v4len), "--ea-length",
            str(rule.ea), "--psid-offset", str(rule.off), "--prefix",
            "%s/%d" % (p, plen), "--json"] + (["--draft03"] if version == 0 else [])
    r = subprocess.run(args, capture_output=True, text=True, timeout=30, check=False)
    if r.returncode:
        return "calc failed: " + r.stderr
    j = json.loads(r.stdout)
    if j["ipv4"] != v4 or j.get("psid", 0) != psid:
        return "calc gives %s psid %s" % (j["ipv4"], j.get("psid"))
    return j["ce_ipv6"]


# ---- 256 rules -------------------------------------------------------------------
FIRST = Rule("192.0.2.0", 24, "2001:db8:1000::", 40, 16, 6)
NESTED = Rule("192.0.2.128", 25, "2001:db8:2000::", 40, 15, 4)
LAST = Rule("203.0.113.0", 24, "2001:db8:4000::", 40, 12, 0)
RULES = [FIRST, NESTED]
RULES += [Rule("198.51.100.%d" % i, 32, "2001:db8:3000:%x00::" % i, 56, 8, 6)
          for i in range(253)]
RULES.append(LAST)
assert len(RULES) == 256
MIDDLE = RULES[128]                      # 198.51.100.126/32

V4 = "192.0.2.10"                        # us: FIRST, PSID 0x21
PSID = 0x21
BR = "2001:db8:ffff::1"
OUTSIDE = "198.51.100.253"               # in no rule: via the BR
PEER4, PEER_PSID = "192.0.2.20", 0x34    # a CE of FIRST


def base_args(version, extra=()):
    local6 = FIRST.addr(V4, PSID, version)
    args = ["--v4", V4, "--local6", local6, "--br", BR, "--psid",
            "%d/%d/%d" % (FIRST.off, FIRST.k, PSID), "--version", str(version),
            "--wan", "2", "--dev", "3", "--mac", DEV_MAC]
    for r in RULES:
        args += ["--fmr", r.arg()]
    return local6, args + list(extra)


def e4():
    return Ether(src=PEER_MAC, dst=DEV_MAC)


def e6():
    return Ether(src=PEER_MAC, dst=HOST_MAC)


def eo():
    """mesh_out keeps the frame's MAC addresses (redirect_neigh rewrites
    them): the comparison starts at the Ethernet type."""
    return Ether(src=PEER_MAC, dst=DEV_MAC, type=0x86DD)


def ei():
    return Ether(src=PEER_MAC, dst=DEV_MAC, type=0x0800)


def same_fl(pkt, w):
    """The flow label is the flow's hash (RFC 6438): take the one chosen."""
    w[IPv6].fl = int.from_bytes(pkt[15:18], "big") & 0xfffff
    return w


def calc_agrees(rule, v4, psid, version):
    """also-check: the outer destination is what calc says."""
    def also(pkt):
        want = calc_addr(rule, v4, psid, version)
        got = s6(int.from_bytes(pkt[38:54], "big"))
        return None if got == want else "outer dst %s, calc says %s" % (got, want)
    return also


def enc(local6, dst6, inner, tc=0):
    return eo() / IPv6(src=local6, dst=dst6, hlim=64, tc=tc) / inner


def out_batch(version):
    local6, args = base_args(version)
    b = Batch("out v%d" % version, args)
    sp = port_in(PSID, FIRST.off, FIRST.k, 3)

    def direct(name, rule, v4, port, inner_fn, tc=0):
        dst6 = rule.addr(v4, psid_of(port, rule.off, rule.k), version)
        inner = inner_fn(v4, port)
        b.case(name, "out", e4() / inner, expect(
            TC_REDIRECT, enc(local6, dst6, inner, tc), same_fl,
            also=calc_agrees(rule, v4, psid_of(port, rule.off, rule.k), version)))

    udp = lambda v4, port: IP(src=V4, dst=v4) / UDP(sport=sp, dport=port) / PAY
    pp = port_in(PEER_PSID, FIRST.off, FIRST.k, 5)
    direct("UDP to a CE of the first rule: direct, to its MAP address",
           FIRST, PEER4, pp, udp)
    direct("TCP with TOS 0xb8: direct, traffic class copied",
           FIRST, PEER4, pp,
           lambda v4, port: IP(src=V4, dst=v4, tos=0xb8) / TCP(sport=sp, dport=port, flags="S") / PAY,
           tc=0xb8)
    direct("UDP inside the nested /25 rule: the longer rule wins",
           NESTED, "192.0.2.200", port_in(0x5a, NESTED.off, NESTED.k, 2), udp)
    direct("UDP to the middle rule (198.51.100.126/32)",
           MIDDLE, "198.51.100.126", port_in(0x99, MIDDLE.off, MIDDLE.k, 7), udp)
    direct("UDP to the last rule (203.0.113.0/24, offset 0)",
           LAST, "203.0.113.77", port_in(0xb, LAST.off, LAST.k, 0), udp)
    # an echo request's identifier is ours (NAPT44 put it in our set); it
    # picks the CE as it would at the BR (RFC 7597 5.1: the identifier
    # stands for the port)
    direct("ICMP echo to a CE: the identifier is the port",
           FIRST, PEER4, sp,
           lambda v4, port: IP(src=V4, dst=v4) / ICMP(type=8, id=port, seq=1) / PAY)
    direct("ICMP error to a CE: the port of the packet it quotes",
           FIRST, PEER4, pp,
           lambda v4, port: IP(src=V4, dst=v4) / ICMP(type=3, code=3) /
           IP(src=v4, dst=V4) / UDP(sport=port, dport=sp))
    inner = IP(src=V4, dst=OUTSIDE) / UDP(sport=sp, dport=53) / PAY
    b.case("UDP outside every rule: to the BR", "out", e4() / inner,
           expect(TC_REDIRECT, enc(local6, BR, inner), same_fl))
    inner = IP(src=V4, dst=PEER4, proto=47) / GRE() / PAY
    b.case("GRE to a CE (no port): to the BR", "out", e4() / inner,
           expect(TC_REDIRECT, enc(local6, BR, inner), same_fl))
    inner = IP(src=V4, dst=PEER4, frag=100, proto=17) / Raw(PAY)
    b.case("a non-first fragment to a CE (no port): to the BR", "out",
           e4() / inner, expect(TC_REDIRECT, enc(local6, BR, inner), same_fl))
    b.case("source not our IPv4: dropped", "out",
           e4() / IP(src="192.0.2.11", dst=PEER4) / UDP(sport=sp, dport=pp), expect(TC_SHOT))
    b.case("source port of another PSID: dropped", "out",
           e4() / IP(src=V4, dst=PEER4) / UDP(sport=port_in(PSID + 1, 6, 8), dport=pp),
           expect(TC_SHOT))
    b.case("source port 80 (excluded by offset 6): dropped", "out",
           e4() / IP(src=V4, dst=PEER4) / TCP(sport=80, dport=pp), expect(TC_SHOT))
    b.case("a cut TCP header: dropped", "out",
           e4() / IP(src=V4, dst=PEER4, proto=6) / Raw(b"\x01"), expect(TC_SHOT))
    p = Ether(src=PEER_MAC, dst=DEV_MAC) / IPv6(src="fe80::1", dst="ff02::2") / ICMPv6EchoRequest()
    b.case("IPv6 on the device passes untouched", "out", p, unchanged(p))
    b.stats("counters", {"out_direct": 7, "out_br": 1, "out_br_noport": 2,
                         "drop_src": 1, "drop_port_out": 2, "drop_short": 1,
                         "out_pass": 1}, exact=True)
    b.run()


def in_batch(version, pop):
    local6, args = base_args(version, ["--decap-pop"] if pop else [])
    b = Batch("in v%d%s" % (version, " (6.1 decapsulation)" if pop else ""), args)
    dp = port_in(PSID, FIRST.off, FIRST.k, 9)
    psp = port_in(PEER_PSID, FIRST.off, FIRST.k, 4)
    peer6 = FIRST.addr(PEER4, PEER_PSID, version)

    def ok(name, src6, inner):
        b.case(name, "in", e6() / IPv6(src=src6, dst=local6) / inner,
               expect(TC_REDIRECT, ei() / inner, mac=DEV_MAC))

    ok("UDP from the BR: decapsulated to the device",
       BR, IP(src=OUTSIDE, dst=V4) / UDP(sport=53, dport=dp) / PAY)
    ok("TCP from a CE at its MAP address, port of its set: decapsulated",
       peer6, IP(src=PEER4, dst=V4) / TCP(sport=psp, dport=dp, flags="SA") / PAY)
    ok("ICMP echo reply from a CE, identifier ours and its",
       FIRST.addr(PEER4, PSID, version), IP(src=PEER4, dst=V4) / ICMP(type=0, id=dp) / PAY)
    ok("a CE of the last rule",
       LAST.addr("203.0.113.5", 3, version),
       IP(src="203.0.113.5", dst=V4) / UDP(sport=port_in(3, 0, 4, 0), dport=dp) / PAY)
    ok("a non-first fragment from a CE (PSID from its address)",
       peer6, IP(src=PEER4, dst=V4, frag=50, proto=17) / Raw(PAY))
    ok("ICMP error from a CE about our packet to it",
       peer6, IP(src=PEER4, dst=V4) / ICMP(type=11) / IP(src=V4, dst=PEER4) / UDP(sport=dp, dport=psp))

    def bad(name, src6, inner, frame=None):
        b.case(name, "in", (frame or e6()) / IPv6(src=src6, dst=local6) / inner, expect(TC_SHOT))

    bad("spoof: a CE's address, source port of another PSID",
        peer6, IP(src=PEER4, dst=V4) / UDP(sport=port_in(PEER_PSID + 1, 6, 8), dport=dp))
    bad("spoof: inner source outside every rule, not from the BR",
        peer6, IP(src=OUTSIDE, dst=V4) / UDP(sport=53, dport=dp))
    bad("spoof: an address the rules do not give",
        "2001:db8:1000:1400::1", IP(src=PEER4, dst=V4) / UDP(sport=psp, dport=dp))
    bad("spoof: another CE's inner IPv4 from this CE's address",
        peer6, IP(src="192.0.2.21", dst=V4) / UDP(sport=psp, dport=dp))
    bad("spoof: a fragment whose address's PSID is not the rule's EA PSID",
        s6(a6(peer6) ^ 1), IP(src=PEER4, dst=V4, frag=50, proto=17) / Raw(PAY))
    bad("destination port outside our set",
        BR, IP(src=OUTSIDE, dst=V4) / UDP(sport=53, dport=port_in(PSID ^ 1, 6, 8)))
    bad("destination port 1023 (excluded)", BR, IP(src=OUTSIDE, dst=V4) / UDP(sport=53, dport=1023))
    bad("inner destination not our IPv4", BR, IP(src=OUTSIDE, dst="192.0.2.11") / UDP(sport=53, dport=dp))
    b.case("an outer fragment: dropped", "in",
           e6() / IPv6(src=BR, dst=local6) / IPv6ExtHdrFragment(nh=4, m=1) / IP(src=OUTSIDE, dst=V4) / UDP(sport=53, dport=dp),
           expect(TC_SHOT))
    bad("a multicast frame", BR, IP(src=OUTSIDE, dst=V4) / UDP(sport=53, dport=dp),
        Ether(src=PEER_MAC, dst="33:33:00:00:00:01"))
    b.case("inner header cut: dropped", "in",
           e6() / IPv6(src=BR, dst=local6, nh=4) / Raw(b"\x45\x00"), expect(TC_SHOT))
    b.stats("counters", {"in_br": 1, "in_peer": 5, "drop_spoof": 5, "drop_port_in": 2,
                         "drop_dst": 1, "drop_frag6": 1, "drop_not_host": 1,
                         "drop_short": 1}, exact=True)
    for name, p in [("IPv6 to another address", e6() / IPv6(src=BR, dst="2001:db8::99") / IP(src=OUTSIDE, dst=V4) / UDP()),
                    ("ICMPv6 to our address (PTB, NDP: the stack's)", e6() / IPv6(src=BR, dst=local6) / ICMPv6EchoRequest()),
                    ("IPv4 on the WAN", e4() / IP(src=OUTSIDE, dst=V4) / UDP(sport=53, dport=dp))]:
        b.case(name + " passes untouched", "in", p, unchanged(p))
    b.run()


def reconcile_batch():
    _, args = base_args(1)
    b = Batch("reconcile", args)
    sp = port_in(PSID, 6, 8, 3)
    local6 = FIRST.addr(V4, PSID, 1)

    def writes(want):
        return lambda name, got: tap(got == want, name, got)

    b.raw("the same 256 rules again: zero writes", "sync", writes("rc=0 cfg=0 added=0 deleted=0"))
    b.raw("256 rules: load, verify and fill in under 2 s", "load",
          lambda name, got: tap(got.startswith("load_us=") and int(got.split()[0][8:]) < 2000000,
                                name + " (" + got + ")", got))
    moved = Rule("198.51.100.126", 32, "2001:db8:3333:7e00::", 56, 8, 6)
    b.raw("one rule's IPv6 prefix changed: one map update", "fmr 128 " + moved.arg(),
          writes("rc=0 cfg=0 added=1 deleted=0"))
    port = port_in(0x99, 6, 8, 7)
    inner = IP(src=V4, dst="198.51.100.126") / UDP(sport=sp, dport=port) / PAY
    b.case("the changed rule is used at once", "out", e4() / inner, expect(
        TC_REDIRECT, enc(local6, moved.addr("198.51.100.126", 0x99, 1), inner), same_fl))
    b.raw("one rule's IPv4 prefix changed: one delete, one add",
          "fmr 129 198.51.100.254/32,2001:db8:3000:7f00::/56,8,6",
          writes("rc=0 cfg=0 added=1 deleted=1"))
    b.raw("a rule removed: one delete", "drop 200", writes("rc=0 cfg=0 added=0 deleted=1"))
    b.raw("two rules with one IPv4 prefix are refused, naming them",
          "fmr 255 192.0.2.0/24,2001:db8:5000::/40,16,6",
          lambda name, got: tap(got.startswith("rc=-22") and "FMRs 0 and 255" in got, name, got))
    b.run()


def br_batch():
    """The BR mode (the lab's BR, MESH_F_BR): any IPv4 source out, by the
    FMRs only; in, only CEs (spoof-checked), to any IPv4 destination."""
    args = ["--br-mode", "--v4", "0.0.0.0", "--local6", BR, "--br", BR, "--psid", "0/0/0",
            "--version", "1", "--wan", "2", "--dev", "3", "--mac", DEV_MAC]
    for r in RULES:
        args += ["--fmr", r.arg()]
    b = Batch("BR mode", args)
    pp = port_in(PEER_PSID, 6, 8, 5)
    inner = IP(src="198.51.100.254", dst=PEER4) / UDP(sport=53, dport=pp) / PAY
    b.case("out from the internet to a CE: by the FMR to its MAP address", "out", e4() / inner,
           expect(TC_REDIRECT, enc(BR, FIRST.addr(PEER4, PEER_PSID, 1), inner), same_fl))
    b.case("out to an address in no rule: dropped", "out",
           e4() / IP(src="203.0.113.1", dst=OUTSIDE) / UDP(sport=1, dport=2), expect(TC_SHOT))
    b.case("out to a CE without a port: dropped (no CE to pick)", "out",
           e4() / IP(src="203.0.113.1", dst=PEER4, proto=47) / GRE(), expect(TC_SHOT))
    inner = IP(src=PEER4, dst="198.51.100.254") / UDP(sport=port_in(PEER_PSID, 6, 8, 4), dport=53) / PAY
    b.case("in from a CE to the internet: decapsulated, forwarded", "in",
           e6() / IPv6(src=FIRST.addr(PEER4, PEER_PSID, 1), dst=BR) / inner,
           expect(TC_REDIRECT, ei() / inner, mac=DEV_MAC))
    inner = IP(src=PEER4, dst=PEER4) / UDP(sport=port_in(PEER_PSID, 6, 8, 4),
                                          dport=port_in(PEER_PSID ^ 1, 6, 8, 2)) / PAY
    b.case("in from a CE to another CE: relayed, outer header rewritten (source the BR, "
           "destination the peer by the FMR, hop limit - 1), not decapsulated", "in",
           e6() / IPv6(src=FIRST.addr(PEER4, PEER_PSID, 1), dst=BR, hlim=64) / inner,
           expect(TC_REDIRECT, e6() / IPv6(src=BR, dst=FIRST.addr(PEER4, PEER_PSID ^ 1, 1), hlim=63) / inner))
    b.case("in from a CE with a port outside its set: dropped (spoof)", "in",
           e6() / IPv6(src=FIRST.addr(PEER4, PEER_PSID, 1), dst=BR) /
           IP(src=PEER4, dst="198.51.100.254") / UDP(sport=port_in(PEER_PSID ^ 1, 6, 8), dport=53),
           expect(TC_SHOT))
    b.case("in from its own address (not a CE): dropped", "in",
           e6() / IPv6(src=BR, dst=BR) / IP(src="198.51.100.254", dst=PEER4) / UDP(sport=53, dport=pp),
           expect(TC_SHOT))
    b.stats("counters", {"out_direct": 2, "drop_no_rule": 2, "in_peer": 2, "drop_spoof": 2}, exact=True)
    b.run()


def main():
    set_tool(TOOL)
    for v in (1, 0):
        out_batch(v)
        in_batch(v, False)
    in_batch(1, True)
    br_batch()
    reconcile_batch()
    return done()


if __name__ == "__main__":
    sys.exit(main())
