/* SPDX-License-Identifier: Apache-2.0 */
/* The token's PIN attempt and its counter in the TPM (token_pin.h). */
#include "token/token_pin.h"

#include <stdlib.h>
#include <string.h>

#include "tpm/tpm_pin.h"
#include "tpm/tpm_seal.h"
#include "trace/trace.h"

/* m's SO counter; -1 when m has none. */
int poc_token_so_nv(const struct poc_token_meta *m, struct poc_pin_nv *nv)
{
	memset(nv, 0, sizeof(*nv));
	if (m->so_nv == 0 || m->so_nv_name == NULL || m->so_nv_name_len == 0 || m->so_nv_name_len > sizeof(nv->name))
		return -1;
	nv->handle = m->so_nv;
	memcpy(nv->name, m->so_nv_name, m->so_nv_name_len);
	nv->name_len = m->so_nv_name_len;
	nv->is_so = 1;
	return 0;
}

/* m's counter; -1 when m has none (or a name that does not fit). Its SO's counter decides its policy. */
int poc_token_user_nv(const struct poc_token_meta *m, struct poc_pin_nv *nv)
{
	struct poc_pin_nv so;

	memset(nv, 0, sizeof(*nv));
	if (m->pin_nv == 0 || m->pin_nv_name == NULL || m->pin_nv_name_len == 0 || m->pin_nv_name_len > sizeof(nv->name))
		return -1;
	nv->handle = m->pin_nv;
	memcpy(nv->name, m->pin_nv_name, m->pin_nv_name_len);
	nv->name_len = m->pin_nv_name_len;
	if (poc_token_so_nv(m, &so) == 0) {
		memcpy(nv->so_name, so.name, so.name_len);
		nv->so_name_len = so.name_len;
	}
	return 0;
}
#define meta_nv poc_token_user_nv

/* A copy of nv's name for token.cbor. */
static int keep_name(struct poc_err *e, const struct poc_pin_nv *nv, uint32_t *handle, uint8_t **name, size_t *len)
{
	*name = malloc(nv->name_len);
	if (*name == NULL)
		return poc_err_set(e, POC_ERR_NOMEM, "PIN counter name");
	memcpy(*name, nv->name, nv->name_len);
	*len = nv->name_len;
	*handle = nv->handle;
	return 0;
}

int poc_token_pin_create(struct poc_err *e, struct poc_tpm *tpm, const struct poc_config *cfg, const uint8_t *pin,
			 size_t pin_len, const uint8_t *so_pin, size_t so_len, struct poc_token_meta *m)
{
	struct poc_pin_nv nv, so, kind;
	struct poc_err e2 = { 0 };
	uint32_t limit = cfg->pin_tries ? cfg->pin_tries : POC_PIN_TRIES_DEFAULT;

	memset(&kind, 0, sizeof(kind));
	/* The SO's counter first: the user counter's reset branch names it. */
	if (so_pin != NULL) {
		kind.is_so = 1;
		if (poc_tpm_pin_nv_create(e, tpm, so_pin, so_len, limit, &kind, &so) < 0)
			return -1;
		if (keep_name(e, &so, &m->so_nv, &m->so_nv_name, &m->so_nv_name_len) < 0) {
			(void)poc_tpm_pin_nv_delete(&e2, tpm, &so);
			return -1;
		}
		kind.is_so = 0;
		memcpy(kind.so_name, so.name, so.name_len);
		kind.so_name_len = so.name_len;
	}
	if (poc_tpm_pin_nv_create(e, tpm, pin, pin_len, limit, &kind, &nv) < 0)
		return -1;
	if (keep_name(e, &nv, &m->pin_nv, &m->pin_nv_name, &m->pin_nv_name_len) < 0) {
		(void)poc_tpm_pin_nv_delete(&e2, tpm, &nv);
		return -1;
	}
	poc_tpm_pin_nv_use(tpm, &nv);
	return 0;
}

void poc_token_pin_destroy(struct poc_tpm *tpm, const struct poc_token_meta *m)
{
	struct poc_pin_nv nv;
	struct poc_err e = { 0 };

	if (tpm != NULL && meta_nv(m, &nv) == 0)
		(void)poc_tpm_pin_nv_delete(&e, tpm, &nv);
	if (tpm != NULL && poc_token_so_nv(m, &nv) == 0)
		(void)poc_tpm_pin_nv_delete(&e, tpm, &nv);
}

