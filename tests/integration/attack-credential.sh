#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Issue 10 item 1: credential activation must prove possession of the EK whose certificate is
# appraised. The attack, mounted from outside with tpm2-tools, openssl and a Python marshaller:
# the prover runs its own unendorsed TPM (a private swtpm), gets `poctool evidence challenge`
# for its own EK and AK, answers it with tpm2_activatecredential, then ships a bundle with a
# real Google EK certificate (testdata gce-2024-ek.pem) and an EK public area built from that
# certificate's key. Before the fix the verifier said "poc: affirming (provider gcp)"; now the
# expected secret binds the EK name, recomputed from the bundle's ek_pub, so it is denied
# ($.providers, "not activated against the EK"). Variants: the same with an EK public area of
# other attributes or nameAlg; the answer for one AK shipped with another AK; the answer for
# one nonce shipped with evidence for another. `evidence challenge --ek-cert` refuses (exit 2)
# an EK public area its certificate does not certify. Controls: the swtpm's own RSA and ECC
# EKs, whose certificates the test CA issued, are accepted (and challenged with --ek-cert).
. "$POC_SRCDIR/tests/swtpm-env.sh"
. "$POC_SRCDIR/tests/lib.sh"
t_need_testdata
T=$POC_TEST_TMP
G=$D/gce-certs

poc_swtpm_start attacker || { echo "Bail out! swtpm did not start"; exit 1; }
CA=$POC_SWTPM_DIR/ca
"$PY" -c 'import cryptography, cbor2' 2>/dev/null || { echo "Bail out! $PY lacks cryptography/cbor2"; exit 1; }

# Both providers: Google's EK/AK CA (the 2024 EK intermediate) and the swtpm's test CA.
# Binding "none": each TPM quote's extraData is the nonce (tpm2_quote -q).
cat >"$T/policy.json" <<JSON
{"version": 1,
 "providers": [
  {"name": "gcp", "roots": ["$G/gce-ekak-ca-root.pem"], "intermediates": ["$G/gce-ekak-ca-intermediate-2024.pem"],
   "require_production": true},
  {"name": "swtpm-test-ca", "roots": ["$CA/swtpm-localca-rootca-cert.pem"], "intermediates": ["$CA/issuercert.pem"]}],
 "binding": "none"}
JSON
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/verifier.pem" 2>/dev/null ||
	{ echo "Bail out! openssl genpkey"; exit 1; }
rnd() { od -An -N32 -tx1 /dev/urandom | tr -d ' \n'; }

# No resource manager: every step flushes what tpm2-tools left in the TPM.
# activate AK-CTX EK-CTX CRED OUT [pw]: the EK's auth is PolicySecret(TPM_RH_ENDORSEMENT) (template
# L-1), or with "pw" its empty password (the high-range ECC template sets userWithAuth).
activate() {
	local rc
	if [ "${5:-}" = pw ]; then
		tpm2_activatecredential -c "$1" -C "$2" -i "$3" -o "$4" >/dev/null 2>&1
		rc=$?
		tpm2_flushcontext -t >/dev/null 2>&1
		return $rc
	fi
	tpm2_startauthsession --policy-session -S "$T/session.ctx" >/dev/null &&
		tpm2_policysecret -S "$T/session.ctx" -c e >/dev/null || return 1
	tpm2_activatecredential -c "$1" -C "$2" -i "$3" -o "$4" -P"session:$T/session.ctx" >/dev/null 2>&1
	rc=$?
	tpm2_flushcontext "$T/session.ctx" >/dev/null 2>&1
	tpm2_flushcontext -t >/dev/null 2>&1
	return $rc
}
challenge() { # EK-PUB AK-PUB NONCE OUT [args...]
	local ek=$1 ak=$2 n=$3 out=$4; shift 4
	"$POCTOOL" evidence challenge --ek-pub "$ek" --ak-pub "$ak" --nonce "$n" --verifier-key "$T/verifier.pem" \
		-o "$out" "$@"
}
quote() { # AK NONCE OUT: tpm2_quote of sha256:0,7 with extraData = NONCE, and the PCR values
	tpm2_quote -c "$T/$1.ctx" -l sha256:0,7 -q "$2" -m "$T/$3.attest" -s "$T/$3.sig" -g sha256 \
		--scheme rsassa >/dev/null && tpm2_flushcontext -t &&
		tpm2_pcrread sha256:0,7 | sed -nE 's/^ +([0-9]+) *: *0x([0-9A-Fa-f]+).*/\1 \2/p' | tr A-F a-f >"$T/$3.pcrs"
}
pack() { # NAME NONCE AK EK-PUB EK-CERT SECRET
	"$POCTOOL" evidence pack -o "$T/$1.cbor" --nonce "$2" --ak-pub "$T/$3.pub" --ek-pub "$4" --ek-cert "$5" \
		--activated-secret "$6" --tpm-quote "$T/$1.attest" --tpm-sig "$T/$1.sig" --pcrs "$T/$1.pcrs"
}
verify() { # NAME NONCE
	"$POCTOOL" evidence verify "$T/$1.cbor" --policy "$T/policy.json" --nonce "$2" --verifier-key "$T/verifier.pem"
}

