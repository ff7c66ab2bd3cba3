#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# pocd's setup for tests/integration/pocd.sh and tests/bench/pocd.sh. Source after
# tests/swtpm-env.sh and tests/lib.sh: a real PostgreSQL 15 in $T/pg run as nobody on a free
# loopback port (roles: pgsuper the superuser, pocd_owner the schema owner, pocd pocd's own),
# SoftHSM2 with its own SOFTHSM2_CONF holding the KEK, pocd initialised and serving on $URL
# (and a second one whose challenges live 1 s on port $PORT2), the poc-v1 policy of
# tests/poc-v1-lib.sh in $T/policy.json; everything stopped on exit. flow NAME KEY_ID collects
# evidence for a fresh challenge into $T/NAME.cbor (pocd making the credential challenge).
T=$POC_TEST_TMP
PG=/usr/lib/postgresql/15/bin
POCD=$POC_BUILDDIR/pocd/pocd
CLIENT=$POC_BUILDDIR/tests/pocd-client
SOFTHSM=/usr/lib/softhsm/libsofthsm2.so
for x in "$PG/initdb" "$SOFTHSM" /usr/bin/softhsm2-util /usr/sbin/runuser; do
	[ -e "$x" ] || { echo "1..0 # SKIP $x is not installed (scripts/deps.sh)"; exit 0; }
done

_pocd_pids=()
# pocd_stop: SIGTERM to every pocd serve, each waited for (their logs are then complete).
pocd_stop() {
	local p
	for p in "${_pocd_pids[@]:-}"; do
		[ -n "$p" ] && kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	_pocd_pids=()
}
pocd_cleanup() {
	pocd_stop
	[ -d "$T/pg" ] && runuser -u nobody -- "$PG/pg_ctl" -D "$T/pg" -m immediate stop >/dev/null 2>&1
	poc_cleanup
}
trap pocd_cleanup EXIT

. "$POC_SRCDIR/tests/poc-v1-lib.sh"

