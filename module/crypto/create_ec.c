/* SPDX-License-Identifier: Apache-2.0 */
/*
 * C_CreateObject's EC and Edwards keys (see p11_create.c): CKA_EC_PARAMS
 * names one of the curve table's curves (curve.c), or the key is refused with
 * CKR_CURVE_NOT_SUPPORTED.
 */
#include "crypto/create_int.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/param_build.h>

#include "crypto/crypto_int.h"

/* The curve of CKA_EC_PARAMS for type: one of the curve table's (curve.c). */
static CK_RV curve_of(CK_KEY_TYPE type, const CK_ATTRIBUTE *a, const struct poc_curve **c)
{
	CK_RV rv = poc_create_need(a, POC_CREATE_EC_PARAMS_MAX);

	if (rv != CKR_OK)
		return rv;
	switch (poc_curve_parse(type, a->pValue, a->ulValueLen, c)) {
	case POC_CURVE_OK: return CKR_OK;
	case POC_CURVE_OTHER: return CKR_CURVE_NOT_SUPPORTED; /* explicit parameters, implicitlyCA, other curves */
	case POC_CURVE_ABSENT:
	case POC_CURVE_MALFORMED: break;
	}
	return CKR_ATTRIBUTE_VALUE_INVALID;
}

/* ---- EC ---- */

static CK_RV ec_private(const CK_ATTRIBUTE *t, CK_ULONG n, struct p11_material *m)
{
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EC_GROUP *g = NULL;
	EC_POINT *q = NULL;
	BN_CTX *bc = NULL;
	BIGNUM *d = NULL;
	EVP_PKEY *pk = NULL;
	uint8_t pub[POC_CREATE_EC_POINT_MAX];
	size_t publen = 0;
	const struct poc_curve *c = NULL;
	CK_RV rv = curve_of(CKK_EC, poc_create_take(m, t, n, CKA_EC_PARAMS), &c);

	if (rv == CKR_OK)
		rv = poc_create_bn(poc_create_take(m, t, n, CKA_VALUE), 1, &d);
	if (rv != CKR_OK)
		goto done;
	rv = CKR_HOST_MEMORY;
	if ((g = EC_GROUP_new_by_curve_name(c->nid)) == NULL || (q = EC_POINT_new(g)) == NULL ||
	    (bc = BN_CTX_secure_new()) == NULL)
		goto done;
	/* CKA_VALUE is the scalar d (big-endian, leading zeros may be dropped): 0 < d < order. */
	if (BN_is_zero(d) || BN_cmp(d, EC_GROUP_get0_order(g)) >= 0) {
		rv = CKR_ATTRIBUTE_VALUE_INVALID;
		goto done;
	}
	rv = CKR_FUNCTION_FAILED;
	if (EC_POINT_mul(g, q, d, NULL, NULL, bc) != 1 ||
	    (publen = EC_POINT_point2oct(g, q, POINT_CONVERSION_UNCOMPRESSED, pub, sizeof(pub), bc)) == 0)
		goto done;
	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, c->name, 0) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d) != 1 ||
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, publen) != 1 ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL)
		goto done;
	if ((pk = poc_create_from_params("EC", EVP_PKEY_KEYPAIR, params)) == NULL || !poc_create_key_check(pk, 1)) {
		rv = CKR_ATTRIBUTE_VALUE_INVALID;
		goto done;
	}
	rv = poc_create_private_out(pk, CKK_EC, CKR_FUNCTION_FAILED, m);
done:
	EVP_PKEY_free(pk);
	OSSL_PARAM_free(params); /* clears the secure part holding d */
	OSSL_PARAM_BLD_free(bld);
	EC_POINT_free(q);
	EC_GROUP_free(g);
	BN_CTX_free(bc);
	BN_clear_free(d);
	ERR_clear_error();
	return rv;
}

/*
 * CKA_EC_POINT: the DER OCTET STRING of the point (v3.0) or, as some
 * applications send it, the bare point. Tries the DER reading first, then
 * the bare one (a bare P-256 point can look like DER by chance).
 */
static int point_der(const CK_ATTRIBUTE *a, const uint8_t **pt, size_t *len)
{
	const uint8_t *p = a->pValue;
	size_t l = a->ulValueLen, hl, body;

	if (l < 2 || p[0] != 0x04)
		return 0;
	if (p[1] < 0x80) {
		hl = 2;
		body = p[1];
	} else if (p[1] == 0x81 && l >= 3 && p[2] >= 0x80) {
		hl = 3;
		body = p[2];
	} else {
		return 0;
	}
	if (hl + body != l)
		return 0;
	*pt = p + hl;
	*len = body;
	return 1;
}

