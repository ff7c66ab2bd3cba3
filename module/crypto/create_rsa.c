/* SPDX-License-Identifier: Apache-2.0 */
/*
 * C_CreateObject's RSA keys (see p11_create.c): private keys with or without
 * their primes (missing CRT values computed), public keys; the modulus within
 * the RSA range of the mechanism table (1024-4096 bits).
 */
#include "crypto/create_int.h"

#include <stdlib.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include "crypto/crypto_int.h"

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
		const CK_ATTRIBUTE *a = poc_create_take(m, t, n, types[i]);

		if (a != NULL || i <= RSA_D) /* n, e and d are needed; the CRT values are optional */
			rv = poc_create_bn(a, i >= RSA_D, &v[i]);
	}
	if (rv != CKR_OK)
		goto done;
	bits = BN_num_bits(v[RSA_N]);
	if (!BN_is_odd(v[RSA_N]) || !BN_is_odd(v[RSA_E]) || BN_is_one(v[RSA_E]) || BN_is_zero(v[RSA_D])) {
		rv = CKR_ATTRIBUTE_VALUE_INVALID;
		goto done;
	}
	if (bits < POC_RSA_MIN_BITS || bits > POC_RSA_MAX_BITS) {
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
	pk = poc_create_from_params("RSA", EVP_PKEY_KEYPAIR, params);
	if (pk == NULL || !(crt ? poc_create_key_check(pk, 1) : rsa_roundtrip(pk))) {
		rv = CKR_TEMPLATE_INCONSISTENT;
		goto done;
	}
	/* PKCS#1 RSAPrivateKey needs the primes: without them OpenSSL cannot encode (or reload) the key. */
	rv = poc_create_private_out(pk, CKK_RSA, crt ? CKR_FUNCTION_FAILED : CKR_TEMPLATE_INCOMPLETE, m);
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
	CK_RV rv = poc_create_bn(poc_create_take(m, t, n, CKA_MODULUS), 0, &bn);

	if (rv == CKR_OK)
		rv = poc_create_bn(poc_create_take(m, t, n, CKA_PUBLIC_EXPONENT), 0, &be);
	if (rv != CKR_OK)
		goto done;
	rv = CKR_HOST_MEMORY;
	if ((bld = OSSL_PARAM_BLD_new()) == NULL || OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be) != 1 || (params = OSSL_PARAM_BLD_to_param(bld)) == NULL)
		goto done;
	if ((pk = poc_create_from_params("RSA", EVP_PKEY_PUBLIC_KEY, params)) == NULL || !poc_create_key_check(pk, 0)) {
		rv = CKR_ATTRIBUTE_VALUE_INVALID;
		goto done;
	}
	rv = poc_create_public_out(pk, m);
done:
	EVP_PKEY_free(pk);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(bn);
	BN_free(be);
	return rv;
}

CK_RV poc_create_rsa(int private, const CK_ATTRIBUTE *t, CK_ULONG n, struct p11_material *m)
{
	return private ? rsa_private(t, n, m) : rsa_public(t, n, m);
}
