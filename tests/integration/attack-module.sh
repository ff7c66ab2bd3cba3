#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Attacks on the module's side of issue 10 item 11, mounted from outside:
# - released keys: OpenSSL's secure heap holds the private values, the module's secrets sit in
#   locked MADV_DONTDUMP/MADV_WIPEONFORK pages (a fork child reads zeros), the last logout or
#   the last session closed wipes them, old handles stay invalid and a new login checks again
#   (tests/p11-keylife through C_GetFunctionList; also with RLIMIT_MEMLOCK at 0: one warning);
# - CKM_RSA_PKCS decryption (a padding oracle on OpenSSL 3.0) is refused for every ciphertext,
#   good or with padding $PY broke, with one error; OAEP still decrypts (pkcs11-tool, openssl);
# - record verify applies the denials-only rule to the denial key as `poctool show` exports it:
#   an affirming (or warning) record that $PY signed with a key registered as a denial key
#   fails, a genuine denial record and a genuine verifier-key record verify;
# - the denial key itself, which opens without PCRs or PIN: unsealed with tpm2-tools (SRK rebuilt
#   from its template, an empty policy session) and decrypted with $PY (HKDF + AES-GCM from the
#   public token.cbor); the records it signs are valid only when they assert nothing: top-level
#   contraindicated with poc, tee or vtpm (or another submod) affirming is refused by record
#   verify (--key, --token) and by show; a genuine PCR denial has every submod contraindicated.
. "$POC_SRCDIR/tests/swtpm-env.sh"
. "$POC_SRCDIR/tests/lib.sh"
T=$POC_TEST_TMP
SO=$POC_BUILDDIR/module/.libs/poc-pkcs11.so
KL=$POC_BUILDDIR/tests/p11-keylife
REC=$POC_BUILDDIR/tests/p11-record

poc_token_env one "ttl = 600" "log = $T/module.log" "log_level = info" || { echo "Bail out! test setup"; exit 1; }
export POC_PKCS11_STATS=$T/stats
t_run 0 "poctool init --pin" "$POCTOOL" init --label tok --policy "$T/policy.json" --pin 1234
t_run 0 "keygen ec-p256" "$POCTOOL" keygen --token tok --label ec --type ec-p256 --id 01 --pin 1234
t_run 0 "keygen rsa-2048" "$POCTOOL" keygen --token tok --label rsa --type rsa-2048 --id 02 --pin 1234
openssl rand -out "$T/marker" 32
marker=$(od -An -tx1 -v "$T/marker" | tr -d ' \n')
t_run 0 "seal a secret" "$POCTOOL" seal --token tok --label sec --in "$T/marker" --pin 1234
keylife() { # DESC ARGS...: p11-keylife, its TAP lines shown
	local desc=$1; shift
	t_run 0 "$desc" "$@"
	printf '%s\n' "$T_OUT" | grep -E '^(ok|not ok|#)' | t_diag
}

# 1. Key lifetime through the entry points.
keylife "p11-keylife: secure heap, secret pages, fork, logout, last session, RSA-PKCS refused" \
	"$KL" "$SO" pin tok 1234 "$marker"
: >"$T/module.log"
# RLIMIT_MEMLOCK at 0, and for root without CAP_IPC_LOCK (which ignores the limit).
nolock() { # CMD...
	if [ "$(id -u)" = 0 ]; then
		setpriv --bounding-set -ipc_lock --inh-caps -ipc_lock bash -c 'ulimit -l 0 && exec "$@"' sh "$@"
	else
		bash -c 'ulimit -l 0 && exec "$@"' sh "$@"
	fi
}
keylife "the same when nothing can be locked (RLIMIT_MEMLOCK 0, no CAP_IPC_LOCK): the module still works" \
	nolock "$KL" "$SO" pin tok 1234 "$marker"
n=$(grep -c "secure heap .* is not locked in memory" "$T/module.log")
[ "$n" = 1 ] && t_ok "one warning: the secure heap is not locked" || t_fail "secure heap warnings: $n, want 1"
n=$(grep -c "secret pages could not be locked" "$T/module.log")
if [ -n "${POC_SANITIZERS:-}" ]; then
	t_skip "one warning: secret pages not locked: AddressSanitizer makes mlock a no-op that succeeds"
