#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A pg_auto_failover formation on loopback (docs/pocd-cluster.md): a monitor, a primary and a
# synchronous secondary, each a `pg_autoctl run` as an unprivileged
# user in DIR. Sourced: pgaf_start DIR PORT_BASE starts it (ports PORT_BASE, +1, +2), sets
# PGAF_NODES (the multi-host part of a conninfo) and PGAF_PIDS; pgaf_stop stops everything.
# pgaf_primary_port prints the current primary's port. As root the user is nobody
# (PGAF_USER overrides); otherwise the calling user.
PGAF_BIN=${PGAF_BIN:-/usr/lib/postgresql/15/bin}
PGAF_USER=${PGAF_USER:-$([ "$(id -u)" = 0 ] && echo nobody || id -un)}
PGAF_PIDS=()
PGAF_DIR=
PGAF_PORTS=()

pgaf() { # pg_autoctl as PGAF_USER with its config, data and sockets under PGAF_DIR
	local env=(env PATH="$PGAF_BIN:$PATH" HOME="$PGAF_DIR" XDG_CONFIG_HOME="$PGAF_DIR/cfg"
		XDG_DATA_HOME="$PGAF_DIR/data" XDG_RUNTIME_DIR="$PGAF_DIR/run" PG_REGRESS_SOCK_DIR="$PGAF_DIR/sock"
		PGHOST="$PGAF_DIR/sock")
	if [ "$(id -u)" = 0 ]; then runuser -u "$PGAF_USER" -- "${env[@]}" pg_autoctl "$@"; else "${env[@]}" pg_autoctl "$@"; fi
}

pgaf_wait_state() { # pgaf_wait_state PGDATA STATE SECONDS
	for _ in $(seq 1 $(($3 * 2))); do
		pgaf show state --pgdata "$1" 2>/dev/null | grep -q "| *$2 *|" && return 0
		sleep 0.5
	done
	pgaf show state --pgdata "$1" >&2
	return 1
}

pgaf_start() { # pgaf_start DIR PORT_BASE
	PGAF_DIR=$1
	PGAF_MON_PORT=$2
	PGAF_PORTS=($(($2 + 1)) $(($2 + 2)))
	mkdir -p "$PGAF_DIR/sock" "$PGAF_DIR/run"
	[ "$(id -u)" = 0 ] && chown -R "$PGAF_USER" "$PGAF_DIR"
	local common=(--hostname 127.0.0.1 --listen 127.0.0.1 --auth trust --no-ssl)
	pgaf create monitor --pgdata "$PGAF_DIR/mon" --pgport "$PGAF_MON_PORT" "${common[@]}" >"$PGAF_DIR/mon.log" 2>&1 ||
		{ tail -5 "$PGAF_DIR/mon.log" >&2; return 1; }
	pgaf run --pgdata "$PGAF_DIR/mon" >>"$PGAF_DIR/mon.log" 2>&1 &
	PGAF_PIDS+=($!)
	PGAF_MONITOR="postgres://autoctl_node@127.0.0.1:$PGAF_MON_PORT/pg_auto_failover?sslmode=disable"
	for _ in $(seq 1 60); do
		"$PGAF_BIN/pg_isready" -q -h 127.0.0.1 -p "$PGAF_MON_PORT" && break
		sleep 0.5
	done
	local i=0 want=(single secondary)
	for p in "${PGAF_PORTS[@]}"; do
		i=$((i + 1))
		pgaf create postgres --pgdata "$PGAF_DIR/n$i" --pgport "$p" --monitor "$PGAF_MONITOR" --name "node$i" \
			--pg-hba-lan "${common[@]}" --run >"$PGAF_DIR/n$i.log" 2>&1 &
		PGAF_PIDS+=($!)
		pgaf_wait_state "$PGAF_DIR/mon" "${want[$((i - 1))]}" 90 || { tail -20 "$PGAF_DIR/n$i.log" >&2; return 1; }
	done
	# With one secondary the formation keeps number_sync_standbys = 0, which pg_auto_failover
	# turns into synchronous_standby_names = 'ANY 1 (pgautofailover_standby_2)': every commit
	# waits for the secondary (docs/pocd-cluster.md); 1 needs two standbys.
	for _ in $(seq 1 40); do
		[ -n "$(pgaf_psql "${PGAF_PORTS[0]}" 'SHOW synchronous_standby_names')" ] && break
		sleep 0.5
	done
	PGAF_NODES="host=127.0.0.1,127.0.0.1 port=${PGAF_PORTS[0]},${PGAF_PORTS[1]} target_session_attrs=read-write connect_timeout=2"
}

pgaf_psql() { # pgaf_psql PORT SQL: one value
	"$PGAF_BIN/psql" -At -h 127.0.0.1 -p "$1" -U "$PGAF_USER" -d postgres -c "$2" 2>/dev/null
}

pgaf_primary_port() {
	for p in "${PGAF_PORTS[@]:-}"; do
		[ "$(pgaf_psql "$p" 'SELECT pg_is_in_recovery()')" = f ] &&
			{ echo "$p"; return 0; }
	done
	return 1
}

pgaf_stop() {
	local d
	[ -n "$PGAF_DIR" ] || return 0
	for d in n2 n1 mon; do # pg_autoctl stop signals the node's own supervisor (runuser does not relay)
		[ -d "$PGAF_DIR/$d" ] && pgaf stop --pgdata "$PGAF_DIR/$d" >/dev/null 2>&1
	done
	for pid in "${PGAF_PIDS[@]:-}"; do [ -n "$pid" ] && wait "$pid" 2>/dev/null; done
	for d in n1 n2 mon; do # anything pg_autoctl left running
		[ -d "$PGAF_DIR/$d" ] || continue
		[ -f "$PGAF_DIR/$d/postmaster.pid" ] && runuser -u "$PGAF_USER" -- "$PGAF_BIN/pg_ctl" -D "$PGAF_DIR/$d" -m immediate stop >/dev/null 2>&1
	done
	PGAF_PIDS=()
PGAF_DIR=
PGAF_PORTS=()
}
