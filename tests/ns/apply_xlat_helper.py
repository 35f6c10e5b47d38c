#!/usr/bin/env python3
"""Traffic ends for tests/ns/test_apply_xlat.sh. Every wait is bounded.

  big-server ADDR PORT READY    UDP: answer each datagram with one of the
                                same size (the payload reversed); 30 s at most
  big-client ADDR PORT SIZE     send SIZE bytes, print "sent SIZE got N ok|bad"
                                (ok: the answer is the payload reversed)
  refused ADDR PORT             connected UDP socket to a closed port: print
                                "ECONNREFUSED" when the ICMP error came back
                                as that errno, else what happened
"""
import os
import socket
import sys


def big_server(addr, port, ready):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, int(port)))
    s.settimeout(30)
    open(ready, "w").close()
    try:
        while True:
            data, peer = s.recvfrom(65535)
            s.sendto(data[::-1], peer)
    except socket.timeout:
        pass


def big_client(addr, port, size):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3)
    data = os.urandom(int(size))
    for _ in range(3):
        s.sendto(data, (addr, int(port)))
        try:
            got, _ = s.recvfrom(65535)
        except socket.timeout:
            continue
        print("sent %d got %d %s" % (len(data), len(got),
                                     "ok" if got == data[::-1] else "bad"))
        return
    print("sent %d got nothing" % len(data))


def refused(addr, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3)
    s.connect((addr, int(port)))
    for _ in range(3):
        try:
            s.send(b"anyone?")
            s.recv(100)
            print("answered")
            return
        except ConnectionRefusedError:
            print("ECONNREFUSED")
            return
        except socket.timeout:
            continue
    print("timeout")


def main():
    a = sys.argv[1:]
    if a[:1] == ["big-server"]:
        big_server(*a[1:4])
    elif a[:1] == ["big-client"]:
        big_client(*a[1:4])
    elif a[:1] == ["refused"]:
        refused(*a[1:3])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
