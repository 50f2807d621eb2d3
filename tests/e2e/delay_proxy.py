#!/usr/bin/env python3
"""A TCP proxy on loopback that delays every byte by DELAY_MS in each direction, order kept,
for e2e_downtime.sh: a validator that reaches its peers, and they it, only through such proxies
is a far-away validator — its votes arrive about 2 × DELAY_MS after the others' (the proposal
reaches it late, its vote comes back late), consistently the last, as an honest validator's on
a far or slow machine are. One pair of threads per direction per connection.
Usage: delay_proxy.py LISTEN_PORT TARGET_PORT DELAY_MS"""
import collections
import socket
import sys
import threading
import time

LISTEN, TARGET, DELAY = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]) / 1000.0
CHUNK = 65536


def pump(src, dst):
    """Forwards src to dst, each chunk DELAY after it was read."""
    q = collections.deque()
    cv = threading.Condition()
    done = [False]

    def reader():
        try:
            while True:
                b = src.recv(CHUNK)
                if not b:
                    break
                with cv:
                    q.append((time.monotonic() + DELAY, b))
                    cv.notify()
        except OSError:
            pass
        with cv:
            done[0] = True
            cv.notify()

    def writer():
        try:
            while True:
                with cv:
                    while not q and not done[0]:
                        cv.wait()
                    if not q:
                        break
                    at, b = q.popleft()
                wait = at - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                dst.sendall(b)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    threading.Thread(target=reader, daemon=True).start()
    threading.Thread(target=writer, daemon=True).start()


srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", LISTEN))
srv.listen(64)
while True:
    c, _ = srv.accept()
    try:
        t = socket.create_connection(("127.0.0.1", TARGET), timeout=5)
        t.settimeout(None)
    except OSError:
        c.close()
        continue
    for s in (c, t):
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    pump(c, t)
    pump(t, c)
