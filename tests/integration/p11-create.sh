#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# C_CreateObject and CKM_AES_GCM on swtpm + the TDX simulator. pkcs11-tool --write-object imports
# EC P-256 and RSA-2048 private keys, a certificate, public keys and an AES key; the imported keys
# sign (and decrypt) through pkcs11-tool and openssl checks against the original keys; the objects
# survive a restart, carry CKA_POC_ATTESTATION_RECORD once released, and C_DestroyObject removes
# them. tests/p11-ops does what this pkcs11-tool (OpenSC 0.23) cannot: Ed25519, AES-GCM through
# C_Encrypt/C_Decrypt against OpenSSL's EVP, and the PKCS#11 v3.0 template errors. In the
# sanitizer build the pkcs11-tool part is skipped (an uninstrumented client cannot load the
# ASan-built module) and the instrumented tests/p11-ops and tests/p11-record run as in p11-asan.sh.
. "$POC_SRCDIR/tests/swtpm-env.sh"
. "$POC_SRCDIR/tests/lib.sh"
T=$POC_TEST_TMP
SO=$POC_BUILDDIR/module/.libs/poc-pkcs11.so
OPS=$POC_BUILDDIR/tests/p11-ops
REC=$POC_BUILDDIR/tests/p11-record

# ops DESC ARGS...: one run of tests/p11-ops (its own TAP lines kept as comments in the log).
ops() {
	local desc=$1 rc n f; shift
	"$OPS" "$SO" "$@" >"$T/ops.out" 2>&1; rc=$?
	n=$(grep -c '^ok' "$T/ops.out"); f=$(grep -c '^not ok' "$T/ops.out")
	sed 's/^/# /' "$T/ops.out"
	if [ $rc = 0 ] && [ "$f" = 0 ] && [ "$n" -gt 0 ]; then t_ok "$desc ($n checks)"; else
		t_fail "$desc (exit $rc, $f of $((n + f)) checks failed)"; grep -E -A2 '^(not ok|Bail out)' "$T/ops.out" | head -40 | t_diag; fi
}

poc_token_env one "ttl = 600" "log = $T/module.log" "log_level = info" || { echo "Bail out! test setup"; exit 1; }
t_run 0 "poctool init --label tok --pin 1234" "$POCTOOL" init --label tok --policy "$T/policy.json" --pin 1234
# A generated key and p11-record: the token's verifier public key (for the records below).
t_run 0 "poctool keygen ec-p256" "$POCTOOL" keygen --token tok --label ec --type ec-p256 --id 01 --pin 1234
mkdir -p "$T/rec" "$T/ops"
t_run 0 "p11-record: the token's verifier key" "$REC" "$SO" record tok 1234 ec "$T/rec"

# ---- pkcs11-tool --write-object (OpenSC 0.23) ----
if [ -n "${POC_SANITIZERS:-}" ]; then
	t_skip "pkcs11-tool --write-object, sign and delete: uninstrumented pkcs11-tool cannot load the ASan-built module (tests/p11-ops below covers C_CreateObject here)"
