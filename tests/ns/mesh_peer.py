#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Traffic ends for tests/ns/test_mesh_e2e.sh (bounded in time):
  recv PORT WAN SECS         one UDP datagram on PORT; prints
                             "from=IP:PORT outer=IPV6" (outer: the IPv6 source
                             of the IPv4-in-IPv6 frame seen on WAN carrying
                             it), or "none"
  send SRC SPORT DST DPORT   one UDP datagram from SRC:SPORT
  echo PORT SECS             answer one UDP datagram on PORT, back to its sender
  ask SRC SPORT DST DPORT    send one, print the answer "from=IP:PORT DATA" or "none"
  tcp-serve PORT SECS        accept one TCP connection, print "bytes=N sha=H"
  tcp-send SRC SPORT DST DPORT N   send N pseudo-random bytes, print "sha=H"
  forge SMAC DMAC WAN SRC6 DST6 SRC4 SPORT DST4 DPORT
                             inject one IPv4-in-IPv6 frame on WAN"""
import hashlib
import socket
import struct
import sys
import threading
import time


def udp(src=None, sport=0):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((src or "0.0.0.0", sport))
    return s


def sniff_outer(wan, port, secs, out):
    """The outer IPv6 source of the first IPv4-in-IPv6 UDP frame to port."""
    r = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))  # ETH_P_ALL: a tap before tc ingress
    r.bind((wan, 0))
    r.settimeout(0.2)
    end = time.time() + secs
    while time.time() < end and not out:
        try:
            f = r.recv(2048)
        except socket.timeout:
            continue
        if len(f) < 14 + 40 + 28 or f[12:14] != b"\x86\xdd" or f[14 + 6] != 4:
            continue
        ihl = (f[54] & 15) * 4
        if f[54 + 9] == 17 and struct.unpack("!H", f[54 + ihl + 2:54 + ihl + 4])[0] == port:
            out.append(socket.inet_ntop(socket.AF_INET6, f[22:38]))


def main(a):
    cmd = a[0]
    if cmd == "recv":
        port, wan, secs = int(a[1]), a[2], float(a[3])
        outer = []
        t = threading.Thread(target=sniff_outer, args=(wan, port, secs, outer))
        t.start()
        s = udp(sport=port)
        s.settimeout(secs)
        try:
            _, (ip, p) = s.recvfrom(2048)
        except socket.timeout:
            print("none")
            t.join()
            return 0
        t.join()
        print("from=%s:%d outer=%s" % (ip, p, outer[0] if outer else "?"))
    elif cmd == "send":
        udp(a[1], int(a[2])).sendto(b"mesh hello", (a[3], int(a[4])))
    elif cmd == "echo":
        s = udp(sport=int(a[1]))
        s.settimeout(float(a[2]))
        try:
            d, addr = s.recvfrom(2048)
            s.sendto(b"echo:" + d, addr)
        except socket.timeout:
            pass
    elif cmd == "ask":
        s = udp(a[1], int(a[2]))
        s.settimeout(3)
        for _ in range(3):
            s.sendto(b"ping", (a[3], int(a[4])))
            try:
                d, (ip, p) = s.recvfrom(2048)
                print("from=%s:%d %s" % (ip, p, d.decode()))
                return 0
            except socket.timeout:
                continue
        print("none")
    elif cmd == "tcp-serve":
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("0.0.0.0", int(a[1])))
        s.listen(1)
        s.settimeout(float(a[2]))
        c, _ = s.accept()
        c.settimeout(float(a[2]))
        h, n = hashlib.sha256(), 0
        while True:
            d = c.recv(65536)
            if not d:
                break
            h.update(d)
            n += len(d)
        print("bytes=%d sha=%s" % (n, h.hexdigest()[:16]))
    elif cmd == "tcp-send":
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((a[1], int(a[2])))
        s.settimeout(10)
        s.connect((a[3], int(a[4])))
        n, h, seed = int(a[5]), hashlib.sha256(), b"v6mig"
        sent = 0
        while sent < n:
            seed = hashlib.sha256(seed).digest()
            chunk = (seed * 2048)[:min(65536, n - sent)]
            s.sendall(chunk)
            h.update(chunk)
            sent += len(chunk)
        s.close()
        print("sha=%s" % h.hexdigest()[:16])
    elif cmd == "forge":
        from scapy.all import IP, UDP, Ether, IPv6, conf, sendp  # pylint: disable=import-outside-toplevel
        conf.verb = 0
        smac, dmac, wan, src6, dst6, src4, sport, dst4, dport = a[1:10]
        sendp(Ether(src=smac, dst=dmac) / IPv6(src=src6, dst=dst6) /
              IP(src=src4, dst=dst4) / UDP(sport=int(sport), dport=int(dport)) / b"forged",
              iface=wan)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
