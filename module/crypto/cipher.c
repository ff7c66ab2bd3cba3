/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Encrypt and decrypt (AES-GCM, RSA OAEP, RSA PKCS#1 v1.5 encryption), and
 * the single-part and multi-part entry points of every op. AES-GCM decrypt
 * buffers and decides at final: nothing unauthenticated is ever output.
 */
#include "crypto/crypto_int.h"

#include <limits.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>

#include "store/object.h"

static CK_RV gcm_encrypt(struct poc_op *o, const uint8_t *in, size_t inlen, uint8_t *out, CK_ULONG *outlen)
{
	CK_RV rv;
	int n = 0, m = 0;

	if (!poc_op_out_check(&rv, inlen + o->taglen, out, outlen))
		return rv;
	if ((inlen > 0 && EVP_CipherUpdate(o->cctx, out, &n, in, (int)inlen) != 1) ||
	    EVP_CipherFinal_ex(o->cctx, out + n, &m) != 1 ||
	    EVP_CIPHER_CTX_ctrl(o->cctx, EVP_CTRL_GCM_GET_TAG, (int)o->taglen, out + n + m) != 1)
		return CKR_FUNCTION_FAILED;
	*outlen = (CK_ULONG)((size_t)n + (size_t)m + o->taglen);
	return CKR_OK;
}

static CK_RV gcm_decrypt(struct poc_op *o, const uint8_t *in, size_t inlen, uint8_t *out, CK_ULONG *outlen)
{
	uint8_t tag[16];
	size_t need;
	CK_RV rv;
	int n = 0, m = 0;

	if (inlen < o->taglen)
		return CKR_ENCRYPTED_DATA_LEN_RANGE;
	need = inlen - o->taglen;
	if (!poc_op_out_check(&rv, need, out, outlen))
		return rv;
	memcpy(tag, in + need, o->taglen);
	if ((need > 0 && EVP_CipherUpdate(o->cctx, out, &n, in, (int)need) != 1) ||
	    EVP_CIPHER_CTX_ctrl(o->cctx, EVP_CTRL_GCM_SET_TAG, (int)o->taglen, tag) != 1)
		return CKR_FUNCTION_FAILED;
	/* OpenSSL compares the tag in constant time; nothing unauthenticated stays in out. */
	if (EVP_CipherFinal_ex(o->cctx, out + n, &m) != 1) {
		OPENSSL_cleanse(out, need);
		ERR_clear_error();
		return CKR_ENCRYPTED_DATA_INVALID;
	}
	*outlen = (CK_ULONG)need;
	return CKR_OK;
}

static CK_RV rsa_encrypt(struct poc_op *o, const uint8_t *in, size_t inlen, uint8_t *out, CK_ULONG *outlen)
{
	size_t sl = o->nbytes;
	CK_RV rv;

	if (inlen > o->maxin)
		return CKR_DATA_LEN_RANGE;
	if (!poc_op_out_check(&rv, o->nbytes, out, outlen))
		return rv;
	if (EVP_PKEY_encrypt(o->pctx, out, &sl, in, inlen) != 1) {
		ERR_clear_error();
		o->broken = 1;
		return CKR_FUNCTION_FAILED;
	}
	*outlen = (CK_ULONG)sl;
	return CKR_OK;
}

/* RSA OAEP (the mechanism table has no PKCS#1 v1.5 decryption). */
static CK_RV rsa_decrypt(struct poc_op *o, const uint8_t *in, size_t inlen, uint8_t *out, CK_ULONG *outlen)
{
	uint8_t *tmp;
	size_t sl;
	CK_RV rv;

	if (inlen != o->nbytes)
		return CKR_ENCRYPTED_DATA_LEN_RANGE;
	if (out == NULL) {
		*outlen = (CK_ULONG)o->nbytes; /* an upper bound */
		return CKR_OK;
	}
	/* A short buffer may still fit the plaintext: then decrypt aside, in locked memory. */
	tmp = out;
	sl = *outlen;
	if (*outlen < o->nbytes) {
		if ((tmp = poc_secret_alloc(o->nbytes)) == NULL)
			return CKR_HOST_MEMORY;
		sl = o->nbytes;
	}
	if (EVP_PKEY_decrypt(o->pctx, tmp, &sl, in, inlen) != 1) {
		ERR_clear_error();
		o->broken = 1;
		rv = CKR_ENCRYPTED_DATA_INVALID;
	} else if (sl > *outlen) {
		rv = CKR_BUFFER_TOO_SMALL;
		*outlen = (CK_ULONG)sl;
	} else {
		if (tmp != out)
			memcpy(out, tmp, sl);
		*outlen = (CK_ULONG)sl;
		rv = CKR_OK;
	}
	if (tmp != out)
		poc_secret_free(tmp, o->nbytes);
	return rv;
}

CK_RV poc_op_cipher_run(struct poc_op *o, const uint8_t *in, size_t inlen, uint8_t *out, CK_ULONG *outlen)
{
	int enc = o->kind == POC_OP_ENCRYPT;

	if (inlen > INT_MAX)
		return enc ? CKR_DATA_LEN_RANGE : CKR_ENCRYPTED_DATA_LEN_RANGE;
	switch (o->d->alg) {
	case ALG_AES_GCM:
		return enc ? gcm_encrypt(o, in, inlen, out, outlen) : gcm_decrypt(o, in, inlen, out, outlen);
	case ALG_RSA_PKCS:
	case ALG_RSA_OAEP:
		return enc ? rsa_encrypt(o, in, inlen, out, outlen) : rsa_decrypt(o, in, inlen, out, outlen);
	case ALG_ECDSA:
	case ALG_RSA_PSS:
	case ALG_EDDSA:
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

static CK_RV oneshot_run(struct poc_op *op, const uint8_t *in, CK_ULONG inlen, uint8_t *out, CK_ULONG *outlen)
{
	if (op->kind == POC_OP_DIGEST)
		return poc_digest_out(op, in, inlen, 1, out, outlen);
	if (op->kind == POC_OP_SIGN)
		return poc_op_sign_run(op, in, inlen, 0, out, outlen);
	if (op->d->alg == ALG_BLOCK)
		return poc_block_oneshot(op, in, inlen, out, outlen);
	return poc_op_cipher_run(op, in, inlen, out, outlen);
}

CK_RV poc_op_oneshot(struct poc_op *op, const uint8_t *in, CK_ULONG inlen, uint8_t *out, CK_ULONG *outlen)
{
	CK_RV rv;

	if (op == NULL || outlen == NULL || (in == NULL && inlen > 0))
		return CKR_ARGUMENTS_BAD;
	if (op->kind == POC_OP_VERIFY || op->kind == POC_OP_MSG_ENCRYPT || op->kind == POC_OP_MSG_DECRYPT)
		return CKR_OPERATION_NOT_INITIALIZED;
	if (op->multi)
		return CKR_OPERATION_ACTIVE;
	rv = oneshot_run(op, in, inlen, out, outlen);
	if ((rv == CKR_OK && out == NULL) || rv == CKR_BUFFER_TOO_SMALL)
		op->single = 1; /* the single-part operation has begun: C_*Update/C_*Final are refused */
	return rv;
}

CK_RV poc_op_update(struct poc_op *op, const uint8_t *in, CK_ULONG inlen, uint8_t *out, CK_ULONG *outlen)
{
	CK_RV rv;
	int n = 0;

	if (op == NULL || (in == NULL && inlen > 0))
		return CKR_ARGUMENTS_BAD;
	if (op->kind == POC_OP_MSG_ENCRYPT || op->kind == POC_OP_MSG_DECRYPT)
		return CKR_OPERATION_NOT_INITIALIZED;
	if (op->single)
		return CKR_OPERATION_ACTIVE;
	if (op->kind == POC_OP_DIGEST)
		return poc_digest_update(op, in, inlen);
	if (op->d->alg == ALG_HMAC || op->d->alg == ALG_CMAC)
		return poc_mac_update(op, in, inlen);
	if (op->kind == POC_OP_SIGN || op->kind == POC_OP_VERIFY) {
		op->multi = 1;
		if (op->mctx != NULL && op->d->alg != ALG_EDDSA) {
			if (poc_op_digest_ready(op) != CKR_OK || EVP_DigestUpdate(op->mctx, in, inlen) != 1) {
				op->broken = 1;
				return CKR_FUNCTION_FAILED;
			}
			return CKR_OK;
		}
		return poc_op_buf_append(op, in, inlen, CKR_DATA_LEN_RANGE);
	}
	if (outlen == NULL)
		return CKR_ARGUMENTS_BAD;
	if (op->d->alg == ALG_BLOCK)
		return poc_block_update(op, in, inlen, out, outlen);
	if (op->d->alg == ALG_AES_GCM && op->kind == POC_OP_ENCRYPT) {
		if (inlen > INT_MAX)
			return CKR_DATA_LEN_RANGE;
		if (!poc_op_out_check(&rv, inlen, out, outlen))
			return rv;
		op->multi = 1;
		if (inlen > 0 && EVP_CipherUpdate(op->cctx, out, &n, in, (int)inlen) != 1)
			return CKR_FUNCTION_FAILED;
		*outlen = (CK_ULONG)n;
		return CKR_OK;
	}
	/* GCM decryption and RSA: everything is decided at final; no output now. */
	if (out == NULL) {
		*outlen = 0;
		return CKR_OK;
	}
	op->multi = 1;
	*outlen = 0;
	return poc_op_buf_append(op, in, inlen,
				 op->kind == POC_OP_ENCRYPT ? CKR_DATA_LEN_RANGE : CKR_ENCRYPTED_DATA_LEN_RANGE);
}

CK_RV poc_op_final(struct poc_op *op, uint8_t *out, CK_ULONG *outlen)
{
	CK_RV rv;
	int n = 0;

	if (op == NULL || outlen == NULL)
		return CKR_ARGUMENTS_BAD;
	if (op->single)
		return CKR_OPERATION_ACTIVE;
	if (op->d->alg == ALG_BLOCK)
		return poc_block_final(op, out, outlen);
	switch (op->kind) {
	case POC_OP_VERIFY:
		return CKR_OPERATION_NOT_INITIALIZED;
	case POC_OP_DIGEST:
		return poc_digest_out(op, NULL, 0, 0, out, outlen);
	case POC_OP_SIGN:
		return poc_op_sign_run(op, NULL, 0, 1, out, outlen);
	case POC_OP_ENCRYPT:
		if (op->d->alg != ALG_AES_GCM)
			break;
		if (!poc_op_out_check(&rv, op->taglen, out, outlen))
			return rv;
		if (EVP_CipherFinal_ex(op->cctx, out, &n) != 1 || n != 0 ||
		    EVP_CIPHER_CTX_ctrl(op->cctx, EVP_CTRL_GCM_GET_TAG, (int)op->taglen, out) != 1)
			return CKR_FUNCTION_FAILED;
		*outlen = (CK_ULONG)op->taglen;
		return CKR_OK;
	case POC_OP_DECRYPT:
		break;
	case POC_OP_MSG_ENCRYPT:
	case POC_OP_MSG_DECRYPT:
		return CKR_OPERATION_NOT_INITIALIZED; /* poc_msg_* run them */
	}
	return poc_op_cipher_run(op, op->buf, op->buflen, out, outlen);
}
