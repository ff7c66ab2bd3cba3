#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# poc-pkcs11.so through real clients on swtpm + the TDX simulator: pkcs11-tool (--test,
# --test-fork, --test-threads, keypairgen, sign/verify per mechanism checked by openssl),
# p11tool through p11-kit, openssl's pkcs11 engine; the attestation record read through
# C_GetAttributeValue verifies; release denied after tpm2_pcrextend and with a wrong PIN;
# the TTL re-runs the check; threads and fork (tests/p11-record).
. "$POC_SRCDIR/tests/swtpm-env.sh"
. "$POC_SRCDIR/tests/lib.sh"
t_skip_in_sanitizer_build
T=$POC_TEST_TMP
SO=$POC_BUILDDIR/module/.libs/poc-pkcs11.so
REC=$POC_BUILDDIR/tests/p11-record
P11="pkcs11-tool --module $SO"
P11T="$P11 --token-label tok" # more tokens come later: slot 0 is not always tok

poc_token_env one "ttl = 600" "log = $T/module.log" "log_level = info" || { echo "Bail out! test setup"; exit 1; }
export POC_PKCS11_STATS=$T/stats

t_run 0 "poctool init --label tok --pin 1234" "$POCTOOL" init --label tok --policy "$T/policy.json" --pin 1234
t_run 0 "pkcs11-tool -L lists the token" $P11 -L
t_has "tok" "token label shown"
t_has "login required" "the token with a PIN requires login"
t_run 0 "keypairgen EC P-256" $P11T --login --pin 1234 --keypairgen --key-type EC:prime256v1 --label ec --id 01
t_run 0 "keypairgen RSA 2048" $P11T --login --pin 1234 --keypairgen --key-type rsa:2048 --label rsa --id 02
# One login releases every key of the token after ONE evidence round (DESIGN.md section 6).
rounds() { grep -c '^check tok (token) ' "$POC_PKCS11_STATS" 2>/dev/null || true; }
before=$(rounds)
t_run 0 "a login with two keys in the token" $P11T --login --pin 1234 -O
after=$(rounds)
[ "$((after - before))" = 1 ] && t_ok "that login ran one evidence round for both keys" ||
	{ t_fail "that login ran $((after - before)) evidence rounds for two keys, want 1"; tail -5 "$POC_PKCS11_STATS" | t_diag; }
ls "$T/store/tok/"*.obj >/dev/null 2>&1 && t_ok "keys are sealed files in the store" || t_fail "no sealed files"
t_run 0 "pkcs11-tool -O after a restart (new process) lists the keys" $P11T -O
t_has "label:      ec" "the EC public key survives the restart"
t_has "label:      rsa" "the RSA public key survives the restart"
t_run 0 "pkcs11-tool -O --login shows the private keys" $P11T -O --login --pin 1234
t_has "Private Key Object; EC" "EC private key object"
t_has "Private Key Object; RSA" "RSA private key object"

# pkcs11-tool's own test suite: every line must be OK / no errors.
p11test() { # DESC ARGS...
	local desc=$1; shift
	$P11T "$@" >"$T/p11test.out" 2>&1; local rc=$?
	# CKR_CRYPTOKI_ALREADY_INITIALIZED is the right answer to the thread that loses the race to
	# C_Initialize in --test-threads, not an error.
	if [ $rc = 0 ] && ! grep -E "FAIL|ERR|rror|some errors|[^e]rv:CKR_[A-NP-Z]" "$T/p11test.out" |
		grep -v "CKR_CRYPTOKI_ALREADY_INITIALIZED" | grep -qv "^No errors"; then
		t_ok "$desc"; else t_fail "$desc (exit $rc)"; t_diag <"$T/p11test.out"; fi
	sed -n 's/^/# /p' "$T/p11test.out" | grep -E "OK|rv:|Signatures|Decryption|Verify|No errors" | head -30
}
t_has_file() { grep -qF -- "$1" "$T/p11test.out" && t_ok "$2" || t_fail "$2"; }
p11test "pkcs11-tool --test --allow-sw --login (every test OK)" --test --allow-sw --login --pin 1234
t_has_file "No errors" "pkcs11-tool --test reports no errors"
# This pkcs11-tool's --test signs and decrypts with RSA keys only ("currently only for RSA").
t_has_file "SHA256-RSA-PKCS: OK" "pkcs11-tool --test signed with SHA256-RSA-PKCS"
p11test "pkcs11-tool --test-fork" --test-fork --login --pin 1234
# Without --token-label: pkcs11-tool's main thread looks slots up through globals its test
# threads rewrite at the same time, and then sometimes finds no token (its race, not the
# module's). Only "tok" exists yet, so slot 0 is it.
P11T_SAVED=$P11T; P11T=$P11
p11test "pkcs11-tool --test-threads (2 threads: C_Initialize with OS locking, info, slots, token)" --login --pin 1234 \
	--test-threads ILGISLT0 --test-threads P1GISLT0
