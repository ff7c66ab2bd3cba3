/* SPDX-License-Identifier: Apache-2.0 */
/* A token's epoch counter: a TPM_NT_COUNTER NV index (tpm_epoch.h says what the TPM enforces). */
#include "tpm/tpm_epoch.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <tss2/tss2_rc.h>

#include "bytes.h"
#include "digest.h"
#include "tpm/tpm_authorize.h"

#define EPOCH_NV_ATTRS                                                                                       \
	((TPM2_NT_COUNTER << TPMA_NV_TPM2_NT_SHIFT) | TPMA_NV_AUTHREAD | TPMA_NV_POLICYWRITE | TPMA_NV_NO_DA)

/* The two branches: [0] the first increment (NV not written yet), [1] an increment signed by the policy key. */
static int epoch_branches(struct poc_err *e, const struct poc_authz_key *k, const uint8_t ref[32], TPML_DIGEST *list)
{
	uint8_t cc[4], no = TPM2_NO;
	struct poc_piece arg = { cc, 4 };

	memset(list, 0, sizeof(*list));
	list->count = 2;
	list->digests[0].size = list->digests[1].size = 32;
	poc_put_u32be(cc, TPM2_CC_NV_Increment);
	if (poc_tpm_policy_update(e, "epoch counter", NULL, TPM2_CC_PolicyCommandCode, &arg, 1, list->digests[0].buffer) < 0)
		return -1;
	memcpy(list->digests[1].buffer, list->digests[0].buffer, 32);
	arg = (struct poc_piece){ &no, 1 };
	if (poc_tpm_policy_update(e, "epoch counter", list->digests[0].buffer, TPM2_CC_PolicyNvWritten, &arg, 1,
				  list->digests[0].buffer) < 0)
		return -1;
	arg = (struct poc_piece){ k->name, k->name_len };
	if (poc_tpm_policy_update(e, "epoch counter", list->digests[1].buffer, TPM2_CC_PolicySigned, &arg, 1,
				  list->digests[1].buffer) < 0)
		return -1;
	return poc_tpm_policy_ref_update(e, list->digests[1].buffer, ref, list->digests[1].buffer);
}

static int epoch_ref(struct poc_err *e, const uint8_t token_id[16], uint8_t ref[32])
{
	return poc_tpm_policy_ref(e, token_id, POC_EPOCH_OBJECT_ID, ref);
}

/* Defines the index at a free handle of the range. */
static int epoch_define(struct poc_err *e, struct poc_tpm *t, const TPML_DIGEST *list, ESYS_TR *tr, uint32_t *handle)
{
	TPM2B_NV_PUBLIC pub = { .nvPublic = { .nameAlg = TPM2_ALG_SHA256, .attributes = EPOCH_NV_ATTRS, .dataSize = 8 } };
	TPM2B_AUTH empty = { 0 };
	uint8_t both[64], r[2];
	struct poc_piece arg = { both, sizeof(both) };
	TSS2_RC rc = TSS2_RC_SUCCESS;

	memcpy(both, list->digests[0].buffer, 32);
	memcpy(both + 32, list->digests[1].buffer, 32);
	pub.nvPublic.authPolicy.size = 32;
	if (poc_tpm_policy_update(e, "epoch counter", NULL, TPM2_CC_PolicyOR, &arg, 1, pub.nvPublic.authPolicy.buffer) < 0)
		return -1;
	for (int i = 0; i < 32; i++) {
		if (RAND_bytes(r, sizeof(r)) != 1)
			return poc_err_ssl(e, POC_ERR_CRYPTO, "epoch counter: random handle");
		pub.nvPublic.nvIndex = POC_EPOCH_NV_FIRST + ((uint32_t)r[0] << 8 | r[1]) % (POC_EPOCH_NV_LAST - POC_EPOCH_NV_FIRST + 1);
		rc = Esys_NV_DefineSpace(t->esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &empty, &pub, tr);
		if ((rc & TSS2_RC_LAYER_MASK) != TSS2_TPM_RC_LAYER || (rc & 0xfff) != TPM2_RC_NV_DEFINED)
			break;
	}
	if (rc != TSS2_RC_SUCCESS) {
		*tr = ESYS_TR_NONE;
		return poc_tpm_rc_err(e, rc, "epoch counter: NV_DefineSpace (owner hierarchy, TPM_NT_COUNTER)");
	}
	*handle = pub.nvPublic.nvIndex;
	return 0;
}

