#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A TPM endpoint that accepts the connection and never answers (hang-tpm.py): C_Login and
# poctool fail after tpm_timeout_ms with an outage (CKR_DEVICE_REMOVED, exit 3, "did not answer
# within N ms"), never hang and never read as a denial; the same token on the real swtpm logs in.
. "$POC_SRCDIR/tests/swtpm-env.sh"
. "$POC_SRCDIR/tests/lib.sh"
t_skip_in_sanitizer_build
T=$POC_TEST_TMP
SO=$POC_BUILDDIR/module/.libs/poc-pkcs11.so
P11="pkcs11-tool --module $SO --token-label tok"

poc_token_env one "log = $T/module.log" "log_level = info" || { echo "Bail out! test setup"; exit 1; }
t_run 0 "poctool init --label tok" "$POCTOOL" init --label tok --policy "$T/policy.json" --pin 1234
t_run 0 "a key" $P11 --login --pin 1234 --keypairgen --key-type EC:prime256v1 --label k --id 01
t_run 0 "C_Login on the answering swtpm (honest control)" $P11 --login --pin 1234 -O
cp "$POC_PKCS11_CONF" "$T/good.conf"

echo "a secret" >"$T/secret"
t_run 0 "a sealed secret" "$POCTOOL" seal --token tok --label s --in "$T/secret" --pin 1234

# hang_start NAME [RELAY_CTRL_PORT]: the silent endpoint on a free port pair; POC_PKCS11_CONF
# points at it with tpm_timeout_ms = 1500.
hangs=()
trap 'for h in "${hangs[@]:-}"; do [ -n "$h" ] && kill "$h" 2>/dev/null && wait "$h" 2>/dev/null; done; poc_cleanup' EXIT
hang_start() {
	local port
	port=$(_poc_free_port) || { echo "Bail out! no free port"; exit 1; }
	"$PY" "$POC_SRCDIR/tests/integration/hang-tpm.py" "$port" "$T/$1.ready" "$T/$1.log" ${2:-} &
	hangs+=($!)
	for _ in $(seq 50); do [ -f "$T/$1.ready" ] && break; sleep 0.1; done
	sed -e "s|^tcti = .*|tcti = swtpm:host=127.0.0.1,port=$port|" "$T/good.conf" >"$POC_PKCS11_CONF"
	echo "tpm_timeout_ms = 1500" >>"$POC_PKCS11_CONF"
}
# hung WHAT: C_Login and poctool release against the endpoint fail as an outage, in bounded time.
hung() {
	local what=$1 start ms
	: >"$T/module.log"
	start=$(date +%s%N)
	t_run 1 "$what: C_Login fails (timeout 60 guards the test)" timeout 60 $P11 --login --pin 1234 -O
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
	t_has "CKR_DEVICE_REMOVED" "$what: as an outage (CKR_DEVICE_REMOVED), not a denial"
	[ "$ms" -lt 30000 ] && t_ok "$what: within a bounded time (${ms} ms for tpm_timeout_ms = 1500)" || t_fail "$what: took ${ms} ms"
	grep -q "did not answer within 1500 ms (tpm_timeout_ms)" "$T/module.log" &&
		t_ok "$what: the module log says the TPM did not answer within 1500 ms" ||
		{ t_fail "$what: no timeout line in the module log"; tail -5 "$T/module.log" | t_diag; }
	grep -q "denied" "$T/module.log" && t_fail "$what: the log calls the outage a denial" || t_ok "$what: the log never calls it a denial"
	t_run 3 "$what: poctool release fails with exit 3 (an outage)" timeout 60 "$POCTOOL" release --token tok --label s --pin 1234
	t_has "did not answer within 1500 ms" "$what: poctool says the TPM did not answer in time"
}
# 1. Silent from the start: swtpm's TCTI waits for its control port while it initialises.
hang_start silent
hung "an endpoint that never answers"
[ -s "$T/silent.log" ] && t_ok "the endpoint did get a request (the wait was for its answer)" || t_fail "nothing reached the endpoint"
# 2. The control port answers (relayed to the real swtpm), TPM commands never do: ESYS's
# synchronous calls would wait forever; the TCTI below them gives up.
hang_start cmd "$((POC_SWTPM_PORT + 1))"
hung "a TPM whose commands go unanswered"
[ -s "$T/cmd.log" ] && t_ok "a TPM command reached the endpoint" || t_fail "no TPM command reached the endpoint"

for bad in 0 -5 abc 99999999999; do
	sed -i "s|^tpm_timeout_ms = .*|tpm_timeout_ms = $bad|" "$POC_PKCS11_CONF"
	t_run 2 "tpm_timeout_ms = $bad is refused" "$POCTOOL" list
	t_has "tpm_timeout_ms\": must be a positive number of milliseconds" "naming the key"
done
cp "$T/good.conf" "$POC_PKCS11_CONF"
t_run 0 "back on the swtpm, the same token logs in" $P11 --login --pin 1234 -O
t_done