# The attacker's TPM: its own RSA EK (certified by the test CA only), two AKs under it.
t_run 0 "attacker: tpm2_createek (RSA)" bash -c "tpm2_createek -c '$T/ek.ctx' -G rsa -u '$T/ek.pub' >/dev/null && tpm2_flushcontext -t"
for ak in ak ak2; do
	t_run 0 "attacker: tpm2_createak $ak" bash -c "tpm2_createak -C '$T/ek.ctx' -c '$T/$ak.ctx' -G rsa -g sha256 -s rsassa \
		-u '$T/$ak.pub' -n '$T/$ak.name' >/dev/null && tpm2_flushcontext -t"
done
t_run 0 "its own EK certificate (NV 0x1c00002, from the test CA)" tpm2_nvread 0x1c00002 -o "$T/ek.crt"

# The forged EK public area: Google's EK certificate key in the TCG EK template L-1
# (TPM2B_PUBLIC, what tpm2_createek -u writes), plus two variants of it.
cat >"$T/forge.py" <<'PY'
import struct, sys
from cryptography import x509
cert = x509.load_pem_x509_certificate(open(sys.argv[1], "rb").read())
n = cert.public_key().public_numbers().n.to_bytes(256, "big")
variant = sys.argv[3]
name_alg = 0x000C if variant == "sha384" else 0x000B
# fixedTPM|fixedParent|sensitiveDataOrigin|adminWithPolicy|restricted|decrypt (L-1); "sign": decrypt -> sign
attrs = 0x000300B2 if variant != "sign" else 0x000500B2
policy = bytes.fromhex("837197674484b3f81a90cc8d46a5d724fd52d76e06520b64f2a1da1b331469aa")
t = struct.pack(">HHI", 0x0001, name_alg, attrs) + struct.pack(">H", 32) + policy
t += struct.pack(">HHH", 0x0006, 128, 0x0043) if variant != "sign" else struct.pack(">H", 0x0010)
t += struct.pack(">H", 0x0010) + struct.pack(">HI", 2048, 0) + struct.pack(">H", 256) + n
open(sys.argv[2], "wb").write(struct.pack(">H", len(t)) + t)
PY
for v in l1 sha384 sign; do
	t_run 0 "forge the EK public area of gce-2024-ek.pem ($v)" "$PY" "$T/forge.py" "$G/gce-2024-ek.pem" "$T/gce-ek-$v.pub" $v
done

