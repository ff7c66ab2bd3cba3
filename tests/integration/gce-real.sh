#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The real Google Cloud vTPM captures through poctool evidence pack + verify, with the
# verdicts testdata/real/README.md states.
. "$POC_SRCDIR/tests/swtpm-env.sh"
. "$POC_SRCDIR/tests/lib.sh"
t_need_testdata
T=$POC_TEST_TMP
AT=1780000000 # certificates valid 2021-2051

pack() { # pack DIR OUT [extra args]: all three quotes of a capture
	local dir=$1 out=$2; shift 2
	"$POCTOOL" evidence pack -o "$out" --ak-pub "$dir/ak.pub" --ak-cert "$dir/ak.crt.der" \
		--eventlog "$dir/eventlog.bin" \
		--tpm-quote "$dir/quote-sha1.attest" --tpm-sig "$dir/quote-sha1.sig" --pcrs "$dir/pcrs-sha1.txt" \
		--tpm-quote "$dir/quote-sha256.attest" --tpm-sig "$dir/quote-sha256.sig" --pcrs "$dir/pcrs-sha256.txt" \
		--tpm-quote "$dir/quote-sha384.attest" --tpm-sig "$dir/quote-sha384.sig" --pcrs "$dir/pcrs-sha384.txt" "$@"
}

cat >"$T/legacy.json" <<JSON
{"version": 1,
 "providers": [{"name": "gcp-legacy", "roots": ["$D/gce-certs/gce-tpm-ek-root-1.pem"],
                "intermediates": ["$D/gce-certs/gce-tpm-ek-intermediate-2.pem"]}],
 "vtpm": {"pcrs": {"sha256": {"0": ["0f35c214608d93c7a6e68ae7359b4a8be5a0e99eea9107ece427c4dea4e439cf"]}},
          "eventlog": "required"},
 "binding": "none"}
JSON

t_run 0 "pack the nonce-9009 capture" pack "$D/gce-cos85-nonce9009" "$T/n9009.cbor"
t_run 0 "pack the no-nonce capture" pack "$D/gce-cos85-nononce" "$T/nonone.cbor"

t_run 0 "nonce 9009 accepted" "$POCTOOL" evidence verify "$T/n9009.cbor" --policy "$T/legacy.json" --nonce 9009 --at $AT
t_has "accepted" "summary says accepted"
t_has "poc: affirming (provider gcp-legacy)" "the AK certificate chains to the legacy GCE root"
t_has "3 quotes" "all three banks verified"
t_has "resetCount 10, restartCount 0, firmware 2016051100162800, qualifiedSigner 000bde01fe4b" "clock info, firmware and qualifiedSigner reported"
t_has "tpm_ek_v1_cloud_host_root-signer" "the matched chain ends at the legacy GCE root"
t_has "gce: zone us-central1-a, project google.com:wuale-gcp-testing (117478743145), instance cos-test (6797026933021542085), production" \
	"GCE instance information from the AK certificate"
sed 's|"intermediates"|"require_production": true, "intermediates"|' "$T/legacy.json" >"$T/prod.json"
t_run 0 "require_production: the AK certificate says isProduction" "$POCTOOL" evidence verify "$T/n9009.cbor" --policy "$T/prod.json" --nonce 9009 --at $AT
t_has "nonce: checked" "the nonce was checked"

t_run 1 "nonce 9008 denied" "$POCTOOL" evidence verify "$T/n9009.cbor" --policy "$T/legacy.json" --nonce 9008 --at $AT
t_has "denied: \$.binding" "the denial names the binding clause"
t_has "nonce" "the denial says nonce"

t_run 0 "no-nonce capture accepted with an empty nonce" "$POCTOOL" evidence verify "$T/nonone.cbor" --policy "$T/legacy.json" --nonce "" --at $AT
t_run 1 "no-nonce capture denied with nonce 9009" "$POCTOOL" evidence verify "$T/nonone.cbor" --policy "$T/legacy.json" --nonce 9009 --at $AT
t_run 1 "nonce-9009 capture denied with an empty nonce" "$POCTOOL" evidence verify "$T/n9009.cbor" --policy "$T/legacy.json" --nonce "" --at $AT
t_run 0 "without --nonce: accepted, and says no nonce was checked" "$POCTOOL" evidence verify "$T/n9009.cbor" --policy "$T/legacy.json" --at $AT
t_has "NOT checked" "the summary warns that no nonce was checked"

# The provider clause: another provider's root does not accept the AK certificate.
sed "s|gce-tpm-ek-root-1.pem|gce-ekak-ca-root.pem|" "$T/legacy.json" >"$T/wrong-root.json"
t_run 1 "AK certificate under another root denied" "$POCTOOL" evidence verify "$T/n9009.cbor" --policy "$T/wrong-root.json" --nonce 9009 --at $AT
t_has "denied: \$.providers" "the denial names the providers clause"

# A PCR reference value that differs.
sed "s|0f35c214|1f35c214|" "$T/legacy.json" >"$T/wrong-pcr.json"
t_run 1 "unexpected PCR0 denied" "$POCTOOL" evidence verify "$T/n9009.cbor" --policy "$T/wrong-pcr.json" --nonce 9009 --at $AT
t_has "denied: \$.vtpm.pcrs.sha256.0" "the denial names the PCR clause"
t_has "0f35c214" "the denial shows the observed value"

# After every certificate expired.
t_run 1 "denied in 2260 (certificates expired)" "$POCTOOL" evidence verify "$T/n9009.cbor" --policy "$T/legacy.json" --nonce 9009 --at 9000000000
t_has "expired" "the denial says expired"

