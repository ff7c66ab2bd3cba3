/* SPDX-License-Identifier: Apache-2.0 */
/* What the policy key's holder does to a signed-policy token: approve PCR values, revoke (token_authz.h). */
#include "token/token_authz.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/x509.h>

#include "digest.h"
#include "token/token_int.h"

/* The token's signed-policy context, refused for a literal-PolicyPCR token. */
static int signed_token(struct poc_err *e, const struct poc_token *t)
{
	if (t->authz == NULL || t->authz->spki == NULL)
		return poc_err_set(e, POC_ERR_ARG, "token \"%s\" has no signed PCR policy (made without --pcr-policy signed)",
				   t->meta.label);
	return 0;
}

/* priv's public half must be the token's policy key: a clear refusal before the TPM's. */
static int same_key(struct poc_err *e, const struct poc_token *t, EVP_PKEY *priv)
{
	uint8_t *der = NULL;
	int n = i2d_PUBKEY(priv, &der), ok;

	ok = n > 0 && (size_t)n == t->authz->spki_len && CRYPTO_memcmp(der, t->authz->spki, (size_t)n) == 0;
	OPENSSL_free(der);
	if (!ok)
		return poc_err_set(e, POC_ERR_SIGNATURE, "the key given is not the policy key of token \"%s\"", t->meta.label);
	return 0;
}

/* Adds object's signature over SHA-256(approved || policyRef(object)) to a. */
static int sign_for(struct poc_err *e, const struct poc_token *t, struct poc_approval *a, const char *object,
		    EVP_PKEY *priv)
{
	struct poc_approval_sig *s = &a->sigs[a->nsigs];
	uint8_t ref[32], ahash[32];

	if (strlen(object) >= sizeof(s->object))
		return poc_err_set(e, POC_ERR_ARG, "object id too long");
	s->sig_len = sizeof(s->sig);
	if (poc_tpm_policy_ref(e, t->authz->token_id, object, ref) < 0 ||
	    poc_tpm_policy_ref_update(e, a->approved, ref, ahash) < 0 || poc_tpm_authz_sign(e, priv, ahash, s->sig, &s->sig_len) < 0)
		return -1;
	strcpy(s->object, object);
	a->nsigs++;
	return 0;
}

/* The object id of the sealed object in buf (its header's store name). */
static int object_id_of(struct poc_err *e, const uint8_t *buf, size_t len, char id[POC_STORE_NAME_MAX])
{
	struct poc_object_header h;
	int rv;

	memset(&h, 0, sizeof(h));
	rv = poc_object_parse(e, buf, len, &h, NULL, NULL);
	if (rv == 0)
		rv = poc_token_authz_object_id(e, &h, id);
	poc_object_header_free(&h);
	return rv;
}

/* Signatures for the verifier key and each .obj of the token. */
static int sign_all(struct poc_err *e, struct poc_token *t, struct poc_approval *a, EVP_PKEY *priv)
{
	char **names = NULL, id[POC_STORE_NAME_MAX];
	size_t n = 0, i;
	int rv = -1;

	if (poc_store_list(e, t->store, ".obj", &names, &n) < 0)
		return -1;
	a->sigs = calloc(n + 1, sizeof(*a->sigs));
	if (a->sigs == NULL || n + 1 > POC_APPROVAL_SIGS_MAX) {
		poc_err_set(e, POC_ERR_NOMEM, "approval: %zu objects", n);
		goto done;
	}
	if (object_id_of(e, t->meta.verifier_key, t->meta.verifier_key_len, id) < 0 || sign_for(e, t, a, id, priv) < 0)
		goto done;
	for (i = 0; i < n; i++) {
		uint8_t *buf = NULL;
		size_t len = 0;
		int r = poc_store_get(e, t->store, names[i], &buf, &len) < 0 ? -1 : object_id_of(e, buf, len, id);

		free(buf);
		if (r < 0 || sign_for(e, t, a, id, priv) < 0) {
			poc_err_prefix(e, "%s: ", names[i]);
			goto done;
		}
	}
	rv = 0;
done:
	poc_store_list_free(names, n);
	return rv;
}

