#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The README's first command, scripts/demo.sh, on this build (--no-deps --no-build: the test
# installs nothing and builds nothing; the vectors are $POC_TESTDATA): a TLS server with a key released
# after the Proof-of-Cloud check answers gnutls-cli, the record is affirming (the TD's platform
# endorsed by the simulator's POE token, the vTPM by its EK CA) and verified, the
# demo's module calls run clean under valgrind, and it leaves no process behind.
. "$POC_SRCDIR/tests/lib.sh"
t_skip_in_sanitizer_build
OUT=$(mktemp "${TMPDIR:-/tmp}/poc-demo.XXXXXX")
DIR=$(mktemp -d "${TMPDIR:-/tmp}/poc-demo-run.XXXXXX") # the demo's own folder: its processes name it
trap 'rm -f "$OUT"; rm -rf "$DIR"' EXIT
POC_TEST_TMP=$DIR POC_DEMO_BUILDDIR=$POC_BUILDDIR timeout 600 "$POC_SRCDIR/scripts/demo.sh" --no-deps --no-build >"$OUT" 2>&1
rc=$?
[ $rc = 0 ] && tail -1 "$OUT" | grep -q "^demo OK" && t_ok "scripts/demo.sh succeeds" ||
	{ t_fail "scripts/demo.sh (exit $rc)"; tail -30 "$OUT" | t_diag; }
T_OUT=$(cat "$OUT")
if grep -qE "^==> (installing|building)" "$OUT"; then t_fail "the demo installed or built something"; else
	t_ok "the demo neither installed nor built anything"; fi
t_has "Handshake was completed" "gnutls-cli completed the handshake with the server"
t_has "(the sealed key's)" "the served certificate is the sealed key's"
t_has '"ear.status": "affirming"' "the key's record is affirming"
t_has "valgrind: no errors, no definite leaks" "the demo's module calls are clean under valgrind"
t_has "denied: \$.platforms" "the TEE.fail forgery is denied by the platforms clause (no one endorses its platform)"
t_has '"platform": "POE owner sim-csp.poc-pkcs11.test"' "the record says the TD's platform is endorsed by the POE token"
t_has "affirming for the right reason" "the demo says why it is affirming"
pgrep -f "$DIR" >/dev/null && t_fail "a process of the demo is left running" ||
	t_ok "no process of the demo is left running"
[ -e "$DIR" ] && t_fail "the demo left its folder behind" || t_ok "the demo removed its folder"
t_done
