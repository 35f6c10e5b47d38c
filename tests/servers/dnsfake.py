#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A resolver that fails on purpose, for HB46PP Q3 tests (UDP only).

  dnsfake.py --listen ADDR --port N --mode MODE [--ready F] [--log F]

MODE servfail | refused: answer every query with that RCODE, the question
copied, no records. silent: read queries and never answer. garbage: answer
with bytes that are not a DNS message for that query.
"""
import argparse
import os
import socket
import struct

RCODE = {"servfail": 2, "refused": 5}


def question_end(q):
    """Offset just past the first question (name, type, class), or None."""
    i = 12
    while i < len(q):
        n = q[i]
        if n == 0:
            return i + 5 if i + 5 <= len(q) else None
        if n & 0xC0:
            return None  # a query's name is never compressed
        i += 1 + n
    return None


def answer(q, mode):
    if mode == "garbage":
        return q[:2] + b"\xff" * 9
    end = question_end(q)
    if len(q) < 12 or end is None:
        return None
    flags = struct.unpack("!H", q[2:4])[0]
    # QR, the query's opcode and RD, RA, the RCODE.
    rflags = 0x8000 | (flags & 0x7900) | 0x0080 | RCODE[mode]
    return q[:2] + struct.pack("!HHHHH", rflags, 1, 0, 0, 0) + q[12:end]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--listen", required=True)
    p.add_argument("--port", type=int, default=53)
    p.add_argument("--mode", required=True,
                   choices=["servfail", "refused", "silent", "garbage"])
    p.add_argument("--ready")
    p.add_argument("--log")
    a = p.parse_args()
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.bind((a.listen, a.port))
    if a.ready:
        with open(a.ready, "w", encoding="utf-8") as f:
            f.write("%d\n" % os.getpid())
    while True:
        q, peer = s.recvfrom(4096)
        if a.log:
            with open(a.log, "a", encoding="utf-8") as f:
                f.write("%s %s query\n" % (a.mode, peer[0]))
        if a.mode == "silent":
            continue
        r = answer(q, a.mode)
        if r:
            s.sendto(r, peer)


if __name__ == "__main__":
    main()