P11T=$P11T_SAVED

# Sign with pkcs11-tool, verify with pkcs11-tool and with openssl on the exported public key.
printf 'data to be signed by a sealed key\n' >"$T/data"
$P11T --read-object --type pubkey --id 01 -o "$T/ec.der" >/dev/null 2>&1 &&
	openssl pkey -pubin -inform DER -in "$T/ec.der" -out "$T/ec.pem" 2>/dev/null && t_ok "EC public key exported" ||
	t_fail "EC public key export"
$P11T --read-object --type pubkey --id 02 -o "$T/rsa.der" >/dev/null 2>&1 &&
	openssl pkey -pubin -inform DER -in "$T/rsa.der" -out "$T/rsa.pem" 2>/dev/null && t_ok "RSA public key exported" ||
	t_fail "RSA public key export"
openssl dgst -sha256 -binary "$T/data" >"$T/data.sha256"
sign_verify() { # MECH LABEL INPUT OPENSSL-VERIFY-ARGS...
	local mech=$1 label=$2 in=$3 id; shift 3
	local extra=()
	case $label in ec) id=01 ;; rsa) id=02 ;; ed) id=03 ;; esac # pkcs11-tool selects keys by --id
	[ "$mech" = RSA-PKCS-PSS ] && extra=(--mgf MGF1-SHA256 --hash-algorithm SHA256 --salt-len 32)
	[ "$mech" = SHA256-RSA-PKCS-PSS ] && extra=(--mgf MGF1-SHA256 --salt-len 32)
	if $P11T --login --pin 1234 --sign -m "$mech" --id $id "${extra[@]}" -i "$in" -o "$T/sig.$mech" \
		--signature-format openssl >"$T/sign.out" 2>&1 &&
		$P11T --verify -m "$mech" --id $id "${extra[@]}" -i "$in" --signature-file "$T/sig.$mech" \
			--signature-format openssl >"$T/verify.out" 2>&1 && "$@" >"$T/ossl.out" 2>&1; then
		t_ok "sign + verify $mech (pkcs11-tool and openssl)"
	else
		t_fail "sign + verify $mech"; cat "$T/sign.out" "$T/verify.out" "$T/ossl.out" 2>/dev/null | tail -8 | t_diag
	fi
}
sign_verify ECDSA ec "$T/data.sha256" openssl pkeyutl -verify -pubin -inkey "$T/ec.pem" -in "$T/data.sha256" -sigfile "$T/sig.ECDSA"
sign_verify ECDSA-SHA256 ec "$T/data" openssl dgst -sha256 -verify "$T/ec.pem" -signature "$T/sig.ECDSA-SHA256" "$T/data"
# RSA-PKCS raw: the input is a DigestInfo; openssl checks the recovered block.
printf '\x30\x31\x30\x0d\x06\x09\x60\x86\x48\x01\x65\x03\x04\x02\x01\x05\x00\x04\x20' | cat - "$T/data.sha256" >"$T/data.di"
sign_verify RSA-PKCS rsa "$T/data.di" openssl dgst -sha256 -verify "$T/rsa.pem" -signature "$T/sig.RSA-PKCS" "$T/data"
sign_verify SHA256-RSA-PKCS rsa "$T/data" openssl dgst -sha256 -verify "$T/rsa.pem" -signature "$T/sig.SHA256-RSA-PKCS" "$T/data"
sign_verify RSA-PKCS-PSS rsa "$T/data.sha256" openssl pkeyutl -verify -pubin -inkey "$T/rsa.pem" -in "$T/data.sha256" \
	-sigfile "$T/sig.RSA-PKCS-PSS" -pkeyopt digest:sha256 -pkeyopt rsa_padding_mode:pss -pkeyopt rsa_pss_saltlen:32
