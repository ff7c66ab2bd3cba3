/* SPDX-License-Identifier: Apache-2.0 */
/* Sealing K_tpm to PCRs (+ PIN) in a KEYEDHASH object under the SRK. */
#include "tpm/tpm_seal.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <tss2/tss2_mu.h>
#include <tss2/tss2_rc.h>

#include "bytes.h"
#include "digest.h"
#include "pcrs.h"
#include "tpm/tpm_pin.h"
#include "trace/trace.h"

int poc_tpm_policy_update(struct poc_err *e, const char *what, const uint8_t *in, uint32_t cc,
			  const struct poc_piece *args, size_t nargs, uint8_t out[32])
{
	static const uint8_t zero[32];
	struct poc_piece pc[4];
	uint8_t ccb[4];

	if (nargs > 2)
		return poc_err_set(e, POC_ERR_ARG, "%s: policy update of %zu arguments", what, nargs);
	poc_put_u32be(ccb, cc);
	pc[0] = (struct poc_piece){ in != NULL ? in : zero, 32 };
	pc[1] = (struct poc_piece){ ccb, 4 };
	for (size_t i = 0; i < nargs; i++)
		pc[2 + i] = args[i];
	if (poc_digest(EVP_sha256(), pc, 2 + nargs, out, NULL) < 0)
		return poc_err_ssl(e, POC_ERR_CRYPTO, "%s: SHA-256", what);
	return 0;
}

/* H(policy || TPM_CC_PolicyAuthValue) */
static int extend_auth_value(struct poc_err *e, const uint8_t in[32], uint8_t out[32])
{
	return poc_tpm_policy_update(e, "seal", in, TPM2_CC_PolicyAuthValue, NULL, 0, out);
}

/* The PIN's part of a policy: [PolicySecret(the PIN counter)] + PolicyAuthValue. */
static int extend_pin(struct poc_err *e, const struct poc_pin_nv *nv, const uint8_t in[32], uint8_t out[32])
{
	uint8_t tmp[32];

	if (nv != NULL && nv->handle != 0) {
		if (poc_tpm_pin_policy(e, nv, in, tmp) < 0)
			return -1;
		in = tmp;
	}
	return extend_auth_value(e, in, out);
}

int poc_tpm_seal_policy(struct poc_err *e, uint16_t bank, uint32_t pcr_mask, const uint8_t *pcr_values,
			size_t values_len, int with_pin, const struct poc_pin_nv *nv, uint8_t out[32])
{
	uint8_t pcr_digest[32], sel_buf[sizeof(TPML_PCR_SELECTION)];
	struct poc_piece args[2];
	TPML_PCR_SELECTION sel;
	size_t off = 0;
	TSS2_RC rc;

	/* No PCRs: bound to this TPM (and the PIN) only; the policy starts from the empty digest. */
	if (pcr_mask == 0) {
		memset(out, 0, 32);
		return with_pin ? extend_pin(e, nv, out, out) : 0;
	}
	if (poc_tpm_pcr_selection(e, bank, pcr_mask, &sel) < 0)
		return -1;
	rc = Tss2_MU_TPML_PCR_SELECTION_Marshal(&sel, sel_buf, sizeof(sel_buf), &off);
	if (rc != TSS2_RC_SUCCESS)
		return poc_tpm_rc_err(e, rc, "seal: marshal TPML_PCR_SELECTION");
	if (poc_sha256(pcr_values, values_len, pcr_digest) < 0)
		return poc_err_ssl(e, POC_ERR_CRYPTO, "seal: SHA-256");
	args[0] = (struct poc_piece){ sel_buf, off };
	args[1] = (struct poc_piece){ pcr_digest, 32 };
	if (poc_tpm_policy_update(e, "seal", NULL, TPM2_CC_PolicyPCR, args, 2, out) < 0)
		return -1;
	if (with_pin && extend_pin(e, nv, out, out) < 0)
		return -1;
	return 0;
}

int poc_tpm_seal_policy_authorized(struct poc_err *e, const uint8_t *key_name, size_t key_name_len,
				   const uint8_t policy_ref[32], int with_pin, const struct poc_pin_nv *nv, uint8_t out[32])
{
	struct poc_piece name = { key_name, key_name_len };

	/* PolicyAuthorize: H(H(0^32 || TPM_CC_PolicyAuthorize || keyName) || policyRef). */
	if (key_name == NULL || key_name_len == 0 ||
	    poc_tpm_policy_update(e, "seal", NULL, TPM2_CC_PolicyAuthorize, &name, 1, out) < 0)
		return key_name == NULL || key_name_len == 0 ? poc_err_set(e, POC_ERR_ARG, "seal: no policy key name") : -1;
	if (poc_tpm_policy_ref_update(e, out, policy_ref, out) < 0)
		return -1;
	return with_pin ? extend_pin(e, nv, out, out) : 0;
}

