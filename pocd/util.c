/* SPDX-License-Identifier: Apache-2.0 */
/* pocd's small shared pieces: the clock, key files, warnings, text responses. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "pocd.h"

int64_t pocd_now(void)
{
	return (int64_t)time(NULL);
}

int64_t pocd_now_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return pocd_now() * 1000;
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void pocd_warn(const char *fmt, ...)
{
	va_list ap;

	fputs("pocd: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static EVP_PKEY *read_key(const char *path, int private)
{
	FILE *f = fopen(path, "r");
	EVP_PKEY *k = NULL;

	if (f == NULL) {
		pocd_warn("%s: cannot open", path);
		return NULL;
	}
	k = private ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : PEM_read_PUBKEY(f, NULL, NULL, NULL);
	fclose(f);
	ERR_clear_error();
	if (k == NULL || !EVP_PKEY_is_a(k, "EC") || EVP_PKEY_get_bits(k) != 256) {
		pocd_warn("%s: not a PEM P-256 %s key", path, private ? "private" : "public");
		EVP_PKEY_free(k);
		return NULL;
	}
	return k;
}

EVP_PKEY *pocd_read_private(const char *path)
{
	return read_key(path, 1);
}

EVP_PKEY *pocd_read_public(const char *path)
{
	return read_key(path, 0);
}

void pocd_text(struct pocd_response *r, unsigned status, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n > sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	buf[n++] = '\n';
	free(r->body);
	r->status = status;
	r->type = "text/plain";
	r->body = malloc((size_t)n);
	r->len = r->body ? (size_t)n : 0;
	if (r->body)
		memcpy(r->body, buf, (size_t)n);
}

void pocd_secret_free(void *p, size_t n)
{
	if (p == NULL)
		return;
	if (CRYPTO_secure_allocated(p))
		OPENSSL_secure_clear_free(p, n);
	else
		OPENSSL_clear_free(p, n);
}
