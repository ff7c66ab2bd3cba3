#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The demo, on a new machine: installs what it needs, builds, starts a private swtpm and the
# TDX simulator, collects Proof-of-Cloud evidence bound to a fresh nonce (poc-v1 binding,
# credential activation against the provider-certified EK), verifies it and writes the signed
# attestation record; then real Intel TDX quotes (a genuine Google Cloud quote, and the
# TEE.fail forgery that only the provider clause rejects). One progress line per step; any
# failure stops with a message and a non-zero exit.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
step() { printf '\n==> %s\n' "$*"; }
die() { printf '\ndemo FAILED: %s\n' "$*" >&2; exit 1; }

step "installing Debian packages (if missing)"
"$top/scripts/deps.sh" || die "package installation failed"
step "building (build/)"
"$top/scripts/build.sh" "$top/build" >/dev/null || die "build failed"
export POCTOOL=$top/build/tools/poctool
D=$top/../shared/testdata/real
[ -d "$D" ] || die "missing $D (the shared test vectors beside the checkout)"

. "$top/tests/swtpm-env.sh"
T=$POC_TEST_TMP
step "starting a private swtpm (EK certificate from a local CA playing the provider)"
poc_swtpm_start demo || die "swtpm did not start"
echo "    TCTI $POC_TCTI"

flush() { tpm2_flushcontext -t; }
unhex() { xxd -r -p; }
step "starting the TDX simulator (poctool sim init): a test PCK hierarchy and DCAP collateral"
"$POCTOOL" sim init "$T/sim" | sed 's/^/    /' || die "sim init failed"

step "creating the endorsement key (with its certificate) and an attestation key in the vTPM"
tpm2_createek -c "$T/ek.ctx" -G rsa -u "$T/ek.pub" >/dev/null && flush &&
	tpm2_nvread 0x1c00002 -o "$T/ek.crt" >/dev/null 2>&1 &&
	tpm2_createak -C "$T/ek.ctx" -c "$T/ak.ctx" -G rsa -g sha256 -s rsassa -u "$T/ak.pub" -n "$T/ak.name" >/dev/null &&
	flush || die "key creation failed"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/verifier.pem" 2>/dev/null || die "openssl"

NONCE=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
NTIME=$(date +%s%3N)
step "the verifier's fresh nonce ${NONCE:0:16}... and its credential challenge for the AK"
"$POCTOOL" evidence challenge --ek-pub "$T/ek.pub" --ak-pub "$T/ak.pub" --nonce "$NONCE" \
	--verifier-key "$T/verifier.pem" -o "$T/cred" || die "evidence challenge failed"

step "collecting evidence (poc-v1): the TD quote names the nonce and the AK; the TPM quote covers the TD quote"
RD=$( { printf 'poc-pkcs11/v1/tdx'; printf '%s' "$NONCE" | unhex; cat "$T/ak.name"; } | openssl dgst -sha512 -binary | od -An -v -tx1 | tr -d ' \n')
"$POCTOOL" sim quote "$T/sim" --report-data "$RD" -o "$T/td.quote" >/dev/null || die "sim quote failed"
Q=$( { printf 'poc-pkcs11/v1/tpm'; printf '%s' "$NONCE" | unhex; head -c 632 "$T/td.quote" | openssl dgst -sha384 -binary; } | openssl dgst -sha256 -binary | od -An -v -tx1 | tr -d ' \n')
tpm2_quote -c "$T/ak.ctx" -l sha256:0,1,2,3,4,5,6,7 -q "$Q" -m "$T/q.attest" -s "$T/q.sig" -g sha256 >/dev/null && flush ||
	die "tpm2_quote failed"
tpm2_pcrread sha256:0,1,2,3,4,5,6,7 | sed -nE 's/^ +([0-9]+) *: *0x([0-9A-Fa-f]+).*/\1 \2/p' | tr A-F a-f >"$T/q.pcrs"
tpm2_startauthsession --policy-session -S "$T/s.ctx" >/dev/null && tpm2_policysecret -S "$T/s.ctx" -c e >/dev/null &&
	tpm2_activatecredential -c "$T/ak.ctx" -C "$T/ek.ctx" -i "$T/cred" -o "$T/secret" -P "session:$T/s.ctx" >/dev/null ||
	die "credential activation failed"
