#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Attacks on the TDX appraisal, mounted from outside with tests/integration/tdx-forge.py
# (Python cryptography) on simulator evidence, whose keys an attacker is given here:
#  (a) a QE report from another enclave (MRSIGNER, ISVPRODID, DEBUG, MISCSELECT) certified by
#      the PCK key, under a tee policy without tcb_status, with and without collateral;
#  (b) TCB Info / QE Identity re-signed by a PCK leaf key, by an intermediate-issued "Intel SGX
#      TCB Signing" certificate, by root-issued certificates of the wrong name or kind;
#  (c) a revoked PCK, without tcb_status.
# Each is denied naming its $.tee clause, next to the honest control that is accepted.
. "$POC_SRCDIR/tests/swtpm-env.sh"
. "$POC_SRCDIR/tests/lib.sh"
T=$POC_TEST_TMP
F="$PY $POC_SRCDIR/tests/integration/tdx-forge.py"
N=$(printf '%064d' 0 | tr 0 a)

"$POCTOOL" sim init "$T/sim" >/dev/null 2>&1 || t_fail "sim init"
S=$T/sim
"$POCTOOL" sim quote "$S" --report-data "$N" -o "$T/q.bin" >/dev/null 2>&1 || t_fail "sim quote"
cat >"$T/sig.json" <<JSON
{"version": 1, "tee": {"type": "tdx", "roots": ["$S/root_ca.pem"]}}
JSON
cat >"$T/tcb.json" <<JSON
{"version": 1, "tee": {"type": "tdx", "roots": ["$S/root_ca.pem"], "tcb_status": ["UpToDate"]}}
JSON
# t_denied CLAUSE TEXT DESC: the last t_run denied exactly CLAUSE, and its output contains TEXT.
t_denied() {
	if printf '%s\n' "$T_OUT" | grep -qxF -- "denied: $1" && printf '%s' "$T_OUT" | grep -qF -- "$2"; then
		t_ok "$3"
	else
		t_fail "$3 (want \"denied: $1\" and \"$2\")"; printf '%s\n' "$T_OUT" | head -20 | t_diag
	fi
}
# verify WANT DESC QUOTE POLICY [COLLATERAL_DIR]: packs the quote (with collateral if given) and verifies it.
verify() {
	local want=$1 desc=$2 quote=$3 policy=$4 coll=${5:-}
	rm -f "$T/b.cbor"
	if [ -n "$coll" ]; then
		"$POCTOOL" evidence pack --tdx-quote "$quote" --collateral "$coll" -o "$T/b.cbor" >/dev/null 2>&1
	else
		"$POCTOOL" evidence pack --tdx-quote "$quote" -o "$T/b.cbor" >/dev/null 2>&1
	fi || { t_fail "$desc: pack"; return; }
	t_run "$want" "$desc" "$POCTOOL" evidence verify "$T/b.cbor" --policy "$T/$policy" --nonce "$N"
}

# ---- controls: honest sim evidence, and the producer's own re-signing, are accepted ----
verify 0 "honest sim quote, no tcb_status, no collateral: accepted" "$T/q.bin" sig.json
t_has "Intel's built-in identities" "without collateral the built-in QE/module floor applied"
t_has "PCK revocation not checked" "without collateral the summary says revocation was not checked"
verify 0 "honest sim quote, no tcb_status, with collateral: accepted" "$T/q.bin" sig.json "$S/collateral"
verify 0 "honest sim quote under tcb_status: accepted" "$T/q.bin" tcb.json "$S/collateral"
t_has "TCB UpToDate" "honest sim: TCB UpToDate"
$F requote "$T/q.bin" "$T/q-same.bin" "$S/pck.key" || t_fail "requote (no change)"
verify 0 "control: re-signed QE report with Intel's identity and a new attestation key: accepted" \
	"$T/q-same.bin" sig.json "$S/collateral"

