#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The Security Officer and the token's lifecycle through poctool (docs/pin.md "The Security
# Officer", README "Lifecycle"): an SO PIN set at init with a counter of its own; the SO lifts a
# locked user PIN (poctool pin unlock) without knowing it, and the user PIN then works again; a
# wrong SO PIN is counted and lifts nothing; the SO PIN does not change (refused);
# the user PIN changes (every object re-sealed, one rename), the old PIN refused afterwards, also
# by raw tpm2-tools against an object's blobs, and the old PIN's counter gone; a PIN change killed
# (SIGKILL) at each step leaves exactly one working PIN; a token.cbor edited after a change is
# refused; duplicate labels refused unless --force; delete of an object and of a token (its NV
# indexes gone); two tokens made in the same second get different serials; PINs from
# --pin-file, $POC_PIN and a terminal prompt.
. "$POC_SRCDIR/tests/swtpm-env.sh"
. "$POC_SRCDIR/tests/lib.sh"
T=$POC_TEST_TMP
. "$POC_SRCDIR/tests/tpm-blobs.sh" # SRKA, PCRS, auth, export_blobs, obj_unseal
export TSS2_LOG=all+NONE
trap 'poc_cleanup' EXIT

poc_token_env so "ttl = 60" "log = $T/module.log" || { echo "Bail out! test setup"; exit 1; }
unset POC_PIN POC_SO_PIN

