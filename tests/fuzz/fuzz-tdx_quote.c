/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for poc_tdx_quote_parse, then the whole verify path with
 * the quote's own last certificate as the trust anchor (so the PEM, chain,
 * SGX extension and signature code all see fuzzed bytes).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509.h>

#include "tdx_quote.h"
#include "x509.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct poc_err e = { 0 };
	struct poc_tdx_quote q;
	struct poc_tdx_verified v;
	STACK_OF(X509) *certs, *roots;

	if (poc_tdx_quote_parse(&e, data, size, &q) < 0)
		return 0;
	if (q.total_len > size || q.signed_len > q.total_len ||
	    q.pck_pem + q.pck_pem_len > data + size || q.qe_auth + q.qe_auth_len > data + size)
		abort();
	(void)poc_tdx_quote_debug(&q);
	certs = poc_x509_load(&e, q.pck_pem, q.pck_pem_len);
	if (certs == NULL)
		return 0;
	roots = sk_X509_new_null();
	if (roots != NULL && sk_X509_push(roots, sk_X509_value(certs, sk_X509_num(certs) - 1))) {
		poc_err_clear(&e);
		if (poc_tdx_quote_verify(&e, &q, roots, 1770000000, &v) == 0)
			poc_tdx_verified_free(&v);
	}
	sk_X509_free(roots);
	sk_X509_pop_free(certs, X509_free);
	ERR_clear_error();
	return 0;
}
