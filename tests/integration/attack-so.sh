#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The SO PIN's counter attacked from outside with tpm2-tools (docs/pin.md "The Security Officer").
# An SO counter once had a third branch, PolicyCommandCode(NV_ChangeAuth) + PolicyAuthValue, to
# change the SO PIN in place. Measured on libtpms: wrong old SO PINs there are counted, but once
# the counter is locked the TPM still answers a wrong SO PIN (TPM_RC_AUTH_FAIL) and the right one
# (success) differently, and that success sets pinCount back to 0: an unlimited SO PIN oracle that
# also lifts the SO's lock, and with it unlimited resets of the user PIN. So the branch is gone:
# tpm2_changeauth through it fails whatever the SO PIN (the index's policy does not have it), the
# same answer for a wrong and the right one, and 3 wrong PolicySecret tries lock the SO PIN for good.
. "$POC_SRCDIR/tests/swtpm-env.sh"
. "$POC_SRCDIR/tests/lib.sh"
T=$POC_TEST_TMP
. "$POC_SRCDIR/tests/tpm-blobs.sh" # auth
export TSS2_LOG=all+NONE
trap 'poc_cleanup' EXIT

poc_token_env atkso "ttl = 60" "log = $T/module.log" || { echo "Bail out! test setup"; exit 1; }
unset POC_PIN POC_SO_PIN POC_NEW_PIN

nvs() { "$PY" -c 'import cbor2,sys; m=cbor2.load(open(sys.argv[1],"rb")); print("0x%08x 0x%08x" % (m.get("pin_nv",0), m.get("so_nv",0)))' "$T/store/$1/token.cbor"; }
# The SO counter's three branches, computed by trial sessions (tpm_pin.c nv_branches).
trial() { tpm2_startauthsession -S "$T/t.ctx" && "$@" && tpm2_flushcontext "$T/t.ctx"; }
trial tpm2_policycommandcode -S "$T/t.ctx" -L "$T/a.pol" TPM2_CC_NV_Read >/dev/null
tpm2_startauthsession -S "$T/t.ctx" && tpm2_policycommandcode -S "$T/t.ctx" TPM2_CC_NV_Write >/dev/null &&
	tpm2_policynvwritten -S "$T/t.ctx" -L "$T/b.pol" c >/dev/null && tpm2_flushcontext "$T/t.ctx"
tpm2_startauthsession -S "$T/t.ctx" && tpm2_policycommandcode -S "$T/t.ctx" TPM2_CC_NV_ChangeAuth >/dev/null &&
	tpm2_policyauthvalue -S "$T/t.ctx" -L "$T/c.pol" >/dev/null && tpm2_flushcontext "$T/t.ctx"
# so_chauth HANDLE OLD NEW: TPM2_NV_ChangeAuth through the SO counter's third branch, the old SO PIN in PolicyAuthValue.
so_chauth() {
	local rc
	tpm2_startauthsession -S "$T/s.ctx" --policy-session || return 9
	tpm2_policycommandcode -S "$T/s.ctx" TPM2_CC_NV_ChangeAuth >/dev/null && tpm2_policyauthvalue -S "$T/s.ctx" >/dev/null &&
		tpm2_policyor -S "$T/s.ctx" "sha256:$T/a.pol,$T/b.pol,$T/c.pol" >/dev/null &&
		tpm2_changeauth -c "$1" -p "session:$T/s.ctx+hex:$(auth "$2")" "hex:$(auth "$3")" 2>"$T/chauth.err"; rc=$?
	tpm2_flushcontext "$T/s.ctx"
	return $rc
}

t_run 0 "init a token with a user and an SO PIN, 3 tries" "$POCTOOL" init --label tok --policy "$T/policy.json" \
	--pin 1234 --so-pin so-secret --pin-tries 3
read -r PIN_NV SO_NV < <(nvs tok)
so_chauth "$SO_NV" guess0 attacker; w=$?
so_chauth "$SO_NV" so-secret attacker; r=$?
[ "$r" != 0 ] && [ "$w" = "$r" ] &&
	t_ok "tpm2_changeauth through an NV_ChangeAuth branch: a wrong and the right SO PIN alike refused ($w): no oracle" ||
	{ t_fail "NV_ChangeAuth on the SO counter: wrong SO PIN $w, right one $r"; t_diag <"$T/chauth.err"; }
t_run 0 "... the SO PIN is unchanged and its count back to 0 (pin unlock with it)" "$POCTOOL" pin unlock --token tok --so-pin so-secret
for g in 1 2 3; do "$POCTOOL" pin unlock --token tok --so-pin "guess$g" >/dev/null 2>&1; done
t_run 1 "after 3 wrong SO PINs the right one is refused" "$POCTOOL" pin unlock --token tok --so-pin so-secret
t_has "locked" "... the SO PIN is locked"
so_chauth "$SO_NV" guess4 attacker; w=$?
so_chauth "$SO_NV" so-secret attacker; r=$?
[ "$r" != 0 ] && [ "$w" = "$r" ] && t_ok "locked: NV_ChangeAuth answers a wrong and the right SO PIN alike ($w)" ||
	{ t_fail "locked: NV_ChangeAuth answers a wrong SO PIN $w, the right one $r"; t_diag <"$T/chauth.err"; }
