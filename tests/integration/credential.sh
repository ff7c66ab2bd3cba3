#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# AK-to-EK credential activation (DESIGN.md section 3): `poctool evidence challenge` makes a
# TPM2_MakeCredential challenge in software for an AK under an RSA and an ECC EK of a private
# swtpm; tpm2_activatecredential (the TPM) must return exactly the secret the verifier
# expects. The expected secret comes from `--print-secret` of the same invocation (the
# verifier recomputes it from its key, the nonce, the AK name and the EK name; no state is kept). A challenge made
# for another AK's name, or to another EK, must not yield that secret. An activated key that is
# not a fixedTPM restricted signing key is denied as the AK.
. "$POC_SRCDIR/tests/swtpm-env.sh"
. "$POC_SRCDIR/tests/lib.sh"
T=$POC_TEST_TMP

poc_swtpm_start cred || { echo "Bail out! swtpm did not start"; exit 1; }

# No resource manager here: tpm2-tools leave what they load in the TPM's transient slots,
# so every step flushes them (contexts are reloaded from the files).
make_ek() { # ALG
	tpm2_createek -c "$T/ek-$1.ctx" -G "$1" -u "$T/ek-$1.pub" >/dev/null && tpm2_flushcontext -t
}
make_ak() { # NAME EK-ALG KEY-ALG SCHEME
	tpm2_createak -C "$T/ek-$2.ctx" -c "$T/$1.ctx" -G "$3" -g sha256 -s "$4" -u "$T/$1.pub" \
		-n "$T/$1.name" >/dev/null && tpm2_flushcontext -t
}
# activate AK EK-ALG CRED OUT: ActivateCredential needs the EK's auth, which is a policy
# (PolicySecret(TPM_RH_ENDORSEMENT)) in the default EK template: see tpm2_activatecredential(1).
activate() {
	local rc
	tpm2_startauthsession --policy-session -S "$T/session.ctx" >/dev/null &&
		tpm2_policysecret -S "$T/session.ctx" -c e >/dev/null || return 1
	tpm2_activatecredential -c "$T/$1.ctx" -C "$T/ek-$2.ctx" -i "$3" -o "$4" \
		-P"session:$T/session.ctx" >/dev/null
	rc=$?
	tpm2_flushcontext "$T/session.ctx" >/dev/null 2>&1
	tpm2_flushcontext -t >/dev/null 2>&1
	return $rc
}
hexof() { od -An -v -tx1 ${1:+"$1"} | tr -d ' \n'; } # FILE, or stdin without one
# same FILE HEX DESCRIPTION: FILE holds exactly the bytes HEX.
same() {
	if [ -s "$1" ] && [ "$(hexof "$1")" = "$2" ]; then t_ok "$3"; else
		t_fail "$3"; echo "got $( [ -f "$1" ] && hexof "$1"), want $2" | t_diag; fi
}

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/verifier.pem" 2>/dev/null ||
	{ echo "Bail out! openssl genpkey"; exit 1; }
NONCE=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')

t_run 0 "evidence challenge --help" "$POCTOOL" evidence challenge --help
t_has "--verifier-key" "help names --verifier-key"
t_run 2 "missing --nonce is a usage error" "$POCTOOL" evidence challenge --ek-pub x --ak-pub y \
	--verifier-key "$T/verifier.pem" -o "$T/nope"

