/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The PKCS#11 3.0 message-based AEAD API on AES-GCM (p11_crypto.h poc_msg_*):
 * one op per session and direction holds the key schedule; each message sets
 * its IV (given, or made here from the DRBG) and associated data, and ends
 * with its tag written to (encryption) or checked from (decryption) its
 * CK_GCM_MESSAGE_PARAMS. Decryption buffers the message and outputs it only
 * once the tag checked: nothing unauthenticated leaves.
 */
#include "crypto/crypto_int.h"

#include <limits.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rand.h>

#include "store/object.h"

CK_RV poc_msg_setup(struct poc_op *o, const struct poc_key *k)
{
	const EVP_CIPHER *c;

	switch (k->secret_len) {
	case 16: c = EVP_aes_128_gcm(); break;
	case 24: c = EVP_aes_192_gcm(); break;
	case 32: c = EVP_aes_256_gcm(); break;
	default: return CKR_KEY_SIZE_RANGE;
	}
	if ((o->cctx = EVP_CIPHER_CTX_new()) == NULL)
		return CKR_HOST_MEMORY;
	if (EVP_CipherInit_ex(o->cctx, c, NULL, k->secret, NULL, o->kind == POC_OP_MSG_ENCRYPT) != 1)
		return CKR_FUNCTION_FAILED;
	return CKR_OK;
}

/* The message's parameters: sizes checked, the tag length into o->taglen. */
static CK_RV msg_params(struct poc_op *o, void *param, CK_ULONG param_len, CK_GCM_MESSAGE_PARAMS **gp)
{
	CK_GCM_MESSAGE_PARAMS *p = param;

	if (p == NULL || param_len != sizeof(*p))
		return CKR_MECHANISM_PARAM_INVALID;
	if (p->pIv == NULL || p->ulIvLen < 1 || p->ulIvLen > 128 || p->pTag == NULL || p->ulTagBits < 96 ||
	    p->ulTagBits > 128 || p->ulTagBits % 8 != 0)
		return CKR_MECHANISM_PARAM_INVALID;
	o->taglen = p->ulTagBits / 8;
	*gp = p;
	return CKR_OK;
}

/* Encryption's IV: kept (CKG_NO_GENERATE) or its bits after the fixed ones from the DRBG. */
static CK_RV msg_iv(const struct poc_op *o, CK_GCM_MESSAGE_PARAMS *p)
{
	size_t bits = p->ulIvLen * 8, fixed = p->ulIvFixedBits, from = fixed / 8;
	uint8_t r[128], keep;

	if (o->kind == POC_OP_MSG_DECRYPT || p->ivGenerator == CKG_NO_GENERATE)
		return o->kind == POC_OP_MSG_DECRYPT && p->ivGenerator != CKG_NO_GENERATE ? CKR_MECHANISM_PARAM_INVALID
											   : CKR_OK;
	if (p->ivGenerator != CKG_GENERATE && p->ivGenerator != CKG_GENERATE_RANDOM)
		return CKR_MECHANISM_PARAM_INVALID; /* a counter: see p11_crypto.h */
	if (fixed > bits || bits - fixed < 64)
		return CKR_MECHANISM_PARAM_INVALID; /* too few random bits for unique IVs */
	if (RAND_bytes(r, (int)(p->ulIvLen - from)) != 1)
		return CKR_FUNCTION_FAILED;
	/* The fixed bits of a partly fixed byte stay; the others are new. */
	keep = fixed % 8 ? (uint8_t)(0xff << (8 - fixed % 8)) : 0;
	p->pIv[from] = (uint8_t)((p->pIv[from] & keep) | (r[0] & ~keep));
	memcpy(p->pIv + from + 1, r + 1, p->ulIvLen - from - 1);
	return CKR_OK;
}

CK_RV poc_msg_begin(struct poc_op *op, void *param, CK_ULONG param_len, const uint8_t *aad, CK_ULONG aad_len)
{
	CK_GCM_MESSAGE_PARAMS *p;
	CK_RV rv;
	int n;

	if (op == NULL || (aad == NULL && aad_len > 0))
		return CKR_ARGUMENTS_BAD;
	if (op->kind != POC_OP_MSG_ENCRYPT && op->kind != POC_OP_MSG_DECRYPT)
		return CKR_OPERATION_NOT_INITIALIZED;
	if (op->in_msg)
		return CKR_OPERATION_ACTIVE;
	if (aad_len > INT_MAX)
		return CKR_ARGUMENTS_BAD;
	if ((rv = msg_params(op, param, param_len, &p)) != CKR_OK || (rv = msg_iv(op, p)) != CKR_OK)
		return rv;
	if (EVP_CIPHER_CTX_ctrl(op->cctx, EVP_CTRL_GCM_SET_IVLEN, (int)p->ulIvLen, NULL) != 1 ||
	    EVP_CipherInit_ex(op->cctx, NULL, NULL, NULL, p->pIv, -1) != 1 ||
	    (aad_len > 0 && EVP_CipherUpdate(op->cctx, NULL, &n, aad, (int)aad_len) != 1)) {
		ERR_clear_error();
		return CKR_FUNCTION_FAILED;
	}
	op->in_msg = 1;
	op->buflen = 0;
	return CKR_OK;
}

