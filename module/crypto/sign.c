/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sign and verify. Every sign mechanism is "optional digest, then
 * EVP_PKEY_sign on a raw input" (EdDSA aside, which has no prehash), so the
 * hashed and raw variants share one code path. PKCS#11's raw r || s ECDSA
 * signatures go to and from OpenSSL's DER through verify/'s ecdsa_sig.h.
 */
#include "crypto/crypto_int.h"

#include <openssl/crypto.h>
#include <openssl/err.h>

#include "ecdsa_sig.h"

static size_t sig_len(const struct poc_op *o)
{
	return o->d->alg == ALG_ECDSA ? 2 * o->nbytes : o->nbytes;
}

/*
 * The to-be-signed bytes: the finished prehash (into md) for hashing
 * mechanisms, else the data (in, or the buffer when from_buf).
 */
static CK_RV tbs_get(struct poc_op *o, const uint8_t *in, size_t inlen, int from_buf, uint8_t md[EVP_MAX_MD_SIZE],
		     const uint8_t **tbs, size_t *tbslen)
{
	unsigned int mdlen = 0;

	if (from_buf) {
		in = o->buf;
		inlen = o->buflen;
	}
	if (o->mctx == NULL || o->d->alg == ALG_EDDSA) {
		*tbs = in;
		*tbslen = inlen;
		return CKR_OK;
	}
	if (poc_op_digest_ready(o) != CKR_OK || (!from_buf && EVP_DigestUpdate(o->mctx, in, inlen) != 1) ||
	    EVP_DigestFinal_ex(o->mctx, md, &mdlen) != 1) {
		o->broken = 1;
		return CKR_FUNCTION_FAILED;
	}
	*tbs = md;
	*tbslen = mdlen;
	return CKR_OK;
}

/* Raw mechanisms: is this input acceptable? */
static CK_RV raw_check(const struct poc_op *o, size_t tbslen)
{
	if (o->d->hash != 0)
		return CKR_OK;
	switch (o->d->alg) {
	case ALG_ECDSA:
		/* A hash of any length up to the order (or the longest hash); OpenSSL truncates. */
		return tbslen == 0 || (tbslen > o->nbytes && tbslen > 64) ? CKR_DATA_LEN_RANGE : CKR_OK;
	case ALG_RSA_PKCS:
		return tbslen > o->maxin ? CKR_DATA_LEN_RANGE : CKR_OK;
	case ALG_RSA_PSS:
		return tbslen != o->mdlen ? CKR_DATA_LEN_RANGE : CKR_OK;
	case ALG_EDDSA:
	case ALG_RSA_OAEP:
	case ALG_AES_GCM:
	case ALG_KEYGEN:
	case ALG_DIGEST:
	case ALG_BLOCK:
	case ALG_HMAC:
	case ALG_CMAC:
	case ALG_KEYMGMT:
		break;
	}
	return CKR_OK;
}

static CK_RV sign_tbs(struct poc_op *o, const uint8_t *tbs, size_t tbslen, uint8_t *out, CK_ULONG *outlen)
{
	uint8_t der[160];
	size_t sl;
	CK_RV rv;

	if ((rv = raw_check(o, tbslen)) != CKR_OK)
		return rv;
	switch (o->d->alg) {
	case ALG_ECDSA:
		sl = sizeof(der);
		if (EVP_PKEY_sign(o->pctx, der, &sl, tbs, tbslen) != 1 || poc_ecdsa_der_to_raw(der, sl, out, o->nbytes) != 0) {
			o->broken = 1;
			return CKR_FUNCTION_FAILED;
		}
		*outlen = (CK_ULONG)(2 * o->nbytes);
		return CKR_OK;
	case ALG_RSA_PKCS:
	case ALG_RSA_PSS:
		sl = o->nbytes;
		if (EVP_PKEY_sign(o->pctx, out, &sl, tbs, tbslen) != 1) {
			o->broken = 1;
			return CKR_FUNCTION_FAILED;
		}
		*outlen = (CK_ULONG)sl;
		return CKR_OK;
	case ALG_EDDSA:
		sl = o->nbytes;
		if (EVP_DigestSign(o->mctx, out, &sl, tbs, tbslen) != 1)
			return CKR_FUNCTION_FAILED;
		*outlen = (CK_ULONG)sl;
		return CKR_OK;
	case ALG_RSA_OAEP:
	case ALG_AES_GCM:
	case ALG_KEYGEN:
	case ALG_DIGEST:
	case ALG_BLOCK:
	case ALG_HMAC:
	case ALG_CMAC:
	case ALG_KEYMGMT:
		break;
	}
	return CKR_GENERAL_ERROR;
}

