/* SPDX-License-Identifier: Apache-2.0 */
/* Raw r || s and DER ECDSA signatures through OpenSSL's ECDSA_SIG (see ecdsa_sig.h). */
#include "ecdsa_sig.h"

#include <limits.h>

#include <openssl/bn.h>
#include <openssl/ec.h>

int poc_ecdsa_rs_to_der(const uint8_t *r, size_t rlen, const uint8_t *s, size_t slen, unsigned char **der)
{
	ECDSA_SIG *es = NULL;
	BIGNUM *br = NULL, *bs = NULL;
	int n = -1;

	*der = NULL;
	if ((r == NULL && rlen != 0) || (s == NULL && slen != 0) || rlen > INT_MAX || slen > INT_MAX)
		return -1;
	if ((es = ECDSA_SIG_new()) == NULL || (br = BN_bin2bn(r, (int)rlen, NULL)) == NULL ||
	    (bs = BN_bin2bn(s, (int)slen, NULL)) == NULL || ECDSA_SIG_set0(es, br, bs) != 1) {
		BN_free(br);
		BN_free(bs);
		goto done;
	}
	/* es owns br and bs now. */
	n = i2d_ECDSA_SIG(es, der);
	if (n <= 0) {
		*der = NULL;
		n = -1;
	}
done:
	ECDSA_SIG_free(es);
	return n;
}

int poc_ecdsa_raw_to_der(const uint8_t *rs, size_t rslen, unsigned char **der)
{
	*der = NULL;
	if (rslen % 2 != 0)
		return -1;
	return poc_ecdsa_rs_to_der(rs, rslen / 2, rs + rslen / 2, rslen / 2, der);
}

int poc_ecdsa_der_to_raw(const unsigned char *der, size_t derlen, uint8_t *rs, size_t half)
{
	const unsigned char *p = der;
	ECDSA_SIG *es;
	int rv = -1;

	if (der == NULL || derlen == 0 || derlen > LONG_MAX || half == 0 || half > INT_MAX)
		return -1;
	es = d2i_ECDSA_SIG(NULL, &p, (long)derlen);
	if (es == NULL)
		return -1;
	if (p == der + derlen && BN_bn2binpad(ECDSA_SIG_get0_r(es), rs, (int)half) == (int)half &&
	    BN_bn2binpad(ECDSA_SIG_get0_s(es), rs + half, (int)half) == (int)half)
		rv = 0;
	ECDSA_SIG_free(es);
	return rv;
}

int poc_ecdsa_verify_raw(EVP_PKEY *key, const EVP_MD *md, const uint8_t *rs, size_t rslen, const uint8_t *msg,
			 size_t len)
{
	unsigned char *der = NULL;
	EVP_MD_CTX *ctx = NULL;
	int derlen, rv = -1;

	if ((derlen = poc_ecdsa_raw_to_der(rs, rslen, &der)) < 0 || (ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestVerifyInit(ctx, NULL, md, NULL, key) != 1)
		goto done;
	rv = EVP_DigestVerify(ctx, der, (size_t)derlen, msg, len) == 1;
done:
	EVP_MD_CTX_free(ctx);
	OPENSSL_free(der);
	return rv;
}

int poc_ecdsa_sign_raw(EVP_PKEY *key, const EVP_MD *md, const uint8_t *msg, size_t len, uint8_t *rs, size_t half)
{
	unsigned char der[160]; /* a P-521 ECDSA-Sig-Value is at most 139 bytes */
	size_t dlen = sizeof(der);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int rv = -1;

	if (ctx != NULL && EVP_DigestSignInit(ctx, NULL, md, NULL, key) == 1 &&
	    EVP_DigestSign(ctx, der, &dlen, msg, len) == 1 && poc_ecdsa_der_to_raw(der, dlen, rs, half) == 0)
		rv = 0;
	EVP_MD_CTX_free(ctx);
	return rv;
}
