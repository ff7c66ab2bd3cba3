/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The audit chain (docs/pocd.md "Audit"): per replica, row n's hash is
 * SHA-256("pocd-audit-v1" || prev || each field length-prefixed), prev = row n-1's hash
 * (32 zero bytes for row 1); a checkpoint signs (replica, seq, hash) with pocd's key.
 * pocd audit verify recomputes every chain from the rows alone: a deleted row leaves a gap
 * in seq or breaks the next row's prev, a reordered or edited row changes its hash, and a
 * checkpoint whose signature or hash no longer matches names a rewritten chain.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "db_int.h"
#include "digest.h"
#include "ecdsa_sig.h"
#include "hex.h"

#define AUDIT_LABEL "pocd-audit-v1"
#define CHECKPOINT_LABEL "pocd-audit-checkpoint-v1"

static void be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

int pocd_audit_hash(const uint8_t prev[32], const char *replica, int64_t seq, const struct pocd_audit_row *row,
		    uint8_t h[32])
{
	const char *txt[5] = { replica, row->key_id, row->client, row->decision, row->clause ? row->clause : "" };
	uint8_t lens[8][8], nums[2][8], ear_h[32];
	struct poc_piece pc[2 + 2 + 2 * 5 + 4];
	size_t n = 0, k = 0;

	if (poc_sha256(row->ear, row->ear_len, ear_h) < 0)
		return -1;
	pc[n++] = (struct poc_piece){ AUDIT_LABEL, sizeof(AUDIT_LABEL) - 1 };
	pc[n++] = (struct poc_piece){ prev, 32 };
	be64(nums[0], (uint64_t)seq);
	be64(nums[1], (uint64_t)row->at);
	pc[n++] = (struct poc_piece){ nums[0], 8 };
	pc[n++] = (struct poc_piece){ nums[1], 8 };
	for (int i = 0; i < 5; i++, k++) {
		be64(lens[k], strlen(txt[i]) + (i == 4 && row->clause != NULL)); /* an empty clause differs from none */
		pc[n++] = (struct poc_piece){ lens[k], 8 };
		pc[n++] = (struct poc_piece){ txt[i], strlen(txt[i]) };
	}
	be64(lens[k], row->evidence_digest ? 32 : 0);
	pc[n++] = (struct poc_piece){ lens[k], 8 };
	pc[n++] = (struct poc_piece){ row->evidence_digest, row->evidence_digest ? 32 : 0 };
	pc[n++] = (struct poc_piece){ ear_h, 32 };
	return poc_digest(EVP_sha256(), pc, n, h, NULL);
}

void pocd_audit_checkpoint_tbs(const char *replica, int64_t seq, const uint8_t h[32], uint8_t tbs[static 200],
				size_t *len)
{
	size_t rl = strlen(replica) > 63 ? 63 : strlen(replica), n = 0;

	memcpy(tbs, CHECKPOINT_LABEL, sizeof(CHECKPOINT_LABEL) - 1);
	n += sizeof(CHECKPOINT_LABEL) - 1;
	tbs[n++] = (uint8_t)rl;
	memcpy(tbs + n, replica, rl);
	n += rl;
	be64(tbs + n, (uint64_t)seq);
	n += 8;
	memcpy(tbs + n, h, 32);
	*len = n + 32;
}

int pocd_audit_checkpoint(struct poc_err *e, struct pocd_db *d, EVP_PKEY *key, const char *replica)
{
	PGconn *c = pocd_db_get(e, d);
	PGresult *r = NULL;
	const char *v1[1] = { replica };
	uint8_t *h = NULL, tbs[200], sig[64];
	size_t hl = 0, tl = 0;
	int rv = -1;

	if (c == NULL || (r = pocd_db_q(e, c, "SELECT seq, hash FROM pocd_audit WHERE replica = $1 ORDER BY seq DESC LIMIT 1",
					1, v1, NULL, NULL, PGRES_TUPLES_OK)) == NULL)
		goto done;
	if (PQntuples(r) == 0) {
		rv = 0; /* nothing to sign yet */
		goto done;
	}
	if (pocd_db_bytea(r, 0, 1, &h, &hl) < 0 || hl != 32) {
		poc_err_set(e, POC_ERR_MALFORMED, "audit: the last hash");
		goto done;
	}
	{
		char seqs[24], ats[24];
		int64_t seq = strtoll(PQgetvalue(r, 0, 0), NULL, 10);

		pocd_audit_checkpoint_tbs(replica, seq, h, tbs, &tl);
		if (poc_ecdsa_sign_raw(key, EVP_sha256(), tbs, tl, sig, 32) < 0) {
			poc_err_ssl(e, POC_ERR_CRYPTO, "checkpoint signature");
			goto done;
		}
		snprintf(seqs, sizeof(seqs), "%lld", (long long)seq);
		snprintf(ats, sizeof(ats), "%lld", (long long)pocd_now());
		PQclear(r);
		{
			const char *v[5] = { replica, seqs, (const char *)h, ats, (const char *)sig };
			const int len[5] = { 0, 0, 32, 0, 64 }, fmt[5] = { 0, 0, 1, 0, 1 };

			r = pocd_db_q(e, c,
				      "INSERT INTO pocd_audit_checkpoint (replica, seq, hash, at, sig) VALUES ($1, $2, $3, $4, $5) "
				      "ON CONFLICT DO NOTHING",
				      5, v, len, fmt, PGRES_COMMAND_OK);
		}
		if (r != NULL) {
			/* The anchor outside the database: a rollback (rows and their checkpoints deleted
			 * together) leaves a consistent chain that only this line contradicts. */
			char hex[65];

			poc_hex_encode(h, 32, hex);
			pocd_warn("audit checkpoint signed: %s:%s:%s (keep it for pocd audit verify --expect)", replica,
				  seqs, hex);
		}
	}
	rv = r == NULL ? -1 : 0;
done:
	free(h);
	PQclear(r);
	pocd_db_put(d, c);
	return rv;
}