# ---- (a) a QE report from another enclave, certified with the PCK key ----
OTHER=$(printf '%064d' 0 | tr 0 7)
$F requote "$T/q.bin" "$T/q-mrsigner.bin" "$S/pck.key" --mrsigner "$OTHER" || t_fail "requote mrsigner"
$F requote "$T/q.bin" "$T/q-prodid.bin" "$S/pck.key" --isvprodid 1 || t_fail "requote isvprodid"
$F requote "$T/q.bin" "$T/q-debug.bin" "$S/pck.key" --attributes 13000000000000000000000000000000 || t_fail "requote debug"
$F requote "$T/q.bin" "$T/q-misc.bin" "$S/pck.key" --miscselect 1 || t_fail "requote miscselect"
for pol in sig.json tcb.json; do
	for cw in without with; do
		coll=
		[ "$cw" = with ] && coll=$S/collateral
		w="${pol%.json}, $cw collateral"
		verify 1 "another enclave's MRSIGNER ($w): denied" "$T/q-mrsigner.bin" "$pol" "$coll"
		t_denied '$.tee' "the quote was not signed by Intel's TD quoting enclave: QE report MRSIGNER $OTHER"  \
			"MRSIGNER ($w): names \$.tee and the MRSIGNER"
		verify 1 "ISVPRODID 1 ($w): denied" "$T/q-prodid.bin" "$pol" "$coll"
		t_has "QE report ISVPRODID 1" "ISVPRODID ($w): named"
		verify 1 "a DEBUG QE ($w): denied" "$T/q-debug.bin" "$pol" "$coll"
		t_has "the QE runs in DEBUG mode" "DEBUG QE ($w): named"
		verify 1 "MISCSELECT 1 ($w): denied" "$T/q-misc.bin" "$pol" "$coll"
		t_denied '$.tee' "the quote was not signed by Intel's TD quoting enclave: QE report MISCSELECT"  \
			"MISCSELECT ($w): named"
	done
done
# ... and the attacker's own QE Identity for it, signed with the PCK key, is no help.
$F resign "$S/collateral" "$T/c-qe-pck" "$S/pck.key" "$S/pck.pem" "$S/platform_ca.pem" "$S/root_ca.pem" \
	--edit qe_identity 'dc9e2a7c6f948f17474e34a7fc43ed030f7c1563f1babddf6340c82e0e54a8c5' "$OTHER" ||
	t_fail "resign QE Identity"
cp "$S"/collateral/tcb_info* "$T/c-qe-pck/" # only the QE Identity is the attacker's
verify 1 "another MRSIGNER with a matching QE Identity signed by the PCK key: denied" "$T/q-mrsigner.bin" sig.json "$T/c-qe-pck"
t_denied '$.tee' 'DCAP collateral: QE Identity signer "CN = poc-pkcs11 Sim SGX PCK Certificate' "names \$.tee and the QE Identity's signer"

# ---- (b) collateral signed by other certificates under the root ----
# Intel's truth in this test: the TDX module's level is OutOfDate (signed by the TCB Signing key).
$F resign "$S/collateral" "$T/c-ood" "$S/tcb_signing.key" "$S/tcb_signing.pem" "$S/root_ca.pem" \
	--edit tcb_info '"tcbStatus":"UpToDate"' '"tcbStatus":"OutOfDate"' || t_fail "resign OutOfDate"
verify 1 "control: OutOfDate collateral by the TCB Signing key is denied under tcb_status" "$T/q.bin" tcb.json "$T/c-ood"
t_denied '$.tee.tcb_status' "TCB status OutOfDate (level"  "control: the TCB status is OutOfDate"
verify 0 "control: the same collateral without tcb_status is accepted" "$T/q.bin" sig.json "$T/c-ood"
# flip OutOfDate back to UpToDate, re-signed by a key an attacker can extract or make.
flip() { # flip NAME KEY CERT [CHAIN...]
	local name=$1; shift
	$F resign "$T/c-ood" "$T/c-$name" "$@" --edit tcb_info '"tcbStatus":"OutOfDate"' '"tcbStatus":"UpToDate"' ||
		t_fail "resign $name"
}
flip tcbsign "$S/tcb_signing.key" "$S/tcb_signing.pem" "$S/root_ca.pem"
verify 0 "control: UpToDate re-signed by the TCB Signing key is accepted (the producer signs right)" "$T/q.bin" tcb.json "$T/c-tcbsign"
flip pck "$S/pck.key" "$S/pck.pem" "$S/platform_ca.pem" "$S/root_ca.pem"
for pol in tcb.json sig.json; do
	verify 1 "collateral re-signed by the PCK leaf key (${pol%.json}): denied" "$T/q.bin" "$pol" "$T/c-pck"
	t_has "is not issued directly by the trusted root" "PCK leaf signer (${pol%.json}): not issued by the root"
