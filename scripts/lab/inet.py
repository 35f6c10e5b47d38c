#!/usr/bin/python3
"""inet.py LOG READY PORT... -- the IPv4 Internet's servers: they say what they see.

TCP on each PORT: writes "you are IP:PORT\\n" (the source as seen here),
then keeps the connection until the client closes it (at most 600 s), so a
client can hold many at once. UDP on each PORT: answers every datagram
with the same line. ICMP: a raw socket notes every echo request (the
kernel answers it). Each event is one JSON line in LOG:
{"t", "proto": "tcp"|"udp"|"icmp", "src", "sport" (the ICMP id for icmp),
"dst", "dport"}.
"""
import json
import select
import socket
import struct
import sys
import threading
import time

HOLD_MAX = 600
lock = threading.Lock()


def note(log, **ev):
    ev["t"] = round(time.time(), 3)
    with lock:
        log.write(json.dumps(ev) + "\n")
        log.flush()


def tcp_conn(log, conn, peer, port):
    dst = conn.getsockname()[0]
    note(log, proto="tcp", src=peer[0], sport=peer[1], dst=dst, dport=port)
    conn.settimeout(HOLD_MAX)
    try:
        conn.sendall(("you are %s:%d\n" % peer).encode())
        while conn.recv(4096):
            pass
    except OSError:
        pass
    conn.close()


def main():
    log = open(sys.argv[1], "a")
    ports = [int(p) for p in sys.argv[3:]]
    socks = {}
    for port in ports:
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        t.bind(("0.0.0.0", port))
        t.listen(1024)
        socks[t.fileno()] = ("tcp", t, port)
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.setsockopt(socket.IPPROTO_IP, 8, 1)  # IP_PKTINFO: the address asked
        u.bind(("0.0.0.0", port))
        socks[u.fileno()] = ("udp", u, port)
    icmp = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    socks[icmp.fileno()] = ("icmp", icmp, 0)
    poll = select.poll()
    for fd in socks:
        poll.register(fd, select.POLLIN)
    print("inet: tcp+udp on %s, icmp noted" % " ".join(map(str, ports)), flush=True)
    open(sys.argv[2], "w").close()  # READY: every socket is bound
    while True:
        for fd, _ in poll.poll():
            kind, s, port = socks[fd]
            if kind == "tcp":
                conn, peer = s.accept()
                threading.Thread(target=tcp_conn, args=(log, conn, peer, port), daemon=True).start()
            elif kind == "udp":
                data, anc, _, peer = s.recvmsg(2048, 64)
                dst = "?"
                for level, typ, val in anc:
                    if level == socket.IPPROTO_IP and typ == 8:  # in_pktinfo
                        dst = socket.inet_ntoa(val[8:12])
                note(log, proto="udp", src=peer[0], sport=peer[1], dst=dst, dport=port)
                s.sendmsg([("you are %s:%d\n" % peer).encode()], [], 0, peer)
            else:
                pkt = s.recv(65535)
                ihl = (pkt[0] & 0xF) * 4
                if len(pkt) >= ihl + 8 and pkt[ihl] == 8:  # echo request
                    ident, seq = struct.unpack("!HH", pkt[ihl + 4:ihl + 8])
                    note(log, proto="icmp", src=socket.inet_ntoa(pkt[12:16]), sport=ident,
                         dst=socket.inet_ntoa(pkt[16:20]), dport=0, seq=seq)


if __name__ == "__main__":
    main()