sign_verify SHA256-RSA-PKCS-PSS rsa "$T/data" openssl dgst -sha256 -verify "$T/rsa.pem" -signature "$T/sig.SHA256-RSA-PKCS-PSS" \
	-sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 "$T/data"

# EdDSA in a token of its own: Debian's libp11 (the openssl engine below) stops enumerating a
# token's private keys at an Ed25519 key it does not know.
t_run 0 "poctool init --label edtok" "$POCTOOL" init --label edtok --policy "$T/policy.json" --pin 1234
P11T_SAVED=$P11T; P11T="$P11 --token-label edtok"
t_run 0 "keypairgen Ed25519" $P11T --login --pin 1234 --keypairgen --key-type EC:edwards25519 --label ed --id 03
# (This pkcs11-tool writes an Ed25519 public key as PEM, other keys as DER.)
$P11T --read-object --type pubkey --id 03 -o "$T/ed.raw" >/dev/null 2>&1 &&
	openssl pkey -pubin -in "$T/ed.raw" -out "$T/ed.pem" 2>/dev/null && t_ok "Ed25519 public key exported" ||
	t_fail "Ed25519 public key export"
sign_verify EDDSA ed "$T/data" openssl pkeyutl -verify -pubin -inkey "$T/ed.pem" -rawin -in "$T/data" -sigfile "$T/sig.EDDSA"
# AES: a secret key generated in the token and sealed like the others. (This pkcs11-tool has no
# AES-GCM; the mechanism's round trip, tag and AAD checks are in tests/unit/test-p11_crypto.)
t_run 0 "keygen AES-256" $P11T --login --pin 1234 --keygen --key-type AES:32 --label aes --id 04
t_run 0 "the AES key is listed (sealed secret key)" $P11T --login --pin 1234 -O --type secrkey
t_has "AES" "a secret key object of type AES"
P11T=$P11T_SAVED

# Decryption: openssl encrypts to the RSA key (OAEP SHA-256), the token decrypts.
printf 'a secret for the sealed RSA key' >"$T/plain"
openssl pkeyutl -encrypt -pubin -inkey "$T/rsa.pem" -in "$T/plain" -out "$T/ct.oaep" \
	-pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256 -pkeyopt rsa_mgf1_md:sha256
t_run 0 "decrypt RSA-PKCS-OAEP (SHA-256)" $P11T --login --pin 1234 --decrypt -m RSA-PKCS-OAEP --hash-algorithm SHA256 \
	--mgf MGF1-SHA256 --id 02 -i "$T/ct.oaep" -o "$T/pt.oaep"
cmp -s "$T/plain" "$T/pt.oaep" && t_ok "RSA-PKCS-OAEP recovered the plaintext" || t_fail "RSA-PKCS-OAEP plaintext"
# PKCS#1 v1.5 decryption is refused (a padding oracle on OpenSSL 3.0; tests/integration/attack-module.sh).
openssl pkeyutl -encrypt -pubin -inkey "$T/rsa.pem" -in "$T/plain" -out "$T/ct.pkcs" -pkeyopt rsa_padding_mode:pkcs1
t_run 1 "decrypt RSA-PKCS refused" $P11T --login --pin 1234 --decrypt -m RSA-PKCS --id 02 -i "$T/ct.pkcs" -o "$T/pt.pkcs"
t_has "CKR_MECHANISM_INVALID" "RSA-PKCS decryption: CKR_MECHANISM_INVALID"

# p11tool (GnuTLS) with pkcs11: URIs.
t_run 0 "p11tool --list-all" p11tool --provider "$SO" --list-all 'pkcs11:token=tok'
t_has "object=ec" "p11tool lists the EC key by URI"
t_run 0 "p11tool --test-sign" p11tool --provider "$SO" --login --set-pin 1234 --test-sign 'pkcs11:token=tok;object=ec'
t_has "Verifying against public key in the token... ok" "p11tool verified the signature with the token's public key"