# 1. The attack: the verifier challenges the prover's own EK (as sent), the prover answers with
#    its own TPM and ships Google's certificate with the forged EK public area.
N=$(rnd)
t_run 0 "challenge for the attacker's own EK and AK" challenge "$T/ek.pub" "$T/ak.pub" "$N" "$T/a.cred"
t_run 0 "tpm2_activatecredential in the attacker's TPM" activate "$T/ak.ctx" "$T/ek.ctx" "$T/a.cred" "$T/a.secret"
t_run 0 "quote the nonce with the AK" quote ak "$N" a
for v in l1 sha384; do
	cp "$T/a.attest" "$T/a-$v.attest"; cp "$T/a.sig" "$T/a-$v.sig"; cp "$T/a.pcrs" "$T/a-$v.pcrs"
	t_run 0 "pack: Google's EK certificate, the forged EK ($v), the attacker's answer" \
		pack a-$v "$N" ak "$T/gce-ek-$v.pub" "$G/gce-2024-ek.pem" "$T/a.secret"
	t_run 1 "... denied" verify a-$v "$N"
	t_has "denied: \$.providers" "... clause \$.providers"
	t_has "the AK was not activated against the EK" "... reason: the answer is not for the certified EK"
done
cp "$T/a.attest" "$T/a-sign.attest"; cp "$T/a.sig" "$T/a-sign.sig"; cp "$T/a.pcrs" "$T/a-sign.pcrs"
t_run 0 "pack: Google's key in a signing (not decryption) public area" \
	pack a-sign "$N" ak "$T/gce-ek-sign.pub" "$G/gce-2024-ek.pem" "$T/a.secret"
t_run 1 "... denied" verify a-sign "$N"
t_has "the EK public area is not a restricted decryption key" "... reason: not an EK"
cp "$T/a.attest" "$T/a-own.attest"; cp "$T/a.sig" "$T/a-own.sig"; cp "$T/a.pcrs" "$T/a-own.pcrs"
t_run 0 "pack: Google's EK certificate with the attacker's own EK public area" \
	pack a-own "$N" ak "$T/ek.pub" "$G/gce-2024-ek.pem" "$T/a.secret"
t_run 1 "... denied" verify a-own "$N"
t_has "the EK certificate does not certify the EK" "... reason: the certificate names another key"

# 2. The challenge refuses an EK public area its certificate does not certify; given Google's
#    real EK public area, the attacker's TPM cannot answer.
t_run 2 "challenge --ek-cert gce-2024-ek.pem for the attacker's EK: refused" \
	challenge "$T/ek.pub" "$T/ak.pub" "$N" "$T/refused.cred" --ek-cert "$G/gce-2024-ek.pem"
t_has "is not the EK of --ek-cert" "... reason: the EK and the certificate disagree"
[ -e "$T/refused.cred" ] && t_fail "... and writes no credential" || t_ok "... and writes no credential"
t_run 2 "challenge --ek-cert with a file that is no certificate: refused" \
	challenge "$T/ek.pub" "$T/ak.pub" "$N" "$T/refused.cred" --ek-cert "$T/ek.pub"
t_run 0 "challenge --ek-cert gce-2024-ek.pem for Google's EK public area" \
	challenge "$T/gce-ek-l1.pub" "$T/ak.pub" "$N" "$T/g.cred" --ek-cert "$G/gce-2024-ek.pem"
t_run 1 "... the attacker's TPM cannot activate it" activate "$T/ak.ctx" "$T/ek.ctx" "$T/g.cred" "$T/g.secret"

# 3. Control: the swtpm's own EK, certified by the test CA, challenged with --ek-cert.
t_run 0 "challenge --ek-cert (its own certificate)" challenge "$T/ek.pub" "$T/ak.pub" "$N" "$T/h.cred" \
	--ek-cert "$T/ek.crt"
t_run 0 "activate" activate "$T/ak.ctx" "$T/ek.ctx" "$T/h.cred" "$T/h.secret"
t_run 0 "quote" quote ak "$N" h
t_run 0 "pack: its own EK and certificate" pack h "$N" ak "$T/ek.pub" "$T/ek.crt" "$T/h.secret"
t_run 0 "... accepted" verify h "$N"
t_has "poc: affirming (provider swtpm-test-ca)" "... the activated EK's certificate names the provider"
# The activation from step 1 (no --ek-cert) was for this same EK: it is good with its certificate.
cp "$T/a.attest" "$T/h1.attest"; cp "$T/a.sig" "$T/h1.sig"; cp "$T/a.pcrs" "$T/h1.pcrs"
t_run 0 "pack: step 1's answer with the EK it was made for" pack h1 "$N" ak "$T/ek.pub" "$T/ek.crt" "$T/a.secret"
t_run 0 "... accepted" verify h1 "$N"

