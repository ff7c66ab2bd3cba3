/* SPDX-License-Identifier: Apache-2.0 */
/*
 * POST /v1/owner: the owner's signed requests (remote/owner.h) applied. The signature is by
 * the pinned owner key, the request is at most POC_OWNER_MAX_AGE_S old, and its digest is
 * consumed once (a replayed request is 409). S_R is generated here unless the owner gives it,
 * and is stored only wrapped by the KEK.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cbor.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "cbor_util.h"
#include "identities.h"
#include "release_int.h"
#include "remote/owner.h"

/* The files as one CBOR map (stored with the enrolment). */
static int files_cbor(const struct poc_owner_req *o, uint8_t **out, size_t *len)
{
	cbor_item_t *m = cbor_new_definite_map(o->nfiles);
	size_t cap = 0;

	*len = 0;
	for (size_t i = 0; m != NULL && i < o->nfiles; i++)
		if (poc_cbor_put(m, o->files[i].path, poc_cbor_bstr(o->files[i].data, o->files[i].len)) < 0)
			break;
	if (m != NULL && cbor_map_size(m) == o->nfiles)
		*len = cbor_serialize_alloc(m, out, &cap);
	if (m != NULL)
		cbor_decref(&m);
	return *len == 0 ? -1 : 0;
}

static void enrol(struct pocd *p, struct poc_owner_req *o, struct pocd_response *r)
{
	struct poc_err e = { 0 };
	struct pocd_enrolment en = { .policy = o->policy };
	struct poc_policy *pol = NULL;
	uint8_t gen[32], *share = o->share, *wrapped = NULL, aad[64 + POC_KEY_ID_MAX];
	size_t share_len = o->share ? o->share_len : 32, wl = 0, al = 0;
	char clause[96], reason[256];

	if (pocd_identities_check(o->identities, NULL, clause, sizeof(clause), reason, sizeof(reason)) != 0) {
		pocd_text(r, 400, "%s: %s", clause, reason);
		return;
	}
	if (files_cbor(o, &en.files, &en.files_len) < 0) {
		pocd_text(r, 500, "files");
		return;
	}
	if (pocd_policy_load(&e, &en, &pol) < 0 || !poc_policy_is_proof_of_cloud(pol)) {
		pocd_text(r, 400, "policy: %s", e.code ? e.msg : "not a Proof of Cloud (no providers or platforms)");
		goto done;
	}
	if (share == NULL) {
		if (RAND_bytes(gen, sizeof(gen)) != 1) {
			pocd_text(r, 500, "random");
			goto done;
		}
		share = gen;
	}
	pocd_share_aad(o->key_id, aad, &al);
	pthread_mutex_lock(&p->kek_lock);
	if (pocd_kek_wrap(&e, p->kek, aad, al, share, share_len, &wrapped, &wl) < 0)
		wrapped = NULL;
	pthread_mutex_unlock(&p->kek_lock);
	if (wrapped == NULL)
		pocd_text(r, 503, "key-encryption key: %s", e.msg);
	else if (pocd_db_enrol(&e, p->db, o->key_id, o->policy, o->identities, en.files, en.files_len, wrapped, wl) < 0)
		pocd_text(r, 503, "%s", e.msg);
	else
		pocd_text(r, 200, "enrolled %s", o->key_id);
done:
	OPENSSL_cleanse(gen, sizeof(gen));
	poc_policy_free(pol);
	free(en.files);
	free(wrapped);
}

static void apply(struct pocd *p, struct poc_owner_req *o, struct pocd_response *r)
{
	struct poc_err e = { 0 };
	char *list = NULL;
	uint32_t kid;
	int rc;

	switch (o->op) {
	case POC_OWNER_ENROL: enrol(p, o, r); break;
	case POC_OWNER_REVOKE:
		rc = pocd_db_revoke(&e, p->db, o->key_id);
		if (rc < 0)
			pocd_text(r, 503, "%s", e.msg);
		else
			pocd_text(r, rc == 0 ? 200 : 404, "%s %s", rc == 0 ? "revoked" : "no key", o->key_id);
		break;
	case POC_OWNER_LIST:
		if (pocd_db_list(&e, p->db, &list) < 0) {
			pocd_text(r, 503, "%s", e.msg);
			break;
		}
		free(r->body);
		r->status = 200;
		r->type = "text/plain";
		r->body = (uint8_t *)list;
		r->len = strlen(list);
		break;
	case POC_OWNER_ROTATE_KID: {
		struct pocd_kids k;

		pthread_mutex_lock(&p->kek_lock);
		rc = pocd_db_kid_add(&e, p->db, p->kek, &kid) < 0 || pocd_db_kids(&e, p->db, p->kek, &k) < 0 ? -1 : 0;
		pthread_mutex_unlock(&p->kek_lock);
		if (rc < 0) {
			pocd_text(r, 503, "%s", e.msg);
			break;
		}
		pthread_rwlock_wrlock(&p->kids_lock);
		p->kids = k;
		pthread_rwlock_unlock(&p->kids_lock);
		OPENSSL_cleanse(&k, sizeof(k));
		pocd_text(r, 200, "K_kid %u is current (other replicas load it within a minute)", kid);
		break;
	}
	}
}

void pocd_owner(struct pocd *p, const uint8_t *body, size_t len, const char *client, struct pocd_response *r)
{
	struct poc_err e = { 0 };
	struct poc_owner_req o;
	int64_t now = pocd_now();
	int rc;

	(void)client;
	if (poc_owner_req_open(&e, body, len, p->owner, &o) < 0) {
		pocd_text(r, e.code == POC_ERR_SIGNATURE || e.code == POC_ERR_ARG ? 401 : 400, "%s", e.msg);
		return;
	}
	if (o.iat > now + POC_CHAL_SKEW_S || o.iat + POC_OWNER_MAX_AGE_S < now) {
		pocd_text(r, 401, "owner request: issued at %lld, now %lld (at most %d s old)", (long long)o.iat,
			  (long long)now, POC_OWNER_MAX_AGE_S);
	} else if ((rc = pocd_db_consume(&e, p->db, o.digest, 32, o.iat + POC_OWNER_MAX_AGE_S + POC_CHAL_SKEW_S)) != 0) {
		pocd_text(r, rc == 1 ? 409 : 503, "%s", rc == 1 ? "owner request: a replay" : e.msg);
	} else {
		apply(p, &o, r);
	}
	poc_owner_req_free(&o);
}