else
	P11="pkcs11-tool --module $SO --token-label tok"
	K=$T/keys
	mkdir -p "$K"
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$K/ec.pem" 2>/dev/null &&
		openssl pkey -in "$K/ec.pem" -outform DER -out "$K/ec.der" &&
		openssl pkey -in "$K/ec.pem" -pubout -out "$K/ec.pub.pem" &&
		openssl pkey -in "$K/ec.pem" -pubout -outform DER -out "$K/ec.pub.der" &&
		openssl req -x509 -new -key "$K/ec.pem" -subj /CN=poc-create-test -days 30 -outform DER -out "$K/ec.crt.der" &&
		openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$K/rsa.pem" 2>/dev/null &&
		openssl pkey -in "$K/rsa.pem" -outform DER -out "$K/rsa.der" &&
		openssl pkey -in "$K/rsa.pem" -pubout -out "$K/rsa.pub.pem" &&
		openssl pkey -in "$K/rsa.pem" -pubout -outform DER -out "$K/rsa.pub.der" &&
		openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:768 -outform DER -out "$K/rsa768.der" 2>/dev/null &&
		openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:secp256k1 -outform DER -out "$K/k256.der" &&
		openssl genpkey -algorithm ED25519 -outform DER -out "$K/ed.der" &&
		head -c 32 /dev/urandom >"$K/aes.key" || { echo "Bail out! openssl test keys"; exit 1; }

	t_run 1 "write-object without C_Login: refused" $P11 --write-object "$K/ec.der" --type privkey --id 11 --label ecimp
	t_has "CKR_USER_NOT_LOGGED_IN" "CKR_USER_NOT_LOGGED_IN"
	t_run 0 "write-object EC P-256 private key (DER)" $P11 --login --pin 1234 --write-object "$K/ec.der" --type privkey \
		--id 11 --label ecimp
	t_has "Private Key Object; EC" "created: an EC private key object"
	t_has "Access:     sensitive" "sensitive"
	t_run 0 "write-object RSA-2048 private key (DER)" $P11 --login --pin 1234 --write-object "$K/rsa.der" --type privkey \
		--id 12 --label rsaimp
	t_has "Usage:      decrypt, sign" "created: an RSA private key for sign and decrypt"
	t_run 0 "write-object X.509 certificate" $P11 --login --pin 1234 --write-object "$K/ec.crt.der" --type cert --id 11 \
		--label ecimp
	t_has "subject:    DN: CN=poc-create-test" "created: the certificate with its subject"
	t_run 1 "write-object AES-256 key with pkcs11-tool's defaults (CKA_PRIVATE and CKA_SENSITIVE false): refused" \
		$P11 --login --pin 1234 --write-object "$K/aes.key" --type secrkey --key-type AES:32 --id 14 --label aesimp
	t_has "CKR_TEMPLATE_INCONSISTENT" "CKR_TEMPLATE_INCONSISTENT (secret keys here are private and sensitive)"
	t_run 0 "write-object AES-256 key --private --sensitive" $P11 --login --pin 1234 --write-object "$K/aes.key" \
		--type secrkey --key-type AES:32 --id 14 --label aesimp --private --sensitive
	t_has "Secret Key Object; AES" "created: an AES secret key object"
	t_run 0 "write-object EC public key" $P11 --login --pin 1234 --write-object "$K/ec.pub.der" --type pubkey --id 21 \
		--label ecpub
	t_has "Public Key Object; EC" "created: an EC public key object"
	t_run 0 "write-object RSA public key" $P11 --login --pin 1234 --write-object "$K/rsa.pub.der" --type pubkey --id 22 \
		--label rsapub
	t_run 1 "write-object RSA-768 private key: refused" $P11 --login --pin 1234 --write-object "$K/rsa768.der" \
		--type privkey --id 15 --label rsa768
	t_has "CKR_TEMPLATE_INCONSISTENT" "CKR_TEMPLATE_INCONSISTENT (this token takes RSA 1024-4096)"
	t_run 1 "write-object secp256k1 private key: refused" $P11 --login --pin 1234 --write-object "$K/k256.der" \
		--type privkey --id 16 --label k256
	t_has "(0x140)" "CKR_CURVE_NOT_SUPPORTED (0x140, a v2.40 code this pkcs11-tool prints as unknown)"
	$P11 --login --pin 1234 --write-object "$K/ed.der" --type privkey --id 17 --label edimp >"$T/ed.out" 2>&1
	if grep -q "Unsupported key type" "$T/ed.out"; then
		t_skip "write-object Ed25519 private key: this pkcs11-tool cannot write Ed25519 keys (\"$(grep -m1 Unsupported "$T/ed.out")\"; tests/p11-ops creates them below)"
	else
		grep -q "Private Key Object" "$T/ed.out" && t_ok "write-object Ed25519 private key" ||
			{ t_fail "write-object Ed25519 private key"; t_diag <"$T/ed.out"; }
	fi
	# A token without a PIN has no login: pkcs11-tool's CKA_PRIVATE true is met as far as it can be.
	t_run 0 "poctool init --label nopin (no PIN)" "$POCTOOL" init --label nopin --policy "$T/policy.json"
	t_run 0 "write-object into it without a login" pkcs11-tool --module "$SO" --token-label nopin --write-object \
		"$K/ec.der" --type privkey --id 31 --label ecnopin
	printf 'signed without a PIN\n' >"$T/data.nopin"
	t_run 0 "sign with that key (no login)" pkcs11-tool --module "$SO" --token-label nopin --sign -m ECDSA-SHA256 --id 31 \
		-i "$T/data.nopin" -o "$T/sig.nopin" --signature-format openssl
	t_run 0 "openssl verifies it" openssl dgst -sha256 -verify "$K/ec.pub.pem" -signature "$T/sig.nopin" "$T/data.nopin"
	for f in priv-11 priv-12 cert-11 secret-14 pub-21 pub-22; do
		[ -f "$T/store/tok/$f.obj" ] || missing="${missing:-} $f"
	done
	[ -z "${missing:-}" ] && t_ok "each object is a sealed file in the store" || t_fail "missing store files:$missing"
	[ ! -e "$T/store/tok/priv-15.obj" ] && [ ! -e "$T/store/tok/priv-16.obj" ] && t_ok "refused keys left no file" ||
		t_fail "a refused key left a file"

	# The imported keys sign through pkcs11-tool (each run a new process); openssl verifies with the originals.
	printf 'data signed by keys that C_CreateObject sealed\n' >"$T/data"
	t_run 0 "sign ECDSA-SHA256 with the imported EC key" $P11 --login --pin 1234 --sign -m ECDSA-SHA256 --id 11 \
		-i "$T/data" -o "$T/sig.ec" --signature-format openssl
	t_run 0 "openssl verifies it against the original EC public key" openssl dgst -sha256 -verify "$K/ec.pub.pem" \
		-signature "$T/sig.ec" "$T/data"
	t_run 0 "sign SHA256-RSA-PKCS with the imported RSA key" $P11 --login --pin 1234 --sign -m SHA256-RSA-PKCS --id 12 \
		-i "$T/data" -o "$T/sig.rsa"
	t_run 0 "openssl verifies it against the original RSA public key" openssl dgst -sha256 -verify "$K/rsa.pub.pem" \
		-signature "$T/sig.rsa" "$T/data"
	t_run 0 "sign SHA256-RSA-PKCS-PSS with the imported RSA key" $P11 --login --pin 1234 --sign -m SHA256-RSA-PKCS-PSS \
		--mgf MGF1-SHA256 --salt-len 32 --id 12 -i "$T/data" -o "$T/sig.pss"
	t_run 0 "openssl verifies the PSS signature" openssl dgst -sha256 -verify "$K/rsa.pub.pem" -signature "$T/sig.pss" \
		-sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 "$T/data"
	t_run 0 "the imported EC public key object verifies the signature (pkcs11-tool --verify)" $P11 --verify \
		-m ECDSA-SHA256 --id 21 -i "$T/data" --signature-file "$T/sig.ec" --signature-format openssl
	printf 'a secret for the imported RSA key' >"$T/plain"
	openssl pkeyutl -encrypt -pubin -inkey "$K/rsa.pub.pem" -in "$T/plain" -out "$T/ct.oaep" \
		-pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256 -pkeyopt rsa_mgf1_md:sha256
	t_run 0 "decrypt RSA-PKCS-OAEP with the imported RSA key" $P11 --login --pin 1234 --decrypt -m RSA-PKCS-OAEP \
		--hash-algorithm SHA256 --mgf MGF1-SHA256 --id 12 -i "$T/ct.oaep" -o "$T/pt.oaep"
	cmp -s "$T/plain" "$T/pt.oaep" && t_ok "the plaintext came back" || t_fail "RSA-PKCS-OAEP plaintext"

	# A restart (a new process) lists everything; the released key carries its attestation record.
	t_run 0 "pkcs11-tool -O --login after a restart" $P11 --login --pin 1234 -O
	for l in "label:      ecimp" "label:      rsaimp" "label:      aesimp" "label:      ecpub" "label:      rsapub"; do
		t_has "$l" "listed: $l"
	done
	t_has "Certificate Object; type = X.509 cert" "listed: the certificate"
	t_run 0 "p11-record on the imported EC key: CKA_POC_ATTESTATION_RECORD, threads, fork" "$REC" "$SO" record tok 1234 \
		ecimp "$T/rec"
	t_run 0 "its record verifies with the token's verifier key" "$POCTOOL" record verify "$T/rec/key.rec" \
		--key "$T/rec/verifier.pem"
	t_run 0 "poctool record show" "$POCTOOL" record show "$T/rec/key.rec"
	t_has "\"poc.cka_id\": \"11\"" "the record names the imported key's CKA_ID"
	t_has "affirming" "the record is affirming"

	# C_DestroyObject (pkcs11-tool --delete-object): the files go, a restart does not bring them back.
	t_run 0 "delete-object the imported EC private key" $P11 --login --pin 1234 --delete-object --type privkey --id 11
	t_run 0 "delete-object the certificate" $P11 --login --pin 1234 --delete-object --type cert --id 11
	t_run 0 "delete-object the AES key" $P11 --login --pin 1234 --delete-object --type secrkey --id 14
	t_run 0 "delete-object the EC public key" $P11 --login --pin 1234 --delete-object --type pubkey --id 21
	[ ! -e "$T/store/tok/priv-11.obj" ] && [ ! -e "$T/store/tok/cert-11.obj" ] && [ ! -e "$T/store/tok/secret-14.obj" ] &&
		[ ! -e "$T/store/tok/pub-21.obj" ] && [ ! -e "$T/store/tok/priv-11.obj.record" ] &&
		t_ok "their files (and the key's record) left the store" || t_fail "files left in the store"
	t_run 0 "pkcs11-tool -O --login in a new process" $P11 --login --pin 1234 -O
	if printf '%s' "$T_OUT" | grep -qE "label: +(ecimp|aesimp|ecpub)$"; then
		t_fail "deleted objects listed again"; printf '%s\n' "$T_OUT" | grep label | t_diag
	else
		t_ok "the deleted objects stay gone"
	fi
	t_has "label:      rsaimp" "the RSA key is still there"

	# poctool import --cert: the certificate is one object, not a second copy from the key's header.
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/pti.key" -subj /CN=pti \
		-days 30 -out "$T/pti.crt" 2>/dev/null
	t_run 0 "poctool import --cert" "$POCTOOL" import --token tok --label pti --key "$T/pti.key" --cert "$T/pti.crt" \
		--id 7e --pin 1234
	t_run 0 "pkcs11-tool -O --type cert" $P11 --login --pin 1234 -O --type cert
	n=$(printf '%s\n' "$T_OUT" | grep -cE "label: +pti$")
	[ "$n" = 1 ] && t_ok "the imported certificate is listed once" || { t_fail "listed $n times"; printf '%s\n' "$T_OUT" | t_diag; }
	t_run 0 "pkcs11-tool --read-object the certificate" $P11 --read-object --type cert --id 7e -o "$T/pti.der"
	openssl x509 -inform DER -in "$T/pti.der" -noout -subject 2>/dev/null | grep -q "CN *= *pti" &&
		t_ok "it is the certificate given to poctool import" || t_fail "the certificate read back differs"
