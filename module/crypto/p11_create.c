/* SPDX-License-Identifier: Apache-2.0 */
/*
 * C_CreateObject's key material (p11_create.h). A private key is built with
 * EVP_PKEY_fromdata from the template's values (create_ec.c: the EC public
 * point computed from the scalar; create_rsa.c: missing RSA CRT values from
 * the primes), checked (EVP_PKEY_check; an RSA key given without its primes
 * by a raw private operation undone by the public one), encoded as PKCS#8 DER
 * in locked memory like C_GenerateKeyPair's keys, and loaded once more by
 * poc_key_from_secret, the loader of released keys: what is sealed is what a
 * release will load. Public keys become a SubjectPublicKeyInfo checked by
 * poc_key_from_spki.
 *
 * Errors follow PKCS#11 v3.0 section 4.1: a value that is never valid is
 * CKR_ATTRIBUTE_VALUE_INVALID; values that are valid one by one but do not
 * make one key, or make a key this token does not take (RSA outside
 * 1024-4096 bits), are CKR_TEMPLATE_INCONSISTENT; a curve the curve table
 * does not hold (curve.c: P-256, P-384 for CKK_EC, Ed25519 for
 * CKK_EC_EDWARDS) is CKR_CURVE_NOT_SUPPORTED.
 */
#include "crypto/create_int.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "store/object.h"
#include "crypto/crypto_int.h"

#define CERT_MAX POC_OBJECT_SECRET_MAX

int p11_material_used(const struct p11_material *m, CK_ATTRIBUTE_TYPE type)
{
	for (size_t i = 0; i < m->nused; i++)
		if (m->used[i] == type)
			return 1;
	return 0;
}

void p11_material_clear(struct p11_material *m)
{
	if (m == NULL)
		return;
	poc_secret_free(m->secret, m->secret_len);
	free(m->spki);
	free(m->cert);
	memset(m, 0, sizeof(*m));
}

/* The template attribute of type (NULL when absent), recorded as used. */
const CK_ATTRIBUTE *poc_create_take(struct p11_material *m, const CK_ATTRIBUTE *t, CK_ULONG n, CK_ATTRIBUTE_TYPE type)
{
	for (CK_ULONG i = 0; i < n; i++) {
		if (t[i].type != type)
			continue;
		if (!p11_material_used(m, type) && m->nused < P11_MATERIAL_USED_MAX)
			m->used[m->nused++] = type;
		return &t[i];
	}
	return NULL;
}

/* A value the object needs: absent is CKR_TEMPLATE_INCOMPLETE, empty or longer than max CKR_ATTRIBUTE_VALUE_INVALID. */
CK_RV poc_create_need(const CK_ATTRIBUTE *a, size_t max)
{
	if (a == NULL)
		return CKR_TEMPLATE_INCOMPLETE;
	if (a->pValue == NULL || a->ulValueLen == 0 || a->ulValueLen > max)
		return CKR_ATTRIBUTE_VALUE_INVALID;
	return CKR_OK;
}

/* A big-endian integer of the template; private values go to the secure heap (BN_clear_free). */
CK_RV poc_create_bn(const CK_ATTRIBUTE *a, int secret, BIGNUM **out)
{
	CK_RV rv = poc_create_need(a, POC_CREATE_BIGNUM_MAX);

	*out = NULL;
	if (rv != CKR_OK)
		return rv;
	if ((*out = secret ? BN_secure_new() : BN_new()) == NULL)
		return CKR_HOST_MEMORY;
	if (BN_bin2bn(a->pValue, (int)a->ulValueLen, *out) == NULL) {
		BN_clear_free(*out);
		*out = NULL;
		return CKR_HOST_MEMORY;
	}
	if (secret)
		BN_set_flags(*out, BN_FLG_CONSTTIME);
	return CKR_OK;
}

