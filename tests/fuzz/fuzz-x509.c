/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer: the certificate-facing parsers - PEM/DER loading, the GCE instance
 * extension, the SGX PCK extension from a certificate - and the PCR text format.
 */
#include <openssl/x509.h>
#include <tss2/tss2_tpm2_types.h>

#include "gce_ext.h"
#include "pcrs.h"
#include "sgx_ext.h"
#include "x509.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct poc_err e = { 0 };
	STACK_OF(X509) *certs = poc_x509_load(&e, data, size);
	struct poc_pcrs pcrs = { 0 };

	for (int i = 0; certs != NULL && i < sk_X509_num(certs); i++) {
		struct poc_gce_info gce;
		struct poc_sgx_ext sgx;

		poc_err_clear(&e);
		(void)poc_gce_info_get(&e, sk_X509_value(certs, i), &gce);
		poc_err_clear(&e);
		(void)poc_sgx_ext_from_cert(&e, sk_X509_value(certs, i), &sgx);
	}
	sk_X509_pop_free(certs, X509_free);
	poc_err_clear(&e);
	(void)poc_pcrs_parse_text(&e, &pcrs, TPM2_ALG_SHA256, (const char *)data, size);
	return 0;
}
