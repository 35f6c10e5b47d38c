#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# metrics_check.py METRICS STATUS_JSON: read metrics.prom with the
# Prometheus client's own text parser (every family with HELP, every name
# v6mig_) and compare its values with status.json; prints "same (N samples)"
# or what differs. For tests/ns/test_ops.sh, test_ports.sh and
# test_xlat_daemon.sh (the translator's counters).
import json
import sys

from prometheus_client.parser import text_string_to_metric_families

text = open(sys.argv[1]).read()
st = json.load(open(sys.argv[2]))
m = {}
for fam in text_string_to_metric_families(text):
    assert fam.documentation, fam.name + ": no HELP"
    for s in fam.samples:
        assert s.name.startswith("v6mig_"), s.name
        m[(s.name, tuple(sorted(s.labels.items())))] = s.value


def v(name, **labels):
    return m.get((name, tuple(sorted(labels.items()))))


bad = []


def eq(what, got, want):
    if got != want:
        bad.append("%s: metrics %r, status %r" % (what, got, want))


def stamp_of(o, k):
    return None if o.get(k) is None else float(o[k])


def stamp(k):
    return stamp_of(st, k)


for state in ("starting", "configured", "unconfigured", "backoff", "stopped"):
    eq("state " + state, v("v6mig_state", state=state), 1.0 if st["state"] == state else 0.0)
if st["method"]:
    eq("method", v("v6mig_method", method=st["method"]), 1.0)
for cls, n in st["fetches"].items():
    eq("fetches " + cls, v("v6mig_fetches_total", **{"class": cls}), float(n))
eq("applies", v("v6mig_applies_total"), float(st["applies"]))
eq("kernel writes", v("v6mig_kernel_writes_total"), float(st["kernel_writes"]))
eq("last fetch", v("v6mig_last_fetch_timestamp_seconds"), stamp("last_fetch"))
eq("next check", v("v6mig_next_check_timestamp_seconds"), stamp("next_check"))
eq("ipv6_mostly", v("v6mig_ipv6_mostly"),
   None if st["ipv6_mostly"] is None else float(st["ipv6_mostly"]))
ports = st["ports"]
eq("port figures present", any(k[0].startswith("v6mig_ports_in") for k in m), ports is not None)
for proto in ("tcp", "udp", "icmp") if ports else ():
    eq(proto + " in use", v("v6mig_ports_in_use", protocol=proto), float(ports[proto]["in_use"]))
    eq(proto + " total", v("v6mig_ports_total", protocol=proto), float(ports[proto]["total"]))
    eq(proto + " high", v("v6mig_ports_high_water", protocol=proto), float(ports[proto]["high"]))


def reason(name):
    """metrics.c's reason label from a counter's status key."""
    for pre in ("out_", "in_"):
        if name.startswith(pre):
            name = name[len(pre):]
    for suf in ("_out", "_in"):
        if name.endswith(suf):
            name = name[:-len(suf)]
    return {"ok": "translated", "pass": "passed"}.get(name, name)


def direction(name):
    """the direction a key names, or None (the label says which program)."""
    if name.startswith("out_") or name.endswith("_out"):
        return "out"
    if name.startswith("in_") or name.endswith("_in"):
        return "in"
    return None


# The eBPF programs' counters: v6mig_<what>_packets_total{direction,reason},
# one series per status key, the direction as the key says it when it does.
for what in ("xlat", "mesh"):
    fam = "v6mig_%s_packets_total" % what
    series = {k[1]: val for k, val in m.items() if k[0] == fam}
    obj = st.get(what) or {}
    ctr = obj.get("counters")
    eq(what + " counters present", bool(series), isinstance(ctr, dict))
    if not isinstance(ctr, dict):
        continue
    eq(what + " series", len(series), len(ctr))
    eq(what + " sampled", v("v6mig_%s_sampled_timestamp_seconds" % what), stamp_of(obj, "counters_at"))
    for name, n in ctr.items():
        got = [(dict(lab)["direction"], val) for lab, val in series.items()
               if dict(lab)["reason"] == reason(name)
               and dict(lab)["direction"] in ((direction(name),) if direction(name) else ("out", "in", "any"))]
        eq(what + " " + name, got, [(got[0][0] if got else "?", float(n))])
print("; ".join(bad) if bad else "same (%d samples)" % len(m))
