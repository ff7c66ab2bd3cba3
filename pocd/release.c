/* SPDX-License-Identifier: Apache-2.0 */
/*
 * POST /v1/release (docs/pocd.md "Protocol"): the challenge's MAC and expiry, the key's
 * enrolment, the appraisal of the bundle under the enrolled policy (verify/, unchanged), the
 * allowed identities, then one transaction (consume, audit, share) and the signed answer.
 * Every denial is a signed answer naming its clause and carrying no share; a database or
 * token outage is 503 and never a denial.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "bundle.h"
#include "digest.h"
#include "hex.h"
#include "identities.h"
#include "policy.h"
#include "record.h"
#include "release_int.h"
#include "remote/answer.h"

/* A denial appraisal that never reached the verifier (challenge, enrolment, bundle). */
static void synthetic(struct poc_appraisal *a, const char *clause, enum poc_verr code, const char *reason)
{
	memset(a, 0, sizeof(*a));
	a->code = code;
	snprintf(a->clause, sizeof(a->clause), "%s", clause);
	snprintf(a->reason, sizeof(a->reason), "%s", reason);
	a->tee = a->vtpm = POC_EAR_NONE;
	a->poc = POC_EAR_CONTRAINDICATED;
}

int pocd_ear(struct pocd *p, struct pocd_rq *q, const struct poc_appraisal *a, uint8_t **ear, size_t *ear_len)
{
	struct poc_err e = { 0 };
	struct poc_appraise_opts o = { .nonce = q->B, .nonce_len = sizeof(q->B), .at = q->now };
	struct poc_record_bind b = { .bundle_hash = q->evd, .policy_id = q->policy_id[0] ? q->policy_id : NULL,
				     .verification = "remote" };

	if (poc_record_sign(&e, a, &o, &b, q->now, p->conf.chal_ttl_s, p->key, ear, ear_len) < 0) {
		pocd_warn("EAR: %s", e.msg);
		return -1;
	}
	return 0;
}

/* The signed answer into r (status for the HTTP response). */
static void answer(struct pocd *p, struct pocd_rq *q, unsigned status, const char *clause, const uint8_t *ear,
		   size_t ear_len, const uint8_t *share, size_t share_len, struct pocd_response *r)
{
	struct poc_err e = { 0 };
	struct poc_answer_in in = { .decision = share ? POC_DECISION_RELEASE : POC_DECISION_DENY, .chal = q->rq.chal,
				    .ear = ear, .ear_len = ear_len, .evidence_digest = q->evd, .request_digest = q->reqd,
				    .pkR = q->rq.pkR, .share = share, .share_len = share_len, .clause = clause };

	free(r->body);
	r->body = NULL;
	if (poc_answer_sign(&e, &in, p->key, &r->body, &r->len) < 0) {
		pocd_text(r, 500, "answer: %s", e.msg);
		return;
	}
	r->status = status;
	r->type = "application/cbor";
	pocd_metrics_decision(p->metrics, share ? NULL : clause);
}

void pocd_deny(struct pocd *p, struct pocd_rq *q, unsigned status, const struct poc_appraisal *a, int audit,
	       struct pocd_response *r)
{
	struct poc_err e = { 0 };
	struct pocd_audit_row row = { .at = q->now, .key_id = q->rq.key_id, .client = q->client, .decision = "deny",
				      .clause = a->clause, .evidence_digest = q->evd };
	uint8_t *ear = NULL;
	size_t ear_len = 0;
	int64_t seq;

	if (pocd_ear(p, q, a, &ear, &ear_len) < 0) {
		pocd_text(r, 500, "EAR");
		return;
	}
	row.ear = ear;
	row.ear_len = ear_len;
	if (audit && pocd_db_audit(&e, p->db, p->conf.replica, &row, &seq) < 0) {
		pocd_text(r, 503, "database: %s", e.msg); /* fail closed: an outage never reads as a denial */
	} else {
		pocd_checkpoint_maybe(p, audit ? seq : 0);
		answer(p, q, status, a->clause, ear, ear_len, NULL, 0, r);
	}
	free(ear);
}

void pocd_deny_at(struct pocd *p, struct pocd_rq *q, unsigned status, const char *clause, enum poc_verr code,
		  const char *reason, int audit, struct pocd_response *r)
{
	struct poc_appraisal a;

	synthetic(&a, clause, code, reason);
	pocd_deny(p, q, status, &a, audit, r);
}

