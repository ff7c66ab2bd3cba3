/* SPDX-License-Identifier: Apache-2.0 */
/* A token's PIN counter: a TPM_NT_PIN_FAIL NV index (tpm_pin.h says what the TPM enforces). */
#include "tpm/tpm_pin.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <tss2/tss2_rc.h>

#include "bytes.h"
#include "digest.h"
#include "tpm/tpm_seal.h"
#include "trace/trace.h"

#define PIN_NV_ATTRS                                                                                        \
	((TPM2_NT_PIN_FAIL << TPMA_NV_TPM2_NT_SHIFT) | TPMA_NV_NO_DA | TPMA_NV_POLICYWRITE | TPMA_NV_POLICYREAD)

/* out = H(in || cc || arg) (in NULL: 32 zero bytes), the PolicyUpdate of TPM 2.0 part 1. */
static int policy_update(struct poc_err *e, const uint8_t *in, uint32_t cc, const uint8_t *arg, size_t arg_len,
			 uint8_t out[32])
{
	const struct poc_piece pc = { arg, arg_len };

	return poc_tpm_policy_update(e, "PIN counter", in, cc, &pc, 1, out);
}

/*
 * The third branch (tpm_pin.h): the SO's reset of a user index; or, on an SO
 * index of a token made before the change-in-place branch was dropped
 * (so_change), PolicyCommandCode(NV_ChangeAuth) + PolicyAuthValue, only to
 * read such an index: the TPM neither refuses that branch once the index is
 * locked nor keeps it locked after a success (tests/integration/attack-so.sh).
 */
static int nv_so_branch(struct poc_err *e, const struct poc_pin_nv *nv, uint8_t out[32])
{
	struct poc_pin_nv so;
	uint8_t cc[4];

	if (nv->is_so) {
		poc_put_u32be(cc, TPM2_CC_NV_ChangeAuth);
		if (policy_update(e, NULL, TPM2_CC_PolicyCommandCode, cc, 4, out) < 0)
			return -1;
		return poc_tpm_policy_update(e, "PIN counter", out, TPM2_CC_PolicyAuthValue, NULL, 0, out);
	}
	memset(&so, 0, sizeof(so));
	memcpy(so.name, nv->so_name, nv->so_name_len);
	so.name_len = nv->so_name_len;
	memset(out, 0, 32);
	if (poc_tpm_pin_policy(e, &so, out, out) < 0)
		return -1;
	poc_put_u32be(cc, TPM2_CC_NV_Write);
	return policy_update(e, out, TPM2_CC_PolicyCommandCode, cc, 4, out);
}

/*
 * The branches of the index's authPolicy: [0] NV_Read, [1] NV_Write once,
 * and [2] for a user index with an SO or an older SO index (nv_so_branch).
 */
static int nv_branches(struct poc_err *e, const struct poc_pin_nv *nv, TPML_DIGEST *list)
{
	uint8_t cc[4], no = TPM2_NO;

	memset(list, 0, sizeof(*list));
	list->count = 2;
	list->digests[0].size = list->digests[1].size = 32;
	poc_put_u32be(cc, TPM2_CC_NV_Read);
	if (policy_update(e, NULL, TPM2_CC_PolicyCommandCode, cc, 4, list->digests[0].buffer) < 0)
		return -1;
	poc_put_u32be(cc, TPM2_CC_NV_Write);
	if (policy_update(e, NULL, TPM2_CC_PolicyCommandCode, cc, 4, list->digests[1].buffer) < 0)
		return -1;
	if (policy_update(e, list->digests[1].buffer, TPM2_CC_PolicyNvWritten, &no, 1, list->digests[1].buffer) < 0)
		return -1;
	if (nv == NULL || (nv->is_so ? !nv->so_change : nv->so_name_len == 0))
		return 0;
	if (nv->so_name_len > sizeof(nv->so_name))
		return poc_err_set(e, POC_ERR_ARG, "PIN counter: bad SO counter name");
	list->count = 3;
	list->digests[2].size = 32;
	return nv_so_branch(e, nv, list->digests[2].buffer);
}

static int nv_auth_policy(struct poc_err *e, const struct poc_pin_nv *nv, TPM2B_DIGEST *out)
{
	TPML_DIGEST list;
	uint8_t all[3 * 32];
	uint32_t i;

	if (nv_branches(e, nv, &list) < 0)
		return -1;
	for (i = 0; i < list.count; i++)
		memcpy(all + 32 * i, list.digests[i].buffer, 32);
	out->size = 32;
	return policy_update(e, NULL, TPM2_CC_PolicyOR, all, 32 * list.count, out->buffer);
}

