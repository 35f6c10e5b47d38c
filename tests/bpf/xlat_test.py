#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The translator's programs (bpf/xlat.bpf.c) on crafted packets through
BPF_PROG_TEST_RUN (build/tests/tools/xlat_run), each result compared with
the packet RFC 7915 / 7597 / 6052 say it must be. The expected packets are
built here with scapy from the RFCs' rules, with this file's own address
arithmetic: nothing is taken from the program. TAP on stdout.

usage: xlat_test.py build/tests/tools/xlat_run"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# pylint: disable=wrong-import-position
from progtest import (TC_REDIRECT, TC_SHOT, Batch, a4, a6,  # noqa: E402
                      done, expect, psid_of, s6, set_tool, tap, unchanged)
from scapy.all import (ICMP, IP, TCP, UDP, Ether, ICMPv6DestUnreach,
                       ICMPv6EchoReply, ICMPv6EchoRequest, ICMPv6ND_NS,
                       ICMPv6PacketTooBig, ICMPv6ParamProblem,
                       ICMPv6TimeExceeded, IPv6, IPv6ExtHdrFragment,
                       IPv6ExtHdrHopByHop, Raw, conf)

conf.verb = 0
TOOL = sys.argv[1]
DEV_MAC = "02:00:00:00:aa:01"
# BPF_PROG_TEST_RUN runs on the loopback device, MAC 00:..:00: a frame to
# it is PACKET_HOST, as one to the WAN's MAC is on the real hook.
HOST_MAC = "00:00:00:00:00:00"
PEER_MAC = "02:00:00:00:bb:02"

# ---- address arithmetic, from the RFCs ------------------------------------

def rfc6052(prefix, plen, v4):
    """RFC 6052 2.2: the IPv4 bits after the prefix, skipping bits 64-71."""
    p, v = a6(prefix), a4(v4)
    if plen == 96:
        return s6(p | v)
    before = 64 - plen          # IPv4 bits that fit before the u octet
    if before >= 32:
        return s6(p | (v << (128 - plen - 32)))
    top, rest = v >> (32 - before), v & ((1 << (32 - before)) - 1)
    return s6(p | (top << 64) | (rest << (56 - (32 - before))))


def map_addr(rule6, r6len, v4len, ealen, v4, psid):
    """RFC 7597 5.2 (prefix | EA bits, subnet 0) and 6 (IID 0:v4:PSID)."""
    k = ealen - (32 - v4len)
    ea = ((a4(v4) & ((1 << (32 - v4len)) - 1)) << k) | psid
    return s6(a6(rule6) | (ea << (128 - r6len - ealen)) | (a4(v4) << 16) | psid)


def same_id(pkt, w):
    """Without a Fragment header RFC 7915 5.1 leaves the Identification to
    the translator; take the one it chose (and recompute the checksum)."""
    w[IP].id = int.from_bytes(pkt[18:20], "big")
    w[IP].chksum = None
    return w


def csum_complete(check):
    """A check of an "inc" run: the same, but a kernel before 6.11
    (no BPF_F_TEST_SKB_CHECKSUM_COMPLETE: "error -22") skips it, and
    "error -74" (EBADMSG) means skb->csum was left wrong."""
    def run(name, got):
        if got == "error -22":
            tap(True, name + " # SKIP kernel without BPF_F_TEST_SKB_CHECKSUM_COMPLETE")
        elif got == "error -74":
            tap(False, name, "skb->csum wrong after the program (EBADMSG)")
        else:
            check(name, got)
    return run


def e4(src=PEER_MAC):
    return Ether(src=src, dst=DEV_MAC)


def e6():
    return Ether(src=PEER_MAC, dst=HOST_MAC)


def eo():
    """The frame xlat_out sends keeps the MAC addresses it had; the
    comparison starts at the Ethernet type."""
    return Ether(src=PEER_MAC, dst=DEV_MAC, type=0x86DD)


def ei():
    return Ether(src=PEER_MAC, dst=DEV_MAC, type=0x0800)


PAY = b"translate me, please"


# ---- MAP-T CE ------------------------------------------------------------------
# RFC 7597 example-like rule: 2001:db8:100::/40, 203.0.113.0/24, EA 16 ->
# PSID 8 bits, offset 6. Our CE 203.0.113.10 PSID 0x34; DMR /64.
R6, R6LEN, R4, R4LEN, EA, OFF = "2001:db8:100::", 40, "203.0.113.0", 24, 16, 6
K = EA - (32 - R4LEN)
V4, PSID = "203.0.113.10", 0x34
LOCAL6 = map_addr(R6, R6LEN, R4LEN, EA, V4, PSID)
DMR, DMRLEN = "2001:db8:ffff::", 64
REMOTE = "198.51.100.7"
REMOTE6 = rfc6052(DMR, DMRLEN, REMOTE)
PEER4 = "203.0.113.20"


