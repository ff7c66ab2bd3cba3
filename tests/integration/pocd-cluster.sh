#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# pocd at scale on loopback (docs/pocd-cluster.md): a pg_auto_failover formation (monitor,
# primary, synchronous secondary; examples/pocd-cluster/pgaf.sh), two pocd replicas sharing
# the token's KEK, K_kid and the signing key, haproxy in front (examples/pocd-cluster/haproxy.sh).
# Releases with real evidence run at a fixed concurrency through haproxy while, in turn, the
# PostgreSQL primary is killed (kill -9; pg_auto_failover promotes the secondary), a replica is
# killed, and haproxy drains a replica. After each: no challenge consumed twice, every release
# the client saw has its audit row, `pocd audit verify` passes; the error window is printed.
# A challenge sent to both replicas at once is released exactly once.
. "$POC_SRCDIR/tests/swtpm-env.sh"
. "$POC_SRCDIR/tests/lib.sh"
command -v pg_autoctl >/dev/null && command -v haproxy >/dev/null ||
	{ echo "1..0 # SKIP pg_autoctl or haproxy is not installed (scripts/deps.sh)"; exit 0; }
. "$POC_SRCDIR/tests/pocd-lib.sh"
. "$POC_SRCDIR/examples/pocd-cluster/pgaf.sh"
. "$POC_SRCDIR/examples/pocd-cluster/haproxy.sh"
HAPID=
cluster_cleanup() {
	[ -n "$HAPID" ] && kill "$HAPID" 2>/dev/null && wait "$HAPID" 2>/dev/null
	pocd_stop
	pgaf_stop
	pocd_cleanup
}
trap cluster_cleanup EXIT

mkdir -p "$T/af"
PGAF_BASE=$(_poc_free_port)
# Not through t_run (a subshell): the trap must know the formation's processes.
pgaf_start "$T/af" "$PGAF_BASE" && t_ok "pg_auto_failover: monitor, primary, synchronous secondary" ||
	{ t_fail "pg_auto_failover did not start"; t_done; exit 1; }
P1=$(pgaf_primary_port)
[ "$(pgaf_psql "$P1" 'SHOW synchronous_standby_names')" != "" ] && t_ok "the primary commits synchronously to the secondary" ||
	t_fail "no synchronous standby"
t_run 0 "roles and database on the primary" "$PG/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$P1" -U "$PGAF_USER" \
	-d postgres -c "CREATE ROLE pocd_owner LOGIN" -c "CREATE ROLE pocd LOGIN" -c "CREATE DATABASE pocd OWNER pocd_owner"
R1=$(_poc_free_port)
R2=$((R1 + 1))
cconf() { # cconf FILE PORT REPLICA
	conf "$1" "$2" 120 100000 100000
	sed -i -e "s|^database = .*|database = $PGAF_NODES dbname=pocd user=pocd|" \
		-e "s|^admin_database = .*|admin_database = $PGAF_NODES dbname=pocd user=pocd_owner|" \
		-e "s|^replica = .*|replica = $3|" -e "s|^threads = .*|threads = 4|" "$1"
}
cconf "$T/c1.conf" "$R1" cluster-1
cconf "$T/c2.conf" "$R2" cluster-2
t_run 0 "pocd init on the formation (the same token, signing key)" "$POCD" init --config "$T/c1.conf"
serve "$T/c1.conf" "$T/c1.log" && t_ok "replica cluster-1" || t_fail "replica cluster-1"
serve "$T/c2.conf" "$T/c2.log" && t_ok "replica cluster-2" || t_fail "replica cluster-2"
HPORT=$(_poc_free_port)
haproxy_conf "$T/haproxy.cfg" "$HPORT" "$T/haproxy.sock" "$R1" "$R2"
haproxy -f "$T/haproxy.cfg" -db >"$T/haproxy.log" 2>&1 &
HAPID=$!
HURL=http://127.0.0.1:$HPORT
for _ in $(seq 1 40); do [ "$(curl -s -o /dev/null -w '%{http_code}' "$HURL/readyz")" = 200 ] && break; sleep 0.25; done
[ "$(curl -s -o /dev/null -w '%{http_code}' "$HURL/readyz")" = 200 ] && t_ok "haproxy: /readyz through it" || t_fail "haproxy not ready"
t_run 0 "enrol other-key on the cluster" "$POCD" owner enrol --url "$HURL" --owner-key "$T/owner.pem" --key-id other-key \
	--policy "$T/policy.json" --share-hex 00112233445566778899aabbccddeeff
SHARE=00112233445566778899aabbccddeeff