int poc_tpm_pin_policy(struct poc_err *e, const struct poc_pin_nv *nv, const uint8_t in[32], uint8_t out[32])
{
	if (nv == NULL || nv->name_len == 0 || nv->name_len > sizeof(nv->name))
		return poc_err_set(e, POC_ERR_ARG, "PIN counter: no name");
	if (policy_update(e, in, TPM2_CC_PolicySecret, nv->name, nv->name_len, out) < 0)
		return -1;
	/* The second half of PolicyUpdate, H(digest || policyRef), with an empty policyRef. */
	if (poc_sha256(out, 32, out) < 0)
		return poc_err_ssl(e, POC_ERR_CRYPTO, "PIN counter: SHA-256");
	return 0;
}

void poc_tpm_pin_nv_use(struct poc_tpm *t, const struct poc_pin_nv *nv)
{
	if (nv == NULL || nv->handle == 0 || nv->name_len > sizeof(nv->name))
		memset(&t->pin_nv, 0, sizeof(t->pin_nv));
	else
		t->pin_nv = *nv;
}

/* The TPM's base response code (no handle, session or parameter number), or rc for other layers. */
static TSS2_RC rc_base(TSS2_RC rc)
{
	if ((rc & TSS2_RC_LAYER_MASK) != TSS2_TPM_RC_LAYER)
		return rc;
	rc &= 0xfff;
	return (rc & TPM2_RC_FMT1) ? (rc & 0xbf) : rc;
}

/* An ESYS_TR for the index, refused unless its name is nv's. */
static int nv_open(struct poc_err *e, struct poc_tpm *t, const struct poc_pin_nv *nv, ESYS_TR *tr)
{
	TPM2B_NAME *name = NULL;
	TSS2_RC rc;
	int ok;

	*tr = ESYS_TR_NONE;
	rc = Esys_TR_FromTPMPublic(t->esys, nv->handle, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, tr);
	if (rc != TSS2_RC_SUCCESS) {
		*tr = ESYS_TR_NONE;
		if (rc_base(rc) == TPM2_RC_HANDLE)
			return poc_err_set(e, POC_ERR_MISMATCH,
					   "the token's PIN counter (NV index 0x%08x) is not in this TPM (deleted by the TPM "
					   "owner, or another TPM): the PIN cannot be tried", (unsigned)nv->handle);
		return poc_tpm_rc_err(e, rc, "PIN counter: TR_FromTPMPublic");
	}
	rc = Esys_TR_GetName(t->esys, *tr, &name);
	ok = rc == TSS2_RC_SUCCESS && name->size == nv->name_len && CRYPTO_memcmp(name->name, nv->name, nv->name_len) == 0;
	Esys_Free(name);
	if (!ok) {
		Esys_TR_Close(t->esys, tr);
		*tr = ESYS_TR_NONE;
		return poc_err_set(e, POC_ERR_MISMATCH,
				   "NV index 0x%08x is not the token's PIN counter (its name differs): the PIN cannot be tried",
				   (unsigned)nv->handle);
	}
	return 0;
}

static void nv_close(struct poc_tpm *t, ESYS_TR *tr)
{
	if (*tr != ESYS_TR_NONE)
		Esys_TR_Close(t->esys, tr);
	*tr = ESYS_TR_NONE;
}

/* A policy session on branch 0 (read) or 1 (write once) of nv's authPolicy. */
static int nv_branch_session(struct poc_err *e, struct poc_tpm *t, const struct poc_pin_nv *nv, int write, ESYS_TR *sess)
{
	TPMT_SYM_DEF sym = { .algorithm = TPM2_ALG_NULL };
	TPML_DIGEST list;
	TSS2_RC rc;

	rc = Esys_StartAuthSession(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, NULL,
				   TPM2_SE_POLICY, &sym, TPM2_ALG_SHA256, sess);
	if (rc != TSS2_RC_SUCCESS) {
		*sess = ESYS_TR_NONE;
		return poc_tpm_rc_err(e, rc, "PIN counter: StartAuthSession");
	}
	rc = Esys_PolicyCommandCode(t->esys, *sess, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
				    write ? TPM2_CC_NV_Write : TPM2_CC_NV_Read);
	if (rc == TSS2_RC_SUCCESS && write)
		rc = Esys_PolicyNvWritten(t->esys, *sess, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, TPM2_NO);
	if (rc == TSS2_RC_SUCCESS && nv_branches(e, nv, &list) < 0)
		return -1;
	if (rc == TSS2_RC_SUCCESS)
		rc = Esys_PolicyOR(t->esys, *sess, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &list);
	return rc == TSS2_RC_SUCCESS ? 0 : poc_tpm_rc_err(e, rc, "PIN counter: policy session");
}

