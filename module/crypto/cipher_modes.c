/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Block cipher modes through EVP: AES and DES3 in ECB, CBC and CBC-PAD
 * (PKCS#7), AES-CTR. Multi-part output follows the block buffering exactly:
 * every update outputs the whole blocks it completes (CBC-PAD decryption
 * holds the last one back for the padding), so the lengths answered to a
 * size query are the lengths written. Input that is not a block multiple is
 * CKR_DATA_LEN_RANGE / CKR_ENCRYPTED_DATA_LEN_RANGE; a bad padding is
 * CKR_ENCRYPTED_DATA_INVALID, decided on a copy of the context so that a
 * short output buffer leaves the operation as it was.
 */
#include "crypto/crypto_int.h"

#include <stdint.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>

#include "store/object.h"

/* The EVP cipher name of a mechanism on a key of len bytes, or NULL. */
static const char *cipher_name(CK_MECHANISM_TYPE m, size_t len)
{
	static const char *const aes[3][3] = {
		{ "AES-128-ECB", "AES-192-ECB", "AES-256-ECB" },
		{ "AES-128-CBC", "AES-192-CBC", "AES-256-CBC" },
		{ "AES-128-CTR", "AES-192-CTR", "AES-256-CTR" },
	};
	int mode, ks = len == 16 ? 0 : len == 24 ? 1 : len == 32 ? 2 : -1;

	switch (m) {
	case CKM_DES3_ECB: return len == 24 ? "DES-EDE3-ECB" : NULL;
	case CKM_DES3_CBC:
	case CKM_DES3_CBC_PAD: return len == 24 ? "DES-EDE3-CBC" : NULL;
	case CKM_AES_ECB: mode = 0; break;
	case CKM_AES_CBC:
	case CKM_AES_CBC_PAD: mode = 1; break;
	case CKM_AES_CTR: mode = 2; break;
	default: return NULL;
	}
	return ks < 0 ? NULL : aes[mode][ks];
}

/* Bytes of the counter block cb before its low bits counter bits wrap (UINT64_MAX: more than that). */
static uint64_t ctr_bytes_left(const uint8_t cb[16], CK_ULONG bits)
{
	uint64_t low = 0, blocks;

	for (int i = 8; i < 16; i++)
		low = low << 8 | cb[i];
	if (bits < 64) {
		low &= ((uint64_t)1 << bits) - 1;
		blocks = ((uint64_t)1 << bits) - low;
	} else {
		/* The counter bits above the low 64: unless all are ones, 2^64 blocks or more remain. */
		for (CK_ULONG i = 64; i < bits; i++)
			if (!(cb[15 - i / 8] & (1u << (i % 8))))
				return UINT64_MAX;
		if (low == 0)
			return UINT64_MAX;
		blocks = (uint64_t)0 - low; /* 2^64 - low */
	}
	return blocks > UINT64_MAX / 16 ? UINT64_MAX : blocks * 16;
}

/* The IV (CBC), the counter block (CTR) or nothing (ECB) of m: *iv NULL for ECB. */
static CK_RV block_iv(struct poc_op *o, const CK_MECHANISM *m, size_t ivlen, const uint8_t **iv)
{
	*iv = NULL;
	o->ctr_left = UINT64_MAX;
	if (m->mechanism == CKM_AES_CTR) {
		const CK_AES_CTR_PARAMS *cp = m->pParameter;

		if (cp == NULL || m->ulParameterLen != sizeof(*cp) || cp->ulCounterBits < 1 || cp->ulCounterBits > 128)
			return CKR_MECHANISM_PARAM_INVALID;
		o->ctr_left = ctr_bytes_left(cp->cb, cp->ulCounterBits);
		*iv = cp->cb;
		return CKR_OK;
	}
	if (ivlen == 0)
		return m->ulParameterLen == 0 ? CKR_OK : CKR_MECHANISM_PARAM_INVALID;
	if (m->pParameter == NULL || m->ulParameterLen != ivlen)
		return CKR_MECHANISM_PARAM_INVALID;
	*iv = m->pParameter;
	return CKR_OK;
}

CK_RV poc_block_setup(struct poc_op *o, const CK_MECHANISM *m, const struct poc_key *k)
{
	const char *name = cipher_name(m->mechanism, k->secret_len);
	const uint8_t *iv;
	EVP_CIPHER *c;
	CK_RV rv;
	int ok;

	if (name == NULL)
		return CKR_KEY_SIZE_RANGE;
	if ((c = EVP_CIPHER_fetch(o->lc, name, NULL)) == NULL) {
		ERR_clear_error();
		return CKR_MECHANISM_INVALID;
	}
	o->bs = (size_t)EVP_CIPHER_get_block_size(c);
	o->pad = m->mechanism == CKM_AES_CBC_PAD || m->mechanism == CKM_DES3_CBC_PAD;
	rv = block_iv(o, m, (size_t)EVP_CIPHER_get_iv_length(c), &iv);
	if (rv == CKR_OK && (o->cctx = EVP_CIPHER_CTX_new()) == NULL)
		rv = CKR_HOST_MEMORY;
	if (rv == CKR_OK) {
		ok = EVP_CipherInit_ex2(o->cctx, c, k->secret, iv, o->kind == POC_OP_ENCRYPT, NULL) == 1 &&
		     EVP_CIPHER_CTX_set_padding(o->cctx, o->pad) == 1;
		rv = ok ? CKR_OK : CKR_FUNCTION_FAILED;
	}
	EVP_CIPHER_free(c);
	return rv;
}

static CK_RV len_error(const struct poc_op *o)
{
	return o->kind == POC_OP_ENCRYPT ? CKR_DATA_LEN_RANGE : CKR_ENCRYPTED_DATA_LEN_RANGE;
}

/* What an update outputs when t bytes are pending after it: the whole blocks, less a held-back last one. */
static size_t update_out(const struct poc_op *o, size_t t)
{
	size_t whole = t - t % o->bs;

	if (o->pad && o->kind == POC_OP_DECRYPT && t % o->bs == 0 && t > 0)
		whole -= o->bs;
	return whole;
}

/* AES-CTR: refuses input that would wrap the counter bits, then counts it. */
static CK_RV ctr_take(struct poc_op *o, size_t inlen)
{
	if (o->ctr_left == UINT64_MAX)
		return CKR_OK;
	if (inlen > o->ctr_left)
		return len_error(o);
	o->ctr_left -= inlen;
	return CKR_OK;
}

CK_RV poc_block_update(struct poc_op *o, const uint8_t *in, size_t inlen, uint8_t *out, CK_ULONG *outlen)
{
	size_t need;
	CK_RV rv;
	int n = 0;

	if (inlen > INT32_MAX || o->pending + inlen > INT32_MAX)
		return len_error(o);
	need = update_out(o, o->pending + inlen);
	if (!poc_op_out_check(&rv, need, out, outlen))
		return rv;
	if ((rv = ctr_take(o, inlen)) != CKR_OK)
		return rv;
	o->multi = 1;
	if (inlen > 0 && (EVP_CipherUpdate(o->cctx, out, &n, in, (int)inlen) != 1 || (size_t)n != need)) {
		o->broken = 1;
		return CKR_FUNCTION_FAILED;
	}
	o->pending = o->pending + inlen - need;
	*outlen = (CK_ULONG)need;
	return CKR_OK;
}

/* CBC-PAD decryption's last block on a copy of the context: the plaintext into out (bs bytes), its length. */
static CK_RV unpad_last(struct poc_op *o, uint8_t *out, size_t *n)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	CK_RV rv = CKR_OK;
	int m = 0;

	if (c == NULL)
		return CKR_HOST_MEMORY;
	if (EVP_CIPHER_CTX_copy(c, o->cctx) != 1)
		rv = CKR_FUNCTION_FAILED;
	else if (EVP_DecryptFinal_ex(c, out, &m) != 1)
		rv = CKR_ENCRYPTED_DATA_INVALID; /* not a PKCS#7 padding */
	ERR_clear_error();
	EVP_CIPHER_CTX_free(c);
	*n = (size_t)m;
	return rv;
}

