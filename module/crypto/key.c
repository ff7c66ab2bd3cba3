/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Keys: released key material (PKCS#8 or traditional DER, raw secret keys)
 * and public keys (SubjectPublicKeyInfo) parsed once into a struct poc_key,
 * refused unless the curve table or the RSA range takes them, and their
 * public PKCS#11 attributes.
 */
#include "crypto/crypto_int.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "store/object.h"

/* The curve table's entry of an EC or Edwards key, or NULL. */
static const struct poc_curve *pkey_curve(const EVP_PKEY *pk)
{
	char group[64];
	int id = EVP_PKEY_get_base_id(pk);

	if (id != EVP_PKEY_EC)
		return poc_curve_by_nid(id);
	if (EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), NULL) != 1) {
		ERR_clear_error();
		return NULL; /* explicit parameters */
	}
	return poc_curve_by_nid(OBJ_txt2nid(group));
}

CK_RV poc_key_pkey_type(const EVP_PKEY *pk, CK_KEY_TYPE *type)
{
	const struct poc_curve *c;
	int bits;

	if (pk == NULL || type == NULL)
		return CKR_ARGUMENTS_BAD;
	switch (EVP_PKEY_get_base_id(pk)) {
	case EVP_PKEY_RSA:
		*type = CKK_RSA;
		bits = EVP_PKEY_get_bits(pk);
		return bits >= POC_RSA_MIN_BITS && bits <= POC_RSA_MAX_BITS ? CKR_OK : CKR_KEY_SIZE_RANGE;
	case EVP_PKEY_EC:
		*type = CKK_EC;
		break;
	case EVP_PKEY_ED25519:
	case EVP_PKEY_ED448:
		*type = CKK_EC_EDWARDS;
		break;
	default:
		return CKR_KEY_TYPE_INCONSISTENT;
	}
	c = pkey_curve(pk);
	return c != NULL && c->key_type == *type ? CKR_OK : CKR_CURVE_NOT_SUPPORTED;
}

static uint8_t *bn_param(const EVP_PKEY *pk, const char *name, size_t *len)
{
	BIGNUM *bn = NULL;
	uint8_t *p = NULL;
	int n;

	if (EVP_PKEY_get_bn_param(pk, name, &bn) != 1)
		return NULL;
	n = BN_num_bytes(bn);
	if ((p = malloc(n > 0 ? (size_t)n : 1)) != NULL)
		*len = (size_t)BN_bn2bin(bn, p);
	BN_free(bn);
	return p;
}

/* EC and Edwards: CKA_EC_PARAMS (the curve's OID) and CKA_EC_POINT (the encoded point in an OCTET STRING). */
static int ec_attrs(struct poc_err *e, struct poc_key *k, const struct poc_curve *c)
{
	uint8_t pt[160];
	size_t ptlen = 0;
	ASN1_OCTET_STRING *os = NULL;
	unsigned char *w;
	int n;

	if ((k->a1 = malloc(c->oid_len)) == NULL)
		return poc_err_set(e, POC_ERR_NOMEM, "key: curve OID");
	memcpy(k->a1, c->oid, c->oid_len);
	k->a1_len = c->oid_len;
	if (EVP_PKEY_get_octet_string_param(k->pkey, k->type == CKK_EC ? OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY
								      : OSSL_PKEY_PARAM_PUB_KEY,
					    pt, sizeof(pt), &ptlen) != 1 ||
	    (os = ASN1_OCTET_STRING_new()) == NULL || ASN1_OCTET_STRING_set(os, pt, (int)ptlen) != 1 ||
	    (n = i2d_ASN1_OCTET_STRING(os, NULL)) <= 0 || (k->a2 = malloc((size_t)n)) == NULL) {
		ASN1_OCTET_STRING_free(os);
		return poc_err_ssl(e, POC_ERR_CRYPTO, "key: public point");
	}
	w = k->a2;
	k->a2_len = (size_t)i2d_ASN1_OCTET_STRING(os, &w);
	ASN1_OCTET_STRING_free(os);
	return 0;
}

