/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Key derivation (C_DeriveKey) through OpenSSL EVP: CKM_ECDH1_DERIVE
 * (EVP_PKEY_derive against the peer's point, then CKD_NULL or the ANSI X9.63
 * KDF of EVP_KDF "X963KDF") and CKM_HKDF_DERIVE (EVP_KDF "HKDF", RFC 5869).
 * Every derived byte is in locked memory; intermediate secrets are wiped.
 */
#include "crypto/crypto_int.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/kdf.h>
#include <openssl/param_build.h>

#include "store/object.h"

/* The peer's point: raw (0x04 || X || Y) or a DER OCTET STRING holding it (PKCS#11 v3.0 2.3.10 allows both). */
static int peer_point(const CK_ECDH1_DERIVE_PARAMS *p, size_t field, const uint8_t **pt, size_t *len)
{
	const uint8_t *d = p->public_data;
	size_t n = p->public_data_len, raw = 1 + 2 * field;

	if (d == NULL || n == 0)
		return 0;
	if (n == raw && d[0] == 0x04) {
		*pt = d;
		*len = n;
		return 1;
	}
	/* DER: 0x04, a short or one-byte long length, then the raw point. */
	if (n >= 2 && d[0] == 0x04 && d[1] < 0x80 && (size_t)d[1] == n - 2 && n - 2 == raw) {
		*pt = d + 2;
		*len = n - 2;
		return 1;
	}
	if (n >= 3 && d[0] == 0x04 && d[1] == 0x81 && (size_t)d[2] == n - 3 && n - 3 == raw) {
		*pt = d + 3;
		*len = n - 3;
		return 1;
	}
	return 0;
}

/* The peer's public key on base's curve from its point; NULL when the point is not one. */
static EVP_PKEY *peer_key(const struct poc_key *base, const uint8_t *pt, size_t len)
{
	char group[64];
	OSSL_PARAM_BLD *b = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *c = NULL;
	EVP_PKEY *peer = NULL;

	if (EVP_PKEY_get_utf8_string_param(base->pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), NULL) != 1 ||
	    (b = OSSL_PARAM_BLD_new()) == NULL ||
	    OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) != 1 ||
	    OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, pt, len) != 1 ||
	    (params = OSSL_PARAM_BLD_to_param(b)) == NULL || (c = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(c) != 1 || EVP_PKEY_fromdata(c, &peer, EVP_PKEY_PUBLIC_KEY, params) != 1)
		peer = NULL;
	EVP_PKEY_CTX_free(c);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(b);
	if (peer != NULL) {
		/* fromdata decodes the point; the public check puts it on the curve (no small-subgroup tricks). */
		c = EVP_PKEY_CTX_new_from_pkey(NULL, peer, NULL);
		if (c == NULL || EVP_PKEY_public_check(c) != 1) {
			EVP_PKEY_free(peer);
			peer = NULL;
		}
		EVP_PKEY_CTX_free(c);
	}
	ERR_clear_error();
	return peer;
}

/* Z = the x-coordinate of d_base * Q_peer, in z (nbytes of the field), through EVP_PKEY_derive. */
static CK_RV ecdh_z(const struct poc_key *base, EVP_PKEY *peer, uint8_t *z, size_t *zlen)
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, base->pkey, NULL);
	CK_RV rv = CKR_FUNCTION_FAILED;

	if (c != NULL && EVP_PKEY_derive_init(c) == 1 && EVP_PKEY_derive_set_peer(c, peer) == 1 &&
	    EVP_PKEY_derive(c, z, zlen) == 1)
		rv = CKR_OK;
	ERR_clear_error();
	EVP_PKEY_CTX_free(c);
	return rv;
}

/* The digest name of an X9.63 KDF, or NULL. */
static const char *x963_md(CK_ULONG kdf)
{
	switch (kdf) {
	case CKD_SHA1_KDF: return "SHA1";
	case CKD_SHA224_KDF: return "SHA224";
	case CKD_SHA256_KDF: return "SHA256";
	case CKD_SHA384_KDF: return "SHA384";
	case CKD_SHA512_KDF: return "SHA512";
	default: return NULL;
	}
}

/* One EVP_KDF run of name with params into out (len bytes). */
static CK_RV kdf_run(const char *name, const OSSL_PARAM *params, uint8_t *out, size_t len)
{
	EVP_KDF *k = EVP_KDF_fetch(NULL, name, NULL);
	EVP_KDF_CTX *c = k != NULL ? EVP_KDF_CTX_new(k) : NULL;
	CK_RV rv = c != NULL && EVP_KDF_derive(c, out, len, params) == 1 ? CKR_OK : CKR_FUNCTION_FAILED;

	ERR_clear_error();
	EVP_KDF_CTX_free(c);
	EVP_KDF_free(k);
	return rv;
}

/* Z through p's KDF into len bytes of out. */
static CK_RV ecdh_kdf(const CK_ECDH1_DERIVE_PARAMS *p, uint8_t *z, size_t zlen, uint8_t *out, size_t len)
{
	const char *md = x963_md(p->kdf);
	OSSL_PARAM params[4], *q = params;

	if (p->kdf == CKD_NULL) {
		if (len > zlen)
			return CKR_KEY_SIZE_RANGE;
		memcpy(out, z, len);
		return CKR_OK;
	}
	*q++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)md, 0);
	*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, z, zlen);
	if (p->shared_data_len > 0)
		*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, p->shared_data, p->shared_data_len);
	*q = OSSL_PARAM_construct_end();
	return kdf_run("X963KDF", params, out, len);
}

