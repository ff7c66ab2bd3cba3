#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Third-party clients' self tests against a logged-in token on swtpm + the TDX simulator:
# OpenSC's `pkcs11-tool --test` (digests, signatures, verification, decryption, random,
# on the keys it finds: EC, RSA and AES made here) must succeed and print no "not
# implemented" line, and gnutls' `p11tool --test-sign` signs and verifies with a key. Skipped
# in the sanitizer build (an uninstrumented client cannot load the ASan-built module).
. "$POC_SRCDIR/tests/swtpm-env.sh"
. "$POC_SRCDIR/tests/lib.sh"
T=$POC_TEST_TMP
# t_lacks TEXT DESCRIPTION: the last t_run's output does not contain TEXT.
t_lacks() {
	if printf '%s' "$T_OUT" | grep -qF -- "$1"; then
		t_fail "$2"; printf '%s\n' "$T_OUT" | grep -F -- "$1" | head -20 | t_diag
	else t_ok "$2"; fi
}
SO=$POC_BUILDDIR/module/.libs/poc-pkcs11.so
if [ -n "${POC_SANITIZERS:-}" ]; then
	t_skip "pkcs11-tool, p11tool: uninstrumented clients cannot load the ASan-built module"
	t_done
	exit
fi
poc_token_env tools "ttl = 600" "log = $T/module.log" "log_level = info" || { echo "Bail out! test setup"; exit 1; }
t_run 0 "poctool init --label tok --pin 1234" "$POCTOOL" init --label tok --policy "$T/policy.json" --pin 1234
P11="pkcs11-tool --module $SO --token-label tok --login --pin 1234"
t_run 0 "keypairgen EC P-256" $P11 --keypairgen --key-type EC:prime256v1 --id 01 --label ec
t_run 0 "keypairgen RSA-2048" $P11 --keypairgen --key-type rsa:2048 --id 02 --label rsa
t_run 0 "keygen AES-256" $P11 --keygen --key-type AES:32 --id 03 --label aes
t_run 0 "keygen a generic secret (HMAC)" $P11 --keygen --key-type GENERIC:32 --id 04 --label hmac
t_run 0 "pkcs11-tool --test" $P11 --test
printf '%s\n' "$T_OUT" | t_diag
# pkcs11-tool's signature test looks only for a mechanism with CKF_HW ("performed by the
# device"); this module signs in software (OpenSSL, after the TPM released the key) and does
# not claim it, so that one line stays: the signatures are tested below (and in p11-mechs).
T_OUT=$(printf '%s\n' "$T_OUT" | grep -v '^Signatures: not implemented$')
t_lacks "not implemented" "pkcs11-tool --test: no \"not implemented\" line but the CKF_HW one"
t_lacks "not supported" "pkcs11-tool --test: no \"not supported\" line (C_SeedRandom mixes)"
t_lacks "ERR" "pkcs11-tool --test: no error"
t_has "No errors" "pkcs11-tool --test: \"No errors\""
# Digests without a login, from outside, against openssl.
printf 'digest me, please' >"$T/in"
for alg in SHA-1:sha1 SHA256:sha256 SHA384:sha384 SHA512:sha512 SHA224:sha224; do
	want=$(openssl dgst -"${alg#*:}" -binary "$T/in" | od -An -tx1 | tr -d ' \n')
	got=$(pkcs11-tool --module "$SO" --token-label tok --hash -m "${alg%%:*}" -i "$T/in" 2>/dev/null | od -An -tx1 | tr -d ' \n')
	[ -n "$want" ] && [ "$want" = "$got" ] && t_ok "pkcs11-tool --hash -m ${alg%%:*} (no login) is openssl's" ||
		t_fail "pkcs11-tool --hash -m ${alg%%:*}: $got, openssl $want"
