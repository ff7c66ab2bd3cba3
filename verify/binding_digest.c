/* SPDX-License-Identifier: Apache-2.0 */
/* The poc-v1 binding's digests (binding.h). */
#include "binding.h"

#include <string.h>

#include <openssl/evp.h>

/* H(prefix || a || b) into out (exactly want bytes). */
static int digest(struct poc_err *e, const EVP_MD *md, const char *prefix, const uint8_t *a, size_t alen,
		  const uint8_t *b, size_t blen, uint8_t *out, unsigned int want)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned int n = 0;
	int ok = c != NULL && EVP_DigestInit_ex(c, md, NULL) == 1 &&
		 EVP_DigestUpdate(c, prefix, strlen(prefix)) == 1 && (alen == 0 || EVP_DigestUpdate(c, a, alen) == 1) &&
		 (blen == 0 || EVP_DigestUpdate(c, b, blen) == 1) && EVP_DigestFinal_ex(c, out, &n) == 1 && n == want;

	EVP_MD_CTX_free(c);
	return ok ? 0 : poc_err_ssl(e, POC_ERR_CRYPTO, "binding digest");
}

int poc_binding_reportdata(struct poc_err *e, const uint8_t *nonce, size_t nonce_len, const uint8_t *ak_name,
			   size_t ak_name_len, uint8_t rd[64])
{
	return digest(e, EVP_sha512(), POC_BINDING_TDX_PREFIX, nonce, nonce_len, ak_name, ak_name_len, rd, 64);
}

int poc_binding_qualifying(struct poc_err *e, const uint8_t *nonce, size_t nonce_len, const uint8_t *td_signed,
			   size_t td_signed_len, uint8_t qd[32])
{
	uint8_t h384[48];

	if (td_signed == NULL)
		return digest(e, EVP_sha256(), POC_BINDING_TPM_PREFIX, nonce, nonce_len, NULL, 0, qd, 32);
	if (digest(e, EVP_sha384(), "", td_signed, td_signed_len, NULL, 0, h384, 48) < 0)
		return -1;
	return digest(e, EVP_sha256(), POC_BINDING_TPM_PREFIX, nonce, nonce_len, h384, 48, qd, 32);
}
