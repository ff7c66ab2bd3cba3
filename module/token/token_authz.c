/* SPDX-License-Identifier: Apache-2.0 */
/* Signed PCR policies at the token level (token_authz.h). */
#include "token/token_authz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/x509.h>

#include "digest.h"
#include "token/token_int.h"

int poc_token_authz_from_meta(struct poc_err *e, const struct poc_token_meta *m, struct poc_store *store,
			      struct poc_token_authz *out)
{
	memset(out, 0, sizeof(*out));
	if (m->policy_key_spki == NULL)
		return 0;
	if (m->epoch_nv_name_len != sizeof(out->nv.name))
		return poc_err_set(e, POC_ERR_MALFORMED, "token.cbor: epoch_nv_name of %zu bytes", m->epoch_nv_name_len);
	if (poc_tpm_authz_key(e, m->policy_key_spki, m->policy_key_spki_len, &out->key) < 0)
		return -1;
	out->nv.handle = m->epoch_nv;
	memcpy(out->nv.name, m->epoch_nv_name, m->epoch_nv_name_len);
	out->nv.name_len = m->epoch_nv_name_len;
	memcpy(out->token_id, m->token_id, sizeof(out->token_id));
	out->spki = m->policy_key_spki;
	out->spki_len = m->policy_key_spki_len;
	out->store = store;
	out->pcr_bank = m->pcr_bank;
	out->pcr_mask = m->pcr_mask;
	return 0;
}

int poc_token_authz_covers(struct poc_err *e, const struct poc_token_authz *a, uint16_t bank, uint32_t mask)
{
	if (bank == a->pcr_bank && (mask & a->pcr_mask) == a->pcr_mask)
		return 0;
	return poc_err_set(e, POC_ERR_ARG,
			   "the approval's PCR selection (bank 0x%04x, mask 0x%06x) does not cover the token's PCRs (bank "
			   "0x%04x, mask 0x%06x): an approval of fewer PCRs would open the token whatever the others hold",
			   (unsigned)bank, (unsigned)mask, (unsigned)a->pcr_bank, (unsigned)a->pcr_mask);
}

void poc_token_authz_use(struct poc_tpm *tpm, const struct poc_token_authz *a)
{
	tpm->authz = a != NULL && a->spki != NULL ? a : NULL;
}

int poc_token_authz_object_id(struct poc_err *e, const struct poc_object_header *h, char out[POC_STORE_NAME_MAX])
{
	return poc_store_object_name(e, h->class, h->id, h->id_len, h->label, out);
}

int poc_token_authz_seal(struct poc_err *e, struct poc_tpm *tpm, const char *object, const uint8_t *pin,
			 size_t pin_len, const uint8_t k_tpm[32], struct poc_sealed *out)
{
	const struct poc_token_authz *a = tpm->authz;
	uint8_t ref[32];

	if (a == NULL)
		return poc_err_set(e, POC_ERR_ARG, "seal: not a signed-policy token");
	if (poc_tpm_policy_ref(e, a->token_id, object, ref) < 0)
		return -1;
	return poc_tpm_seal_authorized(e, tpm, &a->key, ref, pin, pin_len, k_tpm, out);
}

/* Loads the approval file name of a's store; 0, or -1 (not an approval, or not authentic). */
static int load_one(struct poc_err *e, const struct poc_token_authz *a, const char *name, struct poc_approval *out)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int rv;

	if (poc_store_get(e, a->store, name, &buf, &len) < 0)
		return -1;
	rv = poc_approval_decode(e, buf, len, out);
	free(buf);
	if (rv == 0 && ((rv = poc_token_authz_covers(e, a, out->bank, out->mask)) < 0 ||
			(rv = poc_approval_check(e, out, a->spki, a->spki_len, &a->nv, a->token_id)) < 0))
		poc_approval_free(out);
	if (rv < 0)
		poc_err_prefix(e, "%s: ", name);
	return rv;
}

