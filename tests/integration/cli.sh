#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# poctool's CLI conventions (issue 17): --version, help and GROUP --help list the subcommands,
# a missing argument says what is missing (exit 2), and each exit code keeps the contract of
# DESIGN.md section 9: 0 success, 1 denied or failed check, 2 usage or input error.
. "$POC_SRCDIR/tests/swtpm-env.sh"
. "$POC_SRCDIR/tests/lib.sh"
T=$POC_TEST_TMP

# Version and help.
t_run 0 "--version" "$POCTOOL" --version
ver=$(sed -nE 's/^#define PACKAGE_VERSION "(.*)"$/\1/p' "$POC_BUILDDIR/config.h")
[ -n "$ver" ] && t_has "poctool $ver" "prints configure's PACKAGE_VERSION ($ver)" || t_fail "no PACKAGE_VERSION in config.h"
t_run 0 "help" "$POCTOOL" help
t_has "evidence verify" "help lists the commands"
t_has "poctool --version" "help names --version"
t_run 2 "no command at all" "$POCTOOL"
t_has "missing command" "says the command is missing"
groups=$("$POCTOOL" help | sed -nE 's/^  ([a-z]+) [a-z]+ .*/\1/p' | LC_ALL=C sort -u)
[ "$(echo $groups)" = "eventlog evidence pin policy record sim tdx token" ] && t_ok "the groups are $(echo $groups)" ||
	t_fail "groups: $(echo $groups)"
for g in $groups; do
	subs=$("$POCTOOL" help | sed -nE "s/^  $g ([a-z]+) .*/\\1/p")
	t_run 0 "$g --help" "$POCTOOL" "$g" --help
	for s in $subs; do t_has "  $g $s " "$g --help lists $g $s"; done
	t_run 0 "help $g" "$POCTOOL" help "$g"
	t_has "  $g ${subs%%$'\n'*} " "help $g lists its subcommands"
	t_run 2 "$g without a subcommand" "$POCTOOL" "$g"
	t_has "\"$g\" needs a subcommand" "says the subcommand is missing"
done
t_run 2 "an unknown subcommand" "$POCTOOL" evidence bogus
t_has "unknown command \"evidence bogus\"" "names it"
t_has "evidence challenge" "and lists the group's subcommands"
while read -r c; do
	# shellcheck disable=SC2086
	t_run 0 "$c --help" "$POCTOOL" $c --help
	t_has "Usage: poctool $c" "$c --help prints its usage"
done < <("$POCTOOL" help | sed -nE 's/^  ([a-z]+( [a-z]+)?)  +[a-z].*/\1/p' | grep -v '^version$')
t_run 0 "help evidence verify" "$POCTOOL" help evidence verify
t_has "Usage: poctool evidence verify" "is evidence verify --help"

# Nonces over 64 bytes are refused before anything else is read.
N65=$(printf '%0130d' 0)
N64=$(printf '%0128d' 0)
t_run 2 "evidence verify: a 65-byte nonce" "$POCTOOL" evidence verify /dev/null --policy /nonexistent --nonce "$N65"
t_has "64" "says the limit"
t_run 2 "evidence pack: a 65-byte nonce" "$POCTOOL" evidence pack -o "$T/x.cbor" --nonce "$N65"
t_has "64" "says the limit"
t_run 2 "evidence challenge: a 65-byte nonce" "$POCTOOL" evidence challenge --ek-pub /dev/null --ak-pub /dev/null --verifier-key /dev/null -o "$T/x.cred" --nonce "$N65"
t_has "64" "says the limit"

# evidence pack of files that are not what they claim to be.
head -c 200 /dev/urandom >"$T/junk"
t_run 2 "evidence pack: an unparsable TPM quote" "$POCTOOL" evidence pack -o "$T/x.cbor" --tpm-quote "$T/junk" --tpm-sig "$T/junk"
t_has "junk" "names the file"
[ ! -e "$T/x.cbor" ] && t_ok "no bundle is written" || t_fail "a bundle was written"
t_run 2 "evidence pack: an unparsable TDX quote" "$POCTOOL" evidence pack -o "$T/x.cbor" --tdx-quote "$T/junk"
t_has "junk" "names the file"

# A token.
poc_token_env cli "ttl = 60" || { echo "Bail out! test setup"; exit 1; }
t_run 2 "attest without -o" "$POCTOOL" attest
t_has "-o" "names the missing -o"
t_run 2 "attest: a 65-byte nonce" "$POCTOOL" attest -o "$T/a.cbor" --nonce "$N65"
t_has "64" "says the limit"
t_run 2 "show without arguments" "$POCTOOL" show
t_has "--token" "names the missing --token"
t_run 2 "show without --label" "$POCTOOL" show --token tok
t_has "--label" "names the missing --label"

echo '{"version": 1, "vtpm": {}, "binding": "none"}' >"$T/not-poc.json"
t_run 2 "init: a policy that is not a Proof of Cloud is an input error" "$POCTOOL" init --label nopoc --policy "$T/not-poc.json"
t_has "not a Proof of Cloud" "says why"
t_run 0 "init with a PIN" "$POCTOOL" init --label tok --policy "$T/policy.json" --pin 1234
printf 's3cret' >"$T/secret"
: >"$T/empty"
t_run 2 "seal without the required PIN" "$POCTOOL" seal --token tok --label k --in "$T/secret"
t_has "--pin" "names the missing --pin"
t_run 1 "seal with a wrong PIN" "$POCTOOL" seal --token tok --label k --in "$T/secret" --pin 9999
t_has "wrong PIN" "says wrong PIN"
t_run 0 "seal with the PIN" "$POCTOOL" seal --token tok --label k --in "$T/secret" --pin 1234
t_run 2 "release without the required PIN" "$POCTOOL" release --token tok --label k
t_has "--pin" "names the missing --pin"
t_run 1 "release with a wrong PIN" "$POCTOOL" release --token tok --label k --pin 9999
t_has "wrong PIN" "says wrong PIN"
t_run 0 "release with the right PIN" "$POCTOOL" release --token tok --label k --pin 1234
[ "$T_OUT" = s3cret ] && t_ok "returns the secret" || t_fail "released: $T_OUT"
t_run 2 "seal of an empty secret (file)" "$POCTOOL" seal --token tok --label e --in "$T/empty" --pin 1234
t_has "empty" "says the secret is empty"
t_has "--allow-empty" "names --allow-empty"
T_OUT=$("$POCTOOL" seal --token tok --label e --pin 1234 </dev/null 2>&1); rc=$?
[ $rc = 2 ] && t_ok "seal of an empty secret (stdin) refused" || t_fail "seal of empty stdin: exit $rc"
t_has "empty" "says the secret is empty"
t_run 0 "seal --allow-empty" "$POCTOOL" seal --token tok --label e --in "$T/empty" --pin 1234 --allow-empty
t_run 0 "the empty secret is released" "$POCTOOL" release --token tok --label e --pin 1234
[ -z "$T_OUT" ] && t_ok "as nothing" || t_fail "released: $T_OUT"
t_run 0 "a 64-byte nonce is accepted by attest" "$POCTOOL" attest -o "$T/a.cbor" --nonce "$N64"
t_done
