/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Key generation (C_GenerateKeyPair, C_GenerateKey, poctool keygen): what the
 * mechanism table's generating entries say, at the key sizes C_GetMechanismInfo
 * gives them (the curve table's curves, the RSA range, AES-128/192/256).
 */
#include "crypto/crypto_int.h"

#include <openssl/err.h>
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

/* AES: len bytes of the private DRBG in locked memory. */
static CK_RV secret_gen(CK_ULONG len, uint8_t **secret, size_t *secret_len)
{
	CK_ULONG min = 0, max = 0;

	if (!poc_key_type_sizes(CKK_AES, &min, &max) || len < min || len > max || len % 8 != 0)
		return CKR_KEY_SIZE_RANGE; /* 16, 24 or 32 */
	if ((*secret = poc_secret_alloc(len)) == NULL)
		return CKR_HOST_MEMORY;
	if (RAND_priv_bytes(*secret, (int)len) != 1) {
		poc_secret_free(*secret, len);
		*secret = NULL;
		return CKR_FUNCTION_FAILED;
	}
	*secret_len = len;
	return CKR_OK;
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

static CK_RV pair_gen(CK_KEY_TYPE type, const uint8_t *ec_params, size_t ec_params_len, CK_ULONG bits, EVP_PKEY **pk)
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
		*pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
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
		return secret_gen(bits_or_len, secret, secret_len);
	if (spki == NULL || spki_len == NULL)
		return CKR_ARGUMENTS_BAD;
	if ((rv = pair_gen(type, ec_params, ec_params_len, bits_or_len, &pk)) != CKR_OK)
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