# 4. Swapped AK: the answer for one AK, shipped with quotes of another AK of the same TPM.
t_run 0 "quote the nonce with the second AK" quote ak2 "$N" s
t_run 0 "pack: ak2's quote and public area, ak's answer" pack s "$N" ak2 "$T/ek.pub" "$T/ek.crt" "$T/h.secret"
t_run 1 "... denied" verify s "$N"
t_has "the AK was not activated against the EK" "... reason: the answer is for another AK"
t_run 0 "control: ak2's own challenge" challenge "$T/ek.pub" "$T/ak2.pub" "$N" "$T/s2.cred" --ek-cert "$T/ek.crt"
t_run 0 "... activated" activate "$T/ak2.ctx" "$T/ek.ctx" "$T/s2.cred" "$T/s2.secret"
cp "$T/s.attest" "$T/s2.attest"; cp "$T/s.sig" "$T/s2.sig"; cp "$T/s.pcrs" "$T/s2.pcrs"
t_run 0 "... packed" pack s2 "$N" ak2 "$T/ek.pub" "$T/ek.crt" "$T/s2.secret"
t_run 0 "... accepted" verify s2 "$N"

# 5. Another nonce: the answer for N, shipped with evidence for N2 (and verified against N2).
N2=$(rnd)
t_run 0 "quote another nonce" quote ak "$N2" n2
t_run 0 "pack: the answer for the first nonce" pack n2 "$N2" ak "$T/ek.pub" "$T/ek.crt" "$T/h.secret"
t_run 1 "... denied" verify n2 "$N2"
t_has "the AK was not activated against the EK" "... reason: the answer is for another nonce"

# 6. Control with the swtpm's ECC EK, which swtpm_setup made persistent at 0x81010016 (P-384,
#    certificate at NV 0x1c00016): the EK name of an ECC public area, and a SHA-384 one.
t_run 0 "the ECC EK (0x81010016), its certificate and an AK under it" bash -c "tpm2_readpublic -c 0x81010016 \
	-o '$T/eke.pub' >/dev/null && tpm2_nvread 0x1c00016 -o '$T/eke.crt' 2>/dev/null && tpm2_createak -C 0x81010016 \
	-c '$T/ake.ctx' -G rsa -g sha256 -s rsassa -u '$T/ake.pub' >/dev/null && tpm2_flushcontext -t"
t_run 0 "challenge the ECC EK --ek-cert" challenge "$T/eke.pub" "$T/ake.pub" "$N" "$T/e.cred" --ek-cert "$T/eke.crt"
t_run 0 "activate" activate "$T/ake.ctx" 0x81010016 "$T/e.cred" "$T/e.secret" pw
t_run 0 "quote" quote ake "$N" e
t_run 0 "pack" pack e "$N" ake "$T/eke.pub" "$T/eke.crt" "$T/e.secret"
t_run 0 "... accepted" verify e "$N"
t_has "poc: affirming (provider swtpm-test-ca)" "... the ECC EK's certificate names the provider"
# The ECC answer shipped as the RSA EK's (same TPM, another EK): another EK name, denied.
cp "$T/e.attest" "$T/x.attest"; cp "$T/e.sig" "$T/x.sig"; cp "$T/e.pcrs" "$T/x.pcrs"
t_run 0 "pack: the ECC EK's answer under the RSA EK" pack x "$N" ake "$T/ek.pub" "$T/ek.crt" "$T/e.secret"
t_run 1 "... denied" verify x "$N"
t_has "the AK was not activated against the EK" "... reason: the answer is for another EK"

# 7. Variants. Without the verifier key the activation cannot be checked: an outage of the
#    verifier, refused (exit 2), never a denial and never an acceptance.
t_run 2 "the honest bundle without --verifier-key: refused" "$POCTOOL" evidence verify "$T/h.cbor" \
	--policy "$T/policy.json" --nonce "$N"
