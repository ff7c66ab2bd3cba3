/* SPDX-License-Identifier: Apache-2.0 */
/* P-256 keys for HPKE: from a raw scalar or point, to a point (see hpke.h). */
#include "hpke.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

EVP_PKEY *poc_p256_generate(void)
{
	return EVP_EC_gen("P-256");
}

/* An EVP_PKEY from the group name plus the params built so far. */
static EVP_PKEY *from_params(OSSL_PARAM_BLD *bld, int selection)
{
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *key = NULL;

	if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &key, selection, params) != 1)
		key = NULL;
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	return key;
}

EVP_PKEY *poc_p256_from_scalar(const uint8_t sk[static POC_HPKE_NSK])
{
	EC_GROUP *grp = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
	EC_POINT *pt = NULL;
	BIGNUM *d = BN_secure_new();
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	uint8_t pub[POC_HPKE_NPK];
	EVP_PKEY *key = NULL;

	if (grp == NULL || d == NULL || bld == NULL || BN_bin2bn(sk, POC_HPKE_NSK, d) == NULL || BN_is_zero(d) ||
	    BN_cmp(d, EC_GROUP_get0_order(grp)) >= 0 || (pt = EC_POINT_new(grp)) == NULL ||
	    EC_POINT_mul(grp, pt, d, NULL, NULL, NULL) != 1 ||
	    EC_POINT_point2oct(grp, pt, POINT_CONVERSION_UNCOMPRESSED, pub, sizeof(pub), NULL) != sizeof(pub) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof(pub)))
		goto done;
	key = from_params(bld, EVP_PKEY_KEYPAIR);
done:
	OSSL_PARAM_BLD_free(bld);
	BN_clear_free(d);
	EC_POINT_free(pt);
	EC_GROUP_free(grp);
	return key;
}

EVP_PKEY *poc_p256_from_point(const uint8_t *pk, size_t len)
{
	OSSL_PARAM_BLD *bld;
	EVP_PKEY *key = NULL;

	/* Only the uncompressed form (SerializePublicKey, RFC 9180 7.1.1); fromdata checks the curve. */
	if (pk == NULL || len != POC_HPKE_NPK || pk[0] != 0x04 || (bld = OSSL_PARAM_BLD_new()) == NULL)
		return NULL;
	if (OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pk, len))
		key = from_params(bld, EVP_PKEY_PUBLIC_KEY);
	OSSL_PARAM_BLD_free(bld);
	return key;
}

int poc_p256_point(EVP_PKEY *key, uint8_t pk[static POC_HPKE_NPK])
{
	char grp[32];
	size_t n = 0, glen = 0;

	if (key == NULL || !EVP_PKEY_is_a(key, "EC") ||
	    !EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, grp, sizeof(grp), &glen) ||
	    (OBJ_sn2nid(grp) != NID_X9_62_prime256v1 && EC_curve_nist2nid(grp) != NID_X9_62_prime256v1))
		return -1;
	if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, pk, POC_HPKE_NPK, &n) != 1 ||
	    n != POC_HPKE_NPK || pk[0] != 0x04)
		return -1;
	return 0;
}
