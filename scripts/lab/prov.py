#!/usr/bin/python3
"""prov.py -- the lab's HB46PP provisioning server (HTTPS, Python stdlib).

  prov.py serve --listen ADDR [--listen ADDR] --port 443 --pki DIR
                --offer FILE --log FILE [--ctl-port 8080] [--ready FILE]
  prov.py ctl [--ctl-port 8080] METHOD PATH [BODY]   (inside prov's netns)

Every request is logged as one JSON line (time, source address and port,
SNI, Host, path, raw query and parsed parameters, what was served). The
answer is scriptable over a plain-HTTP control port on loopback only:

  GET  /state                     the current behaviours
  PUT  /default    BEHAVIOUR      for every source without a rule
  PUT  /rules      [RULE, ...]    first match by source prefix wins:
                                  {"src": "2001:db8:4002:3100::/56", BEHAVIOUR...}
  POST /rule       RULE           set the rule for RULE's "src" (add or replace)
  PUT  /tls        {"cert": "good"|"rogue"|"wrongname"}
  POST /reset                     the start offer for everyone, good cert
  GET  /log                       the request log (JSON lines)
  DELETE /log

BEHAVIOUR is one object: {"body": <JSON>} answers 200 with that JSON;
{"raw": "text"} 200 with that text; {"status": 403} that status (with
"body"/"raw" if given); {"redirect": URL} a 307; {"silent": true} accepts
and never answers (the connection is held up to 120 s); "delay": S first;
{"bodies": [<JSON>, ...]} answers 200 with one of them picked at random
for each request (the log says which: "pick"), for the soak.
"""
import argparse
import ipaddress
import json
import os
import random
import socket
import ssl
import sys
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer, ThreadingHTTPServer

SILENT_MAX = 120


class State:
    def __init__(self, offer_file, log_file, pki):
        self.lock = threading.Lock()
        self.offer_file = offer_file
        self.log_file = log_file
        self.pki = pki
        self.contexts = {}
        for name in ("good", "rogue", "wrongname"):
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(os.path.join(pki, name + ".pem"), os.path.join(pki, name + ".key"))
            self.contexts[name] = ctx
        self.reset()

    def reset(self):
        with open(self.offer_file) as f:
            body = json.load(f)
        with self.lock:
            self.default = {"body": body}
            self.rules = []
            self.cert = "good"

    def behaviour(self, src):
        addr = ipaddress.ip_address(src.split("%")[0])
        with self.lock:
            for i, rule in enumerate(self.rules):
                if addr in ipaddress.ip_network(rule["src"], strict=False):
                    return "rule %d" % i, rule
            return "default", self.default

    def log(self, entry):
        entry["t"] = round(time.time(), 3)
        line = json.dumps(entry, ensure_ascii=False)
        with self.lock, open(self.log_file, "a") as f:
            f.write(line + "\n")


def make_handler(state):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "v6lab-prov"

        def log_message(self, *args):
            pass

        def do_GET(self):
            src, sport = self.client_address[0], self.client_address[1]
            url = urllib.parse.urlsplit(self.path)
            which, beh = state.behaviour(src)
            entry = {
                "src": src, "sport": sport, "sni": getattr(self.connection, "lab_sni", None),
                "host": self.headers.get("Host"), "method": "GET", "path": url.path,
                "query": url.query,
                "params": dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True)),
                "user_agent": self.headers.get("User-Agent"), "rule": which,
            }
            if beh.get("delay"):
                time.sleep(float(beh["delay"]))
            if beh.get("silent"):
                entry["served"] = "silent"
                state.log(entry)
                self.hold()
                return
            if "redirect" in beh:
                entry["served"] = 307
                state.log(entry)
                self.send_response(307)
                self.send_header("Location", beh["redirect"])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if beh.get("bodies"):
                i = random.randrange(len(beh["bodies"]))
                beh = dict(beh, body=beh["bodies"][i])
                entry["pick"] = i
            status = int(beh.get("status", 200))
            if "body" in beh:
                data = json.dumps(beh["body"], ensure_ascii=False, indent=2).encode()
                ctype = "application/json"
            else:
                data = beh.get("raw", "").encode()
                ctype = "application/json" if status == 200 else "text/plain"
            entry["served"] = status
            state.log(entry)
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def hold(self):
            # Go silent: keep the connection, answer nothing, until the
            # client gives up (or SILENT_MAX).
            self.close_connection = True
            self.connection.settimeout(SILENT_MAX)
            try:
                while self.connection.recv(4096):
                    pass
            except OSError:
                pass

    return Handler


