# SPDX-License-Identifier: Apache-2.0
# A TPM that fails one command, for tpm2-tss's cmd TCTI (tests/integration/errors.sh): every
# command goes to the swtpm on 127.0.0.1:argv[1] unchanged, except the argv[3]-th one whose
# command code is argv[2] (hex), answered with TPM_RC_FAILURE (0x101) without reaching swtpm. Each command code
# received is appended to the file argv[4], so the test sees what came before the failure.
import socket
import struct
import sys

port, cc_fail, nth, log = int(sys.argv[1]), int(sys.argv[2], 16), int(sys.argv[3]), sys.argv[4]
s = socket.create_connection(("127.0.0.1", port))
inp, out = sys.stdin.buffer, sys.stdout.buffer


def read(f, n):
    b = b""
    while len(b) < n:
        c = f(n - len(b))
        if not c:
            sys.exit(0)
        b += c
    return b


seen = 0
while True:
    hdr = read(inp.read, 10)
    tag, size, cc = struct.unpack(">HII", hdr)
    body = read(inp.read, size - 10) if size > 10 else b""
    with open(log, "a") as f:
        f.write("0x%x\n" % cc)
    if cc == cc_fail:
        seen += 1
        if seen == nth:
            out.write(struct.pack(">HII", 0x8001, 10, 0x101))
            out.flush()
            continue
    s.sendall(hdr + body)
    rh = read(s.recv, 10)
    _, rsize, _ = struct.unpack(">HII", rh)
    out.write(rh + (read(s.recv, rsize - 10) if rsize > 10 else b""))
    out.flush()