def port(a_bits, j):
    """A port of our set: RFC 7597 5.1, A (>0 with offset 6) | PSID | j."""
    return (a_bits << (16 - OFF)) | (PSID << (16 - OFF - K)) | j


P1 = port(1, 0)
P2 = port(17, 3)
OUT_OF_SET = port(1, 0) ^ (1 << (16 - OFF - K))      # another PSID
PEER_PORT = 5000
PEER6 = map_addr(R6, R6LEN, R4LEN, EA, PEER4, psid_of(PEER_PORT, OFF, K))


def mapt_batch():
    b = Batch("map-t", ["--mode", "mapt", "--v4", V4, "--local6", LOCAL6,
                        "--pref", "%s/%d" % (DMR, DMRLEN),
                        "--psid", "%d/%d/%d" % (OFF, K, PSID),
                        "--fmr", "%s/%d,%s/%d,%d,%d" % (R4, R4LEN, R6, R6LEN, EA, OFF),
                        "--wan", "2", "--dev", "3", "--mac", DEV_MAC])

    # out: TCP, UDP, UDP checksum 0, TTL/TOS, ICMP echo
    p = e4() / IP(src=V4, dst=REMOTE, ttl=63, tos=0xb8) / TCP(sport=P1, dport=443, flags="S", seq=7) / PAY
    b.case("out TCP to the DMR, TOS and TTL copied", "out", p, expect(
        TC_REDIRECT, eo() / IPv6(src=LOCAL6, dst=REMOTE6, hlim=63, tc=0xb8) / TCP(sport=P1, dport=443, flags="S", seq=7) / PAY))
    p = e4() / IP(src=V4, dst=REMOTE, ttl=1) / UDP(sport=P2, dport=53) / PAY
    b.case("out UDP, TTL 1 stays 1", "out", p, expect(
        TC_REDIRECT, eo() / IPv6(src=LOCAL6, dst=REMOTE6, hlim=1) / UDP(sport=P2, dport=53) / PAY))
    p = e4() / IP(src=V4, dst=REMOTE) / UDP(sport=P1, dport=53, chksum=0) / (PAY + b"!")
    b.case("out UDP checksum 0 computed (RFC 7915 4.5), odd length", "out", p, expect(
        TC_REDIRECT, eo() / IPv6(src=LOCAL6, dst=REMOTE6, hlim=64) / UDP(sport=P1, dport=53) / (PAY + b"!")))
    big = bytes(range(256)) * 5 + b"xyz"
    p = e4() / IP(src=V4, dst=REMOTE) / UDP(sport=P1, dport=53, chksum=0) / big
    b.case("out UDP checksum 0 over 1283 bytes (several chunks)", "out", p, expect(
        TC_REDIRECT, eo() / IPv6(src=LOCAL6, dst=REMOTE6, hlim=64) / UDP(sport=P1, dport=53) / big))
    p = e4() / IP(src=V4, dst=REMOTE) / ICMP(type=8, id=P2, seq=3) / PAY
    b.case("out ICMP echo request -> ICMPv6 128", "out", p, expect(
        TC_REDIRECT, eo() / IPv6(src=LOCAL6, dst=REMOTE6, hlim=64) / ICMPv6EchoRequest(id=P2, seq=3, data=PAY)))
    p = e4() / IP(src=V4, dst=REMOTE) / ICMP(type=0, id=P1, seq=9) / PAY
    b.case("out ICMP echo reply -> ICMPv6 129", "out", p, expect(
        TC_REDIRECT, eo() / IPv6(src=LOCAL6, dst=REMOTE6, hlim=64) / ICMPv6EchoReply(id=P1, seq=9, data=PAY)))
    # out: FMR peer (CE to CE, RFC 7599 5.1)
    p = e4() / IP(src=V4, dst=PEER4) / UDP(sport=P1, dport=PEER_PORT) / PAY
    b.case("out UDP to an FMR peer -> its MAP-T address from address + port", "out", p, expect(
        TC_REDIRECT, eo() / IPv6(src=LOCAL6, dst=PEER6, hlim=64) / UDP(sport=P1, dport=PEER_PORT) / PAY))
    # out: fragments (RFC 7915 4.1: Fragment header, id in the low 16 bits)
    frag_pay = bytes(UDP(sport=P1, dport=53) / (b"F" * 64))
    frag_pay = bytes(IP(src=V4, dst=REMOTE) / UDP(sport=P1, dport=53) / (b"F" * 64))[20:]
    p = e4() / IP(src=V4, dst=REMOTE, id=0xbeef, flags="MF", proto=17) / Raw(frag_pay[:40])
    v6udp = bytes(IPv6(src=LOCAL6, dst=REMOTE6) / UDP(sport=P1, dport=53) / (b"F" * 64))[40:]
    b.case("out first fragment -> Fragment header, M, checksum for IPv6", "out", p, expect(
        TC_REDIRECT, eo() / IPv6(src=LOCAL6, dst=REMOTE6, hlim=64) /
        IPv6ExtHdrFragment(nh=17, offset=0, m=1, id=0xbeef) / Raw(v6udp[:40])))
    p = e4() / IP(src=V4, dst=REMOTE, id=0xbeef, frag=5, proto=17) / Raw(frag_pay[40:])
    b.case("out last fragment -> Fragment header, offset 5", "out", p, expect(
        TC_REDIRECT, eo() / IPv6(src=LOCAL6, dst=REMOTE6, hlim=64) /
        IPv6ExtHdrFragment(nh=17, offset=5, m=0, id=0xbeef) / Raw(frag_pay[40:])))
    p = e4() / IP(src=V4, dst=REMOTE, flags="DF") / UDP(sport=P1, dport=53) / PAY
    b.case("out DF and unfragmented: no Fragment header", "out", p, expect(
        TC_REDIRECT, eo() / IPv6(src=LOCAL6, dst=REMOTE6, hlim=64) / UDP(sport=P1, dport=53) / PAY))
    b.stats("counters after the good out cases", {"out_ok": 10})

    # out: must-drop
    p = e4() / IP(src=V4, dst=REMOTE) / UDP(sport=OUT_OF_SET, dport=53) / PAY
    b.case("out source port outside the set: dropped", "out", p, expect(TC_SHOT))
    p = e4() / IP(src="203.0.113.11", dst=REMOTE) / UDP(sport=P1, dport=53) / PAY
    b.case("out source not our IPv4: dropped", "out", p, expect(TC_SHOT))
    p = e4() / IP(src=V4, dst=REMOTE, options=b"\x01\x01\x01\x00") / UDP(sport=P1, dport=53) / PAY
    b.case("out IPv4 options: dropped", "out", p, expect(TC_SHOT))
    p = e4() / IP(src=V4, dst=REMOTE, flags="MF") / UDP(sport=P1, dport=53, chksum=0) / PAY
    b.case("out UDP checksum 0 in a fragment: dropped", "out", p, expect(TC_SHOT))
    p = e4() / IP(src=V4, dst=PEER4, frag=10, proto=17) / Raw(b"x" * 16)
    b.case("out non-first fragment to an FMR peer: dropped", "out", p, expect(TC_SHOT))
    p = e4() / IP(src=V4, dst=REMOTE, flags="MF") / ICMP(type=8, id=P1) / PAY
    b.case("out fragmented ICMP: dropped", "out", p, expect(TC_SHOT))
    p = e4() / IP(src=V4, dst=REMOTE) / ICMP(type=13, id=P1)
    b.case("out ICMP timestamp (no mapping): dropped", "out", p, expect(TC_SHOT))
    p = e4() / IP(src=V4, dst=REMOTE, chksum=0x1234) / UDP(sport=P1, dport=53) / PAY
    b.case("out bad IPv4 header checksum: dropped", "out", p, expect(TC_SHOT))
    p = e4() / IP(src=V4, dst=REMOTE, proto=47) / Raw(b"\x00\x00\x08\x00" + PAY)
    b.case("out GRE with a shared address (no port): dropped", "out", p, expect(TC_SHOT))
    b.stats("drop reasons out", {"drop_port_out": 1, "drop_src": 1, "drop_v4_options": 1,
                                 "drop_udp0_frag": 1, "drop_frag_fmr": 1, "drop_icmp_frag": 1,
                                 "drop_icmp_type": 1, "drop_bad_csum": 1, "drop_proto": 1})
    p = e6() / IPv6(src=LOCAL6, dst=REMOTE6) / UDP(sport=P1, dport=53)
    b.case("out IPv6 on the device passes untouched", "out", p, unchanged(p))

    # out: ICMP errors, the inner packet translated too (RFC 7915 4.2/4.3)
    inner4 = IP(src=REMOTE, dst=V4, ttl=50, id=77) / UDP(sport=53, dport=P1) / PAY
    inner6 = IPv6(src=REMOTE6, dst=LOCAL6, hlim=50) / UDP(sport=53, dport=P1) / PAY
    for (t4, c4, extra4, icmp6, name) in [
            (3, 3, {}, ICMPv6DestUnreach(code=4), "port unreachable -> 1/4"),
            (3, 1, {}, ICMPv6DestUnreach(code=0), "host unreachable -> 1/0"),
            (3, 13, {}, ICMPv6DestUnreach(code=1), "admin prohibited -> 1/1"),
            (3, 4, {"nexthopmtu": 1400}, ICMPv6PacketTooBig(mtu=1420), "frag needed 1400 -> PTB 1420"),
            (3, 4, {"nexthopmtu": 576}, ICMPv6PacketTooBig(mtu=1280), "frag needed 576 -> PTB 1280 (floor)"),
            (11, 0, {}, ICMPv6TimeExceeded(code=0), "time exceeded -> 3/0"),
            (12, 0, {"ptr": 9}, ICMPv6ParamProblem(code=0, ptr=6), "parameter problem ptr 9 -> ptr 6"),
            (3, 2, {}, ICMPv6ParamProblem(code=1, ptr=6), "protocol unreachable -> 4/1 ptr 6")]:
        p = e4() / IP(src=V4, dst=REMOTE) / ICMP(type=t4, code=c4, **extra4) / inner4
        b.case("out ICMP %s, inner UDP translated" % name, "out", p, expect(
            TC_REDIRECT, eo() / IPv6(src=LOCAL6, dst=REMOTE6, hlim=64) / icmp6 / inner6))
    inner4 = IP(src=REMOTE, dst=V4, ttl=9) / TCP(sport=443, dport=P2, flags="A", seq=1, ack=2) / PAY
    inner6 = IPv6(src=REMOTE6, dst=LOCAL6, hlim=9) / TCP(sport=443, dport=P2, flags="A", seq=1, ack=2) / PAY
    p = e4() / IP(src=V4, dst=REMOTE) / ICMP(type=3, code=3) / inner4
    b.case("out ICMP error, inner TCP and its checksum translated", "out", p, expect(
        TC_REDIRECT, eo() / IPv6(src=LOCAL6, dst=REMOTE6, hlim=64) / ICMPv6DestUnreach(code=4) / inner6))
    inner4 = IP(src=REMOTE, dst=V4, id=0) / ICMP(type=0, id=P1, seq=1) / PAY
    inner6 = IPv6(src=REMOTE6, dst=LOCAL6, hlim=64) / ICMPv6EchoReply(id=P1, seq=1, data=PAY)
    p = e4() / IP(src=V4, dst=REMOTE) / ICMP(type=11, code=0) / inner4
    b.case("out ICMP error, inner ICMP echo translated", "out", p, expect(
        TC_REDIRECT, eo() / IPv6(src=LOCAL6, dst=REMOTE6, hlim=64) / ICMPv6TimeExceeded() / inner6))
    # RFC 4443 2.4 (c): the ICMPv6 error is at most 1280 bytes; an ICMPv4
    # error quoting 1400 bytes (1448 in all) is cut, the inner header's
    # length left as sent, the checksum over what is kept
    big = bytes(range(256)) * 5 + b"x" * 120
    inner4 = IP(src=REMOTE, dst=V4, ttl=50, id=78) / UDP(sport=53, dport=P1) / big
    inner6 = bytes(IPv6(src=REMOTE6, dst=LOCAL6, hlim=50) / UDP(sport=53, dport=P1) / big)
    p = e4() / IP(src=V4, dst=REMOTE) / ICMP(type=3, code=3) / inner4
    b.case("out ICMP error quoting 1428 B: ICMPv6 cut to 1280 B (RFC 4443 2.4)", "out", p, expect(
        TC_REDIRECT, eo() / IPv6(src=LOCAL6, dst=REMOTE6, hlim=64) / ICMPv6DestUnreach(code=4) /
        Raw(inner6[:1280 - 48]), also=lambda got: None if len(got) == 14 + 1280 else
        "frame of %d bytes, want 1294" % len(got)))
    inner4 = IP(src=REMOTE, dst=V4, ttl=50, id=78) / UDP(sport=53, dport=P1) / big[:1184]
    inner6 = bytes(IPv6(src=REMOTE6, dst=LOCAL6, hlim=50) / UDP(sport=53, dport=P1) / big[:1184])
    p = e4() / IP(src=V4, dst=REMOTE) / ICMP(type=11, code=0) / inner4
    b.case("out ICMP error of exactly 1280 B once translated: kept whole", "out", p, expect(
        TC_REDIRECT, eo() / IPv6(src=LOCAL6, dst=REMOTE6, hlim=64) / ICMPv6TimeExceeded() /
        Raw(inner6), also=lambda got: None if len(got) == 14 + 1280 else
        "frame of %d bytes, want 1294" % len(got)))
    inner4 = IP(src=REMOTE, dst=V4) / UDP(sport=53, dport=OUT_OF_SET) / PAY
    p = e4() / IP(src=V4, dst=REMOTE) / ICMP(type=3, code=3) / inner4
    b.case("out ICMP error about a port outside the set: dropped", "out", p, expect(TC_SHOT))
    inner4 = IP(src=REMOTE, dst="192.0.2.99") / UDP(sport=53, dport=P1) / PAY
    p = e4() / IP(src=V4, dst=REMOTE) / ICMP(type=3, code=3) / inner4
    b.case("out ICMP error whose inner packet is not ours: dropped", "out", p, expect(TC_SHOT))

    # in: TCP, UDP, echo, hop limit, traffic class, DF
    p = e6() / IPv6(src=REMOTE6, dst=LOCAL6, hlim=1, tc=0x28) / TCP(sport=443, dport=P1, flags="SA") / PAY
    b.case("in TCP from the DMR, hop limit 1 -> TTL 1, class -> TOS", "in", p, expect(
        TC_REDIRECT, ei() / IP(src=REMOTE, dst=V4, ttl=1, tos=0x28) / TCP(sport=443, dport=P1, flags="SA") / PAY,
        same_id, DEV_MAC))
    p = e6() / IPv6(src=REMOTE6, dst=LOCAL6) / UDP(sport=53, dport=P2) / PAY
    b.case("in UDP from the DMR", "in", p, expect(
        TC_REDIRECT, ei() / IP(src=REMOTE, dst=V4, ttl=64) / UDP(sport=53, dport=P2) / PAY, same_id, DEV_MAC))
    big = b"B" * 1300
    p = e6() / IPv6(src=REMOTE6, dst=LOCAL6) / UDP(sport=53, dport=P2) / big
    b.case("in 1328-byte IPv4 result: DF set, id 0 (RFC 7915 5.1)", "in", p, expect(
        TC_REDIRECT, ei() / IP(src=REMOTE, dst=V4, ttl=64, flags="DF", id=0) / UDP(sport=53, dport=P2) / big))
    p = e6() / IPv6(src=REMOTE6, dst=LOCAL6) / ICMPv6EchoReply(id=P1, seq=4, data=PAY)
    b.case("in ICMPv6 echo reply -> ICMP 0", "in", p, expect(
        TC_REDIRECT, ei() / IP(src=REMOTE, dst=V4, ttl=64) / ICMP(type=0, id=P1, seq=4) / PAY, same_id))
    p = e6() / IPv6(src=REMOTE6, dst=LOCAL6) / ICMPv6EchoRequest(id=P2, seq=5, data=PAY)
    b.case("in ICMPv6 echo request -> ICMP 8", "in", p, expect(
        TC_REDIRECT, ei() / IP(src=REMOTE, dst=V4, ttl=64) / ICMP(type=8, id=P2, seq=5) / PAY, same_id))
    p = e6() / IPv6(src=PEER6, dst=LOCAL6) / UDP(sport=PEER_PORT, dport=P1) / PAY
    b.case("in UDP from an FMR peer -> its IPv4", "in", p, expect(
        TC_REDIRECT, ei() / IP(src=PEER4, dst=V4, ttl=64) / UDP(sport=PEER_PORT, dport=P1) / PAY, same_id))
    # in: fragments
    udp6 = bytes(IPv6(src=REMOTE6, dst=LOCAL6) / UDP(sport=53, dport=P1) / (b"G" * 64))[40:]
    udp4 = bytes(IP(src=REMOTE, dst=V4) / UDP(sport=53, dport=P1) / (b"G" * 64))[20:]
    p = e6() / IPv6(src=REMOTE6, dst=LOCAL6) / IPv6ExtHdrFragment(nh=17, offset=0, m=1, id=0x12345678) / Raw(udp6[:48])
    b.case("in first fragment -> IPv4 MF, id low 16 bits, DF 0", "in", p, expect(
        TC_REDIRECT, ei() / IP(src=REMOTE, dst=V4, ttl=64, id=0x5678, flags="MF", proto=17) / Raw(udp4[:48])))
    p = e6() / IPv6(src=REMOTE6, dst=LOCAL6) / IPv6ExtHdrFragment(nh=17, offset=6, m=0, id=0x12345678) / Raw(udp6[48:])
    b.case("in last fragment -> IPv4 offset 6", "in", p, expect(
        TC_REDIRECT, ei() / IP(src=REMOTE, dst=V4, ttl=64, id=0x5678, frag=6, proto=17) / Raw(udp4[48:])))
    b.stats("counters after the good in cases", {"in_ok": 8})

    # in: ICMPv6 errors with our packet inside
    in6 = IPv6(src=LOCAL6, dst=REMOTE6, hlim=3) / UDP(sport=P1, dport=53) / PAY
    in4 = IP(src=V4, dst=REMOTE, ttl=3, id=0) / UDP(sport=P1, dport=53) / PAY
    router = "2001:db8:99::1"
    for (icmp6, src6, icmp4, src4, name) in [
            (ICMPv6DestUnreach(code=4), REMOTE6, ICMP(type=3, code=3), REMOTE, "port unreachable -> 3/3"),
            (ICMPv6DestUnreach(code=1), REMOTE6, ICMP(type=3, code=10), REMOTE, "admin prohibited -> 3/10"),
            (ICMPv6DestUnreach(code=0), router, ICMP(type=3, code=1), "192.0.0.8",
             "no route from a router of the IPv6 network -> 3/1 from 192.0.0.8"),
            (ICMPv6PacketTooBig(mtu=1400), router, ICMP(type=3, code=4, nexthopmtu=1380), "192.0.0.8",
             "packet too big 1400 -> frag needed 1380"),
            (ICMPv6TimeExceeded(code=0), REMOTE6, ICMP(type=11, code=0), REMOTE, "time exceeded -> 11/0"),
            (ICMPv6ParamProblem(code=0, ptr=6), REMOTE6, ICMP(type=12, code=0, ptr=9), REMOTE,
             "parameter problem ptr 6 -> ptr 9"),
            (ICMPv6ParamProblem(code=1, ptr=40), REMOTE6, ICMP(type=3, code=2), REMOTE,
             "unrecognized next header -> protocol unreachable")]:
        p = e6() / IPv6(src=src6, dst=LOCAL6, hlim=30) / icmp6 / in6
        b.case("in ICMPv6 %s, inner translated" % name, "in", p, expect(
            TC_REDIRECT, ei() / IP(src=src4, dst=V4, ttl=30) / icmp4 / in4, same_id))
    in6 = IPv6(src=LOCAL6, dst=REMOTE6) / TCP(sport=P2, dport=443, flags="S") / PAY
    in4 = IP(src=V4, dst=REMOTE, id=0) / TCP(sport=P2, dport=443, flags="S") / PAY
    p = e6() / IPv6(src=REMOTE6, dst=LOCAL6) / ICMPv6DestUnreach(code=4) / in6
    b.case("in ICMPv6 error, inner TCP and its checksum translated", "in", p, expect(
        TC_REDIRECT, ei() / IP(src=REMOTE, dst=V4, ttl=64) / ICMP(type=3, code=3) / in4, same_id))
    in6 = IPv6(src=LOCAL6, dst=REMOTE6) / ICMPv6EchoRequest(id=P1, seq=2, data=PAY)
    in4 = IP(src=V4, dst=REMOTE, id=0) / ICMP(type=8, id=P1, seq=2) / PAY
    p = e6() / IPv6(src=REMOTE6, dst=LOCAL6) / ICMPv6TimeExceeded() / in6
    b.case("in ICMPv6 error, inner echo translated", "in", p, expect(
        TC_REDIRECT, ei() / IP(src=REMOTE, dst=V4, ttl=64) / ICMP(type=11, code=0) / in4, same_id))

    # in, CHECKSUM_COMPLETE (as a NIC hands it to tc ingress): skb->csum
    # must still match the frame from its network header on, or the
    # kernel reports "hw csum failure" (BPF_PROG_TEST_RUN checks it, 6.11+)
    in6 = IPv6(src=LOCAL6, dst=REMOTE6) / UDP(sport=P1, dport=53) / PAY
    in4 = IP(src=V4, dst=REMOTE, id=0, ttl=64) / UDP(sport=P1, dport=53) / PAY
    for name, p, w in [
            ("UDP", e6() / IPv6(src=REMOTE6, dst=LOCAL6) / UDP(sport=53, dport=P2) / PAY,
             ei() / IP(src=REMOTE, dst=V4, ttl=64) / UDP(sport=53, dport=P2) / PAY),
            ("TCP", e6() / IPv6(src=REMOTE6, dst=LOCAL6) / TCP(sport=443, dport=P1, flags="A") / PAY,
             ei() / IP(src=REMOTE, dst=V4, ttl=64) / TCP(sport=443, dport=P1, flags="A") / PAY),
            ("first fragment", e6() / IPv6(src=REMOTE6, dst=LOCAL6) /
             IPv6ExtHdrFragment(nh=17, offset=0, m=1, id=0x12345678) / Raw(udp6[:48]),
             ei() / IP(src=REMOTE, dst=V4, ttl=64, id=0x5678, flags="MF", proto=17) / Raw(udp4[:48])),
            ("echo request", e6() / IPv6(src=REMOTE6, dst=LOCAL6) / ICMPv6EchoRequest(id=P2, seq=5, data=PAY),
             ei() / IP(src=REMOTE, dst=V4, ttl=64) / ICMP(type=8, id=P2, seq=5) / PAY),
            ("port unreachable", e6() / IPv6(src=REMOTE6, dst=LOCAL6, hlim=30) / ICMPv6DestUnreach(code=4) / in6,
             ei() / IP(src=REMOTE, dst=V4, ttl=30) / ICMP(type=3, code=3) / in4)]:
        b.case("in %s, CHECKSUM_COMPLETE: skb->csum right after translation" % name, "inc", p,
               csum_complete(expect(TC_REDIRECT, w, None if "fragment" in name else same_id, DEV_MAC)))

    # in: must-drop and not ours
    p = e6() / IPv6(src=REMOTE6, dst=LOCAL6) / UDP(sport=53, dport=OUT_OF_SET) / PAY
    b.case("in port outside the set: dropped", "in", p, expect(TC_SHOT))
    p = e6() / IPv6(src=REMOTE6, dst=LOCAL6) / UDP(sport=53, dport=port(0, 1) if OFF else 1) / PAY
    b.case("in excluded low port (offset 6: 0-1023): dropped", "in", p, expect(TC_SHOT))
    p = e6() / IPv6(src="2001:db8:5555::1", dst=LOCAL6) / UDP(sport=53, dport=P1) / PAY
    b.case("in source neither DMR nor FMR: dropped", "in", p, expect(TC_SHOT))
    spoof = map_addr(R6, R6LEN, R4LEN, EA, PEER4, psid_of(PEER_PORT, OFF, K) ^ 1)
    p = e6() / IPv6(src=spoof, dst=LOCAL6) / UDP(sport=PEER_PORT, dport=P1) / PAY
    b.case("in FMR source whose PSID does not own its port: dropped (spoof)", "in", p, expect(TC_SHOT))
    p = e6() / IPv6(src=REMOTE6, dst=LOCAL6) / IPv6ExtHdrHopByHop() / UDP(sport=53, dport=P1) / PAY
    b.case("in hop-by-hop header: dropped", "in", p, expect(TC_SHOT))
    p = e6() / IPv6(src=REMOTE6, dst=LOCAL6) / IPv6ExtHdrFragment(nh=58, m=1) / ICMPv6EchoRequest(id=P1, data=PAY)
    b.case("in fragmented ICMPv6: dropped", "in", p, expect(TC_SHOT))
    p = e6() / IPv6(src=REMOTE6, dst=LOCAL6) / UDP(sport=53, dport=P1, chksum=0) / PAY
    b.case("in UDP checksum 0 (invalid in IPv6): dropped", "in", p, expect(TC_SHOT))
    p = Ether(src=PEER_MAC, dst="33:33:00:00:00:01") / IPv6(src=REMOTE6, dst=LOCAL6) / UDP(sport=53, dport=P1) / PAY
    b.case("in multicast frame to our address: dropped", "in", p, expect(TC_SHOT))
    p = e6() / IPv6(src=REMOTE6, dst=LOCAL6) / ICMPv6ParamProblem(code=2) / IPv6(src=LOCAL6, dst=REMOTE6) / UDP(sport=P1, dport=53)
    b.case("in ICMPv6 parameter problem code 2: dropped", "in", p, expect(TC_SHOT))
    b.stats("drop reasons in", {"drop_port_in": 2, "drop_foreign": 1, "drop_spoof": 1,
                                "drop_v6_exthdr": 1, "drop_icmp_frag": 1, "drop_bad_csum": 1,
                                "drop_not_host": 1, "drop_icmp_type": 1})
    p = e6() / IPv6(src=REMOTE6, dst="2001:db8:1::99") / UDP(sport=53, dport=P1) / PAY
    b.case("in IPv6 to another address passes untouched", "in", p, unchanged(p))
    p = e6() / IPv6(src="fe80::1", dst=LOCAL6) / ICMPv6ND_NS(tgt=LOCAL6)
    b.case("in neighbour solicitation for our address passes", "in", p, unchanged(p))
    p = e4() / IP(src=REMOTE, dst=V4) / UDP(sport=53, dport=P1)
    b.case("in IPv4 on the WAN passes untouched", "in", p, unchanged(p))

    b.raw("reconcile: the same spec again writes nothing", "sync",
          lambda name, got: tap(got == "rc=0 cfg=0 added=0 deleted=0", name, got))

    # fuzz both programs from a few seeds: the run succeeds, the verdict is ours
    seeds = [("out", e4() / IP(src=V4, dst=REMOTE) / UDP(sport=P1, dport=53, chksum=0) / PAY),
             ("out", e4() / IP(src=V4, dst=REMOTE) / ICMP(type=3, code=4) / IP(src=REMOTE, dst=V4) / UDP(sport=53, dport=P1) / PAY),
             ("in", e6() / IPv6(src=REMOTE6, dst=LOCAL6) / ICMPv6PacketTooBig() / IPv6(src=LOCAL6, dst=REMOTE6) / TCP(sport=P1, dport=80)),
             ("in", e6() / IPv6(src=PEER6, dst=LOCAL6) / IPv6ExtHdrFragment(nh=17, m=1) / UDP(sport=PEER_PORT, dport=P1) / PAY)]
    for i, (prog, s) in enumerate(seeds):
        b.raw("fuzz %s seed %d: 3000 mutations, no error, only our verdicts" % (prog, i),
              "fuzz %s 3000 %d %s" % (prog, i + 1, bytes(s).hex()),
              lambda name, got: tap(got == "fuzz 3000 ok", name, got))
    b.run()