done
t_denied '$.tee' "DCAP collateral"  "without tcb_status the collateral denial names \$.tee"
$F cert "$T/imm.key" "$T/imm.pem" "Intel SGX TCB Signing" "$S/platform_ca.pem" "$S/platform_ca.key" || t_fail "cert imm"
flip imm "$T/imm.key" "$T/imm.pem" "$S/platform_ca.pem" "$S/root_ca.pem"
verify 1 "an intermediate-issued \"Intel SGX TCB Signing\": denied" "$T/q.bin" tcb.json "$T/c-imm"
t_denied '$.tee.tcb_status' 'DCAP collateral: TCB Info signer "CN = Intel SGX TCB Signing' "names the signer"
t_has "is not issued directly by the trusted root" "intermediate-issued: not issued by the root"
# Certificates the root itself issued, but of the wrong name or kind.
$F cert "$T/wrongcn.key" "$T/wrongcn.pem" "Intel SGX PCK Platform CA" "$S/root_ca.pem" "$S/root_ca.key" || t_fail "cert wrongcn"
flip wrongcn "$T/wrongcn.key" "$T/wrongcn.pem" "$S/root_ca.pem"
verify 1 "a root-issued signer with another CN: denied" "$T/q.bin" tcb.json "$T/c-wrongcn"
t_has "not the TCB Signing certificate" "another CN: the subject rule"
$F cert "$T/ca.key" "$T/ca.pem" "Intel SGX TCB Signing" "$S/root_ca.pem" "$S/root_ca.key" --ca || t_fail "cert ca"
flip ca "$T/ca.key" "$T/ca.pem" "$S/root_ca.pem"
verify 1 "a root-issued CA named \"Intel SGX TCB Signing\": denied" "$T/q.bin" tcb.json "$T/c-ca"
t_has "is not a signing certificate" "a CA: the key usage rule"
flip platform "$S/platform_ca.key" "$S/platform_ca.pem" "$S/root_ca.pem"
verify 1 "collateral signed by the PCK Platform CA key: denied" "$T/q.bin" tcb.json "$T/c-platform"
t_has "not the TCB Signing certificate" "Platform CA: the subject rule"

# ---- (c) revocation, with and without tcb_status ----
cp -r "$S/collateral" "$T/c-crl-ok"
$F crl "$T/c-crl-ok/pck_crl.der" "$S/platform_ca.pem" "$S/platform_ca.key" || t_fail "crl (empty)"
verify 0 "control: a PCK CRL made here that lists nothing: accepted" "$T/q.bin" sig.json "$T/c-crl-ok"
cp -r "$S/collateral" "$T/c-revoked"
$F crl "$T/c-revoked/pck_crl.der" "$S/platform_ca.pem" "$S/platform_ca.key" "$S/pck.pem" || t_fail "crl (revoked)"
serial=$(openssl x509 -in "$S/pck.pem" -noout -serial | sed 's/serial=//' | tr 'A-F' 'a-f')
for pol in sig.json tcb.json; do
	verify 1 "a revoked PCK (${pol%.json}): denied" "$T/q.bin" "$pol" "$T/c-revoked"
	t_denied '$.tee' "PCK certificate: PCK certificate serial $serial revoked"  "revoked PCK (${pol%.json}): names \$.tee and the serial"
done
# The revoking CRL under another CA name, or signed by another key with the CA's name: the CRL itself is refused.
"$POCTOOL" sim init "$T/sim2" >/dev/null 2>&1 || t_fail "sim init 2"
cp -r "$S/collateral" "$T/c-crl-foreign"
$F crl "$T/c-crl-foreign/pck_crl.der" "$S/platform_ca.pem" "$T/sim2/platform_ca.key" "$S/pck.pem" || t_fail "crl (foreign key)"
verify 1 "a PCK CRL with the CA's name but another key: denied" "$T/q.bin" sig.json "$T/c-crl-foreign"
t_denied '$.tee' "DCAP collateral: PCK CRL signature does not verify"  "the CRL signature is named"
# ---- (d) variants: collateral signed by the right key (Intel's truth here) but not for this
#      quote: another FMSPC, an identity outside its validity, CRLs expired or of another root ----
fmspc=$(sed -nE 's/.*"fmspc":"([0-9A-Fa-f]{12})".*/\1/p' "$S/collateral/tcb_info.json")
other=$(printf '%s' "$fmspc" | sed -E 's/.$/F/'); [ "$other" = "$fmspc" ] && other=$(printf '%s' "$fmspc" | sed -E 's/.$/E/')
$F resign "$S/collateral" "$T/c-fmspc" "$S/tcb_signing.key" "$S/tcb_signing.pem" "$S/root_ca.pem" \
	--edit tcb_info "\"fmspc\":\"$fmspc\"" "\"fmspc\":\"$other\"" || t_fail "resign fmspc"
