#!/usr/bin/env python3
"""Traffic ends for tests/ns/test_nft_portset.sh. Every wait is bounded.

  tcp-server ADDR PORT OUT READY   accept, record peer ports, keep them open;
                                   after 3 s without a new connection (30 s
                                   at most) write {"ports": [...]} to OUT
  tcp-client ADDR PORT N WAIT DONE N concurrent connects; print how many
                                   completed within WAIT s; hold them open
                                   until the file DONE exists (30 s at most)
  udp-server PORT OUT READY ADDR.. one socket per address; record the source
                                   port each one sees; stop 2 s after the
                                   last datagram (20 s at most, or when
                                   OUT.stop exists)
  udp-client PORT ADDR..           one socket, 3 rounds of one datagram to
                                   every address
  icmp-listen OUT READY SECONDS SRC  raw ICMP: the ids of echo requests
                                   from SRC (stops early when OUT.stop exists)
  ranges OFFSET PSIDLEN PSID       RFC 7597 5.1 port ranges, one "lo hi" a line
  check-json SRC OFFSET PSIDLEN PSID  read `nft -j list table` on stdin; print
                                   the problems found (nothing when right):
                                   the set "ports", the 3 NAT maps and the
                                   ICMP id filter must hold every range
"""
import json
import os
import select
import socket
import struct
import sys
import time


def write_json(path, obj):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f)
    os.rename(tmp, path)


def touch(path):
    with open(path, "w"):
        pass


def tcp_server(addr, port, out, ready):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, int(port)))
    ls.listen(1024)
    ls.setblocking(False)
    touch(ready)
    conns, ports = [], []
    start = time.monotonic()
    last = None
    while time.monotonic() - start < 30:
        if last is not None and time.monotonic() - last > 3:
            break
        r, _, _ = select.select([ls], [], [], 0.2)
        if not r:
            continue
        while True:
            try:
                c, peer = ls.accept()
            except BlockingIOError:
                break
            conns.append(c)
            ports.append(peer[1])
            last = time.monotonic()
    write_json(out, {"ports": ports})
    for c in conns:
        c.close()


def tcp_client(addr, port, n, wait, done):
    socks = []
    for _ in range(int(n)):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        s.connect_ex((addr, int(port)))
        socks.append(s)
    pending = {s.fileno(): s for s in socks}
    ok = 0
    deadline = time.monotonic() + float(wait)
    while pending and time.monotonic() < deadline:
        _, w, _ = select.select([], list(pending.values()), [], 0.2)
        for s in w:
            if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
                ok += 1
            del pending[s.fileno()]
    print(ok, flush=True)
    deadline = time.monotonic() + 30
    while not os.path.exists(done) and time.monotonic() < deadline:
        time.sleep(0.1)
    for s in socks:
        s.close()


def udp_server(port, out, ready, *addrs):
    socks = {}
    for a in addrs:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((a, int(port)))
        socks[s] = a
    touch(ready)
    seen = {a: [] for a in addrs}
    start = time.monotonic()
    last = None
    while time.monotonic() - start < 20:
        if last is not None and time.monotonic() - last > 2:
            break
        r, _, _ = select.select(list(socks), [], [], 0.2)
        for s in r:
            _, peer = s.recvfrom(2048)
            seen[socks[s]].append(peer[1])
            last = time.monotonic()
        if os.path.exists(out + ".stop"):
            break
    write_json(out, seen)


def udp_client(port, *addrs):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for rnd in range(3):
        for a in addrs:
            s.sendto(b"v6mig %d" % rnd, (a, int(port)))
        time.sleep(0.05)
    s.close()


def icmp_listen(out, ready, seconds, src):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    touch(ready)
    ids = []
    end = time.monotonic() + float(seconds)
    while time.monotonic() < end:
        r, _, _ = select.select([s], [], [], 0.2)
        if not r:
            continue
        pkt = s.recv(2048)
        ihl = (pkt[0] & 0x0F) * 4
        typ, _, _, ident = struct.unpack("!BBHH", pkt[ihl:ihl + 6])
        if typ == 8 and socket.inet_ntoa(pkt[12:16]) == src:
            ids.append(ident)
        if os.path.exists(out + ".stop"):
            break
    write_json(out, {"ids": ids})


def ranges(offset, k, psid):
    """RFC 7597 5.1, computed here independently of the C code."""
    a, k, psid = int(offset), int(k), int(psid, 0)
    m = 16 - a - k
    first = 1 if a > 0 else 0
    return [((i << (16 - a)) | (psid << m), ((i << (16 - a)) | (psid << m)) + (1 << m) - 1)
            for i in range(first, 1 << a)]


def check_json(src, offset, k, psid):
    want = ranges(offset, k, psid)
    j = json.load(sys.stdin)["nftables"]
    problems = []
    sets = [x["set"] for x in j if "set" in x]
    ports = [s for s in sets if s["name"] == "ports"]
    if not ports:
        problems.append("no set ports")
    else:
        got = [tuple(e["range"]) if isinstance(e, dict) else (e, e)
               for e in ports[0].get("elem", [])]
        if sorted(got) != want:
            problems.append("set ports %s != %s" % (got, want))
    maps = 0
    for x in j:
        if "rule" not in x or x["rule"]["chain"] != "nat_out":
            continue
        for e in x["rule"]["expr"]:
            sn = e.get("snat")
            if not sn or not isinstance(sn.get("addr"), dict):
                continue
            elems = sn["addr"]["map"]["data"]["set"]
            got = {}
            for key, val in elems:
                ip, rng = val["concat"]
                got[key] = tuple(rng["range"]) if ip == src else None
            maps += 1
            if [got.get(i) for i in range(len(want))] != want or len(got) != len(want):
                problems.append("nat map %s != %s" % (got, want))
    if maps != 3:
        problems.append("%d port-range NAT maps, want 3 (tcp, icmp, udp)" % maps)
    icmp = 0
    for x in j:
        if "rule" not in x or x["rule"]["chain"] != "rx_filter":
            continue
        for e in x["rule"]["expr"]:
            m = e.get("match", {})
            if m.get("left") != {"payload": {"protocol": "icmp", "field": "id"}}:
                continue
            icmp += 1
            got = sorted(tuple(r["range"]) for r in m["right"]["set"])
            if m["op"] != "!=" or got != want:
                problems.append("icmp id filter %s %s != %s" % (m["op"], got, want))
    if icmp != 1:
        problems.append("%d icmp id filters, want 1" % icmp)
    for p in problems:
        print(p)


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "ranges":
        for lo, hi in ranges(*args):
            print(lo, hi)
        return
    {"tcp-server": tcp_server, "tcp-client": tcp_client,
     "udp-server": udp_server, "udp-client": udp_client,
     "icmp-listen": icmp_listen, "check-json": check_json}[cmd](*args)


if __name__ == "__main__":
    main()
