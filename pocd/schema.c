/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pocd's schema, as numbered migrations applied once each by `pocd init` under the schema
 * owner's role (docs/pocd.md "Schema"). pocd's own role gets only what serving needs: the
 * audit tables are insert-only for it (no UPDATE, DELETE or TRUNCATE).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "pocd.h"

static const char *const MIGRATIONS[] = {
	/* 1: the store */
	"CREATE TABLE pocd_kid (kid integer PRIMARY KEY, wrapped bytea NOT NULL,"
	"  created timestamptz NOT NULL DEFAULT now());"
	"CREATE TABLE pocd_enrolment (key_id text PRIMARY KEY, policy text NOT NULL, identities text,"
	"  files bytea NOT NULL, share_wrapped bytea NOT NULL, revoked boolean NOT NULL DEFAULT false,"
	"  created timestamptz NOT NULL DEFAULT now(), revoked_at timestamptz);"
	"CREATE TABLE pocd_consumed (id bytea PRIMARY KEY, exp bigint NOT NULL);"
	"CREATE INDEX pocd_consumed_exp ON pocd_consumed (exp);"
	"CREATE TABLE pocd_audit (replica text NOT NULL, seq bigint NOT NULL, at bigint NOT NULL,"
	"  key_id text NOT NULL, client text NOT NULL, decision text NOT NULL, clause text,"
	"  evidence_digest bytea, ear bytea NOT NULL, prev bytea NOT NULL, hash bytea NOT NULL,"
	"  PRIMARY KEY (replica, seq));"
	"CREATE TABLE pocd_audit_checkpoint (replica text NOT NULL, seq bigint NOT NULL, hash bytea NOT NULL,"
	"  at bigint NOT NULL, sig bytea NOT NULL, PRIMARY KEY (replica, seq));",
	/* 2: the time of each key's last release (pocd-at-scale: a dead client shows in owner list) */
	"ALTER TABLE pocd_enrolment ADD COLUMN last_seen bigint;",
};

/* The grants to pocd's role (%s three times: the quoted role). */
static const char GRANTS[] =
	"GRANT SELECT, INSERT, UPDATE ON pocd_kid, pocd_enrolment TO %s;"
	"GRANT SELECT, INSERT, DELETE ON pocd_consumed TO %s;"
	"GRANT SELECT, INSERT ON pocd_audit, pocd_audit_checkpoint TO %s;"
	"REVOKE UPDATE, DELETE, TRUNCATE ON pocd_audit, pocd_audit_checkpoint FROM %s;";

static int exec(PGconn *c, const char *sql, const char *what)
{
	PGresult *r = PQexec(c, sql);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;

	if (!ok)
		pocd_warn("%s: %s", what, PQerrorMessage(c));
	PQclear(r);
	return ok ? 0 : -1;
}

static int applied(PGconn *c, int *version)
{
	PGresult *r;
	int rv = -1;

	if (exec(c, "CREATE TABLE IF NOT EXISTS pocd_schema (version integer PRIMARY KEY,"
		    " applied timestamptz NOT NULL DEFAULT now())", "schema table") < 0)
		return -1;
	r = PQexec(c, "SELECT coalesce(max(version), 0) FROM pocd_schema");
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) {
		*version = atoi(PQgetvalue(r, 0, 0));
		rv = 0;
	}
	PQclear(r);
	return rv;
}

static int grant(PGconn *c, const char *role)
{
	char *q = PQescapeIdentifier(c, role, strlen(role)), sql[1024];
	int rv = -1;

	if (q != NULL && snprintf(sql, sizeof(sql), GRANTS, q, q, q, q) < (int)sizeof(sql))
		rv = exec(c, sql, "grants");
	PQfreemem(q);
	return rv;
}

int pocd_db_migrate(const char *admin_conninfo, const char *app_role)
{
	PGconn *c = PQconnectdb(admin_conninfo);
	int version = 0, rv = -1;
	char sql[64];

	if (PQstatus(c) != CONNECTION_OK) {
		pocd_warn("database (admin_database): %s", PQerrorMessage(c));
		PQfinish(c);
		return -1;
	}
	if (exec(c, "BEGIN", "begin") < 0 || exec(c, "SELECT pg_advisory_xact_lock(7242)", "lock") < 0 ||
	    applied(c, &version) < 0)
		goto done;
	for (size_t i = (size_t)version; i < sizeof(MIGRATIONS) / sizeof(MIGRATIONS[0]); i++) {
		snprintf(sql, sizeof(sql), "INSERT INTO pocd_schema (version) VALUES (%zu)", i + 1);
		if (exec(c, MIGRATIONS[i], "migration") < 0 || exec(c, sql, "migration") < 0)
			goto done;
		printf("schema: migration %zu applied\n", i + 1);
	}
	if (grant(c, app_role) < 0 || exec(c, "COMMIT", "commit") < 0)
		goto done;
	rv = 0;
done:
	PQfinish(c);
	return rv;
}