class TLSServer(ThreadingHTTPServer):
    address_family = socket.AF_INET6
    daemon_threads = True

    def __init__(self, addr, handler, state):
        self.state = state
        super().__init__(addr, handler)

    def finish_request(self, request, client_address):
        # The handshake runs in the request's thread, so a client that
        # never finishes it blocks nobody.
        with self.state.lock:
            ctx = self.state.contexts[self.state.cert]

        def sni(sslobj, name, _ctx):
            sslobj.lab_sni = name

        ctx.sni_callback = sni
        request.settimeout(30)
        try:
            tls = ctx.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as e:
            self.state.log({"event": "tls-error", "src": client_address[0],
                            "sport": client_address[1], "error": str(e)})
            return
        tls.settimeout(SILENT_MAX + 10)
        try:
            self.RequestHandlerClass(tls, client_address, self)
        finally:
            tls.close()


def make_ctl(state):
    class Ctl(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def reply(self, code, obj=None, text=None):
            data = (text if text is not None else json.dumps(obj, indent=2) + "\n").encode()
            self.send_response(code)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def body(self):
            n = int(self.headers.get("Content-Length", "0"))
            return json.loads(self.rfile.read(n) or b"null")

        def do_GET(self):
            if self.path == "/state":
                with state.lock:
                    self.reply(200, {"default": state.default, "rules": state.rules, "cert": state.cert})
            elif self.path == "/log":
                try:
                    with open(state.log_file) as f:
                        self.reply(200, text=f.read())
                except FileNotFoundError:
                    self.reply(200, text="")
            else:
                self.reply(404, {"error": "no such path"})

        def do_PUT(self):
            try:
                obj = self.body()
            except ValueError as e:
                return self.reply(400, {"error": "bad JSON: %s" % e})
            if self.path == "/default" and isinstance(obj, dict):
                with state.lock:
                    state.default = obj
            elif self.path == "/rules" and isinstance(obj, list):
                try:
                    for r in obj:
                        ipaddress.ip_network(r["src"], strict=False)
                except (KeyError, TypeError, ValueError) as e:
                    return self.reply(400, {"error": "bad rule: %s" % e})
                with state.lock:
                    state.rules = obj
            elif self.path == "/tls" and isinstance(obj, dict) and obj.get("cert") in state.contexts:
                with state.lock:
                    state.cert = obj["cert"]
            else:
                return self.reply(400, {"error": "bad path or body"})
            self.reply(200, {"ok": True})

        def do_POST(self):
            if self.path == "/reset":
                state.reset()
                return self.reply(200, {"ok": True})
            if self.path != "/rule":
                return self.reply(404, {"error": "no such path"})
            try:
                rule = self.body()
                net = ipaddress.ip_network(rule["src"], strict=False)
            except (KeyError, TypeError, ValueError) as e:
                return self.reply(400, {"error": "bad rule: %s" % e})
            with state.lock:
                state.rules = [r for r in state.rules
                               if ipaddress.ip_network(r["src"], strict=False) != net] + [rule]
            self.reply(200, {"ok": True})

        def do_DELETE(self):
            if self.path != "/log":
                return self.reply(404, {"error": "no such path"})
            with state.lock:
                open(state.log_file, "w").close()
            self.reply(200, {"ok": True})

    return Ctl


class Ctl6(ThreadingHTTPServer):
    address_family = socket.AF_INET6
    daemon_threads = True


def serve(a):
    state = State(a.offer, a.log, a.pki)
    servers = [TLSServer((addr, a.port), make_handler(state), state) for addr in a.listen]
    servers.append(Ctl6(("::1", a.ctl_port), make_ctl(state)))
    servers.append(ThreadingHTTPServer(("127.0.0.1", a.ctl_port), make_ctl(state)))
    for s in servers[1:]:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    print("prov: serving on %s port %d, control on loopback port %d"
          % (", ".join(a.listen), a.port, a.ctl_port), flush=True)
    if a.ready:
        open(a.ready, "w").close()
    servers[0].serve_forever()


def ctl(a):
    data = a.body.encode() if a.body is not None else None
    if a.body == "-":
        data = sys.stdin.buffer.read()
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (a.ctl_port, a.path),
                                 data=data, method=a.method)
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            sys.stdout.write(r.read().decode())
    except urllib.error.HTTPError as e:
        sys.stderr.write("prov ctl: %s %s\n" % (e.code, e.read().decode().strip()))
        return 1
    return 0


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--listen", action="append", required=True)
    s.add_argument("--port", type=int, default=443)
    s.add_argument("--pki", required=True)
    s.add_argument("--offer", required=True)
    s.add_argument("--log", required=True)
    s.add_argument("--ctl-port", type=int, default=8080)
    s.add_argument("--ready", help="created once every socket listens")
    c = sub.add_parser("ctl")
    c.add_argument("--ctl-port", type=int, default=8080)
    c.add_argument("method")
    c.add_argument("path")
    c.add_argument("body", nargs="?")
    a = p.parse_args()
    if a.cmd == "serve":
        serve(a)
        return 0
    return ctl(a)


if __name__ == "__main__":
    sys.exit(main())
