/* SPDX-License-Identifier: Apache-2.0 */
/* pocd's database internals, shared by db*.c and audit.c. */
#ifndef POCD_DB_INT_H
#define POCD_DB_INT_H

#include <pthread.h>

#include <libpq-fe.h>

#include "pocd.h"

#define POCD_POOL_MAX 64
#define POCD_DB_TRIES 4 /* a failed-over transaction: 3 retries, 0.25 + 0.5 + 0.75 s apart */

struct pocd_db {
	char *conninfo;
	pthread_mutex_t lock;
	int size, nfree;
	PGconn *free[POCD_POOL_MAX];
	unsigned long errors, retries; /* under lock: for /metrics */
};

/* A connection from the pool, or a new one; NULL with POC_ERR_UNREACHABLE when the database is down. */
PGconn *pocd_db_get(struct poc_err *e, struct pocd_db *d);
/* Back to the pool (a broken connection or one inside a transaction is closed). NULL-safe. */
void pocd_db_put(struct pocd_db *d, PGconn *c);
/* PQexecParams (text results) that must end in want; NULL with e set otherwise. */
PGresult *pocd_db_q(struct poc_err *e, PGconn *c, const char *sql, int n, const char *const *v, const int *len,
		    const int *fmt, ExecStatusType want);
/*
 * 1 when the last failure on c means the primary went away or changed (docs/pocd-cluster.md
 * "Retries"): the connection is broken, or SQLSTATE class 08 (connection exception), 57P01
 * admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now, 25006 read_only_sql_transaction
 * (a demoted primary). Anything else (40001, 40P01, constraint violations) is 0.
 */
int pocd_db_failover(PGconn *c, const PGresult *r);
/* Counts a failed query; a failover also closes every pooled connection (all to the old primary). */
void pocd_db_failed(struct pocd_db *d, int failover);
void pocd_db_retried(struct pocd_db *d);
/* A bytea column (text form) into a malloc'd copy. 0 or -1. */
int pocd_db_bytea(PGresult *r, int row, int col, uint8_t **out, size_t *len);

/* What a checkpoint signs: label || len(replica) || replica (63 bytes at most) || seq || hash. */
void pocd_audit_checkpoint_tbs(const char *replica, int64_t seq, const uint8_t h[32], uint8_t tbs[static 200],
				size_t *len);

#endif