else
	[ "$n" = 1 ] && t_ok "one warning: secret pages not locked" || t_fail "secret page warnings: $n, want 1"
fi
grep -q "warn: OpenSSL's secure heap" "$T/module.log" && t_ok "at warn level" || t_fail "not at warn level"
t_run 0 "poctool init a token without PIN" "$POCTOOL" init --label np --policy "$T/policy.json"
t_run 0 "keygen in it" "$POCTOOL" keygen --token np --label ec --type ec-p256 --id 01
keylife "p11-keylife: a token without PIN, the last session closed wipes the key" "$KL" "$SO" nopin np - -

# 2. CKM_RSA_PKCS decryption: refused with one error whatever the padding; OAEP decrypts.
if [ -z "${POC_SANITIZERS:-}" ]; then
	P11T="pkcs11-tool --module $SO --token-label tok"
	$P11T --read-object --type pubkey --id 02 -o "$T/rsa.der" >/dev/null 2>&1 &&
		openssl pkey -pubin -inform DER -in "$T/rsa.der" -out "$T/rsa.pem" 2>/dev/null &&
		t_ok "RSA public key exported" || t_fail "RSA public key export"
	t_run 0 "pkcs11-tool -M" $P11T -M
	line=$(printf '%s\n' "$T_OUT" | grep -E '^ *RSA-PKCS,')
	case "$line" in *sign*) t_ok "RSA-PKCS still signs: $line" ;; *) t_fail "RSA-PKCS: $line" ;; esac
	case "$line" in *decrypt*) t_fail "RSA-PKCS still advertises decryption: $line" ;; *) t_ok "RSA-PKCS does not advertise decrypt" ;; esac
	printf 'a secret for the sealed RSA key' >"$T/plain"
	openssl pkeyutl -encrypt -pubin -inkey "$T/rsa.pem" -in "$T/plain" -out "$T/ct.good" -pkeyopt rsa_padding_mode:pkcs1
	# Wrong PKCS#1 v1.5 paddings, raw RSA by an independent producer: each a Bleichenbacher probe.
	"$PY" - "$T/rsa.pem" "$T" <<'PY' || t_fail "python: bad-padding ciphertexts"
import os, sys
from cryptography.hazmat.primitives import serialization
pub = serialization.load_pem_public_key(open(sys.argv[1], "rb").read()).public_numbers()
k = (pub.n.bit_length() + 7) // 8
def ps(n): return bytes((b % 255) + 1 for b in os.urandom(n))
msg = b"a secret for the sealed RSA key"
blocks = {
    "nosep": b"\x00\x02" + ps(k - 2),                                  # no zero separator
    "type1": b"\x00\x01" + b"\xff" * (k - 3 - len(msg)) + b"\x00" + msg,  # signature padding
    "lead": b"\x01\x02" + ps(k - 3 - len(msg)) + b"\x00" + msg,          # first byte not zero
    "shortps": b"\x00\x02" + ps(7) + b"\x00" + os.urandom(k - 10),      # padding string < 8 bytes
    "empty": b"\x00\x02" + ps(k - 3) + b"\x00",                         # valid, empty message
}
for name, em in blocks.items():
    c = pow(int.from_bytes(em, "big"), pub.e, pub.n)
    open(os.path.join(sys.argv[2], "ct." + name), "wb").write(c.to_bytes(k, "big"))
