/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An object's remote share S_R from pocd (docs/pocd.md "The module as a client"): the
 * exchange of verifier/ with this machine's evidence for B, collected in-process (the AK and
 * EK public areas first, for pocd's /v1/credential).
 */
#include "token/token_int.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "evidence/evidence.h"
#include "tpm/tpm_keys.h"
#include "verifier/verifier.h"

struct remote_ctx {
	struct poc_token *t;
	struct poc_tpm *tpm;
};

/* The callback of poc_verifier_release: /v1/credential, then the evidence for B with it. */
static int remote_evidence(struct poc_err *e, void *ctx, const struct poc_verifier *v,
			   const struct poc_verifier_session *s, uint8_t **bundle, size_t *len)
{
	struct remote_ctx *c = ctx;
	uint8_t ak[sizeof(TPM2B_PUBLIC)], ek[sizeof(TPM2B_PUBLIC)], *cred = NULL;
	size_t ak_len = sizeof(ak), ek_len = sizeof(ek), cred_len = 0;
	struct poc_collect_opts co;
	struct poc_bundle b;
	int rv = -1;

	memset(&b, 0, sizeof(b));
	memset(&co, 0, sizeof(co));
	if (poc_tpm_ak_public(e, c->tpm, ak, &ak_len, NULL, NULL) < 0 || poc_tpm_ek_public(e, c->tpm, ek, &ek_len) < 0 ||
	    poc_verifier_credential(e, v, s, ek, ek_len, ak, ak_len, &cred, &cred_len) < 0)
		goto done;
	co.nonce = s->binding;
	co.nonce_len = sizeof(s->binding);
	co.tee = &c->t->cfg.tee;
	co.bank = c->t->meta.pcr_bank;
	co.pcr_mask = c->t->meta.pcr_mask;
	co.credential = cred;
	co.credential_len = cred_len;
	if (poc_evidence_collect(e, c->tpm, &co, &b) < 0 || poc_bundle_encode(e, &b, bundle, len) < 0)
		goto done;
	rv = 0;
done:
	free(cred);
	poc_bundle_free(&b);
	return rv;
}

int poc_token_remote_share(struct poc_err *e, struct poc_token *t, struct poc_tpm *tpm, const char *key_id,
			   uint8_t s_r[POC_TOKEN_SHARE_LEN], uint8_t **ear, size_t *ear_len)
{
	struct poc_verifier v;
	struct poc_answer a;
	struct remote_ctx c = { .t = t, .tpm = tpm };
	int rv = -1;

	if (poc_verifier_open(e, &t->cfg, &v) < 0)
		return -1;
	if (poc_verifier_release(e, &v, key_id, "poc-v1", remote_evidence, &c, &a) < 0) {
		poc_verifier_close(&v);
		return -1;
	}
	if (a.decision != POC_DECISION_RELEASE) {
		poc_err_set(e, POC_ERR_POLICY, "pocd denied the release of %s: %s", key_id, a.clause);
	} else if (a.share_len != POC_TOKEN_SHARE_LEN) {
		poc_err_set(e, POC_ERR_UNSUPPORTED, "pocd's share for %s is %zu bytes, not %d", key_id, a.share_len,
			    POC_TOKEN_SHARE_LEN);
	} else {
		memcpy(s_r, a.share, POC_TOKEN_SHARE_LEN);
		rv = 0;
	}
	if (ear != NULL) {
		*ear = a.ear; /* the record: pocd's signed EAR, a release or a denial */
		*ear_len = a.ear_len;
		a.ear = NULL;
	}
	poc_answer_free(&a);
	poc_verifier_close(&v);
	return rv;
}

/* pocd's EAR as the object's record (store and, when asked, the caller's copy). */
static void keep_record(struct poc_token *t, const char *name, uint8_t *ear, size_t ear_len, uint8_t **record,
			size_t *record_len)
{
	struct poc_err e2 = { 0 };

	(void)poc_store_record_put(&e2, t->store, name, ear, ear_len); /* as round_records: the record is advisory here */
	if (record == NULL) {
		free(ear);
		return;
	}
	free(*record);
	*record = ear;
	*record_len = ear_len;
}

int poc_token_unseal_object(struct poc_err *e, struct poc_token *t, struct poc_tpm *tpm,
			    const struct poc_object_bind *bind, const char *name, const uint8_t *obj, size_t len,
			    const uint8_t *pin, size_t pin_len, uint8_t **secret, size_t *secret_len, uint8_t **record,
			    size_t *record_len)
{
	struct poc_object_header h;
	uint8_t s_r[POC_TOKEN_SHARE_LEN], *ear = NULL;
	size_t ear_len = 0;
	int rv;

	memset(&h, 0, sizeof(h));
	if (poc_object_parse(e, obj, len, &h, NULL, NULL) < 0)
		return -1;
	if (h.remote == NULL) {
		poc_object_header_free(&h);
		return poc_token_unseal_with(e, tpm, bind, obj, len, pin, pin_len, secret, secret_len);
	}
	rv = poc_token_remote_share(e, t, tpm, h.remote, s_r, &ear, &ear_len);
	poc_object_header_free(&h);
	if (ear != NULL)
		keep_record(t, name, ear, ear_len, record, record_len);
	if (rv == 0)
		rv = poc_token_unseal_share(e, tpm, bind, obj, len, pin, pin_len, s_r, secret, secret_len);
	OPENSSL_cleanse(s_r, sizeof(s_r));
	return rv;
}

/* Seals under a fresh K_tpm and, when h names pocd's key_id, S_R released by pocd now (never stored). */
int poc_token_seal_object(struct poc_err *e, struct poc_token *t, struct poc_tpm *tpm, struct poc_object_header *h,
			  const struct poc_object_bind *bind, const uint8_t *pin, size_t pin_len, const uint8_t *secret,
			  size_t secret_len, uint8_t **obj, size_t *obj_len)
{
	uint8_t s_r[POC_TOKEN_SHARE_LEN];
	int rv;

	if (h->remote == NULL)
		return poc_token_seal_with(e, tpm, h, bind, t->meta.pcr_bank, t->meta.pcr_mask, pin, pin_len, secret,
					   secret_len, obj, obj_len);
	if (poc_token_remote_share(e, t, tpm, h->remote, s_r, NULL, NULL) < 0)
		return -1;
	rv = poc_token_seal_share(e, tpm, h, bind, t->meta.pcr_bank, t->meta.pcr_mask, pin, pin_len, s_r, secret,
				  secret_len, obj, obj_len);
	OPENSSL_cleanse(s_r, sizeof(s_r));
	return rv;
}
