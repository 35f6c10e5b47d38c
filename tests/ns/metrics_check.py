#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# metrics_check.py METRICS STATUS_JSON: read metrics.prom with the
# Prometheus client's own text parser (every family with HELP, every name
# v6mig_) and compare its values with status.json; prints "same (N samples)"
# or what differs. For tests/ns/test_ops.sh and test_ports.sh.
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


def stamp(k):
    return None if st.get(k) is None else float(st[k])


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
print("; ".join(bad) if bad else "same (%d samples)" % len(m))
