#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# slowloris.py PORT N: N connections from 127.0.0.1 to pocd on 127.0.0.1:PORT, each sending a
# request line and then one header byte every 2 s (never finishing), then one honest
# POST /v1/challenge from another source address (127.0.0.2). Prints "served HTTP-STATUS" or
# "starved: WHY" for the honest request (exit 0 / 1), and how many of the N are still open.
import socket
import sys
import time

port, n = int(sys.argv[1]), int(sys.argv[2])
held = []
for i in range(n):
    s = socket.socket()
    s.settimeout(2)
    try:
        s.connect(("127.0.0.1", port))
        s.sendall(b"POST /v1/challenge HTTP/1.1\r\nHost: pocd\r\nX-Slow: ")
        held.append(s)
    except OSError:
        s.close()
time.sleep(1)
for s in list(held):  # one more byte each: the idle timeout never fires
    try:
        s.sendall(b"a")
    except OSError:
        held.remove(s)

# {"key_id": "other-key", "platform": "poc-v1"} in CBOR
body = b"\xa2\x66key_id\x69other-key\x68platform\x66poc-v1"
req = (b"POST /v1/challenge HTTP/1.1\r\nHost: pocd\r\nContent-Type: application/cbor\r\n"
       b"Connection: close\r\nContent-Length: %d\r\n\r\n" % len(body)) + body
rv = 1
try:
    h = socket.create_connection(("127.0.0.1", port), timeout=5, source_address=("127.0.0.2", 0))
    h.sendall(req)
    reply = h.recv(4096)
    h.close()
    if reply.startswith(b"HTTP/1.1 "):
        print("served", reply[9:12].decode())
        rv = 0 if reply[9:12] == b"200" else 1
    else:
        print("starved: the connection closed without an answer")
except OSError as e:
    print("starved:", e)

alive = 0
for s in held:
    try:
        s.sendall(b"b")
        s.settimeout(0.2)
        alive += 1 if s.recv(1) != b"" else 0
    except socket.timeout:
        alive += 1
    except OSError:
        pass
    s.close()
print("held open", alive, "of", n)
sys.exit(rv)
