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
Exit 0 when every answer came, 1 otherwise.
"""
import json
import select
import socket
import sys
import time


def opt(args, name, default):
    if name in args:
        i = args.index(name)
        v = float(args[i + 1])
        del args[i:i + 2]
        return v
    return default


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


def tcp_many(host, port, n, timeout, hold):
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
    print(json.dumps({"ok": len(seen), "failed": n - len(seen), "seen": seen}), flush=True)
    time.sleep(hold)
    for s in done + [p[0] for p in pending.values()]:
        s.close()
    return len(seen) == n


def main():
    args = sys.argv[1:]
    timeout = opt(args, "--timeout", 5.0)
    hold = opt(args, "--hold", 0.0)
    cmd = args[0]
    try:
        if cmd == "tcp":
            print(tcp(args[1], int(args[2]), timeout))
        elif cmd == "udp":
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                print(udp_one(s, args[1], int(args[2]), timeout))
        elif cmd == "tcp-many":
            return 0 if tcp_many(args[1], int(args[2]), int(args[3]), timeout, hold) else 1
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
