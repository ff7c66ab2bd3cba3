/* SPDX-License-Identifier: Apache-2.0 */
/* pocd audit verify: every replica's chain from its rows, then every checkpoint (see audit.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "db_int.h"
#include "digest.h"
#include "ecdsa_sig.h"

/* One row (columns as SELECTed below) checked against prev and the expected seq; its hash into h. */
static int row_ok(PGresult *r, int i, const char *replica, int64_t want_seq, const uint8_t prev[32], uint8_t h[32])
{
	uint8_t *p = NULL, *hh = NULL, *evd = NULL, *ear = NULL, calc[32];
	size_t pl = 0, hl = 0, el = 0, earl = 0;
	int64_t seq = strtoll(PQgetvalue(r, i, 1), NULL, 10);
	struct pocd_audit_row row = { .at = strtoll(PQgetvalue(r, i, 2), NULL, 10), .key_id = PQgetvalue(r, i, 3),
				      .client = PQgetvalue(r, i, 4), .decision = PQgetvalue(r, i, 5),
				      .clause = PQgetisnull(r, i, 6) ? NULL : PQgetvalue(r, i, 6) };
	int bad = 0;

	if (seq != want_seq) {
		printf("audit: replica %s: row %lld follows row %lld: %lld row(s) deleted or moved\n", replica,
		       (long long)seq, (long long)want_seq - 1, (long long)(seq - want_seq));
		bad = 1;
	}
	if (pocd_db_bytea(r, i, 8, &p, &pl) < 0 || pocd_db_bytea(r, i, 9, &hh, &hl) < 0 ||
	    pocd_db_bytea(r, i, 7, &ear, &earl) < 0 ||
	    (!PQgetisnull(r, i, 10) && pocd_db_bytea(r, i, 10, &evd, &el) < 0) || pl != 32 || hl != 32 ||
	    (evd != NULL && el != 32)) {
		printf("audit: replica %s: row %lld: unreadable\n", replica, (long long)seq);
		bad = 1;
		goto done;
	}
	row.ear = ear;
	row.ear_len = earl;
	row.evidence_digest = evd;
	if (CRYPTO_memcmp(p, prev, 32) != 0) {
		printf("audit: replica %s: row %lld: its prev is not row %lld's hash (a row before it was deleted, "
		       "reordered or edited)\n", replica, (long long)seq, (long long)want_seq - 1);
		bad = 1;
	}
	if (pocd_audit_hash(p, replica, seq, &row, calc) < 0 || CRYPTO_memcmp(calc, hh, 32) != 0) {
		printf("audit: replica %s: row %lld: its hash does not match its fields (edited)\n", replica, (long long)seq);
		bad = 1;
	}
	memcpy(h, hh, 32);
done:
	free(p);
	free(hh);
	free(evd);
	free(ear);
	return bad;
}

static int chains(PGconn *c, int *bad)
{
	struct poc_err e = { 0 };
	PGresult *r = pocd_db_q(&e, c,
				"SELECT replica, seq, at, key_id, client, decision, clause, ear, prev, hash, evidence_digest "
				"FROM pocd_audit ORDER BY replica, seq",
				0, NULL, NULL, NULL, PGRES_TUPLES_OK);
	uint8_t prev[32] = { 0 };
	char replica[128] = "";
	int64_t want = 1;

	if (r == NULL) {
		pocd_warn("%s", e.msg);
		return -1;
	}
	for (int i = 0; i < PQntuples(r); i++) {
		if (strcmp(replica, PQgetvalue(r, i, 0)) != 0) {
			snprintf(replica, sizeof(replica), "%s", PQgetvalue(r, i, 0));
			memset(prev, 0, 32);
			want = 1;
		}
		*bad |= row_ok(r, i, replica, want, prev, prev);
		want = strtoll(PQgetvalue(r, i, 1), NULL, 10) + 1;
	}
	printf("audit: %d row(s) read\n", PQntuples(r));
	PQclear(r);
	return 0;
}

static int checkpoints(PGconn *c, EVP_PKEY *pub, int *bad)
{
	struct poc_err e = { 0 };
	PGresult *r = pocd_db_q(&e, c,
				"SELECT k.replica, k.seq, k.hash, k.sig, a.hash FROM pocd_audit_checkpoint k LEFT JOIN pocd_audit a "
				"ON a.replica = k.replica AND a.seq = k.seq ORDER BY k.replica, k.seq",
				0, NULL, NULL, NULL, PGRES_TUPLES_OK);

	if (r == NULL) {
		pocd_warn("%s", e.msg);
		return -1;
	}
	for (int i = 0; i < PQntuples(r); i++) {
		const char *replica = PQgetvalue(r, i, 0);
		int64_t seq = strtoll(PQgetvalue(r, i, 1), NULL, 10);
		uint8_t *kh = NULL, *sig = NULL, *ah = NULL, tbs[200];
		size_t khl = 0, sl = 0, ahl = 0, tl = 0;

		if (pocd_db_bytea(r, i, 2, &kh, &khl) < 0 || pocd_db_bytea(r, i, 3, &sig, &sl) < 0 || khl != 32 || sl != 64) {
			printf("audit: checkpoint %s/%lld: unreadable\n", replica, (long long)seq);
			*bad = 1;
		} else {
			pocd_audit_checkpoint_tbs(replica, seq, kh, tbs, &tl);
			if (poc_ecdsa_verify_raw(pub, EVP_sha256(), sig, 64, tbs, tl) != 1) {
				printf("audit: checkpoint %s/%lld: not signed by pocd's key\n", replica, (long long)seq);
				*bad = 1;
			} else if (PQgetisnull(r, i, 4) || pocd_db_bytea(r, i, 4, &ah, &ahl) < 0 || ahl != 32 ||
				   CRYPTO_memcmp(ah, kh, 32) != 0) {
				printf("audit: checkpoint %s/%lld: the chain no longer ends in the signed hash (rows "
				       "deleted or rewritten)\n", replica, (long long)seq);
				*bad = 1;
			}
		}
		free(kh);
		free(sig);
		free(ah);
	}
	printf("audit: %d checkpoint(s) read\n", PQntuples(r));
	PQclear(r);
	return 0;
}

int pocd_audit_verify(struct pocd_db *d, EVP_PKEY *pub)
{
	struct poc_err e = { 0 };
	PGconn *c = pocd_db_get(&e, d);
	int bad = 0, rv = -1;

	if (c == NULL) {
		pocd_warn("%s", e.msg);
		return -1;
	}
	if (chains(c, &bad) == 0 && checkpoints(c, pub, &bad) == 0)
		rv = bad;
	pocd_db_put(d, c);
	if (rv == 0)
		printf("audit: intact\n");
	return rv;
}
