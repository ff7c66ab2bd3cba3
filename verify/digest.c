/* SPDX-License-Identifier: Apache-2.0 */
/* Hashes and HMACs over pieces (see digest.h). */
#include "digest.h"

#include <openssl/core_names.h>

int poc_digest(const EVP_MD *md, const struct poc_piece *pc, size_t npc, uint8_t *out, size_t *outlen)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int n = 0;
	int rv = -1;

	if (md == NULL || ctx == NULL || EVP_DigestInit_ex(ctx, md, NULL) != 1)
		goto done;
	for (size_t i = 0; i < npc; i++)
		if (pc[i].p != NULL && pc[i].n > 0 && EVP_DigestUpdate(ctx, pc[i].p, pc[i].n) != 1)
			goto done;
	if (EVP_DigestFinal_ex(ctx, out, &n) != 1)
		goto done;
	if (outlen != NULL)
		*outlen = n;
	rv = 0;
done:
	EVP_MD_CTX_free(ctx);
	return rv;
}

int poc_hmac(const EVP_MD *md, const uint8_t *key, size_t key_len, const struct poc_piece *pc, size_t npc,
	     uint8_t *out, size_t *outlen)
{
	OSSL_PARAM params[2];
	EVP_MAC *mac = NULL;
	EVP_MAC_CTX *ctx = NULL;
	size_t n = 0;
	int rv = -1;

	if (md == NULL)
		return -1;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)EVP_MD_get0_name(md), 0);
	params[1] = OSSL_PARAM_construct_end();
	if ((mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL || (ctx = EVP_MAC_CTX_new(mac)) == NULL ||
	    EVP_MAC_init(ctx, key, key_len, params) != 1)
		goto done;
	for (size_t i = 0; i < npc; i++)
		if (pc[i].p != NULL && pc[i].n > 0 && EVP_MAC_update(ctx, pc[i].p, pc[i].n) != 1)
			goto done;
	if (EVP_MAC_final(ctx, out, &n, EVP_MAX_MD_SIZE) != 1)
		goto done;
	if (outlen != NULL)
		*outlen = n;
	rv = 0;
done:
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return rv;
}

int poc_sha256(const void *p, size_t n, uint8_t out[32])
{
	const struct poc_piece pc = { p, n };

	return poc_digest(EVP_sha256(), &pc, 1, out, NULL);
}

int poc_sha384(const void *p, size_t n, uint8_t out[48])
{
	const struct poc_piece pc = { p, n };

	return poc_digest(EVP_sha384(), &pc, 1, out, NULL);
}
