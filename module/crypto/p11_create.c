/* SPDX-License-Identifier: Apache-2.0 */
/*
 * C_CreateObject's key material (p11_create.h). A private key is built with
 * EVP_PKEY_fromdata from the template's values (the EC public point computed
 * from the scalar, missing RSA CRT values from the primes), checked
 * (EVP_PKEY_check; an RSA key given without its primes by a raw private
 * operation undone by the public one), encoded as PKCS#8 DER in locked memory
 * like C_GenerateKeyPair's keys, and loaded once more by poc_key_from_secret,
 * the loader of released keys: what is sealed is what a release will load.
 * Public keys become a SubjectPublicKeyInfo checked by poc_key_from_spki.
 *
 * Errors follow PKCS#11 v3.0 section 4.1: a value that is never valid is
 * CKR_ATTRIBUTE_VALUE_INVALID; values that are valid one by one but do not
 * make one key, or make a key this token does not take (RSA outside
 * 2048-4096 bits), are CKR_TEMPLATE_INCONSISTENT; a curve other than P-256,
 * P-384 (CKK_EC) or Ed25519 (CKK_EC_EDWARDS) is CKR_CURVE_NOT_SUPPORTED.
 */
#include "crypto/p11_create.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "store/object.h"
#include "crypto/p11_crypto.h"

#define RSA_PRIV_MIN_BITS 2048 /* what poctool import and C_GenerateKeyPair take */
#define RSA_PRIV_MAX_BITS 4096
#define BIGNUM_MAX_BYTES 2048  /* one RSA or EC component: up to 16384 bits */
#define EC_PARAMS_MAX 128
#define EC_POINT_MAX 160
#define CERT_MAX POC_OBJECT_SECRET_MAX

static const uint8_t ed25519_oid[] = {0x06, 0x03, 0x2b, 0x65, 0x70};
static const uint8_t ed25519_str[] = "\x13\x0c" "edwards25519"; /* PrintableString, PKCS#11 v3.0 */

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
static const CK_ATTRIBUTE *take(struct p11_material *m, const CK_ATTRIBUTE *t, CK_ULONG n, CK_ATTRIBUTE_TYPE type)
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
static CK_RV need(const CK_ATTRIBUTE *a, size_t max)
{
	if (a == NULL)
		return CKR_TEMPLATE_INCOMPLETE;
	if (a->pValue == NULL || a->ulValueLen == 0 || a->ulValueLen > max)
		return CKR_ATTRIBUTE_VALUE_INVALID;
	return CKR_OK;
}