EVP_PKEY *poc_create_from_params(const char *alg, int selection, OSSL_PARAM *params)
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, alg, NULL);
	EVP_PKEY *pk = NULL;

	if (c == NULL || EVP_PKEY_fromdata_init(c) != 1 || EVP_PKEY_fromdata(c, &pk, selection, params) != 1) {
		EVP_PKEY_free(pk);
		pk = NULL;
	}
	EVP_PKEY_CTX_free(c);
	ERR_clear_error();
	return pk;
}

/* OpenSSL's full check of a key pair (private: ranges and public = f(private)) or of a public key. */
int poc_create_key_check(EVP_PKEY *pk, int private)
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL);
	int ok = c != NULL && (private ? EVP_PKEY_check(c) : EVP_PKEY_public_check(c)) == 1;

	EVP_PKEY_CTX_free(c);
	ERR_clear_error();
	return ok;
}

/*
 * A private key as it is sealed: PKCS#8 DER in locked memory, loaded back by
 * poc_key_from_secret (the checks a release makes), and its SPKI. encode_rv
 * is returned when OpenSSL cannot encode the key.
 */
CK_RV poc_create_private_out(EVP_PKEY *pk, CK_KEY_TYPE type, CK_RV encode_rv, struct p11_material *m)
{
	struct poc_err e = { 0 };
	struct poc_key *k = NULL;
	CK_RV rv = poc_key_pkcs8(pk, &m->secret, &m->secret_len);

	if (rv == CKR_FUNCTION_FAILED)
		rv = encode_rv;
	if (rv == CKR_OK && (k = poc_key_from_secret(&e, type, m->secret, m->secret_len)) == NULL)
		rv = CKR_TEMPLATE_INCONSISTENT;
	if (rv == CKR_OK)
		rv = poc_key_spki(k, &m->spki, &m->spki_len);
	if (rv != CKR_OK) {
		poc_secret_free(m->secret, m->secret_len);
		m->secret = NULL;
		m->secret_len = 0;
	}
	poc_key_free(k);
	ERR_clear_error();
	return rv;
}

/* A public key as it is stored: its SPKI, loaded back by poc_key_from_spki (the curve table, RSA 1024-4096). */
CK_RV poc_create_public_out(EVP_PKEY *pk, struct p11_material *m)
{
	struct poc_err e = { 0 };
	struct poc_key *k;
	unsigned char *der = NULL;
	int len = i2d_PUBKEY(pk, &der);

	if (len <= 0) {
		ERR_clear_error();
		return CKR_FUNCTION_FAILED;
	}
	k = poc_key_from_spki(&e, der, (size_t)len);
	if (k == NULL || (m->spki = malloc((size_t)len)) == NULL) {
		OPENSSL_free(der);
		poc_key_free(k);
		return k == NULL ? CKR_TEMPLATE_INCONSISTENT : CKR_HOST_MEMORY;
	}
	memcpy(m->spki, der, (size_t)len);
	m->spki_len = (size_t)len;
	OPENSSL_free(der);
	poc_key_free(k);
	return CKR_OK;
}

/* ---- AES, certificates ---- */

/* CKA_CHECK_VALUE of an AES key (PKCS#11 v3.0): the first 3 bytes of the ECB encryption of a zero block. */
static CK_RV aes_check_value(const uint8_t *key, size_t len, const CK_ATTRIBUTE *a)
{
	static const uint8_t zero[16];
	const EVP_CIPHER *c = len == 16 ? EVP_aes_128_ecb() : len == 24 ? EVP_aes_192_ecb() : EVP_aes_256_ecb();
	EVP_CIPHER_CTX *ctx;
	uint8_t block[32];
	int out = 0, ok;

	if (a->ulValueLen == 0)
		return CKR_OK; /* empty: no check value given */
	if (a->ulValueLen != 3)
		return CKR_ATTRIBUTE_VALUE_INVALID;
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL)
		return CKR_HOST_MEMORY;
	ok = EVP_EncryptInit_ex(ctx, c, NULL, key, NULL) == 1 && EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 &&
	     EVP_EncryptUpdate(ctx, block, &out, zero, sizeof(zero)) == 1 && out == 16;
	EVP_CIPHER_CTX_free(ctx);
	ERR_clear_error();
	if (!ok)
		return CKR_FUNCTION_FAILED;
	ok = CRYPTO_memcmp(block, a->pValue, 3) == 0;
	OPENSSL_cleanse(block, sizeof(block));
	return ok ? CKR_OK : CKR_TEMPLATE_INCONSISTENT;
}