# openssl through libengine-pkcs11-openssl (tpm2-tss issue 3151: ESYS inside an engine process).
ENGINE=/usr/lib/x86_64-linux-gnu/engines-3/pkcs11.so
cat >"$T/openssl.cnf" <<CNF
openssl_conf = openssl_init
[openssl_init]
engines = engine_section
[engine_section]
pkcs11 = pkcs11_section
[pkcs11_section]
engine_id = pkcs11
dynamic_path = $ENGINE
MODULE_PATH = $SO
init = 0
CNF
OPENSSL_CONF=$T/openssl.cnf openssl pkeyutl -engine pkcs11 -keyform engine -sign \
	-inkey 'pkcs11:token=tok;object=ec;type=private;pin-value=1234' -in "$T/data.sha256" -out "$T/sig.engine" \
	>"$T/engine.out" 2>&1 &&
	openssl pkeyutl -verify -pubin -inkey "$T/ec.pem" -in "$T/data.sha256" -sigfile "$T/sig.engine" >/dev/null 2>&1 &&
	t_ok "openssl pkeyutl -engine pkcs11 signs (and openssl verifies)" ||
	{ t_fail "openssl engine signature"; t_diag <"$T/engine.out"; }

# The record through C_GetAttributeValue, threads, fork.
mkdir -p "$T/rec"
t_run 0 "p11-record: record, sensitive values, threads, fork" "$REC" "$SO" record tok 1234 ec "$T/rec"
printf '%s\n' "$T_OUT" | grep -E '^(not )?ok' | sed 's/^/# /'
t_run 0 "the record verifies with the token's verifier key" "$POCTOOL" record verify "$T/rec/key.rec" --key "$T/rec/verifier.pem"
t_run 0 "poctool record show" "$POCTOOL" record show "$T/rec/key.rec"
t_has "\"poc.cka_id\": \"$(cat "$T/rec/id.hex" 2>/dev/null || echo no-id)\"" "the record names the key's CKA_ID"
t_has "\"poc.key_sha256\"" "the record names the sealed key's hash"
t_has "affirming" "the record is affirming"

# valgrind on the module test program (same run: record, threads, fork); suppressions only for
# OpenSSL's and ESYS's one-time global allocations (tests/p11-valgrind.supp says which).
if command -v valgrind >/dev/null; then
	t_run 0 "valgrind --error-exitcode=1 p11-record (clean)" valgrind -q --error-exitcode=1 --leak-check=full \
		--errors-for-leak-kinds=definite --show-leak-kinds=definite --child-silent-after-fork=yes \
		--suppressions="$POC_SRCDIR/tests/p11-valgrind.supp" "$REC" "$SO" record tok 1234 ec "$T/rec"
else
	t_skip "valgrind p11-record: valgrind is not installed"
fi

# TTL: with ttl = 2, two signatures 3 s apart run two checks (one at login, one after expiry).
sed -i 's/^ttl = .*/ttl = 2/' "$POC_PKCS11_CONF"
sed -i 's/^release = .*//' "$POC_PKCS11_CONF"; echo "release = first-use" >>"$POC_PKCS11_CONF"
checks_ec() { grep -c " priv-01.obj " "$POC_PKCS11_STATS"; }
before=$(checks_ec)
t_run 0 "p11-record ttl" "$REC" "$SO" ttl tok 1234 ec "$T/rec"
after=$(checks_ec)
[ $((after - before)) = 2 ] && t_ok "release = first-use, ttl = 2: first use and the use after expiry each ran a check (2 evidence rounds for the key)" ||
	{ t_fail "TTL: $((after - before)) evidence rounds, want 2"; tail -5 "$POC_PKCS11_STATS" | t_diag; }
sed -i 's/^ttl = .*/ttl = 600/; s/^release = .*//' "$POC_PKCS11_CONF"

# Wrong PIN: CKR_PIN_INCORRECT; the TPM counts it in the token's PIN counter (not its DA lockout).
t_run 0 "C_Login with a wrong PIN" "$REC" "$SO" wrongpin tok 9999 ec "$T/rec"
t_run 0 "CKF_USER_PIN_COUNT_LOW after a wrong PIN" $P11 -T
t_has "user PIN count low" "the flag comes from the TPM's count"
t_run 0 "the right PIN still works" $P11T --login --pin 1234 -O