/* A big-endian integer of the template; private values go to the secure heap (BN_clear_free). */
static CK_RV bn_of(const CK_ATTRIBUTE *a, int secret, BIGNUM **out)
{
	CK_RV rv = need(a, BIGNUM_MAX_BYTES);

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

static EVP_PKEY *from_params(const char *alg, int selection, OSSL_PARAM *params)
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
static int key_check(EVP_PKEY *pk, int private)
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
static CK_RV private_out(EVP_PKEY *pk, CK_KEY_TYPE type, CK_RV encode_rv, struct p11_material *m)
{
	struct poc_err e = { 0 };
	PKCS8_PRIV_KEY_INFO *p8 = EVP_PKEY2PKCS8(pk);
	struct poc_key *k = NULL;
	unsigned char *w;
	CK_RV rv = encode_rv;
	int len;

	if (p8 == NULL || (len = i2d_PKCS8_PRIV_KEY_INFO(p8, NULL)) <= 0)
		goto done;
	if ((m->secret = poc_secret_alloc((size_t)len)) == NULL) {
		rv = CKR_HOST_MEMORY;
		goto done;
	}
	m->secret_len = (size_t)len;
	w = m->secret;
	if (i2d_PKCS8_PRIV_KEY_INFO(p8, &w) != len)
		goto done;
	if ((k = poc_key_from_secret(&e, type, m->secret, m->secret_len)) == NULL) {
		rv = CKR_TEMPLATE_INCONSISTENT;
		goto done;
	}
	rv = poc_key_spki(k, &m->spki, &m->spki_len);
done:
	if (rv != CKR_OK) {
		poc_secret_free(m->secret, m->secret_len);
		m->secret = NULL;
		m->secret_len = 0;
	}
	poc_key_free(k);
	PKCS8_PRIV_KEY_INFO_free(p8); /* its ASN.1 callback clears the key octets */
	ERR_clear_error();
	return rv;
}

/* A public key as it is stored: its SPKI, loaded back by poc_key_from_spki (RSA 2048-16384 bits). */
static CK_RV public_out(EVP_PKEY *pk, struct p11_material *m)
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

/* ---- EC (P-256, P-384) ---- */

/* The curve of CKA_EC_PARAMS: a DER OID (named curves only, as C_GenerateKeyPair). */
static CK_RV ec_nid(const CK_ATTRIBUTE *a, int *nid)
{
	const unsigned char *p;
	ASN1_OBJECT *obj;
	CK_RV rv = need(a, EC_PARAMS_MAX);

	if (rv != CKR_OK)
		return rv;
	p = a->pValue;
	if (p[0] == 0x30 || p[0] == 0x05)
		return CKR_CURVE_NOT_SUPPORTED; /* explicit parameters, implicitlyCA */
	if ((obj = d2i_ASN1_OBJECT(NULL, &p, (long)a->ulValueLen)) == NULL) {
		ERR_clear_error();
		return CKR_ATTRIBUTE_VALUE_INVALID;
	}
	*nid = OBJ_obj2nid(obj);
	ASN1_OBJECT_free(obj);
	if (p != (const unsigned char *)a->pValue + a->ulValueLen)
		return CKR_ATTRIBUTE_VALUE_INVALID;
	if (*nid != NID_X9_62_prime256v1 && *nid != NID_secp384r1)
		return CKR_CURVE_NOT_SUPPORTED;
	return CKR_OK;
}

static CK_RV ec_private(const CK_ATTRIBUTE *t, CK_ULONG n, struct p11_material *m)
{
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EC_GROUP *g = NULL;
	EC_POINT *q = NULL;
	BN_CTX *bc = NULL;
	BIGNUM *d = NULL;
	EVP_PKEY *pk = NULL;
	uint8_t pub[EC_POINT_MAX];
	size_t publen = 0;
	int nid = NID_undef;
	CK_RV rv = ec_nid(take(m, t, n, CKA_EC_PARAMS), &nid);

	if (rv == CKR_OK)
		rv = bn_of(take(m, t, n, CKA_VALUE), 1, &d);
	if (rv != CKR_OK)
		goto done;
	rv = CKR_HOST_MEMORY;
	if ((g = EC_GROUP_new_by_curve_name(nid)) == NULL || (q = EC_POINT_new(g)) == NULL ||
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
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, OBJ_nid2sn(nid), 0) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d) != 1 ||
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, publen) != 1 ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL)
		goto done;
	if ((pk = from_params("EC", EVP_PKEY_KEYPAIR, params)) == NULL || !key_check(pk, 1)) {
		rv = CKR_ATTRIBUTE_VALUE_INVALID;
		goto done;
	}
	rv = private_out(pk, CKK_EC, CKR_FUNCTION_FAILED, m);
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

static EVP_PKEY *ec_public_from(int nid, const uint8_t *pt, size_t len)
{
	OSSL_PARAM params[3];

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)OBJ_nid2sn(nid), 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)pt, len);
	params[2] = OSSL_PARAM_construct_end();
	return from_params("EC", EVP_PKEY_PUBLIC_KEY, params);
}

