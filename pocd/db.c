/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PostgreSQL through libpq: a small pool of connections (one per serving thread at most),
 * K_kid, enrolments and consumed ids. A connection that failed is dropped and reopened on
 * the next request, so a database restart heals; while it is down every call fails with
 * POC_ERR_UNREACHABLE, which pocd answers 503 (never a denial). database may be a multi-host
 * conninfo with target_session_attrs=read-write: libpq then connects to whichever host is the
 * primary, so after a failover the reopened connection finds the promoted standby.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "db_int.h"

int pocd_db_open(const char *conninfo, int size, struct pocd_db **out)
{
	struct pocd_db *d = calloc(1, sizeof(*d));

	*out = NULL;
	if (d == NULL || (d->conninfo = strdup(conninfo)) == NULL || size < 1 || size > POCD_POOL_MAX) {
		pocd_db_close(d);
		return -1;
	}
	d->size = size;
	if (pthread_mutex_init(&d->lock, NULL) != 0) {
		free(d->conninfo);
		free(d);
		return -1;
	}
	*out = d;
	return 0;
}

void pocd_db_close(struct pocd_db *d)
{
	if (d == NULL)
		return;
	for (int i = 0; i < d->nfree; i++)
		PQfinish(d->free[i]);
	if (d->conninfo != NULL)
		pthread_mutex_destroy(&d->lock);
	free(d->conninfo);
	free(d);
}

PGconn *pocd_db_get(struct poc_err *e, struct pocd_db *d)
{
	PGconn *c = NULL;

	pthread_mutex_lock(&d->lock);
	if (d->nfree > 0)
		c = d->free[--d->nfree];
	pthread_mutex_unlock(&d->lock);
	if (c != NULL && PQstatus(c) == CONNECTION_OK)
		return c;
	PQfinish(c);
	c = PQconnectdb(d->conninfo);
	if (PQstatus(c) != CONNECTION_OK) {
		poc_err_set(e, POC_ERR_UNREACHABLE, "database: %s", PQerrorMessage(c));
		PQfinish(c);
		pocd_db_failed(d, 1);
		return NULL;
	}
	return c;
}

void pocd_db_put(struct pocd_db *d, PGconn *c)
{
	if (c == NULL)
		return;
	if (PQstatus(c) != CONNECTION_OK || PQtransactionStatus(c) != PQTRANS_IDLE) {
		if (PQstatus(c) != CONNECTION_OK)
			pocd_db_failed(d, 1);
		PQfinish(c);
		return;
	}
	pthread_mutex_lock(&d->lock);
	if (d->nfree < d->size) {
		d->free[d->nfree++] = c;
		c = NULL;
	}
	pthread_mutex_unlock(&d->lock);
	PQfinish(c);
}

int pocd_db_failover(PGconn *c, const PGresult *r)
{
	const char *st = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;

	if (c == NULL || PQstatus(c) != CONNECTION_OK)
		return 1;
	if (st == NULL)
		return r == NULL; /* no result at all: the server went away mid-query */
	return strncmp(st, "08", 2) == 0 || strcmp(st, "57P01") == 0 || strcmp(st, "57P02") == 0 ||
	       strcmp(st, "57P03") == 0 || strcmp(st, "25006") == 0;
}

void pocd_db_failed(struct pocd_db *d, int failover)
{
	PGconn *old[POCD_POOL_MAX];
	int n = 0;

	pthread_mutex_lock(&d->lock);
	d->errors++;
	if (failover) {
		n = d->nfree;
		memcpy(old, d->free, (size_t)n * sizeof(old[0]));
		d->nfree = 0;
	}
	pthread_mutex_unlock(&d->lock);
	for (int i = 0; i < n; i++)
		PQfinish(old[i]);
}

void pocd_db_retried(struct pocd_db *d)
{
	pthread_mutex_lock(&d->lock);
	d->retries++;
	pthread_mutex_unlock(&d->lock);
}

void pocd_db_stats(struct pocd_db *d, unsigned long *errors, unsigned long *retries)
{
	pthread_mutex_lock(&d->lock);
	*errors = d->errors;
	*retries = d->retries;
	pthread_mutex_unlock(&d->lock);
}

PGresult *pocd_db_q(struct poc_err *e, PGconn *c, const char *sql, int n, const char *const *v, const int *len,
		    const int *fmt, ExecStatusType want)
{
	PGresult *r = PQexecParams(c, sql, n, NULL, v, len, fmt, 0);

	if (PQresultStatus(r) != want) {
		/* The primary gone or changed is an outage; anything else is the query's own failure. */
		poc_err_set(e, pocd_db_failover(c, r) ? POC_ERR_UNREACHABLE : POC_ERR_DEVICE, "database: %s",
			    PQerrorMessage(c));
		PQclear(r);
		return NULL;
	}
	return r;
}

int pocd_db_bytea(PGresult *r, int row, int col, uint8_t **out, size_t *len)
{
	size_t n = 0;
	unsigned char *u = PQunescapeBytea((const unsigned char *)PQgetvalue(r, row, col), &n);

	*out = NULL;
	*len = 0;
	if (u == NULL)
		return -1;
	*out = malloc(n ? n : 1);
	if (*out != NULL) {
		memcpy(*out, u, n);
		*len = n;
	}
	OPENSSL_cleanse(u, n);
	PQfreemem(u);
	return *out == NULL ? -1 : 0;
}

