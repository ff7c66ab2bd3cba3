/* SPDX-License-Identifier: Apache-2.0 */
/* base64url decoding (b64url.h). */
#include "b64url.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

int poc_b64url_decode(struct poc_err *e, const char *what, const char *in, size_t n, uint8_t *out, size_t max,
		      size_t *outlen)
{
	static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t i, pad = (4 - n % 4) % 4, want = n / 4 * 3 + (n % 4 ? n % 4 - 1 : 0);
	unsigned char *b64 = NULL, *bin = NULL;
	int got, rv = -1;

	if (n == 0 || n % 4 == 1)
		return poc_err_set(e, POC_ERR_MALFORMED, "%s: bad base64url length %zu", what, n);
	for (i = 0; i < n; i++)
		if (in[i] == '\0' || strchr(alpha, in[i]) == NULL)
			return poc_err_set(e, POC_ERR_MALFORMED, "%s: bad base64url", what);
	if (want > max)
		return poc_err_set(e, POC_ERR_MALFORMED, "%s: too long", what);
	if (n + pad > INT_MAX || (b64 = malloc(n + pad)) == NULL || (bin = malloc((n + pad) / 4 * 3)) == NULL) {
		poc_err_set(e, POC_ERR_NOMEM, "%s", what);
		goto done;
	}
	for (i = 0; i < n; i++)
		b64[i] = (unsigned char)(in[i] == '-' ? '+' : in[i] == '_' ? '/' : in[i]);
	memset(b64 + n, '=', pad);
	got = EVP_DecodeBlock(bin, b64, (int)(n + pad));
	if (got < 0 || (size_t)got != want + pad) {
		poc_err_ssl(e, POC_ERR_MALFORMED, "%s: bad base64url", what);
		goto done;
	}
	memcpy(out, bin, want);
	*outlen = want;
	rv = 0;
done:
	free(b64);
	free(bin);
	return rv;
}
