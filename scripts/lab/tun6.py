#!/usr/bin/python3
"""tun6.py NAME LOCAL REMOTE MTU -- a user-space IPv4-in-IPv6 tunnel.

Lab scaffolding for kernels built without ip6_tunnel (the development
host): a TUN device NAME carries IPv4; each packet goes out as the payload
of an IPv6 packet LOCAL -> REMOTE with next header 4 (RFC 2473), hop limit
64, no destination options (so no encapsulation limit), exactly what an
ip6tnl `mode ipip6 encaplimit none hoplimit 64` puts on the wire. A raw
IPv6 socket bound to LOCAL and connected to REMOTE receives only that
pair's packets. The device lives as long as this process; SIGTERM ends it.
"""
import fcntl
import os
import select
import signal
import socket
import struct
import sys

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000
IPPROTO_IPIP = 4
IPV6_FREEBIND = 78  # bind before the address is configured (linux/in6.h)


def main():
    name, local, remote, mtu = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    tun = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(tun, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    ctl = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    # SIOCSIFMTU: struct ifreq { char name[16]; int mtu; }
    fcntl.ioctl(ctl, 0x8922, struct.pack("16si", name.encode(), mtu))
    ctl.close()
    raw = socket.socket(socket.AF_INET6, socket.SOCK_RAW, IPPROTO_IPIP)
    raw.setsockopt(socket.IPPROTO_IPV6, IPV6_FREEBIND, 1)
    raw.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, 64)
    raw.bind((local, 0))
    raw.connect((remote, 0))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    poll = select.poll()
    poll.register(tun, select.POLLIN)
    poll.register(raw, select.POLLIN)
    while True:
        for fd, _ in poll.poll():
            if fd == tun:
                pkt = os.read(tun, 65535)
                if pkt and pkt[0] >> 4 == 4:
                    try:
                        raw.send(pkt)
                    except OSError:
                        pass  # unreachable, too big: the kernel already said so
            else:
                try:
                    pkt = raw.recv(65535)
                except OSError:
                    continue
                if pkt and pkt[0] >> 4 == 4:
                    os.write(tun, pkt)


if __name__ == "__main__":
    main()