tpm2_flushcontext "$T/s.ctx" >/dev/null 2>&1; flush

step "packing the evidence bundle (poctool evidence pack)"
"$POCTOOL" evidence pack -o "$T/evidence.cbor" --nonce "$NONCE" --nonce-time "$NTIME" \
	--tdx-quote "$T/td.quote" --collateral "$T/sim/collateral" --tpm-quote "$T/q.attest" --tpm-sig "$T/q.sig" \
	--pcrs "$T/q.pcrs" --ak-pub "$T/ak.pub" --ek-pub "$T/ek.pub" --ek-cert "$T/ek.crt" --activated-secret "$T/secret" ||
	die "evidence pack failed"
SIMROOT=$(tr -d ' \n' <"$T/sim/policy-fragment.json" | sed -nE 's/.*"tee":\{[^}]*"roots":\["([^"]+)"\].*/\1/p')
cat >"$T/policy.json" <<JSON
{"version": 1,
 "providers": [{"name": "swtpm-test-ca", "roots": ["$POC_SWTPM_DIR/ca/swtpm-localca-rootca-cert.pem"],
                "intermediates": ["$POC_SWTPM_DIR/ca/issuercert.pem"]}],
 "tee": {"type": "tdx", "roots": ["$SIMROOT"], "tcb_status": ["UpToDate"]},
 "binding": "poc-v1", "freshness": {"max_age_s": 300, "max_rtt_ms": 60000}}
JSON

step "the Proof-of-Cloud check (poctool evidence verify), writing the signed attestation record"
"$POCTOOL" evidence verify "$T/evidence.cbor" --policy "$T/policy.json" --nonce "$NONCE" \
	--verifier-key "$T/verifier.pem" --record "$T/record.cose" --record-key "$T/verifier.pem" ||
	die "fresh evidence was not accepted"
openssl pkey -in "$T/verifier.pem" -pubout -out "$T/verifier.pub.pem" 2>/dev/null
"$POCTOOL" record verify "$T/record.cose" --key "$T/verifier.pub.pem" || die "the record does not verify"

step "replaying the same evidence against another nonce (must be denied)"
"$POCTOOL" evidence verify "$T/evidence.cbor" --policy "$T/policy.json" --verifier-key "$T/verifier.pem" \
	--nonce "$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')"
[ $? -eq 1 ] || die "a replay was not denied"

step "a genuine Google Cloud TDX quote with its DCAP collateral (at its capture time)"
cat >"$T/tdx.json" <<JSON
{"version": 1, "tee": {"type": "tdx", "roots": ["$D/tdx/intel-sgx-root-ca.pem"], "tcb_status": ["UpToDate"]}}
JSON
"$POCTOOL" evidence pack -o "$T/gcp.cbor" --tdx-quote "$D/tdx/gcp-tdx-1782809233/quote.bin" \
	--collateral "$D/tdx/gcp-tdx-1782809233/collateral" || die "pack failed"
"$POCTOOL" evidence verify "$T/gcp.cbor" --policy "$T/tdx.json" --at 1782809233 || die "the GCP quote was not accepted"

step "the TEE.fail forgery: genuine-looking to DCAP, denied by the Proof-of-Cloud provider clause"
cat >"$T/poc.json" <<JSON
{"version": 1, "providers": [{"name": "gcp", "roots": ["$D/gce-certs/gce-ekak-ca-root.pem"],
  "intermediates": ["$D/gce-certs/gce-ekak-ca-intermediate-v3.pem"]}],
 "tee": {"type": "tdx", "roots": ["$D/tdx/intel-sgx-root-ca.pem"]}}
JSON
"$POCTOOL" evidence pack -o "$T/teefail.cbor" --tdx-quote "$D/tdx/tee-fail-forged/quote.bin" || die "pack failed"
"$POCTOOL" evidence verify "$T/teefail.cbor" --policy "$T/poc.json" --at 1770000000
[ $? -eq 1 ] || die "the TEE.fail forgery was not denied"

step "stopping swtpm and cleaning up"
poc_cleanup
trap - EXIT
printf '\ndemo OK\n'
