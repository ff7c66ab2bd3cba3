#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The demo, on a new machine: installs what it needs, builds, starts a private swtpm, and
# runs the Proof-of-Cloud verifier on evidence collected from it with a fresh nonce, then on
# real Intel TDX quotes (a genuine Google Cloud quote, and the TEE.fail forgery that only the
# provider clause rejects). One progress line per step; any failure stops with a message.
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

step "creating the endorsement key and an attestation key in the vTPM"
tpm2_createek -c "$T/ek.ctx" -G rsa -u "$T/ek.pub" >/dev/null && tpm2_flushcontext -t &&
	tpm2_createak -C "$T/ek.ctx" -c "$T/ak.ctx" -G ecc -g sha256 -s ecdsa -u "$T/ak.pub" -n "$T/ak.name" >/dev/null &&
	tpm2_flushcontext -t || die "key creation failed"

NONCE=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
step "quoting PCRs 0-7 with a fresh verifier nonce ${NONCE:0:16}..."
tpm2_quote -c "$T/ak.ctx" -l sha256:0,1,2,3,4,5,6,7 -q "$NONCE" -m "$T/q.attest" -s "$T/q.sig" -g sha256 \
	--scheme ecdsa >/dev/null && tpm2_flushcontext -t || die "tpm2_quote failed"
tpm2_pcrread sha256:0,1,2,3,4,5,6,7 | sed -nE 's/^ +([0-9]+) *: *0x([0-9A-Fa-f]+).*/\1 \2/p' | tr A-F a-f >"$T/q.pcrs"
PCR7=$(awk '$1 == 7 {print $2}' "$T/q.pcrs")

step "packing the evidence bundle (poctool evidence pack)"
"$POCTOOL" evidence pack -o "$T/evidence.cbor" --nonce "$NONCE" --ak-pub "$T/ak.pub" \
	--tpm-quote "$T/q.attest" --tpm-sig "$T/q.sig" --pcrs "$T/q.pcrs" || die "evidence pack failed"
cat >"$T/policy.json" <<JSON
{"version": 1, "vtpm": {"pcrs": {"sha256": {"7": ["$PCR7"]}}}, "binding": "none"}
JSON

step "verifying it with the nonce (poctool evidence verify)"
"$POCTOOL" evidence verify "$T/evidence.cbor" --policy "$T/policy.json" --nonce "$NONCE" || die "fresh evidence was not accepted"

step "replaying the same evidence against another nonce (must be denied)"
"$POCTOOL" evidence verify "$T/evidence.cbor" --policy "$T/policy.json" --nonce "$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')"
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