int poc_token_approve(struct poc_err *e, struct poc_token *t, uint16_t bank, uint32_t mask, const uint8_t *vals,
		      size_t vals_len, EVP_PKEY *priv, char name[40], uint64_t *epoch)
{
	struct poc_approval a;
	struct poc_tpm *tpm = NULL;
	uint8_t digest[32], *buf = NULL;
	size_t len = 0, dlen = poc_tpm_alg_digest_len(bank);
	int rv = -1;

	memset(&a, 0, sizeof(a));
	if (signed_token(e, t) < 0 || same_key(e, t, priv) < 0 || poc_token_authz_covers(e, t->authz, bank, mask) < 0)
		return -1;
	if (dlen == 0 || mask == 0 || mask > 0xffffff || vals_len != (size_t)__builtin_popcount(mask) * dlen ||
	    vals_len > sizeof(a.pcr_values))
		return poc_err_set(e, POC_ERR_ARG, "approve: PCR values do not fit the selection");
	if (poc_token_tpm(e, t, &tpm) < 0)
		return -1;
	if (poc_tpm_epoch_read(e, tpm, &t->authz->nv, &a.epoch) < 0)
		goto done;
	a.bank = bank;
	a.mask = mask;
	memcpy(a.pcr_values, vals, vals_len);
	a.pcr_values_len = vals_len;
	a.created = (uint64_t)time(NULL);
	if (poc_sha256(vals, vals_len, digest) < 0) {
		poc_err_ssl(e, POC_ERR_CRYPTO, "approve: SHA-256");
		goto done;
	}
	if (poc_tpm_approved_policy(e, bank, mask, digest, &t->authz->nv, a.epoch, a.approved) < 0 ||
	    sign_all(e, t, &a, priv) < 0 || poc_approval_encode(e, &a, &buf, &len) < 0)
		goto done;
	poc_approval_name(&a, name);
	*epoch = a.epoch;
	rv = poc_store_put(e, t->store, name, buf, len);
done:
	free(buf);
	poc_approval_free(&a);
	poc_tpm_close(tpm);
	return rv;
}

int poc_token_revoke(struct poc_err *e, struct poc_token *t, EVP_PKEY *priv, uint64_t *epoch)
{
	struct poc_tpm *tpm = NULL;
	int rv = -1;

	if (signed_token(e, t) < 0 || same_key(e, t, priv) < 0 || poc_token_tpm(e, t, &tpm) < 0)
		return -1;
	if (poc_tpm_epoch_bump(e, tpm, &t->authz->nv, &t->authz->key, t->authz->token_id, priv) == 0)
		rv = poc_tpm_epoch_read(e, tpm, &t->authz->nv, epoch);
	poc_tpm_close(tpm);
	return rv;
}

int poc_token_epoch(struct poc_err *e, struct poc_token *t, uint64_t *epoch)
{
	struct poc_tpm *tpm = NULL;
	int rv;

	if (signed_token(e, t) < 0 || poc_token_tpm(e, t, &tpm) < 0)
		return -1;
	rv = poc_tpm_epoch_read(e, tpm, &t->authz->nv, epoch);
	poc_tpm_close(tpm);
	return rv;
}

int poc_token_pcrs_now(struct poc_err *e, struct poc_token *t, uint16_t bank, uint32_t mask, uint8_t *vals,
		       size_t *vals_len)
{
	struct poc_tpm *tpm = NULL;
	int rv;

	if (poc_token_tpm(e, t, &tpm) < 0)
		return -1;
	rv = poc_tpm_pcr_read(e, tpm, bank, mask, vals, vals_len, NULL);
	poc_tpm_close(tpm);
	return rv;
}
