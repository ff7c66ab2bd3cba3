#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The advertised mechanism table against what the module takes, on swtpm + the TDX simulator:
# tests/p11-mechs runs every mechanism of C_GetMechanismList through the entry points (keys
# generated and created at the advertised key sizes and refused beyond them; each flag an init
# and an operation that works, each missing flag CKR_MECHANISM_INVALID), then the attack side
# from outside: pkcs11-tool asks for what is not advertised (CKM_RSA_PKCS decryption, a P-521
# key, an Ed448 key) and is refused. In the sanitizer build the pkcs11-tool part is skipped (an
# uninstrumented client cannot load the ASan-built module); tests/p11-mechs runs in both.
. "$POC_SRCDIR/tests/swtpm-env.sh"
. "$POC_SRCDIR/tests/lib.sh"
T=$POC_TEST_TMP
SO=$POC_BUILDDIR/module/.libs/poc-pkcs11.so
MECHS=$POC_BUILDDIR/tests/p11-mechs

poc_token_env mechs "ttl = 600" "log = $T/module.log" "log_level = info" || { echo "Bail out! test setup"; exit 1; }
t_run 0 "poctool init --label tok --pin 1234" "$POCTOOL" init --label tok --policy "$T/policy.json" --pin 1234

t_tap_prog 100 "$T/mechs.out" "p11-mechs: the advertised table is what the module does" "$MECHS" "$SO" tok 1234
grep -q '^ok .*CKM_RSA_PKCS (1024): no CKF_DECRYPT, C_DecryptInit refused' "$T/mechs.out" &&
	t_ok "p11-mechs ran CKM_RSA_PKCS decryption and saw it refused" || t_fail "no CKM_RSA_PKCS decryption check ran"

MSG=$POC_BUILDDIR/tests/p11-message
"$MSG" "$SO" tok 1234 >"$T/message.out" 2>&1; rc=$?
n=$(grep -c '^ok' "$T/message.out"); f=$(grep -c '^not ok' "$T/message.out")
sed 's/^/# /' "$T/message.out"
if [ $rc = 0 ] && [ "$f" = 0 ] && [ "$n" -gt 30 ]; then
	t_ok "p11-message: the v3.0 message-based AES-GCM API against OpenSSL ($n checks)"
else
	t_fail "p11-message (exit $rc, $f of $((n + f)) checks failed)"
	grep -E -A2 '^(not ok|Bail out)' "$T/message.out" | head -40 | t_diag
fi

if [ -n "${POC_SANITIZERS:-}" ]; then
	t_skip "pkcs11-tool: uninstrumented pkcs11-tool cannot load the ASan-built module (tests/p11-mechs above ran)"
	t_done
	exit
fi
P11="pkcs11-tool --module $SO --token-label tok"
t_run 0 "pkcs11-tool -M lists the mechanisms" $P11 -M
t_has "ECDSA-SHA256, keySize={256,384}, sign, verify" "ECDSA: P-256 to P-384, as key generation takes"
t_has "RSA-PKCS, keySize={1024,4096}, encrypt, sign, verify" "RSA-PKCS: 1024-4096, sign, verify, encrypt, no decrypt"
t_has "EDDSA, keySize={255,255}, sign, verify" "EdDSA: Ed25519 only"
# The attack side: asking for what is not advertised, from an ordinary client.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/rsa.pem" 2>/dev/null &&
	openssl pkey -in "$T/rsa.pem" -outform DER -out "$T/rsa.der" &&
	openssl pkey -in "$T/rsa.pem" -pubout -out "$T/rsa.pub.pem" &&
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-521 -outform DER -out "$T/p521.der" 2>/dev/null &&
	openssl genpkey -algorithm ED448 -outform DER -out "$T/ed448.der" || { echo "Bail out! openssl keys"; exit 1; }
t_run 0 "write-object an RSA-2048 key" $P11 --login --pin 1234 --write-object "$T/rsa.der" --type privkey --id 51 \
	--label rsa
printf 'sixteen bytes!!\n' >"$T/plain"
openssl pkeyutl -encrypt -pubin -inkey "$T/rsa.pub.pem" -in "$T/plain" -out "$T/ct" -pkeyopt rsa_padding_mode:pkcs1
t_run 1 "decrypt RSA-PKCS (v1.5, not advertised): refused" $P11 --login --pin 1234 --decrypt -m RSA-PKCS --id 51 \
	-i "$T/ct" -o "$T/pt"
t_has "CKR_MECHANISM_INVALID" "CKR_MECHANISM_INVALID"
t_run 0 "sign RSA-PKCS (advertised) with the same key" $P11 --login --pin 1234 --sign -m SHA256-RSA-PKCS --id 51 \
	-i "$T/plain" -o "$T/sig"
t_run 1 "keypairgen EC secp521r1 (above the advertised 384): refused" $P11 --login --pin 1234 --keypairgen \
	--key-type EC:secp521r1 --id 52 --label p521gen
t_has "(0x140)" "CKR_CURVE_NOT_SUPPORTED (0x140, a v2.40 code this pkcs11-tool prints as unknown)"
t_run 1 "write-object a P-521 private key: refused" $P11 --login --pin 1234 --write-object "$T/p521.der" \
	--type privkey --id 53 --label p521
t_has "(0x140)" "CKR_CURVE_NOT_SUPPORTED (0x140)"
t_run 0 "keypairgen EC prime256v1 (advertised)" $P11 --login --pin 1234 --keypairgen --key-type EC:prime256v1 --id 54 \
	--label p256gen
[ ! -e "$T/store/tok/priv-52.obj" ] && [ ! -e "$T/store/tok/priv-53.obj" ] && [ -e "$T/store/tok/priv-54.obj" ] &&
	t_ok "refused keys left no file, the advertised one is sealed" || t_fail "store files after the refusals"
t_done
