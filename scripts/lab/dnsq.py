#!/usr/bin/python3
"""dnsq.py SERVER NAME TYPE [--timeout S] -- one DNS query over UDP.

Lab scaffolding (no dig on the host): prints the rcode, then one line per
answer of the asked type (AAAA/A as addresses, TXT as the joined strings).
Exit 0 with answers, 1 on NXDOMAIN or no data, 2 on timeout or failure.
"""
import random
import socket
import struct
import sys

TYPES = {"A": 1, "AAAA": 28, "TXT": 16}
RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}


def skip_name(msg, off):
    while True:
        n = msg[off]
        if n == 0:
            return off + 1
        if n & 0xC0 == 0xC0:
            return off + 2
        off += 1 + n


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    timeout = 2.0
    if "--timeout" in sys.argv:
        timeout = float(sys.argv[sys.argv.index("--timeout") + 1])
        args.remove(sys.argv[sys.argv.index("--timeout") + 1])
    server, name, qtype = args[0], args[1], TYPES[args[2].upper()]
    qid = random.randrange(65536)
    q = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    q += b"".join(bytes([len(p)]) + p.encode() for p in name.rstrip(".").split(".")) + b"\0"
    q += struct.pack("!HH", qtype, 1)
    fam = socket.AF_INET6 if ":" in server else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    try:
        s.sendto(q, (server, 53))
        while True:
            msg, _ = s.recvfrom(4096)
            if struct.unpack("!H", msg[:2])[0] == qid:
                break
    except OSError as e:
        print("error=%s" % e)
        return 2
    flags, qd, an = struct.unpack("!HHH", msg[2:8])
    rcode = flags & 0xF
    print("rcode=%s" % RCODES.get(rcode, rcode))
    off = 12
    for _ in range(qd):
        off = skip_name(msg, off) + 4
    found = 0
    for _ in range(an):
        off = skip_name(msg, off)
        rtype, _, _, rdlen = struct.unpack("!HHIH", msg[off:off + 10])
        rdata = msg[off + 10:off + 10 + rdlen]
        off += 10 + rdlen
        if rtype != qtype:
            continue
        found += 1
        if rtype == 28:
            print(socket.inet_ntop(socket.AF_INET6, rdata))
        elif rtype == 1:
            print(socket.inet_ntop(socket.AF_INET, rdata))
        else:
            parts, i = [], 0
            while i < len(rdata):
                parts.append(rdata[i + 1:i + 1 + rdata[i]].decode(errors="replace"))
                i += 1 + rdata[i]
            print("".join(parts))
    return 0 if rcode == 0 and found else 1


if __name__ == "__main__":
    sys.exit(main())