verify 1 "TCB Info of another FMSPC, without tcb_status: denied" "$T/q.bin" sig.json "$T/c-fmspc"
t_denied '$.tee' "collateral from another FMSPC" "another FMSPC (sig): names \$.tee"
verify 1 "TCB Info of another FMSPC, under tcb_status: denied" "$T/q.bin" tcb.json "$T/c-fmspc"
t_denied '$.tee.tcb_status' "collateral from another FMSPC" "another FMSPC (tcb): names \$.tee.tcb_status"
next=$(sed -nE 's/.*"nextUpdate":"([^"]+)".*/\1/p' "$S/collateral/qe_identity.json")
issue=$(sed -nE 's/.*"issueDate":"([^"]+)".*/\1/p' "$S/collateral/qe_identity.json")
$F resign "$S/collateral" "$T/c-qe-old" "$S/tcb_signing.key" "$S/tcb_signing.pem" "$S/root_ca.pem" \
	--edit qe_identity "\"nextUpdate\":\"$next\"" '"nextUpdate":"2020-01-01T00:00:00Z"' || t_fail "resign qe old"
$F resign "$S/collateral" "$T/c-qe-new" "$S/tcb_signing.key" "$S/tcb_signing.pem" "$S/root_ca.pem" \
	--edit qe_identity "\"issueDate\":\"$issue\"" '"issueDate":"2099-01-01T00:00:00Z"' || t_fail "resign qe new"
for pol in sig.json tcb.json; do
	verify 1 "an expired QE Identity (${pol%.json}): denied" "$T/q.bin" "$pol" "$T/c-qe-old"
	t_has "QE Identity expired" "expired QE Identity (${pol%.json}): named"
	verify 1 "a QE Identity not yet valid (${pol%.json}): denied" "$T/q.bin" "$pol" "$T/c-qe-new"
	t_has "QE Identity not yet valid" "future QE Identity (${pol%.json}): named"
done
cp -r "$S/collateral" "$T/c-crl-expired"
$PY - "$T/c-crl-expired/pck_crl.der" "$S/platform_ca.pem" "$S/platform_ca.key" <<'PYCRL' || t_fail "expired crl"
import sys, datetime
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
ca = x509.load_pem_x509_certificate(open(sys.argv[2], "rb").read())
key = serialization.load_pem_private_key(open(sys.argv[3], "rb").read(), None)
now = datetime.datetime.now(datetime.timezone.utc)
b = (x509.CertificateRevocationListBuilder().issuer_name(ca.subject)
     .last_update(now - datetime.timedelta(days=10)).next_update(now - datetime.timedelta(days=1)))
open(sys.argv[1], "wb").write(b.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER))
PYCRL
verify 1 "an expired PCK CRL (no tcb_status): denied" "$T/q.bin" sig.json "$T/c-crl-expired"
t_denied '$.tee' "PCK CRL expired" "expired PCK CRL: named"
cp -r "$S/collateral" "$T/c-rootcrl-foreign"
cp "$T/sim2/collateral/root_ca_crl.der" "$T/c-rootcrl-foreign/"
verify 1 "another root's Root CA CRL: denied" "$T/q.bin" sig.json "$T/c-rootcrl-foreign"
t_denied '$.tee' "Root CA CRL is not signed by a trusted Intel root" "foreign Root CA CRL: named"
cp -r "$T/sim2/collateral" "$T/c-foreign"
verify 1 "another root's whole collateral: denied" "$T/q.bin" tcb.json "$T/c-foreign"
t_denied '$.tee.tcb_status' "DCAP collateral" "foreign collateral: named"

# ---- (e) the same origin checks on quote v5 (TD 1.0 and TD 1.5 bodies) ----
for bt in 2 3; do
	$F requote "$T/q.bin" "$T/q5-$bt.bin" "$S/pck.key" --v5 $bt || t_fail "requote v5 $bt"
	$F requote "$T/q.bin" "$T/q5-$bt-mrsigner.bin" "$S/pck.key" --v5 $bt --mrsigner "$OTHER" || t_fail "requote v5 $bt mrsigner"
	verify 0 "control: v5 (body type $bt) with Intel's QE identity: accepted" "$T/q5-$bt.bin" tcb.json "$S/collateral"
	t_has "TCB UpToDate" "v5 (body type $bt): TCB UpToDate"
	for cw in without with; do
		coll=
		[ "$cw" = with ] && coll=$S/collateral
		verify 1 "v5 (body type $bt), another enclave's MRSIGNER, $cw collateral: denied" "$T/q5-$bt-mrsigner.bin" sig.json "$coll"
		t_denied '$.tee' "the quote was not signed by Intel's TD quoting enclave: QE report MRSIGNER $OTHER" \
			"v5 (body type $bt, $cw collateral): names \$.tee and the MRSIGNER"
	done
	verify 1 "v5 (body type $bt) with collateral of another FMSPC: denied" "$T/q5-$bt.bin" sig.json "$T/c-fmspc"
	t_has "collateral from another FMSPC" "v5 (body type $bt), another FMSPC: named"
done

t_done