static void kid_aad(uint32_t kid, uint8_t aad[16])
{
	memcpy(aad, "pocd-kid-v1:", 12);
	aad[12] = (uint8_t)(kid >> 24);
	aad[13] = (uint8_t)(kid >> 16);
	aad[14] = (uint8_t)(kid >> 8);
	aad[15] = (uint8_t)kid;
}

int pocd_db_kids(struct poc_err *e, struct pocd_db *d, struct pocd_kek *kek, struct pocd_kids *out)
{
	PGconn *c = pocd_db_get(e, d);
	PGresult *r = NULL;
	int rv = -1;

	memset(out, 0, sizeof(*out));
	if (c == NULL || (r = pocd_db_q(e, c, "SELECT kid, wrapped FROM pocd_kid ORDER BY kid DESC LIMIT 16", 0, NULL,
					NULL, NULL, PGRES_TUPLES_OK)) == NULL)
		goto done;
	for (int i = 0; i < PQntuples(r); i++) {
		uint8_t aad[16], *w = NULL, *k = NULL;
		size_t wl = 0, kl = 0;
		uint32_t kid = (uint32_t)strtoul(PQgetvalue(r, i, 0), NULL, 10);

		kid_aad(kid, aad);
		if (pocd_db_bytea(r, i, 1, &w, &wl) < 0 || pocd_kek_unwrap(e, kek, aad, 16, w, wl, &k, &kl) < 0 || kl != 32) {
			free(w);
			pocd_secret_free(k, kl);
			poc_err_set(e, POC_ERR_DEVICE, "K_kid %u does not unwrap", kid);
			goto done;
		}
		out->k[out->n].kid = kid;
		memcpy(out->k[out->n++].key, k, 32);
		free(w);
		pocd_secret_free(k, kl);
	}
	if (out->n == 0)
		poc_err_set(e, POC_ERR_ARG, "no K_kid (run pocd init)");
	else
		rv = 0;
done:
	if (rv < 0)
		OPENSSL_cleanse(out, sizeof(*out));
	PQclear(r);
	pocd_db_put(d, c);
	return rv;
}

int pocd_db_kid_add(struct poc_err *e, struct pocd_db *d, struct pocd_kek *kek, uint32_t *kid)
{
	PGconn *c = pocd_db_get(e, d);
	PGresult *r = NULL;
	uint8_t key[32], aad[16], *w = NULL;
	size_t wl = 0;
	char kids[16];
	int rv = -1;

	if (c == NULL || (r = pocd_db_q(e, c, "SELECT coalesce(max(kid), 0) + 1 FROM pocd_kid", 0, NULL, NULL, NULL,
					PGRES_TUPLES_OK)) == NULL)
		goto done;
	*kid = (uint32_t)strtoul(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	kid_aad(*kid, aad);
	if (RAND_bytes(key, sizeof(key)) != 1 || pocd_kek_wrap(e, kek, aad, 16, key, 32, &w, &wl) < 0)
		goto done;
	snprintf(kids, sizeof(kids), "%u", *kid);
	{
		const char *v[2] = { kids, (const char *)w };
		const int len[2] = { 0, (int)wl }, fmt[2] = { 0, 1 };

		r = pocd_db_q(e, c, "INSERT INTO pocd_kid (kid, wrapped) VALUES ($1, $2)", 2, v, len, fmt, PGRES_COMMAND_OK);
	}
	rv = r == NULL ? -1 : 0;
done:
	OPENSSL_cleanse(key, sizeof(key));
	free(w);
	PQclear(r);
	pocd_db_put(d, c);
	return rv;
}

int pocd_db_consume(struct poc_err *e, struct pocd_db *d, const uint8_t *id, size_t id_len, int64_t exp)
{
	PGconn *c = pocd_db_get(e, d);
	PGresult *r = NULL;
	char exps[24];
	int rv = -1;

	snprintf(exps, sizeof(exps), "%lld", (long long)exp);
	if (c != NULL) {
		const char *v[2] = { (const char *)id, exps };
		const int len[2] = { (int)id_len, 0 }, fmt[2] = { 1, 0 };

		r = pocd_db_q(e, c, "INSERT INTO pocd_consumed (id, exp) VALUES ($1, $2) ON CONFLICT DO NOTHING", 2, v, len,
			      fmt, PGRES_COMMAND_OK);
		if (r != NULL)
			rv = strcmp(PQcmdTuples(r), "1") == 0 ? 0 : 1;
	}
	PQclear(r);
	pocd_db_put(d, c);
	return rv;
}

int pocd_db_prune(struct poc_err *e, struct pocd_db *d, int64_t now)
{
	PGconn *c = pocd_db_get(e, d);
	PGresult *r = NULL;
	char nows[24];

	snprintf(nows, sizeof(nows), "%lld", (long long)now);
	if (c != NULL) {
		const char *v[1] = { nows };

		r = pocd_db_q(e, c, "DELETE FROM pocd_consumed WHERE exp < $1", 1, v, NULL, NULL, PGRES_COMMAND_OK);
	}
	pocd_db_put(d, c);
	if (r == NULL)
		return -1;
	PQclear(r);
	return 0;
}

int pocd_db_writable(struct pocd_db *d)
{
	struct poc_err e = { 0 };
	PGconn *c = pocd_db_get(&e, d);
	PGresult *r = NULL;
	int ok = 0;

	if (c != NULL && (r = pocd_db_q(&e, c, "SELECT pg_is_in_recovery() OR current_setting('transaction_read_only')::bool",
					0, NULL, NULL, NULL, PGRES_TUPLES_OK)) != NULL)
		ok = PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), "f") == 0;
	PQclear(r);
	pocd_db_put(d, c);
	return ok;
}
