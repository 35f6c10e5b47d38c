#!/usr/bin/python3
"""ra_send.py IFACE HOPLIMIT PREFIX/LEN... -- one router advertisement (RFC
4861 4.2) to ff02::1 on IFACE, router lifetime 0 (no default route), Cur
Hop Limit HOPLIMIT (the receiver's net.ipv6.conf.IFACE.hop_limit follows
it: a sign the RA was taken, even when nothing else shows), with one
prefix information option (4.6.2) per PREFIX: on-link, not autonomous (so
the receiver adds no address), valid 3600 s, preferred 1800 s; PREFIX/LEN+a
sets the autonomous flag too (the receiver makes a SLAAC address). Test
helper for the netlink watcher (tests/ns/test_watch_ra.sh)."""
import ipaddress
import socket
import struct
import sys


def main():
    ifname, hop, prefixes = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    idx = socket.if_nametoindex(ifname)
    ra = struct.pack("!BBHBBHII", 134, 0, 0, hop, 0, 0, 0, 0)
    for p in prefixes:
        auto = p.endswith("+a")
        net = ipaddress.IPv6Network(p[:-2] if auto else p)
        flags = 0xC0 if auto else 0x80  # L, and A when asked
        ra += struct.pack("!BBBBIII", 3, 4, net.prefixlen, flags, 3600, 1800, 0)
        ra += net.network_address.packed
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    # The kernel fills in the ICMPv6 checksum on raw ICMPv6 sockets (RFC 3542 3.1).
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, idx)
    s.sendto(ra, ("ff02::1", 0, 0, idx))
    return 0


if __name__ == "__main__":
    sys.exit(main())
