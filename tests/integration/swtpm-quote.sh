#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Quotes made on a private swtpm by tpm2-tools (an independent producer) verify through
# poctool; a flipped byte, a wrong nonce, a changed PCR and another AK's signature are each
# denied with their own reason.
. "$POC_SRCDIR/tests/swtpm-env.sh"
. "$POC_SRCDIR/tests/lib.sh"
T=$POC_TEST_TMP

poc_swtpm_start one || { echo "Bail out! swtpm did not start"; exit 1; }

# pcrs_text BANK LIST OUT: PCR values as "INDEX HEX" lines.
pcrs_text() {
	tpm2_pcrread "$1:$2" | sed -nE 's/^ +([0-9]+) *: *0x([0-9A-Fa-f]+).*/\1 \2/p' | tr A-F a-f >"$3"
}

# make_ak NAME ALG SCHEME: an AK under the RSA EK; context in $T/NAME.ctx, public in $T/NAME.pub.
make_ak() {
	tpm2_createak -C "$T/ek.ctx" -c "$T/$1.ctx" -G "$2" -g sha256 -s "$3" -u "$T/$1.pub" -n "$T/$1.name" >/dev/null &&
		tpm2_flushcontext -t
}

# quote AK NONCE PREFIX: a quote by AK over sha256 PCRs with the nonce, in the AK's scheme.
quote() {
	local list=0,1,2,3,7,16 scheme=rsassa
	case $1 in *ecc*) scheme=ecdsa ;; *pss*) scheme=rsapss ;; esac
	tpm2_quote -c "$T/$1.ctx" -l "sha256:$list" -q "$2" -m "$T/$3.attest" -s "$T/$3.sig" -g sha256 \
		--scheme "$scheme" >/dev/null &&
		tpm2_flushcontext -t && pcrs_text sha256 "$list" "$T/$3.pcrs"
}

# No resource manager here: tpm2-tools leave what they load in the TPM's three transient
# slots, so every step flushes them (contexts are reloaded from the files).
tpm2_createek -c "$T/ek.ctx" -G rsa -u "$T/ek.pub" >/dev/null && tpm2_flushcontext -t ||
	{ echo "Bail out! tpm2_createek"; exit 1; }
tpm2_nvread 0x1c00002 -o "$T/ek.crt" >/dev/null 2>&1
t_run 0 "RSA AK created by tpm2_createak" make_ak ak-rsa rsa rsassa
t_run 0 "ECC AK created" make_ak ak-ecc ecc ecdsa
t_run 0 "RSA-PSS AK created" make_ak ak-pss rsa rsapss
t_run 0 "a second RSA AK (the impostor)" make_ak ak-other rsa rsassa

NONCE=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
# Into a file of our own (not /dev/stdout, which some sandboxes lack: a write there made a regular file).
pcrs_text sha256 16 "$T/pcr16.txt"
pcr16=$(cut -d' ' -f2 "$T/pcr16.txt")
[[ $pcr16 =~ ^[0-9a-f]{64}$ ]] || { echo "Bail out! tpm2_pcrread sha256:16 gave no value (\"$pcr16\")"; exit 1; }
cat >"$T/policy.json" <<JSON
{"version": 1, "vtpm": {"pcrs": {"sha256": {"16": ["$pcr16"]}}}, "binding": "none"}
JSON

for ak in ak-rsa ak-ecc ak-pss; do
	t_run 0 "$ak: tpm2_quote" quote $ak "$NONCE" q-$ak
	t_run 0 "$ak: pack" "$POCTOOL" evidence pack -o "$T/$ak.cbor" --nonce "$NONCE" --ak-pub "$T/$ak.pub" \
		--ek-cert "$T/ek.crt" --tpm-quote "$T/q-$ak.attest" --tpm-sig "$T/q-$ak.sig" --pcrs "$T/q-$ak.pcrs"
	t_run 0 "$ak: quote verifies with its nonce" "$POCTOOL" evidence verify "$T/$ak.cbor" --policy "$T/policy.json" --nonce "$NONCE"
	t_has "vtpm: affirming" "$ak: vtpm appraisal affirming"
done

# 1. One byte flipped in the signed quote.
cp "$T/q-ak-rsa.attest" "$T/flip.attest"
off=$(( $(stat -c %s "$T/flip.attest") - 3 ))
orig=$(od -An -j$off -N1 -tu1 "$T/flip.attest" | tr -d ' ')
printf "\\x$(printf %02x $(( orig ^ 1 )))" | dd of="$T/flip.attest" bs=1 seek=$off conv=notrunc status=none
"$POCTOOL" evidence pack -o "$T/flip.cbor" --ak-pub "$T/ak-rsa.pub" --tpm-quote "$T/flip.attest" \
	--tpm-sig "$T/q-ak-rsa.sig" --pcrs "$T/q-ak-rsa.pcrs" 2>/dev/null
t_run 1 "flipped byte denied" "$POCTOOL" evidence verify "$T/flip.cbor" --policy "$T/policy.json" --nonce "$NONCE"
t_has "(signature)" "reason: signature"

# 2. Another nonce.
t_run 1 "wrong nonce denied" "$POCTOOL" evidence verify "$T/ak-rsa.cbor" --policy "$T/policy.json" --nonce "${NONCE%??}00"
t_has "denied: \$.binding" "reason: the binding clause (nonce)"
t_has "(nonce)" "reason: nonce"

# 3. A PCR changed after the reference value was taken (tpm2_pcrextend), quote again.
tpm2_pcrextend 16:sha256=0000000000000000000000000000000000000000000000000000000000000001 >/dev/null
t_run 0 "quote after tpm2_pcrextend" quote ak-rsa "$NONCE" q-ext
"$POCTOOL" evidence pack -o "$T/ext.cbor" --ak-pub "$T/ak-rsa.pub" --tpm-quote "$T/q-ext.attest" \
	--tpm-sig "$T/q-ext.sig" --pcrs "$T/q-ext.pcrs"
t_run 1 "extended PCR denied" "$POCTOOL" evidence verify "$T/ext.cbor" --policy "$T/policy.json" --nonce "$NONCE"
t_has "denied: \$.vtpm.pcrs.sha256.16" "reason: names PCR 16's reference value"
# ... and claiming the old PCR value with the new quote breaks the quote's PCR digest.
"$POCTOOL" evidence pack -o "$T/lie.cbor" --ak-pub "$T/ak-rsa.pub" --tpm-quote "$T/q-ext.attest" \
	--tpm-sig "$T/q-ext.sig" --pcrs "$T/q-ak-rsa.pcrs"
t_run 1 "stale PCR values with a new quote denied" "$POCTOOL" evidence verify "$T/lie.cbor" --policy "$T/policy.json" --nonce "$NONCE"
t_has "pcrDigest" "reason: the PCR digest"

# 4. A quote signed by another AK, presented with the first AK's public key.
t_run 0 "quote by the impostor AK" quote ak-other "$NONCE" q-other
"$POCTOOL" evidence pack -o "$T/other.cbor" --ak-pub "$T/ak-rsa.pub" --tpm-quote "$T/q-other.attest" \
	--tpm-sig "$T/q-other.sig" --pcrs "$T/q-other.pcrs"
t_run 1 "signature by another AK denied" "$POCTOOL" evidence verify "$T/other.cbor" --policy "$T/policy.json" --nonce "$NONCE"
t_has "(signature)" "reason: signature"

t_done
