/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The user PIN changed (token.h poc_token_pin_change, docs/pin.md "Changing
 * the user PIN"): a new PIN counter, every object and the verifier key
 * re-sealed to it in a stage folder, token.cbor re-signed there, and one
 * renameat2(RENAME_EXCHANGE) to switch (store_swap.c). The old counter is
 * deleted only after the switch. A crash before the switch leaves the old
 * PIN working, after it the new one; the stage folder left behind (and a
 * counter it names that is not the token's) is removed by the next change,
 * or by poc_token_stages_clean.
 */
#include "token/token.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "store/files.h"
#include "token/token_int.h"
#include "token/token_pin.h"
#include "token/token_state.h"
#include "tpm/tpm_pin.h"

#define PENDING_FILE "pin-nv.pending" /* in a stage: the new counter, before token.cbor names it */

/* Test hook (tests/integration/so.sh): POC_TEST_KILL_AT=pin-change:N kills the process at step N. */
static void kill_point(int step)
{
	const char *at = getenv("POC_TEST_KILL_AT");
	char want[32];

	snprintf(want, sizeof(want), "pin-change:%d", step);
	if (at != NULL && strcmp(at, want) == 0)
		(void)raise(SIGKILL);
}

/* The counter a stage names (its token.cbor, or the pending file before it): -1 when none. */
static int stage_nv(struct poc_store *st, struct poc_pin_nv *nv)
{
	struct poc_token_meta m;
	struct poc_err e = { 0 };
	uint8_t *buf = NULL;
	size_t len = 0;
	int rv = -1;

	memset(nv, 0, sizeof(*nv));
	if (poc_store_token_read(&e, st, &m) == 0) {
		rv = poc_token_user_nv(&m, nv);
		poc_token_meta_free(&m);
		return rv;
	}
	if (poc_store_get(&e, st, PENDING_FILE, &buf, &len) == 0 && len > 4 && len - 4 <= sizeof(nv->name)) {
		nv->handle = (uint32_t)buf[0] << 24 | (uint32_t)buf[1] << 16 | (uint32_t)buf[2] << 8 | buf[3];
		memcpy(nv->name, buf + 4, len - 4);
		nv->name_len = len - 4;
		rv = 0;
	}
	free(buf);
	return rv;
}

int poc_token_stages_clean(struct poc_err *e, struct poc_token *t, struct poc_tpm *tpm)
{
	struct poc_store **v = NULL;
	struct poc_pin_nv nv;
	size_t n = 0, i;
	int rv = 0;

	if (poc_store_stages(e, t->store, &v, &n) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		struct poc_err e2 = { 0 };

		/*
		 * A counter that is not the live token's: the new one of a change that
		 * never switched, or the old one. The stage goes only with it (or once
		 * it is not in the TPM): it is the one record of that counter.
		 */
		if (stage_nv(v[i], &nv) == 0 && nv.handle != t->meta.pin_nv && nv.handle != t->meta.so_nv &&
		    poc_tpm_pin_nv_delete(&e2, tpm, &nv) < 0 && e2.code != POC_ERR_MISMATCH) {
			if (rv == 0)
				rv = poc_err_set(e, e2.code, "a stage's PIN counter, kept with its stage: %s", e2.msg);
		} else if (poc_store_destroy(&e2, v[i]) < 0 && rv == 0) {
			rv = poc_err_set(e, e2.code, "%s", e2.msg);
		}
		poc_store_close(v[i]);
	}
	free(v);
	return rv;
}

/*
 * One sealed object obj re-sealed from tpm's counter old to new: unsealed
 * with the old PIN, sealed again (same header, fresh K_tpm) with the new.
 */
static int reseal(struct poc_err *e, struct poc_tpm *tpm, const struct poc_object_bind *bind, const struct poc_pin_nv *old,
		  const struct poc_pin_nv *nv, const uint8_t *obj, size_t len, const uint8_t *pin, size_t pin_len,
		  const uint8_t *npin, size_t npin_len, uint8_t **out, size_t *out_len)
{
	struct poc_object_header h;
	uint8_t *secret = NULL, *spub, *spriv;
	size_t slen = 0;
	int rv = -1;

	memset(&h, 0, sizeof(h));
	if (poc_object_parse(e, obj, len, &h, NULL, NULL) < 0)
		goto done;
	if (h.remote != NULL) {
		poc_err_set(e, POC_ERR_UNSUPPORTED, "object \"%s\" has a remote share: its PIN cannot change here", h.label);
		goto done;
	}
	poc_tpm_pin_nv_use(tpm, old);
	if (poc_token_unseal_with(e, tpm, bind, obj, len, pin, pin_len, &secret, &slen) < 0)
		goto done;
	poc_tpm_pin_nv_use(tpm, nv);
	spub = h.sealed_pub;
	spriv = h.sealed_priv;
	rv = poc_token_seal_with(e, tpm, &h, bind, h.pcr_bank, h.pcr_mask, npin, npin_len, secret, slen, out, out_len);
	h.sealed_pub = spub;
	h.sealed_priv = spriv;
done:
	poc_tpm_pin_nv_use(tpm, old);
	poc_secret_free(secret, slen);
	poc_object_header_free(&h);
	return rv;
}

struct rekey {
	struct poc_token *t;
	struct poc_tpm *tpm;
	struct poc_store *stage;
	struct poc_pin_nv old, nv;
	struct poc_object_bind bind;
	const uint8_t *pin, *npin;
	size_t pin_len, npin_len;
};

/* Every file of the token into the stage: objects re-sealed, the rest (policy files, records) copied. */
static int stage_files(struct poc_err *e, struct rekey *k)
{
	char **names = NULL;
	size_t n = 0, i, len, l, objs = 0;
	int rv = 0;

	if (poc_store_list(e, k->t->store, NULL, &names, &n) < 0)
		return -1;
	for (i = 0; i < n && rv == 0; i++) {
		uint8_t *buf = NULL, *out = NULL;
		size_t out_len = 0;

		if (strcmp(names[i], PENDING_FILE) == 0 || poc_store_get(e, k->t->store, names[i], &buf, &len) < 0) {
			rv = strcmp(names[i], PENDING_FILE) == 0 ? 0 : -1;
			continue;
		}
		l = strlen(names[i]);
		if (l > 4 && strcmp(names[i] + l - 4, ".obj") == 0) {
			rv = reseal(e, k->tpm, &k->bind, &k->old, &k->nv, buf, len, k->pin, k->pin_len, k->npin, k->npin_len,
				    &out, &out_len);
			if (rv == 0)
				rv = poc_store_put(e, k->stage, names[i], out, out_len);
			if (rv == 0 && ++objs == 1)
				kill_point(2);
		} else {
			rv = poc_store_put(e, k->stage, names[i], buf, len);
		}
		free(out);
		free(buf);
	}
	poc_store_list_free(names, n);
	return rv;
}

/* token.cbor for the stage: the new counter, the verifier key re-sealed to it, signed by that key. */
static int stage_meta(struct poc_err *e, struct rekey *k, EVP_PKEY *vkey, struct poc_token_meta *m)
{
	uint8_t *vk = NULL, *name = NULL;
	size_t vk_len = 0;

	if (poc_store_token_read(e, k->t->store, m) < 0)
		return -1;
	if (reseal(e, k->tpm, &k->bind, &k->old, &k->nv, m->verifier_key, m->verifier_key_len, k->pin, k->pin_len, k->npin,
		   k->npin_len, &vk, &vk_len) < 0 || (name = malloc(k->nv.name_len)) == NULL) {
		free(vk);
		return e->code != POC_OK ? -1 : poc_err_set(e, POC_ERR_NOMEM, "token.cbor");
	}
	OPENSSL_clear_free(m->verifier_key, m->verifier_key_len);
	m->verifier_key = vk;
	m->verifier_key_len = vk_len;
	free(m->pin_nv_name);
	memcpy(name, k->nv.name, k->nv.name_len);
	m->pin_nv_name = name;
	m->pin_nv_name_len = k->nv.name_len;
	m->pin_nv = k->nv.handle;
	if (poc_token_state_sign(e, vkey, m) < 0)
		return -1;
	return poc_store_token_write(e, k->stage, m);
}

/* The stage's first file: the new counter, so that a crash before token.cbor is staged still names it. */
static int stage_pending(struct poc_err *e, struct rekey *k)
{
	uint8_t buf[4 + sizeof(k->nv.name)];

	buf[0] = (uint8_t)(k->nv.handle >> 24);
	buf[1] = (uint8_t)(k->nv.handle >> 16);
	buf[2] = (uint8_t)(k->nv.handle >> 8);
	buf[3] = (uint8_t)k->nv.handle;
	memcpy(buf + 4, k->nv.name, k->nv.name_len);
	return poc_store_put(e, k->stage, PENDING_FILE, buf, 4 + k->nv.name_len);
}

/* Everything up to the switch: the stage complete, with the new counter it names. */
static int rekey_stage(struct poc_err *e, struct rekey *k, EVP_PKEY *vkey, struct poc_token_meta *m, int *made)
{
	uint32_t count = 0, limit = 0;

	if (poc_token_bind(e, &k->t->meta, &k->bind) < 0 || poc_tpm_pin_nv_read(e, k->tpm, &k->old, &count, &limit) < 0 ||
	    poc_store_stage(e, k->t->store, &k->stage) < 0)
		return -1;
	/* The same kind of counter (its SO's reset branch) and the same tries limit. */
	if (poc_tpm_pin_nv_create(e, k->tpm, k->npin, k->npin_len, limit, &k->old, &k->nv) < 0)
		return -1;
	*made = 1;
	if (stage_pending(e, k) < 0)
		return -1;
	kill_point(1);
	if (stage_files(e, k) < 0 || stage_meta(e, k, vkey, m) < 0 || poc_store_remove(e, k->stage, PENDING_FILE) < 0)
		return -1;
	kill_point(3);
	return 0;
}

int poc_token_pin_change(struct poc_err *e, struct poc_token *t, const uint8_t *pin, size_t pin_len,
			 const uint8_t *new_pin, size_t new_len)
{
	struct rekey k = { .t = t, .pin = pin, .pin_len = pin_len, .npin = new_pin, .npin_len = new_len };
	struct poc_token_meta m;
	struct poc_err e2 = { 0 };
	EVP_PKEY *vkey = NULL;
	int rv = -1, made = 0, switched = 0, lock = -1, old_gone;

	memset(&m, 0, sizeof(m));
	if (!t->meta.has_pin || poc_token_user_nv(&t->meta, &k.old) < 0 || pin == NULL || new_pin == NULL || new_len == 0)
		return poc_err_set(e, POC_ERR_ARG, "token \"%s\": a PIN change needs a PIN token, the PIN and a new one",
				   t->meta.label);
	/* One change at a time: another's stage is not a crashed one's leftover. */
	if (poc_store_stage_lock(e, t->store, &lock) < 0)
		return -1;
	if (poc_token_tpm(e, t, &k.tpm) < 0) {
		poc_store_stage_unlock(lock);
		return -1;
	}
	(void)poc_token_stages_clean(&e2, t, k.tpm); /* what a crashed change left */
	/* The PIN attempt (counted), the verifier key, the state verified: nothing is re-sealed from a forged store. */
	if (poc_token_verifier_key(e, t, k.tpm, pin, pin_len, &vkey) < 0 || rekey_stage(e, &k, vkey, &m, &made) < 0)
		goto done;
	if (poc_store_stage_commit(e, t->store, k.stage) < 0)
		goto done;
	switched = 1;
	kill_point(4);
	/* Only now is the old counter deleted: before the switch it was the one that worked. */
	/*
	 * The old folder (now the stage) is removed only once its counter is gone:
	 * while the deletion fails, the stage names that counter and the next
	 * change's clean-up deletes it (tests/integration/attack-so.sh).
	 */
	old_gone = poc_tpm_pin_nv_delete(&e2, k.tpm, &k.old) == 0;
	poc_err_clear(&e2);
	kill_point(5);
	if (old_gone)
		(void)poc_store_destroy(&e2, k.stage);
	poc_token_meta_free(&t->meta);
	t->meta = m;
	memset(&m, 0, sizeof(m));
	poc_tpm_pin_nv_use(k.tpm, &k.nv);
	rv = 0;
done:
	if (rv < 0 && !switched) {
		if (made)
			(void)poc_tpm_pin_nv_delete(&e2, k.tpm, &k.nv);
		if (k.stage != NULL)
			(void)poc_store_destroy(&e2, k.stage);
	}
	poc_store_close(k.stage);
	poc_token_meta_free(&m);
	EVP_PKEY_free(vkey);
	poc_tpm_close(k.tpm);
	poc_store_stage_unlock(lock);
	return rv;
}
