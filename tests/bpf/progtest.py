# SPDX-License-Identifier: MIT
"""Shared by the BPF_PROG_TEST_RUN tests (tests/bpf/*_test.py): TAP output,
a batch of packets answered by one run of a test tool (tests/tools/*_run:
one command a line, one answer a line), and the checks of an answer."""
import ipaddress
import subprocess

from scapy.all import Ether

TC_OK, TC_SHOT, TC_REDIRECT = 0, 2, 7

_n = 0
_failed = 0
_tool = None


def set_tool(path):
    """The test tool every Batch runs."""
    global _tool
    _tool = path


def tap(good, name, diag=None):
    global _n, _failed
    _n += 1
    print(("ok %d - %s" if good else "not ok %d - %s") % (_n, name))
    if not good:
        _failed += 1
        for line in (diag or "").splitlines():
            print("#   " + line)


def done():
    """The plan line; the exit status."""
    print("1..%d" % _n)
    return 1 if _failed else 0


def run_tool(args, lines, timeout=120):
    p = subprocess.run([_tool] + args, input="".join(l + "\n" for l in lines),
                       capture_output=True, text=True, timeout=timeout, check=False)
    if p.returncode != 0:
        tap(False, "%s %s" % (_tool, " ".join(args)[:200]), p.stderr)
        return None
    return p.stdout.splitlines()


class Batch:
    """Queue packets and checks; one tool run answers them all."""

    def __init__(self, name, args):
        self.name, self.args, self.cases = name, args, []

    def case(self, name, prog, pkt, check):
        self.cases.append((name, "%s %s" % (prog, bytes(pkt).hex()), check))

    def stats(self, name, want, exact=False):
        """The counters named in want have those values (the others 0
        when exact)."""
        self.cases.append((name, "stats", (want, exact)))

    def raw(self, name, line, check):
        self.cases.append((name, line, check))

    def run(self):
        out = run_tool(self.args, [c[1] for c in self.cases])
        if out is None:
            return
        if len(out) != len(self.cases):
            tap(False, self.name + ": one answer per command", "\n".join(out[-5:]))
            return
        for (name, line, check), got in zip(self.cases, out):
            full = "%s: %s" % (self.name, name)
            if line == "stats":
                want, exact = check
                have = dict(kv.split("=") for kv in got.split())
                bad = {k: v for k, v in want.items() if have.get(k, "0") != str(v)}
                extra = {k: v for k, v in have.items() if exact and k not in want}
                tap(not bad and not extra, full, "counters %s, want %s" % (got, want))
            elif callable(check):
                check(full, got)


# ---- address arithmetic, from the RFCs ------------------------------------

def a6(s):
    return int(ipaddress.IPv6Address(s))


def s6(i):
    return str(ipaddress.IPv6Address(i))


def a4(s):
    return int(ipaddress.IPv4Address(s))


def psid_of(port, a, k):
    """RFC 7597 5.1: the k bits after the first a bits of the port."""
    return (port >> (16 - a - k)) & ((1 << k) - 1) if k else 0


def parse(got):
    ret, _, hexs = got.partition(" ")
    return int(ret), bytes.fromhex(hexs)


def expect(ret_want, want=None, fix=None, mac=None, also=None):
    """A check: the verdict, and (when want) the packet from the Ethernet
    type on; fix(got_bytes, want_pkt) copies a field the program may
    choose freely; mac: the destination MAC the frame must carry; also(got
    bytes) -> None or a complaint, for a further check."""
    def check(name, got):
        if got.startswith("error"):
            tap(False, name, got)
            return
        ret, pkt = parse(got)
        if ret != ret_want:
            tap(False, name, "verdict %d, want %d" % (ret, ret_want))
            return
        if want is None:
            tap(True, name)
            return
        w = fix(pkt, want.copy()) if fix else want
        wb = bytes(w)
        diag = "got  %s\nwant %s" % (pkt[12:].hex(), wb[12:].hex())
        if pkt[12:] != wb[12:]:
            try:
                diag += "\n" + Ether(pkt).show2(dump=True)
            except Exception:  # pylint: disable=broad-except
                pass
            tap(False, name, diag)
        elif mac and pkt[:6] != bytes.fromhex(mac.replace(":", "")):
            tap(False, name, "destination MAC %s, want %s" % (pkt[:6].hex(), mac))
        elif also and also(pkt):
            tap(False, name, also(pkt))
        else:
            tap(True, name)
    return check


def unchanged(orig):
    def check(name, got):
        ret, pkt = parse(got)
        tap(ret == TC_OK and pkt == bytes(orig), name,
            "verdict %d, packet %s" % (ret, "same" if pkt == bytes(orig) else "changed"))
    return check