# nvs TOKEN: "pin_nv so_nv" of token.cbor (handles in hex).
nvs() { "$PY" -c 'import cbor2,sys; m=cbor2.load(open(sys.argv[1],"rb")); print("0x%08x 0x%08x" % (m.get("pin_nv",0), m.get("so_nv",0)))' "$T/store/$1/token.cbor"; }
nv_defined() { local h=${1#0x}; h=${h#"${h%%[!0]*}"}; tpm2_getcap handles-nv-index | grep -qiE "0x0*$h\$"; }

t_run 0 "init with --pin-file and --so-pin-file" sh -c "printf '1234\n' >'$T/pin'; printf 'so-secret\n' >'$T/sopin';
	'$POCTOOL' init --label tok --policy '$T/policy.json' --pin-file '$T/pin' --so-pin-file '$T/sopin' --pin-tries 3"
t_has "with an SO PIN" "init says the token has an SO PIN"
read -r PIN_NV SO_NV < <(nvs tok)
[ "$SO_NV" != 0x00000000 ] && nv_defined "$SO_NV" && t_ok "the SO PIN has its own NV index ($SO_NV)" || t_fail "no SO NV index ($SO_NV)"
t_run 2 "an SO PIN without a user PIN is refused" "$POCTOOL" init --label nouser --policy "$T/policy.json" --so-pin x

printf 'top secret\n' >"$T/secret"
t_run 0 "seal with the PIN from \$POC_PIN" env POC_PIN=1234 "$POCTOOL" seal --token tok --label s1 --in "$T/secret"
t_run 2 "a second secret with the same label is refused" env POC_PIN=1234 "$POCTOOL" seal --token tok --label s1 --in "$T/secret"
t_has "already holds" "the refusal names the label already held"
t_run 0 "release with --pin-file" "$POCTOOL" release --token tok --label s1 --pin-file "$T/pin"
t_has "top secret" "the secret comes out"

# Lock the user PIN: 3 wrong tries.
for i in 1 2 3; do "$POCTOOL" release --token tok --label s1 --pin 0000 >/dev/null 2>&1; done
t_run 1 "after 3 wrong PINs the right one is refused" "$POCTOOL" release --token tok --label s1 --pin 1234
t_has "locked" "poctool says the PIN is locked"
t_run 1 "pin unlock with a wrong SO PIN lifts nothing" "$POCTOOL" pin unlock --token tok --so-pin wrong
t_run 1 "... the user PIN stays locked" "$POCTOOL" release --token tok --label s1 --pin 1234
t_run 0 "pin unlock with the SO PIN (from \$POC_SO_PIN)" env POC_SO_PIN=so-secret "$POCTOOL" pin unlock --token tok
t_run 0 "the user PIN works again after the SO's unlock" "$POCTOOL" release --token tok --label s1 --pin 1234
t_has "top secret" "... and releases the secret"


# --- The user PIN changes: every object re-sealed, one switch. ---
read -r OLD_NV _ < <(nvs tok)
cp "$T/store/tok/token.cbor" "$T/token-before.cbor"
t_run 0 "pin change 1234 -> 5678" "$POCTOOL" pin change --token tok --pin 1234 --new-pin 5678
read -r NEW_NV _ < <(nvs tok)
[ "$NEW_NV" != "$OLD_NV" ] && nv_defined "$NEW_NV" && ! nv_defined "$OLD_NV" &&
	t_ok "a new PIN counter ($NEW_NV); the old one ($OLD_NV) is gone" || t_fail "counters after the change: $OLD_NV -> $NEW_NV"
t_run 1 "the old PIN is refused after the change" "$POCTOOL" release --token tok --label s1 --pin 1234
t_run 0 "the new PIN releases the re-sealed secret" "$POCTOOL" release --token tok --label s1 --pin 5678
t_has "top secret" "... the same secret"
ls -a "$T/store" | grep -q stage && { t_fail "a stage folder is left"; ls -laR "$T/store" | t_diag; } || t_ok "no stage folder is left"
# From outside: the objects' policy needs PolicySecret on the token's counter; tpm2-tools with the old PIN fail there.
psecret() {
	tpm2_startauthsession -S "$T/g.ctx" --policy-session || return 9
	tpm2_policysecret -S "$T/g.ctx" -c "$1" "hex:$(auth "$2")" >/dev/null 2>&1; local rc=$?
	tpm2_flushcontext "$T/g.ctx"; return $rc
}
psecret "$NEW_NV" 1234 && t_fail "tpm2_policysecret with the old PIN passes on the new counter" ||
	t_ok "tpm2-tools: the old PIN fails PolicySecret on the new counter"
psecret "$OLD_NV" 1234 && t_fail "the old counter still answers" || t_ok "tpm2-tools: the old counter is gone"
psecret "$NEW_NV" 5678 && t_ok "control: tpm2-tools with the new PIN pass PolicySecret" || t_fail "control: new PIN on new counter"
# The old token.cbor put back (a rollback), and an edited one, are refused.
cp "$T/store/tok/token.cbor" "$T/token-after.cbor"
cp "$T/token-before.cbor" "$T/store/tok/token.cbor"
t_run 1 "the pre-change token.cbor put back: the old PIN is refused" "$POCTOOL" release --token tok --label s1 --pin 1234
t_run 1 "... and so is the new one" "$POCTOOL" release --token tok --label s1 --pin 5678
"$PY" -c 'import cbor2,sys; p=sys.argv[1]; m=cbor2.load(open(p,"rb")); m["created"]+=1; open(p,"wb").write(cbor2.dumps(m))' "$T/store/tok/token.cbor" 2>/dev/null
cp "$T/token-after.cbor" "$T/edited.cbor"
"$PY" -c 'import cbor2,sys; p=sys.argv[1]; m=cbor2.load(open(p,"rb")); m["created"]+=1; open(p,"wb").write(cbor2.dumps(m))' "$T/edited.cbor"
cp "$T/edited.cbor" "$T/store/tok/token.cbor"
t_run 1 "an edited token.cbor after the change is refused" "$POCTOOL" release --token tok --label s1 --pin 5678
t_has "store.state" "... as store.state"
cp "$T/token-after.cbor" "$T/store/tok/token.cbor"
t_run 0 "control: the real token.cbor releases" "$POCTOOL" release --token tok --label s1 --pin 5678

# --- A change killed (SIGKILL) at each step: exactly one PIN works afterwards. ---
cur=5678
for step in 1 2 3 4 5; do
	new=9${step}0${step}
	POC_TEST_KILL_AT=pin-change:$step "$POCTOOL" pin change --token tok --pin "$cur" --new-pin "$new" >/dev/null 2>&1
	rc=$?
	"$POCTOOL" release --token tok --label s1 --pin "$cur" >"$T/o.cur" 2>&1; rc_cur=$?
	"$POCTOOL" release --token tok --label s1 --pin "$new" >"$T/o.new" 2>&1; rc_new=$?
	if [ $step -le 3 ]; then want_cur=0 want_new=1; else want_cur=1 want_new=0; fi
	if [ $rc = 137 ] && [ $rc_cur = $want_cur ] && [ $rc_new = $want_new ]; then
		t_ok "killed at step $step (exit $rc): only the $([ $want_cur = 0 ] && echo old || echo new) PIN works"
	else
		t_fail "killed at step $step: exit $rc, old PIN exit $rc_cur (want $want_cur), new PIN exit $rc_new (want $want_new)"
		cat "$T/o.cur" "$T/o.new" | head -6 | t_diag
	fi
	[ $want_new = 0 ] && cur=$new
	# A working PIN last: the count back to 0 for the next round.
	"$POCTOOL" release --token tok --label s1 --pin "$cur" >/dev/null 2>&1
done
read -r LIVE_NV _ < <(nvs tok)
t_run 0 "a change after the crashes works and cleans up" "$POCTOOL" pin change --token tok --pin "$cur" --new-pin 2468
ls -a "$T/store" | grep -q stage && t_fail "stage folders are left after the clean-up" || t_ok "the crashed changes' stage folders are gone"
n_nv=$(tpm2_getcap handles-nv-index | grep -c 0x1A5)
[ "$n_nv" = 2 ] && t_ok "2 PIN counters in the TPM (the token's user and SO): no leftover" || t_fail "$n_nv PIN counters in the TPM"
t_run 0 "the last new PIN releases" "$POCTOOL" release --token tok --label s1 --pin 2468

# --- The SO PIN does not change (attack-so.sh: its NV_ChangeAuth branch was an uncounted oracle). ---
t_run 2 "SO PIN change is refused" "$POCTOOL" pin change --token tok --so --so-pin so-secret --new-pin so2
t_has "does not change" "... saying the SO PIN does not change"
t_run 1 "the PIN it was given does not unlock" "$POCTOOL" pin unlock --token tok --so-pin so2
t_run 0 "the SO PIN still unlocks" "$POCTOOL" pin unlock --token tok --so-pin so-secret

# --- Prompt on a terminal (python pty), no echo. ---
"$PY" - "$POCTOOL" >"$T/pty.out" 2>&1 <<'PY'
import os, pty, signal, sys
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], "release", "--token", "tok", "--label", "s1"])
def timeout(*_):
    os.kill(pid, signal.SIGKILL)
    print("TIMEOUT")
    sys.exit(1)
