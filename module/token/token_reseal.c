/* SPDX-License-Identifier: Apache-2.0 */
/* A sealed object under a changed header: C_SetAttributeValue and C_CopyObject of a token object (token.h). */
#include "token/token_int.h"

#include <stdlib.h>
#include <string.h>

#include "token/token_pin.h"
#include "token/token_state.h"

/* The new file for old: opened, then sealed under h with a fresh K_tpm (*obj malloc'ed). */
static int reseal_bytes(struct poc_err *e, struct poc_token *t, const uint8_t *old, size_t old_len,
			struct poc_object_header *h, const uint8_t *pin, size_t pin_len, uint8_t **obj, size_t *obj_len)
{
	struct poc_object_bind bind;
	struct poc_tpm *tpm = NULL;
	uint8_t *secret = NULL;
	size_t secret_len = 0;
	int rv = -1;

	if (poc_token_bind(e, &t->meta, &bind) < 0 || poc_token_tpm(e, t, &tpm) < 0)
		return -1;
	/* The PIN first, a counted try (as a seal does). */
	if (poc_token_pin_attempt(e, t, tpm, pin, pin_len) != 0)
		goto done;
	if (poc_token_unseal_with(e, tpm, &bind, old, old_len, pin, pin_len, &secret, &secret_len) < 0)
		goto done;
	rv = poc_token_seal_with(e, tpm, h, &bind, t->meta.pcr_bank, t->meta.pcr_mask, pin, pin_len, secret, secret_len,
				 obj, obj_len);
done:
	poc_secret_free(secret, secret_len);
	poc_tpm_close(tpm);
	return rv;
}

/* Whether the object in old has another label than label (an unreadable one counts as changed). */
static int label_changed(const uint8_t *old, size_t old_len, const char *label)
{
	struct poc_object_header h;
	struct poc_err e = { 0 };
	int changed;

	memset(&h, 0, sizeof(h));
	changed = poc_object_parse(&e, old, old_len, &h, NULL, NULL) < 0 || strcmp(h.label, label) != 0;
	poc_object_header_free(&h);
	return changed;
}

int poc_token_reseal(struct poc_err *e, struct poc_token *t, const char *old_name, const struct poc_object_header *in,
		     const uint8_t *pin, size_t pin_len, int keep_old, char name[POC_STORE_NAME_MAX])
{
	struct poc_object_header h = *in;
	uint8_t *old = NULL, *obj = NULL, *existing = NULL;
	size_t old_len = 0, obj_len = 0, elen = 0;
	int same, rv = -1;

	if (!poc_policy_is_proof_of_cloud(t->policy))
		return poc_err_set(e, POC_ERR_POLICY, "the token's policy is not a Proof of Cloud: refusing to seal");
	if (t->meta.has_pin != (pin != NULL))
		return poc_err_set(e, POC_ERR_ARG, t->meta.has_pin ? "the token has a PIN: give it" : "the token has no PIN");
	if (h.remote != NULL) /* its secret is not the TPM's alone: a re-seal would drop the remote share */
		return poc_err_set(e, POC_ERR_UNSUPPORTED, "an object with a remote share is not sealed again here");
	if (poc_store_object_name(e, h.class, h.id, h.id_len, h.label, name) < 0 || poc_token_name_free(e, name) < 0)
		return -1;
	same = strcmp(name, old_name) == 0;
	if ((keep_old || !same) && poc_store_get(e, t->store, name, &existing, &elen) == 0) {
		free(existing);
		return poc_err_set(e, POC_ERR_ARG, "an object %s already exists", name);
	}
	poc_err_clear(e);
	if (poc_store_get(e, t->store, old_name, &old, &old_len) < 0)
		return -1;
	/* A new label (a relabel, or any copy) is one no other key or secret of the class has (token.h, as a seal). */
	if (!t->allow_duplicate_label && (h.class == 0 || h.class == 3 || h.class == 4) &&
	    (keep_old || label_changed(old, old_len, h.label)) && poc_token_label_free(e, t, h.class, h.label) < 0) {
		free(old);
		return -1;
	}
	/*
	 * What the sealer decided stays: the policy digest (a mismatched one stays
	 * denied), the TTL cap and the first-use rule, never this process's
	 * configuration (tests/integration/attack-so.sh).
	 */
	if (reseal_bytes(e, t, old, old_len, &h, pin, pin_len, &obj, &obj_len) < 0 ||
	    poc_store_put(e, t->store, name, obj, obj_len) < 0)
		goto done;
	if (!keep_old) {
		struct poc_err ignored = { 0 };

		/* The old record was bound to the old file; the next check writes the new one's. */
		(void)poc_store_record_remove(&ignored, t->store, old_name);
		if (!same && poc_store_remove(e, t->store, old_name) < 0)
			goto done;
	}
	rv = 0;
done:
	free(old);
	free(obj);
	return rv;
}
