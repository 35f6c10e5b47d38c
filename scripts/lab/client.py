#!/usr/bin/python3
"""client.py -- the lan host's side of the inet servers (lab scaffolding).

  client.py tcp HOST PORT [--timeout S]     prints "you are IP:PORT"
  client.py udp HOST PORT [--timeout S]     the same over UDP (3 tries)
  client.py tcp-many HOST PORT N [--timeout S] [--hold S]
        N connections at once; prints {"ok": k, "failed": N-k, "seen":
        ["IP:PORT", ...]} once every connection answered or failed (or the
        timeout passed), holds them --hold seconds, then closes them all.
  client.py udp-multi HOST PORT... [--timeout S]
        one UDP socket to several ports; prints {"seen": [...]} in order.
  client.py probe HOST PORT --seen LOG [--timeout S]
        TCP, UDP and one ICMP echo, one line each: "tcp IP:PORT",
        "udp IP:PORT", "icmp IP:ID" -- what the inet server answered, and
        for the echo what inet.py noted in LOG (its seen.log) -- or
        "PROTO FAIL reason". One process for what would be three: in a
        TCG VM every exec is dear.
tcp-many --ports "lo-hi ..." adds "outside": how many seen ports are not
in those ranges.
Exit 0 when every answer came, 1 otherwise.
"""
import json
import os
import random
import select
import socket
import struct
import sys
import time


def opt(args, name, default):
    if name in args:
        i = args.index(name)
        v = float(args[i + 1])
        del args[i:i + 2]
        return v
    return default


def sval(args, name):
    if name in args:
        i = args.index(name)
        v = args[i + 1]
        del args[i:i + 2]
        return v
    return None


def tcp(host, port, timeout):
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.shutdown(socket.SHUT_WR)
        return s.makefile().readline().strip()


def udp_one(s, host, port, timeout):
    for _ in range(3):
        s.sendto(b"hello\n", (host, port))
        r, _, _ = select.select([s], [], [], timeout / 3)
        if r:
            return s.recv(2048).decode().strip()
    raise TimeoutError("no UDP answer from %s:%d" % (host, port))


def checksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def icmp_echo(host, seen_log, timeout):
    """One echo request with a random id and seq; the reply, then the line
    inet.py wrote for that seq (the id after NAT is what inet saw)."""
    ident, seq = random.randrange(1, 65536), random.randrange(1, 65536)
    hdr = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
    payload = b"v6lab-probe-%d" % os.getpid()
    pkt = struct.pack("!BBHHH", 8, 0, checksum(hdr + payload), ident, seq) + payload
    with socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP) as s:
        s.sendto(pkt, (host, 0))
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([s], [], [], left)[0]:
                raise TimeoutError("no echo reply from %s" % host)
            data, addr = s.recvfrom(2048)
            ihl = (data[0] & 0xF) * 4
            if addr[0] == host and data[ihl] == 0 and struct.unpack("!HH", data[ihl + 4:ihl + 8]) == (ident, seq):
                break
    while time.monotonic() < deadline:
        with open(seen_log) as f:
            for line in reversed(f.readlines()):
                ev = json.loads(line)
                if ev["proto"] == "icmp" and ev.get("seq") == seq and ev["dst"] == host:
                    return "%s:%d" % (ev["src"], ev["sport"])
        time.sleep(0.05)
    raise TimeoutError("inet noted no echo with seq %d" % seq)


def probe(host, port, seen_log, timeout):
    good = True
    for proto in ("tcp", "udp", "icmp"):
        try:
            if proto == "tcp":
                line = tcp(host, port, timeout).replace("you are ", "")
            elif proto == "udp":
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                    line = udp_one(s, host, port, timeout).replace("you are ", "")
            else:
                line = icmp_echo(host, seen_log, timeout)
        except (OSError, TimeoutError, ValueError) as e:
            line, good = "FAIL %s" % e, False
        print(proto, line, flush=True)
    return good


def outside(seen, ranges):
    r = [tuple(map(int, x.split("-"))) for x in ranges.split()]
    return sum(1 for s in seen if not any(lo <= int(s.rsplit(":", 1)[1]) <= hi for lo, hi in r))


def tcp_many(host, port, n, timeout, hold, ports=None):
    deadline = time.monotonic() + timeout
    pending, done, seen = {}, [], []
    for _ in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        s.connect_ex((host, port))
        pending[s.fileno()] = [s, b""]
    poll = select.poll()
    for fd in pending:
        poll.register(fd, select.POLLIN)
    while pending and time.monotonic() < deadline:
        for fd, ev in poll.poll(max(1, int((deadline - time.monotonic()) * 1000))):
            s, buf = pending[fd]
            try:
                chunk = s.recv(256)
            except OSError:
                chunk = b""
            buf += chunk
            if b"\n" in buf or not chunk:
                poll.unregister(fd)
                del pending[fd]
                done.append(s)
                if b"\n" in buf:
                    seen.append(buf.split(b"\n")[0].decode().replace("you are ", ""))
            else:
                pending[fd][1] = buf
    out = {"ok": len(seen), "failed": n - len(seen),
           "distinct": len(set(seen)), "seen": seen}
    if ports is not None:
        out["outside"] = outside(seen, ports)
    print(json.dumps(out), flush=True)
    time.sleep(hold)
    for s in done + [p[0] for p in pending.values()]:
        s.close()
    return len(seen) == n


def main():
    args = sys.argv[1:]
    timeout = opt(args, "--timeout", 5.0)
    hold = opt(args, "--hold", 0.0)
    ports = sval(args, "--ports")
    seen_log = sval(args, "--seen")
    cmd = args[0]
    try:
        if cmd == "tcp":
            print(tcp(args[1], int(args[2]), timeout))
        elif cmd == "udp":
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                print(udp_one(s, args[1], int(args[2]), timeout))
        elif cmd == "tcp-many":
            return 0 if tcp_many(args[1], int(args[2]), int(args[3]), timeout, hold, ports) else 1
        elif cmd == "probe":
            return 0 if probe(args[1], int(args[2]), seen_log, timeout) else 1
        elif cmd == "udp-multi":
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                seen = [udp_one(s, args[1], int(p), timeout).replace("you are ", "") for p in args[2:]]
            print(json.dumps({"seen": seen}))
        else:
            print(__doc__, file=sys.stderr)
            return 2
    except (OSError, TimeoutError) as e:
        print("client: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
