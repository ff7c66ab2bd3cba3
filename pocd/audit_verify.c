/* SPDX-License-Identifier: Apache-2.0 */
/* pocd audit verify: every replica's chain from its rows, then every checkpoint (see audit.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "db_int.h"
#include "digest.h"
#include "ecdsa_sig.h"
#include "hex.h"

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
			if (replica[0])
				printf("audit: replica %s: rows 1 to %lld\n", replica, (long long)want - 1);
			snprintf(replica, sizeof(replica), "%s", PQgetvalue(r, i, 0));
			memset(prev, 0, 32);
			want = 1;
		}
		*bad |= row_ok(r, i, replica, want, prev, prev);
		want = strtoll(PQgetvalue(r, i, 1), NULL, 10) + 1;
	}
	if (replica[0])
		printf("audit: replica %s: rows 1 to %lld\n", replica, (long long)want - 1);
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
		if (i + 1 == PQntuples(r) || strcmp(replica, PQgetvalue(r, i + 1, 0)) != 0)
			printf("audit: replica %s: the newest checkpoint signs row %lld (rows after it are unsigned; "
			       "a rollback past it shows only against an anchor, --expect)\n", replica, (long long)seq);
	}
	printf("audit: %d checkpoint(s) read\n", PQntuples(r));
	PQclear(r);
	return 0;
}

int pocd_audit_anchor_parse(const char *s, char *replica, size_t n, int64_t *seq, uint8_t h[32])
{
	const char *c2 = strrchr(s, ':'), *c1;
	char *end;
	long long v;
	size_t hn = 0;
	struct poc_err e = { 0 };

	if (c2 == NULL || c2 == s)
		return -1;
	for (c1 = c2 - 1; c1 > s && *c1 != ':'; c1--)
		;
	if (*c1 != ':' || c1 == s || (size_t)(c1 - s) >= n || strlen(c2 + 1) != 64 || c2 - c1 < 2)
		return -1;
	v = strtoll(c1 + 1, &end, 10);
	if (end != c2 || v < 1 || poc_hex_decode(&e, c2 + 1, 64, h, 32, &hn) < 0 || hn != 32)
		return -1;
	memcpy(replica, s, (size_t)(c1 - s));
	replica[c1 - s] = '\0';
	*seq = v;
	return 0;
}

/* Each anchor (REPLICA:SEQ:HASH, a checkpoint pocd logged) still in the chain. */
static int anchors(PGconn *c, char *const *expect, int n, int *bad)
{
	for (int i = 0; i < n; i++) {
		struct poc_err e = { 0 };
		char replica[128], seqs[24];
		int64_t seq;
		uint8_t want[32], *h = NULL;
		size_t hl = 0;
		const char *v[2] = { replica, seqs };
		PGresult *r;
		int ok;

		if (pocd_audit_anchor_parse(expect[i], replica, sizeof(replica), &seq, want) < 0)
			return -1;
		snprintf(seqs, sizeof(seqs), "%lld", (long long)seq);
		r = pocd_db_q(&e, c, "SELECT hash FROM pocd_audit WHERE replica = $1 AND seq = $2", 2, v, NULL, NULL,
			      PGRES_TUPLES_OK);
		if (r == NULL) {
			pocd_warn("%s", e.msg);
			return -1;
		}
		ok = PQntuples(r) == 1 && pocd_db_bytea(r, 0, 0, &h, &hl) == 0 && hl == 32 && CRYPTO_memcmp(h, want, 32) == 0;
		free(h);
		PQclear(r);
		if (!ok) {
			printf("audit: anchor %s:%lld: the chain no longer holds the row signed then (rolled back or "
			       "rewritten)\n", replica, (long long)seq);
			*bad = 1;
		}
	}
	return 0;
}

int pocd_audit_verify(struct pocd_db *d, EVP_PKEY *pub, char *const *expect, int nexpect)
{
	struct poc_err e = { 0 };
	PGconn *c = pocd_db_get(&e, d);
	int bad = 0, rv = -1;

	if (c == NULL) {
		pocd_warn("%s", e.msg);
		return -1;
	}
	if (chains(c, &bad) == 0 && checkpoints(c, pub, &bad) == 0 && anchors(c, expect, nexpect, &bad) == 0)
		rv = bad;
	pocd_db_put(d, c);
	if (rv == 0)
		printf("audit: intact\n");
	return rv;
}
