/* SPDX-License-Identifier: Apache-2.0 */
/* ESYS context lifecycle, the SRK, PCR reads and the TSS2_RC mapping. */
#include "tpm/tpm.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <tss2/tss2_rc.h>
#include <tss2/tss2_tctildr.h>

#include "pcrs.h"
#include "tpm/tpm_tcti.h"

/* tpm_timeout_ms of the configuration, for every TPM this process opens (poc_tpm_timeout_set). */
static uint32_t tpm_timeout_ms = POC_TPM_TIMEOUT_DEFAULT_MS;

void poc_tpm_timeout_set(uint32_t ms)
{
	tpm_timeout_ms = ms == 0 ? POC_TPM_TIMEOUT_DEFAULT_MS : ms;
}
#include "trace/trace.h"

int poc_tpm_open(struct poc_err *e, const char *tcti, struct poc_tpm **out)
{
	struct poc_tpm *t;
	TSS2_TCTI_CONTEXT *bounded;
	TSS2_RC rc;

	uint64_t t0 = poc_trace_start();

	*out = NULL;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return poc_err_set(e, POC_ERR_NOMEM, "tpm: out of memory");
	t->ek.h = ESYS_TR_NONE;
	t->ak.h = ESYS_TR_NONE;
	t->srk = ESYS_TR_NONE;
	t->hmac_sess = ESYS_TR_NONE;
	t->unseal_sess = ESYS_TR_NONE;
	rc = poc_tcti_open_bounded(tcti, tpm_timeout_ms, &t->tcti);
	if (rc != TSS2_RC_SUCCESS) {
		free(t);
		poc_tpm_rc_err(e, rc, "tpm: TCTI");
		poc_err_prefix(e, "\"%s\": ", tcti != NULL && *tcti != '\0' ? tcti : "(default)");
		return -1;
	}
	bounded = poc_tcti_timeout_wrap(t->tcti, tpm_timeout_ms);
	if (bounded == NULL) {
		Tss2_TctiLdr_Finalize(&t->tcti);
		free(t);
		return poc_err_set(e, POC_ERR_NOMEM, "tpm: out of memory");
	}
	t->tcti = bounded;
	rc = Esys_Initialize(&t->esys, t->tcti, NULL);
	if (rc != TSS2_RC_SUCCESS) {
		poc_tcti_timeout_free(t->tcti);
		free(t);
		return poc_tpm_rc_err(e, rc, "tpm: Esys_Initialize");
	}
	*out = t;
	poc_trace_end("tpm_open", t0);
	return 0;
}

/*
 * Drops one cached key: flushes a transient one; closes the ESYS_TR of a
 * persistent one when all is set (it takes no object slot, and the TPM
 * keeps it: never evicted).
 */
static int key_drop(struct poc_err *e, struct poc_tpm *t, struct poc_tpm_key *k, int all)
{
	TSS2_RC rc;
	int rv = 0;

	if (k->h == ESYS_TR_NONE || (!k->transient && !all))
		return 0;
	if (k->transient) {
		rv = poc_tpm_flush(e, t, &k->h);
	} else {
		rc = Esys_TR_Close(t->esys, &k->h);
		if (rc != TSS2_RC_SUCCESS)
			rv = poc_tpm_rc_err(e, rc, "tpm: TR_Close of a persistent key");
	}
	k->h = ESYS_TR_NONE;
	k->transient = 0;
	memset(&k->pub, 0, sizeof(k->pub));
	return rv;
}

static int keys_drop(struct poc_err *e, struct poc_tpm *t, int all)
{
	int rv = 0;

	if (key_drop(e, t, &t->ak, all) < 0)
		rv = -1;
	if (key_drop(e, t, &t->ek, all) < 0)
		rv = -1;
	return rv;
}

int poc_tpm_keys_flush(struct poc_err *e, struct poc_tpm *t)
{
	return keys_drop(e, t, 0);
}

void poc_tpm_close(struct poc_tpm *t)
{
	struct poc_err ignored = { 0 };

	if (t == NULL)
		return;
	/*
	 * Nobody to tell about a failed flush here: the TPM connection is about
	 * to go, and the flush was the last thing to do with it.
	 */
	if (t->esys != NULL && keys_drop(&ignored, t, 1) < 0)
		poc_err_clear(&ignored);
	if (t->esys != NULL)
		poc_tpm_cache_flush(t);
	if (t->esys != NULL)
		Esys_Finalize(&t->esys);
	poc_tcti_timeout_free(t->tcti);
	free(t);
}

