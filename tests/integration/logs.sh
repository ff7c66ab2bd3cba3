#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The module's log (poc-pkcs11.conf(5) "log", "log_level"): log_level = debug with log = stderr
# prints debug lines on stderr; a file log has one timestamped line per event and one info line
# per check (accepted or denied, the clause, the record's digest, the duration); the default
# (warn) keeps stderr quiet.
. "$POC_SRCDIR/tests/swtpm-env.sh"
. "$POC_SRCDIR/tests/lib.sh"
t_skip_in_sanitizer_build
T=$POC_TEST_TMP
SO=$POC_BUILDDIR/module/.libs/poc-pkcs11.so
P11="pkcs11-tool --module $SO --token-label tok"

poc_token_env one "log = $T/module.log" "log_level = info" || { echo "Bail out! test setup"; exit 1; }
cp "$POC_PKCS11_CONF" "$T/file.conf"
t_run 0 "a token with a key" "$POCTOOL" init --label tok --policy "$T/policy.json" --pin 1234
t_run 0 "a key" $P11 --login --pin 1234 --keypairgen --key-type EC:prime256v1 --label k --id 01
: >"$T/module.log"
t_run 0 "a login (accepted)" $P11 --login --pin 1234 -O
line=$(grep -m1 ": info: check tok " "$T/module.log")
ts='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z poc-pkcs11\[[0-9]+\]: '
printf '%s\n' "$line" | grep -qE "${ts}info: check tok [^ ]+: accepted, clause -, record sha256:[0-9a-f]{64}, [0-9.]+ ms$" &&
	t_ok "one info line for the check: timestamp, accepted, no clause, the record's SHA-256, the duration" ||
	{ t_fail "no accepted check line"; t_diag <"$T/module.log"; }
[ "$(grep -c ": info: check tok " "$T/module.log")" = 1 ] && t_ok "exactly one check line for one login" ||
	{ t_fail "check lines: $(grep -c ': info: check tok ' "$T/module.log")"; t_diag <"$T/module.log"; }
grep -vqE "$ts" "$T/module.log" && { t_fail "a file log line without a timestamp"; t_diag <"$T/module.log"; } ||
	t_ok "every file log line starts with an ISO 8601 timestamp"
# A record on the token's object verifies to the digest logged.
tpm2_pcrextend 4:sha256=0000000000000000000000000000000000000000000000000000000000000004 >/dev/null
: >"$T/module.log"
t_run 1 "a login after a PCR changed (denied)" $P11 --login --pin 1234 -O
grep -qE "${ts}info: check tok [^ ]+: denied, clause [a-z_$.]+[a-z0-9_.]*, record sha256:[0-9a-f]{64}, [0-9.]+ ms$" "$T/module.log" &&
	t_ok "the denial's check line names the clause" || { t_fail "no denied check line with a clause"; t_diag <"$T/module.log"; }

# stderr at debug
sed -e "s|^log = .*|log = stderr|" -e "s|^log_level = .*|log_level = debug|" "$T/file.conf" >"$POC_PKCS11_CONF"
t_run 0 "pkcs11-tool -L with log = stderr, log_level = debug" $P11 -L
t_has "poc-pkcs11: debug: initialized" "debug lines reach stderr"
# syslog: a private /dev/log (a mount namespace of the client alone) received by syslog-recv.py.
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null; then
	"$PY" "$POC_SRCDIR/tests/integration/syslog-recv.py" "$T/log.sock" "$T/log.ready" "$T/syslog.out" &
	rcv=$!
	trap 'kill $rcv 2>/dev/null; wait $rcv 2>/dev/null; poc_cleanup' EXIT
	for _ in $(seq 50); do [ -f "$T/log.ready" ] && break; sleep 0.1; done
	sed -e "s|^log = .*|log = syslog|" -e "s|^log_level = .*|log_level = debug|" "$T/file.conf" >"$POC_PKCS11_CONF"
	mkdir -p "$T/dev"
	t_run 0 "pkcs11-tool -L with log = syslog, log_level = debug" unshare -m sh -c '
		mount --make-rprivate / && mount --rbind /dev "$1" && mount -t tmpfs tmpfs /dev &&
		for n in null zero urandom random; do touch /dev/$n && mount --bind "$1/$n" /dev/$n || exit 9; done &&
		touch /dev/log && mount --bind "$2" /dev/log && shift 2 && exec "$@"' sh "$T/dev" "$T/log.sock" \
		pkcs11-tool --module "$SO" --token-label tok -L
	for _ in $(seq 20); do grep -q "check\|initialized\|poc-pkcs11" "$T/syslog.out" 2>/dev/null && break; sleep 0.1; done
	grep -qE '^<31>.*poc-pkcs11\[[0-9]+\]: debug: initialized' "$T/syslog.out" 2>/dev/null &&
		t_ok "syslog: the debug line as poc-pkcs11[pid], facility daemon, priority debug (<31>)" || { t_fail "no syslog message"; t_diag <"$T/syslog.out" 2>/dev/null; }
else
	t_skip "log = syslog: needs root and unshare for a private /dev/log"
fi
sed -e "/^log/d" "$T/file.conf" >"$POC_PKCS11_CONF"
t_run 0 "pkcs11-tool -L with the default log settings" $P11 -L
printf '%s' "$T_OUT" | grep -q "poc-pkcs11: \(debug\|info\)" && t_fail "debug or info lines on stderr by default" ||
	t_ok "the default (warn) prints no debug or info line"
t_done
