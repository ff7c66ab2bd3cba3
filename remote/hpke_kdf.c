/* SPDX-License-Identifier: Apache-2.0 */
/* LabeledExtract / LabeledExpand (RFC 9180 4) through EVP_KDF HKDF's extract-only and expand-only modes. */
#include "hpke_kdf.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>

#include "hpke.h"

const uint8_t poc_hpke_suite_kem[5] = { 'K', 'E', 'M', 0x00, 0x10 };
const uint8_t poc_hpke_suite_hpke[10] = { 'H', 'P', 'K', 'E', 0x00, 0x10, 0x00, 0x01, 0x00, 0x01 };

#define LABEL_PREFIX "HPKE-v1"
#define LABEL_MAX 32
#define LABELED_MAX (2 + 7 + 10 + LABEL_MAX + POC_HPKE_INFO_MAX + 2 * POC_HPKE_NPK)

/* [I2OSP(L, 2)] || "HPKE-v1" || suite || label || x into buf; its length, 0 when it does not fit. */
static size_t labeled(uint8_t *buf, int with_len, size_t L, const uint8_t *suite, size_t suite_len, const char *label,
		      const uint8_t *x, size_t x_len)
{
	size_t label_len = strlen(label), n = 0;

	if (label_len > LABEL_MAX || x_len > POC_HPKE_INFO_MAX + 2 * POC_HPKE_NPK || L > 0xffff)
		return 0;
	if (with_len) {
		buf[n++] = (uint8_t)(L >> 8);
		buf[n++] = (uint8_t)L;
	}
	memcpy(buf + n, LABEL_PREFIX, 7);
	n += 7;
	memcpy(buf + n, suite, suite_len);
	n += suite_len;
	memcpy(buf + n, label, label_len);
	n += label_len;
	if (x_len > 0)
		memcpy(buf + n, x, x_len);
	return n + x_len;
}

/* One HKDF call in mode (EXTRACT_ONLY: key = ikm, salt; EXPAND_ONLY: key = prk, info). */
static int hkdf(int mode, const uint8_t *key, size_t key_len, const uint8_t *salt, size_t salt_len,
		const uint8_t *info, size_t info_len, uint8_t *out, size_t out_len)
{
	OSSL_PARAM params[6], *p = params;
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	int rv = -1;

	*p++ = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)key, key_len);
	/* An empty salt is HMAC's all-zero key (RFC 5869 2.2): leave it unset. */
	if (salt_len > 0)
		*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, salt_len);
	if (info_len > 0)
		*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, info_len);
	*p = OSSL_PARAM_construct_end();
	if (ctx != NULL && EVP_KDF_derive(ctx, out, out_len, params) == 1)
		rv = 0;
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	return rv;
}

int poc_hpke_labeled_extract(const uint8_t *suite, size_t suite_len, const uint8_t *salt, size_t salt_len,
			     const char *label, const uint8_t *ikm, size_t ikm_len, uint8_t prk[static 32])
{
	uint8_t buf[LABELED_MAX];
	size_t n = labeled(buf, 0, 0, suite, suite_len, label, ikm, ikm_len);
	int rv = n == 0 ? -1 : hkdf(EVP_KDF_HKDF_MODE_EXTRACT_ONLY, buf, n, salt, salt_len, NULL, 0, prk, 32);

	OPENSSL_cleanse(buf, sizeof(buf));
	return rv;
}

int poc_hpke_labeled_expand(const uint8_t *suite, size_t suite_len, const uint8_t prk[static 32], const char *label,
			    const uint8_t *info, size_t info_len, uint8_t *out, size_t L)
{
	uint8_t buf[LABELED_MAX];
	size_t n = labeled(buf, 1, L, suite, suite_len, label, info, info_len);
	int rv = n == 0 || L == 0 ? -1 : hkdf(EVP_KDF_HKDF_MODE_EXPAND_ONLY, prk, 32, NULL, 0, buf, n, out, L);

	OPENSSL_cleanse(buf, sizeof(buf));
	return rv;
}