fi

# ---- tests/p11-ops: the module's own instrumented client (both builds) ----
ops "p11-ops create: Ed25519, P-384, RSA, public keys, AES, certificates, v3.0 template errors" create tok 1234 "$T/ops"
ops "p11-ops reopen: a new process signs with the created Ed25519 key, reads its record, destroys" reopen tok 1234 \
	"$T/ops"
t_run 0 "openssl verifies that Ed25519 signature against the original public key" openssl pkeyutl -verify -pubin \
	-inkey "$T/ops/ed.pub.pem" -rawin -in "$T/ops/data" -sigfile "$T/ops/ed.sig"
t_run 0 "the created Ed25519 key's record verifies with the token's verifier key" "$POCTOOL" record verify \
	"$T/ops/ed.rec" --key "$T/rec/verifier.pem"
t_run 0 "poctool record show (Ed25519)" "$POCTOOL" record show "$T/ops/ed.rec"
t_has "\"poc.cka_id\": \"41\"" "the record names the created key's CKA_ID"
[ ! -e "$T/store/tok/priv-41.obj" ] && [ ! -e "$T/store/tok/secret-4d.obj" ] && t_ok "the destroyed objects' files are gone" ||
	t_fail "destroyed objects left files"
ops "p11-ops gone: a new process does not find them" gone tok 1234
ops "p11-ops gcm: CKM_AES_GCM through C_Encrypt/C_Decrypt, against OpenSSL" gcm tok 1234