int poc_tpm_policy_ref_update(struct poc_err *e, const uint8_t in[32], const uint8_t policy_ref[32], uint8_t out[32])
{
	const struct poc_piece pc[2] = { { in, 32 }, { policy_ref, policy_ref != NULL ? 32 : 0 } };

	if (poc_digest(EVP_sha256(), pc, 2, out, NULL) < 0)
		return poc_err_ssl(e, POC_ERR_CRYPTO, "seal: SHA-256");
	return 0;
}

int poc_tpm_pin_auth(struct poc_err *e, const uint8_t *pin, size_t pin_len, TPM2B_AUTH *auth)
{
	memset(auth, 0, sizeof(*auth));
	if (pin == NULL)
		return 0;
	if (poc_sha256(pin, pin_len, auth->buffer) < 0)
		return poc_err_ssl(e, POC_ERR_CRYPTO, "seal: SHA-256");
	auth->size = 32;
	return 0;
}

int poc_tpm_salted_session(struct poc_err *e, struct poc_tpm *t, ESYS_TR srk, TPM2_SE type,
			 TPMA_SESSION enc, ESYS_TR *sess)
{
	TPMT_SYM_DEF sym = { .algorithm = TPM2_ALG_AES, .keyBits.aes = 128, .mode.aes = TPM2_ALG_CFB };
	TSS2_RC rc;
	uint64_t t0 = poc_trace_start();

	rc = Esys_StartAuthSession(t->esys, srk, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
				   ESYS_TR_NONE, NULL, type, &sym, TPM2_ALG_SHA256, sess);
	poc_trace_end("salted_session", t0);
	if (rc != TSS2_RC_SUCCESS) {
		*sess = ESYS_TR_NONE;
		return poc_tpm_rc_err(e, rc, "seal: StartAuthSession (salted with the SRK)");
	}
	rc = Esys_TRSess_SetAttributes(t->esys, *sess, TPMA_SESSION_CONTINUESESSION | enc, 0xff);
	if (rc != TSS2_RC_SUCCESS)
		return poc_tpm_rc_err(e, rc, "seal: TRSess_SetAttributes");
	return 0;
}

int poc_tpm_seal(struct poc_err *e, struct poc_tpm *t, uint16_t bank, uint32_t pcr_mask,
		 const uint8_t *pin, size_t pin_len, const uint8_t secret[POC_SEAL_SECRET_LEN],
		 struct poc_sealed *out)
{
	uint8_t vals[POC_PCR_COUNT * POC_DIGEST_MAX], policy[32];
	size_t vals_len = 0;

	memset(out, 0, sizeof(*out));
	if (pin == NULL && pin_len != 0)
		return poc_err_set(e, POC_ERR_ARG, "seal: PIN length without a PIN");
	if ((pcr_mask != 0 && poc_tpm_pcr_read(e, t, bank, pcr_mask, vals, &vals_len, NULL) < 0) ||
	    poc_tpm_seal_policy(e, bank, pcr_mask, vals, vals_len, pin != NULL, &t->pin_nv, policy) < 0)
		return -1;
	return poc_tpm_seal_digest(e, t, policy, pin, pin_len, secret, out);
}