/* Defines the index at a free handle of the range; the PIN's authValue travels encrypted. */
static int nv_define(struct poc_err *e, struct poc_tpm *t, ESYS_TR srk, const TPM2B_AUTH *auth,
		     const struct poc_pin_nv *kind, ESYS_TR *tr, uint32_t *handle)
{
	TPM2B_NV_PUBLIC pub = { .nvPublic = { .nameAlg = TPM2_ALG_SHA256, .attributes = PIN_NV_ATTRS, .dataSize = 8 } };
	ESYS_TR sess = ESYS_TR_NONE;
	TSS2_RC rc = TSS2_RC_SUCCESS;
	uint8_t r[2];
	int i, rv = -1;

	if (nv_auth_policy(e, kind, &pub.nvPublic.authPolicy) < 0 ||
	    poc_tpm_salted_session(e, t, srk, TPM2_SE_HMAC, TPMA_SESSION_DECRYPT, &sess) < 0)
		goto done;
	for (i = 0; i < 32; i++) {
		if (RAND_bytes(r, sizeof(r)) != 1) {
			poc_err_ssl(e, POC_ERR_CRYPTO, "PIN counter: random handle");
			goto done;
		}
		pub.nvPublic.nvIndex = POC_PIN_NV_FIRST + ((uint32_t)r[0] << 8 | r[1]) % (POC_PIN_NV_LAST - POC_PIN_NV_FIRST + 1);
		rc = Esys_NV_DefineSpace(t->esys, ESYS_TR_RH_OWNER, sess, ESYS_TR_NONE, ESYS_TR_NONE, auth, &pub, tr);
		if (rc_base(rc) != TPM2_RC_NV_DEFINED)
			break;
	}
	if (rc != TSS2_RC_SUCCESS) {
		*tr = ESYS_TR_NONE;
		poc_tpm_rc_err(e, rc, "PIN counter: NV_DefineSpace (owner hierarchy, TPM_NT_PIN_FAIL)");
		goto done;
	}
	*handle = pub.nvPublic.nvIndex;
	rv = 0;
done:
	if (poc_tpm_flush(e, t, &sess) < 0)
		rv = -1;
	return rv;
}

/* Writes {0, limit} through the write-once branch: TPMA_NV_WRITTEN is set and never cleared. */
static int nv_write_once(struct poc_err *e, struct poc_tpm *t, const struct poc_pin_nv *kind, ESYS_TR tr,
			 uint32_t limit)
{
	TPM2B_MAX_NV_BUFFER data = { .size = 8 };
	ESYS_TR sess = ESYS_TR_NONE;
	TSS2_RC rc;
	int rv = -1;

	poc_put_u32be(data.buffer, 0);
	poc_put_u32be(data.buffer + 4, limit);
	if (nv_branch_session(e, t, kind, 1, &sess) == 0) {
		rc = Esys_NV_Write(t->esys, tr, tr, sess, ESYS_TR_NONE, ESYS_TR_NONE, &data, 0);
		rv = rc == TSS2_RC_SUCCESS ? 0 : poc_tpm_rc_err(e, rc, "PIN counter: NV_Write {0, limit}");
	}
	if (poc_tpm_flush(e, t, &sess) < 0)
		rv = -1;
	return rv;
}