# ---- PostgreSQL 15 as nobody, on a free loopback port ----
chmod 711 "$T"
mkdir -p "$T/pg" "$T/pgsock" && chown nobody:nogroup "$T/pg" "$T/pgsock"
PGPORT=$(_poc_free_port)
t_run 0 "initdb (as nobody)" runuser -u nobody -- "$PG/initdb" -D "$T/pg" -U pgsuper --auth=trust -E UTF8
pg_start() {
	runuser -u nobody -- "$PG/pg_ctl" -D "$T/pg" -l "$T/pg/log" -w -t 30 \
		-o "-p $PGPORT -k $T/pgsock -c listen_addresses=127.0.0.1" start
}
t_run 0 "PostgreSQL started on 127.0.0.1:$PGPORT" pg_start
psql_as() { local u=$1; shift; psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PGPORT" -U "$u" -d "${DB:-pocd}" "$@"; }
psql_postgres() { DB=postgres psql_as pgsuper "$@"; }
t_run 0 "roles: the schema owner and pocd's own" psql_postgres \
	-c "CREATE ROLE pocd_owner LOGIN" -c "CREATE ROLE pocd LOGIN" -c "CREATE DATABASE pocd OWNER pocd_owner"

# ---- SoftHSM2 with its own configuration: the token that holds the KEK ----
export SOFTHSM2_CONF=$T/softhsm2.conf
mkdir -p "$T/tokens"
printf 'directories.tokendir = %s\nobjectstore.backend = file\n' "$T/tokens" >"$SOFTHSM2_CONF"
t_run 0 "a SoftHSM2 token for the KEK" softhsm2-util --init-token --free --label pocd --pin 1234 --so-pin 5678

# ---- pocd: its signing key also derives the credential key of /v1/credential ----
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/owner.pem" 2>/dev/null
openssl pkey -in "$T/owner.pem" -pubout -out "$T/owner.pub.pem" 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/forger.pem" 2>/dev/null
openssl pkey -in "$T/forger.pem" -pubout -out "$T/forger.pub.pem" 2>/dev/null
PORT=$(_poc_free_port)
PORT2=$((PORT + 1))
DEADPORT=$(_poc_free_port) # nothing listens: libpq's multi-host list skips it, as after a failover
conf() { # conf FILE PORT TTL [RATE_IP RATE_KEY]
	cat >"$1" <<CONF
listen = 127.0.0.1
port = $2
database = host=127.0.0.1,127.0.0.1 port=$DEADPORT,$PGPORT dbname=pocd user=pocd target_session_attrs=read-write
admin_database = host=127.0.0.1 port=$PGPORT dbname=pocd user=pocd_owner
app_role = pocd
pkcs11_module = $SOFTHSM
pkcs11_token = pocd
pkcs11_pin = 1234
signing_key = $T/verifier.pem
owner_key = $T/owner.pub.pem
replica = replica-a
chal_ttl_s = $3
rate_ip = ${4:-600}
rate_key = ${5:-120}
checkpoint_every = 4
threads = 2
conn_per_ip = 8
CONF
}
conf "$T/pocd.conf" "$PORT" 120
conf "$T/pocd-short.conf" "$PORT2" 1
t_run 0 "pocd init: migrations, the KEK in the token, K_kid" "$POCD" init --config "$T/pocd.conf"
t_has "migration 1 applied" "the schema migration ran"
t_run 0 "pocd init again: nothing to do" "$POCD" init --config "$T/pocd.conf"
t_run 0 "the KEK is sensitive and not extractable in the token" pkcs11-tool --module "$SOFTHSM" --token-label pocd \
	--login --pin 1234 --list-objects --type secrkey
t_has "pocd-kek" "pkcs11-tool lists the KEK"
t_has "never extractable" "the KEK was never extractable"

serve() { # serve CONF LOG
	"$POCD" serve --config "$1" >"$2" 2>&1 &
	_pocd_pids+=($!)
	for _ in $(seq 1 100); do grep -q serving "$2" && return 0; sleep 0.1; done
	cat "$2"; return 1
}
# Not through t_run: its command substitution is a subshell, and the trap must know the pids.
serve "$T/pocd.conf" "$T/pocd.log" && t_ok "pocd serve" || t_fail "pocd serve"
serve "$T/pocd-short.conf" "$T/pocd2.log" && t_ok "a second pocd (challenges that live 1 s)" || t_fail "a second pocd"
URL=http://127.0.0.1:$PORT
PUB=$T/verifier.pem.pub

poc_v1_policy "$T/policy.json"
owner() { "$POCD" owner "$@" --url "$URL"; }
# collect_remote TPM RUN B KEY_ID: collect (tests/poc-v1-lib.sh) with pocd making the credential
# challenge (/v1/credential) instead of a local verifier key: the client never holds pocd's key.
collect_remote() {
	local tpm=$1 run=$2 n=$3 rd q
	date +%s%3N >"$T/$run.ntime"
	rd=$( { printf 'poc-pkcs11/v1/tdx'; printf '%s' "$n" | unhex; cat "$T/$tpm.ak.name"; } | sha sha512)
	"$POCTOOL" sim quote "$T/sim" --report-data "$rd" -o "$T/$run.td" >/dev/null || return 1
	q=$( { printf 'poc-pkcs11/v1/tpm'; printf '%s' "$n" | unhex; head -c 632 "$T/$run.td" | openssl dgst -sha384 -binary; } | sha sha256)
	tpm2_quote -c "$T/$tpm.ak.ctx" -l sha256:0,1,2,3,7 -q "$q" -m "$T/$run.attest" -s "$T/$run.sig" -g sha256 >/dev/null && flush || return 1
	tpm2_pcrread sha256:0,1,2,3,7 | sed -nE 's/^ +([0-9]+) *: *0x([0-9A-Fa-f]+).*/\1 \2/p' | tr A-F a-f >"$T/$run.pcrs"
	"$CLIENT" credential "${5:-$URL}" "$4" "$T/$run" "$T/$tpm.ek.pub" "$T/$tpm.ak.pub" "$T/$run.cred" >/dev/null || return 1
	activate "$tpm" "$T/$run.cred" "$T/$run.secret"
}
# flow NAME KEY_ID [URL]: a challenge (and the credential) from URL into $T/NAME/, evidence collected for its B into $T/NAME.cbor.
flow() {
	mkdir -p "$T/$1"
	B=$("$CLIENT" challenge "${3:-$URL}" "$2" poc-v1 "$T/$1" | tail -1) || return 1
	echo "$B" >"$T/$1.B"
	collect_remote one "$1" "$B" "$2" "${3:-$URL}" && pack "$1" "$T/$1.cbor" "$1" one "$B"
}
