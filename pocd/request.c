/* SPDX-License-Identifier: Apache-2.0 */
/* POST /v1/challenge, and what /v1/release checks before the appraisal (see release_int.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cbor.h>
#include <openssl/crypto.h>

#include "cbor_util.h"
#include "digest.h"
#include "hex.h"
#include "release_int.h"

void pocd_challenge(struct pocd *p, const uint8_t *body, size_t len, const char *client, struct pocd_response *r)
{
	struct poc_err e = { 0 };
	struct poc_chal_req cr;
	uint8_t chal[POC_CHAL_LEN];
	int64_t now = pocd_now();
	int rc;

	(void)client;
	if (poc_chal_req_decode(&e, body, len, &cr) < 0) {
		pocd_text(r, 400, "%s", e.msg);
		return;
	}
	/* No database write for an unauthenticated request: K_kid alone makes and later checks it. */
	pthread_rwlock_rdlock(&p->kids_lock);
	rc = poc_chal_mint(&e, p->kids.k[0].key, 32, p->kids.k[0].kid, now, p->conf.chal_ttl_s, NULL,
			   (const uint8_t *)cr.key_id, cr.key_id_len, chal);
	pthread_rwlock_unlock(&p->kids_lock);
	free(r->body);
	r->body = NULL;
	if (rc < 0 || poc_chal_resp_encode(&e, chal, now + p->conf.chal_ttl_s, &r->body, &r->len) < 0) {
		pocd_text(r, 500, "%s", e.msg);
		return;
	}
	r->status = 200;
	r->type = "application/cbor";
}

int pocd_chal_check(struct pocd *p, const uint8_t *chal, const char *key_id, size_t key_id_len, int64_t now,
		    struct poc_chal *c, struct poc_err *e)
{
	int rc = -1;

	if (poc_chal_parse(e, chal, POC_CHAL_LEN, c) < 0)
		return -1;
	pthread_rwlock_rdlock(&p->kids_lock);
	for (size_t i = 0; i < p->kids.n; i++)
		if (p->kids.k[i].kid == c->kid) {
			rc = poc_chal_check(e, chal, POC_CHAL_LEN, p->kids.k[i].key, 32, (const uint8_t *)key_id, key_id_len,
					    now, c);
			break;
		}
	pthread_rwlock_unlock(&p->kids_lock);
	if (rc < 0 && e->code == POC_OK)
		poc_err_set(e, POC_ERR_SIGNATURE, "challenge: kid %u is not ours (rotated out?)", c->kid);
	return rc;
}

int pocd_rq_open(struct pocd *p, struct pocd_rq *q, const uint8_t *body, size_t len, struct pocd_response *r)
{
	struct poc_err e = { 0 };

	if (poc_release_req_decode(&e, body, len, &q->rq) < 0) {
		pocd_text(r, 400, "%s", e.msg);
		return -1;
	}
	if (poc_sha256(body, len, q->reqd) < 0 || poc_sha256(q->rq.evidence, q->rq.evidence_len, q->evd) < 0 ||
	    poc_remote_binding(q->rq.chal, q->rq.pkR, (const uint8_t *)q->rq.key_id, q->rq.key_id_len, q->B) < 0) {
		pocd_text(r, 500, "digests");
		return -1;
	}
	if (pocd_chal_check(p, q->rq.chal, q->rq.key_id, q->rq.key_id_len, q->now, &q->ch, &e) < 0) {
		/* A MAC failure is unauthenticated: answered (signed) but not audited, nothing written. */
		int expired = e.code == POC_ERR_EXPIRED;

		pocd_deny_at(p, q, 401, expired ? "$.challenge.exp" : "$.challenge.mac", e.code, e.msg, expired, r);
		return -1;
	}
	if (!pocd_rate_take(p->rate_key, q->rq.key_id, q->now)) {
		pocd_text(r, 429, "too many releases for %s this minute", q->rq.key_id);
		return -1;
	}
	return 0;
}

struct files {
	cbor_item_t *m;
};

static int load_file(void *ctx, struct poc_err *e, const char *path, uint8_t **buf, size_t *len)
{
	struct files *f = ctx;
	struct cbor_pair *pr = cbor_map_handle(f->m);

	for (size_t i = 0; i < cbor_map_size(f->m); i++)
		if (poc_cbor_text_is(pr[i].key, path) && poc_cbor_is_bstr(pr[i].value)) {
			*len = cbor_bytestring_length(pr[i].value);
			if ((*buf = malloc(*len ? *len : 1)) == NULL)
				return poc_err_set(e, POC_ERR_NOMEM, "policy file");
			memcpy(*buf, cbor_bytestring_handle(pr[i].value), *len);
			return 0;
		}
	return poc_err_set(e, POC_ERR_ARG, "the enrolment carries no file %s", path);
}

int pocd_policy_load(struct poc_err *e, const struct pocd_enrolment *en, struct poc_policy **out)
{
	struct files f = { poc_cbor_load(e, en->files, en->files_len, "enrolment files") };
	int rv;

	if (f.m == NULL)
		return -1;
	if (!cbor_isa_map(f.m)) {
		cbor_decref(&f.m);
		return poc_err_set(e, POC_ERR_MALFORMED, "enrolment files: not a map");
	}
	rv = poc_policy_parse(e, en->policy, strlen(en->policy), load_file, &f, out);
	cbor_decref(&f.m);
	return rv;
}

void pocd_policy_id(const char *policy, char out[7 + 65])
{
	uint8_t h[32];

	memcpy(out, "sha256:", 7);
	if (poc_sha256(policy, strlen(policy), h) < 0)
		out[0] = '\0';
	else
		poc_hex_encode(h, 32, out + 7);
}

void pocd_share_aad(const char *key_id, uint8_t *aad, size_t *len)
{
	size_t n = strlen(key_id);

	memcpy(aad, "pocd-share-v1:", 14);
	memcpy(aad + 14, key_id, n);
	*len = 14 + n;
}

void pocd_checkpoint_maybe(struct pocd *p, int64_t seq)
{
	struct poc_err e = { 0 };

	if (seq > 0 && seq % p->conf.checkpoint_every == 0 &&
	    pocd_audit_checkpoint(&e, p->db, p->key, p->conf.replica) < 0)
		pocd_warn("audit checkpoint: %s", e.msg);
}