/* NV_Increment in a policy session on branch 0 (k NULL) or 1 (PolicySigned by priv for k). */
static int epoch_increment(struct poc_err *e, struct poc_tpm *t, ESYS_TR tr, const TPML_DIGEST *list,
			   const struct poc_authz_key *k, const uint8_t ref[32], EVP_PKEY *priv)
{
	TPMT_SYM_DEF sym = { .algorithm = TPM2_ALG_NULL };
	TPM2B_NONCE *nonce = NULL, pref = { .size = 32 };
	TPM2B_DIGEST cphash = { 0 };
	TPM2B_TIMEOUT *timeout = NULL;
	TPMT_TK_AUTH *ticket = NULL;
	TPMT_SIGNATURE sig;
	ESYS_TR sess = ESYS_TR_NONE, key = ESYS_TR_NONE;
	uint8_t ahash[32], der[POC_AUTHZ_SIG_MAX], zero4[4] = { 0 };
	size_t der_len = sizeof(der);
	TSS2_RC rc;
	int rv = -1;

	rc = Esys_StartAuthSession(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, NULL,
				   TPM2_SE_POLICY, &sym, TPM2_ALG_SHA256, &sess);
	if (rc != TSS2_RC_SUCCESS)
		return poc_tpm_rc_err(e, rc, "epoch counter: StartAuthSession");
	rc = Esys_PolicyCommandCode(t->esys, sess, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, TPM2_CC_NV_Increment);
	if (rc == TSS2_RC_SUCCESS && k == NULL)
		rc = Esys_PolicyNvWritten(t->esys, sess, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, TPM2_NO);
	if (rc == TSS2_RC_SUCCESS && k != NULL) {
		struct poc_piece pc[4];

		rc = Esys_TRSess_GetNonceTPM(t->esys, sess, &nonce);
		if (rc != TSS2_RC_SUCCESS)
			goto tpm_fail;
		/* aHash = H(nonceTPM || expiration (INT32, 0) || cpHashA (empty) || policyRef). */
		pc[0] = (struct poc_piece){ nonce->buffer, nonce->size };
		pc[1] = (struct poc_piece){ zero4, 4 };
		pc[2] = (struct poc_piece){ NULL, 0 };
		pc[3] = (struct poc_piece){ ref, 32 };
		memcpy(pref.buffer, ref, 32);
		if (poc_digest(EVP_sha256(), pc, 4, ahash, NULL) < 0) {
			poc_err_ssl(e, POC_ERR_CRYPTO, "epoch counter: SHA-256");
			goto done;
		}
		if (poc_tpm_authz_sign(e, priv, ahash, der, &der_len) < 0 || poc_tpm_authz_tpm_sig(e, k, der, der_len, &sig) < 0 ||
		    poc_tpm_authz_load(e, t, k, &key) < 0)
			goto done;
		rc = Esys_PolicySigned(t->esys, key, sess, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, nonce, &cphash, &pref, 0,
				       &sig, &timeout, &ticket);
		if (rc != TSS2_RC_SUCCESS) {
			poc_tpm_authz_refused(e, rc, "epoch counter: the TPM refuses the signature, not the token's policy key "
				    "(PolicySigned)");
			goto done;
		}
	}
	if (rc == TSS2_RC_SUCCESS)
		rc = Esys_PolicyOR(t->esys, sess, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, list);
	if (rc == TSS2_RC_SUCCESS)
		rc = Esys_NV_Increment(t->esys, tr, tr, sess, ESYS_TR_NONE, ESYS_TR_NONE);
tpm_fail:
	rv = rc == TSS2_RC_SUCCESS ? 0 : poc_tpm_rc_err(e, rc, "epoch counter: NV_Increment");
done:
	Esys_Free(nonce);
	Esys_Free(timeout);
	Esys_Free(ticket);
	if (poc_tpm_flush(e, t, &key) < 0)
		rv = -1;
	if (poc_tpm_flush(e, t, &sess) < 0)
		rv = -1;
	return rv;
}

int poc_tpm_epoch_create(struct poc_err *e, struct poc_tpm *t, const struct poc_authz_key *k,
			 const uint8_t token_id[16], struct poc_epoch_nv *out)
{
	TPM2B_NV_PUBLIC *pub = NULL;
	TPM2B_NAME *name = NULL;
	TPML_DIGEST list;
	uint8_t ref[32];
	ESYS_TR tr = ESYS_TR_NONE;
	TSS2_RC rc;
	int rv = -1;

	memset(out, 0, sizeof(*out));
	if (epoch_ref(e, token_id, ref) < 0 || epoch_branches(e, k, ref, &list) < 0 ||
	    epoch_define(e, t, &list, &tr, &out->handle) < 0)
		return -1;
	if (epoch_increment(e, t, tr, &list, NULL, NULL, NULL) < 0)
		goto undefine;
	rc = Esys_NV_ReadPublic(t->esys, tr, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &pub, &name);
	if (rc != TSS2_RC_SUCCESS) {
		poc_tpm_rc_err(e, rc, "epoch counter: NV_ReadPublic");
		goto undefine;
	}
	if (!(pub->nvPublic.attributes & TPMA_NV_WRITTEN) || name->size != sizeof(out->name)) {
		poc_err_set(e, POC_ERR_CRYPTO, "epoch counter: NV index 0x%08x not written", (unsigned)out->handle);
		goto undefine;
	}
	memcpy(out->name, name->name, name->size);
	out->name_len = name->size;
	rv = 0;
	goto done;
undefine:
	rc = Esys_NV_UndefineSpace(t->esys, ESYS_TR_RH_OWNER, tr, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE);
	if (rc == TSS2_RC_SUCCESS)
		tr = ESYS_TR_NONE;
done:
	Esys_Free(pub);
	Esys_Free(name);
	if (tr != ESYS_TR_NONE)
		Esys_TR_Close(t->esys, &tr);
	if (rv < 0)
		memset(out, 0, sizeof(*out));
	return rv;
}

