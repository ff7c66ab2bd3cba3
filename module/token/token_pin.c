/* SPDX-License-Identifier: Apache-2.0 */
/* The token's PIN attempt and its counter in the TPM (token_pin.h). */
#include "token/token_pin.h"

#include <stdlib.h>
#include <string.h>

#include "tpm/tpm_pin.h"
#include "tpm/tpm_seal.h"

/* m's counter; -1 when m has none (or a name that does not fit). */
static int meta_nv(const struct poc_token_meta *m, struct poc_pin_nv *nv)
{
	memset(nv, 0, sizeof(*nv));
	if (m->pin_nv == 0 || m->pin_nv_name == NULL || m->pin_nv_name_len == 0 || m->pin_nv_name_len > sizeof(nv->name))
		return -1;
	nv->handle = m->pin_nv;
	memcpy(nv->name, m->pin_nv_name, m->pin_nv_name_len);
	nv->name_len = m->pin_nv_name_len;
	return 0;
}

int poc_token_pin_create(struct poc_err *e, struct poc_tpm *tpm, const struct poc_config *cfg, const uint8_t *pin,
			 size_t pin_len, struct poc_token_meta *m)
{
	struct poc_pin_nv nv;
	uint32_t limit = cfg->pin_tries ? cfg->pin_tries : POC_PIN_TRIES_DEFAULT;

	if (poc_tpm_pin_nv_create(e, tpm, pin, pin_len, limit, &nv) < 0)
		return -1;
	m->pin_nv_name = malloc(nv.name_len);
	if (m->pin_nv_name == NULL) {
		struct poc_err e2 = { 0 };

		(void)poc_tpm_pin_nv_delete(&e2, tpm, &nv);
		return poc_err_set(e, POC_ERR_NOMEM, "PIN counter name");
	}
	memcpy(m->pin_nv_name, nv.name, nv.name_len);
	m->pin_nv_name_len = nv.name_len;
	m->pin_nv = nv.handle;
	poc_tpm_pin_nv_use(tpm, &nv);
	return 0;
}

void poc_token_pin_destroy(struct poc_tpm *tpm, const struct poc_token_meta *m)
{
	struct poc_pin_nv nv;
	struct poc_err e = { 0 };

	if (tpm != NULL && meta_nv(m, &nv) == 0)
		(void)poc_tpm_pin_nv_delete(&e, tpm, &nv);
}

void poc_token_pin_use(const struct poc_token_meta *m, struct poc_tpm *tpm)
{
	struct poc_pin_nv nv;

	/* Whatever has_pin says: the objects' policies name the counter, and the TPM decides. */
	poc_tpm_pin_nv_use(tpm, meta_nv(m, &nv) == 0 ? &nv : NULL);
}

int poc_token_pin_attempt(struct poc_err *e, struct poc_token *t, struct poc_tpm *tpm, const uint8_t *pin,
			  size_t pin_len)
{
	struct poc_pin_nv nv;
	uint32_t count = 0, limit = 0;
	struct poc_err e2 = { 0 }, te = { 0 };
	int r;

	if (!t->meta.has_pin)
		return pin == NULL ? 0 : poc_err_set(e, POC_ERR_ARG, "token \"%s\" has no PIN", t->meta.label);
	if (pin == NULL)
		return poc_err_set(e, POC_ERR_AUTH, "wrong PIN (token \"%s\" has a PIN, none given)", t->meta.label);
	/* When the count cannot be recorded, the PIN is not tried at all. */
	if (meta_nv(&t->meta, &nv) < 0)
		return poc_err_set(e, POC_ERR_UNSUPPORTED,
				   "token \"%s\" has a PIN but no PIN counter in the TPM (an older token): PIN tries are "
				   "refused; create the token again", t->meta.label);
	poc_tpm_pin_nv_use(tpm, &nv);
	r = poc_tpm_pin_try(&te, tpm, ESYS_TR_NONE, ESYS_TR_NONE, pin, pin_len);
	if (r == 0)
		return 0;
	if (te.code != POC_ERR_AUTH && te.code != POC_ERR_LOCKED)
		return poc_err_set(e, te.code, "%s", te.msg);
	/* The TPM's words, replaced by what they mean for this token. */
	if (poc_tpm_pin_nv_read(&e2, tpm, &nv, &count, &limit) < 0)
		count = limit = 0;
	if (te.code == POC_ERR_AUTH && count < limit)
		return poc_err_set(e, POC_ERR_AUTH,
				   "wrong PIN (%u of %u tries left before the TPM locks the PIN of token \"%s\")",
				   (unsigned)(limit - count), (unsigned)limit, t->meta.label);
	/* The try that reached the limit is a wrong PIN; every later one, the right one too, finds it locked. */
	return poc_err_set(e, te.code,
			   "%s: the PIN of token \"%s\" is locked after %u wrong tries: the TPM refuses every PIN, the right "
			   "one too, until the token's SO resets its counter (docs/pin.md, NV index 0x%08x)",
			   te.code == POC_ERR_AUTH ? "wrong PIN" : "PIN locked", t->meta.label, (unsigned)limit,
			   (unsigned)nv.handle);
}

int poc_token_pin_status(struct poc_err *e, const struct poc_token *t, uint32_t *count, uint32_t *limit)
{
	struct poc_pin_nv nv;
	struct poc_tpm *tpm = NULL;
	int rv;

	*count = *limit = 0;
	if (!t->meta.has_pin || meta_nv(&t->meta, &nv) < 0)
		return poc_err_set(e, POC_ERR_ARG, "token \"%s\" has no PIN counter", t->meta.label);
	if (poc_tpm_open(e, t->cfg.tcti, &tpm) < 0)
		return -1;
	rv = poc_tpm_pin_nv_read(e, tpm, &nv, count, limit);
	poc_tpm_close(tpm);
	return rv;
}
