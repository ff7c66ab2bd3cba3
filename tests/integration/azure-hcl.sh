#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The real Azure TDX confidential VM capture under the azure-hcl binding: accepted at its
# time with the 64-zero-byte nonce; denied for a flipped bit in each part, another nonce,
# and the GCE capture's AK swapped in (mix and match).
. "$POC_SRCDIR/tests/swtpm-env.sh"
. "$POC_SRCDIR/tests/lib.sh"
t_need_testdata
T=$POC_TEST_TMP
A=$D/azure/tdx-vtpm-1780922561
AT=1780922561
ZERO=$(printf '%0128d' 0)

# The HCL report is the TD software's text: only tee.mrtd pinning the TD to Azure's paravisor (the
# capture's MRTD) lets it say that the vTPM is inside the TD (docs/policy.md, the mix-and-match rule).
MRTD=ff450b138c5ee6734a43dc35afb437abfa24ef743bc9e9484ef4af365fcd89a6c50913248ed7fcb92a7d42b1ba7da984
cat >"$T/policy.json" <<JSON
{"version": 1,
 "providers": [{"name": "azure", "roots": ["$D/azure/roots/azure-virtual-tpm-root-2023.pem"]}],
 "tee": {"type": "tdx", "roots": ["$D/tdx/intel-sgx-root-ca.pem"], "tcb_status": ["UpToDate"], "mrtd": ["$MRTD"]},
 "binding": "azure-hcl"}
JSON
sed 's|, "mrtd": \["[0-9a-f]*"\]||' "$T/policy.json" >"$T/nomrtd.json"

# pack OUT [overrides as NAME=FILE...]: the Azure bundle, with some parts replaced.
pack() {
	local out=$1 quote=$A/tdx_quote.bin hcl=$A/hcl_report.bin attest=$A/tpm_quote.attest sig=$A/tpm_quote.sig
	local akcert=$A/ak.crt.pem chain=$A/ak-intermediates.pem; shift
	for kv in "$@"; do eval "${kv%%=*}=\${kv#*=}"; done
	"$POCTOOL" evidence pack -o "$out" --tdx-quote "$quote" --hcl-report "$hcl" --collateral "$A/collateral" \
		--tpm-quote "$attest" --tpm-sig "$sig" --pcrs "$A/tpm_pcrs-sha256.txt" --ak-cert "$akcert" --ak-chain "$chain"
}
flip() { # flip SRC OFFSET OUT: bit 0 of one byte
	cp "$1" "$3"
	local b; b=$(od -An -j"$2" -N1 -tu1 "$3" | tr -d ' ')
	printf "\\x$(printf %02x $(( b ^ 1 )))" | dd of="$3" bs=1 seek="$2" conv=notrunc status=none
}

t_run 0 "pack the Azure capture" pack "$T/ok.cbor"
t_run 0 "accepted at $AT with the 64-zero-byte nonce" "$POCTOOL" evidence verify "$T/ok.cbor" --policy "$T/policy.json" --nonce "$ZERO" --at $AT
t_has "poc: affirming (provider azure)" "the AK certificate chains to the Azure Cloud Virtual TPM root"
t_has "TCB UpToDate" "the TD's TCB is up to date"
t_run 0 "without tee.mrtd: accepted, but only a warning" "$POCTOOL" evidence verify "$T/ok.cbor" --policy "$T/nomrtd.json" --nonce "$ZERO" --at $AT
t_has "poc: warning" "... poc is warning"
t_has "warning: \$.tee.mrtd" "... naming \$.tee.mrtd"
t_run 1 "another nonce is denied" "$POCTOOL" evidence verify "$T/ok.cbor" --policy "$T/policy.json" --nonce "${ZERO%??}01" --at $AT
t_has "denied: \$.binding" "names the binding"