int poc_tpm_flush(struct poc_err *e, struct poc_tpm *t, ESYS_TR *h)
{
	TSS2_RC rc;

	if (*h == ESYS_TR_NONE || *h == t->srk || *h == t->hmac_sess || *h == t->unseal_sess) {
		*h = ESYS_TR_NONE;
		return 0;
	}
	rc = Esys_FlushContext(t->esys, *h);
	*h = ESYS_TR_NONE;
	if (rc != TSS2_RC_SUCCESS)
		return poc_tpm_rc_err(e, rc, "tpm: Esys_FlushContext");
	return 0;
}

int poc_tpm_srk(struct poc_err *e, struct poc_tpm *t, ESYS_TR *srk)
{
	TPM2B_SENSITIVE_CREATE in_sensitive = { 0 };
	TPM2B_PUBLIC in_public = {
		.publicArea = {
			.type = TPM2_ALG_ECC,
			.nameAlg = TPM2_ALG_SHA256,
			.objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
					    TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH |
					    TPMA_OBJECT_NODA | TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT,
			.parameters.eccDetail = {
				.symmetric = { .algorithm = TPM2_ALG_AES, .keyBits.aes = 128,
					       .mode.aes = TPM2_ALG_CFB },
				.scheme = { .scheme = TPM2_ALG_NULL },
				.curveID = TPM2_ECC_NIST_P256,
				.kdf = { .scheme = TPM2_ALG_NULL },
			},
			.unique.ecc = { .x = { .size = 32 }, .y = { .size = 32 } },
		},
	};
	TPM2B_DATA outside = { 0 };
	TPML_PCR_SELECTION creation_pcr = { 0 };
	TSS2_RC rc;
	uint64_t t0;

	*srk = ESYS_TR_NONE;
	if (poc_tpm_keys_flush(e, t) < 0)
		return -1;
	if (t->srk != ESYS_TR_NONE) {
		*srk = t->srk;
		return 0;
	}
	t0 = poc_trace_start();
	rc = Esys_CreatePrimary(t->esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE,
				ESYS_TR_NONE, &in_sensitive, &in_public, &outside, &creation_pcr,
				srk, NULL, NULL, NULL, NULL);
	poc_trace_end("srk", t0);
	if (rc != TSS2_RC_SUCCESS) {
		*srk = ESYS_TR_NONE;
		return poc_tpm_rc_err(e, rc, "tpm: SRK (CreatePrimary, owner hierarchy)");
	}
	if (t->srk_pin_len != 0) {
		TPM2B_NAME *name = NULL;
		int same;

		rc = Esys_TR_GetName(t->esys, *srk, &name);
		same = rc == TSS2_RC_SUCCESS && name->size == t->srk_pin_len &&
		       CRYPTO_memcmp(name->name, t->srk_pin, t->srk_pin_len) == 0;
		Esys_Free(name);
		if (!same) {
			struct poc_err ignored = { 0 };

			(void)poc_tpm_flush(&ignored, t, srk);
			return poc_err_set(e, POC_ERR_MISMATCH,
					   "tpm: the SRK is not the token's (not sealed to this TPM, its owner hierarchy "
					   "was cleared, or the TPM's answers are not the TPM's)");
		}
	}
	if (t->keep)
		t->srk = *srk;
	return 0;
}

int poc_tpm_hmac_session(struct poc_err *e, struct poc_tpm *t, ESYS_TR srk, ESYS_TR *sess)
{
	TPMT_SYM_DEF sym = { .algorithm = TPM2_ALG_AES, .keyBits.aes = 128, .mode.aes = TPM2_ALG_CFB };
	TSS2_RC rc;
	uint64_t t0;

	*sess = ESYS_TR_NONE;
	if (t->hmac_sess != ESYS_TR_NONE) {
		*sess = t->hmac_sess;
		return 0;
	}
	if (srk == ESYS_TR_NONE)
		return poc_err_set(e, POC_ERR_ARG, "tpm: an HMAC session salted with no SRK");
	t0 = poc_trace_start();
	rc = Esys_StartAuthSession(t->esys, srk, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, NULL,
				   TPM2_SE_HMAC, &sym, TPM2_ALG_SHA256, sess);
	poc_trace_end("salted_session", t0);
	if (rc != TSS2_RC_SUCCESS) {
		*sess = ESYS_TR_NONE;
		return poc_tpm_rc_err(e, rc, "tpm: StartAuthSession (HMAC, salted with the SRK)");
	}
	rc = Esys_TRSess_SetAttributes(t->esys, *sess, TPMA_SESSION_CONTINUESESSION, 0xff);
	if (rc != TSS2_RC_SUCCESS) {
		struct poc_err ignored = { 0 };

		(void)poc_tpm_flush(&ignored, t, sess);
		return poc_tpm_rc_err(e, rc, "tpm: TRSess_SetAttributes");
	}
	if (t->keep)
		t->hmac_sess = *sess;
	return 0;
}

