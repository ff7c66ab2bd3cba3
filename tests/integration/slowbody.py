#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# slowbody.py PORT SECONDS: a POST /v1/challenge to pocd on 127.0.0.1:PORT whose headers are
# sent at once and whose 40-byte body then trickles in one byte a second (never idle for long).
# Prints "cut after N s" when pocd closed the connection before the body was complete (exit 0),
# or "complete after N s" when it took the whole trickle (exit 1).
import socket
import sys
import time

port, limit = int(sys.argv[1]), float(sys.argv[2])
s = socket.create_connection(("127.0.0.1", port), timeout=5)
s.sendall(b"POST /v1/challenge HTTP/1.1\r\nHost: pocd\r\nContent-Type: application/cbor\r\n"
          b"Content-Length: 40\r\n\r\n")
t0 = time.monotonic()
try:
    for i in range(40):
        s.sendall(b"\x00")
        time.sleep(1)
        s.settimeout(0.01)
        try:
            if s.recv(1) == b"":
                raise ConnectionResetError("closed")
        except socket.timeout:
            pass
        if time.monotonic() - t0 > limit:
            break
except OSError:
    print("cut after %.0f s" % (time.monotonic() - t0))
    sys.exit(0)
print("complete after %.0f s" % (time.monotonic() - t0))
sys.exit(1)