# One flipped bit in each part (offsets: the TD body, the quote signature, the QE report,
# the HCL report's runtime JSON, its TD report's TDINFO and REPORTDATA, the TPM quote, its
# signature, the AK certificate).
for spec in quote:tdx_quote.bin:200 quote:tdx_quote.bin:640 quote:tdx_quote.bin:800 \
	hcl:hcl_report.bin:1300 hcl:hcl_report.bin:2000 hcl:hcl_report.bin:700 hcl:hcl_report.bin:180 \
	attest:tpm_quote.attest:100 sig:tpm_quote.sig:100 akcert:ak.crt.pem:300; do
	IFS=: read -r part file off <<<"$spec"
	flip "$A/$file" "$off" "$T/flip-$file"
	# pack copies the parts as given (it appraises nothing): each flipped part packs, and the
	# verifier is the one that must deny it.
	rm -f "$T/f.cbor"
	t_run 0 "pack with a flipped bit in $file at $off" pack "$T/f.cbor" "$part=$T/flip-$file"
	t_run 1 "a flipped bit in $file at $off is denied" "$POCTOOL" evidence verify "$T/f.cbor" --policy "$T/policy.json" --nonce "$ZERO" --at $AT
done

# Mix and match: the GCE capture's AK (certificate and quote) with the Azure TD and HCL report.
G=$D/gce-cos85-nonce9009
t_run 0 "pack the GCE AK with the Azure TD and HCL report" "$POCTOOL" evidence pack -o "$T/mix.cbor" --tdx-quote "$A/tdx_quote.bin" --hcl-report "$A/hcl_report.bin" \
	--collateral "$A/collateral" --tpm-quote "$G/quote-sha256.attest" --tpm-sig "$G/quote-sha256.sig" \
	--pcrs "$G/pcrs-sha256.txt" --ak-pub "$G/ak.pub" --ak-cert "$G/ak.crt.der"
sed 's|"providers": \[|"providers": [{"name": "gcp-legacy", "roots": ["'"$D"'/gce-certs/gce-tpm-ek-root-1.pem"], "intermediates": ["'"$D"'/gce-certs/gce-tpm-ek-intermediate-2.pem"]},|' \
	"$T/policy.json" >"$T/both.json"
t_run 1 "the GCE AK swapped in is denied" "$POCTOOL" evidence verify "$T/mix.cbor" --policy "$T/both.json" --nonce "$ZERO" --at $AT
t_has "denied: \$.binding" "names the binding"
# Even with the GCE quote's own nonce, the HCL report names another AK.
t_run 1 "the GCE AK swapped in is denied whatever the nonce" "$POCTOOL" evidence verify "$T/mix.cbor" --policy "$T/both.json" --nonce 9009 --at $AT

# An AK that quotes the right extraData (the nonce's first 32 bytes) but is not the HCL
# report's HCLAkPub: a swtpm AK standing in for the Azure vTPM.
poc_swtpm_start impostor || { echo "Bail out! swtpm"; exit 1; }
tpm2_createek -c "$T/ek.ctx" -G rsa -u "$T/ek.pub" >/dev/null && tpm2_flushcontext -t &&
	tpm2_createak -C "$T/ek.ctx" -c "$T/ak.ctx" -G rsa -g sha256 -s rsassa -u "$T/ak.pub" -n "$T/ak.name" >/dev/null &&
	tpm2_flushcontext -t &&
	tpm2_quote -c "$T/ak.ctx" -l sha256:0 -q "${ZERO:0:64}" -m "$T/q.attest" -s "$T/q.sig" -g sha256 >/dev/null &&
	tpm2_flushcontext -t || { echo "Bail out! tpm2-tools"; exit 1; }
printf '0 %s\n' "$(tpm2_pcrread sha256:0 | sed -nE 's/^ +0 *: *0x([0-9A-Fa-f]+).*/\1/p' | tr A-F a-f)" >"$T/q.pcrs"
t_run 0 "pack the impostor AK's quote with the Azure TD and HCL report" "$POCTOOL" evidence pack -o "$T/impostor.cbor" --tdx-quote "$A/tdx_quote.bin" --hcl-report "$A/hcl_report.bin" \
	--tpm-quote "$T/q.attest" --tpm-sig "$T/q.sig" --pcrs "$T/q.pcrs" --ak-pub "$T/ak.pub"
printf '{"version": 1, "tee": {"type": "tdx", "roots": ["%s"]}, "binding": "azure-hcl"}' "$D/tdx/intel-sgx-root-ca.pem" >"$T/nopro.json"
t_run 1 "another AK with the right extraData is denied" "$POCTOOL" evidence verify "$T/impostor.cbor" --policy "$T/nopro.json" --nonce "$ZERO" --at $AT
t_has "HCLAkPub is not the AK" "names the HCL report's AK"
t_done