int poc_tpm_seal_digest(struct poc_err *e, struct poc_tpm *t, const uint8_t policy[32], const uint8_t *pin,
			size_t pin_len, const uint8_t secret[POC_SEAL_SECRET_LEN], struct poc_sealed *out)
{
	ESYS_TR srk = ESYS_TR_NONE, sess = ESYS_TR_NONE;
	TPM2B_SENSITIVE_CREATE in_sensitive = { 0 };
	TPM2B_PUBLIC in_public = {
		.publicArea = {
			.type = TPM2_ALG_KEYEDHASH,
			.nameAlg = TPM2_ALG_SHA256,
			.objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_NODA |
					    TPMA_OBJECT_ADMINWITHPOLICY,
			.parameters.keyedHashDetail.scheme = { .scheme = TPM2_ALG_NULL },
		},
	};
	TPM2B_DATA outside = { 0 };
	TPML_PCR_SELECTION creation_pcr = { 0 };
	TPM2B_PRIVATE *priv = NULL;
	TPM2B_PUBLIC *pub = NULL;
	TSS2_RC rc;
	int rv = -1;

	memset(out, 0, sizeof(*out));
	if (pin == NULL && pin_len != 0)
		return poc_err_set(e, POC_ERR_ARG, "seal: PIN length without a PIN");
	memcpy(in_public.publicArea.authPolicy.buffer, policy, 32);
	in_public.publicArea.authPolicy.size = 32;
	if (poc_tpm_pin_auth(e, pin, pin_len, &in_sensitive.sensitive.userAuth) < 0)
		goto done;
	memcpy(in_sensitive.sensitive.data.buffer, secret, POC_SEAL_SECRET_LEN);
	in_sensitive.sensitive.data.size = POC_SEAL_SECRET_LEN;

	if (poc_tpm_srk(e, t, &srk) < 0 ||
	    poc_tpm_salted_session(e, t, srk, TPM2_SE_HMAC, TPMA_SESSION_DECRYPT, &sess) < 0)
		goto done;
	rc = Esys_Create(t->esys, srk, sess, ESYS_TR_NONE, ESYS_TR_NONE, &in_sensitive, &in_public,
			 &outside, &creation_pcr, &priv, &pub, NULL, NULL, NULL);
	if (rc != TSS2_RC_SUCCESS) {
		poc_tpm_rc_err(e, rc, "seal: Create (sealed-data object under the SRK)");
		goto done;
	}
	rc = Tss2_MU_TPM2B_PUBLIC_Marshal(pub, out->pub, sizeof(out->pub), &out->pub_len);
	if (rc == TSS2_RC_SUCCESS)
		rc = Tss2_MU_TPM2B_PRIVATE_Marshal(priv, out->priv, sizeof(out->priv), &out->priv_len);
	if (rc != TSS2_RC_SUCCESS) {
		poc_tpm_rc_err(e, rc, "seal: marshal the sealed object");
		goto done;
	}
	rv = 0;
done:
	OPENSSL_cleanse(&in_sensitive, sizeof(in_sensitive));
	Esys_Free(priv);
	Esys_Free(pub);
	if (poc_tpm_flush(e, t, &sess) < 0)
		rv = -1;
	if (poc_tpm_flush(e, t, &srk) < 0)
		rv = -1;
	if (rv < 0)
		memset(out, 0, sizeof(*out));
	return rv;
}

static int unmarshal_sealed(struct poc_err *e, const struct poc_sealed *s, TPM2B_PUBLIC *pub,
			    TPM2B_PRIVATE *priv)
{
	size_t off = 0;
	TSS2_RC rc;

	memset(pub, 0, sizeof(*pub));
	memset(priv, 0, sizeof(*priv));
	if (s->pub_len > sizeof(s->pub) || s->priv_len > sizeof(s->priv))
		return poc_err_set(e, POC_ERR_ARG, "unseal: sealed object lengths out of range");
	rc = Tss2_MU_TPM2B_PUBLIC_Unmarshal(s->pub, s->pub_len, &off, pub);
	if (rc != TSS2_RC_SUCCESS || off != s->pub_len)
		return poc_err_set(e, POC_ERR_MALFORMED, "unseal: the sealed object's TPM2B_PUBLIC is malformed");
	off = 0;
	rc = Tss2_MU_TPM2B_PRIVATE_Unmarshal(s->priv, s->priv_len, &off, priv);
	if (rc != TSS2_RC_SUCCESS || off != s->priv_len)
		return poc_err_set(e, POC_ERR_MALFORMED, "unseal: the sealed object's TPM2B_PRIVATE is malformed");
	if (pub->publicArea.type != TPM2_ALG_KEYEDHASH || pub->publicArea.nameAlg != TPM2_ALG_SHA256 ||
	    pub->publicArea.authPolicy.size != 32)
		return poc_err_set(e, POC_ERR_UNSUPPORTED,
				   "unseal: not a SHA-256 KEYEDHASH sealed object with a policy");
	return 0;
}

/*
 * The object's policy in the session sess, up to PolicyAuthValue (its HMAC is
 * the caller's): PolicyPCR (sel NULL: none), then the session's digest
 * compared with the object's authPolicy, which names the failure (PCRs vs
 * PIN) before the TPM answers an opaque TPM_RC_POLICY_FAIL and before any PIN
 * is tried; then the counted PolicySecret on t's PIN counter. Returns 0 or
 * -1 (e: POC_ERR_PCR, POC_ERR_AUTH, POC_ERR_LOCKED or another code).
 */