t_has "credential activation was not checked" "... reason: the verifier key is missing"
t_run 2 "the forged bundle (Google's EK) without --verifier-key: refused" "$POCTOOL" evidence verify "$T/a-l1.cbor" \
	--policy "$T/policy.json" --nonce "$N"
sed 's|"binding": "none"}|"platforms": {"allow": [{"ppid": "00000000000000000000000000000001"}]}, "binding": "none"}|' \
	"$T/policy.json" >"$T/policy-plat.json"
t_run 2 "... with a platforms clause that fails too: the outcome hangs on the unchecked activation, refused" "$POCTOOL" evidence verify \
	"$T/h.cbor" --policy "$T/policy-plat.json" --nonce "$N"
t_has "credential activation was not checked" "... the refusal names the unchecked activation"
t_run 0 "... and with the key: accepted" "$POCTOOL" evidence verify "$T/h.cbor" --policy "$T/policy-plat.json" \
	--nonce "$N" --verifier-key "$T/verifier.pem"
t_run 0 "evidence challenge --help says an answer without --ek-cert proves nothing until verify" \
	"$POCTOOL" evidence challenge --help
t_has "proves" "... help: the verifier must check the EK certificate"
# Several EK certificates: the first one is the EK's, whatever follows it.
openssl x509 -inform DER -in "$T/ek.crt" >"$T/ek-crt.pem" 2>/dev/null
cat "$G/gce-2024-ek.pem" "$T/ek-crt.pem" >"$T/two-ek.pem"
cat "$T/ek-crt.pem" "$G/gce-2024-ek.pem" >"$T/two-ek-own-first.pem"
cp "$T/h.attest" "$T/m1.attest"; cp "$T/h.sig" "$T/m1.sig"; cp "$T/h.pcrs" "$T/m1.pcrs"
t_run 0 "pack: [Google EK cert, own EK cert], the attacker's own EK and answer" \
	pack m1 "$N" ak "$T/ek.pub" "$T/two-ek.pem" "$T/h.secret"
t_run 1 "... denied" verify m1 "$N"
t_has "the EK certificate does not certify the EK" "... the first certificate is the EK's"
cp "$T/a.attest" "$T/m2.attest"; cp "$T/a.sig" "$T/m2.sig"; cp "$T/a.pcrs" "$T/m2.pcrs"
t_run 0 "pack: [own EK cert, Google EK cert] with Google's EK public area" \
	pack m2 "$N" ak "$T/gce-ek-l1.pub" "$T/two-ek-own-first.pem" "$T/a.secret"
t_run 1 "... denied" verify m2 "$N"
t_has "the EK certificate does not certify the EK" "... Google's key is not the first certificate's"
# An AK certificate for another key next to a good activation: the AK certificate must certify
# the quoting AK (Google's real AK certificate, and the attacker's own EK certificate as one).
for c in "$G/gce-2024-ak.pem" "$T/ek-crt.pem"; do
	cp "$T/h.attest" "$T/m3.attest"; cp "$T/h.sig" "$T/m3.sig"; cp "$T/h.pcrs" "$T/m3.pcrs"
	t_run 0 "pack: a good activation plus --ak-cert ${c##*/}" "$POCTOOL" evidence pack -o "$T/m3.cbor" --nonce "$N" \
		--ak-pub "$T/ak.pub" --ak-cert "$c" --ek-pub "$T/ek.pub" --ek-cert "$T/ek.crt" --activated-secret "$T/h.secret" \
		--tpm-quote "$T/m3.attest" --tpm-sig "$T/m3.sig" --pcrs "$T/m3.pcrs"
	t_run 1 "... denied" verify m3 "$N"
	t_has "AK certificate does not certify the quoting AK" "... the certificate names another key"
	t_run 0 "... without ak_pub (quotes checked with the certificate's key)" "$POCTOOL" evidence pack \
		-o "$T/m4.cbor" --nonce "$N" --ak-cert "$c" --tpm-quote "$T/m3.attest" --tpm-sig "$T/m3.sig" --pcrs "$T/m3.pcrs"
	t_run 1 "... denied" verify m4 "$N"
	t_has "signature does not verify" "... the quote is not signed by the certified key"
done

t_done
