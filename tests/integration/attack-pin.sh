#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# PIN guessing against a token, mounted from outside (docs/pin.md): the TPM counts every wrong PIN
# in the token's TPM_NT_PIN_FAIL index, whatever the tool: raw tpm2-tools against the index and
# against a sealed object's TPM blobs (SRK rebuilt from its template, PolicyPCR + PolicySecret +
# PolicyAuthValue, tpm2_unseal), poctool release / seal / keygen, the PKCS#11 module (p11-record,
# and pkcs11-tool outside the sanitizer build). After the limit the RIGHT PIN is refused too, and
# stays refused after editing token.cbor, after restoring an old copy of it (rollback) and across
# a TPM restart; a read-only store counts the same; keygen/seal with a wrong PIN seal nothing and
# exit 1; the TPM's dictionary-attack counter never moves. The objects' ADMIN role (tpm2_changeauth,
# TPM2_ObjectChangeAuth with the authValue in a password session) is no uncounted PIN oracle: it
# answers a wrong and the right PIN alike (adminWithPolicy). With release = first-use, C_Login with
# a wrong PIN never succeeds: not when token.cbor points pin_nv at an index that is not there, nor
# with has_pin cleared. Controls: the right PIN within the limit releases and sets the count back
# to 0; raw tpm2-tools with the right PIN unseal (so their failures mean something).
. "$POC_SRCDIR/tests/swtpm-env.sh"
. "$POC_SRCDIR/tests/lib.sh"
T=$POC_TEST_TMP
SO=$POC_BUILDDIR/module/.libs/poc-pkcs11.so
REC=$POC_BUILDDIR/tests/p11-record
export TSS2_LOG=all+NONE
trap 'umount "$T/store/ro" 2>/dev/null; poc_cleanup' EXIT

poc_token_env pin "ttl = 60" "log = $T/module.log" || { echo "Bail out! test setup"; exit 1; }
mkdir -p "$T/rec"
. "$POC_SRCDIR/tests/tpm-blobs.sh" # SRKA, PCRS, auth, export_blobs, obj_unseal

da() { tpm2_getcap properties-variable | sed -n 's/^TPM2_PT_LOCKOUT_COUNTER: *//p'; }
# The index's two policy branches, built by tpm2-tools trial sessions (not by our code).
tpm2_startauthsession -S "$T/t.ctx" && tpm2_policycommandcode -S "$T/t.ctx" -L "$T/nvA.pol" TPM2_CC_NV_Read >/dev/null &&
	tpm2_flushcontext "$T/t.ctx" || { echo "Bail out! trial session"; exit 1; }
tpm2_startauthsession -S "$T/t.ctx" && tpm2_policycommandcode -S "$T/t.ctx" TPM2_CC_NV_Write >/dev/null &&
	tpm2_policynvwritten -S "$T/t.ctx" -L "$T/nvB.pol" c >/dev/null && tpm2_flushcontext "$T/t.ctx" ||
	{ echo "Bail out! trial session"; exit 1; }
