# SPDX-License-Identifier: Apache-2.0
# Helpers of signed-policy.sh, written from the TPM spec and the store formats (nothing of the
# project's code): TCG event logs of a chosen boot, TPM structures for tpm2-tools, forged approvals.
import hashlib, struct, sys
import cbor2
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

def evlog(out, events):
    """events: PCR:TYPE:HEXDIGEST (sha256 only); prints "PCR HEX" per event for tpm2_pcrextend."""
    spec = b"Spec ID Event03\0" + struct.pack("<IBBBB", 0, 0, 2, 0, 2) + struct.pack("<I", 1) + struct.pack("<HH", 0x000b, 32) + b"\0"
    b = struct.pack("<II", 0, 3) + bytes(20) + struct.pack("<I", len(spec)) + spec
    for e in events:
        pcr, typ, dig = e.split(":")
        d = bytes.fromhex(dig); data = b"poc-test " + e.encode()
        b += struct.pack("<III", int(pcr), int(typ, 0), 1) + struct.pack("<H", 0x000b) + d + struct.pack("<I", len(data)) + data
        print(pcr, dig)
    open(out, "wb").write(b)

def tpm_pub(pem, out):
    """The policy key as the module loads it: TPM2B_PUBLIC, ECC P-256, sign|userWithAuth, ECDSA-SHA256."""
    k = serialization.load_pem_public_key(open(pem, "rb").read()).public_numbers()
    area = struct.pack(">HHI", 0x0023, 0x000b, 0x00040040) + struct.pack(">H", 0)
    area += struct.pack(">HHHHH", 0x0010, 0x0018, 0x000b, 0x0003, 0x0010)
    area += struct.pack(">H", 32) + k.x.to_bytes(32, "big") + struct.pack(">H", 32) + k.y.to_bytes(32, "big")
    open(out, "wb").write(struct.pack(">H", len(area)) + area)

def ref(token_dir, obj):
    m = cbor2.load(open(token_dir + "/token.cbor", "rb"))
    return hashlib.sha256(b"poc-pkcs11/v1" + m["token_id"] + obj.encode()).digest()

def tss_sig(der):
    r, s = decode_dss_signature(der)
    return struct.pack(">HH", 0x0018, 0x000b) + struct.pack(">H", 32) + r.to_bytes(32, "big") + struct.pack(">H", 32) + s.to_bytes(32, "big")

def session_files(token_dir, approval, obj, sig_obj, t):
    """For a hand-built PolicyAuthorize: approved policy, policyRef of obj, aHash and TSS signature of sig_obj's entry."""
    a = cbor2.load(open(approval, "rb"))
    r = ref(token_dir, obj)
    open(t + "/approved.bin", "wb").write(a["approved"])
    open(t + "/ref.bin", "wb").write(r)
    open(t + "/ahash.bin", "wb").write(hashlib.sha256(a["approved"] + r).digest())
    open(t + "/sig.tss", "wb").write(tss_sig(a["signatures"][sig_obj]))
    open(t + "/epoch.bin", "wb").write(a["epoch"].to_bytes(8, "big"))

def resign(token_dir, approval, key_pem, out):
    """The approval with every signature made by key_pem (another key) over the right aHash."""
    a = cbor2.load(open(approval, "rb"))
    k = serialization.load_pem_private_key(open(key_pem, "rb").read(), None)
    from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
    for o in a["signatures"]:
        ah = hashlib.sha256(a["approved"] + ref(token_dir, o)).digest()
        a["signatures"][o] = k.sign(ah, ec.ECDSA(Prehashed(hashes.SHA256())))
    open(out, "wb").write(cbor2.dumps(a))

def swap(approval, obj_from, obj_to, out):
    """obj_to's signature replaced by obj_from's (valid, but for another policyRef)."""
    a = cbor2.load(open(approval, "rb"))
    a["signatures"][obj_to] = a["signatures"][obj_from]
    open(out, "wb").write(cbor2.dumps(a))

def export(token_dir, obj, t):
    m = cbor2.load(open(token_dir + "/token.cbor", "rb"))
    open(t + "/epoch_nv", "w").write("0x%08x\n" % m["epoch_nv"])
    h = cbor2.loads(cbor2.load(open(token_dir + "/" + obj, "rb"))["header"])
    open(t + "/obj.pub", "wb").write(h["sealed"]["pub"])
    open(t + "/obj.priv", "wb").write(h["sealed"]["priv"])


def epoch_branches(pub_tss, token_dir, t):
    """The epoch counter's two authPolicy branches (tpm_epoch.h), from the spec: b0.bin, b1.bin."""
    H = lambda *p: hashlib.sha256(b"".join(p)).digest()
    cc = lambda c: struct.pack(">I", c)
    area = open(pub_tss, "rb").read()[2:]
    name = struct.pack(">H", 0x000b) + hashlib.sha256(area).digest()
    base = H(bytes(32), cc(0x16C), cc(0x134))  # PolicyCommandCode(NV_Increment)
    open(t + "/b0.bin", "wb").write(H(base, cc(0x18F), b"\0"))  # + PolicyNvWritten(NO)
    open(t + "/b1.bin", "wb").write(H(H(base, cc(0x160), name), ref(token_dir, "epoch")))  # + PolicySigned

def weak(token_dir, key_pem, nv, line, out):
    """An approval of the one PCR of line ("sha256:I HEX"), at the counter's current epoch, every object signed."""
    import subprocess
    H = lambda *p: hashlib.sha256(b"".join(p)).digest()
    m = cbor2.load(open(token_dir + "/token.cbor", "rb"))
    sel, val = line.split()
    idx = int(sel.split(":")[1]); vals = bytes.fromhex(val)
    mask = 1 << idx
    epoch = int(subprocess.run(["tpm2_nvread", nv, "-C", nv, "-P", "", "-s", "8"], capture_output=True, check=True).stdout.hex(), 16)
    tpml = struct.pack(">IHB", 1, 0x000b, 3) + mask.to_bytes(3, "little")
    pol = H(bytes(32), struct.pack(">I", 0x17F), tpml, H(vals))
    pol = H(pol, struct.pack(">I", 0x149), H(epoch.to_bytes(8, "big"), struct.pack(">HH", 0, 0)), m["epoch_nv_name"])
    k = serialization.load_pem_private_key(open(key_pem, "rb").read(), None)
    from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
    import os
    objs = ["data-l-poc-verifier-key.obj"] + [f for f in os.listdir(token_dir) if f.endswith(".obj")]
    sigs = {o: k.sign(H(pol, ref(token_dir, o)), ec.ECDSA(Prehashed(hashes.SHA256()))) for o in objs}
    a = {"version": 1, "epoch": epoch, "pcr_bank": 0x000b, "pcr_mask": mask, "pcr_values": vals, "approved": pol,
         "created": 1, "signatures": sigs}
    open(out, "wb").write(cbor2.dumps(a))

cmd = sys.argv[1]
if cmd == "evlog": evlog(sys.argv[2], sys.argv[3:])
elif cmd == "tpm-pub": tpm_pub(sys.argv[2], sys.argv[3])
elif cmd == "session": session_files(*sys.argv[2:7])
elif cmd == "resign": resign(*sys.argv[2:6])
elif cmd == "swap": swap(*sys.argv[2:6])
elif cmd == "export": export(*sys.argv[2:5])
elif cmd == "epoch-branches": epoch_branches(*sys.argv[2:5])
elif cmd == "weak": weak(*sys.argv[2:7])
else: sys.exit("unknown command " + cmd)