t_run 1 "... and the SO counter stays locked, for the right SO PIN too" "$POCTOOL" pin unlock --token tok --so-pin so-secret
t_run 1 "... and for the one the attacker tried to set" "$POCTOOL" pin unlock --token tok --so-pin attacker
t_run 2 "poctool pin change --so is refused (the SO PIN does not change)" "$POCTOOL" pin change --token tok --so \
	--so-pin so-secret --new-pin other
t_run 0 "poctool list still reads the SO counter" "$POCTOOL" list --token tok

# --- A PIN change whose deletion of the old counter fails (fail-tpm.py answers the first
# TPM2_NV_UndefineSpace, 0x122, with TPM_RC_FAILURE): the old folder, which names the old counter,
# stays as a stage, so the next change deletes that counter; else the old PIN would open
# copies of the old object files for good. ---
t_run 0 "init tok2, seal a secret" sh -c "'$POCTOOL' init --label tok2 --policy '$T/policy.json' --pin 1111 >/dev/null &&
	printf 'two\n' | '$POCTOOL' seal --token tok2 --label s --in - --pin 1111"
read -r OLD2 _ < <(nvs tok2)
nv_defined() { local h=${1#0x}; h=${h#"${h%%[!0]*}"}; tpm2_getcap handles-nv-index | grep -qiE "0x0*$h\$"; }
cp "$POC_PKCS11_CONF" "$T/conf.good"
sed -i "s|^tcti = .*|tcti = cmd:$PY $POC_SRCDIR/tests/integration/fail-tpm.py $POC_SWTPM_PORT 122 1 $T/fail.log|" "$POC_PKCS11_CONF"
"$POCTOOL" pin change --token tok2 --pin 1111 --new-pin 2222 >"$T/chg.out" 2>&1
cp "$T/conf.good" "$POC_PKCS11_CONF"
t_run 0 "the change switched: the new PIN releases" "$POCTOOL" release --token tok2 --label s --pin 2222
nv_defined "$OLD2" && t_ok "the old counter $OLD2 is still in the TPM (its deletion failed)" ||
	{ t_fail "the old counter's deletion did not fail: the test proves nothing"; t_diag <"$T/chg.out"; }
ls -a "$T/store" | grep -q "^\.tok2\.stage-" && t_ok "... and the old folder is kept as a stage that names it" ||
	t_fail "the old folder is gone: nothing names the old counter any more"
# The next change's clean-up failing on that counter too: the stage stays again.
sed -i "s|^tcti = .*|tcti = cmd:$PY $POC_SRCDIR/tests/integration/fail-tpm.py $POC_SWTPM_PORT 122 1 $T/fail.log|" "$POC_PKCS11_CONF"
"$POCTOOL" pin change --token tok2 --pin 2222 --new-pin 2323 >"$T/chg.out" 2>&1
cp "$T/conf.good" "$POC_PKCS11_CONF"
t_run 0 "a change whose clean-up cannot delete the old counter still changes the PIN" "$POCTOOL" release --token tok2 --label s --pin 2323
nv_defined "$OLD2" && ls -a "$T/store" | grep -q "^\.tok2\.stage-" &&
	t_ok "... and keeps the stage that names the counter it could not delete" || t_fail "the stage went without its counter"
t_run 0 "the next change" "$POCTOOL" pin change --token tok2 --pin 2323 --new-pin 3333
nv_defined "$OLD2" && t_fail "the old counter $OLD2 outlived the next change" || t_ok "... deletes the old counter $OLD2"
ls -a "$T/store" | grep -q "^\.tok2\.stage-" && t_fail "a stage of tok2 is left" || t_ok "... and leaves no stage"

# --- A token object edited through the module keeps its sealer's header: the TTL cap that the
# seal wrote (ttl = 60 here) is not raised by the editing process's configuration (86400). ---
if [ -n "${POC_SANITIZERS:-}" ]; then
	t_skip "pkcs11-tool: an uninstrumented client cannot load the ASan-built module"
else
	MOD=$POC_BUILDDIR/module/.libs/poc-pkcs11.so
	t_run 0 "keygen an EC key (id 01) into tok2 under ttl = 60" "$POCTOOL" keygen --token tok2 --label ek --type ec-p256 --id 01 --pin 3333
	httl() { "$PY" -c 'import cbor2,glob,sys; o=cbor2.load(open(glob.glob(sys.argv[1])[0],"rb")); h=cbor2.loads(o["header"]); print(h["policy"]["ttl"])' "$T/store/tok2/*-$1.obj"; }
	before=$(httl 01 2>&1)
	sed -i "s|^ttl = .*|ttl = 86400|" "$POC_PKCS11_CONF"
	t_run 0 "pkcs11-tool --set-id 02 on it (C_SetAttributeValue: a re-seal), the module's ttl 86400" \
		pkcs11-tool --module "$MOD" --token-label tok2 --login --pin 3333 --type privkey --id 01 --set-id 02
	cp "$T/conf.good" "$POC_PKCS11_CONF"
	after=$(httl 02 2>&1)
	[ "$before" = 60 ] && [ "$after" = 60 ] && t_ok "the re-sealed object keeps its TTL cap ($before -> $after)" ||
		t_fail "the re-seal changed the object's TTL cap: $before -> $after"
fi

t_done
