#!/usr/bin/python3
"""ra_send.py IFACE PREFIX/64 [LIFETIME]: one router advertisement (RFC 4861
4.2) on IFACE to ff02::1 with one prefix information option (on-link,
autonomous), for the watcher tests. Run in the router's namespace (root).
The kernel fills in the ICMPv6 checksum of a raw ICMPv6 socket."""
import ipaddress
import socket
import struct
import sys

ifname, pfx = sys.argv[1], ipaddress.IPv6Network(sys.argv[2])
life = int(sys.argv[3]) if len(sys.argv) > 3 else 7200
ra = struct.pack("!BBHBBHII", 134, 0, 0, 64, 0, 0, 0, 0)  # router lifetime 0
pio = struct.pack("!BBBBIII", 3, 4, pfx.prefixlen, 0xC0, life, life // 2, 0) + pfx.network_address.packed
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, ifname.encode())
s.sendto(ra + pio, ("ff02::1", 0, 0, socket.if_nametoindex(ifname)))