static EVP_PKEY *ec_public_from(const struct poc_curve *c, const uint8_t *pt, size_t len)
{
	OSSL_PARAM params[3];

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)c->name, 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)pt, len);
	params[2] = OSSL_PARAM_construct_end();
	return poc_create_from_params("EC", EVP_PKEY_PUBLIC_KEY, params);
}

static CK_RV ec_public(const CK_ATTRIBUTE *t, CK_ULONG n, struct p11_material *m)
{
	const CK_ATTRIBUTE *a = poc_create_take(m, t, n, CKA_EC_POINT);
	const uint8_t *pt;
	size_t len;
	EVP_PKEY *pk = NULL;
	const struct poc_curve *c = NULL;
	CK_RV rv = curve_of(CKK_EC, poc_create_take(m, t, n, CKA_EC_PARAMS), &c);

	if (rv == CKR_OK)
		rv = poc_create_need(a, POC_CREATE_EC_POINT_MAX);
	if (rv != CKR_OK)
		return rv;
	if (point_der(a, &pt, &len))
		pk = ec_public_from(c, pt, len);
	if (pk == NULL)
		pk = ec_public_from(c, a->pValue, a->ulValueLen);
	/* fromdata decodes the point (on the curve or refused); the public check adds the order. */
	rv = pk != NULL && poc_create_key_check(pk, 0) ? poc_create_public_out(pk, m) : CKR_ATTRIBUTE_VALUE_INVALID;
	EVP_PKEY_free(pk);
	return rv;
}

/* ---- Edwards ---- */

static CK_RV ed_private(const CK_ATTRIBUTE *t, CK_ULONG n, struct p11_material *m)
{
	const CK_ATTRIBUTE *a = poc_create_take(m, t, n, CKA_VALUE);
	OSSL_PARAM params[2];
	EVP_PKEY *pk;
	const struct poc_curve *c = NULL;
	CK_RV rv = curve_of(CKK_EC_EDWARDS, poc_create_take(m, t, n, CKA_EC_PARAMS), &c);

	if (rv == CKR_OK)
		rv = poc_create_need(a, c->nbytes);
	if (rv == CKR_OK && a->ulValueLen != c->nbytes)
		rv = CKR_ATTRIBUTE_VALUE_INVALID; /* RFC 8032: the private key of the curve's size */
	if (rv != CKR_OK)
		return rv;
	/* No copy of the key bytes: OpenSSL reads them from the template (the public key is derived). */
	params[0] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PRIV_KEY, a->pValue, c->nbytes);
	params[1] = OSSL_PARAM_construct_end();
	if ((pk = poc_create_from_params(c->name, EVP_PKEY_KEYPAIR, params)) == NULL || !poc_create_key_check(pk, 1))
		rv = CKR_ATTRIBUTE_VALUE_INVALID;
	else
		rv = poc_create_private_out(pk, CKK_EC_EDWARDS, CKR_FUNCTION_FAILED, m);
	EVP_PKEY_free(pk);
	return rv;
}

static CK_RV ed_public(const CK_ATTRIBUTE *t, CK_ULONG n, struct p11_material *m)
{
	const CK_ATTRIBUTE *a = poc_create_take(m, t, n, CKA_EC_POINT);
	OSSL_PARAM params[2];
	const uint8_t *pt;
	size_t len;
	EVP_PKEY *pk;
	const struct poc_curve *c = NULL;
	CK_RV rv = curve_of(CKK_EC_EDWARDS, poc_create_take(m, t, n, CKA_EC_PARAMS), &c);

	if (rv == CKR_OK)
		rv = poc_create_need(a, POC_CREATE_EC_POINT_MAX);
	if (rv != CKR_OK)
		return rv;
	if (!point_der(a, &pt, &len)) {
		pt = a->pValue;
		len = a->ulValueLen;
	}
	if (len != c->nbytes)
		return CKR_ATTRIBUTE_VALUE_INVALID;
	params[0] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)pt, len);
	params[1] = OSSL_PARAM_construct_end();
	pk = poc_create_from_params(c->name, EVP_PKEY_PUBLIC_KEY, params);
	rv = pk != NULL && poc_create_key_check(pk, 0) ? poc_create_public_out(pk, m) : CKR_ATTRIBUTE_VALUE_INVALID;
	EVP_PKEY_free(pk);
	return rv;
}

CK_RV poc_create_ec(int private, const CK_ATTRIBUTE *t, CK_ULONG n, struct p11_material *m)
{
	return private ? ec_private(t, n, m) : ec_public(t, n, m);
}

CK_RV poc_create_ed(int private, const CK_ATTRIBUTE *t, CK_ULONG n, struct p11_material *m)
{
	return private ? ed_private(t, n, m) : ed_public(t, n, m);
}
