#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# pocd end to end on loopback (docs/pocd.md): a real PostgreSQL 15 started here as an
# unprivileged user, SoftHSM2 holding the KEK, pocd serving, evidence from swtpm + the TDX
# simulator bound to B = SHA-512("poc-pkcs11/v1" || chal || pkR || key_id), and
# tests/pocd-client checking every answer as the module will. The honest release opens S_R;
# a replayed release, an expired challenge, a challenge for another key_id, evidence bound to
# another pkR, a mix-and-match bundle, a revoked key are denied with their clause and no
# share; the database stopped is 503 (an outage, not a denial); an answer checked against
# another pinned key is refused; pocd's role cannot UPDATE or DELETE the audit, and
# `pocd audit verify` finds an edited, a deleted and a reordered row and a cut chain tail.
. "$POC_SRCDIR/tests/swtpm-env.sh"
. "$POC_SRCDIR/tests/lib.sh"
T=$POC_TEST_TMP
PG=/usr/lib/postgresql/15/bin
POCD=$POC_BUILDDIR/pocd/pocd
CLIENT=$POC_BUILDDIR/tests/pocd-client
SOFTHSM=/usr/lib/softhsm/libsofthsm2.so
for x in "$PG/initdb" "$SOFTHSM" /usr/bin/softhsm2-util /usr/sbin/runuser; do
	[ -e "$x" ] || { echo "1..0 # SKIP $x is not installed (scripts/deps.sh)"; exit 0; }
done
if [ -n "${POC_SANITIZERS:-}" ]; then
	echo "1..0 # SKIP pocd dlopens SoftHSM2 (uninstrumented) and the gcc build runs this"; exit 0
fi

_pocd_pids=()
pocd_cleanup() {
	local p
	for p in "${_pocd_pids[@]:-}"; do
		[ -n "$p" ] && kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
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
openssl pkey -in "$T/verifier.pem" -pubout -out "$T/verifier.pem.pub" 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/owner.pem" 2>/dev/null
openssl pkey -in "$T/owner.pem" -pubout -out "$T/owner.pub.pem" 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/forger.pem" 2>/dev/null
openssl pkey -in "$T/forger.pem" -pubout -out "$T/forger.pub.pem" 2>/dev/null
PORT=$(_poc_free_port)
PORT2=$((PORT + 1))
conf() { # conf FILE PORT TTL
	cat >"$1" <<CONF
listen = 127.0.0.1
port = $2
database = host=127.0.0.1 port=$PGPORT dbname=pocd user=pocd
admin_database = host=127.0.0.1 port=$PGPORT dbname=pocd user=pocd_owner
app_role = pocd
pkcs11_module = $SOFTHSM
pkcs11_token = pocd
pkcs11_pin = 1234
signing_key = $T/verifier.pem
owner_key = $T/owner.pub.pem
replica = replica-a
chal_ttl_s = $3
checkpoint_every = 4
threads = 2
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

cat >"$T/policy.json" <<JSON
{"version": 1,
 "providers": [{"name": "swtpm-test-ca", "roots": ["$CA1/swtpm-localca-rootca-cert.pem"], "intermediates": ["$CA1/issuercert.pem"]}],
 "platforms": {"poe": {"roots": ["$T/sim/poe_endorser.pem"], "owners": ["sim-csp.poc-pkcs11.test"]}},
 "tee": {"type": "tdx", "roots": ["$simroot"], "tcb_status": ["UpToDate"], "mrtd": ["$mrtd"]},
 "binding": "poc-v1", "freshness": {"max_age_s": 300}}
JSON
owner() { "$POCD" owner "$@" --url "$URL"; }
t_run 1 "an enrolment signed by another key: refused" owner enrol --owner-key "$T/forger.pem" --key-id tls-server --policy "$T/policy.json"
t_has "not signed by the owner key" "pocd names the owner signature"
t_run 0 "enrol tls-server (S_R generated by pocd)" owner enrol --owner-key "$T/owner.pem" --key-id tls-server --policy "$T/policy.json"
t_run 0 "enrol other-key" owner enrol --owner-key "$T/owner.pem" --key-id other-key --policy "$T/policy.json" \
	--share-hex 00112233445566778899aabbccddeeff
t_run 0 "enrol gce-only (identities: a GCE project)" owner enrol --owner-key "$T/owner.pem" --key-id gce-only \
	--policy "$T/policy.json" --identities '{"gce_project": "my-project"}'
t_run 0 "list" owner list --owner-key "$T/owner.pem"
t_has "tls-server enrolled" "list names tls-server"
share_db=$(psql_as pgsuper -At -c "SELECT encode(share_wrapped, 'hex') FROM pocd_enrolment WHERE key_id = 'other-key'")
case $share_db in ""|*00112233445566778899aabbccddeeff*) t_fail "S_R is in clear in the database (or absent)" ;;
*) t_ok "S_R is stored wrapped, never in clear (${#share_db} hex digits)" ;; esac

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
# flow NAME KEY_ID: a challenge into $T/NAME/, evidence collected for its B into $T/NAME.cbor.
flow() {
	mkdir -p "$T/$1"
	B=$("$CLIENT" challenge "${3:-$URL}" "$2" poc-v1 "$T/$1" | tail -1) || return 1
	echo "$B" >"$T/$1.B"
	collect_remote one "$1" "$B" "$2" && pack "$1" "$T/$1.cbor" "$1" one "$B"
}
t_run 0 "honest: challenge, evidence bound to B" flow h tls-server
t_run 0 "honest: release" "$CLIENT" release "$URL" tls-server "$T/h" "$T/h.cbor" "$PUB" --save "$T/h"
t_has "http 200" "200"
t_has "release " "S_R released to pkR and opened with skR"
share1=$(printf '%s\n' "$T_OUT" | sed -n 's/^release //p')
t_run 1 "the same request again (a replay)" "$CLIENT" replay "$URL" "$T/h/request" tls-server "$T/h" "$T/h.cbor" "$PUB"
t_has "http 409" "409"
t_has "deny \$.challenge.replay" "denied naming \$.challenge.replay, no share"
t_run 2 "the honest answer checked against another pinned key: refused" "$CLIENT" replay "$URL" "$T/h/request" \
	tls-server "$T/h" "$T/h.cbor" "$T/forger.pub.pem"
