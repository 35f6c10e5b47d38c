#!/usr/bin/python3
"""pingtrain.py HOST [--interval S] [--max S] [--until FILE] [--fresh-ids]

A continuous ICMP echo train to HOST (root: a raw socket), for the
end-to-end tests: how many echoes were lost while the CE was refreshed or
reconfigured, and how long the longest outage lasted.

Sends one echo every --interval seconds until FILE exists (or --max
seconds passed), then waits --linger seconds for the last replies and
prints one JSON line:
  sent, received, lost, interval_ms,
  outage_ms   the longest run of lost echoes, measured from the send time
              of the last answered echo before it to the first answered
              echo after it (0: nothing lost)
  lost_x_interval_ms   lost * interval
  first_lost, last_lost   sequence numbers (null: nothing lost)
  recovered   an echo after the last lost one was answered
--fresh-ids: every echo has its own identifier (a new flow for the CE's
NAT, as new connections are); default: one identifier (one flow, as ping).
"""
import argparse
import json
import os
import select
import socket
import struct
import sys
import time

# The lab client's Internet checksum (RFC 1071), one copy for both.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "scripts", "lab"))
from client import checksum  # noqa: E402


def echo(ident, seq):
    payload = b"v6t-e2e-pingtrain"
    hdr = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
    return struct.pack("!BBHHH", 8, 0, checksum(hdr + payload), ident, seq) + payload


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("--interval", type=float, default=0.1)
    ap.add_argument("--max", type=float, default=120.0)
    ap.add_argument("--until")
    ap.add_argument("--linger", type=float, default=1.5)
    ap.add_argument("--fresh-ids", action="store_true")
    a = ap.parse_args()

    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    base = (os.getpid() * 7919) & 0xFFFF
    sent = {}      # seq -> send time
    answered = set()
    t0 = time.monotonic()
    next_send = t0
    seq = 0
    stop_at = None
    while True:
        now = time.monotonic()
        if stop_at is None and (now - t0 >= a.max or (a.until and os.path.exists(a.until))):
            stop_at = now + a.linger
        if stop_at is not None and now >= stop_at:
            break
        if stop_at is None and now >= next_send:
            seq += 1
            ident = (base + seq) & 0xFFFF if a.fresh_ids else base
            try:
                s.sendto(echo(ident, seq & 0xFFFF), (a.host, 0))
            except OSError:
                pass  # no route for a moment: a lost echo
            sent[seq] = now
            next_send += a.interval
            if next_send < now:  # we were late: do not burst
                next_send = now + a.interval
        wait = max(0.0, (stop_at if stop_at is not None else next_send) - time.monotonic())
        r, _, _ = select.select([s], [], [], wait)
        if not r:
            continue
        pkt, _ = s.recvfrom(2048)
        ihl = (pkt[0] & 0x0F) * 4
        typ, _, _, ident, rseq = struct.unpack("!BBHHH", pkt[ihl:ihl + 8])
        if typ != 0:
            continue
        # Map the 16-bit sequence back to the train (it never wraps here).
        cand = [q for q in sent if q & 0xFFFF == rseq]
        if not cand:
            continue
        q = cand[-1]
        want = (base + q) & 0xFFFF if a.fresh_ids else base
        if ident == want:
            answered.add(q)

    lost = sorted(q for q in sent if q not in answered)
    outage = 0.0
    i = 0
    while i < len(lost):
        j = i
        while j + 1 < len(lost) and lost[j + 1] == lost[j] + 1:
            j += 1
        before, after = lost[i] - 1, lost[j] + 1
        start = sent[before] if before in sent else sent[lost[i]]
        end = sent[after] if after in answered else time.monotonic()
        outage = max(outage, end - start)
        i = j + 1
    out = {
        "sent": len(sent), "received": len(answered), "lost": len(lost),
        "interval_ms": round(a.interval * 1000),
        "outage_ms": round(outage * 1000),
        "lost_x_interval_ms": round(len(lost) * a.interval * 1000),
        "first_lost": lost[0] if lost else None,
        "last_lost": lost[-1] if lost else None,
        "recovered": not lost or (lost[-1] + 1) in answered,
    }
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