PY
	first=
	for ct in good nosep type1 lead shortps empty; do
		t_run 1 "C_Decrypt RSA-PKCS refused ($ct ciphertext)" $P11T --login --pin 1234 --decrypt -m RSA-PKCS --id 02 \
			-i "$T/ct.$ct" -o "$T/pt.$ct"
		t_has "CKR_MECHANISM_INVALID" "$ct: CKR_MECHANISM_INVALID"
		err=$(printf '%s\n' "$T_OUT" | grep -E 'CKR_|error' | sed "s/ct\.$ct/ct/g")
		[ -z "$first" ] && first=$err
		[ "$err" = "$first" ] && t_ok "$ct: the same answer as the good ciphertext" ||
			{ t_fail "$ct: another answer"; printf '%s\n%s\n' "$first" "$err" | t_diag; }
		[ ! -s "$T/pt.$ct" ] && t_ok "$ct: no plaintext" || t_fail "$ct: plaintext written"
	done
	openssl pkeyutl -encrypt -pubin -inkey "$T/rsa.pem" -in "$T/plain" -out "$T/ct.oaep" \
		-pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256 -pkeyopt rsa_mgf1_md:sha256
	t_run 0 "control: RSA-PKCS-OAEP (SHA-256) decrypts" $P11T --login --pin 1234 --decrypt -m RSA-PKCS-OAEP \
		--hash-algorithm SHA256 --mgf MGF1-SHA256 --id 02 -i "$T/ct.oaep" -o "$T/pt.oaep"
	cmp -s "$T/plain" "$T/pt.oaep" && t_ok "OAEP recovered the plaintext" || t_fail "OAEP plaintext"
	t_run 0 "control: RSA-PKCS still signs" $P11T --login --pin 1234 --sign -m SHA256-RSA-PKCS --id 02 \
		-i "$T/plain" -o "$T/sig.rsa"
	openssl dgst -sha256 -verify "$T/rsa.pem" -signature "$T/sig.rsa" "$T/plain" >/dev/null 2>&1 &&
		t_ok "openssl verifies the RSA-PKCS signature" || t_fail "RSA-PKCS signature"
fi

# 3. record verify: the denials-only rule for the denial key as `poctool show` exports it.
mkdir -p "$T/rec"
t_run 0 "p11-record: an affirming record signed by the verifier key" "$REC" "$SO" record tok 1234 ec "$T/rec"
t_run 0 "poctool show" "$POCTOOL" show --token tok --label ec
printf '%s\n' "$T_OUT" >"$T/show.out"
t_has "-----BEGIN POC DENIAL PUBLIC KEY-----" "show exports the denial key under its own PEM label"
sed -n '/^denial key/,$p' "$T/show.out" | grep -q -- "-----BEGIN PUBLIC KEY-----" &&
	t_fail "the denial key is also under a plain PUBLIC KEY label" || t_ok "and under no plain PUBLIC KEY label"
t_run 0 "control: the genuine record verifies with the verifier key" "$POCTOOL" record verify "$T/rec/key.rec" \
	--key "$T/rec/verifier.pem"
t_has "signature OK, status affirming" "affirming, signature OK"
t_run 0 "control: and with the token (its PIN authenticates the verifier key)" "$POCTOOL" record verify "$T/rec/key.rec" --token tok --pin 1234
t_run 0 "control: and with the whole output of show as the key file" "$POCTOOL" record verify "$T/rec/key.rec" \
	--key "$T/show.out"
t_has "signed by a verifier key" "show's output: the verifier key signed it"

# The attacker's key, registered as the denial key the way show exports one.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/att.key" 2>/dev/null
openssl pkey -in "$T/att.key" -pubout -out "$T/att.pub"
sed 's/PUBLIC KEY-----$/POC DENIAL PUBLIC KEY-----/' "$T/att.pub" >"$T/att.denial.pem"
"$PY" - "$T/rec/key.rec" "$T/att.key" "$T" <<'PY' || t_fail "python: forged records"
import sys, cbor2
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
rec = cbor2.loads(open(sys.argv[1], "rb").read())
prot, unprot, payload, _ = rec.value
key = serialization.load_pem_private_key(open(sys.argv[2], "rb").read(), None)
def restatus(o, st):  # every ear.status (1000) in the claims
    if isinstance(o, dict):
        return {k: (st if k == 1000 else restatus(v, st)) for k, v in o.items()}
    return o
def sign1(claims, name):
    pl = cbor2.dumps(claims) if claims is not None else payload
    tbs = cbor2.dumps(["Signature1", prot, b"", pl])
    r, s = decode_dss_signature(key.sign(tbs, ec.ECDSA(hashes.SHA256())))
    out = cbor2.dumps(cbor2.CBORTag(18, [prot, unprot, pl, r.to_bytes(32, "big") + s.to_bytes(32, "big")]))
    open(sys.argv[3] + "/" + name, "wb").write(out)