t_has "not signed by the pinned verifier key" "a COSE not signed by the pinned key is refused"

t_run 0 "a second honest release of tls-server" flow h2 tls-server
t_run 0 "release 2" "$CLIENT" release "$URL" tls-server "$T/h2" "$T/h2.cbor" "$PUB"
[ -n "$share1" ] && [ "$(printf '%s\n' "$T_OUT" | sed -n 's/^release //p')" = "$share1" ] && t_ok "the same S_R both times" || t_fail "S_R differs"
t_run 0 "other-key's share is the one the owner gave" flow o other-key
t_run 0 "release other-key" "$CLIENT" release "$URL" other-key "$T/o" "$T/o.cbor" "$PUB"
t_has "release 00112233445566778899aabbccddeeff" "S_R given at enrolment"

mkdir -p "$T/x"
t_run 0 "a challenge for other-key" "$CLIENT" challenge "$URL" other-key poc-v1 "$T/x"
t_run 1 "used for tls-server" "$CLIENT" release "$URL" tls-server "$T/x" "$T/h.cbor" "$PUB"
t_has "deny \$.challenge.mac" "denied naming \$.challenge.mac"

t_run 0 "evidence for B(pkR)" flow p tls-server
t_run 1 "released to another pkR" "$CLIENT" release "$URL" tls-server "$T/p" "$T/p.cbor" "$PUB" --other-pkR
t_has "deny \$.binding" "denied naming \$.binding: the evidence is bound to another pkR"

t_run 0 "mix and match: run m1" flow m1 tls-server
t_run 0 "mix and match: run m2" flow m2 tls-server
pack m1 "$T/mix.cbor" m2 one "$(cat "$T/m1.B")" >/dev/null
t_run 1 "m1's TPM quote with m2's TD quote" "$CLIENT" release "$URL" tls-server "$T/m1" "$T/mix.cbor" "$PUB"
t_has "deny \$." "denied naming a clause"
printf '%s\n' "$T_OUT" | grep '^deny' | t_diag

mkdir -p "$T/e"
t_run 0 "a challenge that lives 1 s" "$CLIENT" challenge "http://127.0.0.1:$PORT2" tls-server poc-v1 "$T/e"
sleep 2.2
t_run 1 "released after it expired" "$CLIENT" release "$URL" tls-server "$T/e" "$T/h.cbor" "$PUB"
t_has "deny \$.challenge.exp" "denied naming \$.challenge.exp"

t_run 0 "gce-only: evidence" flow g gce-only
t_run 1 "gce-only: swtpm's AK certificate names no GCE project" "$CLIENT" release "$URL" gce-only "$T/g" "$T/g.cbor" "$PUB"
t_has "deny \$.identities.gce_project" "denied naming \$.identities.gce_project"