# ---- 464XLAT CLAT, every RFC 6052 prefix length -----------------------------------
CLAT4 = "192.0.0.1"
CLAT6 = "2001:db8:1:2::c1a7"
DST4 = "198.51.100.20"


def clat_batch(pref, plen):
    b = Batch("clat /%d" % plen, ["--mode", "clat", "--v4", CLAT4, "--local6", CLAT6,
                                  "--pref", "%s/%d" % (pref, plen), "--wan", "2",
                                  "--dev", "3", "--mac", DEV_MAC])
    dst6 = rfc6052(pref, plen, DST4)
    p = e4() / IP(src=CLAT4, dst=DST4) / TCP(sport=40000, dport=80, flags="S") / PAY
    b.case("out TCP -> NAT64 prefix", "out", p, expect(
        TC_REDIRECT, eo() / IPv6(src=CLAT6, dst=dst6, hlim=64) / TCP(sport=40000, dport=80, flags="S") / PAY))
    p = e4() / IP(src=CLAT4, dst=DST4) / ICMP(type=8, id=99, seq=1) / PAY
    b.case("out ICMP echo", "out", p, expect(
        TC_REDIRECT, eo() / IPv6(src=CLAT6, dst=dst6, hlim=64) / ICMPv6EchoRequest(id=99, seq=1, data=PAY)))
    p = e4() / IP(src=CLAT4, dst=DST4, proto=47) / Raw(b"\x00\x00\x08\x00" + PAY)
    b.case("out GRE: header only (no ports, no port set)", "out", p, expect(
        TC_REDIRECT, eo() / IPv6(src=CLAT6, dst=dst6, hlim=64, nh=47) / Raw(b"\x00\x00\x08\x00" + PAY)))
    p = e6() / IPv6(src=dst6, dst=CLAT6) / UDP(sport=53, dport=40000) / PAY
    b.case("in UDP from the NAT64 prefix", "in", p, expect(
        TC_REDIRECT, ei() / IP(src=DST4, dst=CLAT4, ttl=64) / UDP(sport=53, dport=40000) / PAY, same_id, DEV_MAC))
    p = e6() / IPv6(src=dst6, dst=CLAT6) / ICMPv6EchoReply(id=99, seq=1, data=PAY)
    b.case("in ICMPv6 echo reply", "in", p, expect(
        TC_REDIRECT, ei() / IP(src=DST4, dst=CLAT4, ttl=64) / ICMP(type=0, id=99, seq=1) / PAY, same_id))
    p = e6() / IPv6(src="3fff:77::1", dst=CLAT6) / UDP(sport=53, dport=40000) / PAY
    b.case("in from outside the NAT64 prefix: dropped", "in", p, expect(TC_SHOT))
    p = e4() / IP(src="192.168.1.5", dst=DST4) / UDP(sport=1, dport=2)
    b.case("out source not 192.0.0.1 (not NAT44'd): dropped", "out", p, expect(TC_SHOT))
    b.stats("counters", {"out_ok": 3, "in_ok": 2, "drop_foreign": 1, "drop_src": 1})
    b.run()


