/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for poc_sgx_ext_parse. The input is the extension's DER
 * value; a TDX quote (the seeds are real quotes) is also accepted, in which
 * case its PCK leaf's extension is parsed too, so the seeds are useful as is.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509.h>

#include "sgx_ext.h"
#include "tdx_quote.h"
#include "x509.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct poc_err e = { 0 };
	struct poc_sgx_ext x;
	struct poc_tdx_quote q;
	STACK_OF(X509) *certs;

	if (poc_sgx_ext_parse(&e, data, size, &x) == 0 && x.sgx_type > 2)
		abort();
	poc_err_clear(&e);
	if (poc_tdx_quote_parse(&e, data, size, &q) == 0 &&
	    (certs = poc_x509_load(&e, q.pck_pem, q.pck_pem_len)) != NULL) {
		for (int i = 0; i < sk_X509_num(certs); i++) {
			poc_err_clear(&e);
			(void)poc_sgx_ext_from_cert(&e, sk_X509_value(certs, i), &x);
		}
		sk_X509_pop_free(certs, X509_free);
	}
	ERR_clear_error();
	return 0;
}