t_run 0 "revoked: evidence first" flow r tls-server
t_run 0 "revoke tls-server" owner revoke --owner-key "$T/owner.pem" --key-id tls-server
t_run 1 "release of a revoked key" "$CLIENT" release "$URL" tls-server "$T/r" "$T/r.cbor" "$PUB"
t_has "deny \$.enrolment.revoked" "denied naming \$.enrolment.revoked"

mkdir -p "$T/d"
t_run 0 "a challenge (no database needed)" "$CLIENT" challenge "$URL" other-key poc-v1 "$T/d"
t_run 0 "PostgreSQL stopped" runuser -u nobody -- "$PG/pg_ctl" -D "$T/pg" -m fast -w stop
t_run 3 "release with the database down: an outage" "$CLIENT" release "$URL" other-key "$T/d" "$T/o.cbor" "$PUB"
t_has "http 503" "503, fail closed (no share, no denial)"
t_run 0 "PostgreSQL restarted" pg_start
t_run 1 "pocd reconnects (a denial again, for the old bundle)" "$CLIENT" release "$URL" other-key "$T/d" "$T/o.cbor" "$PUB"

# ---- the audit: insert-only for pocd's role, tamper-evident for the superuser ----
t_run 0 "rows were audited" psql_as pgsuper -At -c "SELECT count(*), count(DISTINCT decision) FROM pocd_audit"
printf '%s\n' "$T_OUT" | t_diag
t_run 1 "pocd's role cannot UPDATE the audit" psql_as pocd -c "UPDATE pocd_audit SET decision = 'release'"
t_has "permission denied" "UPDATE: permission denied"
t_run 1 "pocd's role cannot DELETE from the audit" psql_as pocd -c "DELETE FROM pocd_audit"
t_has "permission denied" "DELETE: permission denied"
t_run 0 "pocd audit checkpoint" "$POCD" audit checkpoint --config "$T/pocd.conf"
t_run 0 "pocd audit verify: intact" "$POCD" audit verify --config "$T/pocd.conf"
t_has "audit: intact" "intact"
psql_as pgsuper -c "CREATE TABLE audit_copy AS SELECT * FROM pocd_audit" >/dev/null
restore() { psql_as pgsuper -c "DELETE FROM pocd_audit" -c "INSERT INTO pocd_audit SELECT * FROM audit_copy" >/dev/null; }
t_run 0 "edit row 3's decision (superuser)" psql_as pgsuper -c "UPDATE pocd_audit SET decision = 'release' WHERE seq = 3"
t_run 1 "audit verify finds the edited row" "$POCD" audit verify --config "$T/pocd.conf"
t_has "row 3: its hash does not match its fields (edited)" "row 3 named as edited"
restore
t_run 0 "after restoring it: intact" "$POCD" audit verify --config "$T/pocd.conf"
t_run 0 "delete row 2 (superuser)" psql_as pgsuper -c "DELETE FROM pocd_audit WHERE seq = 2"
t_run 1 "audit verify finds the deleted row" "$POCD" audit verify --config "$T/pocd.conf"
t_has "row 3 follows row 1" "the gap is named"
restore
t_run 0 "swap rows 2 and 3 (superuser)" psql_as pgsuper -c "UPDATE pocd_audit SET seq = -1 WHERE seq = 2" \
	-c "UPDATE pocd_audit SET seq = 2 WHERE seq = 3" -c "UPDATE pocd_audit SET seq = 3 WHERE seq = -1"
t_run 1 "audit verify finds the reordered rows" "$POCD" audit verify --config "$T/pocd.conf"
t_has "row 2: its prev is not row 1's hash" "the reordering is named"
restore
last=$(psql_as pgsuper -At -c "SELECT max(seq) FROM pocd_audit")
t_run 0 "cut the chain's tail (superuser)" psql_as pgsuper -c "DELETE FROM pocd_audit WHERE seq = $last"
t_run 1 "audit verify finds the cut against the signed checkpoint" "$POCD" audit verify --config "$T/pocd.conf"
t_has "the chain no longer ends in the signed hash" "the checkpoint names the cut"
restore
t_run 0 "restored: intact" "$POCD" audit verify --config "$T/pocd.conf"
t_run 0 "rotate K_kid" owner rotate-kid --owner-key "$T/owner.pem"
t_has "K_kid 2 is current" "K_kid 2"
t_run 0 "a release under the new K_kid" flow k other-key
t_run 0 "release" "$CLIENT" release "$URL" other-key "$T/k" "$T/k.cbor" "$PUB"
t_done