signal.signal(signal.SIGALRM, timeout)
signal.alarm(60)
out = b""
while b"PIN: " not in out:
    out += os.read(fd, 1024)
os.write(fd, b"2468\n")
try:
    while True:
        d = os.read(fd, 1024)
        if not d: break
        out += d
except OSError:
    pass
_, st = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace"))
print("\nEXIT", os.waitstatus_to_exitcode(st))
PY
grep -q "top secret" "$T/pty.out" && grep -q "EXIT 0" "$T/pty.out" && t_ok "the PIN from a terminal prompt releases" ||
	{ t_fail "prompt"; t_diag <"$T/pty.out"; }
grep -q 2468 "$T/pty.out" && t_fail "the prompt echoed the PIN" || t_ok "the prompt does not echo the PIN"

# --- Duplicate labels, delete, reinit, token delete. ---
t_run 0 "keygen k1" "$POCTOOL" keygen --token tok --label k1 --type ec-p256 --pin 2468
t_run 2 "a second key labelled k1 is refused" "$POCTOOL" keygen --token tok --label k1 --type ec-p256 --pin 2468
t_run 0 "... unless --force" "$POCTOOL" keygen --token tok --label k1 --type ec-p256 --pin 2468 --force
t_run 0 "delete --label k1 removes both" "$POCTOOL" delete --token tok --label k1 --pin 2468
t_has "deleted 2 objects" "... two objects deleted"
t_run 2 "delete of a missing label" "$POCTOOL" delete --token tok --label k1 --pin 2468
t_run 1 "token reinit with a wrong SO PIN" "$POCTOOL" token reinit --token tok --so-pin bad
t_run 0 "token reinit with the SO PIN" "$POCTOOL" token reinit --token tok --so-pin so-secret
t_has "1 object destroyed" "... destroyed the secret"
t_run 2 "the secret is gone after reinit" "$POCTOOL" release --token tok --label s1 --pin 2468
t_run 0 "the token still seals after reinit" "$POCTOOL" seal --token tok --label s2 --in "$T/secret" --pin 2468
read -r U_NV S_NV < <(nvs tok)
t_run 1 "token delete with a wrong SO PIN" "$POCTOOL" token delete --token tok --so-pin bad
t_run 0 "token delete with the SO PIN" "$POCTOOL" token delete --token tok --so-pin so-secret
[ ! -e "$T/store/tok" ] && ! nv_defined "$U_NV" && ! nv_defined "$S_NV" && t_ok "its folder and both NV indexes are gone" ||
	t_fail "token delete left something"