# Evidence for N fresh challenges of the cluster (a 503 consumes nothing: a worker resends the
# same request until it is answered; a 409 then means an ambiguous commit, counted).
mkflows() { # mkflows PREFIX N
	for i in $(seq 1 "$2"); do flow "$1$i" other-key "$HURL" >/dev/null 2>&1 || return 1; done
}
worker() { # worker PREFIX FROM TO LOG: each request resent until answered (60 s at most); lines "t status"
	local i rc end
	for i in $(seq "$2" "$3"); do
		end=$(($(date +%s) + 60))
		while [ "$(date +%s)" -lt "$end" ]; do
			"$CLIENT" release "$HURL" other-key "$T/$1$i" "$T/$1$i.cbor" "$PUB" >"$T/$1$i.out" 2>&1
			rc=$?
			echo "$(date +%s%3N) $rc $1$i" >>"$4"
			[ "$rc" = 3 ] || break
			sleep 0.2
		done
	done
}
# load PREFIX N FAULT...: two workers over N flows; FAULT runs after 1 s.
load() {
	local pre=$1 n=$2 half
	shift 2
	half=$((n / 2))
	: >"$T/$pre.log"
	worker "$pre" 1 "$half" "$T/$pre.log" & local w1=$!
	worker "$pre" $((half + 1)) "$n" "$T/$pre.log" & local w2=$!
	sleep 1
	"$@"
	wait "$w1" "$w2"
}
# check PREFIX N WHAT: every request released once, audited, chains intact; the error window.
check() {
	local pre=$1 n=$2 ok fails win
	ok=$(grep -l "^release $SHARE" "$T/$pre"*.out | wc -l)
	[ "$ok" = "$n" ] && t_ok "$3: all $n releases answered with S_R" || t_fail "$3: $ok of $n released"
	fails=$(awk '$2 != 0' "$T/$pre.log" | wc -l)
	win=$(awk '$2 == 3 { if (!f) f = $1; l = $1 } END { if (f) printf "%.1f", (l - f) / 1000; else print 0 }' "$T/$pre.log")
	echo "$3: $fails failed attempts (503, resent), error window ${win} s" | t_diag
	echo "$3: $fails failed attempts, error window ${win} s" >>"$T/windows"
	local dup rel
	dup=$("$PG/psql" -At -h 127.0.0.1 -p "$(pgaf_primary_port)" -U "$PGAF_USER" -d pocd -c \
		"SELECT count(*) FROM (SELECT evidence_digest FROM pocd_audit WHERE decision = 'release' GROUP BY evidence_digest HAVING count(*) > 1) x")
	[ "$dup" = 0 ] && t_ok "$3: no evidence released twice (no challenge consumed twice)" || t_fail "$3: $dup released twice"
	rel=$("$PG/psql" -At -h 127.0.0.1 -p "$(pgaf_primary_port)" -U "$PGAF_USER" -d pocd -c \
		"SELECT count(*) FROM pocd_audit WHERE decision = 'release'")
	[ "$rel" -ge "$((RELEASED + ok))" ] && t_ok "$3: every release the client saw is audited ($rel rows)" ||
		t_fail "$3: $rel audited, $((RELEASED + ok)) seen"
	RELEASED=$((RELEASED + ok))
	t_run 0 "$3: pocd audit verify" "$POCD" audit verify --config "$T/c1.conf"
}
RELEASED=0
N=${POCD_CLUSTER_N:-12}

kill_primary() {
	local p pid
	p=$(pgaf_primary_port)
	pid=$(head -1 "$T/af/n$([ "$p" = "${PGAF_PORTS[0]}" ] && echo 1 || echo 2)/postmaster.pid")
	kill -9 "$pid"
}
t_run 0 "evidence for $N releases" mkflows pa "$N" || { t_done; exit 1; }
load pa "$N" kill_primary
check pa "$N" "primary killed"
t_run 0 "evidence for $N releases" mkflows pb "$N"
kill_replica() { kill "${_pocd_pids[-1]}"; wait "${_pocd_pids[-1]}" 2>/dev/null; }
load pb "$N" kill_replica
check pb "$N" "replica cluster-2 killed"
serve "$T/c2.conf" "$T/c2b.log" && t_ok "replica cluster-2 restarted" || t_fail "cluster-2 restart"
sleep 1
t_run 0 "evidence for $N releases" mkflows pc "$N"
drain() { # haproxy's runtime API on its UNIX socket
	python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b"set server pocd/r1 state drain\n"); s.recv(4096)' "$T/haproxy.sock"
}
load pc "$N" drain
check pc "$N" "replica cluster-1 drained"

# One challenge, the same request to both replicas at the same moment: one release.
t_run 0 "evidence for the race" flow race other-key "$HURL"
# the request body, saved by a release sent where nothing listens (nothing consumed)
t_run 3 "the race's request, built" "$CLIENT" release "http://127.0.0.1:$DEADPORT" other-key "$T/race" "$T/race.cbor" \
	"$PUB" --save "$T/race"
"$CLIENT" replay "http://127.0.0.1:$R1" "$T/race/request" other-key "$T/race" "$T/race.cbor" "$PUB" >"$T/race1.out" 2>&1 &
a=$!
"$CLIENT" replay "http://127.0.0.1:$R2" "$T/race/request" other-key "$T/race" "$T/race.cbor" "$PUB" >"$T/race2.out" 2>&1 &
b=$!
wait "$a" "$b"
n=$(cat "$T/race1.out" "$T/race2.out" | grep -c "^release $SHARE")
d=$(cat "$T/race1.out" "$T/race2.out" | grep -c "deny \$.challenge.replay")
[ "$n" = 1 ] && [ "$d" = 1 ] && t_ok "a challenge sent to both replicas at once: released exactly once, the other 409" ||
	t_fail "race: $n released, $d replays"
cat "$T/windows" | t_diag
t_done