static int satisfy_policy(struct poc_err *e, struct poc_tpm *t, ESYS_TR srk, ESYS_TR sess, const TPM2B_PUBLIC *pub,
			  const struct poc_tpm_prelude *pre, const uint8_t *pin, size_t pin_len)
{
	TPM2B_DIGEST *pd = NULL;
	uint8_t pcr_only[32], with_av[32];
	const uint8_t *want, *other;
	TSS2_RC rc;
	int rv = -1;
	uint64_t t0 = poc_trace_start();

	if (pre->run(e, t, sess, pre->ctx) < 0)
		return -1;
	rc = Esys_PolicyGetDigest(t->esys, sess, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &pd);
	if (rc != TSS2_RC_SUCCESS)
		return poc_tpm_rc_err(e, rc, "unseal: PolicyGetDigest");
	if (pd->size != 32) {
		poc_err_set(e, POC_ERR_CRYPTO, "unseal: policy digest of %u bytes", pd->size);
		goto done;
	}
	memcpy(pcr_only, pd->buffer, 32);
	poc_trace_end("policy_pcr", t0);
	if (extend_pin(e, &t->pin_nv, pcr_only, with_av) < 0)
		goto done;
	want = pin != NULL ? with_av : pcr_only;
	other = pin != NULL ? pcr_only : with_av;
	if (CRYPTO_memcmp(want, pub->publicArea.authPolicy.buffer, 32) != 0) {
		if (CRYPTO_memcmp(other, pub->publicArea.authPolicy.buffer, 32) != 0) {
			poc_err_set(e, POC_ERR_PCR, "unseal: PCR policy not satisfied (a PCR changed since sealing)");
		} else if (pin == NULL) {
			poc_err_set(e, POC_ERR_AUTH, "unseal: wrong PIN (the object needs a PIN, none given)");
		} else {
			poc_err_set(e, POC_ERR_ARG, "unseal: a PIN was given for an object sealed without one");
		}
		goto done;
	}
	/* The counted try: a wrong PIN increments the TPM's PIN counter here, before anything is unsealed. */
	rv = pin != NULL && t->pin_nv.handle != 0 ? poc_tpm_pin_try(e, t, srk, sess, pin, pin_len) : 0;
done:
	Esys_Free(pd);
	return rv;
}

/* Loads the sealed object under srk into *obj; a Load refused by the TPM is another TPM's object. */
static int load_sealed(struct poc_err *e, struct poc_tpm *t, ESYS_TR srk, const TPM2B_PUBLIC *pub,
		       const TPM2B_PRIVATE *priv, ESYS_TR *obj)
{
	TSS2_RC rc;
	uint64_t t0 = poc_trace_start();

	rc = Esys_Load(t->esys, srk, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, priv, pub, obj);
	poc_trace_end("load_sealed", t0);
	if (rc == TSS2_RC_SUCCESS)
		return 0;
	*obj = ESYS_TR_NONE;
	if (poc_tpm_rc_code(rc) == POC_ERR_CRYPTO)
		return poc_err_set(e, POC_ERR_MISMATCH, "unseal: not sealed to this TPM (Load under the SRK: %s, 0x%x)",
				   Tss2_RC_Decode(rc), (unsigned)rc);
	return poc_tpm_rc_err(e, rc, "unseal: Load");
}

/* The PIN's last step: PolicyAuthValue in sess and the object's auth SHA-256(PIN) in ESYS (auth: its copy). */
static int give_pin(struct poc_err *e, struct poc_tpm *t, ESYS_TR sess, ESYS_TR obj, const uint8_t *pin,
		    size_t pin_len, TPM2B_AUTH *auth)
{
	TSS2_RC rc;

	rc = Esys_PolicyAuthValue(t->esys, sess, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE);
	if (rc != TSS2_RC_SUCCESS)
		return poc_tpm_rc_err(e, rc, "unseal: PolicyAuthValue");
	if (poc_tpm_pin_auth(e, pin, pin_len, auth) < 0)
		return -1;
	rc = Esys_TR_SetAuth(t->esys, obj, auth);
	if (rc != TSS2_RC_SUCCESS)
		return poc_tpm_rc_err(e, rc, "unseal: TR_SetAuth");
	return 0;
}

