/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Wrapping and unwrapping key material (C_WrapKey, C_UnwrapKey) through
 * OpenSSL EVP: AES key wrap (RFC 3394) and key wrap with padding (RFC 5649)
 * by OpenSSL's "AES-n-WRAP" and "AES-n-WRAP-PAD" ciphers, AES-CBC with
 * PKCS#7 padding, and RSA OAEP through the encrypt/decrypt ops of op.c. What
 * a key is wrapped as: a secret key's bytes, a private key's PKCS#8 DER.
 * Every plaintext copy is in locked memory and wiped.
 */
#include "crypto/crypto_int.h"

#include <limits.h>
#include <string.h>

#include <openssl/err.h>

#include "store/object.h"

/* A wrapped key's plaintext is at most this (a sealed secret's maximum). */
#define WRAP_MAX POC_OBJECT_SECRET_MAX

int poc_wrap_mechanism(CK_MECHANISM_TYPE mech)
{
	switch (mech) {
	case CKM_AES_KEY_WRAP:
	case CKM_AES_KEY_WRAP_KWP:
	case CKM_AES_CBC_PAD:
	case CKM_RSA_PKCS_OAEP:
		return 1;
	default:
		return 0;
	}
}

const uint8_t *poc_key_secret(const struct poc_key *k, size_t *len)
{
	if (k == NULL || k->secret == NULL)
		return NULL;
	*len = k->secret_len;
	return k->secret;
}

CK_RV poc_key_material(const struct poc_key *k, uint8_t **out, size_t *out_len)
{
	if (k == NULL || out == NULL || out_len == NULL)
		return CKR_ARGUMENTS_BAD;
	*out = NULL;
	*out_len = 0;
	if (k->secret != NULL) {
		if ((*out = poc_secret_alloc(k->secret_len)) == NULL)
			return CKR_HOST_MEMORY;
		memcpy(*out, k->secret, k->secret_len);
		*out_len = k->secret_len;
		return CKR_OK;
	}
	if (k->pkey == NULL || !k->priv)
		return CKR_KEY_NOT_WRAPPABLE;
	return poc_key_pkcs8(k->pkey, out, out_len);
}

/* OpenSSL's name of the AES cipher of mech for a key of keylen bytes, or NULL. */
static const char *aes_cipher_name(CK_MECHANISM_TYPE mech, size_t keylen)
{
	static const char *const names[3][3] = {
		{ "AES-128-WRAP", "AES-192-WRAP", "AES-256-WRAP" },
		{ "AES-128-WRAP-PAD", "AES-192-WRAP-PAD", "AES-256-WRAP-PAD" },
		{ "AES-128-CBC", "AES-192-CBC", "AES-256-CBC" },
	};
	int row = mech == CKM_AES_KEY_WRAP ? 0 : mech == CKM_AES_KEY_WRAP_KWP ? 1 : 2;

	if (keylen != 16 && keylen != 24 && keylen != 32)
		return NULL;
	return names[row][(keylen - 16) / 8];
}

/*
 * One AES pass (enc 1 wraps, 0 unwraps) of in into out (room for in_len + 16
 * bytes); *n the bytes written. CKR_WRAPPED_KEY_INVALID when unwrapping fails
 * (integrity check, padding).
 */
