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

#include "credential.h"
#include "poctool.h"

/* A private key file is small; the cap only bounds a mistaken path. */
#define KEY_FILE_MAX (1u << 20)

int poc_tool_credential_key(const char *verifier_key_pem, uint8_t out[32])
{
	struct poc_err e = { 0 };
	EVP_PKEY *pk = NULL;
	BIO *bio = NULL;
	uint8_t *pem;
	size_t pem_len = 0;
	int rv = -1;

	pem = poc_tool_read_file(verifier_key_pem, KEY_FILE_MAX, &pem_len);
	if (pem == NULL)
		return -1;
	if ((bio = BIO_new_mem_buf(pem, (int)pem_len)) == NULL ||
	    (pk = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL)) == NULL)
		poc_tool_warn("%s: not a PEM private key", verifier_key_pem);
	else if (poc_credential_key(&e, pk, out) < 0)
		poc_tool_warn("%s: %s", verifier_key_pem, e.msg);
	else
		rv = 0;
	ERR_clear_error();
	BIO_free(bio);
	EVP_PKEY_free(pk);
	OPENSSL_cleanse(pem, pem_len);
	free(pem);
	return rv;
}