# nv_count HANDLE: "pinCount pinLimit", read by tpm2_nvread through the index's read branch.
nv_count() {
	local h
	tpm2_startauthsession -S "$T/r.ctx" --policy-session || return 1
	tpm2_policycommandcode -S "$T/r.ctx" TPM2_CC_NV_Read >/dev/null &&
		tpm2_policyor -S "$T/r.ctx" "sha256:$T/nvA.pol,$T/nvB.pol" >/dev/null &&
		h=$(tpm2_nvread "$1" -C "$1" -P "session:$T/r.ctx" -s 8 | od -An -tx1 | tr -d ' \n')
	tpm2_flushcontext "$T/r.ctx"
	[ ${#h} = 16 ] && echo "$((16#${h:0:8})) $((16#${h:8:8}))"
}
# nv_guess HANDLE PIN: one TPM2_PolicySecret on the index with SHA-256(PIN).
nv_guess() {
	local rc
	tpm2_startauthsession -S "$T/g.ctx" --policy-session || return 9
	tpm2_policysecret -S "$T/g.ctx" -c "$1" "hex:$(auth "$2")" >/dev/null 2>"$T/guess.err"; rc=$?
	tpm2_flushcontext "$T/g.ctx"
	return $rc
}
# obj_changeauth PIN: TPM2_ObjectChangeAuth on the loaded object, its authValue in a password session
# (the ADMIN role); prints the TPM's response code.
obj_changeauth() {
	tpm2_flushcontext -t 2>/dev/null
	tpm2_createprimary -C o -g sha256 -G ecc256:aes128cfb -a "$SRKA" -u "$T/unique.bin" -c "$T/srk.ctx" >/dev/null &&
		tpm2_flushcontext -t && tpm2_load -C "$T/srk.ctx" -u "$T/obj.pub" -r "$T/obj.priv" -c "$T/obj.ctx" >/dev/null &&
		tpm2_flushcontext -t || { echo load-failed; return; }
	tpm2_changeauth -C "$T/srk.ctx" -c "$T/obj.ctx" -p "hex:$(auth "$1")" -r "$T/new.priv" "hex:$(auth other)" \
		>/dev/null 2>"$T/chauth.err" && echo success ||
		sed -n 's/.*ErrorCode (\(0x[0-9a-f]*\)).*/\1/p' "$T/chauth.err" | head -1
	tpm2_flushcontext -t 2>/dev/null
}
count_is() { # count_is WANT DESCRIPTION
	local got
	got=$(nv_count "$NV")
	if [ "$got" = "$1" ]; then t_ok "$2 (TPM counter: $got)"; else t_fail "$2 (TPM counter: '$got', want '$1')"; fi
}

DA0=$(da)
t_run 0 "init a PIN token (default 10 tries)" "$POCTOOL" init --label pin --policy "$T/policy.json" --pin 1234 --pcrs $PCRS
printf 'pin-secret-0123' >"$T/secret"
t_run 0 "seal a secret with the right PIN" "$POCTOOL" seal --token pin --label s --in "$T/secret" --pin 1234
export_blobs pin data-l-s.obj || { echo "Bail out! cannot read the store"; exit 1; }
NV=$(cat "$T/nv")
case $NV in 0x01a5????) t_ok "token.cbor names a PIN counter $NV in the owner range" ;; *) t_fail "pin_nv $NV" ;; esac
tpm2_nvreadpublic "$NV" >"$T/nvpub" 2>&1
grep -q "name: $(cat "$T/nv.name")" "$T/nvpub" && t_ok "the index's name is the one in token.cbor" || { t_fail "index name"; t_diag <"$T/nvpub"; }
grep -q "value: 0x22080088" "$T/nvpub" &&
	t_ok "the index is TPM_NT_PIN_FAIL | NO_DA | POLICYWRITE | POLICYREAD | WRITTEN, no owner write" ||
	{ t_fail "index attributes"; t_diag <"$T/nvpub"; }
count_is "0 10" "a new token: 0 wrong tries of 10"
cp -a "$T/store/pin" "$T/pin-at-0"

# Controls: the right PIN releases, from poctool and from raw tpm2-tools.
"$POCTOOL" release --token pin --label s --pin 1234 >"$T/out" 2>"$T/err" && cmp -s "$T/out" "$T/secret" &&
	t_ok "control: release with the right PIN" || { t_fail "control release"; t_diag <"$T/err"; }
obj_unseal 1234 && [ "$(stat -c %s "$T/k_tpm")" = 32 ] && t_ok "control: raw tpm2_unseal with the right PIN gets K_tpm" ||
	{ t_fail "control: raw unseal (rc $?)"; t_diag <"$T/unseal.err"; }

# The ADMIN role: without adminWithPolicy a wrong PIN fails there with TPM_RC_AUTH_FAIL (0x9a2), no DA,
# no counter, and the right one succeeds: unlimited guesses. Now both get the same refusal, uncounted.
wrong=$(obj_changeauth 9999); right=$(obj_changeauth 1234)
[ "$wrong" = "$right" ] && [ "$wrong" != success ] && [ "$wrong" != 0x000009a2 ] && [ "$wrong" != load-failed ] &&
	t_ok "tpm2_changeauth answers a wrong and the right PIN alike ($wrong): no PIN oracle in the ADMIN role" ||
	{ t_fail "tpm2_changeauth: wrong PIN $wrong, right PIN $right"; t_diag <"$T/chauth.err"; }
grep -q "adminwithpolicy" <(tpm2_print -t TPM2B_PUBLIC "$T/obj.pub" 2>&1) && t_ok "the sealed object has adminWithPolicy" ||
	t_fail "no adminWithPolicy in the object's attributes"