/* Nobody to tell about a failed flush: the handle is forgotten either way, and poc_tpm_close ends the connection. */
void poc_tpm_cache_drop(struct poc_tpm *t, ESYS_TR *cached)
{
	ESYS_TR h = *cached;
	struct poc_err ignored = { 0 };

	*cached = ESYS_TR_NONE;
	if (h != ESYS_TR_NONE && poc_tpm_flush(&ignored, t, &h) < 0)
		poc_err_clear(&ignored);
}

void poc_tpm_cache_flush(struct poc_tpm *t)
{
	poc_tpm_cache_drop(t, &t->unseal_sess);
	poc_tpm_cache_drop(t, &t->hmac_sess);
	poc_tpm_cache_drop(t, &t->srk);
}

void poc_tpm_cache_keep(struct poc_tpm *t, int on)
{
	t->keep = on;
	if (!on)
		poc_tpm_cache_flush(t);
}

int poc_tpm_srk_name(struct poc_err *e, struct poc_tpm *t, uint8_t *name, size_t *len)
{
	ESYS_TR srk = ESYS_TR_NONE;
	TPM2B_NAME *n = NULL;
	TSS2_RC rc;
	int rv = -1;

	if (poc_tpm_srk(e, t, &srk) < 0)
		return -1;
	rc = Esys_TR_GetName(t->esys, srk, &n);
	if (rc != TSS2_RC_SUCCESS)
		poc_tpm_rc_err(e, rc, "tpm: SRK name");
	else if (n->size > *len)
		poc_err_set(e, POC_ERR_ARG, "tpm: SRK name of %u bytes", n->size);
	else {
		memcpy(name, n->name, n->size);
		*len = n->size;
		rv = 0;
	}
	Esys_Free(n);
	if (poc_tpm_flush(e, t, &srk) < 0)
		rv = -1;
	return rv;
}

int poc_tpm_pin_srk(struct poc_err *e, struct poc_tpm *t, const uint8_t *name, size_t len)
{
	/* Exactly the name of poc_tpm_srk's template: nameAlg SHA-256, then its 32-byte digest. Nothing else pins. */
	if (name == NULL || len != POC_TPM_SRK_NAME_LEN || name[0] != (TPM2_ALG_SHA256 >> 8) ||
	    name[1] != (TPM2_ALG_SHA256 & 0xff))
		return poc_err_set(e, POC_ERR_MALFORMED, "tpm: the SRK name to pin is not SHA-256 and %d bytes (got %zu)",
				   POC_TPM_SRK_NAME_LEN, name == NULL ? 0 : len);
	/* A cached SRK and its session were made before the pin: the next poc_tpm_srk checks the name. */
	poc_tpm_cache_flush(t);
	memcpy(t->srk_pin, name, len);
	t->srk_pin_len = len;
	return 0;
}

/* The TPM's own response codes carry the failing handle/session/parameter in the high bits. */
static int tpm_rc_is(TSS2_RC rc, TSS2_RC want)
{
	if ((rc & TSS2_RC_LAYER_MASK) != TSS2_TPM_RC_LAYER)
		return 0;
	if (rc & TPM2_RC_FMT1)
		return (rc & (TPM2_RC_FMT1 | 0x3fu)) == want;
	return (rc & 0xfffu) == want;
}

/* A format-0 TPM warning: the TPM did not run the command, for a reason of its own. */
static enum poc_verr tpm_warning_code(TSS2_RC rc)
{
	switch (rc & 0xfffu) {
	case TPM2_RC_RETRY:
	case TPM2_RC_YIELDED:
	case TPM2_RC_TESTING:
	case TPM2_RC_NV_RATE:
		return POC_ERR_BUSY;
	case TPM2_RC_LOCKOUT:
		return POC_ERR_LOCKED;
	case TPM2_RC_OBJECT_MEMORY:
	case TPM2_RC_SESSION_MEMORY:
	case TPM2_RC_MEMORY:
	case TPM2_RC_SESSION_HANDLES:
	case TPM2_RC_OBJECT_HANDLES:
		return POC_ERR_DEVICE_MEMORY;
	default:
		return POC_ERR_DEVICE;
	}
}