static CK_RV ec_public(const CK_ATTRIBUTE *t, CK_ULONG n, struct p11_material *m)
{
	const CK_ATTRIBUTE *a = take(m, t, n, CKA_EC_POINT);
	const uint8_t *pt;
	size_t len;
	EVP_PKEY *pk = NULL;
	int nid = NID_undef;
	CK_RV rv = ec_nid(take(m, t, n, CKA_EC_PARAMS), &nid);

	if (rv == CKR_OK)
		rv = need(a, EC_POINT_MAX);
	if (rv != CKR_OK)
		return rv;
	if (point_der(a, &pt, &len))
		pk = ec_public_from(nid, pt, len);
	if (pk == NULL)
		pk = ec_public_from(nid, a->pValue, a->ulValueLen);
	/* fromdata decodes the point (on the curve or refused); the public check adds the order. */
	rv = pk != NULL && key_check(pk, 0) ? public_out(pk, m) : CKR_ATTRIBUTE_VALUE_INVALID;
	EVP_PKEY_free(pk);
	return rv;
}

/* ---- RSA ---- */

/*
 * An RSA key given without its primes: one raw private operation on a
 * random value below the modulus, undone by the public one.
 */
static int rsa_roundtrip(EVP_PKEY *pk)
{
	size_t k = (size_t)EVP_PKEY_get_size(pk), l1 = k, l2 = k;
	uint8_t *msg = malloc(k), *sig = malloc(k), *back = malloc(k);
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL);
	int ok = msg != NULL && sig != NULL && back != NULL && c != NULL && k > 1 && RAND_bytes(msg, (int)k) == 1;

	if (ok)
		msg[0] = 0; /* below the modulus, whose top byte is not 0 */
	ok = ok && EVP_PKEY_decrypt_init(c) == 1 && EVP_PKEY_CTX_set_rsa_padding(c, RSA_NO_PADDING) == 1 &&
	     EVP_PKEY_decrypt(c, sig, &l1, msg, k) == 1 && l1 == k && EVP_PKEY_encrypt_init(c) == 1 &&
	     EVP_PKEY_CTX_set_rsa_padding(c, RSA_NO_PADDING) == 1 && EVP_PKEY_encrypt(c, back, &l2, sig, k) == 1 &&
	     l2 == k && CRYPTO_memcmp(msg, back, k) == 0;
	EVP_PKEY_CTX_free(c);
	if (sig != NULL)
		OPENSSL_cleanse(sig, k);
	free(msg);
	free(sig);
	free(back);
	ERR_clear_error();
	return ok;
}

enum { RSA_N, RSA_E, RSA_D, RSA_P, RSA_Q, RSA_DP, RSA_DQ, RSA_QINV, RSA_NV };

/* The CRT values the template left out, from the primes (PKCS #1: dP = d mod (p-1), ..., qInv = q^-1 mod p). */
static CK_RV rsa_complete_crt(BIGNUM **v)
{
	BN_CTX *bc = BN_CTX_secure_new();
	BIGNUM *t = BN_secure_new();
	CK_RV rv = CKR_HOST_MEMORY;

	if (bc == NULL || t == NULL)
		goto done;
	BN_set_flags(t, BN_FLG_CONSTTIME);
	for (int i = 0; i < 2; i++) {
		BIGNUM *prime = v[RSA_P + i];

		if (v[RSA_DP + i] != NULL)
			continue;
		if ((v[RSA_DP + i] = BN_secure_new()) == NULL)
			goto done;
		BN_set_flags(v[RSA_DP + i], BN_FLG_CONSTTIME);
		if (BN_copy(t, prime) == NULL || BN_sub_word(t, 1) != 1 || BN_is_zero(t) ||
		    BN_mod(v[RSA_DP + i], v[RSA_D], t, bc) != 1) {
			rv = CKR_TEMPLATE_INCONSISTENT;
			goto done;
		}
	}
	if (v[RSA_QINV] == NULL) {
		if ((v[RSA_QINV] = BN_secure_new()) == NULL)
			goto done;
		if (BN_mod_inverse(v[RSA_QINV], v[RSA_Q], v[RSA_P], bc) == NULL) {
			rv = CKR_TEMPLATE_INCONSISTENT; /* q has no inverse mod p: not two distinct primes */
			goto done;
		}
	}
	rv = CKR_OK;
done:
	BN_clear_free(t);
	BN_CTX_free(bc);
	ERR_clear_error();
	return rv;
}

