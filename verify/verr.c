/* SPDX-License-Identifier: Apache-2.0 */
#include "verr.h"

#include <stdio.h>
#include <string.h>

#include <openssl/err.h>

__attribute__((format(printf, 3, 0)))
static void vset(struct poc_err *e, enum poc_verr code, const char *fmt, va_list ap)
{
	e->code = code;
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
}

int poc_err_set(struct poc_err *e, enum poc_verr code, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL || e->code != POC_OK)
		return -1;
	va_start(ap, fmt);
	vset(e, code, fmt, ap);
	va_end(ap);
	return -1;
}

int poc_err_ssl(struct poc_err *e, enum poc_verr code, const char *fmt, ...)
{
	va_list ap;
	unsigned long ssl = ERR_peek_last_error();
	char buf[256];
	size_t n;

	if (e == NULL || e->code != POC_OK) {
		ERR_clear_error();
		return -1;
	}
	va_start(ap, fmt);
	vset(e, code, fmt, ap);
	va_end(ap);
	if (ssl != 0) {
		ERR_error_string_n(ssl, buf, sizeof(buf));
		n = strlen(e->msg);
		snprintf(e->msg + n, sizeof(e->msg) - n, " (%s)", buf);
	}
	ERR_clear_error();
	return -1;
}

void poc_err_prefix(struct poc_err *e, const char *fmt, ...)
{
	char old[POC_ERR_MSG_MAX];
	va_list ap;
	int n;

	if (e == NULL || e->code == POC_OK)
		return;
	memcpy(old, e->msg, sizeof(old));
	va_start(ap, fmt);
	n = vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n < sizeof(e->msg)) {
		size_t room = sizeof(e->msg) - (size_t)n - 1, ol = strnlen(old, sizeof(old) - 1);

		if (ol > room)
			ol = room;
		memcpy(e->msg + n, old, ol);
		e->msg[(size_t)n + ol] = '\0';
	}
}

void poc_err_clear(struct poc_err *e)
{
	if (e == NULL)
		return;
	e->code = POC_OK;
	e->msg[0] = '\0';
}

/* A switch, not a table, so -Wswitch-enum flags a code added without a name. */
const char *poc_strerror(enum poc_verr code)
{
	switch (code) {
	case POC_OK: return "ok";
	case POC_ERR_ARG: return "invalid argument";
	case POC_ERR_NOMEM: return "out of memory";
	case POC_ERR_TRUNCATED: return "truncated";
	case POC_ERR_MALFORMED: return "malformed";
	case POC_ERR_UNSUPPORTED: return "unsupported";
	case POC_ERR_SIGNATURE: return "signature";
	case POC_ERR_CHAIN: return "certificate chain";
	case POC_ERR_EXPIRED: return "expired";
	case POC_ERR_REVOKED: return "revoked";
	case POC_ERR_NONCE: return "nonce";
	case POC_ERR_MISMATCH: return "mismatch";
	case POC_ERR_POLICY: return "policy";
	case POC_ERR_CRYPTO: return "crypto";
	case POC_ERR_TCB: return "tcb";
	case POC_ERR_AUTH: return "wrong PIN";
	case POC_ERR_LOCKED: return "PIN locked";
	case POC_ERR_PCR: return "PCR mismatch";
	case POC_ERR_UNREACHABLE: return "device unreachable";
	case POC_ERR_BUSY: return "device busy";
	case POC_ERR_DEVICE: return "device error";
	case POC_ERR_DEVICE_MEMORY: return "device memory";
	}
	return "unknown";
}
