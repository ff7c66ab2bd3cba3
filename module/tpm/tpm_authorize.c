/* SPDX-License-Identifier: Apache-2.0 */
/* Signed PCR policies: PolicyAuthorize under the token's policy key (tpm_authorize.h). */
#include "tpm/tpm_authorize.h"

#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ecdsa.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <tss2/tss2_mu.h>
#include <tss2/tss2_rc.h>

#include "bytes.h"
#include "digest.h"

/* An EC P-256 key's public point into pub (ECDSA with SHA-256). */
static int key_ec(struct poc_err *e, EVP_PKEY *pk, TPMT_PUBLIC *pub)
{
	uint8_t pt[65];
	char group[32];
	size_t n = 0;

	if (EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), NULL) != 1 ||
	    strcmp(group, "prime256v1") != 0)
		return poc_err_set(e, POC_ERR_UNSUPPORTED, "policy key: an EC key must be on P-256");
	if (EVP_PKEY_get_octet_string_param(pk, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, pt, sizeof(pt), &n) != 1 ||
	    n != 65 || pt[0] != 0x04)
		return poc_err_ssl(e, POC_ERR_CRYPTO, "policy key: EC point");
	pub->type = TPM2_ALG_ECC;
	pub->parameters.eccDetail.symmetric.algorithm = TPM2_ALG_NULL;
	pub->parameters.eccDetail.scheme.scheme = TPM2_ALG_ECDSA;
	pub->parameters.eccDetail.scheme.details.ecdsa.hashAlg = TPM2_ALG_SHA256;
	pub->parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
	pub->parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
	pub->unique.ecc.x.size = pub->unique.ecc.y.size = 32;
	memcpy(pub->unique.ecc.x.buffer, pt + 1, 32);
	memcpy(pub->unique.ecc.y.buffer, pt + 33, 32);
	return 0;
}

/* An RSA key of 2048..4096 bits into pub (RSASSA with SHA-256). */
static int key_rsa(struct poc_err *e, EVP_PKEY *pk, TPMT_PUBLIC *pub)
{
	BIGNUM *n = NULL, *ex = NULL;
	int bits = EVP_PKEY_get_bits(pk), rv = -1;

	if (bits != 2048 && bits != 3072 && bits != 4096)
		return poc_err_set(e, POC_ERR_UNSUPPORTED, "policy key: RSA of %d bits (2048, 3072 or 4096)", bits);
	if (EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_N, &n) != 1 ||
	    EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_E, &ex) != 1 || BN_num_bytes(ex) > 4 ||
	    BN_bn2binpad(n, pub->unique.rsa.buffer, bits / 8) != bits / 8) {
		poc_err_ssl(e, POC_ERR_CRYPTO, "policy key: RSA modulus");
		goto done;
	}
	pub->type = TPM2_ALG_RSA;
	pub->parameters.rsaDetail.symmetric.algorithm = TPM2_ALG_NULL;
	pub->parameters.rsaDetail.scheme.scheme = TPM2_ALG_RSASSA;
	pub->parameters.rsaDetail.scheme.details.rsassa.hashAlg = TPM2_ALG_SHA256;
	pub->parameters.rsaDetail.keyBits = (TPMI_RSA_KEY_BITS)bits;
	pub->parameters.rsaDetail.exponent = BN_get_word(ex) == 65537 ? 0 : (UINT32)BN_get_word(ex);
	pub->unique.rsa.size = (UINT16)(bits / 8);
	rv = 0;
done:
	BN_free(n);
	BN_free(ex);
	return rv;
}

int poc_tpm_authz_key(struct poc_err *e, const uint8_t *spki, size_t len, struct poc_authz_key *out)
{
	const unsigned char *p = spki;
	uint8_t buf[sizeof(TPMT_PUBLIC)];
	EVP_PKEY *pk;
	TPMT_PUBLIC *pub = &out->pub.publicArea;
	size_t off = 0;
	TSS2_RC rc;
	int r;

	memset(out, 0, sizeof(*out));
	if (spki == NULL || len == 0 || len > 4096)
		return poc_err_set(e, POC_ERR_ARG, "policy key: no SubjectPublicKeyInfo");
	pk = d2i_PUBKEY(NULL, &p, (long)len);
	if (pk == NULL || p != spki + len) {
		EVP_PKEY_free(pk);
		return poc_err_ssl(e, POC_ERR_MALFORMED, "policy key: not a DER SubjectPublicKeyInfo");
	}
	pub->nameAlg = TPM2_ALG_SHA256;
	pub->objectAttributes = TPMA_OBJECT_SIGN_ENCRYPT | TPMA_OBJECT_USERWITHAUTH;
	r = EVP_PKEY_is_a(pk, "EC") ? key_ec(e, pk, pub)
	    : EVP_PKEY_is_a(pk, "RSA") ? key_rsa(e, pk, pub)
				       : poc_err_set(e, POC_ERR_UNSUPPORTED, "policy key: EC P-256 or RSA only");
	EVP_PKEY_free(pk);
	if (r < 0)
		return -1;
	rc = Tss2_MU_TPMT_PUBLIC_Marshal(pub, buf, sizeof(buf), &off);
	if (rc != TSS2_RC_SUCCESS)
		return poc_tpm_rc_err(e, rc, "policy key: marshal TPMT_PUBLIC");
	/* The name: nameAlg || SHA-256(TPMT_PUBLIC), what LoadExternal gives. */
	poc_put_u16be(out->name, TPM2_ALG_SHA256);
	if (poc_sha256(buf, off, out->name + 2) < 0)
		return poc_err_ssl(e, POC_ERR_CRYPTO, "policy key: SHA-256");
	out->name_len = 34;
	return 0;
}

