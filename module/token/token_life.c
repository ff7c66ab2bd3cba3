/* SPDX-License-Identifier: Apache-2.0 */
/* A token's objects deleted, the token re-initialised by its SO, the token deleted (token.h). */
#include "token/token.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "token/token_int.h"
#include "tpm/tpm_epoch.h"
#include "token/token_pin.h"
#include "tpm/tpm_pin.h"

/* Removes each object file (and its record) whose header has label (any label when NULL) and class (~0: any). */
static int remove_objects(struct poc_err *e, struct poc_token *t, const char *label, unsigned long class, size_t *gone)
{
	char **names = NULL;
	size_t n = 0, i;
	int rv = 0;

	*gone = 0;
	if (poc_store_list(e, t->store, ".obj", &names, &n) < 0)
		return -1;
	for (i = 0; i < n && rv == 0; i++) {
		struct poc_object_header h;
		struct poc_err e2 = { 0 };
		uint8_t *buf = NULL;
		size_t len = 0;
		int match;

		memset(&h, 0, sizeof(h));
		match = label == NULL || (poc_store_get(&e2, t->store, names[i], &buf, &len) == 0 &&
					  poc_object_parse(&e2, buf, len, &h, NULL, NULL) == 0 && strcmp(h.label, label) == 0 &&
					  (class == ~0ul || h.class == class));
		poc_object_header_free(&h);
		free(buf);
		if (!match)
			continue;
		rv = poc_store_remove(e, t->store, names[i]);
		(void)poc_store_record_remove(&e2, t->store, names[i]);
		*gone += rv == 0;
	}
	poc_store_list_free(names, n);
	return rv;
}

int poc_token_delete_object(struct poc_err *e, struct poc_token *t, const char *label, unsigned long class,
			    const uint8_t *pin, size_t pin_len, size_t *gone)
{
	struct poc_tpm *tpm = NULL;
	int rv;

	*gone = 0;
	/* As C_DestroyObject needs a login: the user's PIN, counted. */
	if (t->meta.has_pin) {
		if (poc_token_tpm(e, t, &tpm) < 0)
			return -1;
		rv = poc_token_pin_attempt(e, t, tpm, pin, pin_len);
		poc_tpm_close(tpm);
		if (rv < 0)
			return -1;
	}
	if (remove_objects(e, t, label, class, gone) < 0)
		return -1;
	if (*gone == 0)
		return poc_err_set(e, POC_ERR_ARG, "no object labelled \"%s\" in token \"%s\"", label, t->meta.label);
	return 0;
}

/* The SO PIN tried (counted) when the token has an SO; a token without one needs the user PIN, if any. */
static int so_or_user(struct poc_err *e, struct poc_token *t, const uint8_t *pin, size_t pin_len, int need_so)
{
	struct poc_tpm *tpm = NULL;
	int rv;

	if (t->meta.so_nv == 0 && (need_so || !t->meta.has_pin))
		return need_so ? poc_err_set(e, POC_ERR_AUTH, "token \"%s\" has no SO PIN", t->meta.label) : 0;
	if (poc_token_tpm(e, t, &tpm) < 0)
		return -1;
	rv = t->meta.so_nv != 0 ? poc_token_so_attempt(e, t, tpm, pin, pin_len)
				: poc_token_pin_attempt(e, t, tpm, pin, pin_len);
	poc_tpm_close(tpm);
	return rv;
}

int poc_token_reinit(struct poc_err *e, struct poc_token *t, const uint8_t *so_pin, size_t so_len, size_t *gone)
{
	*gone = 0;
	if (so_or_user(e, t, so_pin, so_len, 1) < 0)
		return -1;
	return remove_objects(e, t, NULL, ~0ul, gone);
}

/* A signed-PCR-policy token's epoch counter (tpm_epoch.h), name-checked: never another's. */
static int destroy_epoch(struct poc_err *e, const struct poc_token *t, struct poc_tpm *tpm)
{
	struct poc_epoch_nv nv = { .handle = t->meta.epoch_nv };
	struct poc_err e2 = { 0 };

	if (t->meta.epoch_nv_name == NULL || t->meta.epoch_nv_name_len != sizeof(nv.name))
		return 0;
	memcpy(nv.name, t->meta.epoch_nv_name, sizeof(nv.name));
	nv.name_len = sizeof(nv.name);
	if (poc_tpm_epoch_delete(&e2, tpm, &nv) < 0 && e2.code != POC_ERR_MISMATCH)
		return poc_err_set(e, e2.code, "the token's epoch counter: %s", e2.msg);
	return 0;
}

int poc_token_destroy(struct poc_err *e, struct poc_token *t, const uint8_t *pin, size_t pin_len)
{
	struct poc_tpm *tpm = NULL;
	struct poc_err e2 = { 0 };
	struct poc_pin_nv nv;
	int rv = -1, lock = -1;

	if (so_or_user(e, t, pin, pin_len, 0) < 0 || poc_store_stage_lock(e, t->store, &lock) < 0)
		return -1;
	if (poc_token_tpm(e, t, &tpm) < 0) {
		poc_store_stage_unlock(lock);
		return -1;
	}
	/* A crashed PIN change's leftovers, then the token's own counters (name-checked: never another's). */
	if (poc_token_stages_clean(e, t, tpm) < 0)
		goto done;
	if (poc_token_user_nv(&t->meta, &nv) == 0 && poc_tpm_pin_nv_delete(&e2, tpm, &nv) < 0 && e2.code != POC_ERR_MISMATCH) {
		poc_err_set(e, e2.code, "the token's PIN counter: %s", e2.msg);
		goto done;
	}
	if (poc_token_so_nv(&t->meta, &nv) == 0 && poc_tpm_pin_nv_delete(&e2, tpm, &nv) < 0 && e2.code != POC_ERR_MISMATCH) {
		poc_err_set(e, e2.code, "the token's SO PIN counter: %s", e2.msg);
		goto done;
	}
	if (destroy_epoch(e, t, tpm) < 0)
		goto done;
	rv = poc_store_destroy(e, t->store);
done:
	poc_tpm_close(tpm);
	poc_store_stage_unlock(lock);
	return rv;
}