/* Fills type-specific fields and the public attributes; 0 or -1 with e set. */
static int key_setup(struct poc_err *e, struct poc_key *k)
{
	CK_KEY_TYPE type;
	CK_RV rv = poc_key_pkey_type(k->pkey, &type);

	k->bits = (CK_ULONG)EVP_PKEY_get_bits(k->pkey);
	if (rv == CKR_KEY_TYPE_INCONSISTENT)
		return poc_err_set(e, POC_ERR_UNSUPPORTED, "key: unsupported key algorithm %d",
				   EVP_PKEY_get_base_id(k->pkey));
	if (type != k->type)
		return poc_err_set(e, POC_ERR_MISMATCH, "key: a key of type %#lx where key type %#lx was expected", type,
				   k->type);
	if (rv == CKR_KEY_SIZE_RANGE)
		return poc_err_set(e, POC_ERR_UNSUPPORTED, "key: RSA modulus of %lu bits (%d..%d)", k->bits,
				   POC_RSA_MIN_BITS, POC_RSA_MAX_BITS);
	if (rv != CKR_OK)
		return poc_err_set(e, POC_ERR_UNSUPPORTED, "key: a curve this token does not take (%lu bits)", k->bits);
	switch (type) {
	case CKK_EC:
		k->nbytes = pkey_curve(k->pkey)->nbytes;
		return ec_attrs(e, k, pkey_curve(k->pkey));
	case CKK_EC_EDWARDS:
		k->nbytes = (size_t)EVP_PKEY_get_size(k->pkey); /* the signature's bytes */
		return ec_attrs(e, k, pkey_curve(k->pkey));
	default:
		k->nbytes = (size_t)EVP_PKEY_get_size(k->pkey);
		if ((k->a1 = bn_param(k->pkey, OSSL_PKEY_PARAM_RSA_N, &k->a1_len)) == NULL ||
		    (k->a2 = bn_param(k->pkey, OSSL_PKEY_PARAM_RSA_E, &k->a2_len)) == NULL)
			return poc_err_ssl(e, POC_ERR_CRYPTO, "key: RSA public values");
		return 0;
	}
}

static int secret_setup(struct poc_err *e, struct poc_key *k, const uint8_t *secret, size_t len)
{
	CK_ULONG min = 0, max = 0;

	if (k->type == CKK_AES && len != 16 && len != 24 && len != 32)
		return poc_err_set(e, POC_ERR_ARG, "key: AES key of %zu bytes (16, 24 or 32)", len);
	if (!poc_key_type_sizes(k->type, &min, &max) || len < min || len > max)
		return poc_err_set(e, POC_ERR_ARG, "key: secret key of %zu bytes (%lu..%lu)", len, min, max);
	if ((k->secret = poc_secret_alloc(len)) == NULL)
		return poc_err_set(e, POC_ERR_NOMEM, "key: %zu bytes of locked memory", len);
	memcpy(k->secret, secret, len);
	k->secret_len = len;
	k->bits = (CK_ULONG)len * 8;
	return 0;
}

static int private_setup(struct poc_err *e, struct poc_key *k, const uint8_t *secret, size_t len)
{
	const unsigned char *p = secret;

	/* Both PKCS#8 PrivateKeyInfo and the traditional per-algorithm forms. */
	if ((k->pkey = d2i_AutoPrivateKey(NULL, &p, (long)len)) == NULL)
		return poc_err_ssl(e, POC_ERR_MALFORMED, "key: private key DER");
	if ((size_t)(p - secret) != len)
		return poc_err_set(e, POC_ERR_MALFORMED, "key: %zu trailing bytes after the private key",
				   len - (size_t)(p - secret));
	return key_setup(e, k);
}

struct poc_key *poc_key_from_secret(struct poc_err *e, CK_KEY_TYPE type, const uint8_t *secret, size_t len)
{
	struct poc_key *k;
	int r;

	if (secret == NULL || len == 0 || len > POC_OBJECT_SECRET_MAX || len > LONG_MAX) {
		poc_err_set(e, POC_ERR_ARG, "key: no key material");
		return NULL;
	}
	if ((k = calloc(1, sizeof(*k))) == NULL) {
		poc_err_set(e, POC_ERR_NOMEM, "key");
		return NULL;
	}
	k->type = type;
	k->priv = 1;
	switch (type) {
	case CKK_AES:
	case CKK_DES:
	case CKK_DES3:
	case CKK_GENERIC_SECRET: r = secret_setup(e, k, secret, len); break;
	case CKK_EC:
	case CKK_RSA:
	case CKK_EC_EDWARDS: r = private_setup(e, k, secret, len); break;
	default: r = poc_err_set(e, POC_ERR_UNSUPPORTED, "key: key type %#lx", type); break;
	}
	if (r == 0)
		return k;
	ERR_clear_error();
	poc_key_free(k);
	return NULL;
}

struct poc_key *poc_key_from_spki(struct poc_err *e, const uint8_t *spki, size_t len)
{
	struct poc_key *k;
	const unsigned char *p = spki;