# --- From outside with tpm2-tools: the SO PIN opens no object; after a change the old PIN opens none. ---
t_run 0 "init atk (PIN 1111, SO PIN 2222, PCRs 0-7 for tpm2_policypcr)" "$POCTOOL" init --label atk --policy "$T/policy.json" --pin 1111 --so-pin 2222 --pcrs $PCRS
t_run 0 "seal s into atk" "$POCTOOL" seal --token atk --label s --in "$T/secret" --pin 1111
export_blobs atk data-l-s.obj && NV=$(cat "$T/nv") && read -r _ ATK_SO < <(nvs atk) || t_fail "atk's blobs"
obj_unseal 1111 && t_ok "control: tpm2_unseal with the user PIN on the user counter gets K_tpm" || t_fail "control unseal"
USER_NV=$NV NV=$ATK_SO
obj_unseal 2222 && t_fail "the SO PIN on the SO counter unseals an object" ||
	t_ok "tpm2-tools: PolicySecret(SO counter, SO PIN) + the SO PIN as authValue unseal nothing (no SO branch)"
NV=$USER_NV
obj_unseal 2222 && t_fail "the SO PIN unseals through the user counter" || t_ok "tpm2-tools: the SO PIN on the user counter unseals nothing"
cp "$T/obj.pub" "$T/old.pub"; cp "$T/obj.priv" "$T/old.priv"
t_run 0 "pin change on atk 1111 -> 3333" "$POCTOOL" pin change --token atk --pin 1111 --new-pin 3333
export_blobs atk data-l-s.obj && NV=$(cat "$T/nv")
obj_unseal 1111 && t_fail "the old PIN unseals the re-sealed object" || t_ok "tpm2-tools: the old PIN does not unseal the re-sealed object"
obj_unseal 3333 && t_ok "control: the new PIN unseals it" || t_fail "control: new PIN unseal"
cp "$T/old.pub" "$T/obj.pub"; cp "$T/old.priv" "$T/obj.priv"; NV=$USER_NV
obj_unseal 1111 && t_fail "a copy of the old blobs opens with the old PIN" ||
	t_ok "tpm2-tools: a copy of the pre-change blobs does not open with the old PIN (its counter is gone)"
t_run 0 "token delete atk" "$POCTOOL" token delete --token atk --so-pin 2222