count_is "0 10" "and nothing was counted"

# (c) keygen and seal with a wrong PIN: exit 1, nothing sealed, each counted; the right PIN still logs in.
t_run 1 "seal with a wrong PIN: exit 1" "$POCTOOL" seal --token pin --label bad --in "$T/secret" --pin 9999
t_has "wrong PIN (9 of 10 tries left" "says wrong PIN and the tries left"
t_run 1 "keygen with a wrong PIN: exit 1" "$POCTOOL" keygen --token pin --label badkey --type ec-p256 --id 0b --pin 9999
t_has "8 of 10 tries left" "the TPM counted both"
# Exact names: a policy file's name is a SHA-256 in hex and may well contain "bad".
t_run 0 "nothing was sealed under the wrong PIN" bash -c "! ls '$T/store/pin' | grep -qxE 'data-l-bad\.obj|(priv|pub)-0b\.obj'"
count_is "2 10" "two wrong tries counted"
t_run 0 "the right PIN still releases after a wrong keygen and seal" "$POCTOOL" release --token pin --label s --pin 1234
count_is "0 10" "the right PIN sets the count back to 0"
t_run 0 "keygen with the right PIN" "$POCTOOL" keygen --token pin --label k --type ec-p256 --id 0c --pin 1234

# (a) Ten wrong PINs through every tool.
n=0
for g in 1111 2222 3333; do nv_guess "$NV" $g; r=$?; [ $r != 0 ] && n=$((n + 1)); done
[ $n = 3 ] && t_ok "3 raw tpm2_policysecret guesses on the index fail" || t_fail "raw index guesses ($n of 3 failed)"
grep -q "without DA implications" "$T/guess.err" && t_ok "the TPM says: authorization failure without DA implications" ||
	{ t_fail "guess error"; t_diag <"$T/guess.err"; }
obj_unseal 4444 "$(auth 4444)"; r1=$?
obj_unseal 5555 "$(auth 5555)"; r2=$?
[ $r1 != 0 ] && [ $r2 != 0 ] && [ $r1 != 9 ] && [ $r2 != 9 ] && t_ok "2 raw guesses against the sealed object's blobs fail" ||
	t_fail "raw object guesses (rc $r1 $r2)"
count_is "5 10" "every raw guess was counted by the TPM"
t_run 1 "poctool release with a wrong PIN" "$POCTOOL" release --token pin --label s --pin 6666
t_has "4 of 10 tries left" "poctool says how many tries are left"
t_run 1 "poctool release, another wrong PIN" "$POCTOOL" release --token pin --label s --pin 7777
t_run 0 "the module: C_Login with a wrong PIN is CKR_PIN_INCORRECT" "$REC" "$SO" wrongpin pin 8888 k "$T/rec"
t_run 0 "the module: a second wrong PIN" "$REC" "$SO" wrongpin pin 8889 k "$T/rec"
count_is "9 10" "poctool and the module counted in the same TPM counter"
if [ -z "${POC_SANITIZERS:-}" ]; then
	t_run 0 "pkcs11-tool -T shows the final try" pkcs11-tool --module "$SO" -T
	t_has "final user PIN try" "CKF_USER_PIN_FINAL_TRY"
	t_run 1 "pkcs11-tool --login with a wrong PIN (the 10th)" pkcs11-tool --module "$SO" --token-label pin --login --pin 0000 -O
else
	nv_guess "$NV" 0000 && t_fail "10th guess accepted" || t_ok "10th guess (raw; pkcs11-tool skipped in the sanitizer build)"
fi
count_is "10 10" "ten wrong tries: the limit"

# Locked: the right PIN is refused by every tool.
nv_guess "$NV" 1234 && t_fail "raw PolicySecret with the RIGHT PIN accepted after the limit" ||
	{ grep -q "0x12f\|0x12F\|authValue or authPolicy is not available" "$T/guess.err" &&
		t_ok "raw PolicySecret with the right PIN: TPM_RC_AUTH_UNAVAILABLE" || { t_fail "right PIN error"; t_diag <"$T/guess.err"; }; }