void poc_token_pin_use(const struct poc_token_meta *m, struct poc_tpm *tpm)
{
	struct poc_pin_nv nv;

	/* Whatever has_pin says: the objects' policies name the counter, and the TPM decides. */
	poc_tpm_pin_nv_use(tpm, meta_nv(m, &nv) == 0 ? &nv : NULL);
}

/* One counted try on nv (the user's or the SO's counter, what names it); tpm goes on using the user's. */
static int nv_attempt(struct poc_err *e, struct poc_token *t, struct poc_tpm *tpm, const struct poc_pin_nv *nv,
		      const char *what, const uint8_t *pin, size_t pin_len)
{
	struct poc_pin_nv user;
	uint32_t count = 0, limit = 0;
	struct poc_err e2 = { 0 }, te = { 0 };
	int r;

	poc_tpm_pin_nv_use(tpm, nv);
	r = poc_tpm_pin_try(&te, tpm, ESYS_TR_NONE, ESYS_TR_NONE, pin, pin_len);
	if (nv->is_so)
		poc_tpm_pin_nv_use(tpm, meta_nv(&t->meta, &user) == 0 ? &user : NULL);
	if (r == 0)
		return 0;
	if (te.code != POC_ERR_AUTH && te.code != POC_ERR_LOCKED)
		return poc_err_set(e, te.code, "%s", te.msg);
	/* The TPM's words, replaced by what they mean for this token. */
	if (poc_tpm_pin_nv_read(&e2, tpm, nv, &count, &limit) < 0)
		count = limit = 0;
	if (te.code == POC_ERR_AUTH && count < limit)
		return poc_err_set(e, POC_ERR_AUTH,
				   "wrong %s (%u of %u tries left before the TPM locks the %s of token \"%s\")", what,
				   (unsigned)(limit - count), (unsigned)limit, what, t->meta.label);
	/* The try that reached the limit is a wrong PIN; every later one, the right one too, finds it locked. */
	return poc_err_set(e, te.code,
			   "%s%s%s: the %s of token \"%s\" is locked after %u wrong tries: the TPM refuses every PIN, the "
			   "right one too, %s (docs/pin.md, NV index 0x%08x)",
			   te.code == POC_ERR_AUTH ? "wrong " : "", what, te.code == POC_ERR_AUTH ? "" : " locked", what,
			   t->meta.label, (unsigned)limit,
			   nv->is_so ? "for good (nobody resets the SO's counter)"
				     : "until the token's SO resets its counter (poctool pin unlock)",
			   (unsigned)nv->handle);
}

int poc_token_pin_attempt(struct poc_err *e, struct poc_token *t, struct poc_tpm *tpm, const uint8_t *pin,
			  size_t pin_len)
{
	struct poc_pin_nv nv;

	if (!t->meta.has_pin)
		return pin == NULL ? 0 : poc_err_set(e, POC_ERR_ARG, "token \"%s\" has no PIN", t->meta.label);
	if (pin == NULL)
		return poc_err_set(e, POC_ERR_AUTH, "wrong PIN (token \"%s\" has a PIN, none given)", t->meta.label);
	/* When the count cannot be recorded, the PIN is not tried at all. */
	if (meta_nv(&t->meta, &nv) < 0)
		return poc_err_set(e, POC_ERR_UNSUPPORTED,
				   "token \"%s\" has a PIN but no PIN counter in the TPM (an older token): PIN tries are "
				   "refused; create the token again", t->meta.label);
	return nv_attempt(e, t, tpm, &nv, "PIN", pin, pin_len);
}

int poc_token_so_attempt(struct poc_err *e, struct poc_token *t, struct poc_tpm *tpm, const uint8_t *so_pin,
			 size_t so_len)
{
	struct poc_pin_nv so;

	if (poc_token_so_nv(&t->meta, &so) < 0)
		return poc_err_set(e, POC_ERR_AUTH, "token \"%s\" has no SO PIN (poctool init --so-pin)", t->meta.label);
	if (so_pin == NULL)
		return poc_err_set(e, POC_ERR_AUTH, "wrong SO PIN (none given)");
	return nv_attempt(e, t, tpm, &so, "SO PIN", so_pin, so_len);
}

