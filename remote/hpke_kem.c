/* SPDX-License-Identifier: Apache-2.0 */
/* DHKEM(P-256, HKDF-SHA256) (RFC 9180 4.1): Encap and Decap over EVP_PKEY_derive. */
#include <string.h>

#include <openssl/crypto.h>

#include "hpke.h"
#include "hpke_kdf.h"

/* dh = ECDH(sk, pk) x-coordinate (32 bytes). 0 or -1. */
static int ecdh(EVP_PKEY *sk, EVP_PKEY *pk, uint8_t dh[static 32])
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, sk, NULL);
	size_t n = 32;
	int rv = -1;

	/* set_peer_ex with validation: the peer's point is checked on the curve and not infinity. */
	if (ctx != NULL && EVP_PKEY_derive_init(ctx) == 1 && EVP_PKEY_derive_set_peer_ex(ctx, pk, 1) == 1 &&
	    EVP_PKEY_derive(ctx, dh, &n) == 1 && n == 32)
		rv = 0;
	EVP_PKEY_CTX_free(ctx);
	return rv;
}

/* shared_secret = ExtractAndExpand(dh, enc || pkRm). */
static int extract_and_expand(const uint8_t dh[static 32], const uint8_t enc[static POC_HPKE_NPK],
			      const uint8_t pkR[static POC_HPKE_NPK], uint8_t ss[static POC_HPKE_NSECRET])
{
	uint8_t prk[32], kem_context[2 * POC_HPKE_NPK];
	int rv;

	memcpy(kem_context, enc, POC_HPKE_NPK);
	memcpy(kem_context + POC_HPKE_NPK, pkR, POC_HPKE_NPK);
	rv = poc_hpke_labeled_extract(poc_hpke_suite_kem, sizeof(poc_hpke_suite_kem), NULL, 0, "eae_prk", dh, 32,
				      prk) < 0 ||
	     poc_hpke_labeled_expand(poc_hpke_suite_kem, sizeof(poc_hpke_suite_kem), prk, "shared_secret", kem_context,
				     sizeof(kem_context), ss, POC_HPKE_NSECRET) < 0 ?
		     -1 :
		     0;
	OPENSSL_cleanse(prk, sizeof(prk));
	return rv;
}

int poc_hpke_encap(struct poc_err *e, const uint8_t *pkR, size_t pkR_len, EVP_PKEY *skE,
		   uint8_t enc[static POC_HPKE_NPK], uint8_t ss[static POC_HPKE_NSECRET])
{
	EVP_PKEY *pk = poc_p256_from_point(pkR, pkR_len), *eph = skE;
	uint8_t dh[32];
	int rv = -1;

	if (pk == NULL)
		return poc_err_set(e, POC_ERR_MALFORMED, "hpke: pkR is not an uncompressed P-256 point");
	if (eph == NULL && (eph = poc_p256_generate()) == NULL) {
		poc_err_ssl(e, POC_ERR_CRYPTO, "hpke: ephemeral key");
		goto done;
	}
	if (poc_p256_point(eph, enc) < 0 || ecdh(eph, pk, dh) < 0 || extract_and_expand(dh, enc, pkR, ss) < 0) {
		poc_err_ssl(e, POC_ERR_CRYPTO, "hpke: encap");
		goto done;
	}
	rv = 0;
done:
	OPENSSL_cleanse(dh, sizeof(dh));
	if (eph != skE)
		EVP_PKEY_free(eph);
	EVP_PKEY_free(pk);
	return rv;
}

int poc_hpke_decap(struct poc_err *e, const uint8_t *enc, size_t enc_len, EVP_PKEY *skR,
		   uint8_t ss[static POC_HPKE_NSECRET])
{
	EVP_PKEY *pkE = poc_p256_from_point(enc, enc_len);
	uint8_t dh[32], pkR[POC_HPKE_NPK];
	int rv = -1;

	if (pkE == NULL)
		return poc_err_set(e, POC_ERR_MALFORMED, "hpke: enc is not an uncompressed P-256 point");
	if (poc_p256_point(skR, pkR) < 0 || ecdh(skR, pkE, dh) < 0 || extract_and_expand(dh, enc, pkR, ss) < 0)
		poc_err_ssl(e, POC_ERR_CRYPTO, "hpke: decap");
	else
		rv = 0;
	OPENSSL_cleanse(dh, sizeof(dh));
	EVP_PKEY_free(pkE);
	return rv;
}