# --- Through the PKCS#11 module: the entry points (p11-so), then OpenSC's pkcs11-tool. ---
MOD=$POC_BUILDDIR/module/.libs/poc-pkcs11.so
t_run 0 "init token p11 (PIN and SO PIN)" "$POCTOOL" init --label p11 --policy "$T/policy.json" --pin 1234 --so-pin sopin --pin-tries 3
t_run 0 "seal sec into p11" "$POCTOOL" seal --token p11 --label sec --in "$T/secret" --pin 1234
if "$POC_BUILDDIR/tests/p11-so" "$MOD" p11 1234 sopin 4321 >"$T/p11-so.out" 2>&1; then
	t_ok "p11-so: $(grep -c '^ok' "$T/p11-so.out") checks of the SO and the PINs through the entry points"
else
	t_fail "p11-so"; grep -v '^ok' "$T/p11-so.out" | t_diag
fi
if [ -n "${POC_SANITIZERS:-}" ]; then
	t_skip "pkcs11-tool: an uninstrumented client cannot load the ASan-built module"
else
	P11="pkcs11-tool --module $MOD --token-label p11"
	"$POCTOOL" seal --token p11 --label sec2 --in "$T/secret" --pin 4321 >/dev/null 2>&1
	t_run 1 "pkcs11-tool --login-type so in a R/O session: refused (CKR_SESSION_READ_ONLY_EXISTS)" $P11 --login --login-type so --so-pin sopin --list-objects
	t_has CKR_SESSION_READ_ONLY_EXISTS "... with the spec's code"
	t_run 0 "pkcs11-tool --login --login-type so --session-rw" $P11 --session-rw --login --login-type so --so-pin sopin --list-objects
	printf '%s' "$T_OUT" | grep -q "sec2" && t_fail "the SO sees the secret sec2" || t_ok "the SO does not see the secret"
	t_run 1 "pkcs11-tool --login-type so with a wrong SO PIN" $P11 --session-rw --login --login-type so --so-pin bad --list-objects
	t_run 0 "pkcs11-tool --change-pin" $P11 --login --pin 4321 --change-pin --new-pin 8765
	t_run 0 "... poctool releases with the new PIN" "$POCTOOL" release --token p11 --label sec2 --pin 8765
	for i in 1 2 3; do $P11 --login --pin 0000 --list-objects >/dev/null 2>&1; done
	t_run 0 "pkcs11-tool --init-pin (the SO lifts the lock; the user's PIN)" $P11 --login --login-type so --so-pin sopin --init-pin --new-pin 8765
	t_run 0 "... the user PIN works again" $P11 --login --pin 8765 --list-objects
	t_run 1 "pkcs11-tool --change-pin --login-type so: refused (the SO PIN does not change)" $P11 --login --login-type so --so-pin sopin --change-pin --new-pin sopin2
	t_run 0 "pkcs11-tool --init-token" $P11 --init-token --so-pin sopin --label p11
	t_run 0 "... the objects are destroyed" $P11 --login --pin 8765 --list-objects --type data
	printf '%s' "$T_OUT" | grep -q sec2 && t_fail "sec2 survived --init-token" || t_ok "sec2 is gone after --init-token"
	# Slot IDs from the serial: stable when a token is added; serials differ for tokens made in the same second.
	slot_of() { pkcs11-tool --module "$MOD" -L 2>/dev/null | awk -v l="$1" '/^Slot/ {s=$3} $0 ~ "token label *: *"l"$" {print s}'; }
	before=$(slot_of p11)
	"$POCTOOL" init --label a1 --policy "$T/policy.json" >/dev/null 2>&1 && "$POCTOOL" init --label a2 --policy "$T/policy.json" >/dev/null 2>&1
	after=$(slot_of p11)
	[ -n "$before" ] && [ "$before" = "$after" ] && t_ok "p11's slot ID stays when tokens a1, a2 sort before it ($after)" ||
		t_fail "slot moved: '$before' -> '$after'"
	serials=$(pkcs11-tool --module "$MOD" -L 2>/dev/null | sed -n 's/.*serial num *: *//p' | sort | uniq | wc -l)
	[ "$serials" = 3 ] && t_ok "three tokens, three serials (a1, a2 made in one second)" || t_fail "$serials distinct serials"
fi

t_done
