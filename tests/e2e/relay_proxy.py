#!/usr/bin/env python3
"""A proxy in front of a `conf relay` for the wallet's retry test in e2e_privacy.sh
(docs/privacy.md, "Relayer"): forwards each JSON-RPC request to the relay and its answer back,
one thread per connection, and appends each forwarded method to DIR/log. Mode `hold`: the first
relay_submit creates DIR/HELD and waits until DIR/RELEASE exists before it is forwarded, so the
test can have another wallet's spend take the nonce this one was quoted, without depending on
timing. Mode `stale`: every relay_info answer quotes a nonce 1000 past the relay's, so every
submission is built for a nonce the relay refuses.
Usage: relay_proxy.py PORT RELAY_PORT DIR hold|stale"""
import http.client
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, RELAY, DIR, MODE = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
lock = threading.Lock()
held = [False]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        method = json.loads(body).get("method")
        if MODE == "hold" and method == "relay_submit":
            with lock:
                first, held[0] = not held[0], True
            if first:
                open(os.path.join(DIR, "HELD"), "a").close()
                for _ in range(6000):  # at most 10 minutes
                    if os.path.exists(os.path.join(DIR, "RELEASE")):
                        break
                    time.sleep(0.1)
        with lock:
            with open(os.path.join(DIR, "log"), "a") as f:
                f.write(method + "\n")
        c = http.client.HTTPConnection("127.0.0.1", RELAY, timeout=600)
        c.request("POST", "/", body, {"Content-Type": "application/json"})
        r = c.getresponse()
        out, status = r.read(), r.status
        c.close()
        if MODE == "stale" and method == "relay_info":
            j = json.loads(out)
            j["result"]["nonce"] += 1000
            out = json.dumps(j).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)


ThreadingHTTPServer.daemon_threads = True
ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
