#!/usr/bin/env python3
"""A stand-in node for the relay concurrency test in e2e_privacy.sh (docs/privacy.md, "Relayer"):
answers the JSON-RPC methods `conf relay` calls, one thread per connection. svm_getStateRoot —
which the relay calls only for a submission that passed admission, its checks and took the
signing lane — first creates HELD and then blocks until RELEASE exists, then fails; so the test
can hold a submission in flight for as long as it needs, without depending on timing.
Usage: relay_fake_node.py PORT DIR CHAIN_ID   (HELD and RELEASE are files in DIR)."""
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, DIR, CHAIN = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        req = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        m, res, err = req.get("method"), None, None
        if m == "svm_chainId":
            res = CHAIN
        elif m == "svm_getAccount":
            res = {"nonce": 0, "pending_nonce": 0}
        elif m == "svm_getStateRoot":
            open(os.path.join(DIR, "HELD"), "a").close()
            for _ in range(6000):  # at most 10 minutes
                if os.path.exists(os.path.join(DIR, "RELEASE")):
                    break
                time.sleep(0.1)
            err = {"code": -32603, "message": "released by the test"}
        else:
            err = {"code": -32601, "message": "not in the fake node: " + str(m)}
        body = {"jsonrpc": "2.0", "id": req.get("id")}
        body.update({"error": err} if err else {"result": res})
        out = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)


ThreadingHTTPServer.daemon_threads = True
ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
