#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Attack producer for attack-tdx.sh: forges TDX evidence from outside the project, with
Python's cryptography only (never poctool's own helpers). Layouts: Intel DCAP
QuoteStructures.h (quote v4: header 48, TD body 584, signature data with certification
data type 6 = QE report, its signature, QE auth data, type 5 = PEM PCK chain).

  requote IN OUT PCK_KEY [--mrsigner HEX] [--isvprodid N] [--attributes HEX] [--miscselect N] [--v5 TYPE]
      replaces the QE report fields, re-signs the QE report with PCK_KEY, and signs the quote
      with a NEW attestation key (QE REPORTDATA = SHA-256(att key || auth data) || 0^32);
      --v5 2|3 writes it as a quote v5 with a TD 1.0 (2) or TD 1.5 (3, SVN2/MRSERVICETD zero) body
  resign SRC DST KEY CERT [CHAIN...] [--edit STEM OLD NEW]
      copies collateral folder SRC to DST, replaces OLD by NEW (once) in STEM.json (tcb_info or
      qe_identity), re-signs tcb_info.json and qe_identity.json with KEY (raw r||s) and writes
      CERT + CHAIN as both issuer chains
  cert OUT_KEY OUT_CERT CN ISSUER_CERT ISSUER_KEY [--ca]
      a new P-256 certificate (O as the issuer's), signing key usage unless --ca
  crl OUT ISSUER_CERT ISSUER_KEY [SERIAL_CERT...]
      a DER CRL by ISSUER listing the serials of the given certificates
"""
import datetime
import hashlib
import os
import shutil
import struct
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID

QE_LEN = 384


def load_key(path):
    with open(path, "rb") as f:
        return serialization.load_pem_private_key(f.read(), None)


def load_cert(path):
    with open(path, "rb") as f:
        return x509.load_pem_x509_certificate(f.read())


def sign_rs(key, msg):
    r, s = decode_dss_signature(key.sign(msg, ec.ECDSA(hashes.SHA256())))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def raw_pub(key):
    n = key.public_key().public_numbers()
    return n.x.to_bytes(32, "big") + n.y.to_bytes(32, "big")


def requote(args):
    src, dst, pck_path = args[0], args[1], args[2]
    opts = dict(zip(args[3::2], args[4::2]))
    q = bytearray(open(src, "rb").read())
    version, = struct.unpack_from("<H", q, 0)
    if version != 4:
        sys.exit("requote: want a v4 quote")
    signed_len = 48 + 584
    sd = signed_len + 4
    cd_type, cd_len = struct.unpack_from("<HI", q, sd + 128)
    if cd_type != 6:
        sys.exit("requote: certification data type %d" % cd_type)
    qr = sd + 128 + 6
    rep = bytearray(q[qr:qr + QE_LEN])
    auth_len, = struct.unpack_from("<H", q, qr + QE_LEN + 64)
    auth = bytes(q[qr + QE_LEN + 66:qr + QE_LEN + 66 + auth_len])
    if "--mrsigner" in opts:
        rep[128:160] = bytes.fromhex(opts["--mrsigner"])
    if "--isvprodid" in opts:
        struct.pack_into("<H", rep, 256, int(opts["--isvprodid"]))
    if "--attributes" in opts:
        rep[48:64] = bytes.fromhex(opts["--attributes"])
    if "--miscselect" in opts:
        struct.pack_into("<I", rep, 16, int(opts["--miscselect"]))
    att = ec.generate_private_key(ec.SECP256R1())
    att_pub = raw_pub(att)
    rep[320:384] = hashlib.sha256(att_pub + auth).digest() + bytes(32)
    q[qr:qr + QE_LEN] = rep
    q[qr + QE_LEN:qr + QE_LEN + 64] = sign_rs(load_key(pck_path), bytes(rep))
    q[sd + 64:sd + 128] = att_pub
    if "--v5" in opts:
        # v5: version 5, then body type (u16) and body size (u32) before the body.
        bt = int(opts["--v5"])
        body = bytes(q[48:signed_len]) + (bytes(64) if bt == 3 else b"")
        sig_data = bytearray(q[sd:sd + struct.unpack_from("<I", q, signed_len)[0]])
        hdr = bytearray(q[:48])
        struct.pack_into("<H", hdr, 0, 5)
        signed = bytes(hdr) + struct.pack("<HI", bt, len(body)) + body
        sig_data[0:64] = sign_rs(att, signed)
        open(dst, "wb").write(signed + struct.pack("<I", len(sig_data)) + bytes(sig_data))
        return
    q[sd:sd + 64] = sign_rs(att, bytes(q[:signed_len]))
    open(dst, "wb").write(q)


def resign(args):
    src, dst, key_path = args[0], args[1], args[2]
    rest = args[3:]
    edit = None
    if "--edit" in rest:
        i = rest.index("--edit")
        edit = (rest[i + 1], rest[i + 2], rest[i + 3])
        rest = rest[:i] + rest[i + 4:]
    shutil.copytree(src, dst)
    key = load_key(key_path)
    chain = b"".join(open(p, "rb").read() for p in rest)
    for stem in ("tcb_info", "qe_identity"):
        path = os.path.join(dst, stem + ".json")
        body = open(path, "rb").read()
        if edit is not None and stem == edit[0]:
            if edit[1].encode() not in body:
                sys.exit("resign: %s not in %s.json" % (edit[1], stem))
            body = body.replace(edit[1].encode(), edit[2].encode(), 1)
            open(path, "wb").write(body)
        open(os.path.join(dst, stem + "_signature.bin"), "wb").write(sign_rs(key, body))
        open(os.path.join(dst, stem + "_issuer_chain.pem"), "wb").write(chain)


def cert(args):
    key_out, cert_out, cn, issuer_path, issuer_key_path = args[:5]
    ca = "--ca" in args[5:]
    issuer, issuer_key = load_cert(issuer_path), load_key(issuer_key_path)
    key = ec.generate_private_key(ec.SECP256R1())
    org = issuer.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value
    now = datetime.datetime.now(datetime.timezone.utc)
    b = (x509.CertificateBuilder()
         .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn),
                                  x509.NameAttribute(NameOID.ORGANIZATION_NAME, org)]))
         .issuer_name(issuer.subject).public_key(key.public_key())
         .serial_number(x509.random_serial_number())
         .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=30))
         .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None), critical=True)
         .add_extension(x509.KeyUsage(digital_signature=not ca, content_commitment=not ca, key_encipherment=False,
                                      data_encipherment=False, key_agreement=False, key_cert_sign=ca,
                                      crl_sign=ca, encipher_only=False, decipher_only=False), critical=True))
    c = b.sign(issuer_key, hashes.SHA256())
    open(key_out, "wb").write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                serialization.NoEncryption()))
    open(cert_out, "wb").write(c.public_bytes(serialization.Encoding.PEM))


def crl(args):
    out, issuer_path, key_path = args[:3]
    issuer, key = load_cert(issuer_path), load_key(key_path)
    now = datetime.datetime.now(datetime.timezone.utc)
    b = (x509.CertificateRevocationListBuilder().issuer_name(issuer.subject)
         .last_update(now - datetime.timedelta(hours=1)).next_update(now + datetime.timedelta(days=1)))
    for p in args[3:]:
        b = b.add_revoked_certificate(x509.RevokedCertificateBuilder().serial_number(load_cert(p).serial_number)
                                      .revocation_date(now - datetime.timedelta(minutes=5)).build())
    open(out, "wb").write(b.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER))


if __name__ == "__main__":
    cmds = {"requote": requote, "resign": resign, "cert": cert, "crl": crl}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        sys.exit(__doc__)
    cmds[sys.argv[1]](sys.argv[2:])