/* The release itself: the transaction, the share unwrapped by the KEK, the answer. */
static void release(struct pocd *p, struct pocd_rq *q, const struct poc_appraisal *a, struct pocd_response *r)
{
	struct poc_err e = { 0 };
	struct pocd_audit_row row = { .at = q->now, .key_id = q->rq.key_id, .client = q->client, .decision = "release",
				      .evidence_digest = q->evd };
	uint8_t *ear = NULL, *wrapped = NULL, *share = NULL, aad[64 + POC_KEY_ID_MAX];
	size_t ear_len = 0, wl = 0, sl = 0;
	int64_t seq = 0;
	enum pocd_tx tx;

	if (pocd_ear(p, q, a, &ear, &ear_len) < 0) {
		pocd_text(r, 500, "EAR");
		return;
	}
	row.ear = ear;
	row.ear_len = ear_len;
	tx = pocd_db_release(&e, p->db, p->conf.replica, q->rq.chal, q->ch.exp, &row, &wrapped, &wl, &seq);
	if (tx == POCD_TX_REPLAY) {
		pocd_deny_at(p, q, 409, "$.challenge.replay", POC_ERR_NONCE, "this challenge was already used", 1, r);
	} else if (tx != POCD_TX_DONE) {
		pocd_text(r, e.code == POC_ERR_REVOKED ? 403 : 503, "release: %s", e.msg);
	} else {
		pocd_checkpoint_maybe(p, seq);
		pocd_share_aad(q->rq.key_id, aad, &sl);
		pthread_mutex_lock(&p->kek_lock);
		if (pocd_kek_unwrap(&e, p->kek, aad, sl, wrapped, wl, &share, &sl) < 0)
			share = NULL;
		pthread_mutex_unlock(&p->kek_lock);
		if (share == NULL)
			pocd_text(r, 503, "key-encryption key: %s", e.msg);
		else
			answer(p, q, 200, NULL, ear, ear_len, share, sl, r);
		pocd_secret_free(share, sl);
	}
	free(wrapped);
	free(ear);
}

/* Appraises q's bundle under the enrolment; a denial is answered here. 0 accepted. */
static int appraise(struct pocd *p, struct pocd_rq *q, const struct pocd_enrolment *en, struct poc_appraisal *a,
		    struct pocd_response *r)
{
	struct poc_policy *pol = NULL;
	struct poc_bundle b;
	struct poc_appraise_opts o = { .nonce = q->B, .nonce_len = sizeof(q->B), .at = q->now,
				       .credential_key = p->credential_key, .has_nonce_time = 1,
				       .nonce_time_ms = q->ch.iat * 1000, .at_ms = pocd_now_ms() };
	struct poc_err e = { 0 };
	int rc, own;

	memset(&b, 0, sizeof(b));
	if ((own = pocd_policy_get(&e, en, &pol)) < 0) {
		pocd_text(r, 500, "the enrolled policy: %s", e.msg);
		return -1;
	}
	pocd_policy_id(en->policy, q->policy_id);
	if (poc_bundle_decode(&e, q->rq.evidence, q->rq.evidence_len, &b) < 0) {
		pocd_deny_at(p, q, 400, "$.evidence", e.code, e.msg, 1, r);
		pocd_policy_put(pol, own);
		return -1;
	}
	rc = poc_appraise(pol, &b, &o, a);
	if (rc == 0)
		rc = poc_appraisal_require_affirming(a);
	if (rc == 0 && pocd_identities_check(en->identities, a, a->clause, sizeof(a->clause), a->reason,
					     sizeof(a->reason)) != 0) {
		a->accepted = 0;
		a->code = POC_ERR_POLICY;
		a->poc = POC_EAR_CONTRAINDICATED;
		rc = -1;
	}
	if (rc != 0)
		pocd_deny(p, q, 403, a, 1, r);
	poc_bundle_free(&b);
	pocd_policy_put(pol, own);
	return rc == 0 ? 0 : -1;
}

void pocd_release(struct pocd *p, const uint8_t *body, size_t len, const char *client, struct pocd_response *r)
{
	struct pocd_rq *q = calloc(1, sizeof(*q));
	struct pocd_enrolment en = { 0 };
	struct poc_appraisal *a = calloc(1, sizeof(*a));
	struct poc_err e = { 0 };

	if (q == NULL || a == NULL) {
		pocd_text(r, 500, "out of memory");
		goto done;
	}
	q->now = pocd_now();
	q->client = client;
	if (pocd_rq_open(p, q, body, len, r) < 0)
		goto done;
	if (pocd_db_enrolment(&e, p->db, q->rq.key_id, &en) < 0) {
		pocd_text(r, 503, "%s", e.msg);
		goto done;
	}
	if (!en.found)
		pocd_deny_at(p, q, 404, "$.enrolment", POC_ERR_ARG, "no such key_id is enrolled", 1, r);
	else if (en.revoked)
		pocd_deny_at(p, q, 403, "$.enrolment.revoked", POC_ERR_REVOKED, "the owner revoked this key", 1, r);
	else if (appraise(p, q, &en, a, r) == 0)
		release(p, q, a, r);
done:
	pocd_enrolment_free(&en);
	if (q != NULL)
		poc_release_req_free(&q->rq);
	free(q);
	free(a);
}