static CK_RV verify_tbs(struct poc_op *o, const uint8_t *tbs, size_t tbslen, const uint8_t *sig, size_t siglen)
{
	unsigned char *der = NULL;
	int dl, r = 0;
	CK_RV rv;

	if (siglen != sig_len(o))
		return CKR_SIGNATURE_LEN_RANGE;
	if ((rv = raw_check(o, tbslen)) != CKR_OK)
		return rv;
	switch (o->d->alg) {
	case ALG_ECDSA:
		if ((dl = poc_ecdsa_raw_to_der(sig, siglen, &der)) < 0)
			return CKR_HOST_MEMORY;
		r = EVP_PKEY_verify(o->pctx, der, (size_t)dl, tbs, tbslen);
		OPENSSL_free(der);
		break;
	case ALG_RSA_PKCS:
	case ALG_RSA_PSS:
		r = EVP_PKEY_verify(o->pctx, sig, siglen, tbs, tbslen);
		break;
	case ALG_EDDSA:
		r = EVP_DigestVerify(o->mctx, sig, siglen, tbs, tbslen);
		break;
	case ALG_RSA_OAEP:
	case ALG_AES_GCM:
	case ALG_KEYGEN:
	case ALG_DIGEST:
	case ALG_BLOCK:
	case ALG_HMAC:
	case ALG_CMAC:
	case ALG_KEYMGMT:
		return CKR_GENERAL_ERROR;
	}
	if (r != 1) {
		ERR_clear_error();
		o->broken = r < 0; /* an error, not just a wrong signature */
		return CKR_SIGNATURE_INVALID;
	}
	return CKR_OK;
}

CK_RV poc_op_sign_run(struct poc_op *o, const uint8_t *in, size_t inlen, int from_buf, uint8_t *out,
		      CK_ULONG *outlen)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	const uint8_t *tbs;
	size_t tbslen;
	CK_RV rv;

	if (o->d->alg == ALG_HMAC || o->d->alg == ALG_CMAC)
		return poc_mac_sign(o, in, inlen, !from_buf, out, outlen);
	if (!poc_op_out_check(&rv, sig_len(o), out, outlen))
		return rv;
	if ((rv = tbs_get(o, in, inlen, from_buf, md, &tbs, &tbslen)) == CKR_OK)
		rv = sign_tbs(o, tbs, tbslen, out, outlen);
	if (rv != CKR_OK)
		ERR_clear_error();
	return rv;
}

CK_RV poc_op_verify(struct poc_op *op, const uint8_t *in, CK_ULONG inlen, const uint8_t *sig, CK_ULONG siglen)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	const uint8_t *tbs;
	size_t tbslen;
	CK_RV rv;

	if (op == NULL || (in == NULL && inlen > 0) || (sig == NULL && siglen > 0))
		return CKR_ARGUMENTS_BAD;
	if (op->kind != POC_OP_VERIFY)
		return CKR_OPERATION_NOT_INITIALIZED;
	if (op->multi)
		return CKR_OPERATION_ACTIVE;
	if (op->d->alg == ALG_HMAC || op->d->alg == ALG_CMAC)
		return poc_mac_verify(op, in, inlen, 1, sig, siglen);
	if ((rv = tbs_get(op, in, inlen, 0, md, &tbs, &tbslen)) != CKR_OK)
		return rv;
	return verify_tbs(op, tbs, tbslen, sig, siglen);
}

CK_RV poc_op_verify_final(struct poc_op *op, const uint8_t *sig, CK_ULONG siglen)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	const uint8_t *tbs;
	size_t tbslen;
	CK_RV rv;

	if (op == NULL || (sig == NULL && siglen > 0))
		return CKR_ARGUMENTS_BAD;
	if (op->kind != POC_OP_VERIFY)
		return CKR_OPERATION_NOT_INITIALIZED;
	if (op->d->alg == ALG_HMAC || op->d->alg == ALG_CMAC)
		return poc_mac_verify(op, NULL, 0, 0, sig, siglen);
	if ((rv = tbs_get(op, NULL, 0, 1, md, &tbs, &tbslen)) != CKR_OK)
		return rv;
	return verify_tbs(op, tbs, tbslen, sig, siglen);
}