done
# HMAC with the generated generic secret: signed, verified, and a changed MAC refused.
t_run 0 "sign SHA256-HMAC with the generic secret" $P11 --sign -m SHA256-HMAC --id 04 -i "$T/in" -o "$T/mac"
[ "$(stat -c %s "$T/mac" 2>/dev/null)" = 32 ] && t_ok "SHA256-HMAC: 32 bytes" || t_fail "SHA256-HMAC: no 32-byte MAC"
t_run 0 "verify SHA256-HMAC" $P11 --verify -m SHA256-HMAC --id 04 -i "$T/in" --signature-file "$T/mac"
t_has "Signature is valid" "SHA256-HMAC: the token's MAC verifies"
# pkcs11-tool exits 0 on a bad signature; what it prints tells.
od -An -tx1 "$T/mac" | tr -d ' \n' | sed 's/^../00/' | xxd -r -p >"$T/mac.bad"
cmp -s "$T/mac" "$T/mac.bad" && printf '\001' | dd of="$T/mac.bad" bs=1 seek=0 conv=notrunc status=none
t_run 0 "verify a changed SHA256-HMAC" $P11 --verify -m SHA256-HMAC --id 04 -i "$T/in" --signature-file "$T/mac.bad"
t_has "Invalid signature" "SHA256-HMAC: a changed MAC is refused"
# AES-CBC-PAD with a key written from outside, against openssl enc.
head -c 16 /dev/urandom >"$T/aeskey"
key=$(od -An -tx1 "$T/aeskey" | tr -d ' \n') iv=000102030405060708090a0b0c0d0e0f
t_run 0 "write-object an AES-128 key" $P11 --write-object "$T/aeskey" --type secrkey --key-type AES:16 --id 05 \
	--label aes128 --sensitive --private
t_run 0 "encrypt AES-CBC-PAD" $P11 --encrypt -m AES-CBC-PAD --id 05 --iv $iv -i "$T/in" -o "$T/ct"
openssl enc -aes-128-cbc -K "$key" -iv $iv -in "$T/in" -out "$T/ct.openssl"
cmp -s "$T/ct" "$T/ct.openssl" && t_ok "AES-CBC-PAD by the token is openssl enc's" || t_fail "AES-CBC-PAD differs from openssl"
t_run 0 "decrypt AES-CBC-PAD" $P11 --decrypt -m AES-CBC-PAD --id 05 --iv $iv -i "$T/ct.openssl" -o "$T/pt"
cmp -s "$T/pt" "$T/in" && t_ok "AES-CBC-PAD decrypts openssl's ciphertext" || t_fail "AES-CBC-PAD decryption"
# Signatures by the token, verified by openssl with the token's public keys.
for k in 01:ECDSA-SHA256:ec 02:SHA256-RSA-PKCS:rsa 02:SHA1-RSA-PKCS:rsa; do
	id=${k%%:*} m=${k#*:} m=${m%:*} kind=${k##*:}
	t_run 0 "read the $kind public key" $P11 --read-object --type pubkey --id "$id" -o "$T/pub-$id.der"
	args=(--signature-format openssl)
	[ "$kind" = rsa ] && args=()
	t_run 0 "sign $m" $P11 --sign -m "$m" --id "$id" -i "$T/in" -o "$T/sig-$m" "${args[@]}"
	d=sha256; [ "$m" = SHA1-RSA-PKCS ] && d=sha1
	t_run 0 "openssl verifies the $m signature" openssl dgst -"$d" -verify "$T/pub-$id.der" -keyform DER \
		-signature "$T/sig-$m" "$T/in"
done
# RSA-OAEP with SHA-1 and MGF1-SHA1 (the common default), encrypted by openssl to the token's key.
printf 'oaep with sha-1' >"$T/oaep.in"
openssl pkeyutl -encrypt -pubin -keyform DER -inkey "$T/pub-02.der" -in "$T/oaep.in" -out "$T/oaep.ct" \
	-pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha1 -pkeyopt rsa_mgf1_md:sha1
t_run 0 "decrypt RSA-PKCS-OAEP SHA-1 (openssl's ciphertext)" $P11 --decrypt -m RSA-PKCS-OAEP --hash-algorithm SHA-1 \
	--mgf MGF1-SHA1 --id 02 -i "$T/oaep.ct" -o "$T/oaep.out"
cmp -s "$T/oaep.in" "$T/oaep.out" && t_ok "RSA-OAEP SHA-1: the plaintext back" || t_fail "RSA-OAEP SHA-1 plaintext"
# gnutls
URL="pkcs11:token=tok;object=ec;type=private"
GNUTLS_PIN=1234 t_run 0 "p11tool --test-sign $URL" p11tool --provider "$SO" --login --test-sign "$URL"
t_has "Verifying against public key in the token... ok" "p11tool: the signature verified with the token's public key"
t_done