int poc_tpm_epoch_open(struct poc_err *e, struct poc_tpm *t, const struct poc_epoch_nv *nv, ESYS_TR *tr)
{
	TPM2B_NAME *name = NULL;
	TSS2_RC rc;
	int ok;

	*tr = ESYS_TR_NONE;
	if (nv == NULL || nv->handle == 0 || nv->name_len == 0 || nv->name_len > sizeof(nv->name))
		return poc_err_set(e, POC_ERR_ARG, "epoch counter: none");
	rc = Esys_TR_FromTPMPublic(t->esys, nv->handle, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, tr);
	if (rc != TSS2_RC_SUCCESS) {
		*tr = ESYS_TR_NONE;
		if ((rc & TSS2_RC_LAYER_MASK) == TSS2_TPM_RC_LAYER && (rc & 0xbf) == (TPM2_RC_HANDLE & 0xbf))
			return poc_err_set(e, POC_ERR_MISMATCH, "seal.epoch: the token's epoch counter (NV index 0x%08x) is "
					   "not in this TPM (deleted, or another TPM)", (unsigned)nv->handle);
		return poc_tpm_rc_err(e, rc, "epoch counter: TR_FromTPMPublic");
	}
	rc = Esys_TR_GetName(t->esys, *tr, &name);
	ok = rc == TSS2_RC_SUCCESS && name->size == nv->name_len && CRYPTO_memcmp(name->name, nv->name, nv->name_len) == 0;
	Esys_Free(name);
	if (!ok) {
		Esys_TR_Close(t->esys, tr);
		*tr = ESYS_TR_NONE;
		return poc_err_set(e, POC_ERR_MISMATCH, "seal.epoch: NV index 0x%08x is not the token's epoch counter",
				   (unsigned)nv->handle);
	}
	return 0;
}

int poc_tpm_epoch_read(struct poc_err *e, struct poc_tpm *t, const struct poc_epoch_nv *nv, uint64_t *value)
{
	TPM2B_MAX_NV_BUFFER *data = NULL;
	ESYS_TR tr;
	TSS2_RC rc;
	int rv = -1;

	if (poc_tpm_epoch_open(e, t, nv, &tr) < 0)
		return -1;
	rc = Esys_NV_Read(t->esys, tr, tr, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, 8, 0, &data);
	if (rc != TSS2_RC_SUCCESS) {
		poc_tpm_rc_err(e, rc, "epoch counter: NV_Read");
	} else if (data->size != 8) {
		poc_err_set(e, POC_ERR_MALFORMED, "epoch counter: %u bytes, not 8", data->size);
	} else {
		*value = 0;
		for (int i = 0; i < 8; i++)
			*value = *value << 8 | data->buffer[i];
		rv = 0;
	}
	Esys_Free(data);
	Esys_TR_Close(t->esys, &tr);
	return rv;
}

int poc_tpm_epoch_bump(struct poc_err *e, struct poc_tpm *t, const struct poc_epoch_nv *nv,
		       const struct poc_authz_key *k, const uint8_t token_id[16], EVP_PKEY *priv)
{
	TPML_DIGEST list;
	uint8_t ref[32];
	ESYS_TR tr;
	int rv;

	if (epoch_ref(e, token_id, ref) < 0 || epoch_branches(e, k, ref, &list) < 0 ||
	    poc_tpm_epoch_open(e, t, nv, &tr) < 0)
		return -1;
	rv = epoch_increment(e, t, tr, &list, k, ref, priv);
	Esys_TR_Close(t->esys, &tr);
	return rv;
}

int poc_tpm_epoch_delete(struct poc_err *e, struct poc_tpm *t, const struct poc_epoch_nv *nv)
{
	ESYS_TR tr;
	TSS2_RC rc;

	if (nv == NULL || nv->handle == 0)
		return 0;
	if (poc_tpm_epoch_open(e, t, nv, &tr) < 0)
		return -1;
	rc = Esys_NV_UndefineSpace(t->esys, ESYS_TR_RH_OWNER, tr, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE);
	if (rc != TSS2_RC_SUCCESS) {
		Esys_TR_Close(t->esys, &tr);
		return poc_tpm_rc_err(e, rc, "epoch counter: NV_UndefineSpace (owner)");
	}
	return 0;
}