CK_RV poc_block_final(struct poc_op *o, uint8_t *out, CK_ULONG *outlen)
{
	uint8_t last[EVP_MAX_BLOCK_LENGTH];
	size_t n = 0;
	CK_RV rv;
	int m = 0;

	if (o->pad && o->kind == POC_OP_ENCRYPT) {
		if (!poc_op_out_check(&rv, o->bs, out, outlen))
			return rv;
		if (EVP_EncryptFinal_ex(o->cctx, out, &m) != 1 || (size_t)m != o->bs)
			return CKR_FUNCTION_FAILED;
		*outlen = (CK_ULONG)m;
		return CKR_OK;
	}
	if (!o->pad) {
		if (o->pending != 0)
			return len_error(o);
		*outlen = 0;
		return CKR_OK;
	}
	if (o->pending != o->bs)
		return CKR_ENCRYPTED_DATA_LEN_RANGE;
	if ((rv = unpad_last(o, last, &n)) == CKR_OK && poc_op_out_check(&rv, n, out, outlen)) {
		memcpy(out, last, n);
		*outlen = (CK_ULONG)n;
	}
	OPENSSL_cleanse(last, sizeof(last));
	return rv;
}

/* CBC-PAD decryption in one part: decrypted aside (locked memory) since only then is its length known. */
static CK_RV unpad_oneshot(struct poc_op *o, const uint8_t *in, size_t inlen, uint8_t *out, CK_ULONG *outlen)
{
	EVP_CIPHER_CTX *c;
	uint8_t *tmp;
	CK_RV rv = CKR_FUNCTION_FAILED;
	int n = 0, m = 0;

	if (inlen == 0 || inlen % o->bs != 0)
		return CKR_ENCRYPTED_DATA_LEN_RANGE;
	if ((tmp = poc_secret_alloc(inlen)) == NULL)
		return CKR_HOST_MEMORY;
	if ((c = EVP_CIPHER_CTX_new()) != NULL && EVP_CIPHER_CTX_copy(c, o->cctx) == 1 &&
	    EVP_DecryptUpdate(c, tmp, &n, in, (int)inlen) == 1) {
		if (EVP_DecryptFinal_ex(c, tmp + n, &m) != 1)
			rv = CKR_ENCRYPTED_DATA_INVALID;
		else if (poc_op_out_check(&rv, (size_t)(n + m), out, outlen)) {
			memcpy(out, tmp, (size_t)(n + m));
			*outlen = (CK_ULONG)(n + m);
			rv = CKR_OK;
		}
	}
	ERR_clear_error();
	EVP_CIPHER_CTX_free(c);
	poc_secret_free(tmp, inlen);
	return rv;
}

CK_RV poc_block_oneshot(struct poc_op *o, const uint8_t *in, size_t inlen, uint8_t *out, CK_ULONG *outlen)
{
	size_t need = inlen;
	CK_RV rv;
	int n = 0, m = 0;

	if (inlen > INT32_MAX - EVP_MAX_BLOCK_LENGTH)
		return len_error(o);
	if (o->pad && o->kind == POC_OP_DECRYPT)
		return unpad_oneshot(o, in, inlen, out, outlen);
	if (o->pad)
		need = inlen + o->bs - inlen % o->bs;
	else if (inlen % o->bs != 0)
		return len_error(o);
	if (!poc_op_out_check(&rv, need, out, outlen))
		return rv;
	if ((rv = ctr_take(o, inlen)) != CKR_OK)
		return rv;
	if ((inlen > 0 && EVP_CipherUpdate(o->cctx, out, &n, in, (int)inlen) != 1) ||
	    EVP_CipherFinal_ex(o->cctx, out + n, &m) != 1 || (size_t)(n + m) != need) {
		o->broken = 1;
		return CKR_FUNCTION_FAILED;
	}
	*outlen = (CK_ULONG)need;
	return CKR_OK;
}