CK_RV poc_derive_ecdh(const struct poc_key *base, const CK_ECDH1_DERIVE_PARAMS *p, size_t len, uint8_t **out)
{
	const uint8_t *pt = NULL;
	size_t ptlen = 0, zlen;
	uint8_t z[66];
	EVP_PKEY *peer;
	CK_RV rv;

	if (base == NULL || p == NULL || out == NULL || len == 0 || len > POC_OBJECT_SECRET_MAX)
		return CKR_ARGUMENTS_BAD;
	*out = NULL;
	if (base->type != CKK_EC || base->pkey == NULL || !base->priv)
		return CKR_KEY_TYPE_INCONSISTENT;
	if (p->kdf != CKD_NULL && x963_md(p->kdf) == NULL)
		return CKR_MECHANISM_PARAM_INVALID;
	if ((p->kdf == CKD_NULL && p->shared_data_len != 0) || (p->shared_data_len > 0 && p->shared_data == NULL) ||
	    p->shared_data_len > POC_OP_BUFFER_MAX)
		return CKR_MECHANISM_PARAM_INVALID;
	zlen = (base->bits + 7) / 8;
	if (zlen > sizeof(z) || !peer_point(p, zlen, &pt, &ptlen) || (peer = peer_key(base, pt, ptlen)) == NULL)
		return CKR_MECHANISM_PARAM_INVALID;
	rv = ecdh_z(base, peer, z, &zlen);
	EVP_PKEY_free(peer);
	if (rv == CKR_OK && (*out = poc_secret_alloc(len)) == NULL)
		rv = CKR_HOST_MEMORY;
	if (rv == CKR_OK && (rv = ecdh_kdf(p, z, zlen, *out, len)) != CKR_OK) {
		poc_secret_free(*out, len);
		*out = NULL;
	}
	OPENSSL_cleanse(z, sizeof(z));
	return rv;
}

/* The HKDF mode of p, or -1. */
static int hkdf_mode(const CK_HKDF_PARAMS *p)
{
	if (p->bExtract && p->bExpand)
		return EVP_KDF_HKDF_MODE_EXTRACT_AND_EXPAND;
	if (p->bExtract)
		return EVP_KDF_HKDF_MODE_EXTRACT_ONLY;
	if (p->bExpand)
		return EVP_KDF_HKDF_MODE_EXPAND_ONLY;
	return -1;
}

/* The salt of p (salt_key's bytes for CKF_HKDF_SALT_KEY); 0 with no salt, -1 when p's salt is malformed. */
static int hkdf_salt(const CK_HKDF_PARAMS *p, const uint8_t *salt_key, size_t salt_key_len, const uint8_t **s,
		     size_t *slen)
{
	*s = NULL;
	*slen = 0;
	if (!p->bExtract)
		return p->ulSaltType == 0 || p->ulSaltType == CKF_HKDF_SALT_NULL ? 0 : -1;
	switch (p->ulSaltType) {
	case CKF_HKDF_SALT_NULL:
		return 0; /* RFC 5869 2.2: HashLen zeros, which HMAC's key padding makes the same as none */
	case CKF_HKDF_SALT_DATA:
		if (p->pSalt == NULL || p->ulSaltLen == 0 || p->ulSaltLen > POC_OP_BUFFER_MAX)
			return -1;
		*s = p->pSalt;
		*slen = p->ulSaltLen;
		return 1;
	case CKF_HKDF_SALT_KEY:
		if (salt_key == NULL || salt_key_len == 0)
			return -1;
		*s = salt_key;
		*slen = salt_key_len;
		return 1;
	default:
		return -1;
	}
}

CK_RV poc_derive_hkdf(const CK_HKDF_PARAMS *p, const uint8_t *ikm, size_t ikm_len, const uint8_t *salt_key,
		      size_t salt_key_len, size_t len, uint8_t **out)
{
	const EVP_MD *md;
	const uint8_t *salt;
	size_t slen, hlen;
	int mode;
	OSSL_PARAM params[6], *q = params;
	CK_RV rv;

	if (p == NULL || ikm == NULL || ikm_len == 0 || out == NULL || len == 0)
		return CKR_ARGUMENTS_BAD;
	*out = NULL;
	if ((p->prfHashMechanism != CKM_SHA256 && p->prfHashMechanism != CKM_SHA384 &&
	     p->prfHashMechanism != CKM_SHA512) ||
	    (md = poc_hash_md(p->prfHashMechanism)) == NULL || (mode = hkdf_mode(p)) < 0 ||
	    hkdf_salt(p, salt_key, salt_key_len, &salt, &slen) < 0 || (p->ulInfoLen > 0 && p->pInfo == NULL) ||
	    p->ulInfoLen > POC_OP_BUFFER_MAX)
		return CKR_MECHANISM_PARAM_INVALID;
	hlen = (size_t)EVP_MD_get_size(md);
	if (mode == EVP_KDF_HKDF_MODE_EXTRACT_ONLY ? len != hlen : len > 255 * hlen)
		return CKR_KEY_SIZE_RANGE;
	if (mode == EVP_KDF_HKDF_MODE_EXPAND_ONLY && ikm_len < hlen)
		return CKR_KEY_SIZE_RANGE; /* RFC 5869 2.3: PRK is at least HashLen */
	*q++ = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
	*q++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)EVP_MD_get0_name(md), 0);
	*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)ikm, ikm_len);
	if (slen > 0)
		*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, slen);
	if (p->ulInfoLen > 0 && mode != EVP_KDF_HKDF_MODE_EXTRACT_ONLY)
		*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, p->pInfo, p->ulInfoLen);
	*q = OSSL_PARAM_construct_end();
	if ((*out = poc_secret_alloc(len)) == NULL)
		return CKR_HOST_MEMORY;
	if ((rv = kdf_run("HKDF", params, *out, len)) != CKR_OK) {
		poc_secret_free(*out, len);
		*out = NULL;
	}
	return rv;
}