# Ten wrong PINs lock the token's PIN (its counter in the TPM, not the TPM's DA lockout).
t_run 0 "poctool init --label lock --pin 1111" "$POCTOOL" init --label lock --policy "$T/policy.json" --pin 1111
for i in 1 2 3 4 5 6 7 8 9 10; do "$REC" "$SO" wrongpin lock 0000 x "$T/rec" >/dev/null 2>&1; done
t_run 0 "after 10 wrong PINs: CKR_PIN_LOCKED and CKF_USER_PIN_LOCKED" "$REC" "$SO" locked lock 1111 x "$T/rec"
t_run 0 "the TPM is not locked out: the other token still logs in" $P11T --login --pin 1234 -O
tpm2_getcap properties-variable | grep -q "TPM2_PT_LOCKOUT_COUNTER: 0x0$" && t_ok "the TPM's DA lockout counter is 0" ||
	t_fail "the DA lockout counter moved"

# A policy expecting another MRTD: C_Login denied after the evidence; the clause logged, the
# contraindicated record readable on the key's public object.
sed -E 's/"tcb_status": \["UpToDate"\]/"tcb_status": ["UpToDate"], "mrtd": ["'"$(printf '%096d' 0)"'"]/' "$T/policy.json" >"$T/mrtd.json"
t_run 0 "poctool init --label mrtd (a policy with another MRTD)" "$POCTOOL" init --label mrtd --policy "$T/mrtd.json" --pin 1234
t_run 0 "poctool keygen in it" "$POCTOOL" keygen --token mrtd --label k --type ec-p256 --id 0a --pin 1234
t_run 0 "C_Login denied (MRTD): CKR_FUNCTION_FAILED, record readable" "$REC" "$SO" denied mrtd 1234 k "$T/rec"
t_run 0 "the denial record verifies with the token's verifier key" "$POCTOOL" record verify "$T/rec/denied.rec" --key "$T/rec/verifier.pem"
t_run 0 "poctool record show (denial)" "$POCTOOL" record show "$T/rec/denied.rec"
t_has "contraindicated" "the denial record is contraindicated"
grep -q 'denied: $.tee.mrtd' "$T/module.log" && t_ok "the log names the clause \$.tee.mrtd" ||
	{ t_fail "log lacks the MRTD clause"; grep denied "$T/module.log" | tail -3 | t_diag; }

# A PCR in the policy extended: C_Login denied, the clause named, the denial record readable
# and signed by the token's denial key (the verifier key is sealed to the PCRs, so it is locked).
tpm2_pcrextend 7:sha256=0000000000000000000000000000000000000000000000000000000000000001 >/dev/null
t_run 1 "pkcs11-tool --login fails after tpm2_pcrextend" $P11T --login --pin 1234 --sign -m ECDSA-SHA256 --id 01 -i "$T/data" -o "$T/sig.denied"
grep -q "denied: seal.pcrs.sha256: PCR sha256:7 changed .*PCR policy not satisfied" "$T/module.log" &&
	t_ok "the log names the clause seal.pcrs.sha256 and PCR 7" ||
	{ t_fail "log lacks the denial"; tail -5 "$T/module.log" | t_diag; }
rm -f "$T/rec/denied.rec"
t_run 0 "C_Login denied (PCR 7): CKR_FUNCTION_FAILED, record readable" "$REC" "$SO" denied tok 1234 ec "$T/rec"
t_run 0 "the PCR denial record verifies with the token's denial key (its PEM label says so)" "$POCTOOL" record verify "$T/rec/denied.rec" --key "$T/rec/denial.pem"
t_has "signed by a denial key" "record verify: signed by a denial key"
t_run 1 "and not with the verifier key" "$POCTOOL" record verify "$T/rec/denied.rec" --key "$T/rec/verifier.pem"
t_run 0 "poctool record show (PCR denial)" "$POCTOOL" record show "$T/rec/denied.rec"
t_has "contraindicated" "the PCR denial record is contraindicated"
t_has "seal.pcrs.sha256" "the PCR denial record names the clause"
t_run 0 "poctool show checks the record against the token's keys" "$POCTOOL" show --token tok --label ec
t_has "signature valid: the token's denial key" "poctool show: signed by the denial key"
t_has "denial key (signs only denials):" "poctool show prints the record keys"
t_done