# valgrind on the GCM run (gcc build): no invalid access, no definite leak.
if [ -z "${POC_SANITIZERS:-}" ] && command -v valgrind >/dev/null; then
	t_run 0 "valgrind --error-exitcode=1 p11-ops gcm (clean)" valgrind -q --error-exitcode=1 --leak-check=full \
		--errors-for-leak-kinds=definite --show-leak-kinds=definite \
		--suppressions="$POC_SRCDIR/tests/p11-valgrind.supp" "$OPS" "$SO" gcm tok 1234
else
	t_skip "valgrind (sanitizer build, or not installed)"
fi
# Session objects never reach the store; a re-sealed object opens under its new header and under no other.
n=$(grep -l -e sess-data -e sess-aes -e renamed "$T/store/tok/"* 2>/dev/null | wc -l)
[ "$n" = 0 ] && t_ok "no session object reached the store folder" || t_fail "$n store files name a session object"
[ ! -e "$T/store/tok/secret-5e.obj" ] && [ -e "$T/store/tok/secret-5f.obj" ] &&
	t_ok "a new CKA_ID re-sealed the key into its new file, the old one is gone" || t_fail "secret-5e/5f files"
t_run 0 "poctool release of the re-sealed data object, under its new label" "$POCTOOL" release --token tok \
	--label data-edited --pin 1234
t_has "kept-value" "its value"
f=$(grep -l data-edited "$T/store/tok/"*.obj | head -1)
python3 -c 'import sys; p=sys.argv[1]; b=open(p,"rb").read(); open(p,"wb").write(b.replace(b"data-edited", b"data-edhted"))' "$f"
t_run 1 "the same file, its header's label edited on disk: refused" "$POCTOOL" release --token tok --label data-edhted \
	--pin 1234
if [ -z "${POC_SANITIZERS:-}" ]; then
	t_run 1 "and a login releasing the token's keys refuses it too (pkcs11-tool)" pkcs11-tool --module "$SO" \
		--token-label tok --login --pin 1234 --list-objects
else
	t_skip "pkcs11-tool login after the edit: uninstrumented pkcs11-tool cannot load the ASan-built module"
fi
t_done
