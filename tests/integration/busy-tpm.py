# SPDX-License-Identifier: Apache-2.0
# A TPM that is always busy, for tpm2-tss's cmd TCTI (tests/integration/errors.sh): every command
# gets TPM_RC_RETRY (tag TPM_ST_NO_SESSIONS, size 10, rc 0x922). Each command received appends
# its command code to the file named by argv[1], so the test can count tpm2-tss's resubmissions.
import struct
import sys

log = sys.argv[1]
inp, out = sys.stdin.buffer, sys.stdout.buffer
while True:
    hdr = inp.read(10)
    if len(hdr) < 10:
        break
    tag, size, cc = struct.unpack(">HII", hdr)
    if size > 10:
        inp.read(size - 10)
    with open(log, "a") as f:
        f.write("0x%x\n" % cc)
    out.write(struct.pack(">HII", 0x8001, 10, 0x922))
    out.flush()
