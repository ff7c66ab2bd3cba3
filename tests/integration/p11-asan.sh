#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# poc-pkcs11.so through our own program (tests/p11-record), which the sanitizer build
# instruments like the module: the record through C_GetAttributeValue, sensitive values,
# two threads signing, a forked child, the TTL, a wrong PIN. Runs in both builds; in the
# ASan build it is how the module itself runs under AddressSanitizer and UBSan.
. "$POC_SRCDIR/tests/swtpm-env.sh"
. "$POC_SRCDIR/tests/lib.sh"
T=$POC_TEST_TMP
SO=$POC_BUILDDIR/module/.libs/poc-pkcs11.so
REC=$POC_BUILDDIR/tests/p11-record

poc_token_env one "ttl = 600" "log = $T/module.log" "log_level = info" || { echo "Bail out! test setup"; exit 1; }
printf '%s' "$POC_TCTI" >"$T/tcti-one"
export POC_PKCS11_STATS=$T/stats
t_run 0 "poctool init --pin" "$POCTOOL" init --label tok --policy "$T/policy.json" --pin 1234
t_run 0 "poctool keygen ec-p256" "$POCTOOL" keygen --token tok --label ec --type ec-p256 --id 01 --pin 1234
t_run 0 "poctool keygen rsa-2048" "$POCTOOL" keygen --token tok --label rsa --type rsa-2048 --id 02 --pin 1234
mkdir -p "$T/rec"
t_run 0 "p11-record: record, sensitive values, threads, fork" "$REC" "$SO" record tok 1234 ec "$T/rec"
t_run 0 "the record verifies with the token's verifier key" "$POCTOOL" record verify "$T/rec/key.rec" --key "$T/rec/verifier.pem"
t_run 0 "poctool record show" "$POCTOOL" record show "$T/rec/key.rec"
t_has "\"poc.cka_id\": \"01\"" "the record names the key's CKA_ID"
t_has "affirming" "the record is affirming"
t_run 0 "C_Login with a wrong PIN returns CKR_PIN_INCORRECT" "$REC" "$SO" wrongpin tok 9999 ec "$T/rec"
sed -i 's/^ttl = .*/ttl = 2/' "$POC_PKCS11_CONF"; echo "release = first-use" >>"$POC_PKCS11_CONF"
t_run 0 "p11-record ttl (two checks 3 s apart)" "$REC" "$SO" ttl tok 1234 ec "$T/rec"
sed -i 's/^ttl = .*/ttl = 600/; /^release = /d' "$POC_PKCS11_CONF"

# A TD in DEBUG mode (the simulator with --debug): C_Login denied, $.tee.debug named, record readable.
"$POCTOOL" sim init "$T/dsim" --debug >/dev/null || { echo "Bail out! sim init --debug"; exit 1; }
droot=$(tr -d ' \n' <"$T/dsim/policy-fragment.json" | sed -nE 's/.*"tee":\{[^}]*"roots":\["([^"]+)"\].*/\1/p')
sed "s|$simroot|$droot|" "$T/policy.json" >"$T/dpolicy.json"
sed "s|^tee = .*|tee = sim:$T/dsim|" "$POC_PKCS11_CONF" >"$T/dpoc.conf"
POC_PKCS11_CONF=$T/dpoc.conf t_run 0 "poctool init a token on the DEBUG TD" "$POCTOOL" init --label dbg --policy "$T/dpolicy.json" --pin 1234
POC_PKCS11_CONF=$T/dpoc.conf t_run 0 "keygen in it" "$POCTOOL" keygen --token dbg --label k --type ec-p256 --id 0d --pin 1234
POC_PKCS11_CONF=$T/dpoc.conf t_run 0 "C_Login denied (DEBUG TD): CKR_FUNCTION_FAILED, record readable" "$REC" "$SO" denied dbg 1234 k "$T/rec"
grep -q 'denied: $.tee.debug' "$T/module.log" && t_ok "the log names the clause \$.tee.debug" ||
	{ t_fail "log lacks \$.tee.debug"; grep denied "$T/module.log" | tail -3 | t_diag; }
t_run 0 "the denial record says contraindicated" "$POCTOOL" record show "$T/rec/denied.rec"
t_has "contraindicated" "contraindicated"

# A modified object file (one byte of its header): C_Login refused, the key never released.
obj=$T/store/tok/priv-01.obj
cp "$obj" "$T/obj.bak"
# A byte of its ttl (a uint64 in the header): the header still parses, the AEAD catches it.
off=$("$PY" -c 'import sys; b=open(sys.argv[1],"rb").read(); print(b.index(b"\x63ttl\x1b") + 7)' "$obj")
printf '\x7a' | dd of="$obj" bs=1 seek="$off" conv=notrunc status=none
t_run 0 "C_Login with a modified object file: refused" "$REC" "$SO" loginfails tok 1234 ec "$T/rec"
cp "$T/obj.bak" "$obj"
t_run 0 "restored: C_Login and the record work again" "$REC" "$SO" record tok 1234 ec "$T/rec"

# The store moved to another TPM: C_Login refused; the log says the objects are not sealed to it.
poc_swtpm_start two || { echo "Bail out! swtpm two"; exit 1; }
sed -i "s|^tcti = .*|tcti = $POC_TCTI|" "$POC_PKCS11_CONF"
t_run 0 "C_Login on another TPM: refused" "$REC" "$SO" loginfails tok 1234 ec "$T/rec"
grep -q 'not sealed to this TPM' "$T/module.log" && t_ok "the log says: not sealed to this TPM" ||
	{ t_fail "log lacks 'not sealed to this TPM'"; tail -3 "$T/module.log" | t_diag; }

# examples/app: a program using the module through p11-kit signs and prints the record.
APP=$POC_BUILDDIR/examples/app/poc-sign
sed -i "s|^tcti = .*|tcti = $(cat "$T/tcti-one")|" "$POC_PKCS11_CONF"
(cd "$T" && "$APP" "$SO" tok ec 1234 "hello" >"$T/app.out" 2>&1)
rc=$?
[ $rc = 0 ] && grep -q '"ear.status": "affirming"' "$T/app.out" && t_ok "examples/app signs and prints an affirming record" ||
	{ t_fail "examples/app (exit $rc)"; t_diag <"$T/app.out"; }
t_run 0 "the record examples/app wrote verifies" "$POCTOOL" record verify "$T/poc-sign.record" --key "$T/rec/verifier.pem"
t_done