claims = cbor2.loads(payload)
sign1(None, "forged.rec")                        # the affirming claims, as they were
sign1(restatus(claims, 32), "forged-warn.rec")   # warning
sign1(restatus(claims, 0), "forged-none.rec")    # none
# a denial: what a denial key may sign (no attestation level either: poc.al.nominal/.trustworthy 0)
sign1({**restatus(claims, 96), -65541: 0, -65542: 0}, "forged-deny.rec")
sign1(restatus(claims, 96), "forged-deny-al.rec")   # contraindicated, but still claiming its levels
PY
t_run 1 "an affirming record signed by a denial key (show's export): refused" "$POCTOOL" record verify \
	"$T/forged.rec" --key "$T/att.denial.pem"
t_has "signs only denials, yet status affirming" "the refusal says why"
t_run 1 "the same with --denial-key and a plain PEM" "$POCTOOL" record verify "$T/forged.rec" --denial-key "$T/att.pub"
t_run 1 "a key given both as a verifier and as a denial key keeps the denial role" "$POCTOOL" record verify \
	"$T/forged.rec" --key "$T/att.pub" --denial-key "$T/att.pub"
t_run 1 "denial key plus the genuine verifier key: refused" "$POCTOOL" record verify "$T/forged.rec" \
	--key "$T/rec/verifier.pem" --key "$T/att.denial.pem"
t_run 1 "a warning record signed by a denial key: refused" "$POCTOOL" record verify "$T/forged-warn.rec" \
	--key "$T/att.denial.pem"
t_run 1 "a record with status none signed by a denial key: refused" "$POCTOOL" record verify "$T/forged-none.rec" \
	--key "$T/att.denial.pem"
t_run 0 "control: a denial signed by the denial key verifies" "$POCTOOL" record verify "$T/forged-deny.rec" \
	--key "$T/att.denial.pem"
t_has "status contraindicated" "contraindicated"
t_run 1 "a denial still claiming attestation levels, signed by a denial key: refused" "$POCTOOL" record verify \
	"$T/forged-deny-al.rec" --key "$T/att.denial.pem"
t_run 1 "the forged record against the token's keys: refused" "$POCTOOL" record verify "$T/forged.rec" --token tok
t_run 1 "the forged record against the verifier key: refused" "$POCTOOL" record verify "$T/forged.rec" \
	--key "$T/rec/verifier.pem"
t_run 2 "record verify without a key: usage" "$POCTOOL" record verify "$T/forged.rec"
printf 'not a key\n' >"$T/nokey.pem"
t_run 2 "a key file without a key: unusable input" "$POCTOOL" record verify "$T/forged.rec" --key "$T/nokey.pem"

# A genuine denial by the token's denial key: PCR 7 changed, so the verifier key is locked.
tpm2_pcrextend 7:sha256=0000000000000000000000000000000000000000000000000000000000000001 >/dev/null
t_run 0 "C_Login denied after tpm2_pcrextend: the denial record" "$REC" "$SO" denied tok 1234 ec "$T/rec"
t_run 0 "control: the genuine denial verifies with the denial key as exported" "$POCTOOL" record verify \
	"$T/rec/denied.rec" --key "$T/rec/denial.pem"
t_has "status contraindicated" "contraindicated"
t_run 0 "control: and with the token" "$POCTOOL" record verify "$T/rec/denied.rec" --token tok
t_run 0 "control: and with the output of show" "$POCTOOL" record verify "$T/rec/denied.rec" --key "$T/show.out"
t_has "signed by a denial key" "show's output: the denial key signed it"
t_run 1 "the genuine denial does not verify with the verifier key" "$POCTOOL" record verify "$T/rec/denied.rec" \
	--key "$T/rec/verifier.pem"
t_run 0 "record show of the genuine denial" "$POCTOOL" record show "$T/rec/denied.rec"
n=$(printf '%s\n' "$T_OUT" | grep -c '"ear.status": "contraindicated"')
printf '%s\n' "$T_OUT" | grep -q '"ear.status": "affirming"' && t_fail "a submod of the genuine denial says affirming" ||
	t_ok "no submod of the genuine denial says affirming ($n contraindicated)"

