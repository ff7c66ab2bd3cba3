/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The release transaction and the audit append: consume the challenge, chain the audit row,
 * read the share, all or nothing. The chain is per replica (pocd.conf replica): an advisory
 * lock on the replica's name orders this replica's appends, so two threads never fork it.
 * Both transactions are retried after a failover (retry(), below), and only then.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db_int.h"

static int exec0(struct poc_err *e, PGconn *c, const char *sql)
{
	PGresult *r = pocd_db_q(e, c, sql, 0, NULL, NULL, NULL, PGRES_COMMAND_OK);

	PQclear(r);
	return r == NULL ? -1 : 0;
}

/* Appends row after the replica's last (the caller's transaction holds the replica's lock). */
static int append(struct poc_err *e, PGconn *c, const char *replica, const struct pocd_audit_row *row, int64_t *seq)
{
	const char *v1[1] = { replica };
	PGresult *r = pocd_db_q(e, c, "SELECT seq, hash FROM pocd_audit WHERE replica = $1 ORDER BY seq DESC LIMIT 1", 1,
				v1, NULL, NULL, PGRES_TUPLES_OK);
	uint8_t prev[32] = { 0 }, h[32], *last = NULL;
	size_t last_len = 0;
	char seqs[24], ats[24];

	if (r == NULL)
		return -1;
	*seq = 1;
	if (PQntuples(r) == 1) {
		*seq = strtoll(PQgetvalue(r, 0, 0), NULL, 10) + 1;
		if (pocd_db_bytea(r, 0, 1, &last, &last_len) < 0 || last_len != 32) {
			free(last);
			PQclear(r);
			return poc_err_set(e, POC_ERR_MALFORMED, "audit: the last row's hash");
		}
		memcpy(prev, last, 32);
		free(last);
	}
	PQclear(r);
	if (pocd_audit_hash(prev, replica, *seq, row, h) < 0)
		return poc_err_set(e, POC_ERR_CRYPTO, "audit hash");
	snprintf(seqs, sizeof(seqs), "%lld", (long long)*seq);
	snprintf(ats, sizeof(ats), "%lld", (long long)row->at);
	{
		const char *v[11] = { replica, seqs, ats, row->key_id, row->client, row->decision, row->clause,
				      (const char *)row->evidence_digest, (const char *)row->ear, (const char *)prev,
				      (const char *)h };
		const int len[11] = { 0, 0, 0, 0, 0, 0, 0, row->evidence_digest ? 32 : 0, (int)row->ear_len, 32, 32 };
		const int fmt[11] = { 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1 };

		r = pocd_db_q(e, c,
			      "INSERT INTO pocd_audit (replica, seq, at, key_id, client, decision, clause, evidence_digest, "
			      "ear, prev, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
			      11, v, len, fmt, PGRES_COMMAND_OK);
	}
	PQclear(r);
	return r == NULL ? -1 : 0;
}

static int lock_replica(struct poc_err *e, PGconn *c, const char *replica)
{
	const char *v[1] = { replica };
	PGresult *r = pocd_db_q(e, c, "SELECT pg_advisory_xact_lock(hashtext('pocd-audit:' || $1))", 1, v, NULL, NULL,
				PGRES_TUPLES_OK);

	PQclear(r);
	return r == NULL ? -1 : 0;
}

/* INSERT ... ON CONFLICT DO NOTHING: 0 consumed now, 1 already consumed, -1 error. */
static int consume(struct poc_err *e, PGconn *c, const uint8_t *chal, int64_t exp)
{
	char exps[24];
	const char *v[2] = { (const char *)chal, exps };
	const int len[2] = { POC_CHAL_LEN, 0 }, fmt[2] = { 1, 0 };
	PGresult *r;
	int rv;

	snprintf(exps, sizeof(exps), "%lld", (long long)exp);
	r = pocd_db_q(e, c, "INSERT INTO pocd_consumed (id, exp) VALUES ($1, $2) ON CONFLICT DO NOTHING", 2, v, len, fmt,
		      PGRES_COMMAND_OK);
	if (r == NULL)
		return -1;
	rv = strcmp(PQcmdTuples(r), "1") == 0 ? 0 : 1;
	PQclear(r);
	return rv;
}

/* The share, and the key's last_seen set to this release's time (a dead client shows in owner list). */
static int read_share(struct poc_err *e, PGconn *c, const char *key_id, int64_t at, uint8_t **wrapped,
		      size_t *wrapped_len)
{
	char ats[24];
	const char *v[2] = { key_id, ats };
	PGresult *r;

	snprintf(ats, sizeof(ats), "%lld", (long long)at);
	r = pocd_db_q(e, c, "UPDATE pocd_enrolment SET last_seen = $2 WHERE key_id = $1 AND NOT revoked "
			    "RETURNING share_wrapped", 2, v, NULL, NULL, PGRES_TUPLES_OK);
	int rv = -1;

	if (r == NULL)
		return -1;
	if (PQntuples(r) != 1)
		poc_err_set(e, POC_ERR_REVOKED, "enrolment: %s was revoked or removed during the check", key_id);
	else if (pocd_db_bytea(r, 0, 0, wrapped, wrapped_len) < 0)
		poc_err_set(e, POC_ERR_NOMEM, "share");
	else
		rv = 0;
	PQclear(r);
	return rv;
}