/* Esys_Unseal in sess into secret: 0, or -1 with e's code saying why (POC_ERR_AUTH, POC_ERR_PCR, ...). */
static int unseal_data(struct poc_err *e, struct poc_tpm *t, ESYS_TR obj, ESYS_TR sess,
		       uint8_t secret[POC_SEAL_SECRET_LEN])
{
	TPM2B_SENSITIVE_DATA *data = NULL;
	TSS2_RC rc;
	int rv = -1;

	uint64_t t0 = poc_trace_start();

	rc = Esys_Unseal(t->esys, obj, sess, ESYS_TR_NONE, ESYS_TR_NONE, &data);
	poc_trace_end("unseal", t0);
	if (rc != TSS2_RC_SUCCESS) {
		/* The object's policy is PolicyPCR [+ PIN]: an unsatisfied one here is a PCR that changed under us. */
		if (poc_tpm_rc_code(rc) == POC_ERR_AUTH)
			return poc_err_set(e, POC_ERR_AUTH, "unseal: wrong PIN (%s)", Tss2_RC_Decode(rc));
		if (poc_tpm_rc_code(rc) == POC_ERR_POLICY)
			return poc_err_set(e, POC_ERR_PCR, "unseal: PCR policy not satisfied (a PCR changed since sealing): %s",
					   Tss2_RC_Decode(rc));
		return poc_tpm_rc_err(e, rc, "unseal: Unseal");
	}
	if (data->size != POC_SEAL_SECRET_LEN) {
		poc_err_set(e, POC_ERR_MALFORMED, "unseal: sealed data of %u bytes, not %d", data->size,
			    POC_SEAL_SECRET_LEN);
	} else {
		memcpy(secret, data->buffer, POC_SEAL_SECRET_LEN);
		rv = 0;
	}
	OPENSSL_cleanse(data, sizeof(*data));
	Esys_Free(data);
	return rv;
}

/*
 * ESYS keeps a copy of the object's auth (SHA-256 of the PIN): overwrite
 * it with zeros (a NULL auth only resets the size) before the flush frees it.
 * Esys_TR_SetAuth copies the whole TPM2B_AUTH, so 32 zero bytes wipe all
 * of it; a size above the nameAlg's digest size would make ESYS hash the
 * zeros first, in a fresh OpenSSL library context (half a millisecond).
 */
static int forget_pin(struct poc_err *e, struct poc_tpm *t, ESYS_TR obj)
{
	TPM2B_AUTH zero = { .size = 32 };
	TSS2_RC rc;

	rc = Esys_TR_SetAuth(t->esys, obj, &zero);
	if (rc == TSS2_RC_SUCCESS)
		rc = Esys_TR_SetAuth(t->esys, obj, NULL);
	return rc == TSS2_RC_SUCCESS ? 0 : poc_tpm_rc_err(e, rc, "unseal: TR_SetAuth (wipe)");
}

/* The literal policy's part before the PIN: PolicyPCR (ctx: the selection; NULL: none). */
static int prelude_pcr(struct poc_err *e, struct poc_tpm *t, ESYS_TR sess, void *ctx)
{
	const TPML_PCR_SELECTION *sel = ctx;
	TPM2B_DIGEST empty = { 0 };
	TSS2_RC rc;

	if (sel == NULL)
		return 0;
	rc = Esys_PolicyPCR(t->esys, sess, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &empty, sel);
	return rc == TSS2_RC_SUCCESS ? 0 : poc_tpm_rc_err(e, rc, "unseal: PolicyPCR");
}

/*
 * The salted policy session of an unseal: the one t keeps (poc_tpm_cache_keep;
 * the TPM resets a policy session after each command it authorized with
 * continueSession, so each unseal runs the whole policy again), else a new one.
 */
static int unseal_session(struct poc_err *e, struct poc_tpm *t, ESYS_TR srk, ESYS_TR *sess)
{
	if (t->unseal_sess != ESYS_TR_NONE) {
		*sess = t->unseal_sess;
		return 0;
	}
	if (poc_tpm_salted_session(e, t, srk, TPM2_SE_POLICY, TPMA_SESSION_ENCRYPT, sess) < 0)
		return -1;
	if (t->keep)
		t->unseal_sess = *sess;
	return 0;
}

int poc_tpm_unseal(struct poc_err *e, struct poc_tpm *t, const struct poc_sealed *s, uint16_t bank,
		   uint32_t pcr_mask, const uint8_t *pin, size_t pin_len,
		   uint8_t secret[POC_SEAL_SECRET_LEN])
{
	TPML_PCR_SELECTION sel;
	struct poc_tpm_prelude pre = { prelude_pcr, NULL };

	if (pcr_mask != 0) {
		if (poc_tpm_pcr_selection(e, bank, pcr_mask, &sel) < 0)
			return -1;
		pre.ctx = &sel;
	}
	return poc_tpm_unseal_run(e, t, s, &pre, pin, pin_len, secret);
}