static CK_RV aes_run(const CK_MECHANISM *m, const struct poc_key *k, int enc, const uint8_t *in, size_t in_len,
		     uint8_t *out, size_t *n)
{
	const char *name = aes_cipher_name(m->mechanism, k->secret_len);
	EVP_CIPHER *c = NULL;
	EVP_CIPHER_CTX *ctx = NULL;
	const uint8_t *iv = NULL;
	CK_RV rv = CKR_FUNCTION_FAILED;
	int a = 0, b = 0;

	if (name == NULL)
		return CKR_KEY_TYPE_INCONSISTENT;
	if (m->mechanism == CKM_AES_CBC_PAD) {
		if (m->pParameter == NULL || m->ulParameterLen != 16)
			return CKR_MECHANISM_PARAM_INVALID;
		iv = m->pParameter;
	} else if (m->ulParameterLen != 0) {
		return CKR_MECHANISM_PARAM_INVALID; /* the default RFC 3394/5649 initial values only */
	}
	if ((c = EVP_CIPHER_fetch(NULL, name, NULL)) == NULL || (ctx = EVP_CIPHER_CTX_new()) == NULL)
		goto done;
	EVP_CIPHER_CTX_set_flags(ctx, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
	if (EVP_CipherInit_ex2(ctx, c, k->secret, iv, enc, NULL) != 1)
		goto done;
	if (EVP_CipherUpdate(ctx, out, &a, in, (int)in_len) != 1 || EVP_CipherFinal_ex(ctx, out + a, &b) != 1) {
		rv = enc ? CKR_FUNCTION_FAILED : CKR_WRAPPED_KEY_INVALID;
		OPENSSL_cleanse(out, in_len + 16);
		goto done;
	}
	*n = (size_t)a + (size_t)b;
	rv = CKR_OK;
done:
	ERR_clear_error();
	EVP_CIPHER_CTX_free(ctx);
	EVP_CIPHER_free(c);
	return rv;
}

/* What AES mech makes of in_len bytes (CKR_KEY_SIZE_RANGE when it takes no such input). */
static CK_RV aes_wrapped_len(CK_MECHANISM_TYPE mech, size_t in_len, size_t *need)
{
	switch (mech) {
	case CKM_AES_KEY_WRAP:
		if (in_len < 16 || in_len % 8 != 0)
			return CKR_KEY_SIZE_RANGE;
		*need = in_len + 8;
		return CKR_OK;
	case CKM_AES_KEY_WRAP_KWP:
		*need = (in_len + 7) / 8 * 8 + 8;
		return CKR_OK;
	default:
		*need = in_len / 16 * 16 + 16;
		return CKR_OK;
	}
}

/* RSA OAEP through an op of op.c (kind: encrypt to wrap, decrypt to unwrap). */
static CK_RV oaep_run(const CK_MECHANISM *m, const struct poc_key *k, enum poc_op_kind kind, const uint8_t *in,
		      size_t in_len, uint8_t *out, CK_ULONG *out_len)
{
	struct poc_op *op = NULL;
	CK_RV rv;

	if (k->type != CKK_RSA)
		return CKR_KEY_TYPE_INCONSISTENT;
	if ((rv = poc_op_init(&op, kind, m, k)) != CKR_OK)
		return rv == CKR_KEY_FUNCTION_NOT_PERMITTED ? CKR_KEY_TYPE_INCONSISTENT : rv;
	rv = poc_op_oneshot(op, in, (CK_ULONG)in_len, out, out_len);
	poc_op_free(op);
	if (kind == POC_OP_ENCRYPT && rv == CKR_DATA_LEN_RANGE)
		return CKR_KEY_SIZE_RANGE;
	if (kind == POC_OP_DECRYPT && (rv == CKR_ENCRYPTED_DATA_INVALID || rv == CKR_ENCRYPTED_DATA_LEN_RANGE))
		return rv == CKR_ENCRYPTED_DATA_INVALID ? CKR_WRAPPED_KEY_INVALID : CKR_WRAPPED_KEY_LEN_RANGE;
	return rv;
}

CK_RV poc_wrap(const CK_MECHANISM *m, const struct poc_key *wk, const uint8_t *in, size_t in_len, uint8_t *out,
	       CK_ULONG *out_len)
{
	uint8_t *tmp;
	size_t need = 0, n = 0;
	CK_RV rv;

	if (m == NULL || wk == NULL || in == NULL || out_len == NULL || in_len == 0 || in_len > WRAP_MAX)
		return CKR_ARGUMENTS_BAD;
	if (!poc_wrap_mechanism(m->mechanism))
		return CKR_MECHANISM_INVALID;
	if (m->mechanism == CKM_RSA_PKCS_OAEP)
		return oaep_run(m, wk, POC_OP_ENCRYPT, in, in_len, out, out_len);
	if (wk->type != CKK_AES || wk->secret == NULL)
		return CKR_KEY_TYPE_INCONSISTENT;
	if ((rv = aes_wrapped_len(m->mechanism, in_len, &need)) != CKR_OK)
		return rv;
	if (!poc_op_out_check(&rv, need, out, out_len))
		return rv;
	/* The cipher's output is never secret, but it is written aside so a short result cannot overrun out. */
	if ((tmp = poc_secret_alloc(in_len + 16)) == NULL)
		return CKR_HOST_MEMORY;
	rv = aes_run(m, wk, 1, in, in_len, tmp, &n);
	if (rv == CKR_OK && n != need)
		rv = CKR_FUNCTION_FAILED;
	if (rv == CKR_OK) {
		memcpy(out, tmp, n);
		*out_len = (CK_ULONG)n;
	}
	poc_secret_free(tmp, in_len + 16);
	return rv;
}

/* Copies the n bytes of tmp into a new locked buffer of exactly n bytes. */
static CK_RV exact_copy(const uint8_t *tmp, size_t n, uint8_t **out, size_t *out_len)
{
	if (n == 0)
		return CKR_WRAPPED_KEY_INVALID;
	if ((*out = poc_secret_alloc(n)) == NULL)
		return CKR_HOST_MEMORY;
	memcpy(*out, tmp, n);
	*out_len = n;
	return CKR_OK;
}

CK_RV poc_unwrap(const CK_MECHANISM *m, const struct poc_key *uk, const uint8_t *in, size_t in_len, uint8_t **out,
		 size_t *out_len)
{
	uint8_t *tmp;
	size_t cap = in_len + 16, n = 0;
	CK_ULONG l;
	CK_RV rv;

	if (m == NULL || uk == NULL || in == NULL || out == NULL || out_len == NULL)
		return CKR_ARGUMENTS_BAD;
	*out = NULL;
	*out_len = 0;
	if (!poc_wrap_mechanism(m->mechanism))
		return CKR_MECHANISM_INVALID;
	if (in_len == 0 || in_len > WRAP_MAX + 32 || in_len > INT_MAX)
		return CKR_WRAPPED_KEY_LEN_RANGE;
	if (m->mechanism != CKM_RSA_PKCS_OAEP) {
		if (uk->type != CKK_AES || uk->secret == NULL)
			return CKR_KEY_TYPE_INCONSISTENT;
		if (m->mechanism == CKM_AES_CBC_PAD ? in_len % 16 != 0 : in_len < 16 || in_len % 8 != 0)
			return CKR_WRAPPED_KEY_LEN_RANGE;
		if (m->mechanism == CKM_AES_KEY_WRAP && in_len < 24)
			return CKR_WRAPPED_KEY_LEN_RANGE;
	}
	if ((tmp = poc_secret_alloc(cap)) == NULL)
		return CKR_HOST_MEMORY;
	if (m->mechanism == CKM_RSA_PKCS_OAEP) {
		l = (CK_ULONG)cap;
		rv = oaep_run(m, uk, POC_OP_DECRYPT, in, in_len, tmp, &l);
		n = (size_t)l;
	} else {
		rv = aes_run(m, uk, 0, in, in_len, tmp, &n);
	}
	if (rv == CKR_OK)
		rv = exact_copy(tmp, n, out, out_len);
	poc_secret_free(tmp, cap);
	return rv;
}
