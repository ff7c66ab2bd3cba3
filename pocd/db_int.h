/* SPDX-License-Identifier: Apache-2.0 */
/* pocd's database internals, shared by db*.c and audit.c. */
#ifndef POCD_DB_INT_H
#define POCD_DB_INT_H

#include <pthread.h>

#include <libpq-fe.h>

#include "pocd.h"

#define POCD_POOL_MAX 64

struct pocd_db {
	char *conninfo;
	pthread_mutex_t lock;
	int size, nfree;
	PGconn *free[POCD_POOL_MAX];
};

/* A connection from the pool, or a new one; NULL with POC_ERR_UNREACHABLE when the database is down. */
PGconn *pocd_db_get(struct poc_err *e, struct pocd_db *d);
/* Back to the pool (a broken connection or one inside a transaction is closed). NULL-safe. */
void pocd_db_put(struct pocd_db *d, PGconn *c);
/* PQexecParams (text results) that must end in want; NULL with e set otherwise. */
PGresult *pocd_db_q(struct poc_err *e, PGconn *c, const char *sql, int n, const char *const *v, const int *len,
		    const int *fmt, ExecStatusType want);
/* A bytea column (text form) into a malloc'd copy. 0 or -1. */
int pocd_db_bytea(PGresult *r, int row, int col, uint8_t **out, size_t *len);

/* What a checkpoint signs: label || len(replica) || replica (63 bytes at most) || seq || hash. */
void pocd_audit_checkpoint_tbs(const char *replica, int64_t seq, const uint8_t h[32], uint8_t tbs[static 200],
				size_t *len);

#endif