static CK_RV rsa_private(const CK_ATTRIBUTE *t, CK_ULONG n, struct p11_material *m)
{
	static const CK_ATTRIBUTE_TYPE types[RSA_NV] = {
		CKA_MODULUS, CKA_PUBLIC_EXPONENT, CKA_PRIVATE_EXPONENT, CKA_PRIME_1,
		CKA_PRIME_2, CKA_EXPONENT_1,      CKA_EXPONENT_2,       CKA_COEFFICIENT,
	};
	static const char *const names[RSA_NV] = {
		OSSL_PKEY_PARAM_RSA_N,         OSSL_PKEY_PARAM_RSA_E,         OSSL_PKEY_PARAM_RSA_D,
		OSSL_PKEY_PARAM_RSA_FACTOR1,   OSSL_PKEY_PARAM_RSA_FACTOR2,   OSSL_PKEY_PARAM_RSA_EXPONENT1,
		OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
	};
	BIGNUM *v[RSA_NV] = { NULL };
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY *pk = NULL;
	int i, bits, crt, nv;
	CK_RV rv = CKR_OK;

	for (i = 0; i < RSA_NV && rv == CKR_OK; i++) {
		const CK_ATTRIBUTE *a = take(m, t, n, types[i]);

		if (a != NULL || i <= RSA_D) /* n, e and d are needed; the CRT values are optional */
			rv = bn_of(a, i >= RSA_D, &v[i]);
	}
	if (rv != CKR_OK)
		goto done;
	bits = BN_num_bits(v[RSA_N]);
	if (!BN_is_odd(v[RSA_N]) || !BN_is_odd(v[RSA_E]) || BN_is_one(v[RSA_E]) || BN_is_zero(v[RSA_D])) {
		rv = CKR_ATTRIBUTE_VALUE_INVALID;
		goto done;
	}
	if (bits < RSA_PRIV_MIN_BITS || bits > RSA_PRIV_MAX_BITS) {
		rv = CKR_TEMPLATE_INCONSISTENT;
		goto done;
	}
	/* Both primes, or none (then the CRT values are useless): OpenSSL then uses d alone. */
	crt = v[RSA_P] != NULL;
	if ((v[RSA_Q] != NULL) != crt || (!crt && (v[RSA_DP] != NULL || v[RSA_DQ] != NULL || v[RSA_QINV] != NULL))) {
		rv = CKR_TEMPLATE_INCOMPLETE;
		goto done;
	}
	if (crt && (rv = rsa_complete_crt(v)) != CKR_OK)
		goto done;
	nv = crt ? RSA_NV : RSA_P;
	rv = CKR_HOST_MEMORY;
	if ((bld = OSSL_PARAM_BLD_new()) == NULL)
		goto done;
	for (i = 0; i < nv; i++)
		if (OSSL_PARAM_BLD_push_BN(bld, names[i], v[i]) != 1)
			goto done;
	if ((params = OSSL_PARAM_BLD_to_param(bld)) == NULL)
		goto done;
	/* A mismatched key (n != p*q, d not e's inverse, wrong CRT values) fails the check. */
	if ((pk = from_params("RSA", EVP_PKEY_KEYPAIR, params)) == NULL || !(crt ? key_check(pk, 1) : rsa_roundtrip(pk))) {
		rv = CKR_TEMPLATE_INCONSISTENT;
		goto done;
	}
	/* PKCS#1 RSAPrivateKey needs the primes: without them OpenSSL cannot encode (or reload) the key. */
	rv = private_out(pk, CKK_RSA, crt ? CKR_FUNCTION_FAILED : CKR_TEMPLATE_INCOMPLETE, m);
	if (!crt && rv == CKR_TEMPLATE_INCONSISTENT)
		rv = CKR_TEMPLATE_INCOMPLETE;
done:
	EVP_PKEY_free(pk);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	for (i = 0; i < RSA_NV; i++)
		BN_clear_free(v[i]);
	ERR_clear_error();
	return rv;
}

