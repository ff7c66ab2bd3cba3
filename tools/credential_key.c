/* SPDX-License-Identifier: Apache-2.0 */
/* The verifier's credential HMAC key, derived from its record-signing key. */
#include "config.h"

#include "credential_key.h"

#include <stdlib.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/pem.h>

#include "poctool.h"

/* A private key file is small; the cap only bounds a mistaken path. */
#define KEY_FILE_MAX (1u << 20)

static const char key_info[] = "poc-pkcs11/v1/credential-key";

int poc_tool_credential_key(const char *verifier_key_pem, uint8_t out[32])
{
	EVP_KDF *kdf = NULL;
	EVP_KDF_CTX *kctx = NULL;
	EVP_PKEY *pk = NULL;
	BIO *bio = NULL;
	OSSL_PARAM params[4];
	uint8_t *pem = NULL, *der = NULL;
	size_t pem_len = 0;
	int der_len = 0, rv = -1;

	pem = poc_tool_read_file(verifier_key_pem, KEY_FILE_MAX, &pem_len);
	if (pem == NULL)
		goto done;
	if ((bio = BIO_new_mem_buf(pem, (int)pem_len)) == NULL ||
	    (pk = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL)) == NULL) {
		poc_tool_warn("%s: not a PEM private key", verifier_key_pem);
		goto done;
	}
	if ((der_len = i2d_PrivateKey(pk, &der)) <= 0) {
		poc_tool_warn("%s: cannot encode the private key", verifier_key_pem);
		goto done;
	}
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, der, (size_t)der_len);
	params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)key_info,
						      sizeof(key_info) - 1);
	params[3] = OSSL_PARAM_construct_end();
	if ((kdf = EVP_KDF_fetch(NULL, "HKDF", NULL)) == NULL || (kctx = EVP_KDF_CTX_new(kdf)) == NULL ||
	    EVP_KDF_derive(kctx, out, 32, params) != 1) {
		poc_tool_warn("HKDF-SHA256 failed");
		goto done;
	}
	rv = 0;
done:
	if (rv < 0)
		OPENSSL_cleanse(out, 32);
	ERR_clear_error();
	EVP_KDF_CTX_free(kctx);
	EVP_KDF_free(kdf);
	if (der != NULL)
		OPENSSL_clear_free(der, (size_t)der_len);
	BIO_free(bio);
	EVP_PKEY_free(pk);
	if (pem != NULL) {
		OPENSSL_cleanse(pem, pem_len);
		free(pem);
	}
	return rv;
}
