/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Key generation (C_GenerateKeyPair, C_GenerateKey, poctool keygen): what the
 * mechanism table's generating entries say, at the key sizes C_GetMechanismInfo
 * gives them (the curve table's curves, the RSA range, AES-128/192/256).
 */
#include "crypto/crypto_int.h"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/rsa.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "store/object.h"

CK_RV poc_key_pkcs8(EVP_PKEY *pk, uint8_t **secret, size_t *secret_len)
{
	PKCS8_PRIV_KEY_INFO *p8 = EVP_PKEY2PKCS8(pk);
	unsigned char *w;
	CK_RV rv = CKR_FUNCTION_FAILED;
	int n;

	*secret = NULL;
	*secret_len = 0;
	if (p8 == NULL || (n = i2d_PKCS8_PRIV_KEY_INFO(p8, NULL)) <= 0)
		goto done;
	if ((*secret = poc_secret_alloc((size_t)n)) == NULL) {
		rv = CKR_HOST_MEMORY;
		goto done;
	}
	w = *secret;
	if (i2d_PKCS8_PRIV_KEY_INFO(p8, &w) != n) {
		poc_secret_free(*secret, (size_t)n);
		*secret = NULL;
		goto done;
	}
	*secret_len = (size_t)n;
	rv = CKR_OK;
done:
	PKCS8_PRIV_KEY_INFO_free(p8); /* its ASN.1 callback clears the key octets */
	return rv;
}

/* DES keys carry odd parity in the low bit of each byte (FIPS 46-3); OpenSSL ignores it, tokens set it. */
static void des_parity(uint8_t *k, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned v = k[i] >> 1, ones = 0;

		for (; v != 0; v >>= 1)
			ones += v & 1;
		k[i] = (uint8_t)((k[i] & 0xfe) | ((ones & 1) ? 0 : 1));
	}
}

/*
 * Secret keys: len bytes of the private DRBG in locked memory (AES 16/24/32,
 * generic secrets 1..POC_SECRET_KEY_MAX; DES 8 and DES3 24, with parity).
 */
static CK_RV secret_gen(CK_KEY_TYPE type, CK_ULONG len, uint8_t **secret, size_t *secret_len)
{
	CK_ULONG min = 0, max = 0;

	if (!poc_key_type_sizes(type, &min, &max) || len < min || len > max || (type == CKK_AES && len % 8 != 0))
		return CKR_KEY_SIZE_RANGE;
	if ((*secret = poc_secret_alloc(len)) == NULL)
		return CKR_HOST_MEMORY;
	if (RAND_priv_bytes(*secret, (int)len) != 1) {
		poc_secret_free(*secret, len);
		*secret = NULL;
		return CKR_FUNCTION_FAILED;
	}
	if (type == CKK_DES3 || type == CKK_DES)
		des_parity(*secret, len);
	*secret_len = len;
	return CKR_OK;
}

/* RSA of bits with public exponent e (big-endian, NULL: 65537): odd, 3 up to 2^64 - 1. */
static CK_RV rsa_gen(CK_ULONG bits, const uint8_t *e, size_t elen, EVP_PKEY **pk)
{
	EVP_PKEY_CTX *c;
	BIGNUM *bn;
	uint64_t ev = 0;
	int ok;

	for (size_t i = 0; e != NULL && i < elen; i++) {
		if (ev >> 56)
			return CKR_TEMPLATE_INCONSISTENT; /* beyond 64 bits */
		ev = ev << 8 | e[i];
	}
	if (e == NULL)
		ev = 65537;
	if (ev < 3 || (ev & 1) == 0)
		return CKR_TEMPLATE_INCONSISTENT;
	if ((c = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) == NULL || (bn = BN_new()) == NULL) {
		EVP_PKEY_CTX_free(c);
		return CKR_HOST_MEMORY;
	}
	ok = BN_set_word(bn, (BN_ULONG)ev) == 1 && EVP_PKEY_keygen_init(c) == 1 &&
	     EVP_PKEY_CTX_set_rsa_keygen_bits(c, (int)bits) == 1 && EVP_PKEY_CTX_set1_rsa_keygen_pubexp(c, bn) == 1 &&
	     EVP_PKEY_keygen(c, pk) == 1;
	BN_free(bn);
	EVP_PKEY_CTX_free(c);
	if (!ok)
		*pk = NULL;
	return CKR_OK; /* *pk NULL: CKR_FUNCTION_FAILED below */
}