# A changed PCR value in the evidence breaks the quote's pcrDigest.
sed 's/^0 0f35/0 1f35/' "$D/gce-cos85-nonce9009/pcrs-sha256.txt" >"$T/pcrs-bad.txt"
t_run 0 "pack with a changed PCR value" "$POCTOOL" evidence pack -o "$T/badpcr.cbor" --ak-pub "$D/gce-cos85-nonce9009/ak.pub" \
	--tpm-quote "$D/gce-cos85-nonce9009/quote-sha256.attest" --tpm-sig "$D/gce-cos85-nonce9009/quote-sha256.sig" --pcrs "$T/pcrs-bad.txt"
echo '{"version": 1, "binding": "none"}' >"$T/plain.json"
t_run 1 "changed PCR value denied" "$POCTOOL" evidence verify "$T/badpcr.cbor" --policy "$T/plain.json" --at $AT
t_has "pcrDigest" "the denial names the PCR digest"

# The event log: required, and a log that does not match the quoted PCRs.
t_run 0 "pack without event log" "$POCTOOL" evidence pack -o "$T/nolog.cbor" --ak-pub "$D/gce-cos85-nonce9009/ak.pub" \
	--tpm-quote "$D/gce-cos85-nonce9009/quote-sha256.attest" --tpm-sig "$D/gce-cos85-nonce9009/quote-sha256.sig" --pcrs "$D/gce-cos85-nonce9009/pcrs-sha256.txt"
echo '{"version": 1, "vtpm": {"eventlog": "required"}}' >"$T/needlog.json"
t_run 1 "missing required event log denied" "$POCTOOL" evidence verify "$T/nolog.cbor" --policy "$T/needlog.json" --at $AT
t_has "denied: \$.vtpm.eventlog" "names the eventlog clause"
# Flip a byte of the first digest of the first crypto-agile event (after the 32-byte
# header and the Spec ID event data: pcrIndex, type, count, then sha1 id+digest, sha256 id).
# Changing an event's data instead would not show: only digests are extended.
cp "$D/gce-cos85-nonce9009/eventlog.bin" "$T/evil.bin"
spec=$(od -An -j28 -N4 -tu4 "$T/evil.bin" | tr -d ' ')
printf '\x55' | dd of="$T/evil.bin" bs=1 seek=$((32 + spec + 12 + 2 + 20 + 2 + 3)) conv=notrunc status=none
t_run 0 "pack with a tampered event log" "$POCTOOL" evidence pack -o "$T/evil.cbor" --ak-pub "$D/gce-cos85-nonce9009/ak.pub" --eventlog "$T/evil.bin" \
	--tpm-quote "$D/gce-cos85-nonce9009/quote-sha256.attest" --tpm-sig "$D/gce-cos85-nonce9009/quote-sha256.sig" --pcrs "$D/gce-cos85-nonce9009/pcrs-sha256.txt"
t_run 1 "tampered event log denied" "$POCTOOL" evidence verify "$T/evil.cbor" --policy "$T/needlog.json" --at $AT
t_has "denied: \$.vtpm.eventlog" "names the eventlog clause"

# Pinned TPM clock counters (the capture has resetCount 10, restartCount 0).
sed 's|"eventlog": "required"|"eventlog": "required", "reset_count": 10, "restart_count": 0|' "$T/legacy.json" >"$T/pin.json"
t_run 0 "pinned resetCount 10 / restartCount 0 accepted" "$POCTOOL" evidence verify "$T/n9009.cbor" --policy "$T/pin.json" --nonce 9009 --at $AT
sed 's|"eventlog": "required"|"eventlog": "required", "reset_count": 9|' "$T/legacy.json" >"$T/pin9.json"
t_run 1 "another resetCount (a reboot since the pin) denied" "$POCTOOL" evidence verify "$T/n9009.cbor" --policy "$T/pin9.json" --nonce 9009 --at $AT
t_has "denied: \$.vtpm.reset_count" "names the reset_count clause"

# The decoded event logs.
t_run 0 "eventlog show on the GCE TDX vTPM log" "$POCTOOL" eventlog show "$D/gce-tdx-vtpm-eventlog/eventlog.bin"
t_has "GCE NonHostInfo: TDX" "decodes the GCE NonHostInfo technology byte"
t_run 0 "eventlog show --replay on the cos85 log" "$POCTOOL" eventlog show "$D/gce-cos85-nonce9009/eventlog.bin" --replay
t_has "SecureBoot" "decodes EFI variable names"
t_has "BOOTX64.EFI" "decodes boot application paths"
t_has "0 0f35c214608d93c7a6e68ae7359b4a8be5a0e99eea9107ece427c4dea4e439cf" "replays PCR0 to its quoted value"
t_run 2 "eventlog show on a non-log is unusable input" "$POCTOOL" eventlog show "$D/gce-cos85-nonce9009/ak.pub"

# Unusable input: exit 2.
t_run 2 "a bundle that is not CBOR is unusable" "$POCTOOL" evidence verify "$D/gce-cos85-nonce9009/ak.pub" --policy "$T/plain.json"
echo '{"version": 1, "surprise": true}' >"$T/unknown.json"
t_run 2 "a policy with an unknown field is unusable" "$POCTOOL" evidence verify "$T/n9009.cbor" --policy "$T/unknown.json"
t_has "unknown field" "says which field"
t_run 2 "missing --policy is a usage error" "$POCTOOL" evidence verify "$T/n9009.cbor"
t_run 0 "evidence verify --help" "$POCTOOL" evidence verify --help
t_has "--nonce HEX" "help lists --nonce"
t_run 0 "evidence pack --help" "$POCTOOL" evidence pack --help

t_done