static CK_RV rsa_public(const CK_ATTRIBUTE *t, CK_ULONG n, struct p11_material *m)
{
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	BIGNUM *bn = NULL, *be = NULL;
	EVP_PKEY *pk = NULL;
	CK_RV rv = bn_of(take(m, t, n, CKA_MODULUS), 0, &bn);

	if (rv == CKR_OK)
		rv = bn_of(take(m, t, n, CKA_PUBLIC_EXPONENT), 0, &be);
	if (rv != CKR_OK)
		goto done;
	rv = CKR_HOST_MEMORY;
	if ((bld = OSSL_PARAM_BLD_new()) == NULL || OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be) != 1 || (params = OSSL_PARAM_BLD_to_param(bld)) == NULL)
		goto done;
	if ((pk = from_params("RSA", EVP_PKEY_PUBLIC_KEY, params)) == NULL || !key_check(pk, 0)) {
		rv = CKR_ATTRIBUTE_VALUE_INVALID;
		goto done;
	}
	rv = public_out(pk, m);
done:
	EVP_PKEY_free(pk);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(bn);
	BN_free(be);
	return rv;
}

/* ---- EdDSA (Ed25519) ---- */

/* CKA_EC_PARAMS of an Edwards key: the OID 1.3.101.112 or the PrintableString "edwards25519". */
static CK_RV ed_params(const CK_ATTRIBUTE *a)
{
	const unsigned char *p;
	ASN1_OBJECT *obj;
	CK_RV rv = need(a, EC_PARAMS_MAX);
	size_t len;

	if (rv != CKR_OK)
		return rv;
	p = a->pValue;
	len = a->ulValueLen;
	if ((len == sizeof(ed25519_oid) && memcmp(p, ed25519_oid, len) == 0) ||
	    (len == sizeof(ed25519_str) - 1 && memcmp(p, ed25519_str, len) == 0))
		return CKR_OK;
	/* Another well-formed curve name or OID (edwards448, ...): not this token's. */
	if (p[0] == 0x13)
		return len >= 2 && p[1] < 0x80 && (size_t)p[1] + 2 == len ? CKR_CURVE_NOT_SUPPORTED
									 : CKR_ATTRIBUTE_VALUE_INVALID;
	if (p[0] != 0x06 || (obj = d2i_ASN1_OBJECT(NULL, &p, (long)len)) == NULL) {
		ERR_clear_error();
		return CKR_ATTRIBUTE_VALUE_INVALID;
	}
	ASN1_OBJECT_free(obj);
	return p == (const unsigned char *)a->pValue + len ? CKR_CURVE_NOT_SUPPORTED : CKR_ATTRIBUTE_VALUE_INVALID;
}

static CK_RV ed_private(const CK_ATTRIBUTE *t, CK_ULONG n, struct p11_material *m)
{
	const CK_ATTRIBUTE *a = take(m, t, n, CKA_VALUE);
	OSSL_PARAM params[2];
	EVP_PKEY *pk;
	CK_RV rv = ed_params(take(m, t, n, CKA_EC_PARAMS));

	if (rv == CKR_OK)
		rv = need(a, 32);
	if (rv == CKR_OK && a->ulValueLen != 32)
		rv = CKR_ATTRIBUTE_VALUE_INVALID; /* RFC 8032: the 32-byte private key */
	if (rv != CKR_OK)
		return rv;
	/* No copy of the key bytes: OpenSSL reads them from the template (the public key is derived). */
	params[0] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PRIV_KEY, a->pValue, 32);
	params[1] = OSSL_PARAM_construct_end();
	if ((pk = from_params("ED25519", EVP_PKEY_KEYPAIR, params)) == NULL || !key_check(pk, 1))
		rv = CKR_ATTRIBUTE_VALUE_INVALID;
	else
		rv = private_out(pk, CKK_EC_EDWARDS, CKR_FUNCTION_FAILED, m);
	EVP_PKEY_free(pk);
	return rv;
}

