#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# One error path (docs/module.md "Errors"): a wrong PIN, a locked PIN, a release denied by the
# policy, a TPM that stays busy and a TPM that cannot be reached each reach the application as
# their own CKR (pkcs11-tool, C_Login) and poctool as their own exit code (1, 1, 1, 3, 3), next
# to the honest control that still logs in and releases. The busy TPM is tpm2-tss's cmd TCTI
# running busy-tpm.py (TPM_RC_RETRY for every command): tpm2-tss resubmits a bounded number of
# times, then the module gives up with CKR_DEVICE_ERROR and a "busy" log line.
. "$POC_SRCDIR/tests/swtpm-env.sh"
. "$POC_SRCDIR/tests/lib.sh"
t_skip_in_sanitizer_build
T=$POC_TEST_TMP
SO=$POC_BUILDDIR/module/.libs/poc-pkcs11.so
P11="pkcs11-tool --module $SO"

poc_token_env one "log = $T/module.log" "log_level = info" || { echo "Bail out! test setup"; exit 1; }
printf 'boot-secret' >"$T/secret"
sed -E 's/"tcb_status": \["UpToDate"\]/"tcb_status": ["UpToDate"], "mrtd": ["'"$(printf '%096d' 0)"'"]/' "$T/policy.json" >"$T/mrtd.json"
t_run 0 "init tok (PIN 1234)" "$POCTOOL" init --label tok --policy "$T/policy.json" --pin 1234
t_run 0 "keygen in tok" "$POCTOOL" keygen --token tok --label ec --type ec-p256 --id 01 --pin 1234
t_run 0 "seal in tok" "$POCTOOL" seal --token tok --label s --in "$T/secret" --pin 1234
t_run 0 "init lock (PIN 1111, 2 tries)" "$POCTOOL" init --label lock --policy "$T/policy.json" --pin 1111 --pin-tries 2
t_run 0 "seal in lock" "$POCTOOL" seal --token lock --label s --in "$T/secret" --pin 1111
t_run 0 "init mrtd (a policy naming another MRTD)" "$POCTOOL" init --label mrtd --policy "$T/mrtd.json" --pin 1234
t_run 0 "seal in mrtd" "$POCTOOL" seal --token mrtd --label s --in "$T/secret" --pin 1234

# The honest control: the right PIN on a working TPM under a policy this machine meets.
t_run 0 "C_Login with the right PIN" $P11 --token-label tok --login --pin 1234 -O
t_run 0 "poctool release with the right PIN" "$POCTOOL" release --token tok --label s --pin 1234
[ "$T_OUT" = boot-secret ] && t_ok "... gives the secret" || t_fail "release gave: $T_OUT"

# A wrong PIN: CKR_PIN_INCORRECT, exit 1.
t_run 1 "C_Login with a wrong PIN fails" $P11 --token-label tok --login --pin 9999 -O
t_has "CKR_PIN_INCORRECT" "a wrong PIN: CKR_PIN_INCORRECT"
t_run 1 "poctool release with a wrong PIN: exit 1" "$POCTOOL" release --token tok --label s --pin 9999
t_has "wrong PIN (" "poctool says wrong PIN and the tries left"

# A locked PIN (the TPM's PIN counter reached its limit): CKR_PIN_LOCKED, exit 1, the right PIN too.
"$POCTOOL" release --token lock --label s --pin 0000 >/dev/null 2>&1
"$POCTOOL" release --token lock --label s --pin 0000 >/dev/null 2>&1
t_run 1 "C_Login with the right PIN of a locked token fails" $P11 --token-label lock --login --pin 1111 -O
t_has "CKR_PIN_LOCKED" "a locked PIN: CKR_PIN_LOCKED"
t_run 1 "poctool release of a locked token: exit 1" "$POCTOOL" release --token lock --label s --pin 1111
t_has "PIN locked: the PIN of token \"lock\" is locked" "poctool says the PIN is locked"

# A release denied by the policy: CKR_FUNCTION_FAILED, exit 1, the clause named.
t_run 1 "C_Login under a policy this machine does not meet fails" $P11 --token-label mrtd --login --pin 1234 -O
t_has "CKR_FUNCTION_FAILED" "a denial: CKR_FUNCTION_FAILED"
t_run 1 "poctool release denied: exit 1" "$POCTOOL" release --token mrtd --label s --pin 1234
t_has "release denied: \$.tee.mrtd" "poctool names the clause"