int poc_token_pin_status(struct poc_err *e, const struct poc_token *t, int so, uint32_t *count, uint32_t *limit)
{
	struct poc_pin_nv nv;
	struct poc_tpm *tpm = NULL;
	int rv;
	uint64_t t0;

	*count = *limit = 0;
	if (so ? poc_token_so_nv(&t->meta, &nv) < 0 : !t->meta.has_pin || meta_nv(&t->meta, &nv) < 0)
		return poc_err_set(e, POC_ERR_ARG, "token \"%s\" has no %s counter", t->meta.label, so ? "SO PIN" : "PIN");
	if (poc_tpm_open(e, t->cfg.tcti, &tpm) < 0)
		return -1;
	t0 = poc_trace_start();
	rv = poc_tpm_pin_nv_read(e, tpm, &nv, count, limit);
	poc_trace_end("pin_status_read", t0);
	poc_tpm_close(tpm);
	return rv;
}

/* The TPM for t, its SRK pinned (the SO PIN travels in sessions salted with it). */
static int so_tpm(struct poc_err *e, const struct poc_token *t, struct poc_pin_nv *so, struct poc_tpm **tpm)
{
	*tpm = NULL;
	if (poc_token_so_nv(&t->meta, so) < 0)
		return poc_err_set(e, POC_ERR_ARG, "token \"%s\" has no SO PIN (poctool init --so-pin)", t->meta.label);
	if (poc_tpm_open(e, t->cfg.tcti, tpm) < 0)
		return -1;
	if (poc_tpm_pin_srk(e, *tpm, t->meta.srk_name, t->meta.srk_name_len) < 0) {
		poc_tpm_close(*tpm);
		*tpm = NULL;
		return -1;
	}
	return 0;
}

/* e from the SO counter's answer, in this token's words (tries left, locked). */
static int so_said(struct poc_err *e, struct poc_token *t, struct poc_tpm *tpm, const struct poc_pin_nv *so,
		   const struct poc_err *te)
{
	uint32_t count = 0, limit = 0;
	struct poc_err e2 = { 0 };

	if (te->code != POC_ERR_AUTH && te->code != POC_ERR_LOCKED)
		return poc_err_set(e, te->code, "%s", te->msg);
	if (poc_tpm_pin_nv_read(&e2, tpm, so, &count, &limit) < 0 || te->code == POC_ERR_LOCKED || count >= limit)
		return poc_err_set(e, count >= limit ? POC_ERR_LOCKED : te->code,
				   "the SO PIN of token \"%s\" is locked: nobody resets it (docs/pin.md)", t->meta.label);
	return poc_err_set(e, POC_ERR_AUTH, "wrong SO PIN (%u of %u tries left before the TPM locks it)",
			   (unsigned)(limit - count), (unsigned)limit);
}

int poc_token_pin_unlock(struct poc_err *e, struct poc_token *t, const uint8_t *so_pin, size_t so_len)
{
	struct poc_pin_nv so, nv;
	struct poc_tpm *tpm = NULL;
	struct poc_err te = { 0 };
	int rv;

	if (so_tpm(e, t, &so, &tpm) < 0)
		return -1;
	if (meta_nv(&t->meta, &nv) < 0) {
		poc_tpm_close(tpm);
		return poc_err_set(e, POC_ERR_ARG, "token \"%s\" has no user PIN counter", t->meta.label);
	}
	rv = poc_tpm_pin_nv_reset(&te, tpm, &nv, &so, so_pin, so_len);
	if (rv < 0)
		so_said(e, t, tpm, &so, &te);
	poc_tpm_close(tpm);
	return rv;
}

int poc_token_so_login(struct poc_err *e, struct poc_token *t, const uint8_t *so_pin, size_t so_len)
{
	struct poc_pin_nv so;
	struct poc_tpm *tpm = NULL;
	int rv;

	if (so_tpm(e, t, &so, &tpm) < 0)
		return e->code == POC_ERR_ARG ? poc_err_set(e, POC_ERR_AUTH, "%s", e->msg) : -1;
	rv = poc_token_so_attempt(e, t, tpm, so_pin, so_len);
	poc_tpm_close(tpm);
	return rv;
}