/* The end of a message: the tag out (encryption) or checked, then the buffered plaintext out. */
static CK_RV msg_end(struct poc_op *o, CK_GCM_MESSAGE_PARAMS *p, uint8_t *out, size_t done, CK_ULONG *outlen)
{
	int n = 0;

	if (o->kind == POC_OP_MSG_ENCRYPT) {
		if (EVP_CipherFinal_ex(o->cctx, out + done, &n) != 1 ||
		    EVP_CIPHER_CTX_ctrl(o->cctx, EVP_CTRL_GCM_GET_TAG, (int)o->taglen, p->pTag) != 1)
			return CKR_FUNCTION_FAILED;
		*outlen = (CK_ULONG)(done + (size_t)n);
		return CKR_OK;
	}
	if ((o->buflen > 0 && EVP_CipherUpdate(o->cctx, out, &n, o->buf, (int)o->buflen) != 1) ||
	    EVP_CIPHER_CTX_ctrl(o->cctx, EVP_CTRL_GCM_SET_TAG, (int)o->taglen, p->pTag) != 1)
		return CKR_FUNCTION_FAILED;
	done = (size_t)n;
	if (EVP_CipherFinal_ex(o->cctx, out + done, &n) != 1) {
		OPENSSL_cleanse(out, o->buflen);
		ERR_clear_error();
		return CKR_AEAD_DECRYPT_FAILED;
	}
	*outlen = (CK_ULONG)(done + (size_t)n);
	return CKR_OK;
}

CK_RV poc_msg_next(struct poc_op *op, void *param, CK_ULONG param_len, const uint8_t *in, CK_ULONG inlen,
		   uint8_t *out, CK_ULONG *outlen, CK_FLAGS flags)
{
	CK_GCM_MESSAGE_PARAMS *p;
	int end = (flags & CKF_END_OF_MESSAGE) != 0, enc, n = 0;
	size_t need;
	CK_RV rv;

	if (op == NULL || outlen == NULL || (in == NULL && inlen > 0))
		return CKR_ARGUMENTS_BAD;
	if (!op->in_msg)
		return CKR_OPERATION_NOT_INITIALIZED;
	if ((rv = msg_params(op, param, param_len, &p)) != CKR_OK)
		return rv;
	enc = op->kind == POC_OP_MSG_ENCRYPT;
	if (inlen > INT_MAX || (!enc && inlen > POC_OP_BUFFER_MAX - op->buflen))
		return enc ? CKR_DATA_LEN_RANGE : CKR_ENCRYPTED_DATA_LEN_RANGE;
	/* Encryption outputs as it goes; decryption the whole message at its end. */
	need = enc ? inlen : end ? op->buflen + inlen : 0;
	if (!poc_op_out_check(&rv, need, out, outlen))
		return rv;
	if (!enc && (rv = poc_op_buf_append(op, in, inlen, CKR_ENCRYPTED_DATA_LEN_RANGE)) != CKR_OK)
		return rv;
	if (enc && inlen > 0 && EVP_CipherUpdate(op->cctx, out, &n, in, (int)inlen) != 1)
		return CKR_FUNCTION_FAILED;
	*outlen = (CK_ULONG)n;
	if (!end)
		return CKR_OK;
	op->in_msg = 0;
	rv = msg_end(op, p, out, (size_t)n, outlen);
	if (op->buf != NULL)
		OPENSSL_cleanse(op->buf, op->buflen);
	op->buflen = 0;
	return rv;
}

CK_RV poc_msg_one(struct poc_op *op, void *param, CK_ULONG param_len, const uint8_t *aad, CK_ULONG aad_len,
		  const uint8_t *in, CK_ULONG inlen, uint8_t *out, CK_ULONG *outlen)
{
	CK_RV rv;

	if (op == NULL || outlen == NULL)
		return CKR_ARGUMENTS_BAD;
	if (out == NULL) { /* the size query starts no message (no IV is made) */
		*outlen = inlen;
		return CKR_OK;
	}
	if (*outlen < inlen) {
		*outlen = inlen;
		return CKR_BUFFER_TOO_SMALL;
	}
	if ((rv = poc_msg_begin(op, param, param_len, aad, aad_len)) != CKR_OK)
		return rv;
	rv = poc_msg_next(op, param, param_len, in, inlen, out, outlen, CKF_END_OF_MESSAGE);
	op->in_msg = 0; /* a failed message does not stay begun */
	return rv;
}
