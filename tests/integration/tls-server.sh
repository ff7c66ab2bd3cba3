#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# examples/tls-server on swtpm + the TDX simulator: a key generated in a poc-pkcs11 token, its
# certificate signed by the token, then three real TLS servers using it by pkcs11: URI -
# gnutls-serv (module registered for p11-kit in a private config folder), openssl s_server and
# nginx with 2 workers (libp11's pkcs11 engine, OPENSSL_CONF with init = 1). Each is reached by
# gnutls-cli and curl and must present the sealed key's certificate (nginx: from every
# worker). Then, with PCR 7 extended, each server fails to load its key and logs why.
. "$POC_SRCDIR/tests/swtpm-env.sh"
. "$POC_SRCDIR/tests/lib.sh"
t_skip_in_sanitizer_build
T=$POC_TEST_TMP
SO=$POC_BUILDDIR/module/.libs/poc-pkcs11.so
SRV=$POC_SRCDIR/examples/tls-server/poc-tls-server
export POC_PKCS11_MODULE=$SO

# Every server this test starts is stopped on exit, before the harness stops swtpm.
_tls_pids=()
tls_stop() { # PID: SIGTERM (nginx: its workers follow the master), then SIGKILL after 5 s
	local p=$1 kids
	kill -0 "$p" 2>/dev/null || { wait "$p" 2>/dev/null; return 0; }
	kids=$(pgrep -P "$p" 2>/dev/null)
	kill "$p" 2>/dev/null
	for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
	kill -9 "$p" $kids 2>/dev/null
	wait "$p" 2>/dev/null
	return 0
}
tls_cleanup() {
	local p
	for p in "${_tls_pids[@]:-}"; do [ -n "$p" ] && tls_stop "$p"; done
	_tls_pids=()
	poc_cleanup
}
trap tls_cleanup EXIT

for tool in gnutls-serv gnutls-cli nginx curl unshare; do
	command -v $tool >/dev/null || { echo "1..0 # SKIP $tool not installed"; exit 0; }
done
[ -f /usr/lib/x86_64-linux-gnu/engines-3/pkcs11.so ] || { echo "1..0 # SKIP libengine-pkcs11-openssl not installed"; exit 0; }

poc_token_env one "ttl = 600" "log = stderr" "log_level = warn" || { echo "Bail out! test setup"; exit 1; }
URI='pkcs11:token=web;object=tls;type=private;pin-value=1234'

t_run 0 "poctool init --label web --pin 1234" "$POCTOOL" init --label web --policy "$T/policy.json" --pin 1234
t_run 0 "poctool keygen --type ec-p256 (the TLS key, generated and sealed in the token)" \
	"$POCTOOL" keygen --token web --label tls --type ec-p256 --id 01 --pin 1234
printf '%s\n' "$T_OUT" | sed -n '/BEGIN PUBLIC KEY/,/END PUBLIC KEY/p' >"$T/key.pub.pem"
spki() { openssl pkey -pubin -in "$1" -outform DER 2>/dev/null | openssl dgst -sha256 -r | cut -d' ' -f1; }
KEYSPKI=$(spki "$T/key.pub.pem")
[ -n "$KEYSPKI" ] && t_ok "keygen printed the public key (SPKI sha256 ${KEYSPKI:0:16}...)" || t_fail "no public key from keygen"

t_run 0 "poc-tls-server cert: a self-signed certificate signed by the sealed key (openssl req -engine pkcs11)" \
	timeout 30 "$SRV" cert --uri "$URI" --dir "$T/cert" --out "$T/cert.pem"
openssl x509 -in "$T/cert.pem" -noout -pubkey >"$T/cert.pub.pem" 2>/dev/null
[ "$(spki "$T/cert.pub.pem")" = "$KEYSPKI" ] && t_ok "the certificate holds the token's public key" ||
	t_fail "the certificate's key is not the token's key"
openssl x509 -in "$T/cert.pem" -noout -checkend 0 >/dev/null && openssl verify -CAfile "$T/cert.pem" "$T/cert.pem" >/dev/null 2>&1 &&
	t_ok "the self-signature verifies" || t_fail "the certificate's self-signature"