/* One attempt; *committing set once COMMIT was sent (its outcome is then unknown on failure). */
static enum pocd_tx release_once(struct poc_err *e, PGconn *c, const char *replica, const uint8_t *chal,
				 int64_t chal_exp, const struct pocd_audit_row *row, uint8_t **wrapped,
				 size_t *wrapped_len, int64_t *seq, int *committing)
{
	enum pocd_tx rv = POCD_TX_ERROR;
	int used;

	if (exec0(e, c, "BEGIN") < 0)
		return POCD_TX_ERROR;
	if (lock_replica(e, c, replica) < 0 || (used = consume(e, c, chal, chal_exp)) < 0)
		goto rollback;
	if (used == 1) {
		rv = POCD_TX_REPLAY;
		goto rollback;
	}
	if (append(e, c, replica, row, seq) < 0 || read_share(e, c, row->key_id, row->at, wrapped, wrapped_len) < 0)
		goto rollback;
	*committing = 1;
	if (exec0(e, c, "COMMIT") < 0)
		goto rollback;
	return POCD_TX_DONE;
rollback:
	free(*wrapped);
	*wrapped = NULL;
	{
		struct poc_err ignored = { 0 };

		(void)exec0(&ignored, c, "ROLLBACK");
	}
	return rv;
}

/*
 * A transaction that failed because the primary went away or changed (pocd_db_failover), before
 * its COMMIT was sent, is retried on a fresh connection (libpq finds the new primary) up to
 * POCD_DB_TRIES times, 250 ms apart at first; nothing else is retried. A COMMIT whose
 * connection broke is never retried: it may have committed (the challenge is then consumed and
 * the client asks for a new one), so the caller answers 503 and never releases.
 */
static enum pocd_tx retry(struct poc_err *e, struct pocd_db *d, int (*once)(struct poc_err *, PGconn *, void *, int *),
			  void *arg)
{
	enum pocd_tx rv = POCD_TX_ERROR;

	for (int t = 0; t < POCD_DB_TRIES; t++) {
		PGconn *c;
		int failover = 0, committing = 0;

		if (t > 0) {
			struct timespec ts = { .tv_sec = 0, .tv_nsec = 250000000L * t };

			pocd_db_retried(d);
			poc_err_clear(e);
			nanosleep(&ts, NULL);
		}
		if ((c = pocd_db_get(e, d)) == NULL)
			continue; /* no primary reachable yet */
		rv = (enum pocd_tx)once(e, c, arg, &committing);
		if (rv == POCD_TX_ERROR) {
			failover = e->code == POC_ERR_UNREACHABLE;
			pocd_db_failed(d, failover);
		}
		pocd_db_put(d, c);
		if (rv != POCD_TX_ERROR || !failover || committing)
			break;
	}
	return rv;
}

struct release_args {
	const char *replica;
	const uint8_t *chal;
	int64_t chal_exp;
	const struct pocd_audit_row *row;
	uint8_t **wrapped;
	size_t *wrapped_len;
	int64_t *seq;
};

static int release_cb(struct poc_err *e, PGconn *c, void *arg, int *committing)
{
	struct release_args *a = arg;

	return (int)release_once(e, c, a->replica, a->chal, a->chal_exp, a->row, a->wrapped, a->wrapped_len, a->seq,
				 committing);
}

enum pocd_tx pocd_db_release(struct poc_err *e, struct pocd_db *d, const char *replica, const uint8_t *chal,
			     int64_t chal_exp, const struct pocd_audit_row *row, uint8_t **wrapped, size_t *wrapped_len,
			     int64_t *seq)
{
	struct release_args a = { replica, chal, chal_exp, row, wrapped, wrapped_len, seq };

	*wrapped = NULL;
	*wrapped_len = 0;
	return retry(e, d, release_cb, &a);
}

struct audit_args {
	const char *replica;
	const struct pocd_audit_row *row;
	int64_t *seq;
};

static int audit_cb(struct poc_err *e, PGconn *c, void *arg, int *committing)
{
	struct audit_args *a = arg;
	struct poc_err ignored = { 0 };

	if (exec0(e, c, "BEGIN") < 0)
		return -1;
	if (lock_replica(e, c, a->replica) < 0 || append(e, c, a->replica, a->row, a->seq) < 0)
		goto rollback;
	*committing = 1;
	if (exec0(e, c, "COMMIT") < 0)
		goto rollback;
	return 0;
rollback:
	(void)exec0(&ignored, c, "ROLLBACK");
	return -1;
}

int pocd_db_audit(struct poc_err *e, struct pocd_db *d, const char *replica, const struct pocd_audit_row *row,
		  int64_t *seq)
{
	struct audit_args a = { replica, row, seq };

	return retry(e, d, audit_cb, &a) == POCD_TX_DONE ? 0 : -1;
}