# A TPM that stays busy (TPM_RC_RETRY): CKR_DEVICE_ERROR with its own log line, exit 3.
cp "$POC_PKCS11_CONF" "$T/good.conf"
sed -i "s|^tcti = .*|tcti = cmd:$PY $POC_SRCDIR/tests/integration/busy-tpm.py $T/busy.log|" "$POC_PKCS11_CONF"
t_run 1 "C_Login on a busy TPM fails" $P11 --token-label tok --login --pin 1234 -O
t_has "CKR_DEVICE_ERROR" "a busy TPM: CKR_DEVICE_ERROR"
grep -q "token tok: the TPM is busy, try again: .*(0x922)" "$T/module.log" && t_ok "the module log says busy, try again" ||
	{ t_fail "no busy line in the module log"; tail -3 "$T/module.log" | t_diag; }
rm -f "$T/busy.log"
t_run 3 "poctool release on a busy TPM: exit 3 (not a denial)" "$POCTOOL" release --token tok --label s --pin 1234
t_has "the TPM stayed busy" "poctool says the TPM stayed busy"
n=$(grep -c . "$T/busy.log")
[ "$n" = 5 ] && t_ok "one command, submitted 5 times in all by tpm2-tss, then given up (bounded)" ||
	{ t_fail "the busy TPM saw $n commands, want 5"; t_diag <"$T/busy.log"; }

# A TPM that fails the object's unseal, AFTER an accepted appraisal (fail-tpm.py answers the
# second TPM2_Unseal, 0x15e, with TPM_RC_FAILURE; the first unseals the verifier key): an outage
# (CKR_DEVICE_ERROR, exit 3), never a release, never a denial.
after_quote() { awk '$0 == "0x158" && !q { q = NR } $0 == "0x15e" { u = NR } END { exit !(q && u > q) }' "$T/fail.log"; }
sed -i "s|^tcti = .*|tcti = cmd:$PY $POC_SRCDIR/tests/integration/fail-tpm.py $POC_SWTPM_PORT 15e 2 $T/fail.log|" "$POC_PKCS11_CONF"
t_run 3 "poctool release, the TPM failing the object's unseal after the appraisal: exit 3" \
	"$POCTOOL" release --token tok --label s --pin 1234
t_has "because of a TPM failure (0x101) (device error)" "poctool names the TPM's failure"
# The appraisal ran before the failing unseal: the last TPM2_Unseal (0x15e) follows a TPM2_Quote (0x158).
after_quote && t_ok "the failure came after the quote" ||
	{ t_fail "the failure did not follow the evidence round"; t_diag <"$T/fail.log"; }
printf '%s' "$T_OUT" | grep -qF -- "$(cat "$T/secret")" && t_fail "the secret was printed" || t_ok "no secret printed"
rm -f "$T/fail.log"
sed -i "s| 15e 2 | 15e 3 |" "$POC_PKCS11_CONF" # C_Login unseals the verifier key once more
t_run 1 "pkcs11-tool sign, the TPM failing the key's unseal after the appraisal, fails" \
	$P11 --token-label tok --login --pin 1234 --sign --id 01 -m ECDSA -i "$T/secret" -o "$T/sig.bin"
t_has "CKR_DEVICE_ERROR" "the unseal failure: CKR_DEVICE_ERROR, not a denial"
after_quote && t_ok "... after the quote" ||
	{ t_fail "the failure did not follow the evidence round"; t_diag <"$T/fail.log"; }
cp "$T/good.conf" "$POC_PKCS11_CONF"
t_run 0 "the same release with the TPM well again" "$POCTOOL" release --token tok --label s --pin 1234

# A TPM that cannot be reached (swtpm stopped before C_Login): CKR_DEVICE_REMOVED, exit 3.
cp "$T/good.conf" "$POC_PKCS11_CONF"
kill "$POC_SWTPM_PID" && wait "$POC_SWTPM_PID" 2>/dev/null
t_run 1 "C_Login with the TPM stopped fails" $P11 --token-label tok --login --pin 1234 -O
t_has "CKR_DEVICE_REMOVED" "an unreachable TPM: CKR_DEVICE_REMOVED"
grep -q "token tok: the TPM cannot be reached" "$T/module.log" && t_ok "the module log says the TPM cannot be reached" ||
	{ t_fail "no unreachable line in the module log"; tail -3 "$T/module.log" | t_diag; }
t_run 3 "poctool release with the TPM stopped: exit 3 (not a denial)" "$POCTOOL" release --token tok --label s --pin 1234
t_has "the TPM cannot be reached" "poctool says the TPM cannot be reached"
t_done