int poc_tpm_policy_ref(struct poc_err *e, const uint8_t token_id[16], const char *object_id, uint8_t out[32])
{
	const struct poc_piece pc[3] = {
		{ POC_AUTHZ_CONTEXT, strlen(POC_AUTHZ_CONTEXT) }, { token_id, 16 }, { object_id, strlen(object_id) }
	};

	if (poc_digest(EVP_sha256(), pc, 3, out, NULL) < 0)
		return poc_err_ssl(e, POC_ERR_CRYPTO, "policyRef: SHA-256");
	return 0;
}

int poc_tpm_approved_policy(struct poc_err *e, uint16_t bank, uint32_t mask, const uint8_t pcr_digest[32],
			    const struct poc_epoch_nv *nv, uint64_t epoch, uint8_t out[32])
{
	uint8_t sel_buf[sizeof(TPML_PCR_SELECTION)], operand[12], args_hash[32];
	struct poc_piece args[2];
	TPML_PCR_SELECTION sel;
	size_t off = 0;
	TSS2_RC rc;

	if (nv == NULL || nv->name_len == 0 || nv->name_len > sizeof(nv->name))
		return poc_err_set(e, POC_ERR_ARG, "approved policy: no epoch counter");
	if (poc_tpm_pcr_selection(e, bank, mask, &sel) < 0)
		return -1;
	rc = Tss2_MU_TPML_PCR_SELECTION_Marshal(&sel, sel_buf, sizeof(sel_buf), &off);
	if (rc != TSS2_RC_SUCCESS)
		return poc_tpm_rc_err(e, rc, "approved policy: marshal TPML_PCR_SELECTION");
	args[0] = (struct poc_piece){ sel_buf, off };
	args[1] = (struct poc_piece){ pcr_digest, 32 };
	if (poc_tpm_policy_update(e, "approved policy", NULL, TPM2_CC_PolicyPCR, args, 2, out) < 0)
		return -1;
	/* PolicyNV: H(old || TPM_CC_PolicyNV || H(operandB || offset || operation) || nv name). */
	poc_put_u32be(operand, (uint32_t)(epoch >> 32));
	poc_put_u32be(operand + 4, (uint32_t)epoch);
	poc_put_u16be(operand + 8, 0);
	poc_put_u16be(operand + 10, TPM2_EO_EQ);
	if (poc_sha256(operand, sizeof(operand), args_hash) < 0)
		return poc_err_ssl(e, POC_ERR_CRYPTO, "approved policy: SHA-256");
	args[0] = (struct poc_piece){ args_hash, 32 };
	args[1] = (struct poc_piece){ nv->name, nv->name_len };
	return poc_tpm_policy_update(e, "approved policy", out, TPM2_CC_PolicyNV, args, 2, out);
}

int poc_tpm_authz_sign(struct poc_err *e, EVP_PKEY *priv, const uint8_t digest[32], uint8_t *sig, size_t *sig_len)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(priv, NULL);
	int ok;

	ok = ctx != NULL && EVP_PKEY_sign_init(ctx) == 1 && EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) == 1;
	if (ok && EVP_PKEY_is_a(priv, "RSA"))
		ok = EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1;
	ok = ok && EVP_PKEY_sign(ctx, sig, sig_len, digest, 32) == 1;
	EVP_PKEY_CTX_free(ctx);
	return ok ? 0 : poc_err_ssl(e, POC_ERR_CRYPTO, "policy key: signing");
}

