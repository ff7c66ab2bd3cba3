/* SPDX-License-Identifier: Apache-2.0 */
/* The poc-v1 binding's digests (binding.h). */
#include "binding.h"

#include <string.h>

#include <openssl/evp.h>

#include "digest.h"

/* md(prefix || a || b) into out, exactly want bytes. */
static int bind_digest(struct poc_err *e, const EVP_MD *md, const char *prefix, const uint8_t *a, size_t alen,
		       const uint8_t *b, size_t blen, uint8_t *out, size_t want)
{
	const struct poc_piece in[] = { { prefix, strlen(prefix) }, { a, alen }, { b, blen } };
	uint8_t buf[EVP_MAX_MD_SIZE];
	size_t n = 0;

	if (poc_digest(md, in, 3, buf, &n) < 0 || n != want)
		return poc_err_ssl(e, POC_ERR_CRYPTO, "binding digest");
	memcpy(out, buf, want);
	return 0;
}

int poc_binding_reportdata(struct poc_err *e, const uint8_t *nonce, size_t nonce_len, const uint8_t *ak_name,
			   size_t ak_name_len, uint8_t rd[64])
{
	return bind_digest(e, EVP_sha512(), POC_BINDING_TDX_PREFIX, nonce, nonce_len, ak_name, ak_name_len, rd, 64);
}

int poc_binding_qualifying(struct poc_err *e, const uint8_t *nonce, size_t nonce_len, const uint8_t *td_signed,
			   size_t td_signed_len, uint8_t qd[32])
{
	uint8_t h384[48];

	if (td_signed == NULL)
		return bind_digest(e, EVP_sha256(), POC_BINDING_TPM_PREFIX, nonce, nonce_len, NULL, 0, qd, 32);
	if (poc_sha384(td_signed, td_signed_len, h384) < 0)
		return poc_err_ssl(e, POC_ERR_CRYPTO, "binding digest: SHA-384 of the TD quote");
	return bind_digest(e, EVP_sha256(), POC_BINDING_TPM_PREFIX, nonce, nonce_len, h384, 48, qd, 32);
}