int poc_tpm_pin_nv_create(struct poc_err *e, struct poc_tpm *t, const uint8_t *pin, size_t pin_len, uint32_t limit,
			  const struct poc_pin_nv *kind, struct poc_pin_nv *out)
{
	struct poc_pin_nv k;
	TPM2B_NV_PUBLIC *pub = NULL;
	TPM2B_NAME *name = NULL;
	TPM2B_AUTH auth;
	ESYS_TR srk = ESYS_TR_NONE, tr = ESYS_TR_NONE;
	TSS2_RC rc;
	int rv = -1;

	memset(&k, 0, sizeof(k));
	if (kind != NULL)
		k = *kind;
	memset(out, 0, sizeof(*out));
	if (pin == NULL || limit == 0 || limit > POC_PIN_TRIES_MAX || k.so_name_len > sizeof(k.so_name))
		return poc_err_set(e, POC_ERR_ARG, "PIN counter: a PIN and 1..%d tries are needed", POC_PIN_TRIES_MAX);
	if (poc_tpm_pin_auth(e, pin, pin_len, &auth) < 0 || poc_tpm_srk(e, t, &srk) < 0 ||
	    nv_define(e, t, srk, &auth, &k, &tr, &out->handle) < 0)
		goto done;
	if (nv_write_once(e, t, &k, tr, limit) < 0)
		goto undefine;
	rc = Esys_NV_ReadPublic(t->esys, tr, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &pub, &name);
	if (rc != TSS2_RC_SUCCESS) {
		poc_tpm_rc_err(e, rc, "PIN counter: NV_ReadPublic");
		goto undefine;
	}
	if (!(pub->nvPublic.attributes & TPMA_NV_WRITTEN) || name->size > sizeof(out->name)) {
		poc_err_set(e, POC_ERR_CRYPTO, "PIN counter: NV index 0x%08x not written", (unsigned)out->handle);
		goto undefine;
	}
	memcpy(out->name, name->name, name->size);
	out->name_len = name->size;
	memcpy(out->so_name, k.so_name, k.so_name_len);
	out->so_name_len = k.so_name_len;
	out->is_so = k.is_so;
	rv = 0;
	goto done;
undefine:
	rc = Esys_NV_UndefineSpace(t->esys, ESYS_TR_RH_OWNER, tr, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE);
	if (rc == TSS2_RC_SUCCESS)
		tr = ESYS_TR_NONE;
done:
	OPENSSL_cleanse(&auth, sizeof(auth));
	Esys_Free(pub);
	Esys_Free(name);
	nv_close(t, &tr);
	if (poc_tpm_flush(e, t, &srk) < 0)
		rv = -1;
	if (rv < 0)
		memset(out, 0, sizeof(*out));
	return rv;
}

int poc_tpm_pin_nv_delete(struct poc_err *e, struct poc_tpm *t, const struct poc_pin_nv *nv)
{
	ESYS_TR tr;
	TSS2_RC rc;

	if (nv == NULL || nv->handle == 0)
		return 0;
	if (nv_open(e, t, nv, &tr) < 0)
		return -1;
	rc = Esys_NV_UndefineSpace(t->esys, ESYS_TR_RH_OWNER, tr, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE);
	if (rc != TSS2_RC_SUCCESS) {
		nv_close(t, &tr);
		return poc_tpm_rc_err(e, rc, "PIN counter: NV_UndefineSpace (owner)");
	}
	return 0;
}

/* nv as the TPM has it: an SO index whose authPolicy is not today's has the older NV_ChangeAuth branch. */
static int nv_kind(struct poc_err *e, struct poc_tpm *t, ESYS_TR tr, const struct poc_pin_nv *nv, struct poc_pin_nv *out)
{
	TPM2B_NV_PUBLIC *pub = NULL;
	TPM2B_DIGEST now;
	TSS2_RC rc;
	int rv = 0;

	*out = *nv;
	out->so_change = 0;
	if (!nv->is_so)
		return 0;
	rc = Esys_NV_ReadPublic(t->esys, tr, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &pub, NULL);
	if (rc != TSS2_RC_SUCCESS)
		return poc_tpm_rc_err(e, rc, "PIN counter: NV_ReadPublic");
	if (nv_auth_policy(e, out, &now) < 0)
		rv = -1;
	else if (pub->nvPublic.authPolicy.size != now.size || memcmp(pub->nvPublic.authPolicy.buffer, now.buffer, now.size) != 0)
		out->so_change = 1;
	Esys_Free(pub);
	return rv;
}

