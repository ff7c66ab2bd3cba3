#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# C_WrapKey, C_UnwrapKey and C_DeriveKey on swtpm + the TDX simulator: tests/p11-keymgmt runs the
# round trips (AES-KW, AES-KWP, AES-CBC-PAD, RSA OAEP, an EC private key as PKCS#8) and the
# Tookan-style refusals through the entry points, and leaves what can be checked from outside:
# AES-KW/KWP of a known key under a known key (python cryptography's aes_key_wrap), the ECDH secret
# with an OpenSSL key (`openssl pkeyutl -derive`) and HKDF of it (python's HKDF), each wrapped
# under the known key. A changed byte of the known key matches nothing (the checks can fail).
. "$POC_SRCDIR/tests/swtpm-env.sh"
. "$POC_SRCDIR/tests/lib.sh"
T=$POC_TEST_TMP
SO=$POC_BUILDDIR/module/.libs/poc-pkcs11.so
KM=$POC_BUILDDIR/tests/p11-keymgmt

poc_token_env keymgmt "ttl = 600" "log = $T/module.log" "log_level = info" || { echo "Bail out! test setup"; exit 1; }
t_run 0 "poctool init --label tok --pin 1234" "$POCTOOL" init --label tok --policy "$T/policy.json" --pin 1234
mkdir -p "$T/out"
t_tap_prog 60 "$T/km.out" "p11-keymgmt: round trips and refusals through the entry points" "$KM" "$SO" tok 1234 "$T/out"

O=$T/out
openssl pkeyutl -derive -inkey "$O/peer.pem" -peerkey "$O/tokpub.der" -peerform DER -out "$O/z.bin" &&
	t_ok "openssl pkeyutl -derive: the peer's side of the ECDH secret" || t_fail "openssl pkeyutl -derive"
check() { # check PYTHON-EXPR DESCRIPTION: the expression over k1, k2, z, files f(name) must be true
	python3 - "$O" "$1" <<'PY'
import sys
from cryptography.hazmat.primitives.keywrap import aes_key_wrap, aes_key_wrap_with_padding, aes_key_unwrap, aes_key_unwrap_with_padding
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives import hashes
d = sys.argv[1]
f = lambda n: open(f"{d}/{n}", "rb").read()
k1, k2, z = f("k1.bin"), f("k2.bin"), f("z.bin")
def tamper(b): return bytes([b[0] ^ 1]) + b[1:]
def unwrap(k, b):
    try: return aes_key_unwrap(k, b)
    except Exception: return None
hkdf = lambda ikm: HKDF(hashes.SHA256(), 42, b"salt", b"poc-pkcs11 hkdf").derive(ikm)
sys.exit(0 if eval(sys.argv[2]) else 1)
PY
}
t_check() { if check "$1"; then t_ok "$2"; else t_fail "$2"; fi; }
t_check 'f("kw.bin") == aes_key_wrap(k1, k2)' "AES-KW of the module equals python cryptography's aes_key_wrap (RFC 3394)"
t_check 'f("kwp.bin") == aes_key_wrap_with_padding(k1, k2)' "AES-KWP equals aes_key_wrap_with_padding (RFC 5649)"
t_check 'f("kw.bin") != aes_key_wrap(tamper(k1), k2)' "(control: another KEK gives another wrap)"
t_check 'len(z) == 32 and unwrap(k1, f("ecdh.bin")) == z' "ECDH1 on the token equals openssl pkeyutl -derive"
t_check 'unwrap(k1, f("ecdh-der.bin")) == z' "ECDH1 with the peer's point in DER: the same secret"
t_check 'unwrap(k1, f("ecdh.bin")) != tamper(z)' "(control: a changed secret does not match)"
t_check 'aes_key_unwrap_with_padding(k1, f("hkdf.bin")) == hkdf(z)' "HKDF-SHA256 of the ECDH secret equals python's HKDF (RFC 5869)"
t_check 'aes_key_unwrap_with_padding(k1, f("hkdf.bin")) != hkdf(tamper(z))' "(control: HKDF of another input differs)"
t_done