	if (spki == NULL || len == 0 || len > LONG_MAX) {
		poc_err_set(e, POC_ERR_ARG, "public key: no SubjectPublicKeyInfo");
		return NULL;
	}
	if ((k = calloc(1, sizeof(*k))) == NULL) {
		poc_err_set(e, POC_ERR_NOMEM, "public key");
		return NULL;
	}
	if ((k->pkey = d2i_PUBKEY(NULL, &p, (long)len)) == NULL) {
		poc_err_ssl(e, POC_ERR_MALFORMED, "public key: SubjectPublicKeyInfo DER");
		goto err;
	}
	if ((size_t)(p - spki) != len) {
		poc_err_set(e, POC_ERR_MALFORMED, "public key: trailing bytes after the SubjectPublicKeyInfo");
		goto err;
	}
	/* The key type is the key's own; key_setup refuses what the tables do not take. */
	if (poc_key_pkey_type(k->pkey, &k->type) == CKR_KEY_TYPE_INCONSISTENT) {
		poc_err_set(e, POC_ERR_UNSUPPORTED, "public key: unsupported algorithm %d", EVP_PKEY_get_base_id(k->pkey));
		goto err;
	}
	if (key_setup(e, k) != 0)
		goto err;
	return k;
err:
	ERR_clear_error();
	poc_key_free(k);
	return NULL;
}

void poc_key_free(struct poc_key *k)
{
	struct poc_op *op;

	if (k == NULL)
		return;
	/* Parked ops hold contexts (and so the key) for reuse: drop them with the key. */
	while ((op = k->ops) != NULL) {
		k->ops = op->knext;
		op->key = NULL;
		op->knext = NULL;
		op->kprev = NULL;
		if (op->parked)
			poc_op_drop_crypto(op);
	}
	EVP_PKEY_free(k->pkey); /* OpenSSL clears private components when freeing */
	poc_secret_free(k->secret, k->secret_len);
	free(k->a1);
	free(k->a2);
	free(k);
}

CK_KEY_TYPE poc_key_type(const struct poc_key *k)
{
	return k->type;
}

int poc_key_is_private(const struct poc_key *k)
{
	return k->priv;
}

CK_RV poc_key_spki(const struct poc_key *k, uint8_t **spki, size_t *spki_len)
{
	unsigned char *p;
	int n;

	if (k == NULL || spki == NULL || spki_len == NULL)
		return CKR_ARGUMENTS_BAD;
	if (k->pkey == NULL)
		return CKR_KEY_TYPE_INCONSISTENT;
	if ((n = i2d_PUBKEY(k->pkey, NULL)) <= 0)
		return CKR_FUNCTION_FAILED;
	if ((*spki = malloc((size_t)n)) == NULL)
		return CKR_HOST_MEMORY;
	p = *spki;
	*spki_len = (size_t)i2d_PUBKEY(k->pkey, &p);
	return CKR_OK;
}

static CK_RV attr_out(const void *v, size_t need, uint8_t *buf, CK_ULONG *len)
{
	CK_ULONG have = *len;

	*len = (CK_ULONG)need;
	if (buf == NULL)
		return CKR_OK;
	if (have < need)
		return CKR_BUFFER_TOO_SMALL;
	memcpy(buf, v, need);
	return CKR_OK;
}

CK_RV poc_key_attr(const struct poc_key *k, CK_ATTRIBUTE_TYPE type, uint8_t *buf, CK_ULONG *len)
{
	CK_ULONG v;

	if (k == NULL || len == NULL)
		return CKR_ARGUMENTS_BAD;
	switch (k->type) {
	case CKK_EC:
	case CKK_EC_EDWARDS:
		if (type == CKA_EC_PARAMS)
			return attr_out(k->a1, k->a1_len, buf, len);
		if (type == CKA_EC_POINT)
			return attr_out(k->a2, k->a2_len, buf, len);
		break;
	case CKK_RSA:
		if (type == CKA_MODULUS)
			return attr_out(k->a1, k->a1_len, buf, len);
		if (type == CKA_PUBLIC_EXPONENT)
			return attr_out(k->a2, k->a2_len, buf, len);
		if (type == CKA_MODULUS_BITS) {
			v = k->bits;
			return attr_out(&v, sizeof(v), buf, len);
		}
		break;
	case CKK_AES:
	case CKK_DES:
	case CKK_DES3:
	case CKK_GENERIC_SECRET:
		if (type == CKA_VALUE_LEN) {
			v = (CK_ULONG)k->secret_len;
			return attr_out(&v, sizeof(v), buf, len);
		}
		break;
	default:
		break;
	}
	return CKR_ATTRIBUTE_TYPE_INVALID;
}