int poc_tpm_pin_nv_read(struct poc_err *e, struct poc_tpm *t, const struct poc_pin_nv *nv, uint32_t *count,
			uint32_t *limit)
{
	TPM2B_MAX_NV_BUFFER *data = NULL;
	ESYS_TR tr = ESYS_TR_NONE, sess = ESYS_TR_NONE;
	struct poc_pin_nv k;
	TSS2_RC rc;
	int rv = -1;

	if (nv_open(e, t, nv, &tr) < 0)
		return -1;
	if (nv_kind(e, t, tr, nv, &k) == 0 && nv_branch_session(e, t, &k, 0, &sess) == 0) {
		rc = Esys_NV_Read(t->esys, tr, tr, sess, ESYS_TR_NONE, ESYS_TR_NONE, 8, 0, &data);
		if (rc != TSS2_RC_SUCCESS) {
			poc_tpm_rc_err(e, rc, "PIN counter: NV_Read");
		} else if (data->size != 8) {
			poc_err_set(e, POC_ERR_MALFORMED, "PIN counter: %u bytes, not 8", data->size);
		} else {
			*count = (uint32_t)data->buffer[0] << 24 | (uint32_t)data->buffer[1] << 16 |
				 (uint32_t)data->buffer[2] << 8 | data->buffer[3];
			*limit = (uint32_t)data->buffer[4] << 24 | (uint32_t)data->buffer[5] << 16 |
				 (uint32_t)data->buffer[6] << 8 | data->buffer[7];
			rv = 0;
		}
	}
	Esys_Free(data);
	if (poc_tpm_flush(e, t, &sess) < 0)
		rv = -1;
	nv_close(t, &tr);
	return rv;
}

/* Esys_PolicySecret with the index's authValue, through the HMAC session hs. */
static TSS2_RC policy_secret(struct poc_tpm *t, ESYS_TR tr, ESYS_TR sess, ESYS_TR hs, const TPM2B_AUTH *auth)
{
	TPM2B_NONCE none = { 0 }, ref = { 0 };
	TPM2B_DIGEST cphash = { 0 };
	TPM2B_AUTH zero;
	TPM2B_TIMEOUT *timeout = NULL;
	TPMT_TK_AUTH *ticket = NULL;
	TSS2_RC rc, rc2;

	rc = Esys_TR_SetAuth(t->esys, tr, auth);
	if (rc == TSS2_RC_SUCCESS)
		rc = Esys_PolicySecret(t->esys, tr, sess, hs, ESYS_TR_NONE, ESYS_TR_NONE, &none, &cphash, &ref, 0, &timeout,
				       &ticket);
	Esys_Free(timeout);
	Esys_Free(ticket);
	/* ESYS keeps a copy of the authValue: overwrite it with zeros, then drop it (tpm_seal.c does the same). */
	memset(&zero, 0, sizeof(zero));
	zero.size = 32;
	rc2 = Esys_TR_SetAuth(t->esys, tr, &zero);
	if (rc2 == TSS2_RC_SUCCESS)
		rc2 = Esys_TR_SetAuth(t->esys, tr, NULL);
	return rc != TSS2_RC_SUCCESS ? rc : rc2;
}

int poc_tpm_pin_try(struct poc_err *e, struct poc_tpm *t, ESYS_TR srk, ESYS_TR sess, const uint8_t *pin,
		    size_t pin_len)
{
	ESYS_TR tr = ESYS_TR_NONE, hs = ESYS_TR_NONE, own_srk = ESYS_TR_NONE, own_sess = ESYS_TR_NONE;
	TPMT_SYM_DEF sym = { .algorithm = TPM2_ALG_NULL };
	TPM2B_AUTH auth;
	TSS2_RC rc;
	int rv = -1;
	uint64_t t0;

	memset(&auth, 0, sizeof(auth));
	if (t->pin_nv.handle == 0)
		return poc_err_set(e, POC_ERR_ARG, "no PIN counter to try the PIN against");
	if (pin == NULL)
		return poc_err_set(e, POC_ERR_ARG, "PIN counter: no PIN");
	if (srk == ESYS_TR_NONE && poc_tpm_srk(e, t, &own_srk) < 0)
		return -1;
	if (srk == ESYS_TR_NONE)
		srk = own_srk;
	if (sess == ESYS_TR_NONE) {
		rc = Esys_StartAuthSession(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
					   NULL, TPM2_SE_POLICY, &sym, TPM2_ALG_SHA256, &own_sess);
		if (rc != TSS2_RC_SUCCESS) {
			own_sess = ESYS_TR_NONE;
			poc_tpm_rc_err(e, rc, "PIN counter: StartAuthSession");
			goto done;
		}
		sess = own_sess;
	}
	if (nv_open(e, t, &t->pin_nv, &tr) < 0 || poc_tpm_pin_auth(e, pin, pin_len, &auth) < 0 ||
	    poc_tpm_hmac_session(e, t, srk, &hs) < 0)
		goto done;
	t0 = poc_trace_start();
	rc = policy_secret(t, tr, sess, hs, &auth);
	poc_trace_end("pin_policysecret", t0);
	if (rc != TSS2_RC_SUCCESS && hs == t->hmac_sess) {
		poc_tpm_cache_drop(t, &t->hmac_sess); /* its nonces may be out of step now: the next try starts a new one */
		hs = ESYS_TR_NONE;
	}
	if (rc == TSS2_RC_SUCCESS) {
		rv = 0;
	} else if (rc_base(rc) == TPM2_RC_AUTH_UNAVAILABLE) {
		/* A PIN_FAIL index answers AUTH_UNAVAILABLE once pinCount reached pinLimit. */
		poc_err_set(e, POC_ERR_LOCKED, "the PIN is locked: the TPM's PIN counter (NV index 0x%08x) reached its limit",
			    (unsigned)t->pin_nv.handle);
	} else if (poc_tpm_rc_code(rc) == POC_ERR_AUTH) {
		poc_err_set(e, POC_ERR_AUTH, "wrong PIN (%s)", Tss2_RC_Decode(rc));
	} else {
		poc_tpm_rc_err(e, rc, "PIN counter: PolicySecret");
	}
done:
	OPENSSL_cleanse(&auth, sizeof(auth));
	nv_close(t, &tr);
	if (poc_tpm_flush(e, t, &hs) < 0 && rv == 0)
		rv = -1;
	if (poc_tpm_flush(e, t, &own_sess) < 0 && rv == 0)
		rv = -1;
	if (poc_tpm_flush(e, t, &own_srk) < 0 && rv == 0)
		rv = -1;
	return rv;
}

