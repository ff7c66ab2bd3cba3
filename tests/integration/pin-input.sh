#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Where poctool takes a PIN from, attacked (tools/pin_input.c, docs/pin.md "PINs without argv"):
# a signal at the no-echo prompt (Ctrl-C, kill, hang-up) ends poctool with the terminal's echo
# put back, never a shell left typing blind; a --pin-file others can read is used with a warning.
. "$POC_SRCDIR/tests/swtpm-env.sh"
. "$POC_SRCDIR/tests/lib.sh"
T=$POC_TEST_TMP
export TSS2_LOG=all+NONE
trap 'poc_cleanup' EXIT

poc_token_env pinin "ttl = 60" || { echo "Bail out! test setup"; exit 1; }
unset POC_PIN POC_SO_PIN POC_NEW_PIN
t_run 0 "init a PIN token" "$POCTOOL" init --label tok --policy "$T/policy.json" --pin 1234 --pin-tries 5
printf 'top secret\n' >"$T/secret"
t_run 0 "seal a secret" "$POCTOOL" seal --token tok --label s1 --in "$T/secret" --pin 1234

# prompt_signal SIG: poctool release at its prompt on a pty (python keeps the slave open, so the
# pty's settings outlive poctool), SIG sent once it asks; prints "SIGNALLED n ECHO 0|1".
prompt_signal() {
	"$PY" - "$POCTOOL" "$1" <<'PY'
import os, signal, sys, termios
m, s = os.openpty()
pid = os.fork()
if pid == 0:
    os.close(m)
    os.login_tty(s)
    os.execv(sys.argv[1], [sys.argv[1], "release", "--token", "tok", "--label", "s1"])
signal.signal(signal.SIGALRM, lambda *_: (os.kill(pid, signal.SIGKILL), print("TIMEOUT"), sys.exit(1)))
signal.alarm(60)
out = b""
while b"PIN: " not in out:
    out += os.read(m, 1024)
os.kill(pid, getattr(signal, sys.argv[2]))
_, st = os.waitpid(pid, 0)
echo = 1 if termios.tcgetattr(s)[3] & termios.ECHO else 0
print("SIGNALLED", os.WTERMSIG(st) if os.WIFSIGNALED(st) else -1, "ECHO", echo)
PY
}
for sig in SIGINT SIGTERM SIGHUP; do
	got=$(prompt_signal $sig 2>&1)
	case $got in
	"SIGNALLED $(kill -l "${sig#SIG}") ECHO 1")
		t_ok "$sig at the PIN prompt: poctool ends, the terminal's echo is back ($got)" ;;
	*) t_fail "$sig at the PIN prompt left the terminal without echo: $got" ;;
	esac
done

printf '1234\n' >"$T/pin"
chmod 644 "$T/pin"
t_run 0 "a --pin-file others can read still works" "$POCTOOL" release --token tok --label s1 --pin-file "$T/pin"
t_has "accessible by other users" "... with a warning to chmod it"
chmod 600 "$T/pin"
t_run 0 "a mode 600 --pin-file" "$POCTOOL" release --token tok --label s1 --pin-file "$T/pin"
printf '%s' "$T_OUT" | grep -q "accessible by other users" && t_fail "a warning for a mode 600 PIN file" || t_ok "... without a warning"

t_done