int poc_token_approvals(struct poc_err *e, const struct poc_token_authz *a, struct poc_approval **list, size_t *n,
			size_t *bad)
{
	char **names = NULL;
	size_t count = 0, i;

	*list = NULL;
	*n = 0;
	if (bad != NULL)
		*bad = 0;
	if (a->store == NULL)
		return 0;
	if (poc_store_list(e, a->store, POC_APPROVAL_SUFFIX, &names, &count) < 0)
		return -1;
	*list = calloc(count ? count : 1, sizeof(**list));
	if (*list == NULL) {
		poc_store_list_free(names, count);
		return poc_err_set(e, POC_ERR_NOMEM, "approvals");
	}
	for (i = 0; i < count; i++) {
		struct poc_err e2 = { 0 };

		if (strncmp(names[i], POC_APPROVAL_PREFIX, strlen(POC_APPROVAL_PREFIX)) != 0)
			continue;
		if (load_one(&e2, a, names[i], &(*list)[*n]) == 0)
			(*n)++;
		else if (bad != NULL)
			(*bad)++;
	}
	poc_store_list_free(names, count);
	return 0;
}

static void approvals_free(struct poc_approval *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		poc_approval_free(&list[i]);
	free(list);
}

/* Whether the TPM's PCRs of a's selection are a's values now (read, compared in constant time). */
static int pcrs_match(struct poc_err *e, struct poc_tpm *tpm, const struct poc_approval *a, int *match)
{
	uint8_t vals[POC_PCR_COUNT * POC_DIGEST_MAX];
	size_t len = 0;

	*match = 0;
	if (poc_tpm_pcr_read(e, tpm, a->bank, a->mask, vals, &len, NULL) < 0)
		return -1;
	*match = len == a->pcr_values_len && CRYPTO_memcmp(vals, a->pcr_values, len) == 0;
	return 0;
}

int poc_token_authz_unseal(struct poc_err *e, struct poc_tpm *tpm, const char *object, const struct poc_sealed *s,
			   const uint8_t *pin, size_t pin_len, uint8_t k_tpm[32])
{
	const struct poc_token_authz *a = tpm->authz;
	struct poc_approval *list = NULL;
	const struct poc_approval_sig *sig = NULL;
	struct poc_tpm_approval use;
	uint64_t epoch = 0;
	size_t n = 0, bad = 0, i, stale = 0;
	int match = 0, rv = -1;

	if (a == NULL)
		return poc_err_set(e, POC_ERR_ARG, "unseal: not a signed-policy token");
	if (poc_tpm_epoch_read(e, tpm, &a->nv, &epoch) < 0 || poc_token_approvals(e, a, &list, &n, &bad) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (list[i].epoch != epoch) {
			stale++;
			continue;
		}
		if ((sig = poc_approval_sig_for(&list[i], object)) == NULL)
			continue;
		if (pcrs_match(e, tpm, &list[i], &match) < 0)
			goto done;
		if (match)
			break;
	}
	if (i == n) {
		poc_err_set(e, POC_ERR_PCR,
			    "seal.approval: no approval of epoch %llu for %s names the TPM's current PCRs (%zu stored, %zu "
			    "of older epochs, %zu refused): approve this state (poctool policy approve)",
			    (unsigned long long)epoch, object, n, stale, bad);
		goto done;
	}
	memset(&use, 0, sizeof(use));
	use.key = &a->key;
	use.bank = list[i].bank;
	use.mask = list[i].mask;
	use.nv = &a->nv;
	use.epoch = epoch;
	memcpy(use.approved, list[i].approved, 32);
	use.sig = sig->sig;
	use.sig_len = sig->sig_len;
	if (poc_tpm_policy_ref(e, a->token_id, object, use.policy_ref) < 0)
		goto done;
	rv = poc_tpm_unseal_authorized(e, tpm, s, &use, pin, pin_len, k_tpm);
done:
	approvals_free(list, n);
	return rv;
}

/* A signed-PCR-policy token's context (token_authz.h), from its (not yet authenticated) meta. */
int poc_token_authz_open(struct poc_err *e, struct poc_token *t)
{
	if (t->meta.policy_key_spki == NULL)
		return 0;
	t->authz = calloc(1, sizeof(*t->authz));
	if (t->authz == NULL)
		return poc_err_set(e, POC_ERR_NOMEM, "token");
	return poc_token_authz_from_meta(e, &t->meta, t->store, t->authz);
}