/* A response code of the TPM itself (or passed through by a resource manager). */
static enum poc_verr tpm_layer_code(TSS2_RC rc)
{
	if (tpm_rc_is(rc, TPM2_RC_AUTH_FAIL) || tpm_rc_is(rc, TPM2_RC_BAD_AUTH))
		return POC_ERR_AUTH;
	if (tpm_rc_is(rc, TPM2_RC_POLICY_FAIL))
		return POC_ERR_POLICY;
	if (rc & TPM2_RC_FMT1)
		return POC_ERR_CRYPTO; /* the TPM refuses a handle, a blob or a value we sent */
	if ((rc & 0xf00u) == TPM2_RC_WARN)
		return tpm_warning_code(rc);
	if (tpm_rc_is(rc, TPM2_RC_PCR_CHANGED))
		return POC_ERR_PCR;
	if (tpm_rc_is(rc, TPM2_RC_INITIALIZE) || tpm_rc_is(rc, TPM2_RC_FAILURE) || tpm_rc_is(rc, TPM2_RC_REBOOT) ||
	    tpm_rc_is(rc, TPM2_RC_UPGRADE) || tpm_rc_is(rc, TPM2_RC_NEEDS_TEST) || !(rc & TPM2_RC_VER1))
		return POC_ERR_DEVICE; /* failure mode, not started, a TPM 1.2 answer */
	return POC_ERR_CRYPTO;
}

enum poc_verr poc_tpm_rc_code(TSS2_RC rc)
{
	TSS2_RC layer = rc & TSS2_RC_LAYER_MASK, base = rc & 0xffffu;

	if (rc == TSS2_RC_SUCCESS)
		return POC_OK;
	if (layer == TSS2_TPM_RC_LAYER)
		return tpm_layer_code(rc);
	if (layer == TSS2_RESMGR_TPM_RC_LAYER)
		return tpm_layer_code(base);
	if (base == TSS2_BASE_RC_TRY_AGAIN)
		return POC_ERR_BUSY;
	if (base == TSS2_BASE_RC_MEMORY)
		return POC_ERR_NOMEM;
	/* Whatever the TCTI says (no connection, I/O, a TCTI that does not load): no TPM at that address. */
	if (layer == TSS2_TCTI_RC_LAYER || base == TSS2_BASE_RC_IO_ERROR || base == TSS2_BASE_RC_NO_CONNECTION)
		return POC_ERR_UNREACHABLE;
	return POC_ERR_DEVICE; /* ESYS/SYS/MU: a malformed response, a response HMAC that fails, ... */
}

int poc_tpm_rc_err(struct poc_err *e, TSS2_RC rc, const char *what)
{
	const char *d = Tss2_RC_Decode(rc);
	unsigned x = (unsigned)rc;
	enum poc_verr code = poc_tpm_rc_code(rc);

	switch (code) {
	case POC_OK:
		return poc_err_set(e, POC_ERR_ARG, "%s: called with success (0x0)", what);
	case POC_ERR_AUTH:
		return poc_err_set(e, code, "%s: authorization failed: %s (0x%x)", what, d, x);
	case POC_ERR_LOCKED:
		return poc_err_set(e, code, "%s: the TPM is in dictionary-attack lockout: %s (0x%x)", what, d, x);
	case POC_ERR_POLICY:
		return poc_err_set(e, code, "%s: policy not satisfied: %s (0x%x)", what, d, x);
	case POC_ERR_BUSY:
		return poc_err_set(e, code, "%s: the TPM stayed busy after tpm2-tss's %d submissions: %s (0x%x): try again",
				   what, POC_TPM_SUBMISSIONS, d, x);
	case POC_ERR_UNREACHABLE: {
		uint32_t ms = poc_tcti_timeout_take();

		if (ms != 0 && rc == TSS2_TCTI_RC_IO_ERROR)
			return poc_err_set(e, code, "%s: the TPM did not answer within %u ms (tpm_timeout_ms): an outage", what,
					   (unsigned)ms);
		return poc_err_set(e, code, "%s: the TPM cannot be reached: %s (0x%x)", what, d, x);
	}
	case POC_ERR_ARG:
	case POC_ERR_NOMEM:
	case POC_ERR_TRUNCATED:
	case POC_ERR_MALFORMED:
	case POC_ERR_UNSUPPORTED:
	case POC_ERR_SIGNATURE:
	case POC_ERR_CHAIN:
	case POC_ERR_EXPIRED:
	case POC_ERR_REVOKED:
	case POC_ERR_NONCE:
	case POC_ERR_MISMATCH:
	case POC_ERR_CRYPTO:
	case POC_ERR_TCB:
	case POC_ERR_PCR:
	case POC_ERR_DEVICE:
	case POC_ERR_DEVICE_MEMORY:
		break;
	}
	return poc_err_set(e, code, "%s: %s (0x%x)", what, d, x);
}