obj_unseal 1234; r=$?
[ $r != 0 ] && [ $r != 9 ] && t_ok "raw tpm2_unseal with the right PIN refused" || t_fail "raw unseal after the limit (rc $r)"
t_run 1 "poctool release with the right PIN refused: locked" "$POCTOOL" release --token pin --label s --pin 1234
t_has "is locked after 10 wrong tries" "poctool says the PIN is locked"
t_has "docs/pin.md" "and where the recovery is described"
t_run 1 "poctool seal with the right PIN refused too" "$POCTOOL" seal --token pin --label late --in "$T/secret" --pin 1234
t_run 0 "the module: C_Login with the right PIN is CKR_PIN_LOCKED, CKF_USER_PIN_LOCKED set" "$REC" "$SO" locked pin 1234 k "$T/rec"
t_run 0 "poctool list shows the lock" "$POCTOOL" list --token pin
t_has "PIN: LOCKED after 10 wrong tries" "LOCKED"
if [ -z "${POC_SANITIZERS:-}" ]; then
	t_run 1 "pkcs11-tool --login with the right PIN refused" pkcs11-tool --module "$SO" --token-label pin --login --pin 1234 -O
	t_run 0 "pkcs11-tool -T" pkcs11-tool --module "$SO" -T
	t_has "user PIN locked" "CKF_USER_PIN_LOCKED through pkcs11-tool"
fi

# The store decides nothing: an edited token.cbor, then an old copy (rollback), keep the lock.
"$PY" - "$T/store/pin/token.cbor" <<'PY'
import cbor2, sys
p = sys.argv[1]
m = cbor2.load(open(p, "rb"))
m["pin_failures"] = 0
m["has_pin"] = False
open(p, "wb").write(cbor2.dumps(m))
PY
t_run 1 "token.cbor edited (pin_failures 0, has_pin false): release without a PIN denied" "$POCTOOL" release --token pin --label s
t_has "needs a PIN" "the TPM still wants the PIN"
rm -rf "$T/store/pin" && cp -a "$T/pin-at-0" "$T/store/pin"
t_run 1 "token.cbor rolled back to its state at 0 tries: the right PIN is still refused" "$POCTOOL" release --token pin --label s --pin 1234
t_has "locked" "still locked"
# An orderly power cycle (TPM2_Shutdown first: an unorderly one counts as a DA failure by itself).
tpm2_shutdown && poc_swtpm_stop
poc_swtpm_start pin || { echo "Bail out! swtpm restart"; exit 1; }
sed -i "s|^tcti = .*|tcti = $POC_TCTI|" "$POC_PKCS11_CONF"
count_is "10 10" "across a TPM restart the count stays"
t_run 1 "after a TPM restart the right PIN is still refused" "$POCTOOL" release --token pin --label s --pin 1234
t_has "locked" "still locked"

# (b) A read-only store counts the same (nothing of the count is in the store).
t_run 0 "init a token with --pin-tries 3" "$POCTOOL" init --label ro --policy "$T/policy.json" --pin 4321 --pin-tries 3 --pcrs $PCRS
t_run 0 "seal in it" "$POCTOOL" seal --token ro --label s --in "$T/secret" --pin 4321
export_blobs ro data-l-s.obj && NV=$(cat "$T/nv")
if mount --bind "$T/store/ro" "$T/store/ro" && mount -o remount,bind,ro "$T/store/ro"; then
	t_run 1 "the store is read-only (a write fails)" touch "$T/store/ro/probe"
	t_run 1 "read-only store: poctool release with a wrong PIN" "$POCTOOL" release --token ro --label s --pin 0000
	t_run 0 "read-only store: the module's C_Login with a wrong PIN" "$REC" "$SO" wrongpin ro 0001 s "$T/rec"
	count_is "2 3" "read-only store: both counted"
	t_run 0 "read-only store: the right PIN releases (control)" "$POCTOOL" release --token ro --label s --pin 4321
	count_is "0 3" "and sets the count back to 0"
	for g in 1 2 3; do "$POCTOOL" release --token ro --label s --pin 000$g >/dev/null 2>&1; done
	t_run 1 "read-only store: after 3 wrong PINs the right one is refused" "$POCTOOL" release --token ro --label s --pin 4321
	t_has "locked after 3 wrong tries" "locked at the configured limit"
	umount "$T/store/ro"
else
	t_fail "cannot bind-mount the store read-only"
fi

