/* SPDX-License-Identifier: Apache-2.0 */
/* The release handler's pieces (release.c, request.c). */
#ifndef POCD_RELEASE_INT_H
#define POCD_RELEASE_INT_H

#include "appraise.h"
#include "policy.h"
#include "pocd.h"
#include "remote/protocol.h"

struct pocd_rq {
	int64_t now;
	const char *client;
	struct poc_release_req rq;
	struct poc_chal ch;
	uint8_t reqd[32], evd[32], B[POC_BINDING_LEN];
	char policy_id[7 + 65];
};

/*
 * Decodes the body, checks the challenge (MAC under its kid, then expiry) and the key's rate,
 * computes the digests and B. Anything refused is answered in r. 0 or -1.
 */
int pocd_rq_open(struct pocd *p, struct pocd_rq *q, const uint8_t *body, size_t len, struct pocd_response *r);
/* chal for key_id under its kid's K_kid (MAC, then expiry at now); c gets its fields. 0 or -1 (e). */
int pocd_chal_check(struct pocd *p, const uint8_t *chal, const char *key_id, size_t key_id_len, int64_t now,
		    struct poc_chal *c, struct poc_err *e);
/* The enrolled policy, its files served from the enrolment. 0 or -1. */
int pocd_policy_load(struct poc_err *e, const struct pocd_enrolment *en, struct poc_policy **out);
/*
 * The enrolment's parsed policy from the shared cache (pocd/policy_cache.c): 0 cached, 1 this
 * request's own copy (no idle slot), -1 error. Give it back with pocd_policy_put(pol, rc == 1).
 */
int pocd_policy_get(struct poc_err *e, const struct pocd_enrolment *en, struct poc_policy **out);
void pocd_policy_put(struct poc_policy *pol, int own);
/* Frees every cached policy (pocd_close: no request runs any more). */
void pocd_policy_cache_clear(void);
/* "sha256:HEX" of the policy JSON. */
void pocd_policy_id(const char *policy, char out[7 + 65]);
/* The AAD binding a wrapped share to its key_id. */
void pocd_share_aad(const char *key_id, uint8_t *aad, size_t *len);
/* A signed checkpoint every checkpoint_every rows (seq 0: nothing appended). */
void pocd_checkpoint_maybe(struct pocd *p, int64_t seq);
/* The EAR for a (nonce B, bundle digest, policy id, verification "remote"). 0 or -1. */
int pocd_ear(struct pocd *p, struct pocd_rq *q, const struct poc_appraisal *a, uint8_t **ear, size_t *ear_len);
/* A signed denial (audited when audit is set: a database failure then answers 503). */
void pocd_deny(struct pocd *p, struct pocd_rq *q, unsigned status, const struct poc_appraisal *a, int audit,
	       struct pocd_response *r);
void pocd_deny_at(struct pocd *p, struct pocd_rq *q, unsigned status, const char *clause, enum poc_verr code,
		  const char *reason, int audit, struct pocd_response *r);

#endif
