# SPDX-License-Identifier: Apache-2.0
# A syslog socket for tests/integration/logs.sh: binds the AF_UNIX datagram socket argv[1] (the
# test mounts it over /dev/log in a private mount namespace), writes "ready" to argv[2], and
# appends each message received as one line to argv[3].
import os
import socket
import sys

path, ready, out = sys.argv[1], sys.argv[2], sys.argv[3]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
os.chmod(path, 0o666)
with open(ready, "w") as f:
    f.write("ready\n")
while True:
    msg = s.recv(65536)
    with open(out, "ab") as f:
        f.write(msg.rstrip(b"\n") + b"\n")