/* A secret key's CKA_VALUE at the sizes of its key type (AES 16/24/32, DES 8, DES3 24, generic 1..512). */
static CK_RV secret_value(CK_KEY_TYPE type, const CK_ATTRIBUTE *t, CK_ULONG n, struct p11_material *m)
{
	const CK_ATTRIBUTE *a = poc_create_take(m, t, n, CKA_VALUE), *cv = poc_create_take(m, t, n, CKA_CHECK_VALUE);
	CK_ULONG min = 0, max = 0;
	CK_RV rv;

	if (!poc_key_type_sizes(type, &min, &max) || (rv = poc_create_need(a, max)) != CKR_OK)
		return a == NULL ? CKR_TEMPLATE_INCOMPLETE : CKR_ATTRIBUTE_VALUE_INVALID;
	if (a->ulValueLen < min || (type == CKK_AES && a->ulValueLen % 8 != 0))
		return CKR_ATTRIBUTE_VALUE_INVALID;
	/* The check value of AES keys is verified; the other types' is ignored as the spec allows. */
	if (type == CKK_AES && cv != NULL && (rv = aes_check_value(a->pValue, a->ulValueLen, cv)) != CKR_OK)
		return rv;
	if ((m->secret = poc_secret_alloc(a->ulValueLen)) == NULL)
		return CKR_HOST_MEMORY;
	memcpy(m->secret, a->pValue, a->ulValueLen);
	m->secret_len = a->ulValueLen;
	return CKR_OK;
}

static CK_RV x509_cert(const CK_ATTRIBUTE *t, CK_ULONG n, struct p11_material *m)
{
	const CK_ATTRIBUTE *a = poc_create_take(m, t, n, CKA_VALUE);
	const unsigned char *p;
	X509 *x;
	CK_RV rv = poc_create_need(a, CERT_MAX);

	if (rv != CKR_OK)
		return rv;
	p = a->pValue;
	x = d2i_X509(NULL, &p, (long)a->ulValueLen);
	ERR_clear_error();
	if (x == NULL || p != (const unsigned char *)a->pValue + a->ulValueLen) {
		X509_free(x);
		return CKR_ATTRIBUTE_VALUE_INVALID; /* not one DER certificate */
	}
	X509_free(x);
	if ((m->cert = malloc(a->ulValueLen)) == NULL)
		return CKR_HOST_MEMORY;
	memcpy(m->cert, a->pValue, a->ulValueLen);
	m->cert_len = a->ulValueLen;
	return CKR_OK;
}

CK_RV p11_material_make(CK_OBJECT_CLASS class, CK_KEY_TYPE type, const CK_ATTRIBUTE *t, CK_ULONG n,
			struct p11_material *m)
{
	CK_RV rv = CKR_ATTRIBUTE_VALUE_INVALID;

	memset(m, 0, sizeof(*m));
	if (class == CKO_PRIVATE_KEY || class == CKO_PUBLIC_KEY) {
		switch (type) {
		case CKK_EC: rv = poc_create_ec(class == CKO_PRIVATE_KEY, t, n, m); break;
		case CKK_RSA: rv = poc_create_rsa(class == CKO_PRIVATE_KEY, t, n, m); break;
		case CKK_EC_EDWARDS: rv = poc_create_ed(class == CKO_PRIVATE_KEY, t, n, m); break;
		default: break;
		}
	} else if (class == CKO_SECRET_KEY && (type == CKK_AES || type == CKK_DES || type == CKK_DES3 ||
						 type == CKK_GENERIC_SECRET)) {
		rv = secret_value(type, t, n, m);
	} else if (class == CKO_CERTIFICATE) {
		rv = x509_cert(t, n, m);
	}
	if (rv != CKR_OK)
		p11_material_clear(m);
	return rv;
}