int poc_tpm_pin_nv_reset(struct poc_err *e, struct poc_tpm *t, const struct poc_pin_nv *nv, const struct poc_pin_nv *so,
			 const uint8_t *so_pin, size_t so_pin_len)
{
	TPMT_SYM_DEF sym = { .algorithm = TPM2_ALG_NULL };
	TPM2B_MAX_NV_BUFFER data = { .size = 8 };
	struct poc_pin_nv saved = t->pin_nv;
	TPML_DIGEST list;
	ESYS_TR tr = ESYS_TR_NONE, sess = ESYS_TR_NONE;
	uint32_t count = 0, limit = 0;
	TSS2_RC rc;
	int rv = -1;

	if (nv->so_name_len == 0 || nv->so_name_len != so->name_len || memcmp(nv->so_name, so->name, so->name_len) != 0)
		return poc_err_set(e, POC_ERR_MISMATCH, "PIN counter 0x%08x has no reset branch for SO counter 0x%08x",
				   (unsigned)nv->handle, (unsigned)so->handle);
	if (poc_tpm_pin_nv_read(e, t, nv, &count, &limit) < 0 || nv_open(e, t, nv, &tr) < 0)
		return -1;
	rc = Esys_StartAuthSession(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, NULL,
				   TPM2_SE_POLICY, &sym, TPM2_ALG_SHA256, &sess);
	if (rc != TSS2_RC_SUCCESS) {
		sess = ESYS_TR_NONE;
		poc_tpm_rc_err(e, rc, "PIN counter reset: StartAuthSession");
		goto done;
	}
	/* Branch 2: PolicySecret(SO counter) with the SO PIN (counted there), then NV_Write. */
	t->pin_nv = *so;
	rv = poc_tpm_pin_try(e, t, ESYS_TR_NONE, sess, so_pin, so_pin_len);
	t->pin_nv = saved;
	if (rv < 0)
		goto done;
	rv = -1;
	rc = Esys_PolicyCommandCode(t->esys, sess, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, TPM2_CC_NV_Write);
	if (rc == TSS2_RC_SUCCESS && nv_branches(e, nv, &list) < 0)
		goto done;
	if (rc == TSS2_RC_SUCCESS)
		rc = Esys_PolicyOR(t->esys, sess, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &list);
	poc_put_u32be(data.buffer, 0);
	poc_put_u32be(data.buffer + 4, limit);
	if (rc == TSS2_RC_SUCCESS)
		rc = Esys_NV_Write(t->esys, tr, tr, sess, ESYS_TR_NONE, ESYS_TR_NONE, &data, 0);
	rv = rc == TSS2_RC_SUCCESS ? 0 : poc_tpm_rc_err(e, rc, "PIN counter reset: NV_Write {0, limit}");
done:
	if (poc_tpm_flush(e, t, &sess) < 0)
		rv = -1;
	nv_close(t, &tr);
	return rv;
}