# 4. The denial key, as anyone with the TPM gets it.
SRKA="fixedtpm|fixedparent|sensitivedataorigin|userwithauth|noda|restricted|decrypt"
{ printf '\x20\x00'; head -c 128 /dev/zero; printf '\x20\x00'; head -c 128 /dev/zero; } >"$T/unique.bin"
"$PY" - "$T/store/tok/token.cbor" "$T" <<'PY' || t_fail "python: the denial key's blobs"
import cbor2, sys
m = cbor2.load(open(sys.argv[1], "rb")); h = cbor2.loads(cbor2.loads(m["denial_key"])["header"])
open(sys.argv[2] + "/dk.pub", "wb").write(h["sealed"]["pub"]); open(sys.argv[2] + "/dk.priv", "wb").write(h["sealed"]["priv"])
PY
tpm2_flushcontext -t 2>/dev/null
tpm2_createprimary -C o -g sha256 -G ecc256:aes128cfb -a "$SRKA" -u "$T/unique.bin" -c "$T/srk.ctx" >/dev/null &&
	tpm2_flushcontext -t && tpm2_load -C "$T/srk.ctx" -u "$T/dk.pub" -r "$T/dk.priv" -c "$T/dk.ctx" >/dev/null &&
	tpm2_flushcontext -t && tpm2_startauthsession -S "$T/s.ctx" --policy-session &&
	tpm2_unseal -c "$T/dk.ctx" -p "session:$T/s.ctx" -o "$T/dk.ktpm" >/dev/null; rc=$?
tpm2_flushcontext "$T/s.ctx" 2>/dev/null; tpm2_flushcontext -t 2>/dev/null
[ $rc = 0 ] && t_ok "the denial key's K_tpm unseals for anyone with the TPM (PCRs changed, no PIN)" || t_fail "denial unseal ($rc)"
"$PY" - "$T/store/tok/token.cbor" "$T/dk.ktpm" "$T/rec/denied.rec" "$T" <<'PY' || t_fail "python: records by the denial key"
import cbor2, hashlib, sys
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
m = cbor2.load(open(sys.argv[1], "rb")); o = cbor2.loads(m["denial_key"]); hb = o["header"]
info = b"poc-pkcs11/v1/object" + hashlib.sha256(hb).digest() + m["token_id"] + hashlib.sha256(m["verifier_spki"]).digest()
k = HKDF(hashes.SHA256(), 32, None, info).derive(open(sys.argv[2], "rb").read())
key = serialization.load_der_private_key(AESGCM(k).decrypt(o["iv"], o["ciphertext"], hb), None)
prot, unprot, payload, _ = cbor2.loads(open(sys.argv[3], "rb").read()).value
claims = cbor2.loads(payload)
def sign1(c, name):
    pl = cbor2.dumps(c)
    r, s = decode_dss_signature(key.sign(cbor2.dumps(["Signature1", prot, b"", pl]), ec.ECDSA(hashes.SHA256())))
    open(sys.argv[4] + "/" + name, "wb").write(cbor2.dumps(cbor2.CBORTag(18, [prot, unprot, pl, r.to_bytes(32, "big") + s.to_bytes(32, "big")])))
def variant(**sub):
    c = cbor2.loads(payload); c[1000] = 96
    for n, st in sub.items():
        c[266].setdefault(n, {})[1000] = st
    return c
sign1(variant(), "dk-deny.rec")                           # a denial in full: what the key may sign
sign1(variant(poc=2, tee=2, vtpm=2), "dk-subs.rec")       # top-level contraindicated, every submod affirming
sign1(variant(poc=2), "dk-poc.rec")                       # the poc submod affirming
sign1(variant(tee=2), "dk-tee.rec")                       # poc contraindicated, tee affirming
sign1(variant(vtpm=32), "dk-vtpm.rec")                    # vtpm warning
sign1(variant(extra=2), "dk-extra.rec")                   # another submod affirming
PY
t_run 0 "control: a full denial signed with the extracted denial key verifies (as a denial)" "$POCTOOL" record verify \
	"$T/dk-deny.rec" --token tok
for v in subs poc tee vtpm extra; do
	t_run 1 "denial key, top-level contraindicated but $v affirming/warning: record verify --token refuses" \
		"$POCTOOL" record verify "$T/dk-$v.rec" --token tok
	t_has "signs only denials" "$v: says the denial key signs only denials"
	t_run 1 "the same with the key exported by show" "$POCTOOL" record verify "$T/dk-$v.rec" --key "$T/show.out"
done
cp "$T/dk-subs.rec" "$T/store/tok/priv-01.obj.record"
t_run 0 "show with that record as the key's last" "$POCTOOL" show --token tok --label ec
t_has "signature NOT valid" "show says the record is not valid"
t_done