# (d) release = first-use: C_Login only proves the PIN, and never succeeds without it.
t_run 0 "init a token for first-use logins" "$POCTOOL" init --label fu --policy "$T/policy.json" --pin 2468 --pcrs $PCRS
t_run 0 "keygen in it" "$POCTOOL" keygen --token fu --label k --type ec-p256 --id 0d --pin 2468
cp "$POC_PKCS11_CONF" "$T/fu.conf" && echo "release = first-use" >>"$T/fu.conf"
cp "$T/store/fu/token.cbor" "$T/fu.token.cbor"
fu() { POC_PKCS11_CONF=$T/fu.conf "$REC" "$SO" "$@"; }
t_run 0 "first-use: C_Login with a wrong PIN is CKR_PIN_INCORRECT" fu wrongpin fu 0000 k "$T/rec"
t_run 0 "first-use control: the right PIN logs in and the key signs" fu ttl fu 2468 k "$T/rec"
fu_edit() { "$PY" - "$T/store/fu/token.cbor" "$@" <<'PY'
import cbor2, sys
p, k, v = sys.argv[1:4]
m = cbor2.load(open(p, "rb")); m[k] = int(v, 0) if k == "pin_nv" else False
open(p, "wb").write(cbor2.dumps(m))
PY
}
fu_edit pin_nv 0x01a5fffe
t_run 0 "first-use: pin_nv pointed at no index: C_Login with a wrong PIN is refused (was CKR_OK)" fu loginfails fu 0000 k "$T/rec"
cp "$T/fu.token.cbor" "$T/store/fu/token.cbor"; fu_edit has_pin 0
t_run 0 "first-use: has_pin cleared: C_Login without the PIN is refused (was CKR_OK)" fu wrongpin fu 0000 k "$T/rec"
cp "$T/fu.token.cbor" "$T/store/fu/token.cbor"
t_run 0 "first-use control: the right PIN still logs in" fu ttl fu 2468 k "$T/rec"

# What the counter does not stop (docs/pin.md): the TPM owner deletes the index and defines one with
# the same public area, hence the same name, and an authValue of its own. PolicySecret then passes,
# but the object still wants PolicyAuthValue with the PIN: the owner must still guess it.
export_blobs pin data-l-s.obj && NV=$(cat "$T/nv")
tpm2_startauthsession -S "$T/t.ctx" && tpm2_policyor -S "$T/t.ctx" -L "$T/nv.pol" "sha256:$T/nvA.pol,$T/nvB.pol" >/dev/null &&
	tpm2_flushcontext "$T/t.ctx"
tpm2_nvundefine -C o "$NV" >/dev/null 2>&1 &&
	tpm2_nvdefine "$NV" -C o -s 8 -a "nt=pinfail|no_da|policywrite|policyread" -p owner -L "$T/nv.pol" >/dev/null 2>&1 &&
	printf '\0\0\0\0\0\0\0\12' >"$T/init.bin" &&
	tpm2_startauthsession -S "$T/w.ctx" --policy-session && tpm2_policycommandcode -S "$T/w.ctx" TPM2_CC_NV_Write >/dev/null &&
	tpm2_policynvwritten -S "$T/w.ctx" c >/dev/null && tpm2_policyor -S "$T/w.ctx" "sha256:$T/nvA.pol,$T/nvB.pol" >/dev/null &&
	tpm2_nvwrite "$NV" -C "$NV" -P "session:$T/w.ctx" -i "$T/init.bin"; rc=$?
tpm2_flushcontext "$T/w.ctx" 2>/dev/null
tpm2_nvreadpublic "$NV" 2>/dev/null | grep -q "name: $(cat "$T/nv.name")" && [ $rc = 0 ] &&
	t_ok "the owner redefined the index with its own authValue: the same name" || t_fail "owner redefinition (rc $rc)"
obj_unseal 9999 "$(printf owner | od -An -tx1 | tr -d ' \n')"; r=$?
[ $r != 0 ] && [ $r != 9 ] && t_ok "the owner passes PolicySecret, yet a wrong PIN still cannot unseal (PolicyAuthValue)" ||
	t_fail "owner bypass (rc $r)"

[ "$(da)" = "$DA0" ] && t_ok "the TPM's dictionary-attack counter did not move ($DA0)" || t_fail "lockout counter $DA0 -> $(da)"
t_done