int poc_tpm_unseal_run(struct poc_err *e, struct poc_tpm *t, const struct poc_sealed *s,
		       const struct poc_tpm_prelude *pre, const uint8_t *pin, size_t pin_len,
		       uint8_t secret[POC_SEAL_SECRET_LEN])
{
	ESYS_TR srk = ESYS_TR_NONE, obj = ESYS_TR_NONE, sess = ESYS_TR_NONE;
	TPM2B_PUBLIC pub;
	TPM2B_PRIVATE priv;
	TPM2B_AUTH auth;
	int rv = -1;

	memset(&auth, 0, sizeof(auth));
	if (pin == NULL && pin_len != 0)
		return poc_err_set(e, POC_ERR_ARG, "unseal: PIN length without a PIN");
	if (unmarshal_sealed(e, s, &pub, &priv) < 0 || poc_tpm_srk(e, t, &srk) < 0 ||
	    load_sealed(e, t, srk, &pub, &priv, &obj) < 0 ||
	    unseal_session(e, t, srk, &sess) < 0)
		goto done;
	if (satisfy_policy(e, t, srk, sess, &pub, pre, pin, pin_len) < 0)
		goto done;
	rv = pin != NULL && give_pin(e, t, sess, obj, pin, pin_len, &auth) < 0 ? -1 : unseal_data(e, t, obj, sess, secret);
done:
	OPENSSL_cleanse(&auth, sizeof(auth));
	if (obj != ESYS_TR_NONE && pin != NULL && forget_pin(e, t, obj) < 0 && rv == 0)
		rv = -1;
	if (rv != 0 && sess != ESYS_TR_NONE && sess == t->unseal_sess) {
		poc_tpm_cache_drop(t, &t->unseal_sess); /* its policy is half-run: the next unseal starts anew */
		sess = ESYS_TR_NONE;
	}
	if (poc_tpm_flush(e, t, &sess) < 0 && rv == 0)
		rv = -1;
	if (poc_tpm_flush(e, t, &obj) < 0 && rv == 0)
		rv = -1;
	if (poc_tpm_flush(e, t, &srk) < 0 && rv == 0)
		rv = -1;
	if (rv != 0)
		OPENSSL_cleanse(secret, POC_SEAL_SECRET_LEN);
	return rv;
}

int poc_tpm_seal_policy_trial(struct poc_err *e, struct poc_tpm *t, uint16_t bank, uint32_t pcr_mask,
			      int with_pin, uint8_t out[32])
{
	TPMT_SYM_DEF sym = { .algorithm = TPM2_ALG_NULL };
	TPM2B_DIGEST empty = { 0 };
	TPM2B_DIGEST *pd = NULL;
	TPML_PCR_SELECTION sel;
	ESYS_TR sess = ESYS_TR_NONE;
	TSS2_RC rc;
	int rv = -1;

	if (poc_tpm_pcr_selection(e, bank, pcr_mask, &sel) < 0)
		return -1;
	rc = Esys_StartAuthSession(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
				   ESYS_TR_NONE, NULL, TPM2_SE_TRIAL, &sym, TPM2_ALG_SHA256, &sess);
	if (rc != TSS2_RC_SUCCESS) {
		sess = ESYS_TR_NONE;
		return poc_tpm_rc_err(e, rc, "policy trial: StartAuthSession");
	}
	rc = Esys_PolicyPCR(t->esys, sess, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &empty, &sel);
	if (rc == TSS2_RC_SUCCESS && with_pin)
		rc = Esys_PolicyAuthValue(t->esys, sess, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE);
	if (rc == TSS2_RC_SUCCESS)
		rc = Esys_PolicyGetDigest(t->esys, sess, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &pd);
	if (rc != TSS2_RC_SUCCESS) {
		poc_tpm_rc_err(e, rc, "policy trial: PolicyPCR/PolicyAuthValue/PolicyGetDigest");
	} else if (pd->size != 32) {
		poc_err_set(e, POC_ERR_CRYPTO, "policy trial: digest of %u bytes", pd->size);
	} else {
		memcpy(out, pd->buffer, 32);
		rv = 0;
	}
	Esys_Free(pd);
	if (poc_tpm_flush(e, t, &sess) < 0)
		rv = -1;
	return rv;
}