for alg in rsa ecc; do
	case $alg in rsa) scheme=rsassa ;; ecc) scheme=ecdsa ;; esac
	t_run 0 "$alg: tpm2_createek" make_ek $alg
	t_run 0 "$alg: tpm2_createak under the $alg EK" make_ak ak-$alg $alg $alg $scheme
	t_run 0 "$alg: a second AK (the impostor)" make_ak other-$alg $alg $alg $scheme

	t_run 0 "$alg: evidence challenge" "$POCTOOL" evidence challenge --ek-pub "$T/ek-$alg.pub" \
		--ak-pub "$T/ak-$alg.pub" --nonce "$NONCE" --verifier-key "$T/verifier.pem" \
		-o "$T/cred-$alg" --print-secret
	want=$T_OUT
	if [ ${#want} = 64 ]; then t_ok "$alg: --print-secret prints 32 bytes in hex"; else
		t_fail "$alg: --print-secret prints 32 bytes in hex (got \"$want\")"; fi
	# Same inputs, same expected secret: the verifier needs no state to check the answer.
	t_run 0 "$alg: challenge again" "$POCTOOL" evidence challenge --ek-pub "$T/ek-$alg.pub" \
		--ak-pub "$T/ak-$alg.pub" --nonce "$NONCE" --verifier-key "$T/verifier.pem" \
		-o "$T/cred2-$alg" --print-secret
	if [ "$T_OUT" = "$want" ] && [ -s "$T/cred2-$alg" ] && ! cmp -s "$T/cred-$alg" "$T/cred2-$alg"; then
		t_ok "$alg: expected secret is stable, the credential is fresh"
	else t_fail "$alg: expected secret is stable, the credential is fresh"; fi

	# The file is what tpm2_makecredential writes: magic, version, then the same sizes.
	# tpm2_makecredential comes with the tpm2-tools this test drives the TPM with: when it fails,
	# the test fails (no skip).
	head -c 32 /dev/zero >"$T/zero32"
	t_run 0 "$alg: tpm2_makecredential -T none (the reference layout)" tpm2_makecredential -T none \
		-e "$T/ek-$alg.pub" -s "$T/zero32" -n "$(hexof "$T/ak-$alg.name")" -o "$T/ref-$alg"
	# Magic, version and the credential blob's size must agree. For ECC the reference tool
	# drops leading zero bytes of the ephemeral point's coordinates (so its size varies by
	# run) while we pad them to the curve size as a TPM does: compare sizes for RSA only.
	if [ -s "$T/ref-$alg" ] && { [ "$alg" = ecc ] || [ "$(stat -c %s "$T/ref-$alg")" = "$(stat -c %s "$T/cred-$alg")" ]; } &&
		[ "$(head -c 10 "$T/ref-$alg" | hexof)" = "$(head -c 10 "$T/cred-$alg" | hexof)" ]; then
		t_ok "$alg: same layout as tpm2_makecredential -T none"
	else t_fail "$alg: same layout as tpm2_makecredential -T none"; fi
	fsize=336; [ "$alg" = ecc ] && fsize=148 # 8 + 2+68 + 2+256 (RSA-2048) or 2+68 (P-256 point)
	[ "$(stat -c %s "$T/cred-$alg")" = $fsize ] && t_ok "$alg: credential file is $fsize bytes" ||
		t_fail "$alg: credential file is $(stat -c %s "$T/cred-$alg") bytes, want $fsize"

	t_run 0 "$alg: tpm2_activatecredential accepts the challenge" activate ak-$alg $alg \
		"$T/cred-$alg" "$T/secret-$alg"
	same "$T/secret-$alg" "$want" "$alg: the TPM returns the expected secret"

	# A challenge for another AK's name: the TPM checks the name inside the credential's HMAC
	# against the AK it is given, so activating with ak-$alg fails (TPM_RC_INTEGRITY)...
	t_run 0 "$alg: evidence challenge for the other AK" "$POCTOOL" evidence challenge --ek-pub "$T/ek-$alg.pub" \
		--ak-pub "$T/other-$alg.pub" --nonce "$NONCE" --verifier-key "$T/verifier.pem" -o "$T/cred-other-$alg" \
		--print-secret
	printf '%s\n' "$T_OUT" >"$T/want-other-$alg"
	rm -f "$T/secret-x"
	t_run 1 "$alg: a challenge for another AK's name does not activate with this AK" \
		activate ak-$alg $alg "$T/cred-other-$alg" "$T/secret-x"
	if [ -s "$T/secret-x" ] && [ "$(hexof "$T/secret-x")" = "$want" ]; then
		t_fail "$alg: ... and yields no expected secret"
	else t_ok "$alg: ... and yields no expected secret"; fi
	# ... and the secret for the other AK differs from this AK's (the name is in the HMAC).
	other=$(cat "$T/want-other-$alg")
	if [ "${#other}" = 64 ] && [ "$other" != "$want" ]; then t_ok "$alg: another AK, another expected secret"
	else t_fail "$alg: another AK, another expected secret"; fi
	# The other AK itself activates its own challenge (both AKs are genuine in this TPM).
	t_run 0 "$alg: the other AK activates its own challenge" activate other-$alg $alg \
		"$T/cred-other-$alg" "$T/secret-other-$alg"
	same "$T/secret-other-$alg" "$(cat "$T/want-other-$alg")" "$alg: ... with its own secret"
done

# A challenge encrypted to the RSA EK cannot be opened with the ECC EK.
t_run 1 "a challenge to the RSA EK does not activate under the ECC EK" \
	activate ak-ecc ecc "$T/cred-rsa" "$T/secret-cross"

# Another verifier key: another expected secret (the TPM answer is only meaningful to the key holder).
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/verifier2.pem" 2>/dev/null
t_run 0 "challenge with another verifier key" "$POCTOOL" evidence challenge --ek-pub "$T/ek-rsa.pub" \
	--ak-pub "$T/ak-rsa.pub" --nonce "$NONCE" --verifier-key "$T/verifier2.pem" -o "$T/cred-v2" --print-secret
other_key=$T_OUT
t_run 0 "challenge with the first key again" "$POCTOOL" evidence challenge --ek-pub "$T/ek-rsa.pub" \
	--ak-pub "$T/ak-rsa.pub" --nonce "$NONCE" --verifier-key "$T/verifier.pem" -o "$T/cred-v1" --print-secret
if [ "$other_key" != "$T_OUT" ]; then t_ok "another verifier key, another expected secret"
else t_fail "another verifier key, another expected secret"; fi

# The verifier takes an activated AK only when it is an attestation key: fixedTPM, restricted,
# signing (verify/binding.c). Activation only proves the key is loaded in the EK's TPM; a key
# that signs anything (not restricted) could sign a forged quote, and one without fixedTPM may
# have been imported with a known private key. Bundles made by hand with tpm2-tools (binding
# "none": the quote's extraData is the nonce): tpm2_createak's restricted AK is accepted (the
# control), the same steps with the other two keys are denied.
CA=$POC_SWTPM_DIR/ca
cat >"$T/policy.json" <<JSON
{"version": 1,
 "providers": [{"name": "swtpm-test-ca", "roots": ["$CA/swtpm-localca-rootca-cert.pem"], "intermediates": ["$CA/issuercert.pem"]}],
 "binding": "none"}
JSON
tpm2_nvread 0x1c00002 -o "$T/ek.crt" >/dev/null 2>&1
pcrs_text() { # BANK LIST OUT: "INDEX HEX" lines
	tpm2_pcrread "$1:$2" | sed -nE 's/^ +([0-9]+) *: *0x([0-9A-Fa-f]+).*/\1 \2/p' | tr A-F a-f >"$3"
}
# bundle AK OUT: challenge for AK (to the RSA EK), activate it, quote the nonce with it, pack.
bundle() {
	local n
	n=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
	echo "$n" >"$T/$2.nonce"
	"$POCTOOL" evidence challenge --ek-pub "$T/ek-rsa.pub" --ak-pub "$T/$1.pub" --nonce "$n" \
		--verifier-key "$T/verifier.pem" -o "$T/$2.cred" >/dev/null &&
		activate "$1" rsa "$T/$2.cred" "$T/$2.secret" &&
		tpm2_quote -c "$T/$1.ctx" -l sha256:0,7 -q "$n" -m "$T/$2.attest" -s "$T/$2.sig" -g sha256 \
			--scheme rsassa >/dev/null && tpm2_flushcontext -t && pcrs_text sha256 0,7 "$T/$2.pcrs" &&
		"$POCTOOL" evidence pack -o "$T/$2.cbor" --nonce "$n" --ak-pub "$T/$1.pub" --ek-pub "$T/ek-rsa.pub" \
			--ek-cert "$T/ek.crt" --activated-secret "$T/$2.secret" --tpm-quote "$T/$2.attest" \
			--tpm-sig "$T/$2.sig" --pcrs "$T/$2.pcrs"
}
verify_bundle() { "$POCTOOL" evidence verify "$T/$1.cbor" --policy "$T/policy.json" --nonce "$(cat "$T/$1.nonce")" \
	--verifier-key "$T/verifier.pem"; }
# make_key NAME ATTRIBUTES: an RSASSA-SHA256 signing primary of the endorsement hierarchy.
make_key() {
	tpm2_createprimary -C e -G rsa2048:rsassa-sha256:null -a "$2" -c "$T/$1.ctx" >/dev/null &&
		tpm2_readpublic -c "$T/$1.ctx" -o "$T/$1.pub" >/dev/null && tpm2_flushcontext -t
}
t_run 0 "bundle with tpm2_createak's AK" bundle ak-rsa good
t_run 0 "... accepted" verify_bundle good
t_has "poc: affirming (provider swtpm-test-ca)" "... the activated EK names the provider"
t_run 0 "an unrestricted signing key" make_key loose 'fixedtpm|fixedparent|sensitivedataorigin|userwithauth|sign'
t_run 0 "bundle with it (it activates and quotes)" bundle loose loose
t_run 1 "... denied" verify_bundle loose
t_has "the AK is not a fixedTPM restricted signing key" "reason: not a restricted signing key"
t_run 0 "a restricted signing key without fixedTPM" make_key dup 'sensitivedataorigin|userwithauth|restricted|sign'
t_run 0 "bundle with it" bundle dup dup
t_run 1 "... denied" verify_bundle dup
t_has "the AK is not a fixedTPM restricted signing key" "reason: not fixedTPM"

# Unusable input.
t_run 2 "an AK public as the EK is refused (not a restricted decryption key)" "$POCTOOL" evidence \
	challenge --ek-pub "$T/ak-rsa.pub" --ak-pub "$T/ak-rsa.pub" --nonce "$NONCE" \
	--verifier-key "$T/verifier.pem" -o "$T/bad"
t_has "restricted decryption" "reason: not an EK"
t_run 2 "a bad nonce is refused" "$POCTOOL" evidence challenge --ek-pub "$T/ek-rsa.pub" \
	--ak-pub "$T/ak-rsa.pub" --nonce zz --verifier-key "$T/verifier.pem" -o "$T/bad"
t_run 2 "a verifier key that is not a PEM private key is refused" "$POCTOOL" evidence challenge \
	--ek-pub "$T/ek-rsa.pub" --ak-pub "$T/ak-rsa.pub" --nonce "$NONCE" --verifier-key "$T/ek-rsa.pub" -o "$T/bad"

t_done