CERTFP=$(openssl x509 -in "$T/cert.pem" -noout -fingerprint -sha256 | cut -d= -f2)

# A free loopback port below the kernel's ephemeral range: a port inside it may be the local end
# of some client connection in TIME-WAIT (thousands while other tests run), which a connect test
# cannot see but which makes the server's bind() fail with EADDRINUSE.
tls_free_port() {
	local lo p
	lo=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null); lo=${lo:-32768}
	[ "$lo" -gt 11000 ] || lo=61000
	for _ in $(seq 1 100); do
		p=$(( 10000 + (RANDOM * 32768 + RANDOM) % (lo - 10000) ))
		(exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null && continue
		ss -Htan "( sport = :$p )" 2>/dev/null | grep -q . && continue
		echo "$p"; return 0
	done
	return 1
}

# start NAME: poc-tls-server NAME on a free port (retried if another process takes it), in the
# background; sets PORT and PID once the server accepts connections; 1 when it never does.
start() {
	local name=$1
	for _ in 1 2 3; do
		PORT=$(tls_free_port) || return 1
		rm -f "$T/$name/logs/error.log" "${POC_PKCS11_STATS:-}" # each try starts afresh
		"$SRV" "$name" --uri "$URI" --dir "$T/$name" --cert "$T/cert.pem" --port "$PORT" \
			>"$T/$name.log" 2>&1 &
		PID=$!
		_tls_pids+=("$PID")
		for _ in $(seq 1 150); do # 15 s
			(exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && return 0
			kill -0 "$PID" 2>/dev/null || break
			sleep 0.1
		done
		tls_stop "$PID"
		grep -qiE "address already in use|bind" "$T/$name.log" || return 1
	done
	return 1
}
# served NAME: gnutls-cli and curl reach the server; it presents the sealed key's certificate.
served() {
	local name=$1
	if timeout 20 gnutls-cli --no-ca-verification --save-cert="$T/$name.peer.pem" -p "$PORT" localhost \
		</dev/null >"$T/$name.cli" 2>&1 && grep -q "Handshake was completed" "$T/$name.cli"; then
		t_ok "$name: gnutls-cli completed a handshake"
	else
		t_fail "$name: gnutls-cli"; tail -5 "$T/$name.cli" | t_diag
	fi
	[ "$(openssl x509 -in "$T/$name.peer.pem" -noout -fingerprint -sha256 2>/dev/null | cut -d= -f2)" = "$CERTFP" ] &&
		openssl x509 -in "$T/$name.peer.pem" -noout -pubkey >"$T/$name.peer.pub" 2>/dev/null &&
		[ "$(spki "$T/$name.peer.pub")" = "$KEYSPKI" ] &&
		t_ok "$name: presented the sealed key's certificate (sha256 fingerprint and public key match)" ||
		t_fail "$name: presented another certificate"
	t_run 0 "$name: curl --cacert (verifies the chain and the name localhost)" \
		curl -sS --max-time 20 --cacert "$T/cert.pem" -o "$T/$name.body" "https://localhost:$PORT/"
}

# 1. gnutls-serv through p11-kit
if start gnutls; then
	t_ok "gnutls-serv started with the key by pkcs11: URI (port $PORT)"
	served gnutls
	grep -q "$SO" "$T/gnutls/p11-kit/pkcs11/modules/poc-pkcs11.module" 2>/dev/null &&
		! grep -rqs "$SO" /etc/pkcs11 /usr/share/p11-kit/modules &&
		t_ok "the module is registered in the private p11-kit folder only (nothing in /etc/pkcs11)" ||
		t_fail "module registration"
else
	t_fail "gnutls-serv did not start"; tail -10 "$T/gnutls.log" | t_diag
fi
tls_stop "$PID"

# 2. openssl s_server with the pkcs11 engine
if start openssl; then
	t_ok "openssl s_server -engine pkcs11 started (port $PORT)"
	served openssl
else
	t_fail "openssl s_server did not start"; tail -10 "$T/openssl.log" | t_diag
fi
tls_stop "$PID"

# 3. nginx, master + 2 workers, each worker signing with the released key after fork
export POC_PKCS11_STATS=$T/nginx.stats # the module appends one line per Proof-of-Cloud check
if start nginx; then
	t_ok "nginx (master_process on, worker_processes 2) started (port $PORT)"
	served nginx
	workers=$(pgrep -P "$PID" | sort | tr '\n' ' ')
	[ "$(echo $workers | wc -w)" = 2 ] && t_ok "nginx runs 2 workers ($workers)" || t_fail "nginx workers: '$workers'"
	: >"$T/nginx.who"; bad=0
	for _ in $(seq 1 24); do # new TLS connection each time; reuseport spreads them over the workers
		curl -sS --max-time 10 --cacert "$T/cert.pem" "https://localhost:$PORT/" >>"$T/nginx.who" 2>>"$T/nginx.curl" || bad=$((bad + 1))
	done
	seen=$(sed -n 's/^poc-pkcs11 nginx worker //p' "$T/nginx.who" | sort -u | tr '\n' ' ')
	[ "$bad" = 0 ] && t_ok "24 HTTPS requests (24 handshakes signed by the sealed key) all succeeded" ||
		{ t_fail "$bad of 24 requests failed"; tail -5 "$T/nginx.curl" | t_diag; }
	[ "$(echo $seen | wc -w)" -ge 2 ] && t_ok "every worker served with the released key (worker pids: $seen)" ||
		t_fail "handshakes came from workers '$seen' only"
	checks=$(grep -c " priv-01.obj " "$POC_PKCS11_STATS" 2>/dev/null)
	[ "${checks:-0}" -ge 3 ] && t_ok "$checks Proof-of-Cloud checks: the master's at startup and one in each worker after fork" ||
		{ t_fail "checks: ${checks:-0}, want at least 3 (master + 2 workers)"; t_diag <"$POC_PKCS11_STATS"; }
	grep -E "\[(alert|crit|emerg)\]" "$T/nginx/logs/error.log" | head -5 >"$T/nginx.errs"
	[ -s "$T/nginx.errs" ] && { t_fail "nginx error.log has errors"; t_diag <"$T/nginx.errs"; } ||
		t_ok "nginx error.log: no worker errors"
else
	t_fail "nginx did not start"; { tail -10 "$T/nginx.log"; tail -5 "$T/nginx/logs/error.log"; } 2>/dev/null | t_diag
fi
tls_stop "$PID"
unset POC_PKCS11_STATS
[ -z "$(pgrep -f "$T/nginx/nginx.conf")" ] && t_ok "nginx stopped (master and workers)" || t_fail "nginx processes left"
t_run 0 "poctool show: the key's last attestation record" "$POCTOOL" show --token web --label tls
t_has '"ear.status": "affirming"' "the record is affirming"
t_has "\"poc.key_sha256\": \"$KEYSPKI\"" "the record names the served public key"

# With PCR 7 extended (the sealing PCR set includes 7) no server can load its key, and each
# says why. Each run is bounded: the servers exit on their own; timeout is the safety net.
tpm2_pcrextend 7:sha256=0000000000000000000000000000000000000000000000000000000000000001 >/dev/null ||
	t_fail "tpm2_pcrextend"
for name in gnutls openssl nginx; do
	PORT=$(tls_free_port)
	timeout 30 "$SRV" "$name" --uri "$URI" --dir "$T/$name" --cert "$T/cert.pem" --port "$PORT" \
		>"$T/$name.denied.log" 2>&1 </dev/null
	rc=$?
	[ $rc != 0 ] && [ $rc != 124 ] && t_ok "$name: refuses to start after tpm2_pcrextend (exit $rc)" ||
		t_fail "$name: exit $rc after tpm2_pcrextend"
	grep -q "PCR policy not satisfied" "$T/$name.denied.log" && t_ok "$name: its log says why (PCR policy not satisfied)" ||
		{ t_fail "$name: no reason in its log"; tail -5 "$T/$name.denied.log" | t_diag; }
done
grep -h "poc-pkcs11:" "$T"/*.denied.log | sort -u | t_diag
t_done