int poc_tpm_authz_tpm_sig(struct poc_err *e, const struct poc_authz_key *k, const uint8_t *sig, size_t len,
			  TPMT_SIGNATURE *out)
{
	const unsigned char *p = sig;
	ECDSA_SIG *es;
	const BIGNUM *r, *s;

	memset(out, 0, sizeof(*out));
	if (k->pub.publicArea.type == TPM2_ALG_RSA) {
		if (len != k->pub.publicArea.unique.rsa.size)
			return poc_err_set(e, POC_ERR_SIGNATURE, "approval: an RSA signature of %zu bytes", len);
		out->sigAlg = TPM2_ALG_RSASSA;
		out->signature.rsassa.hash = TPM2_ALG_SHA256;
		out->signature.rsassa.sig.size = (UINT16)len;
		memcpy(out->signature.rsassa.sig.buffer, sig, len);
		return 0;
	}
	es = d2i_ECDSA_SIG(NULL, &p, (long)len);
	if (es == NULL || p != sig + len) {
		ECDSA_SIG_free(es);
		return poc_err_set(e, POC_ERR_SIGNATURE, "approval: not a DER ECDSA signature");
	}
	ECDSA_SIG_get0(es, &r, &s);
	out->sigAlg = TPM2_ALG_ECDSA;
	out->signature.ecdsa.hash = TPM2_ALG_SHA256;
	out->signature.ecdsa.signatureR.size = out->signature.ecdsa.signatureS.size = 32;
	if (BN_bn2binpad(r, out->signature.ecdsa.signatureR.buffer, 32) != 32 ||
	    BN_bn2binpad(s, out->signature.ecdsa.signatureS.buffer, 32) != 32) {
		ECDSA_SIG_free(es);
		return poc_err_set(e, POC_ERR_SIGNATURE, "approval: ECDSA signature values too large");
	}
	ECDSA_SIG_free(es);
	return 0;
}

int poc_tpm_authz_refused(struct poc_err *e, TSS2_RC rc, const char *what)
{
	enum poc_verr c = poc_tpm_rc_code(rc);

	/* An outage is never a refusal. */
	if (c == POC_ERR_UNREACHABLE || c == POC_ERR_BUSY || c == POC_ERR_DEVICE || c == POC_ERR_DEVICE_MEMORY ||
	    c == POC_ERR_NOMEM)
		return poc_tpm_rc_err(e, rc, what);
	return poc_err_set(e, POC_ERR_SIGNATURE, "%s: %s (0x%x)", what, Tss2_RC_Decode(rc), (unsigned)rc);
}

int poc_tpm_authz_load(struct poc_err *e, struct poc_tpm *t, const struct poc_authz_key *k, ESYS_TR *h)
{
	TSS2_RC rc;

	rc = Esys_LoadExternal(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, NULL, &k->pub, ESYS_TR_RH_OWNER, h);
	if (rc != TSS2_RC_SUCCESS) {
		*h = ESYS_TR_NONE;
		return poc_tpm_rc_err(e, rc, "signed policy: LoadExternal of the policy key (owner hierarchy)");
	}
	return 0;
}

int poc_tpm_seal_authorized(struct poc_err *e, struct poc_tpm *t, const struct poc_authz_key *k,
			    const uint8_t policy_ref[32], const uint8_t *pin, size_t pin_len,
			    const uint8_t secret[POC_SEAL_SECRET_LEN], struct poc_sealed *out)
{
	uint8_t policy[32];

	memset(out, 0, sizeof(*out));
	if (poc_tpm_seal_policy_authorized(e, k->name, k->name_len, policy_ref, pin != NULL, &t->pin_nv, policy) < 0)
		return -1;
	return poc_tpm_seal_digest(e, t, policy, pin, pin_len, secret, out);
}