def main():
    set_tool(TOOL)
    mapt_batch()
    for pref, plen in [("2001:db8:64::", 96), ("2001:db8:6400::", 64), ("2001:db8:64::", 56),
                       ("2001:db8:64::", 48), ("2001:db8:6400::", 40), ("2001:db8::", 32)]:
        clat_batch(pref, plen)
    # a bad spec is refused before anything loads, naming the bad value
    base = ["--mode", "mapt", "--v4", V4, "--local6", LOCAL6, "--pref", "%s/%d" % (DMR, DMRLEN)]
    for args, needle, name in [
            (["--mode", "clat", "--v4", CLAT4, "--local6", CLAT6, "--pref", "2001:db8::/60"],
             "/60", "a /60 NAT64 prefix"),
            (base + ["--psid", "6/8/300"], "psid 300", "a PSID wider than its length"),
            (base + ["--psid", "10/8/1"], "offset 10 length 8", "offset + PSID length over 16 bits"),
            (base + ["--fmr", "203.0.113.0/24,2001:db8::/56,16,6"], "FMR 0", "an FMR past the /64"),
            (base + ["--fmr", "203.0.113.0/24,2001:db8::/40,6,6"], "FMR 0", "an FMR with fewer EA bits than its IPv4 suffix"),
            (["--mode", "clat", "--v4", CLAT4, "--local6", CLAT6, "--pref", "2001:db8:64::/96",
              "--psid", "0/4/1"], "CLAT", "a CLAT with a port set")]:
        p = subprocess.run([TOOL] + args, input="", capture_output=True, text=True,
                           timeout=30, check=False)
        tap(p.returncode == 1 and needle in p.stderr, "refused: %s" % name, p.stderr)
    return done()


if __name__ == "__main__":
    sys.exit(main())
