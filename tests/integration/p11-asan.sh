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

poc_swtpm_start one || { echo "Bail out! swtpm"; exit 1; }
"$POCTOOL" sim init "$T/sim" >/dev/null || { echo "Bail out! sim init"; exit 1; }
CA=$POC_SWTPM_DIR/ca
export POC_PKCS11_CONF=$T/poc.conf POC_PKCS11_STATS=$T/stats
printf 'store = %s/store\ntcti = %s\ntee = sim:%s/sim\nttl = 600\nlog = %s/module.log\nlog_level = info\n' \
	"$T" "$POC_TCTI" "$T" "$T" >"$POC_PKCS11_CONF"
simroot=$(tr -d ' \n' <"$T/sim/policy-fragment.json" | sed -nE 's/.*"tee":\{[^}]*"roots":\["([^"]+)"\].*/\1/p')
cat >"$T/policy.json" <<JSON
{"version": 1,
 "providers": [{"name": "swtpm-test-ca", "roots": ["$CA/swtpm-localca-rootca-cert.pem"], "intermediates": ["$CA/issuercert.pem"]}],
 "tee": {"type": "tdx", "roots": ["$simroot"], "tcb_status": ["UpToDate"]}, "binding": "poc-v1"}
JSON
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
t_done
