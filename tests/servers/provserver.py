#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A scriptable HB46PP provisioning server for namespace tests.

Listens on one address and port, over HTTP or HTTPS (a certificate made at
test time), and answers by a JSON script that is re-read on every request,
so a test rewrites the script between cases without a restart:

  {"routes": {"/config": RESPONSE, ...}}
  RESPONSE = {"status": 200, "body": "...", "location": "...",
              "headers": {...}, "body_size": N, "no_length": false,
              "pad_to": N (the body padded with spaces to N bytes),
              "hang": SECONDS, "when": [RESPONSE + MATCH, ...]}
  MATCH    = {"source": "2001:db8::1", "host": "name",
              "query": {"user": "u", "pass": "p", "token": "..."},
              "query_absent": ["user", "pass"]}

The first "when" entry whose MATCH holds replaces the route's own fields.
A path with no route answers 404. "hang" reads the request and answers
nothing for that many seconds (at most 120). "body_size" sends that many
bytes of filler, with or without a Content-Length.

Every request is logged as one JSON line (event "request": source, port,
method, path, query, host, sni, tls); a failed TLS handshake is logged as
event "tls_error", an accepted connection in --silent mode as "accept".

  provserver.py --listen ADDR --port N --script F --log F [--ready F]
                [--cert F --key F] [--silent]
"""
import argparse
import json
import os
import socket
import socketserver
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qsl, urlsplit

MAX_HANG = 120
LOG_LOCK = threading.Lock()


def log(args, **event):
    event["t"] = round(time.time(), 3)
    line = json.dumps(event, sort_keys=True) + "\n"
    with LOG_LOCK:
        # O_APPEND: servers sharing one log never interleave lines.
        fd = os.open(args.log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line.encode())
        finally:
            os.close(fd)


def load_script(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        sys.stderr.write("provserver: script %s: %s\n" % (path, e))
        return {}


def matches(cond, source, host, query):
    if "source" in cond and cond["source"] != source:
        return False
    if "host" in cond and cond["host"].lower() != (host or "").lower():
        return False
    for k, v in cond.get("query", {}).items():
        if query.get(k) != v:
            return False
    for k in cond.get("query_absent", []):
        if k in query:
            return False
    return True


def pick(route, source, host, query):
    for cond in route.get("when", []):
        if matches(cond, source, host, query):
            merged = dict(route)
            merged.update(cond)
            return merged
    return route


class Handler(BaseHTTPRequestHandler):
    server_version = "v6t-provserver"
    sys_version = ""

    def setup(self):
        self.sni = None
        if self.server.tls:
            self.request.settimeout(10)
            try:
                self.request.do_handshake()
            except (ssl.SSLError, OSError) as e:
                log(self.server.args, event="tls_error", source=self.client_address[0],
                    port=self.server.args.port, error=str(e))
                raise
            self.sni = getattr(self.request, "v6t_sni", None)
            self.request.settimeout(None)
        super().setup()

    def log_message(self, fmt, *a):  # quiet: the JSON log is the record
        pass

    def do_GET(self):
        parts = urlsplit(self.path)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        source = self.client_address[0]
        host = (self.headers.get("Host") or "")
        host_only = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        host_only = host_only.strip("[]")
        log(self.server.args, event="request", source=source,
            port=self.server.args.port, method="GET", path=parts.path,
            query=parts.query, host=host, sni=self.sni, tls=self.server.tls)
        script = load_script(self.server.args.script)
        route = script.get("routes", {}).get(parts.path)
        if route is None:
            self.answer({"status": 404, "body": "no route\n"})
            return
        self.answer(pick(route, source, host_only, query))

    def answer(self, r):
        if "hang" in r:
            end = time.time() + min(float(r["hang"]), MAX_HANG)
            while time.time() < end and not self.server.stopping:
                time.sleep(0.1)
            return
        status = int(r.get("status", 200))
        body = r.get("body", "").encode()
        body += b" " * max(0, int(r.get("pad_to", 0)) - len(body))
        size = int(r.get("body_size", 0))
        self.send_response(status)
        for k, v in r.get("headers", {}).items():
            self.send_header(k, v)
        if "location" in r:
            self.send_header("Location", r["location"])
        if not r.get("no_length"):
            self.send_header("Content-Length", str(size or len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        try:
            if size:
                chunk = b" " * 65536
                sent = 0
                while sent < size:
                    n = min(len(chunk), size - sent)
                    self.wfile.write(chunk[:n])
                    sent += n
            else:
                self.wfile.write(body)
        except OSError:
            pass  # the client stopped reading: that is what limits are for


class Server(socketserver.ThreadingMixIn, HTTPServer):
    address_family = socket.AF_INET6
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, args, ctx):
        self.args = args
        self.ctx = ctx
        self.tls = ctx is not None
        self.stopping = False
        if ":" not in args.listen:
            self.address_family = socket.AF_INET
        super().__init__((args.listen, args.port), Handler)

    def get_request(self):
        sock, addr = self.socket.accept()
        if self.ctx:
            # The handshake runs in the handler's thread (setup), so one
            # silent client cannot stall the accept loop.
            sock = self.ctx.wrap_socket(sock, server_side=True,
                                        do_handshake_on_connect=False)
        return sock, addr

    def handle_error(self, request, client_address):
        pass


def tls_context(args):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)

    def on_sni(sslsock, name, _ctx):
        sslsock.v6t_sni = name  # T1: the test asserts what the client sent
    ctx.sni_callback = on_sni
    return ctx


def silent(args):
    """Accept connections and never answer (a server that hangs)."""
    fam = socket.AF_INET6 if ":" in args.listen else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((args.listen, args.port))
    s.listen(16)
    ready(args)
    held = []
    while True:
        c, addr = s.accept()
        log(args, event="accept", source=addr[0], port=args.port)
        held.append(c)
        del held[:-64]  # bounded: the oldest are closed by the GC


def ready(args):
    if args.ready:
        with open(args.ready, "w", encoding="utf-8") as f:
            f.write("%d\n" % os.getpid())


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--listen", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--script")
    p.add_argument("--log", required=True)
    p.add_argument("--ready")
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--silent", action="store_true")
    args = p.parse_args()
    if args.silent:
        silent(args)
        return
    srv = Server(args, tls_context(args) if args.cert else None)
    ready(args)
    try:
        srv.serve_forever(poll_interval=0.2)
    finally:
        srv.stopping = True


if __name__ == "__main__":
    main()