static CK_RV ed_public(const CK_ATTRIBUTE *t, CK_ULONG n, struct p11_material *m)
{
	const CK_ATTRIBUTE *a = take(m, t, n, CKA_EC_POINT);
	OSSL_PARAM params[2];
	const uint8_t *pt;
	size_t len;
	EVP_PKEY *pk;
	CK_RV rv = ed_params(take(m, t, n, CKA_EC_PARAMS));

	if (rv == CKR_OK)
		rv = need(a, EC_POINT_MAX);
	if (rv != CKR_OK)
		return rv;
	if (!point_der(a, &pt, &len)) {
		pt = a->pValue;
		len = a->ulValueLen;
	}
	if (len != 32)
		return CKR_ATTRIBUTE_VALUE_INVALID;
	params[0] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)pt, len);
	params[1] = OSSL_PARAM_construct_end();
	pk = from_params("ED25519", EVP_PKEY_PUBLIC_KEY, params);
	rv = pk != NULL && key_check(pk, 0) ? public_out(pk, m) : CKR_ATTRIBUTE_VALUE_INVALID;
	EVP_PKEY_free(pk);
	return rv;
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

static CK_RV aes_secret(const CK_ATTRIBUTE *t, CK_ULONG n, struct p11_material *m)
{
	const CK_ATTRIBUTE *a = take(m, t, n, CKA_VALUE), *cv = take(m, t, n, CKA_CHECK_VALUE);
	CK_RV rv = need(a, 32);

	if (rv != CKR_OK)
		return rv;
	if (a->ulValueLen != 16 && a->ulValueLen != 24 && a->ulValueLen != 32)
		return CKR_ATTRIBUTE_VALUE_INVALID;
	if (cv != NULL && (rv = aes_check_value(a->pValue, a->ulValueLen, cv)) != CKR_OK)
		return rv;
	if ((m->secret = poc_secret_alloc(a->ulValueLen)) == NULL)
		return CKR_HOST_MEMORY;
	memcpy(m->secret, a->pValue, a->ulValueLen);
	m->secret_len = a->ulValueLen;
	return CKR_OK;
}

static CK_RV x509_cert(const CK_ATTRIBUTE *t, CK_ULONG n, struct p11_material *m)
{
	const CK_ATTRIBUTE *a = take(m, t, n, CKA_VALUE);
	const unsigned char *p;
	X509 *x;
	CK_RV rv = need(a, CERT_MAX);

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
	if (class == CKO_PRIVATE_KEY && type == CKK_EC)
		rv = ec_private(t, n, m);
	else if (class == CKO_PRIVATE_KEY && type == CKK_RSA)
		rv = rsa_private(t, n, m);
	else if (class == CKO_PRIVATE_KEY && type == CKK_EC_EDWARDS)
		rv = ed_private(t, n, m);
	else if (class == CKO_PUBLIC_KEY && type == CKK_EC)
		rv = ec_public(t, n, m);
	else if (class == CKO_PUBLIC_KEY && type == CKK_RSA)
		rv = rsa_public(t, n, m);
	else if (class == CKO_PUBLIC_KEY && type == CKK_EC_EDWARDS)
		rv = ed_public(t, n, m);
	else if (class == CKO_SECRET_KEY && type == CKK_AES)
		rv = aes_secret(t, n, m);
	else if (class == CKO_CERTIFICATE)
		rv = x509_cert(t, n, m);
	if (rv != CKR_OK)
		p11_material_clear(m);
	return rv;
}