/* The curve CKA_EC_PARAMS names (Edwards: Ed25519 when it names none). */
static CK_RV curve_of(CK_KEY_TYPE type, const uint8_t *p, size_t len, const struct poc_curve **c)
{
	switch (poc_curve_parse(type, p, len, c)) {
	case POC_CURVE_OK: return CKR_OK;
	case POC_CURVE_ABSENT:
		if (type != CKK_EC_EDWARDS)
			return CKR_TEMPLATE_INCOMPLETE;
		*c = poc_curve_by_nid(EVP_PKEY_ED25519);
		return *c != NULL ? CKR_OK : CKR_CURVE_NOT_SUPPORTED;
	case POC_CURVE_OTHER: return CKR_CURVE_NOT_SUPPORTED;
	case POC_CURVE_MALFORMED: break;
	}
	return CKR_DOMAIN_PARAMS_INVALID;
}

static CK_RV pair_gen(CK_KEY_TYPE type, const uint8_t *ec_params, size_t ec_params_len, CK_ULONG bits,
		      const uint8_t *e, size_t elen, EVP_PKEY **pk)
{
	const struct poc_curve *c = NULL;
	CK_ULONG min = 0, max = 0;
	CK_RV rv;

	switch (type) {
	case CKK_EC:
		if ((rv = curve_of(type, ec_params, ec_params_len, &c)) != CKR_OK)
			return rv;
		*pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", c->name);
		break;
	case CKK_EC_EDWARDS:
		if ((rv = curve_of(type, ec_params, ec_params_len, &c)) != CKR_OK)
			return rv;
		*pk = EVP_PKEY_Q_keygen(NULL, NULL, c->name);
		break;
	case CKK_RSA:
		if (!poc_key_type_sizes(CKK_RSA, &min, &max) || bits < min || bits > max || bits % 8 != 0)
			return CKR_KEY_SIZE_RANGE;
		if ((rv = rsa_gen(bits, e, elen, pk)) != CKR_OK)
			return rv;
		break;
	default:
		return CKR_MECHANISM_INVALID;
	}
	if (*pk == NULL) {
		ERR_clear_error();
		return CKR_FUNCTION_FAILED;
	}
	return CKR_OK;
}

CK_RV poc_keygen(CK_MECHANISM_TYPE mech, CK_KEY_TYPE type, const uint8_t *ec_params, size_t ec_params_len,
		 CK_ULONG bits_or_len, uint8_t **secret, size_t *secret_len, uint8_t **spki, size_t *spki_len)
{
	return poc_keygen_ex(mech, type, ec_params, ec_params_len, bits_or_len, NULL, 0, secret, secret_len, spki,
			     spki_len);
}

CK_RV poc_keygen_ex(CK_MECHANISM_TYPE mech, CK_KEY_TYPE type, const uint8_t *ec_params, size_t ec_params_len,
		    CK_ULONG bits_or_len, const uint8_t *pub_exp, size_t pub_exp_len, uint8_t **secret,
		    size_t *secret_len, uint8_t **spki, size_t *spki_len)
{
	const struct poc_mech_desc *d = poc_mech_desc_find(mech);
	struct poc_key k = { 0 };
	EVP_PKEY *pk = NULL;
	CK_RV rv;

	if (secret == NULL || secret_len == NULL)
		return CKR_ARGUMENTS_BAD;
	*secret = NULL;
	*secret_len = 0;
	if (spki != NULL)
		*spki = NULL;
	if (d == NULL || !(d->ops & (MECH_GEN | MECH_GEN_PAIR)))
		return CKR_MECHANISM_INVALID;
	if (type != d->key_type)
		return CKR_TEMPLATE_INCONSISTENT;
	if (d->ops & MECH_GEN)
		return secret_gen(type, bits_or_len, secret, secret_len);
	if (spki == NULL || spki_len == NULL)
		return CKR_ARGUMENTS_BAD;
	if ((rv = pair_gen(type, ec_params, ec_params_len, bits_or_len, pub_exp, pub_exp_len, &pk)) != CKR_OK)
		return rv;
	k.pkey = pk;
	if ((rv = poc_key_pkcs8(pk, secret, secret_len)) == CKR_OK && (rv = poc_key_spki(&k, spki, spki_len)) != CKR_OK) {
		poc_secret_free(*secret, *secret_len);
		*secret = NULL;
		*secret_len = 0;
	}
	ERR_clear_error();
	EVP_PKEY_free(pk);
	return rv;
}
