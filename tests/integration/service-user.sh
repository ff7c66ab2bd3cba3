#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Run under a service user (poc-pkcs11(7) "SERVICE USERS", docs/install.md): nginx in its stock
# form, `user www-data;` and 2 workers, serves TLS with a released key once www-data is in the
# store's group (a throwaway group here, removed on exit with its membership); outside the group
# the module says loudly that the store cannot be read and no handshake hangs; a configuration
# the user may not read leaves p11-kit clients quiet (no slots, nothing on stderr).
. "$POC_SRCDIR/tests/swtpm-env.sh"
. "$POC_SRCDIR/tests/lib.sh"
t_skip_in_sanitizer_build
T=$POC_TEST_TMP
SO=$POC_BUILDDIR/module/.libs/poc-pkcs11.so
SRV=$POC_SRCDIR/examples/tls-server/poc-tls-server
U=www-data
[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP needs root (nginx's master drops to www-data; groups are made for the test)"; exit 0; }
id "$U" >/dev/null 2>&1 || { echo "1..0 # SKIP no user $U"; exit 0; }
for tool in nginx curl groupadd groupdel gpasswd runuser; do
	command -v $tool >/dev/null || { echo "1..0 # SKIP $tool not installed"; exit 0; }
done
[ -f /usr/lib/x86_64-linux-gnu/engines-3/pkcs11.so ] || { echo "1..0 # SKIP libengine-pkcs11-openssl not installed"; exit 0; }
G=pocsvc$$
groupadd "$G" || { echo "Bail out! groupadd $G"; exit 1; }
_pids=()
svc_cleanup() {
	local p
	for p in "${_pids[@]:-}"; do [ -n "$p" ] && { kill "$p" 2>/dev/null; sleep 0.5; pkill -KILL -P "$p" 2>/dev/null; kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; }; done
	groupdel "$G" 2>/dev/null # its membership goes with it
	poc_cleanup
}
trap svc_cleanup EXIT
export POC_PKCS11_MODULE=$SO

# The store shared with the group, as `make install` as root makes it (2770 root:GROUP).
mkdir -p "$T/store" && chgrp "$G" "$T/store" && chmod 2770 "$T/store" && chmod 0755 "$T"
poc_token_env one "ttl = 600" "log = stderr" "log_level = warn" || { echo "Bail out! test setup"; exit 1; }
chgrp "$G" "$POC_PKCS11_CONF" && chmod 0640 "$POC_PKCS11_CONF"
chmod -R a+rX "$T/sim" "$T/policy.json"
URI='pkcs11:token=web;object=tls;type=private;pin-value=1234'
t_run 0 "poctool init --label web (root, in the shared store)" "$POCTOOL" init --label web --policy "$T/policy.json" --pin 1234
t_run 0 "poctool keygen: the TLS key" "$POCTOOL" keygen --token web --label tls --type ec-p256 --id 01 --pin 1234
st=$(stat -c '%a %G' "$T/store/web") fst=$(stat -c '%a %G' "$T/store/web/token.cbor")
[ "$st" = "2750 $G" ] && [ "$fst" = "640 $G" ] && t_ok "tokens in a setgid store: folder 2750, files 0640, the store's group" ||
	t_fail "token folder $st, token.cbor $fst"
t_run 0 "a certificate for the key" timeout 30 "$SRV" cert --uri "$URI" --dir "$T/cert" --out "$T/cert.pem"
chmod a+r "$T/cert.pem"

# Outside the group: loud, and nothing hangs.
t_run 1 "www-data outside the group: pkcs11-tool -L finds no token" runuser -u "$U" -- env POC_PKCS11_CONF="$POC_PKCS11_CONF" \
	pkcs11-tool --module "$SO" --token-label web -O
chmod 0644 "$POC_PKCS11_CONF"
t_run 1 "... with the configuration readable but not the store" runuser -u "$U" -- env POC_PKCS11_CONF="$POC_PKCS11_CONF" \
	pkcs11-tool --module "$SO" --token-label web -O
t_has "warn: store $T/store exists but cannot be read by uid 33" "the module warns that the store cannot be read"
t_has "usermod -aG poc-pkcs11" "and says how to grant it"
chmod 0640 "$POC_PKCS11_CONF"
t_run 1 "a configuration www-data may not read: pkcs11-tool -L (exit 1: it has no slot to list)" runuser -u "$U" -- env POC_PKCS11_CONF="$POC_PKCS11_CONF" \
	pkcs11-tool --module "$SO" -L
printf '%s' "$T_OUT" | grep -q "poc-pkcs11" && { t_fail "the module spoke to a user it does not serve"; printf '%s\n' "$T_OUT" | t_diag; } ||
	t_ok "quiet: no slot, no line on stderr"
t_has "No slots." "C_Initialize succeeded and offered no slot"

# In the group: nginx as www-data, 2 workers.
gpasswd -a "$U" "$G" >/dev/null && t_ok "usermod -aG: $U joins $G" || t_fail "gpasswd -a $U $G"
nginx_up() { # -> PORT, PID
	local port
	port=$((20000 + RANDOM % 10000))
	POC_TLS_USER=$U "$SRV" nginx --uri "$URI" --dir "$T/nginx" --cert "$T/cert.pem" --port "$port" --workers 2 \
		>"$T/nginx.log" 2>&1 &
	PID=$!; _pids+=("$PID"); PORT=$port
	for _ in $(seq 1 150); do (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && return 0; sleep 0.1; done
	return 1
}
if nginx_up; then
	t_ok "nginx (user $U; worker_processes 2) started"
	workers=$(pgrep -P "$PID" -u "$U" | tr '\n' ' ')
	[ "$(echo $workers | wc -w)" = 2 ] && t_ok "2 workers run as $U" || t_fail "workers as $U: '$workers'"
	: >"$T/who"; bad=0
	for _ in $(seq 1 12); do
		curl -sS --max-time 10 --cacert "$T/cert.pem" "https://localhost:$PORT/" >>"$T/who" 2>>"$T/curl.err" || bad=$((bad + 1))
	done
	[ "$bad" = 0 ] && t_ok "12 TLS requests served with the released key (curl --max-time 10: no handshake hangs)" ||
		{ t_fail "$bad of 12 requests failed"; tail -5 "$T/curl.err" | t_diag; tail -5 "$T/nginx.log" | t_diag; }
	grep -q "poc-pkcs11 nginx worker" "$T/who" && t_ok "answered by the workers" || t_fail "no worker answered"
else
	t_fail "nginx did not start"; tail -10 "$T/nginx.log" | t_diag
fi
t_done