int poc_tpm_pcr_selection(struct poc_err *e, uint16_t bank, uint32_t mask, TPML_PCR_SELECTION *sel)
{
	if (poc_tpm_alg_digest_len(bank) == 0)
		return poc_err_set(e, POC_ERR_ARG, "tpm: PCR bank 0x%04x is not a supported hash", bank);
	if (mask == 0 || (mask >> POC_PCR_COUNT) != 0)
		return poc_err_set(e, POC_ERR_ARG, "tpm: PCR mask 0x%x selects none or PCRs above 23",
				   (unsigned)mask);
	memset(sel, 0, sizeof(*sel));
	sel->count = 1;
	sel->pcrSelections[0].hash = bank;
	sel->pcrSelections[0].sizeofSelect = 3;
	sel->pcrSelections[0].pcrSelect[0] = (uint8_t)(mask & 0xff);
	sel->pcrSelections[0].pcrSelect[1] = (uint8_t)((mask >> 8) & 0xff);
	sel->pcrSelections[0].pcrSelect[2] = (uint8_t)((mask >> 16) & 0xff);
	return 0;
}

static uint32_t sel_mask(const TPMS_PCR_SELECTION *s)
{
	uint32_t m = 0;
	for (unsigned i = 0; i < s->sizeofSelect && i < 3; i++)
		m |= (uint32_t)s->pcrSelect[i] << (8 * i);
	return m;
}

int poc_tpm_pcr_read(struct poc_err *e, struct poc_tpm *t, uint16_t bank, uint32_t mask,
		     uint8_t *vals, size_t *vals_len, uint32_t *update_counter)
{
	uint8_t v[POC_PCR_COUNT][POC_DIGEST_MAX];
	size_t dlen = poc_tpm_alg_digest_len(bank), n = 0;
	uint32_t left = mask;
	TPML_PCR_SELECTION sel;

	*vals_len = 0;
	for (int round = 0; left != 0; round++) {
		TPML_PCR_SELECTION *out_sel = NULL;
		TPML_DIGEST *digests = NULL;
		uint32_t counter, got;
		TSS2_RC rc;
		size_t k = 0;
		int bad = 0;

		if (round >= POC_PCR_COUNT)
			return poc_err_set(e, POC_ERR_CRYPTO, "tpm: PCR_Read makes no progress");
		if (poc_tpm_pcr_selection(e, bank, left, &sel) < 0)
			return -1;
		rc = Esys_PCR_Read(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &sel, &counter,
				   &out_sel, &digests);
		if (rc != TSS2_RC_SUCCESS)
			return poc_tpm_rc_err(e, rc, "tpm: PCR_Read");
		got = (out_sel->count == 1 && out_sel->pcrSelections[0].hash == bank)
			      ? sel_mask(&out_sel->pcrSelections[0]) & left : 0;
		for (unsigned i = 0; i < POC_PCR_COUNT && !bad; i++) {
			if (!(got & (1u << i)))
				continue;
			if (k >= digests->count || digests->digests[k].size != dlen)
				bad = 1;
			else
				memcpy(v[i], digests->digests[k++].buffer, dlen);
		}
		Esys_Free(out_sel);
		Esys_Free(digests);
		if (bad || got == 0)
			return poc_err_set(e, POC_ERR_CRYPTO,
					   "tpm: PCR_Read of %s mask 0x%x returned an unexpected selection",
					   poc_tpm_alg_name(bank), (unsigned)left);
		left &= ~got;
		if (update_counter != NULL)
			*update_counter = counter;
	}
	for (unsigned i = 0; i < POC_PCR_COUNT; i++) {
		if (mask & (1u << i)) {
			memcpy(vals + n, v[i], dlen);
			n += dlen;
		}
	}
	*vals_len = n;
	return 0;
}