/* PolicyPCR then PolicyNV(epoch == a->epoch); the session's digest must then be the approved policy. */
static int approved_part(struct poc_err *e, struct poc_tpm *t, ESYS_TR sess, const struct poc_tpm_approval *a)
{
	TPM2B_DIGEST empty = { 0 };
	TPM2B_DIGEST *pd = NULL;
	TPM2B_OPERAND operand = { .size = 8 };
	TPML_PCR_SELECTION sel;
	ESYS_TR nv = ESYS_TR_NONE;
	TSS2_RC rc;
	int rv = -1;

	if (poc_tpm_pcr_selection(e, a->bank, a->mask, &sel) < 0)
		return -1;
	rc = Esys_PolicyPCR(t->esys, sess, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &empty, &sel);
	if (rc != TSS2_RC_SUCCESS)
		return poc_tpm_rc_err(e, rc, "signed policy: PolicyPCR");
	if (poc_tpm_epoch_open(e, t, a->nv, &nv) < 0)
		return -1;
	poc_put_u32be(operand.buffer, (uint32_t)(a->epoch >> 32));
	poc_put_u32be(operand.buffer + 4, (uint32_t)a->epoch);
	rc = Esys_PolicyNV(t->esys, nv, nv, sess, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &operand, 0, TPM2_EO_EQ);
	if (rc != TSS2_RC_SUCCESS) {
		/* TPM_RC_POLICY: the counter is not the approval's epoch (a revocation bumped it since it was read). */
		if (poc_tpm_rc_code(rc) == POC_ERR_CRYPTO || poc_tpm_rc_code(rc) == POC_ERR_POLICY)
			poc_err_set(e, POC_ERR_PCR, "seal.epoch: the approval is of epoch %llu, revoked since (PolicyNV: %s)",
				    (unsigned long long)a->epoch, Tss2_RC_Decode(rc));
		else
			poc_tpm_rc_err(e, rc, "signed policy: PolicyNV (epoch counter)");
		goto done;
	}
	rc = Esys_PolicyGetDigest(t->esys, sess, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &pd);
	if (rc != TSS2_RC_SUCCESS) {
		poc_tpm_rc_err(e, rc, "signed policy: PolicyGetDigest");
	} else if (pd->size != 32 || CRYPTO_memcmp(pd->buffer, a->approved, 32) != 0) {
		poc_err_set(e, POC_ERR_PCR, "seal.approval: the TPM's PCRs are not those the approval names");
	} else {
		rv = 0;
	}
done:
	Esys_Free(pd);
	Esys_TR_Close(t->esys, &nv);
	return rv;
}

/* The ticket for the approval's signature over SHA-256(approved || policyRef), then PolicyAuthorize. */
static int authorize(struct poc_err *e, struct poc_tpm *t, ESYS_TR sess, const struct poc_tpm_approval *a)
{
	TPM2B_DIGEST ahash = { .size = 32 }, approved = { .size = 32 };
	TPM2B_NONCE ref = { .size = 32 };
	TPM2B_NAME name = { 0 };
	TPMT_SIGNATURE sig;
	TPMT_TK_VERIFIED *ticket = NULL;
	ESYS_TR key = ESYS_TR_NONE;
	TSS2_RC rc;
	int rv = -1;

	memcpy(approved.buffer, a->approved, 32);
	memcpy(ref.buffer, a->policy_ref, 32);
	memcpy(name.name, a->key->name, a->key->name_len);
	name.size = (UINT16)a->key->name_len;
	if (poc_tpm_policy_ref_update(e, a->approved, a->policy_ref, ahash.buffer) < 0 ||
	    poc_tpm_authz_tpm_sig(e, a->key, a->sig, a->sig_len, &sig) < 0 || poc_tpm_authz_load(e, t, a->key, &key) < 0)
		return -1;
	rc = Esys_VerifySignature(t->esys, key, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &ahash, &sig, &ticket);
	if (rc != TSS2_RC_SUCCESS) {
		poc_tpm_authz_refused(e, rc, "seal.approval: the TPM refuses the approval's signature (VerifySignature)");
		goto done;
	}
	rc = Esys_PolicyAuthorize(t->esys, sess, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &approved, &ref, &name, ticket);
	if (rc != TSS2_RC_SUCCESS)
		poc_tpm_authz_refused(e, rc, "seal.approval: the TPM refuses the authorization (PolicyAuthorize)");
	else
		rv = 0;
done:
	Esys_Free(ticket);
	if (poc_tpm_flush(e, t, &key) < 0)
		rv = -1;
	return rv;
}

static int prelude_authorized(struct poc_err *e, struct poc_tpm *t, ESYS_TR sess, void *ctx)
{
	const struct poc_tpm_approval *a = ctx;

	if (approved_part(e, t, sess, a) < 0)
		return -1;
	return authorize(e, t, sess, a);
}

int poc_tpm_unseal_authorized(struct poc_err *e, struct poc_tpm *t, const struct poc_sealed *s,
			      const struct poc_tpm_approval *a, const uint8_t *pin, size_t pin_len,
			      uint8_t secret[POC_SEAL_SECRET_LEN])
{
	struct poc_tpm_prelude pre = { prelude_authorized, (void *)a };
	static const char literal[] = "unseal: PCR policy not satisfied";

	if (poc_tpm_unseal_run(e, t, s, &pre, pin, pin_len, secret) == 0)
		return 0;
	/* The PCRs and the epoch passed already: what differs after PolicyAuthorize is the key or the policyRef. */
	if (e->code == POC_ERR_PCR && strncmp(e->msg, literal, sizeof(literal) - 1) == 0) {
		poc_err_clear(e);
		poc_err_set(e, POC_ERR_PCR, "seal.approval: the object is sealed to another policy key or policyRef than "
			    "the approval's (token.cbor's policy key, or the object's id, is not the one it was sealed with)");
	}
	return -1;
}
