#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# poctool keygen --cert-subject: an RSA key and its self-signed certificate object in one step
# (what systemd-cryptenroll --pkcs11-token-uri needs: docs/interop.md), read back through the
# module by pkcs11-tool and checked with openssl; a subject that is not /K=V[/K=V] seals nothing.
. "$POC_SRCDIR/tests/swtpm-env.sh"
. "$POC_SRCDIR/tests/lib.sh"
t_skip_in_sanitizer_build
T=$POC_TEST_TMP
SO=$POC_BUILDDIR/module/.libs/poc-pkcs11.so
P11="pkcs11-tool --module $SO --token-label ct"
poc_token_env one || { echo "Bail out! test setup"; exit 1; }
t_run 0 "init" "$POCTOOL" init --label ct --policy "$T/policy.json" --pin 1234
t_run 0 "keygen rsa-2048 --cert-subject" "$POCTOOL" keygen --token ct --label disk --type rsa-2048 --id 07 --pin 1234 \
	--cert-subject "/CN=poc test disk/O=poc-pkcs11"
printf '%s\n' "$T_OUT" | sed -n '/BEGIN PUBLIC KEY/,/END PUBLIC KEY/p' >"$T/pub.pem"
t_run 0 "pkcs11-tool -O lists the objects" $P11 -O
t_has "Certificate Object" "a certificate object"
t_has "label:      disk" "with the key's label"
t_run 0 "pkcs11-tool --read-object --type cert --id 07" $P11 --read-object --type cert --id 07 -o "$T/cert.der"
t_run 0 "openssl reads it" openssl x509 -inform DER -in "$T/cert.der" -noout -subject -text
t_has "CN = poc test disk, O = poc-pkcs11" "subject as given"
t_has "CA:FALSE" "not a CA"
t_has "Digital Signature, Key Encipherment" "RSA key usage"
openssl x509 -inform DER -in "$T/cert.der" -out "$T/cert.pem"
t_run 0 "its self-signature verifies" openssl verify -CAfile "$T/cert.pem" -partial_chain "$T/cert.pem"
[ "$(openssl x509 -in "$T/cert.pem" -noout -pubkey | openssl pkey -pubin -outform DER | sha256sum)" = \
  "$(openssl pkey -pubin -in "$T/pub.pem" -outform DER | sha256sum)" ] && t_ok "the certificate holds the sealed key's public key" ||
	t_fail "the certificate's key is not the sealed key"
t_run 0 "keygen ec-p256 --cert-subject" "$POCTOOL" keygen --token ct --label tls --type ec-p256 --id 08 --pin 1234 --cert-subject "/CN=tls"
t_run 0 "its certificate" $P11 --read-object --type cert --id 08 -o "$T/ec.der"
t_run 0 "ECDSA, digital signature only" openssl x509 -inform DER -in "$T/ec.der" -noout -text
t_has "ecdsa-with-SHA256" "signed with ECDSA SHA-256"
for bad in "CN=x" "/" "/CN" "/=x" "/CN="; do
	t_run 2 "--cert-subject \"$bad\" is refused (exit 2)" "$POCTOOL" keygen --token ct --label bad --type ec-p256 --pin 1234 --cert-subject "$bad"
done
t_run 0 "list" "$POCTOOL" list --token ct
printf '%s' "$T_OUT" | grep -q "bad" && t_fail "a refused keygen sealed something" || t_ok "the refused keygens sealed nothing"
t_done
